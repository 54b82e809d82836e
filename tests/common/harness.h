/* The harness every test program shares: a counted CHECK, clocks, a busy
 * wait, the soak switch, and two watchdogs that turn a hang into a failure
 * with a name (exit status 3):
 *   - a deadline (weft_test_watchdog, on alarm()), whose message can also
 *     say how far the program got (weft_test_watchdog_count);
 *   - a stall detector (weft_test_stall_watchdog_start, a thread) that fires
 *     when a progress counter stands still, and then prints the program's
 *     own report of its state.
 * Header only, every function static inline, so a program that uses a part
 * of it compiles clean under -Wall -Wextra -Werror. It does not include
 * weft.h: the building blocks' stress programs use it without the
 * scheduler; tests/common/weft_test.h adds what the scheduler's tests share.
 * The monotonic clock is the runtime's own, weft__now_ns (runtime/util/prim.h). */
#ifndef WEFT_TESTS_COMMON_HARNESS_H
#define WEFT_TESTS_COMMON_HARNESS_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/util/prim.h"

/* Failed checks so far in this program. */
__attribute__((unused)) static int weft_test_failures;

/* Counts a failure and prints where, the expression and why, without
 * stopping. */
#define CHECK(cond, ...) do { if (!(cond)) { weft_test_failures++;                        \
        fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                     \
        fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

/* Nanoseconds on clock c (a thread's CPU clock, say; for the monotonic
 * clock, weft__now_ns). */
