/* heat.h: what the heat programs share: a Jacobi stencil for the heat
 * equation on an N x N grid of doubles: the top edge held at 100, the other
 * edges at 0, STEPS sweeps, each computing every interior point of the next
 * grid as the mean of its four neighbours in the current one (two grids,
 * swapped after each sweep). A loop iteration is a row; the sweeps follow
 * each other (a parallel loop per sweep, ended before the next begins).
 * Every point is computed by the same expression in every version
 * (heat_row), so the final grid is the same bits: a program reports its hash,
 * which the scripts compare with the serial twin's, and checks the grid
 * against the maximum principle (every value within [0, 100]).
 * Usage of every program: NAME N STEPS (e.g. 1024 200). spawns: (N - 2) *
 * STEPS. */
#ifndef WEFT_BENCH_HEAT_H
#define WEFT_BENCH_HEAT_H

#include "../common/loop.h"

typedef struct heat_params {
    int64_t n, steps;
} heat_params;

static inline heat_params heat_args(int argc, char **argv, const char *prog)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s N STEPS   (e.g. 1024 200)\n", prog);
        exit(2);
    }
    heat_params p = {bench_arg_i64(argv, 1, prog, "N", 3), bench_arg_i64(argv, 2, prog, "STEPS", 1)};
    return p;
}

/* One of the two grids, its edges set (the other grid gets the same). */
static inline double *heat_grid(heat_params p, const char *prog)
{
    size_t n = (size_t)p.n;
    double *g = (double *)bench_alloc(n * n, sizeof(double), prog);
    for (size_t k = 0; k < n * n; k++)
        g[k] = k < n ? 100.0 : 0.0;
    return g;
}

/* Row i (0 < i < n - 1) of the next grid b from the current one a. */
static inline void heat_row(const double *a, double *b, int64_t n, int64_t i)
{
    const double *up = a + (i - 1) * n, *mid = a + i * n, *down = a + (i + 1) * n;
    double *out = b + i * n;
    for (int64_t j = 1; j < n - 1; j++)
        out[j] = 0.25 * (up[j] + down[j] + mid[j - 1] + mid[j + 1]);
}

/* Checks the final grid (exits 1 when a value is outside [0, 100] or an edge
 * moved) and returns its hash. */
static inline uint64_t heat_check(heat_params p, const double *g, const char *prog)
{
    int64_t n = p.n;
    for (int64_t k = 0; k < n * n; k++) {
        int64_t i = k / n, j = k % n;
        int edge = i == 0 || i == n - 1 || j == 0 || j == n - 1;
        if (!(g[k] >= 0 && g[k] <= 100) || (edge && g[k] != (i == 0 ? 100.0 : 0.0))) {
            fprintf(stderr, "%s: point (%" PRId64 ", %" PRId64 ") is %.17g\n", prog, i, j, g[k]);
            exit(1);
        }
    }
    return bench_hash_words(g, (size_t)(n * n), BENCH_HASH_SEED);
}

#endif
