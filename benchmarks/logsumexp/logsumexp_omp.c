/* logsumexp_omp: two OpenMP loops, reduction(max : m) and then reduction(+
 * : s), schedule or taskloop chosen at build time (common/loop.h).
 * Usage: logsumexp_omp_* N REPS   (workers: WEFT_NUM_THREADS) */
#include "logsumexp.h"

int main(int argc, char **argv)
{
    char args[64];
    lse_params p = lse_args(argc, argv, "logsumexp_omp");
    double *x = lse_input(p, "logsumexp_omp");
    int threads = bench_omp_start();
    uint64_t res = 0;
    double t = 0;
    for (int64_t r = 0; r < p.reps; r++) {
        double t0 = bench_now();
        double m = -INFINITY, s = 0;
        BENCH_OMP_REGION
        {
            BENCH_OMP_LOOP(reduction(max : m))
            for (int64_t i = 0; i < p.n; i++)
                m = x[i] > m ? x[i] : m;
            BENCH_OMP_LOOP(reduction(+ : s))
            for (int64_t i = 0; i < p.n; i++)
                s += exp(x[i] - m);
        }
        double lse = m + log(s);
        t += bench_now() - t0;
        res += lse_check(p, lse, "logsumexp_omp");
    }
    bench_report("logsumexp", BENCH_OMP_IMPL, threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(2 * p.n * p.reps));
    free(x);
    return 0;
}
