/* Helpers shared by the scheduler's test programs (tests/stress/sched_*.c,
 * tests/unit/api_misuse.c): a counted CHECK, a watchdog, clocks, a busy
 * wait, and fib as a weft task with its serial twin. Header only; every
 * function is static inline so a program that uses a part of it compiles
 * clean under -Wall -Wextra -Werror. */
#ifndef WEFT_TESTS_COMMON_WEFT_TEST_H
#define WEFT_TESTS_COMMON_WEFT_TEST_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <weft.h>

/* Failed checks so far in this program. */
__attribute__((unused)) static int weft_test_failures;

/* Counts a failure and prints where and why, without stopping. */
#define CHECK(cond, ...) do { if (!(cond)) { weft_test_failures++;                        \
        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr); } } while (0)

/* Nanoseconds on clock c. */
static inline uint64_t weft_test_clock_ns(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Monotonic nanoseconds. */
static inline uint64_t weft_test_now_ns(void) { return weft_test_clock_ns(CLOCK_MONOTONIC); }

/* Busy (not sleeping) for ns nanoseconds of wall time. */
static inline void weft_test_spin_ns(uint64_t ns)
{
    uint64_t end = weft_test_now_ns() + ns;
    while (weft_test_now_ns() < end) {}
}

/* The watchdog's message, set by weft_test_watchdog. */
__attribute__((unused)) static char weft_test_hung_msg[96];

static inline void weft_test_on_alarm(int sig)
{
    (void)sig;
    (void)!write(2, weft_test_hung_msg, strlen(weft_test_hung_msg));
    _exit(3);
}

/* Ends the program with "FAIL: NAME hung (watchdog)" and exit status 3
 * after `seconds`, so that a hang is a failure with a name. */
static inline void weft_test_watchdog(const char *name, unsigned seconds)
{
    snprintf(weft_test_hung_msg, sizeof weft_test_hung_msg, "FAIL: %s hung (watchdog)\n", name);
    signal(SIGALRM, weft_test_on_alarm);
    alarm(seconds);
}

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
