/* transpose_omp: the two nested loops as one OpenMP loop (collapse(2)),
 * schedule or taskloop chosen at build time (common/loop.h).
 * Usage: transpose_omp_* ROWS COLS REPS   (workers: WEFT_NUM_THREADS) */
#include "transpose.h"

int main(int argc, char **argv)
{
    char args[64];
    tr_params p = tr_args(argc, argv, "transpose_omp");
    uint32_t *a, *b;
    tr_input(p, &a, &b, "transpose_omp");
    int threads = bench_omp_start();
    double t0 = bench_now();
    BENCH_OMP_REGION
    {
        for (int64_t r = 0; r < p.reps; r++) {
            BENCH_OMP_LOOP(collapse(2))
            for (int64_t i = 0; i < p.rows; i++)
                for (int64_t j = 0; j < p.cols; j++)
                    b[j * p.rows + i] = a[i * p.cols + j];
        }
    }
    double t = bench_now() - t0;
    uint64_t res = tr_check(p, a, b, "transpose_omp");
    bench_report("transpose", BENCH_OMP_IMPL, threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.rows * p.cols * p.reps));
    free(a);
    free(b);
    return 0;
}
