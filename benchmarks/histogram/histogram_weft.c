/* histogram_weft: WEFT_PARALLEL_REDUCE over the rows into a hist (a user
 * struct of 8000 bytes): every split counts into a zeroed hist of its own,
 * merged into its splitter's by adding the bins.
 * Usage: histogram ROWS COLS REPS   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "histogram.h"

typedef struct hist_ctx {
    const float *m;
    int64_t cols;
} hist_ctx;

static void red_init(void *acc, void *ctx) { (void)ctx; hist_zero((hist *)acc); }
static void red_merge(void *into, const void *from, void *ctx)
{
    (void)ctx;
    hist_merge((hist *)into, (const hist *)from);
}
static const weft_reducer hist_red = {sizeof(hist), red_init, red_merge};

WEFT_REDUCE_BODY(count_rows, i, hist_ctx, c, hist, h) { hist_row(h, c->m, c->cols, i); }

int main(int argc, char **argv)
{
    char args[64];
    hist_params p = hist_args(argc, argv, "histogram");
    float *m = hist_input(p, "histogram");
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "histogram: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    static hist h, part;
    hist_zero(&h);
    hist_ctx c = {m, p.cols};
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++) {
        WEFT_PARALLEL_REDUCE(count_rows, 0, p.rows, 1, &c, &hist_red, &part);
        hist_merge(&h, &part);
    }
    double t = bench_now() - t0;
    weft_exit();
    uint64_t res = hist_check(p, &h, "histogram");
    bench_report("histogram", "weft", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.rows * p.reps));
    free(m);
    return 0;
}
