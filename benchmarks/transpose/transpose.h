/* transpose.h: what the transpose programs share: B = A^T for a ROWS x COLS
 * matrix A of 32-bit words, REPS times, as two nested loops (rows, then the
 * columns of a row). The parallel versions split both: weft runs a parallel
 * loop over the columns inside the body of the loop over the rows (nested
 * loops, both split lazily), OpenMP collapses the two (collapse(2)) and TBB
 * nests a parallel_for in a parallel_for. A program checks every element of
 * B against A and reports the hash of B. Usage of every program: NAME ROWS
 * COLS REPS (e.g. 4000 4000 4). spawns: ROWS * COLS * REPS (inner
 * iterations). */
#ifndef WEFT_BENCH_TRANSPOSE_H
#define WEFT_BENCH_TRANSPOSE_H

#include "../common/loop.h"

typedef struct tr_params {
    int64_t rows, cols, reps;
} tr_params;

static inline tr_params tr_args(int argc, char **argv, const char *prog)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s ROWS COLS REPS   (e.g. 4000 4000 4)\n", prog);
        exit(2);
    }
    tr_params p = {bench_arg_i64(argv, 1, prog, "ROWS", 1), bench_arg_i64(argv, 2, prog, "COLS", 1),
                   bench_arg_i64(argv, 3, prog, "REPS", 1)};
    return p;
}

/* A (filled) and B (zeroed), before the clock. */
static inline void tr_input(tr_params p, uint32_t **a, uint32_t **b, const char *prog)
{
    size_t n = (size_t)(p.rows * p.cols);
    *a = (uint32_t *)bench_alloc(n, sizeof(uint32_t), prog);
    *b = (uint32_t *)bench_alloc(n, sizeof(uint32_t), prog);
    for (size_t k = 0; k < n; k++) {
        (*a)[k] = (uint32_t)bench_mix(k);
        (*b)[k] = 0;
    }
}

/* Checks B = A^T element by element (exits 1 on a difference) and returns
 * the hash of B. */
static inline uint64_t tr_check(tr_params p, const uint32_t *a, const uint32_t *b, const char *prog)
{
    for (int64_t i = 0; i < p.rows; i++)
        for (int64_t j = 0; j < p.cols; j++)
            if (b[j * p.rows + i] != a[i * p.cols + j]) {
                fprintf(stderr, "%s: B[%" PRId64 "][%" PRId64 "] is not A[%" PRId64 "][%" PRId64 "]\n",
                        prog, j, i, i, j);
                exit(1);
            }
    size_t n = (size_t)(p.rows * p.cols);
    uint64_t h = bench_hash_words(b, n / 2, BENCH_HASH_SEED);
    return n % 2 ? (h ^ b[n - 1]) * 0x100000001b3ULL : h;
}

#endif
