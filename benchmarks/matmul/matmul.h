/* matmul.h: what the matmul programs share: C = A B for N x N matrices of
 * doubles (N a multiple of MM_TILE), REPS times. The parallel loop runs over
 * the (N / MM_TILE)^2 tiles of C (one iteration a 64 x 64 tile, flattened
 * into one index); a tile is computed by mm_rec, a cache-oblivious recursion
 * that halves the largest of its three dimensions (k in order, so every
 * element sums its products in the same order) down to a 32 x 32 x 32 base
 * case with a vectorisable inner loop. The entries of A and B are small
 * whole numbers, so every product and sum is exact: a program reports the
 * hash of C, which the scripts compare with the serial twin's, and checks 64
 * entries against a plain dot product. Usage of every program: NAME N REPS
 * (e.g. 768 2). spawns: (N / 64)^2 * REPS. */
#ifndef WEFT_BENCH_MATMUL_H
#define WEFT_BENCH_MATMUL_H

#include "../common/loop.h"

#define MM_TILE 64
#define MM_BASE 32

typedef struct mm_params {
    int64_t n, reps;
} mm_params;

typedef struct mm_data {
    const double *a, *b;
    double *c;
    int64_t n;
} mm_data;

static inline mm_params mm_args(int argc, char **argv, const char *prog)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s N REPS   (e.g. 768 2; N a multiple of %d)\n", prog, MM_TILE);
        exit(2);
    }
    mm_params p = {bench_arg_i64(argv, 1, prog, "N", MM_TILE), bench_arg_i64(argv, 2, prog, "REPS", 1)};
    if (p.n % MM_TILE != 0) {
        fprintf(stderr, "%s: N must be a multiple of %d, got %" PRId64 "\n", prog, MM_TILE, p.n);
        exit(2);
    }
    return p;
}

/* A, B (entries in -2..2) and a zeroed C, before the clock. */
static inline mm_data mm_input(mm_params p, const char *prog)
{
    size_t nn = (size_t)(p.n * p.n);
    double *a = (double *)bench_alloc(nn, sizeof(double), prog);
    double *b = (double *)bench_alloc(nn, sizeof(double), prog);
    double *c = (double *)bench_alloc(nn, sizeof(double), prog);
    for (size_t k = 0; k < nn; k++) {
        a[k] = (double)(int)(bench_mix(k ^ 11) % 5) - 2;
        b[k] = (double)(int)(bench_mix(k ^ 13) % 5) - 2;
        c[k] = 0;
    }
    mm_data d = {a, b, c, p.n};
    return d;
}

/* c (m x p) += a (m x k) b (k x p), all rows ld apart. */
static void mm_rec(double *c, const double *a, const double *b, int64_t m, int64_t k, int64_t p,
                   int64_t ld)
{
    if (m <= MM_BASE && k <= MM_BASE && p <= MM_BASE) {
        for (int64_t i = 0; i < m; i++)
            for (int64_t l = 0; l < k; l++) {
                double ail = a[i * ld + l];
                const double *brow = b + l * ld;
                double *crow = c + i * ld;
                for (int64_t j = 0; j < p; j++)
                    crow[j] += ail * brow[j];
            }
    } else if (m >= k && m >= p) {
        mm_rec(c, a, b, m / 2, k, p, ld);
        mm_rec(c + (m / 2) * ld, a + (m / 2) * ld, b, m - m / 2, k, p, ld);
    } else if (p >= k) {
        mm_rec(c, a, b, m, k, p / 2, ld);
        mm_rec(c + p / 2, a, b + p / 2, m, k, p - p / 2, ld);
    } else { /* the first half of k, then the second: products in order */
        mm_rec(c, a, b, m, k / 2, p, ld);
        mm_rec(c, a + k / 2, b + (k / 2) * ld, m, k - k / 2, p, ld);
    }
}

/* The tiles of C, and tile t (row-major over the tile grid) computed. */
static inline int64_t mm_tiles(int64_t n) { return (n / MM_TILE) * (n / MM_TILE); }
static inline void mm_tile(const mm_data *d, int64_t t)
{
    int64_t per = d->n / MM_TILE, ti = t / per * MM_TILE, tj = t % per * MM_TILE;
    double *c = d->c + ti * d->n + tj;
    for (int64_t i = 0; i < MM_TILE; i++) /* a rep recomputes C, not adds to it */
        memset(c + i * d->n, 0, MM_TILE * sizeof(double));
    mm_rec(c, d->a + ti * d->n, d->b + tj, MM_TILE, d->n, MM_TILE, d->n);
}

/* Checks 64 entries of C against dot products (exits 1 on a difference) and
 * returns the hash of C. */
static inline uint64_t mm_check(mm_params p, const mm_data *d, const char *prog)
{
    int64_t n = p.n;
    for (uint64_t s = 0; s < 64; s++) {
        int64_t i = (int64_t)(bench_mix(s ^ 17) % (uint64_t)n), j = (int64_t)(bench_mix(s ^ 19) % (uint64_t)n);
        double want = 0;
        for (int64_t l = 0; l < n; l++)
            want += d->a[i * n + l] * d->b[l * n + j];
        if (d->c[i * n + j] != want) {
            fprintf(stderr, "%s: C[%" PRId64 "][%" PRId64 "] = %.17g, expected %.17g\n", prog, i, j,
                    d->c[i * n + j], want);
            exit(1);
        }
    }
    return bench_hash_words(d->c, (size_t)(n * n), BENCH_HASH_SEED);
}

static inline void mm_free(mm_data d)
{
    free((void *)d.a);
    free((void *)d.b);
    free(d.c);
}

#endif
