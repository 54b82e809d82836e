/* sum_tbb: the sum as tbb::parallel_reduce with the auto_partitioner; the
 * body sums a range into a local first, as TBB's documentation does.
 * Usage: sum_tbb N REPS   (workers: WEFT_NUM_THREADS) */
#define BENCH_TBB 1
#include "sum.h"

struct sum_body {
    const double *x;
    double s = 0;
    explicit sum_body(const double *xs) : x(xs) {}
    sum_body(sum_body &o, tbb::split) : x(o.x) {}
    void operator()(const tbb::blocked_range<int64_t> &r)
    {
        double a = s;
        for (int64_t i = r.begin(); i != r.end(); i++)
            a += x[i];
        s = a;
    }
    void join(const sum_body &o) { s += o.s; }
};

int main(int argc, char **argv)
{
    char args[64];
    sum_params p = sum_args(argc, argv, "sum_tbb");
    double *x = sum_input(p, "sum_tbb");
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    bench_tbb_warm(threads);
    double total = 0;
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++) {
        sum_body b(x);
        tbb::parallel_reduce(tbb::blocked_range<int64_t>(0, p.n), b, tbb::auto_partitioner());
        total += b.s;
    }
    double t = bench_now() - t0;
    uint64_t res = sum_check(p, total, "sum_tbb");
    bench_report("sum", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.n * p.reps));
    free(x);
    return 0;
}
