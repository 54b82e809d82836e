/* uts_omp: UTS with one OpenMP task per child node.
 * Usage: uts_omp_* [UTS flags]   (workers: WEFT_NUM_THREADS) */
#include <omp.h>

#include "../common/bench.h"
#include "uts.h"

/* Nodes in the subtree of nd, nd included; each child is a task. */
static uint64_t uts_visit(uts_node nd)
{
    int nc = uts_num_children(&nd);
    uint64_t count = 1;
    if (nc == 0)
        return count;
    uint64_t counts[nc];
    uint64_t *s = counts;
    for (int i = 0; i < nc; i++) {
        uts_node c;
        uts_child(&nd, i, &c);
#pragma omp task firstprivate(c, i, s)
        s[i] = uts_visit(c);
    }
#pragma omp taskwait
    for (int i = nc - 1; i >= 0; i--)
        count += counts[i];
    return count;
}

int main(int argc, char **argv)
{
    char args[128];
    uts_args(argc, argv, "uts_omp");
    uts_node root;
    uts_root(&root);
    int threads = bench_threads();
    uint64_t r = 0;
    omp_set_num_threads(threads);
#pragma omp parallel
    { /* start the team before the clock */
    }
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    r = uts_visit(root);
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "omp_clang";
#else
    const char *impl = "omp_gcc";
#endif
    bench_report("uts", impl, threads, bench_args(argc, argv, args, sizeof args), t, r, r - 1);
    return 0;
}
