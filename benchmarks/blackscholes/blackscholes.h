/* blackscholes.h: what the Black-Scholes programs share: N European options
 * (spot, strike, years, volatility from a hash of the index; rate 2%) priced
 * as a call and a put each, REPS times, one loop iteration an option. Every
 * option's prices are computed by the same code in every version
 * (bs_price), so the outputs are the same bits: a program reports the hash
 * of its call and put arrays, which the scripts compare with the serial
 * twin's, and checks put-call parity (C - P = S - K e^(-rT)) on every
 * option. Usage of every program: NAME N REPS (e.g. 2000000 2). spawns: N *
 * REPS. */
#ifndef WEFT_BENCH_BLACKSCHOLES_H
#define WEFT_BENCH_BLACKSCHOLES_H

#include "../common/loop.h"

#define BS_RATE 0.02

typedef struct bs_params {
    int64_t n, reps;
} bs_params;

/* The options (inputs) and their prices (outputs). */
typedef struct bs_data {
    double *spot, *strike, *years, *vol;
    double *call, *put;
} bs_data;

static inline bs_params bs_args(int argc, char **argv, const char *prog)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s N REPS   (e.g. 2000000 2)\n", prog);
        exit(2);
    }
    bs_params p = {bench_arg_i64(argv, 1, prog, "N", 1), bench_arg_i64(argv, 2, prog, "REPS", 1)};
    return p;
}

static inline bs_data bs_input(bs_params p, const char *prog)
{
    bs_data d;
    size_t n = (size_t)p.n;
    d.spot = (double *)bench_alloc(n, sizeof(double), prog);
    d.strike = (double *)bench_alloc(n, sizeof(double), prog);
    d.years = (double *)bench_alloc(n, sizeof(double), prog);
    d.vol = (double *)bench_alloc(n, sizeof(double), prog);
    d.call = (double *)bench_alloc(n, sizeof(double), prog);
    d.put = (double *)bench_alloc(n, sizeof(double), prog);
    for (int64_t i = 0; i < p.n; i++) {
        d.spot[i] = 10 + 90 * bench_unit((uint64_t)i, 1);
        d.strike[i] = 10 + 90 * bench_unit((uint64_t)i, 2);
        d.years[i] = 0.1 + 1.9 * bench_unit((uint64_t)i, 3);
        d.vol[i] = 0.1 + 0.4 * bench_unit((uint64_t)i, 4);
        d.call[i] = d.put[i] = 0;
    }
    return d;
}

static inline void bs_free(bs_data d)
{
    free(d.spot); free(d.strike); free(d.years); free(d.vol); free(d.call); free(d.put);
}

/* The standard normal distribution function. */
static inline double bs_cnd(double x) { return 0.5 * erfc(-x * 0.70710678118654752440); }

/* Prices option i into d->call[i] and d->put[i]. */
static inline void bs_price(const bs_data *d, int64_t i)
{
    double s = d->spot[i], k = d->strike[i], t = d->years[i], v = d->vol[i];
    double sq = v * sqrt(t);
    double d1 = (log(s / k) + (BS_RATE + 0.5 * v * v) * t) / sq;
    double d2 = d1 - sq;
    double disc = k * exp(-BS_RATE * t);
    d->call[i] = s * bs_cnd(d1) - disc * bs_cnd(d2);
    d->put[i] = disc * bs_cnd(-d2) - s * bs_cnd(-d1);
}

/* Checks put-call parity on every option (exits 1 when it fails) and
 * returns the hash of the prices. */
static inline uint64_t bs_check(bs_params p, const bs_data *d, const char *prog)
{
    for (int64_t i = 0; i < p.n; i++) {
        double lhs = d->call[i] - d->put[i];
        double rhs = d->spot[i] - d->strike[i] * exp(-BS_RATE * d->years[i]);
        if (!(fabs(lhs - rhs) <= 1e-9 * (d->spot[i] + d->strike[i]))) {
            fprintf(stderr, "%s: option %" PRId64 ": call - put = %.17g, S - K e^-rT = %.17g\n", prog,
                    i, lhs, rhs);
            exit(1);
        }
    }
    return bench_hash_words(d->put, (size_t)p.n, bench_hash_words(d->call, (size_t)p.n, BENCH_HASH_SEED));
}

#endif
