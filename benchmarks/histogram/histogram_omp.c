/* histogram_omp: an OpenMP loop over the rows with a user-defined reduction
 * on the hist struct (`declare reduction`: each thread, or each taskloop
 * reduction copy, counts into a zeroed hist; merged by adding the bins),
 * schedule or taskloop chosen at build time (common/loop.h).
 * Usage: histogram_omp_* ROWS COLS REPS   (workers: WEFT_NUM_THREADS) */
#include "histogram.h"

#pragma omp declare reduction(hist_add : hist : hist_merge(&omp_out, &omp_in)) \
    initializer(hist_zero(&omp_priv))

int main(int argc, char **argv)
{
    char args[64];
    hist_params p = hist_args(argc, argv, "histogram_omp");
    float *m = hist_input(p, "histogram_omp");
    int threads = bench_omp_start();
    static hist h;
    hist_zero(&h);
    double t0 = bench_now();
    BENCH_OMP_REGION
    {
        for (int64_t r = 0; r < p.reps; r++) {
            BENCH_OMP_LOOP(reduction(hist_add : h))
            for (int64_t i = 0; i < p.rows; i++)
                hist_row(&h, m, p.cols, i);
        }
    }
    double t = bench_now() - t0;
    uint64_t res = hist_check(p, &h, "histogram_omp");
    bench_report("histogram", BENCH_OMP_IMPL, threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.rows * p.reps));
    free(m);
    return 0;
}
