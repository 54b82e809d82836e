/* fib_serial: the serial twin of fib_weft.c (plain recursion, same
 * compiler and flags). Usage: fib_serial N */
#include "../common/bench.h"
#include "fib.h"

/* fib(n) by naive recursion. */
static long fib(int n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
    char args[64];
    bench_usage(argc, 2, 2, "fib_serial N");
    int n = atoi(argv[1]);
    double t0 = bench_now();
    long r = fib(n);
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "serial_clang";
#else
    const char *impl = "serial";
#endif
    bench_report("fib", impl, 1, bench_args(argc, argv, args, sizeof args), t,
                 (unsigned long long)r, fib_spawns(n));
    return 0;
}
