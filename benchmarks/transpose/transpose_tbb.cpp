/* transpose_tbb: a tbb::parallel_for over a row's columns inside a
 * tbb::parallel_for over the rows, both with the auto_partitioner.
 * Usage: transpose_tbb ROWS COLS REPS   (workers: WEFT_NUM_THREADS) */
#define BENCH_TBB 1
#include "transpose.h"

int main(int argc, char **argv)
{
    char args[64];
    tr_params p = tr_args(argc, argv, "transpose_tbb");
    uint32_t *a, *b;
    tr_input(p, &a, &b, "transpose_tbb");
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    bench_tbb_warm(threads);
    const int64_t rows = p.rows, cols = p.cols;
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++)
        tbb::parallel_for(
            tbb::blocked_range<int64_t>(0, rows),
            [=](const tbb::blocked_range<int64_t> &ri) {
                for (int64_t i = ri.begin(); i != ri.end(); i++)
                    tbb::parallel_for(
                        tbb::blocked_range<int64_t>(0, cols),
                        [=](const tbb::blocked_range<int64_t> &rj) {
                            for (int64_t j = rj.begin(); j != rj.end(); j++)
                                b[j * rows + i] = a[i * cols + j];
                        },
                        tbb::auto_partitioner());
            },
            tbb::auto_partitioner());
    double t = bench_now() - t0;
    uint64_t res = tr_check(p, a, b, "transpose_tbb");
    bench_report("transpose", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.rows * p.cols * p.reps));
    free(a);
    free(b);
    return 0;
}
