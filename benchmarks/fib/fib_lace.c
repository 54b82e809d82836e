/* fib_lace: recursive fib with one Lace task per call (SPAWN fib(n - 1),
 * CALL fib(n - 2), SYNC), as Lace's own benchmark writes it.
 * Usage: fib_lace N   (workers: WEFT_NUM_THREADS) */
#include <lace.h>

#include "../common/bench.h"
#include "../common/lace_peer.h"
#include "fib.h"

/* fib(n), fib(n - 1) as a task. */
TASK_1(long, fib, int, n)
{
    if (n < 2)
        return n;
    SPAWN(fib, n - 1);
    long y = CALL(fib, n - 2);
    return SYNC(fib) + y;
}

int main(int argc, char **argv)
{
    char args[64];
    bench_usage(argc, 2, 2, "fib_lace N");
    int n = atoi(argv[1]);
    int threads = bench_lace_start();
    double t0 = bench_now();
    long r = RUN(fib, n);
    double t = bench_now() - t0;
    lace_stop();
    bench_report("fib", "lace", threads, bench_args(argc, argv, args, sizeof args), t,
                 (unsigned long long)r, fib_spawns(n));
    return 0;
}
