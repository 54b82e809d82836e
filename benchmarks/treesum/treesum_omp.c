/* treesum_omp: tree-sum with an OpenMP task for the right subtree of every
 * node that has two children; built with gcc (libgomp) as treesum_omp_gcc
 * and with clang (libomp) as treesum_omp_clang.
 * Usage: treesum_omp_* NODES [REPS]   (workers: WEFT_NUM_THREADS) */
#include <omp.h>

#include "../common/bench.h"
#include "treesum.h"

/* The sum of the subtree rooted at nd. */
static uint64_t ts_sum(const ts_node *nd)
{
    BENCH_OPAQUE();
    if (!nd->right)
        return nd->left ? nd->value + ts_sum(nd->left) : nd->value;
    uint64_t x;
    const ts_node *right = nd->right;
#pragma omp task shared(x) firstprivate(right)
    x = ts_sum(right);
    uint64_t r = nd->value + ts_sum(nd->left);
#pragma omp taskwait
    return r + x;
}

int main(int argc, char **argv)
{
    uint64_t n;
    long reps;
    ts_args(argc, argv, "treesum_omp", &n, &reps);
    ts_tree t = ts_build(n);
    int threads = bench_threads();
    uint64_t total = 0;
    omp_set_num_threads(threads);
#pragma omp parallel
    { /* start the team before the clock */
    }
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    for (long i = 0; i < reps; i++)
        total += ts_sum(t.nodes);
    double s = bench_now() - t0;
#ifdef __clang__
    const char *impl = "omp_clang";
#else
    const char *impl = "omp_gcc";
#endif
    ts_report(impl, threads, argc, argv, s, total, &t, reps);
    return 0;
}
