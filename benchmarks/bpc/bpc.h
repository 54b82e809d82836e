/* bpc.h: what the bouncing producer-consumer programs share.
 *
 * BPC (Dinan et al., carried over by tasking-2.0 and Weave): a producer task
 * at depth d > 0 spawns the producer of depth d - 1 and then n consumer
 * tasks, each of which spins for `us` microseconds. Whoever steals the next
 * producer becomes the producer, so production bounces between workers.
 * Tasks are detached; the run ends when every task has finished. The result
 * is the number of tasks run, (n + 1) * depth. */
#ifndef WEFT_BENCH_BPC_H
#define WEFT_BENCH_BPC_H

#include "../common/tally.h"

typedef struct bpc_params {
    int depth; /* producers in the chain */
    int n;     /* consumers per producer */
    double us; /* a consumer's payload in microseconds */
} bpc_params;

/* Parses "DEPTH N US" or exits with a usage line. */
static inline bpc_params bpc_args(int argc, char **argv, const char *prog)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s DEPTH TASKS_PER_DEPTH MICROSECONDS   (e.g. 2000 49 2)\n", prog);
        exit(2);
    }
    bpc_params p = {atoi(argv[1]), atoi(argv[2]), atof(argv[3])};
    if (p.depth < 0 || p.n < 0 || p.us < 0) {
        fprintf(stderr, "%s: arguments must not be negative\n", prog);
        exit(2);
    }
    return p;
}

/* Tasks a run executes: one per producer of depth > 0 and its consumers. */
static inline unsigned long long bpc_tasks(bpc_params p)
{
    return (unsigned long long)(p.n + 1) * (unsigned long long)p.depth;
}

#endif
