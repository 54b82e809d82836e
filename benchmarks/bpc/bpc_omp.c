/* bpc_omp: bouncing producer-consumer with OpenMP tasks, ended by the
 * barrier that closes the parallel region. Usage: bpc_omp_* DEPTH N US */
#include <omp.h>

#include "../common/bench.h"
#include "bpc.h"

static bpc_params P;

/* A consumer: spins for P.us microseconds. */
static void consume(void)
{
    tally_add(omp_get_thread_num(), bench_busy_us(P.us));
}

/* A producer of depth d: the next producer as a task, then P.n consumer tasks. */
static void produce(int d)
{
    if (d <= 0)
        return;
    tally_add(omp_get_thread_num(), 0);
#pragma omp task firstprivate(d)
    produce(d - 1);
    for (int i = 0; i < P.n; i++) {
#pragma omp task
        consume();
    }
}

int main(int argc, char **argv)
{
    char args[64];
    P = bpc_args(argc, argv, "bpc_omp");
    int threads = bench_threads();
    omp_set_num_threads(threads);
#pragma omp parallel
    { /* start the team before the clock */
    }
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    produce(P.depth);
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "omp_clang";
#else
    const char *impl = "omp_gcc";
#endif
    bench_report("bpc", impl, threads, bench_args(argc, argv, args, sizeof args), t, tally_sum(),
                 bpc_tasks(P));
    return 0;
}
