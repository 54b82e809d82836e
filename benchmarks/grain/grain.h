/* grain.h: what the grain-size sweep programs share: a loop of N iterations,
 * iteration i costing STEPS steps of a spin of dependent arithmetic (a
 * 64-bit multiply-add per step, an empty asm between steps so that no
 * compiler folds or vectorises it: about 4 cycles a step), the results summed
 * (a uint64_t sum, exact whatever the split). Each iteration's spin starts
 * from the running sum ANDed with 0 by an instruction the CPU must wait for
 * (grain_dep), so iterations do not overlap in the out-of-order core either:
 * an iteration costs its chain, STEPS x ~4 cycles + ~3, at every grain.
 * scripts/bench-loops.sh asks `grain_serial calibrate` how many TSC cycles a
 * step takes and picks STEPS for each grain (10 to 10^5 cycles) and N so
 * that every grain does about the same total work. The scripts compare the
 * sum with the serial twin's. Usage of every program: NAME N STEPS (e.g.
 * 30000000 2). spawns: N. */
#ifndef WEFT_BENCH_GRAIN_H
#define WEFT_BENCH_GRAIN_H

#include "../common/loop.h"

typedef struct grain_params {
    int64_t n, steps;
} grain_params;

static inline grain_params grain_args(int argc, char **argv, const char *prog)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s N STEPS   (e.g. 30000000 2)\n", prog);
        exit(2);
    }
    grain_params p = {bench_arg_i64(argv, 1, prog, "N", 1), bench_arg_i64(argv, 2, prog, "STEPS", 1)};
    return p;
}

/* 0, computed from prev by an instruction (x86-64, aarch64), so that what
 * uses it waits for prev; elsewhere a plain 0 the compiler cannot see
 * through (then iterations may overlap). */
static inline uint64_t grain_dep(uint64_t prev)
{
#if defined(__x86_64__)
    __asm__("andq $0, %0" : "+r"(prev));
#elif defined(__aarch64__)
    __asm__("and %x0, %x0, xzr" : "+r"(prev));
#else
    prev = 0;
    __asm__ volatile("" : "+r"(prev));
#endif
    return prev;
}

/* Iteration i's work: `steps` dependent multiply-adds starting from i, after
 * the sum so far (`prev`, which adds nothing) is known. */
static inline uint64_t grain_spin(int64_t i, int64_t steps, uint64_t prev)
{
    uint64_t x = (uint64_t)i + grain_dep(prev);
    for (int64_t s = 0; s < steps; s++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        __asm__ volatile("" : "+r"(x));
    }
    return x;
}

#endif
