/* matmul_tbb: tbb::parallel_for over the tiles of C with the
 * auto_partitioner. Usage: matmul_tbb N REPS   (workers: WEFT_NUM_THREADS) */
#define BENCH_TBB 1
#include "matmul.h"

int main(int argc, char **argv)
{
    char args[64];
    mm_params p = mm_args(argc, argv, "matmul_tbb");
    mm_data d = mm_input(p, "matmul_tbb");
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    bench_tbb_warm(threads);
    int64_t tiles = mm_tiles(p.n);
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++)
        tbb::parallel_for(
            tbb::blocked_range<int64_t>(0, tiles),
            [&d](const tbb::blocked_range<int64_t> &rg) {
                for (int64_t t = rg.begin(); t != rg.end(); t++)
                    mm_tile(&d, t);
            },
            tbb::auto_partitioner());
    double t = bench_now() - t0;
    uint64_t res = mm_check(p, &d, "matmul_tbb");
    bench_report("matmul", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(tiles * p.reps));
    mm_free(d);
    return 0;
}
