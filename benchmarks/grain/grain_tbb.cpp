/* grain_tbb: the sweep's loop as tbb::parallel_reduce with the
 * auto_partitioner (the body sums into a local first).
 * Usage: grain_tbb N STEPS   (workers: WEFT_NUM_THREADS) */
#define BENCH_TBB 1
#include "grain.h"

struct grain_body {
    int64_t steps;
    uint64_t s = 0;
    explicit grain_body(int64_t st) : steps(st) {}
    grain_body(grain_body &o, tbb::split) : steps(o.steps) {}
    void operator()(const tbb::blocked_range<int64_t> &r)
    {
        uint64_t a = s;
        for (int64_t i = r.begin(); i != r.end(); i++)
            a += grain_spin(i, steps, a);
        s = a;
    }
    void join(const grain_body &o) { s += o.s; }
};

int main(int argc, char **argv)
{
    char args[64];
    grain_params p = grain_args(argc, argv, "grain_tbb");
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    bench_tbb_warm(threads);
    double t0 = bench_now();
    grain_body b(p.steps);
    tbb::parallel_reduce(tbb::blocked_range<int64_t>(0, p.n), b, tbb::auto_partitioner());
    double t = bench_now() - t0;
    bench_report("grain", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, b.s,
                 (unsigned long long)p.n);
    return 0;
}
