/* dfs_lace: the DFS tree with one Lace task per node; Lace's SYNC takes the
 * newest spawn, so the children are synced newest first, as in dfs_weft.c.
 * Usage: dfs_lace DEPTH BREADTH   (workers: WEFT_NUM_THREADS) */
#include <lace.h>

#include "../common/bench.h"
#include "../common/lace_peer.h"
#include "dfs.h"

/* Leaves below a node of the given depth; each child is a task. */
TASK_2(uint64_t, dfs, int, depth, int, breadth)
{
    BENCH_OPAQUE();
    if (depth == 0)
        return 1;
    for (int i = 0; i < breadth; i++)
        SPAWN(dfs, depth - 1, breadth);
    uint64_t sum = 0;
    for (int i = 0; i < breadth; i++)
        sum += SYNC(dfs);
    return sum;
}

int main(int argc, char **argv)
{
    char args[64];
    int depth, breadth;
    dfs_args(argc, argv, "dfs_lace", &depth, &breadth);
    int threads = bench_lace_start();
    double t0 = bench_now();
    uint64_t r = RUN(dfs, depth, breadth);
    double t = bench_now() - t0;
    lace_stop();
    bench_report("dfs", "lace", threads, bench_args(argc, argv, args, sizeof args), t, r,
                 dfs_spawns(depth, breadth));
    return 0;
}
