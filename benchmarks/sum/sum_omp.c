/* sum_omp: the sum as an OpenMP loop with reduction(+ : s), the schedule
 * or taskloop chosen at build time (common/loop.h).
 * Usage: sum_omp_* N REPS   (workers: WEFT_NUM_THREADS) */
#include "sum.h"

int main(int argc, char **argv)
{
    char args[64];
    sum_params p = sum_args(argc, argv, "sum_omp");
    double *x = sum_input(p, "sum_omp");
    int threads = bench_omp_start();
    double total = 0;
    double t0 = bench_now();
    BENCH_OMP_REGION
    {
        for (int64_t r = 0; r < p.reps; r++) {
            BENCH_OMP_LOOP(reduction(+ : total)) /* adds each rep's sum to total */
            for (int64_t i = 0; i < p.n; i++)
                total += x[i];
        }
    }
    double t = bench_now() - t0;
    uint64_t res = sum_check(p, total, "sum_omp");
    bench_report("sum", BENCH_OMP_IMPL, threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.n * p.reps));
    free(x);
    return 0;
}
