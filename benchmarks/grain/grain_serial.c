/* grain_serial: the serial twin of the grain sweep: the plain loop.
 * Usage: grain_serial N STEPS
 *        grain_serial calibrate   prints cycles_per_step=C tsc_ghz=G: TSC
 *                                 cycles a spin step takes (x86-64; elsewhere
 *                                 nanoseconds x 3, tsc_ghz=0) */
#include "grain.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t ticks(void) { return __rdtsc(); }
static const int have_tsc = 1;
#else
static inline uint64_t ticks(void) { return (uint64_t)(bench_now() * 3e9); }
static const int have_tsc = 0;
#endif

/* The fewest ticks a step took over 15 runs of 10^6 steps (the least
 * disturbed run, on a loaded machine), and the TSC rate. */
static int calibrate(void)
{
    double best = 1e30, ghz = 0;
    for (int k = 0; k < 15; k++) {
        uint64_t c0 = ticks();
        double t0 = bench_now();
        uint64_t v = grain_spin(k, 1000000, 0);
        __asm__ volatile("" : : "r"(v));
        double t = bench_now() - t0;
        uint64_t c = ticks() - c0;
        if ((double)c / 1e6 < best) {
            best = (double)c / 1e6;
            ghz = (double)c / t / 1e9;
        }
    }
    printf("cycles_per_step=%.4f tsc_ghz=%.3f\n", best, have_tsc ? ghz : 0.0);
    return 0;
}

int main(int argc, char **argv)
{
    char args[64];
    if (argc == 2 && strcmp(argv[1], "calibrate") == 0)
        return calibrate();
    grain_params p = grain_args(argc, argv, "grain_serial");
    double t0 = bench_now();
    uint64_t s = 0;
    for (int64_t i = 0; i < p.n; i++)
        s += grain_spin(i, p.steps, s);
    double t = bench_now() - t0;
    bench_report("grain", BENCH_SERIAL_IMPL, 1, bench_args(argc, argv, args, sizeof args), t, s,
                 (unsigned long long)p.n);
    return 0;
}
