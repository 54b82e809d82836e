/* heat_omp: one parallel region around the sweeps, an OpenMP loop over the
 * rows per sweep (its barrier or taskgroup ends the sweep), schedule or
 * taskloop chosen at build time (common/loop.h). Each thread keeps its own
 * copy of the two grid pointers and swaps them after every sweep.
 * Usage: heat_omp_* N STEPS   (workers: WEFT_NUM_THREADS) */
#include "heat.h"

int main(int argc, char **argv)
{
    char args[64];
    heat_params p = heat_args(argc, argv, "heat_omp");
    double *ga = heat_grid(p, "heat_omp"), *gb = heat_grid(p, "heat_omp");
    int threads = bench_omp_start();
    double t0 = bench_now();
    BENCH_OMP_REGION
    {
        double *a = ga, *b = gb;
        for (int64_t s = 0; s < p.steps; s++) {
            BENCH_OMP_LOOP()
            for (int64_t i = 1; i < p.n - 1; i++)
                heat_row(a, b, p.n, i);
            double *tmp = a;
            a = b;
            b = tmp;
        }
    }
    double t = bench_now() - t0;
    double *last = p.steps % 2 ? gb : ga;
    uint64_t res = heat_check(p, last, "heat_omp");
    bench_report("heat", BENCH_OMP_IMPL, threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)((p.n - 2) * p.steps));
    free(ga);
    free(gb);
    return 0;
}