static inline uint64_t weft_test_clock_ns(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Seconds since t0, a weft__now_ns() reading. */
static inline double weft_test_secs_since(uint64_t t0)
{
    return (double)(weft__now_ns() - t0) * 1e-9;
}

/* CPU seconds (user + system) the whole process has used so far. */
static inline double weft_test_process_cpu_s(void)
{
    return (double)weft_test_clock_ns(CLOCK_PROCESS_CPUTIME_ID) * 1e-9;
}

/* Sleeps ns nanoseconds of wall time, across interruptions. */
static inline void weft_test_sleep_ns(long ns)
{
    struct timespec t = {ns / 1000000000L, ns % 1000000000L};
    while (nanosleep(&t, &t) != 0) {}
}

/* Busy (not sleeping) for ns nanoseconds of wall time. */
static inline void weft_test_spin_ns(uint64_t ns)
{
    uint64_t end = weft__now_ns() + ns;
    while (weft__now_ns() < end) {}
}

/* True when WEFT_SOAK is a non-zero number (make soak): the long runs. */
static inline bool weft_test_soak(void)
{
    const char *s = getenv("WEFT_SOAK");
    return s != NULL && atoi(s) != 0;
}

/* The count environment variable var asks for (the soak's chunk sizes,
 * scripts/soak.sh: WEFT_SOAK_MSGS, WEFT_SOAK_TASKS, WEFT_SOAK_SEED), or dflt
 * when var is unset or empty. A set value must be a decimal number >= 1
 * that `multiple` divides; anything else ends the program (exit 2) with a
 * message naming var, its value and what it must be. */
static inline uint64_t weft_test_env_count(const char *var, uint64_t dflt, uint64_t multiple)
{
    const char *s = getenv(var);
    if (s == NULL || *s == '\0')
        return dflt;
    char *end;
    unsigned long long v = (*s >= '0' && *s <= '9') ? strtoull(s, &end, 10) : 0;
    if (v == 0 || *end != '\0' || v == ~0ull || v % multiple != 0) {
        fprintf(stderr, "%s=%s: must be a decimal number >= 1 and a multiple of %llu\n", var, s,
                (unsigned long long)multiple);
        exit(2);
    }
    return v;
}

/* The end of a program that CHECKs: prints "NAME: N failures" (stderr) or
 * "NAME: all checks passed" (stdout); returns the exit status, 1 or 0. */
static inline int weft_test_result(const char *name)
{
    if (weft_test_failures) {
        fprintf(stderr, "%s: %d failures\n", name, weft_test_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

/* ---------------------------------------------------------------- deadline */

/* The deadline watchdog's message, and the count it reports (NULL: none). */
__attribute__((unused)) static char weft_test_hung_msg[128];
__attribute__((unused)) static _Atomic uint64_t *weft_test_hung_count;

/* SIGALRM: writes the message, the count in decimal when there is one, and
 * ends the program; async-signal-safe (write and _exit only). */
static inline void weft_test_on_alarm(int sig)
{
    (void)sig;
    char buf[sizeof weft_test_hung_msg + 24];
    size_t len = strlen(weft_test_hung_msg);
    memcpy(buf, weft_test_hung_msg, len);
    if (weft_test_hung_count != NULL) {
        /* relaxed: a progress figure only, no data rides on it. */
        uint64_t n = atomic_load_explicit(weft_test_hung_count, memory_order_relaxed);
        char digits[20];
        int k = 0;
        do digits[k++] = (char)('0' + n % 10); while ((n /= 10) != 0);
        while (k) buf[len++] = digits[--k];
    }
    buf[len++] = '\n';
    (void)!write(2, buf, len);
    _exit(3);
}

/* Ends the program with "FAIL: NAME hung (watchdog), WHAT N" and exit status
 * 3 after `seconds`, N being *count then (the program stores it relaxed as it
 * goes). what and count may be NULL: the message then stops at "(watchdog)". */
static inline void weft_test_watchdog_count(const char *name, unsigned seconds, const char *what,
                                            _Atomic uint64_t *count)
{
    if (what != NULL && count != NULL)
        snprintf(weft_test_hung_msg, sizeof weft_test_hung_msg, "FAIL: %s hung (watchdog), %s ", name, what);
    else
        snprintf(weft_test_hung_msg, sizeof weft_test_hung_msg, "FAIL: %s hung (watchdog)", name);
    weft_test_hung_count = what != NULL ? count : NULL;
    signal(SIGALRM, weft_test_on_alarm);
    alarm(seconds);
}

/* Ends the program with "FAIL: NAME hung (watchdog)" and exit status 3
 * after `seconds`, so that a hang is a failure with a name. */
static inline void weft_test_watchdog(const char *name, unsigned seconds)
{
    weft_test_watchdog_count(name, seconds, NULL, NULL);
}

/* ---------------------------------------------------------------- stall */

/* The stall watchdog's settings and its thread; one per program. */
__attribute__((unused)) static struct {
    const char *name;
    unsigned stall_s;
    _Atomic uint64_t *count;
    void (*report)(void);
    atomic_bool stop;
    pthread_t thread;
} weft_test_stall;

/* The stall watchdog's thread: polls the count every 50 ms; when it has not
 * moved for stall_s seconds, prints "FAIL: NAME made no progress for S s
 * (watchdog)", then the program's report, and ends the program (status 3). */
static inline void *weft_test_stall_main(void *arg)
{
    (void)arg;
    /* relaxed loads of the count: a liveness signal, no data rides on it. */
    uint64_t last = atomic_load_explicit(weft_test_stall.count, memory_order_relaxed);
    uint64_t since = weft__now_ns();
    /* acquire; pairs with the release store in weft_test_stall_watchdog_stop
     * (it only ends the loop; no data is read after it). */
    while (!atomic_load_explicit(&weft_test_stall.stop, memory_order_acquire)) {
        usleep(50000);
        uint64_t n = atomic_load_explicit(weft_test_stall.count, memory_order_relaxed);
        if (n != last) {
            last = n;
            since = weft__now_ns();
            continue;
        }
        if (weft__now_ns() - since > (uint64_t)weft_test_stall.stall_s * 1000000000u) {
            fprintf(stderr, "FAIL: %s made no progress for %u s (watchdog)\n", weft_test_stall.name,
                    weft_test_stall.stall_s);
            if (weft_test_stall.report != NULL) weft_test_stall.report();
            fflush(stderr);
            _exit(3);
        }
    }
    return NULL;
}

/* Starts the stall watchdog on *count, which every thread of the program
 * bumps (relaxed) as it makes progress. report (may be NULL) prints the
 * program's state to stderr when the watchdog fires; it runs on the
 * watchdog's thread while the others may be stuck, so it reads what it
 * prints with atomic loads. Exits with status 2 if the thread cannot start. */
static inline void weft_test_stall_watchdog_start(const char *name, unsigned stall_s,
                                                  _Atomic uint64_t *count, void (*report)(void))
{
    weft_test_stall.name = name;
    weft_test_stall.stall_s = stall_s;
    weft_test_stall.count = count;
    weft_test_stall.report = report;
    atomic_init(&weft_test_stall.stop, false);
    if (pthread_create(&weft_test_stall.thread, NULL, weft_test_stall_main, NULL) != 0) {
        perror("pthread_create (stall watchdog)");
        exit(2);
    }
}

/* Stops the stall watchdog and waits for its thread. */
static inline void weft_test_stall_watchdog_stop(void)
{
    /* release; pairs with the acquire load in weft_test_stall_main. */
    atomic_store_explicit(&weft_test_stall.stop, true, memory_order_release);
    pthread_join(weft_test_stall.thread, NULL);
}

#endif
