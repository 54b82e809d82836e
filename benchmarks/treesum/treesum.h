/* treesum.h: what the tree-sum programs share. Tree-sum is the workload Spice
 * and Chili measure their fork cost with: a balanced binary tree of n nodes,
 * each a value and two child pointers (24 bytes), built once, then summed
 * recursively; a node with two children forks the sum of its right subtree
 * (spawn) and sums its left one itself (call). The node holding i + 1 is the
 * middle of the in-order range [lo, hi) it roots (i = its middle), so the sum
 * is n (n + 1) / 2. Two sizes: the big tree, 10^8 nodes once (memory-bound,
 * 2.4 GB), and a 1,023-node tree (10 full levels, 24 KiB, in cache) summed
 * many times. Every version's sum starts with BENCH_OPAQUE(), so that the
 * compiler cannot treat it as pure and fold the REPS sums into one.
 *
 * A node with one child has it on the left (ts_build), so a sum needs only
 * two cases: a right child (then a left one too: fork) or at most a left one.
 *
 * Usage of every program: NAME NODES [REPS]   (REPS default 1; the result is
 * the sum of the REPS sums, and the program checks it against the formula.)
 */
#ifndef WEFT_BENCH_TREESUM_H
#define WEFT_BENCH_TREESUM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common/bench.h"

/* A tree node. */
typedef struct ts_node {
    uint64_t value;
    struct ts_node *left, *right;
} ts_node;

/* A built tree: the root is nodes[0]; `forks` counts the nodes with two
 * children (the spawns one sum makes). */
typedef struct ts_tree {
    ts_node *nodes;
    uint64_t n;
    uint64_t forks;
} ts_tree;

/* The problem: NODES and REPS from argv, or exits with a usage line. */
static inline void ts_args(int argc, char **argv, const char *prog, uint64_t *n, long *reps)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s NODES [REPS]   (e.g. 100000000, or 1023 100000)\n", prog);
        exit(2);
    }
    long long v = atoll(argv[1]);
    *reps = argc == 3 ? atol(argv[2]) : 1;
    if (v < 1 || *reps < 1) {
        fprintf(stderr, "%s: need NODES >= 1 and REPS >= 1\n", prog);
        exit(2);
    }
    *n = (uint64_t)v;
}

/* Builds the balanced tree of n nodes in one allocation, in preorder (a
 * node's left child is the next node, as a recursive build would lay it
 * out), iteratively: a stack of pending (slot, lo, hi) ranges, at most one
 * per level plus one. Untimed; exits when the memory is not there. */
static inline ts_tree ts_build(uint64_t n)
{
    ts_tree t = {(ts_node *)malloc(n * sizeof(ts_node)), n, 0};
    if (!t.nodes) {
        fprintf(stderr, "treesum: no memory for %llu nodes\n", (unsigned long long)n);
        exit(1);
    }
    struct { uint64_t slot, lo, hi; } stack[130];
    int sp = 0;
    stack[sp].slot = 0, stack[sp].lo = 0, stack[sp].hi = n, sp++;
    while (sp > 0) {
        sp--;
        uint64_t slot = stack[sp].slot, lo = stack[sp].lo, hi = stack[sp].hi;
        /* Down the left spine of this range here; right ranges wait. */
        for (;;) {
            uint64_t mid = lo + (hi - lo) / 2;
            ts_node *nd = &t.nodes[slot];
            uint64_t right_slot = slot + 1 + (mid - lo);
            nd->value = mid + 1;
            nd->left = mid > lo ? &t.nodes[slot + 1] : NULL;
            nd->right = hi > mid + 1 ? &t.nodes[right_slot] : NULL;
            if (nd->left && nd->right)
                t.forks++;
            if (nd->right) {
                stack[sp].slot = right_slot, stack[sp].lo = mid + 1, stack[sp].hi = hi;
                sp++;
            }
            if (!nd->left)
                break;
            slot = slot + 1;
            hi = mid;
        }
    }
    return t;
}

/* The sum REPS sums of the n-node tree come to. */
static inline uint64_t ts_expected(uint64_t n, long reps)
{
    return n * (n + 1) / 2 * (uint64_t)reps;
}

/* The end of every program: exits with a message when total is not the
 * expected sum, else prints the result line (`spawns`: the forks of the REPS
 * sums) and frees the tree. */
static inline void ts_report(const char *impl, int threads, int argc, char **argv, double secs,
                             uint64_t total, ts_tree *t, long reps)
{
    char args[64];
    if (total != ts_expected(t->n, reps)) {
        fprintf(stderr, "treesum (%s): wrong sum %llu, expected %llu\n", impl,
                (unsigned long long)total, (unsigned long long)ts_expected(t->n, reps));
        exit(1);
    }
    bench_report("treesum", impl, threads, bench_args(argc, argv, args, sizeof args), secs, total,
                 t->forks * (uint64_t)reps);
    free(t->nodes);
}

#endif
