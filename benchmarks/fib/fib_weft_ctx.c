/* fib_weft_ctx: fib_weft in the context form (WEFT_CTASK: the worker
 * context travels as an argument, docs/api.md "Context tasks"), one task per
 * call. Usage: fib_ctx N   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "../common/bench.h"
#include "fib.h"

static long fib(weft_ctx c, int n);
WEFT_CTASK_1(long, fib, int)

/* fib(n), spawning fib(n - 1) and computing fib(n - 2) here. */
static long fib(weft_ctx c, int n)
{
    if (n < 2)
        return n;
    WEFT_CFLOWVAR(fib) f = WEFT_CSPAWN(c, fib, n - 1);
    long y = WEFT_CCALL(c, fib, n - 2);
    return WEFT_CSYNC(c, fib, f) + y;
}

int main(int argc, char **argv)
{
    char args[64];
    bench_usage(argc, 2, 2, "fib_ctx N");
    int n = atoi(argv[1]);
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "fib_ctx: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    double t0 = bench_now();
    long r = WEFT_CRUN(fib, n);
    double t = bench_now() - t0;
    weft_exit();
    bench_report("fib", "ctx", threads, bench_args(argc, argv, args, sizeof args), t,
                 (unsigned long long)r, fib_spawns(n));
    return 0;
}
