/* histogram.h: what the histogram programs share: a 2-D histogram, a ROWS x
 * COLS matrix of floats in [0, 1) counted into 1000 bins, REPS times into
 * the same histogram. The accumulator is a user struct (hist: 1000 counters,
 * 8000 bytes): weft reduces into it (init, merge), OpenMP with `declare
 * reduction` on the struct, TBB with a parallel_reduce body holding one. A
 * loop iteration is a row. The counts are exact, so a program reports the
 * hash of the bins, which the scripts compare with the serial twin's, and
 * checks that the bins add up to ROWS * COLS * REPS. Usage of every
 * program: NAME ROWS COLS REPS (e.g. 4000 4000 4). spawns: ROWS * REPS. */
#ifndef WEFT_BENCH_HISTOGRAM_H
#define WEFT_BENCH_HISTOGRAM_H

#include "../common/loop.h"

#define HIST_BINS 1000

typedef struct hist {
    uint64_t bin[HIST_BINS];
} hist;

typedef struct hist_params {
    int64_t rows, cols, reps;
} hist_params;

static inline hist_params hist_args(int argc, char **argv, const char *prog)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s ROWS COLS REPS   (e.g. 4000 4000 4)\n", prog);
        exit(2);
    }
    hist_params p = {bench_arg_i64(argv, 1, prog, "ROWS", 1), bench_arg_i64(argv, 2, prog, "COLS", 1),
                     bench_arg_i64(argv, 3, prog, "REPS", 1)};
    return p;
}

/* The matrix, filled before the clock: uniform floats in [0, 1). */
static inline float *hist_input(hist_params p, const char *prog)
{
    size_t n = (size_t)p.rows * (size_t)p.cols;
    float *m = (float *)bench_alloc(n, sizeof(float), prog);
    for (size_t i = 0; i < n; i++) {
        float v = (float)bench_unit(i, 7);
        m[i] = v < 1.0f ? v : 0.99999994f; /* rounding to float may reach 1 */
    }
    return m;
}

static inline void hist_zero(hist *h) { memset(h, 0, sizeof *h); }
static inline void hist_merge(hist *into, const hist *from)
{
    for (int k = 0; k < HIST_BINS; k++)
        into->bin[k] += from->bin[k];
}

/* Counts row i of m (cols wide) into h. */
static inline void hist_row(hist *h, const float *m, int64_t cols, int64_t i)
{
    const float *row = m + i * cols;
    for (int64_t j = 0; j < cols; j++)
        h->bin[(int)(row[j] * (float)HIST_BINS)]++;
}

/* Checks the total count (exits 1 when it is off) and returns the bins' hash. */
static inline uint64_t hist_check(hist_params p, const hist *h, const char *prog)
{
    uint64_t total = 0;
    for (int k = 0; k < HIST_BINS; k++)
        total += h->bin[k];
    uint64_t want = (uint64_t)(p.rows * p.cols * p.reps);
    if (total != want) {
        fprintf(stderr, "%s: the bins hold %" PRIu64 " counts, expected %" PRIu64 "\n", prog, total, want);
        exit(1);
    }
    return bench_hash_words(h->bin, HIST_BINS, BENCH_HASH_SEED);
}

#endif
