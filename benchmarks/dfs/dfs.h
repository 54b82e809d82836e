/* dfs.h: what the DFS programs share. DFS is Weave's tree benchmark: a
 * node at depth d > 0 spawns `breadth` children of depth d - 1 and sums
 * their results; a leaf returns 1, so the result is breadth^depth. */
#ifndef WEFT_BENCH_DFS_H
#define WEFT_BENCH_DFS_H

/* The largest breadth the programs accept (flowvars live on the stack). */
#define DFS_MAX_BREADTH 64

/* Nodes of the tree, (breadth^(depth+1) - 1) / (breadth - 1): the number of
 * dfs calls, counted as spawns (the root included, as the peer figures do). */
static inline unsigned long long dfs_spawns(int depth, int breadth)
{
    unsigned long long nodes = 0, level = 1;
    for (int d = 0; d <= depth; d++) {
        nodes += level;
        level *= (unsigned long long)breadth;
    }
    return nodes;
}

/* Parses "depth breadth" from argv or exits with a usage line. */
static inline void dfs_args(int argc, char **argv, const char *prog, int *depth, int *breadth)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s DEPTH BREADTH   (e.g. 8 8)\n", prog);
        exit(2);
    }
    *depth = atoi(argv[1]);
    *breadth = atoi(argv[2]);
    if (*depth < 0 || *breadth < 1 || *breadth > DFS_MAX_BREADTH) {
        fprintf(stderr, "%s: need DEPTH >= 0 and 1 <= BREADTH <= %d\n", prog, DFS_MAX_BREADTH);
        exit(2);
    }
}

#endif
