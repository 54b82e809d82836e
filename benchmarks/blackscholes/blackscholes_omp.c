/* blackscholes_omp: an OpenMP loop over the options, schedule or taskloop
 * chosen at build time (common/loop.h). Usage: blackscholes_omp_* N REPS
 * (workers: WEFT_NUM_THREADS) */
#include "blackscholes.h"

int main(int argc, char **argv)
{
    char args[64];
    bs_params p = bs_args(argc, argv, "blackscholes_omp");
    bs_data d = bs_input(p, "blackscholes_omp");
    int threads = bench_omp_start();
    double t0 = bench_now();
    BENCH_OMP_REGION
    {
        for (int64_t r = 0; r < p.reps; r++) {
            BENCH_OMP_LOOP()
            for (int64_t i = 0; i < p.n; i++)
                bs_price(&d, i);
        }
    }
    double t = bench_now() - t0;
    uint64_t res = bs_check(p, &d, "blackscholes_omp");
    bench_report("blackscholes", BENCH_OMP_IMPL, threads, bench_args(argc, argv, args, sizeof args), t,
                 res, (unsigned long long)(p.n * p.reps));
    bs_free(d);
    return 0;
}
