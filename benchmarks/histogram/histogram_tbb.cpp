/* histogram_tbb: tbb::parallel_reduce over the rows with the
 * auto_partitioner; the body holds a hist (split: a zeroed one; join: add
 * the bins). Usage: histogram_tbb ROWS COLS REPS   (workers:
 * WEFT_NUM_THREADS) */
#define BENCH_TBB 1
#include "histogram.h"

struct hist_body {
    const float *m;
    int64_t cols;
    hist h;
    hist_body(const float *mat, int64_t c) : m(mat), cols(c) { hist_zero(&h); }
    hist_body(hist_body &o, tbb::split) : m(o.m), cols(o.cols) { hist_zero(&h); }
    void operator()(const tbb::blocked_range<int64_t> &r)
    {
        for (int64_t i = r.begin(); i != r.end(); i++)
            hist_row(&h, m, cols, i);
    }
    void join(const hist_body &o) { hist_merge(&h, &o.h); }
};

int main(int argc, char **argv)
{
    char args[64];
    hist_params p = hist_args(argc, argv, "histogram_tbb");
    float *m = hist_input(p, "histogram_tbb");
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    bench_tbb_warm(threads);
    static hist h;
    hist_zero(&h);
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++) {
        hist_body b(m, p.cols);
        tbb::parallel_reduce(tbb::blocked_range<int64_t>(0, p.rows), b, tbb::auto_partitioner());
        hist_merge(&h, &b.h);
    }
    double t = bench_now() - t0;
    uint64_t res = hist_check(p, &h, "histogram_tbb");
    bench_report("histogram", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.rows * p.reps));
    free(m);
    return 0;
}
