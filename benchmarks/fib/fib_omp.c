/* fib_omp: recursive fib with one OpenMP task per call; built with gcc
 * (libgomp) as fib_omp_gcc and with clang (libomp) as fib_omp_clang.
 * Usage: fib_omp_* N   (workers: WEFT_NUM_THREADS) */
#include <omp.h>

#include "../common/bench.h"
#include "fib.h"

/* fib(n), fib(n - 1) as a task. */
static long fib(int n)
{
    long x, y;
    if (n < 2)
        return n;
#pragma omp task shared(x) firstprivate(n)
    x = fib(n - 1);
    y = fib(n - 2);
#pragma omp taskwait
    return x + y;
}

int main(int argc, char **argv)
{
    char args[64];
    bench_usage(argc, 2, 2, "fib_omp N");
    int n = atoi(argv[1]);
    int threads = bench_threads();
    long r = 0;
    omp_set_num_threads(threads);
#pragma omp parallel
    { /* start the team before the clock */
    }
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    r = fib(n);
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "omp_clang";
#else
    const char *impl = "omp_gcc";
#endif
    bench_report("fib", impl, threads, bench_args(argc, argv, args, sizeof args), t,
                 (unsigned long long)r, fib_spawns(n));
    return 0;
}
