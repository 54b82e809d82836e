/* dfs_tbb: the DFS tree with oneTBB task_group, one task per node.
 * Usage: dfs_tbb DEPTH BREADTH   (workers: WEFT_NUM_THREADS) */
#include <tbb/global_control.h>
#include <tbb/task_group.h>

#include "../common/bench.h"
#include "dfs.h"

/* Leaves below a node of the given depth; each child is a task. */
static uint64_t dfs(int depth, int breadth)
{
    BENCH_OPAQUE();
    if (depth == 0)
        return 1;
    uint64_t sums[DFS_MAX_BREADTH];
    tbb::task_group g;
    for (int i = 0; i < breadth; i++)
        g.run([&sums, i, depth, breadth] { sums[i] = dfs(depth - 1, breadth); });
    g.wait();
    uint64_t sum = 0;
    for (int i = breadth - 1; i >= 0; i--)
        sum += sums[i];
    return sum;
}

int main(int argc, char **argv)
{
    char args[64];
    int depth, breadth;
    dfs_args(argc, argv, "dfs_tbb", &depth, &breadth);
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    { /* start the workers before the clock */
        tbb::task_group g;
        for (int i = 0; i < 4 * threads; i++)
            g.run([] {});
        g.wait();
    }
    double t0 = bench_now();
    uint64_t r = dfs(depth, breadth);
    double t = bench_now() - t0;
    bench_report("dfs", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, r,
                 dfs_spawns(depth, breadth));
    return 0;
}
