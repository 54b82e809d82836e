/* sum.h: what the sum programs share: a plain sum reduction over N doubles,
 * REPS times. x[i] = i mod 1000 (whole numbers), so every partial sum is an
 * integer below 2^53 and exact: the result does not depend on how a runtime
 * splits and merges the sum, and equals the closed form sum_closed(), which
 * every program checks. Usage of every program: NAME N REPS (e.g. 100000000
 * 5; the 10^8 doubles, 800 MB). spawns: N * REPS (iterations). */
#ifndef WEFT_BENCH_SUM_H
#define WEFT_BENCH_SUM_H

#include "../common/loop.h"

typedef struct sum_params {
    int64_t n, reps;
} sum_params;

static inline sum_params sum_args(int argc, char **argv, const char *prog)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s N REPS   (e.g. 100000000 5)\n", prog);
        exit(2);
    }
    sum_params p = {bench_arg_i64(argv, 1, prog, "N", 1), bench_arg_i64(argv, 2, prog, "REPS", 1)};
    return p;
}

/* The input, filled before the clock. */
static inline double *sum_input(sum_params p, const char *prog)
{
    double *x = (double *)bench_alloc((size_t)p.n, sizeof(double), prog);
    for (int64_t i = 0; i < p.n; i++)
        x[i] = (double)(i % 1000);
    return x;
}

/* REPS sums of x, in closed form. */
static inline uint64_t sum_closed(sum_params p)
{
    uint64_t full = (uint64_t)(p.n / 1000), rest = (uint64_t)(p.n % 1000);
    return (uint64_t)p.reps * (full * 499500u + rest * (rest - 1) / 2);
}

/* Checks the REPS sums against the closed form; exits 1 when they differ. */
static inline uint64_t sum_check(sum_params p, double total, const char *prog)
{
    uint64_t want = sum_closed(p);
    if (total != (double)want) {
        fprintf(stderr, "%s: wrong sum %.17g, expected %" PRIu64 "\n", prog, total, want);
        exit(1);
    }
    return want;
}

#endif
