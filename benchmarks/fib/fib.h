/* fib.h: what the fib programs share. */
#ifndef WEFT_BENCH_FIB_H
#define WEFT_BENCH_FIB_H

/* Tasks the parallel versions spawn for fib(n): one per call with n >= 2,
 * which is fib(n + 1) - 1. */
static inline unsigned long long fib_spawns(int n)
{
    unsigned long long a = 0, b = 1; /* fib(0), fib(1) */
    for (int i = 0; i < n + 1; i++) {
        unsigned long long t = a + b;
        a = b;
        b = t;
    }
    return a - 1; /* a == fib(n + 1) */
}

#endif
