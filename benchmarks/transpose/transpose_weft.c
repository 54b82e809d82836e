/* transpose_weft: nested parallel loops: the body of the loop over the rows
 * runs a loop over that row's columns (WEFT_PARALLEL_FOR in
 * WEFT_PARALLEL_FOR); either may be split when a thief asks.
 * Usage: transpose ROWS COLS REPS   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "transpose.h"

typedef struct tr_ctx {
    const uint32_t *a;
    uint32_t *b;
    int64_t rows, cols;
} tr_ctx;

typedef struct tr_row {
    const tr_ctx *m;
    int64_t i;
} tr_row;

WEFT_FOR_BODY(columns, j, tr_row, r) { r->m->b[j * r->m->rows + r->i] = r->m->a[r->i * r->m->cols + j]; }

WEFT_FOR_BODY(rows, i, tr_ctx, m)
{
    tr_row r = {m, i};
    WEFT_PARALLEL_FOR(columns, 0, m->cols, 1, &r);
}

int main(int argc, char **argv)
{
    char args[64];
    tr_params p = tr_args(argc, argv, "transpose");
    uint32_t *a, *b;
    tr_input(p, &a, &b, "transpose");
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "transpose: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    tr_ctx m = {a, b, p.rows, p.cols};
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++)
        WEFT_PARALLEL_FOR(rows, 0, p.rows, 1, &m);
    double t = bench_now() - t0;
    weft_exit();
    uint64_t res = tr_check(p, a, b, "transpose");
    bench_report("transpose", "weft", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.rows * p.cols * p.reps));
    free(a);
    free(b);
    return 0;
}
