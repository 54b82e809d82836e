/* fib_tbb: recursive fib with oneTBB task_group, one task per call.
 * Usage: fib_tbb N   (workers: WEFT_NUM_THREADS) */
#include <tbb/global_control.h>
#include <tbb/task_group.h>

#include "../common/bench.h"
#include "fib.h"

/* fib(n), fib(n - 1) run through a task_group. */
static long fib(int n)
{
    if (n < 2)
        return n;
    long x, y;
    tbb::task_group g;
    g.run([&] { x = fib(n - 1); });
    y = fib(n - 2);
    g.wait();
    return x + y;
}

int main(int argc, char **argv)
{
    char args[64];
    bench_usage(argc, 2, 2, "fib_tbb N");
    int n = atoi(argv[1]);
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    { /* start the workers before the clock */
        tbb::task_group g;
        for (int i = 0; i < 4 * threads; i++)
            g.run([] {});
        g.wait();
    }
    double t0 = bench_now();
    long r = fib(n);
    double t = bench_now() - t0;
    bench_report("fib", "tbb", threads, bench_args(argc, argv, args, sizeof args), t,
                 (unsigned long long)r, fib_spawns(n));
    return 0;
}
