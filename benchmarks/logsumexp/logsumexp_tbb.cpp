/* logsumexp_tbb: two tbb::parallel_reduce calls with the auto_partitioner, a
 * max and then a sum of exponentials (bodies fold into a local first).
 * Usage: logsumexp_tbb N REPS   (workers: WEFT_NUM_THREADS) */
#define BENCH_TBB 1
#include "logsumexp.h"

struct max_body {
    const double *x;
    double m = -INFINITY;
    explicit max_body(const double *xs) : x(xs) {}
    max_body(max_body &o, tbb::split) : x(o.x) {}
    void operator()(const tbb::blocked_range<int64_t> &r)
    {
        double a = m;
        for (int64_t i = r.begin(); i != r.end(); i++)
            a = x[i] > a ? x[i] : a;
        m = a;
    }
    void join(const max_body &o) { m = o.m > m ? o.m : m; }
};

struct exp_body {
    const double *x;
    double m, s = 0;
    exp_body(const double *xs, double mx) : x(xs), m(mx) {}
    exp_body(exp_body &o, tbb::split) : x(o.x), m(o.m) {}
    void operator()(const tbb::blocked_range<int64_t> &r)
    {
        double a = s;
        for (int64_t i = r.begin(); i != r.end(); i++)
            a += exp(x[i] - m);
        s = a;
    }
    void join(const exp_body &o) { s += o.s; }
};

int main(int argc, char **argv)
{
    char args[64];
    lse_params p = lse_args(argc, argv, "logsumexp_tbb");
    double *x = lse_input(p, "logsumexp_tbb");
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    bench_tbb_warm(threads);
    uint64_t res = 0;
    double t = 0;
    for (int64_t r = 0; r < p.reps; r++) {
        double t0 = bench_now();
        max_body mb(x);
        tbb::parallel_reduce(tbb::blocked_range<int64_t>(0, p.n), mb, tbb::auto_partitioner());
        exp_body eb(x, mb.m);
        tbb::parallel_reduce(tbb::blocked_range<int64_t>(0, p.n), eb, tbb::auto_partitioner());
        double lse = mb.m + log(eb.s);
        t += bench_now() - t0;
        res += lse_check(p, lse, "logsumexp_tbb");
    }
    bench_report("logsumexp", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(2 * p.n * p.reps));
    free(x);
    return 0;
}
