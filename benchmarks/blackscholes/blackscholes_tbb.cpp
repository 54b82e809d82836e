/* blackscholes_tbb: tbb::parallel_for over the options with the
 * auto_partitioner. Usage: blackscholes_tbb N REPS   (workers:
 * WEFT_NUM_THREADS) */
#define BENCH_TBB 1
#include "blackscholes.h"

int main(int argc, char **argv)
{
    char args[64];
    bs_params p = bs_args(argc, argv, "blackscholes_tbb");
    bs_data d = bs_input(p, "blackscholes_tbb");
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    bench_tbb_warm(threads);
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++)
        tbb::parallel_for(
            tbb::blocked_range<int64_t>(0, p.n),
            [&d](const tbb::blocked_range<int64_t> &rg) {
                for (int64_t i = rg.begin(); i != rg.end(); i++)
                    bs_price(&d, i);
            },
            tbb::auto_partitioner());
    double t = bench_now() - t0;
    uint64_t res = bs_check(p, &d, "blackscholes_tbb");
    bench_report("blackscholes", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.n * p.reps));
    bs_free(d);
    return 0;
}
