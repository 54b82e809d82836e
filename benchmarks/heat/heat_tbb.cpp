/* heat_tbb: one tbb::parallel_for over the rows per sweep, with the
 * auto_partitioner. Usage: heat_tbb N STEPS   (workers: WEFT_NUM_THREADS) */
#define BENCH_TBB 1
#include "heat.h"

int main(int argc, char **argv)
{
    char args[64];
    heat_params p = heat_args(argc, argv, "heat_tbb");
    double *a = heat_grid(p, "heat_tbb"), *b = heat_grid(p, "heat_tbb");
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    bench_tbb_warm(threads);
    double t0 = bench_now();
    for (int64_t s = 0; s < p.steps; s++) {
        tbb::parallel_for(
            tbb::blocked_range<int64_t>(1, p.n - 1),
            [a, b, &p](const tbb::blocked_range<int64_t> &r) {
                for (int64_t i = r.begin(); i != r.end(); i++)
                    heat_row(a, b, p.n, i);
            },
            tbb::auto_partitioner());
        double *tmp = a;
        a = b;
        b = tmp;
    }
    double t = bench_now() - t0;
    uint64_t res = heat_check(p, a, "heat_tbb");
    bench_report("heat", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)((p.n - 2) * p.steps));
    free(a);
    free(b);
    return 0;
}
