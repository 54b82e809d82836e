/* dfs_omp: the DFS tree with one OpenMP task per node. The loop index goes
 * into each task by firstprivate (sharing it, as the common version does,
 * reads a dead variable under libomp). Usage: dfs_omp_* DEPTH BREADTH */
#include <omp.h>

#include "../common/bench.h"
#include "dfs.h"

/* Leaves below a node of the given depth; each child is a task. */
static uint64_t dfs(int depth, int breadth)
{
    BENCH_OPAQUE();
    if (depth == 0)
        return 1;
    uint64_t sums[DFS_MAX_BREADTH];
    uint64_t *s = sums;
    for (int i = 0; i < breadth; i++) {
#pragma omp task firstprivate(i, s, depth, breadth)
        s[i] = dfs(depth - 1, breadth);
    }
#pragma omp taskwait
    uint64_t sum = 0;
    for (int i = breadth - 1; i >= 0; i--)
        sum += sums[i];
    return sum;
}

int main(int argc, char **argv)
{
    char args[64];
    int depth, breadth;
    dfs_args(argc, argv, "dfs_omp", &depth, &breadth);
    int threads = bench_threads();
    uint64_t r = 0;
    omp_set_num_threads(threads);
#pragma omp parallel
    { /* start the team before the clock */
    }
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    r = dfs(depth, breadth);
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "omp_clang";
#else
    const char *impl = "omp_gcc";
#endif
    bench_report("dfs", impl, threads, bench_args(argc, argv, args, sizeof args), t, r,
                 dfs_spawns(depth, breadth));
    return 0;
}
