/* loop.h: what the parallel-loop benchmarks share (issue 9; C11 and C++17):
 * the OpenMP loop construct each OpenMP build uses, argument parsing, the
 * data generators and the result hashes.
 *
 * One NAME_omp.c is built eight times (benchmarks/bench.mk): with gcc and
 * clang, and with -DBENCH_OMP_SCHED=static, dynamic or guided (a worksharing
 * `omp for schedule(...)`, no chunk size given, as a user writes it first)
 * or -DBENCH_OMP_TASKLOOP (`omp taskloop` run by one thread of the team,
 * default grain). A program writes
 *
 *     BENCH_OMP_REGION
 *     {
 *         for (rep...)  {   // every thread of the team, or the single one
 *             BENCH_OMP_LOOP(reduction(+ : s))
 *             for (int64_t i = 0; i < n; i++) ...
 *         }
 *     }
 *
 * so one parallel region spans the repetitions (no fork-join per step):
 * BENCH_OMP_REGION is `omp parallel` (worksharing) or `omp parallel` +
 * `omp single` (taskloop), BENCH_OMP_LOOP is `omp for schedule(S) ...` (with
 * its barrier at the end) or `omp taskloop ...` (with its taskgroup).
 * Variables the loops write (reduction targets, results) are declared outside
 * the region (a reduction adds to the variable's value before the loop); the
 * loop bounds inside it are the same on every thread. `BENCH_OMP_ONE stmt;`
 * runs stmt on one thread between loops (`omp single` and its barrier, or
 * plainly on the taskloop's single thread). */
#ifndef WEFT_BENCH_LOOP_H
#define WEFT_BENCH_LOOP_H

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BENCH_PRAGMA(...) _Pragma(#__VA_ARGS__)
#define BENCH_XPRAGMA(...) BENCH_PRAGMA(__VA_ARGS__)
#define BENCH_STR_(x) #x
#define BENCH_STR(x) BENCH_STR_(x)

#ifdef _OPENMP
#include <omp.h>
#ifdef __clang__
#define BENCH_OMP_CC "clang"
#else
#define BENCH_OMP_CC "gcc"
#endif
#if defined(BENCH_OMP_TASKLOOP)
#ifdef __clang__
/* clang 14 compares a taskloop's unsigned trip count with the signed bound
 * of the loop as written and warns (-Wsign-compare) on its own code. */
#pragma clang diagnostic ignored "-Wsign-compare"
#endif
#define BENCH_OMP_REGION BENCH_PRAGMA(omp parallel) BENCH_PRAGMA(omp single)
#define BENCH_OMP_LOOP(...) BENCH_XPRAGMA(omp taskloop __VA_ARGS__)
#define BENCH_OMP_ONE /* the region runs on one thread already */
#define BENCH_OMP_IMPL "omp_taskloop_" BENCH_OMP_CC
#elif defined(BENCH_OMP_SCHED)
#define BENCH_OMP_REGION BENCH_PRAGMA(omp parallel)
#define BENCH_OMP_LOOP(...) BENCH_XPRAGMA(omp for schedule(BENCH_OMP_SCHED) __VA_ARGS__)
#define BENCH_OMP_ONE BENCH_PRAGMA(omp single)
#define BENCH_OMP_IMPL "omp_" BENCH_STR(BENCH_OMP_SCHED) "_" BENCH_OMP_CC
#else
#error "build NAME_omp.c with -DBENCH_OMP_SCHED=static|dynamic|guided or -DBENCH_OMP_TASKLOOP"
#endif

/* Sets the team size from WEFT_NUM_THREADS and starts the team before the
 * clock. Returns the team size. */
static inline int bench_omp_start(void)
{
    int threads = bench_threads();
    omp_set_num_threads(threads);
#pragma omp parallel
    { /* start the team */
    }
    return threads;
}
#endif

#ifdef __clang__
#define BENCH_SERIAL_IMPL "serial_clang"
#else
#define BENCH_SERIAL_IMPL "serial"
#endif

/* argv[k] as an integer >= lo, or exits naming the argument. */
static inline int64_t bench_arg_i64(char **argv, int k, const char *prog, const char *what, int64_t lo)
{
    char *end = NULL;
    long long v = strtoll(argv[k], &end, 10);
    if (end == argv[k] || *end != '\0' || v < lo) {
        fprintf(stderr, "%s: %s must be an integer >= %" PRId64 ", got '%s'\n", prog, what, lo, argv[k]);
        exit(2);
    }
    return (int64_t)v;
}

/* Allocates n elements of `size` bytes, 64-byte aligned, or exits. */
static inline void *bench_alloc(size_t n, size_t size, const char *prog)
{
    size_t bytes = n * size;
    if (size != 0 && bytes / size != n) {
        fprintf(stderr, "%s: %zu elements of %zu bytes do not fit in memory\n", prog, n, size);
        exit(2);
    }
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    if (!p) {
        fprintf(stderr, "%s: cannot allocate %zu bytes\n", prog, bytes);
        exit(1);
    }
    return p;
}

/* A 64-bit mix of i (splitmix64's finaliser): the inputs' generator, so
 * that every element depends on its index alone. */
static inline uint64_t bench_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A uniform double in [0, 1) from index i (53 bits of bench_mix(i ^ salt)). */
static inline double bench_unit(uint64_t i, uint64_t salt)
{
    return (double)(bench_mix(i ^ salt) >> 11) * (1.0 / 9007199254740992.0);
}

/* FNV-1a over 64-bit words: the hash the programs report of an output they
 * compute element by element (the same bits in every version). */
static inline uint64_t bench_hash_words(const void *p, size_t words, uint64_t h)
{
    const unsigned char *b = (const unsigned char *)p;
    for (size_t k = 0; k < words; k++) {
        uint64_t w;
        memcpy(&w, b + 8 * k, 8);
        h = (h ^ w) * 0x100000001b3ULL;
    }
    return h;
}
#define BENCH_HASH_SEED 0xcbf29ce484222325ULL

#if defined(__cplusplus) && defined(BENCH_TBB)
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>
#include <tbb/partitioner.h>
#include <tbb/task_group.h>

/* Starts the TBB workers before the clock (as the task benchmarks do). */
static inline void bench_tbb_warm(int threads)
{
    tbb::task_group g;
    for (int i = 0; i < 4 * threads; i++)
        g.run([] {});
    g.wait();
}
#endif

#endif
