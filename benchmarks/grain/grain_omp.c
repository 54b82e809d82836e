/* grain_omp: the sweep's loop as an OpenMP loop with reduction(+ : s),
 * schedule or taskloop chosen at build time (common/loop.h).
 * Usage: grain_omp_* N STEPS   (workers: WEFT_NUM_THREADS) */
#include "grain.h"

int main(int argc, char **argv)
{
    char args[64];
    grain_params p = grain_args(argc, argv, "grain_omp");
    int threads = bench_omp_start();
    uint64_t s = 0;
    double t0 = bench_now();
    BENCH_OMP_REGION
    {
        BENCH_OMP_LOOP(reduction(+ : s))
        for (int64_t i = 0; i < p.n; i++)
            s += grain_spin(i, p.steps, s);
    }
    double t = bench_now() - t0;
    bench_report("grain", BENCH_OMP_IMPL, threads, bench_args(argc, argv, args, sizeof args), t, s,
                 (unsigned long long)p.n);
    return 0;
}
