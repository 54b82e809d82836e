/* nqueens_omp: N queens with one OpenMP task per valid placement.
 * Usage: nqueens_omp_* N   (workers: WEFT_NUM_THREADS) */
#include <omp.h>

#include "../common/bench.h"
#include "nqueens.h"

/* Solutions that complete board b; each placement in the next row is a task. */
static uint64_t nqueens(nq_board b)
{
    if (b.cols == b.full)
        return 1;
    uint64_t sols[NQ_MAX];
    uint64_t *s = sols;
    int k = 0;
    for (uint32_t avail = nq_free(b); avail; avail &= avail - 1) {
        nq_board c = nq_place(b, avail & -avail);
#pragma omp task firstprivate(c, k, s)
        s[k] = nqueens(c);
        k++;
    }
#pragma omp taskwait
    uint64_t sum = 0;
    while (k > 0)
        sum += sols[--k];
    return sum;
}

int main(int argc, char **argv)
{
    char args[64];
    int n = nq_args(argc, argv, "nqueens_omp");
    int threads = bench_threads();
    uint64_t r = 0;
    omp_set_num_threads(threads);
#pragma omp parallel
    { /* start the team before the clock */
    }
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    r = nqueens(nq_empty(n));
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "omp_clang";
#else
    const char *impl = "omp_gcc";
#endif
    bench_report("nqueens", impl, threads, bench_args(argc, argv, args, sizeof args), t, r, 0);
    return 0;
}
