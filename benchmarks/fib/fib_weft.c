/* fib_weft: recursive fib with one weft task per call (the spawn/sync
 * overhead benchmark). Usage: fib N   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "../common/bench.h"
#include "fib.h"

static long fib(int n);
WEFT_TASK_1(long, fib, int)

/* fib(n), spawning fib(n - 1) and computing fib(n - 2) here. */
static long fib(int n)
{
    if (n < 2)
        return n;
    WEFT_FLOWVAR(fib) f = WEFT_SPAWN(fib, n - 1);
    long y = fib(n - 2);
    return WEFT_SYNC(f) + y;
}

int main(int argc, char **argv)
{
    char args[64];
    bench_usage(argc, 2, 2, "fib N");
    int n = atoi(argv[1]);
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "fib: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    double t0 = bench_now();
    long r = fib(n);
    double t = bench_now() - t0;
    weft_exit();
    bench_report("fib", "weft", threads, bench_args(argc, argv, args, sizeof args), t,
                 (unsigned long long)r, fib_spawns(n));
    return 0;
}
