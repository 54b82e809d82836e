/* What the scheduler's test programs share (tests/stress/sched_*.c,
 * tests/unit/api_misuse.c): the harness of every test (tests/common/harness.h:
 * CHECK, clocks, a busy wait, the watchdogs) and fib as a weft task with its
 * serial twin. */
#ifndef WEFT_TESTS_COMMON_WEFT_TEST_H
#define WEFT_TESTS_COMMON_WEFT_TEST_H

#include <weft.h>

#include "tests/common/harness.h"

/* fib as a task (lazy flowvars) and its serial twin. */
long fib(int n);
WEFT_TASK_1(long, fib, int)
long fib(int n)
{
    if (n < 2) return n;
    WEFT_FLOWVAR(fib) f = WEFT_SPAWN(fib, n - 1);
    long y = fib(n - 2);
    return WEFT_SYNC(f) + y;
}

static inline long fib_serial(int n) { return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2); }

#endif
