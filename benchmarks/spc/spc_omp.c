/* spc_omp: single task producer with OpenMP: one thread creates N tasks
 * inside `single`; the region's closing barrier waits for them.
 * Usage: spc_omp_* N US   (workers: WEFT_NUM_THREADS) */
#include <omp.h>

#include "../common/bench.h"
#include "spc.h"

int main(int argc, char **argv)
{
    char args[64];
    spc_params p = spc_args(argc, argv, "spc_omp");
    int threads = bench_threads();
    omp_set_num_threads(threads);
#pragma omp parallel
    { /* start the team before the clock */
    }
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    for (int i = 0; i < p.n; i++) {
#pragma omp task firstprivate(p)
        tally_add(omp_get_thread_num(), bench_busy_us(p.us));
    }
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "omp_clang";
#else
    const char *impl = "omp_gcc";
#endif
    bench_report("spc", impl, threads, bench_args(argc, argv, args, sizeof args), t, tally_sum(),
                 (unsigned long long)p.n);
    return 0;
}
