/* logsumexp.h: what the logsumexp programs share: lse(x) = m + log(sum
 * exp(x[i] - m)), m = max x[i], over N doubles, as two parallel reductions
 * (a max, then a sum of exponentials), REPS times. x[i] = log(1 + (i * 7919
 * mod 1000)), so lse = log(S) with S the integer sum of the 1 + (i * 7919
 * mod 1000): every program checks its result against that closed form
 * (relative error under 1e-9) and reports round(lse * 10^6) summed over the
 * reps, which the scripts compare with the serial twin's. Usage of every
 * program: NAME N REPS (e.g. 10000000 2). spawns: 2 * N * REPS. */
#ifndef WEFT_BENCH_LOGSUMEXP_H
#define WEFT_BENCH_LOGSUMEXP_H

#include "../common/loop.h"

typedef struct lse_params {
    int64_t n, reps;
} lse_params;

static inline lse_params lse_args(int argc, char **argv, const char *prog)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s N REPS   (e.g. 10000000 2)\n", prog);
        exit(2);
    }
    lse_params p = {bench_arg_i64(argv, 1, prog, "N", 1), bench_arg_i64(argv, 2, prog, "REPS", 1)};
    return p;
}

static inline uint64_t lse_k(int64_t i) { return 1 + (uint64_t)i * 7919u % 1000u; }

/* The input, filled before the clock. */
static inline double *lse_input(lse_params p, const char *prog)
{
    double *x = (double *)bench_alloc((size_t)p.n, sizeof(double), prog);
    for (int64_t i = 0; i < p.n; i++)
        x[i] = log((double)lse_k(i));
    return x;
}

/* Checks one rep's lse against log(S); exits 1 when it is off. Returns the
 * reported form, round(lse * 10^6). */
static inline uint64_t lse_check(lse_params p, double lse, const char *prog)
{
    uint64_t s = 0;
    for (int64_t i = 0; i < p.n; i++)
        s += lse_k(i);
    double want = log((double)s);
    if (!(fabs(lse - want) <= 1e-9 * fabs(want))) {
        fprintf(stderr, "%s: logsumexp %.17g, expected %.17g\n", prog, lse, want);
        exit(1);
    }
    return (uint64_t)llround(lse * 1e6);
}

#endif
