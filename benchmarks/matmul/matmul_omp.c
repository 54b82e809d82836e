/* matmul_omp: an OpenMP loop over the tiles of C, schedule or taskloop
 * chosen at build time (common/loop.h).
 * Usage: matmul_omp_* N REPS   (workers: WEFT_NUM_THREADS) */
#include "matmul.h"

int main(int argc, char **argv)
{
    char args[64];
    mm_params p = mm_args(argc, argv, "matmul_omp");
    mm_data d = mm_input(p, "matmul_omp");
    int threads = bench_omp_start();
    int64_t tiles = mm_tiles(p.n);
    double t0 = bench_now();
    BENCH_OMP_REGION
    {
        for (int64_t r = 0; r < p.reps; r++) {
            BENCH_OMP_LOOP()
            for (int64_t t = 0; t < tiles; t++)
                mm_tile(&d, t);
        }
    }
    double t = bench_now() - t0;
    uint64_t res = mm_check(p, &d, "matmul_omp");
    bench_report("matmul", BENCH_OMP_IMPL, threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(tiles * p.reps));
    mm_free(d);
    return 0;
}
