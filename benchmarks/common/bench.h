/* bench.h: what every benchmark program shares (C11 and C++17).
 *
 * Each program prints exactly one result line, key=value pairs separated by
 * spaces, that scripts/bench.sh parses:
 *
 *   bench=fib impl=weft threads=2 args=35 time_s=0.123456 result=9227465
 *   spawns=14930351 rss_kb=3120
 *
 * time_s covers the computation only (the runtime is started before and
 * stopped after); rss_kb is the process's peak resident set (getrusage).
 * The worker count comes from WEFT_NUM_THREADS for every runtime (weft reads
 * it itself; OpenMP and TBB programs apply it through bench_threads()).
 */
#ifndef WEFT_BENCH_H
#define WEFT_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* A side effect the compiler cannot see through: placed in a recursive
 * function it stops the compiler from treating the function as pure (clang
 * otherwise folds the breadth identical calls of dfs into one). Costs no
 * instruction. Every version of a workload uses it at the same place. */
#define BENCH_OPAQUE() __asm__ volatile("")

/* Seconds on the monotonic clock, as a double. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Microseconds on the monotonic clock (the payload loops poll it). */
static inline double bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* The worker count asked for: WEFT_NUM_THREADS when set and positive, else
 * the number of online CPUs. */
static inline int bench_threads(void)
{
    const char *s = getenv("WEFT_NUM_THREADS");
    int n = s ? atoi(s) : 0;
    if (n <= 0)
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

/* Peak resident set of this process in KiB. */
static inline long bench_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Prints the one machine-readable result line. `args` is the problem size
 * as given on the command line, spaces replaced by ',' by the caller;
 * `spawns` is the number of tasks the parallel versions create (0 when not
 * meaningful). */
static inline void bench_report(const char *bench, const char *impl, int threads,
                                const char *args, double secs,
                                unsigned long long result, unsigned long long spawns)
{
    printf("bench=%s impl=%s threads=%d args=%s time_s=%.6f result=%llu spawns=%llu rss_kb=%ld\n",
           bench, impl, threads, args, secs, result, spawns, bench_rss_kb());
    fflush(stdout);
}

/* Joins argv[1..argc-1] with ',' into buf (size n) for bench_report. */
static inline const char *bench_args(int argc, char **argv, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 1; i < argc && used + 1 < n; i++) {
        int w = snprintf(buf + used, n - used, "%s%s", i > 1 ? "," : "", argv[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used >= n)
        buf[n - 1] = '\0';
    return buf[0] ? buf : "-";
}

/* Dies with a usage line when argc is not within [lo, hi]. */
static inline void bench_usage(int argc, int lo, int hi, const char *usage)
{
    if (argc < lo || argc > hi) {
        fprintf(stderr, "usage: %s\n", usage);
        exit(2);
    }
}

/* Spins for `us` microseconds of wall time doing a little integer work (an
 * iterative fib(30), as Weave's consumer tasks do). Returns a value that
 * depends on the work so the compiler keeps it. */
static inline uint64_t bench_busy_us(double us)
{
    double start = bench_now_us();
    uint64_t acc = 0;
    while (bench_now_us() - start < us) {
        uint64_t f2 = 0, f1 = 1, f = 0;
        for (int i = 2; i <= 30; i++) {
            f = f1 + f2;
            f2 = f1;
            f1 = f;
        }
        acc += f;
        __asm__ volatile("" : "+r"(acc));
    }
    return acc;
}

#endif
