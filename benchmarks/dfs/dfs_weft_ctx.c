/* dfs_weft_ctx: dfs_weft in the context form (WEFT_CTASK, docs/api.md
 * "Context tasks"); the children's flowvars are synced newest first.
 * Usage: dfs_ctx DEPTH BREADTH   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "../common/bench.h"
#include "dfs.h"

static uint64_t dfs(weft_ctx c, int depth, int breadth);
WEFT_CTASK_2(uint64_t, dfs, int, int)

/* Leaves below a node of the given depth; each child is a task. */
static uint64_t dfs(weft_ctx c, int depth, int breadth)
{
    BENCH_OPAQUE();
    if (depth == 0)
        return 1;
    WEFT_CFLOWVAR(dfs) f[DFS_MAX_BREADTH];
    for (int i = 0; i < breadth; i++)
        f[i] = WEFT_CSPAWN(c, dfs, depth - 1, breadth);
    uint64_t sum = 0;
    for (int i = breadth - 1; i >= 0; i--)
        sum += WEFT_CSYNC(c, dfs, f[i]);
    return sum;
}

int main(int argc, char **argv)
{
    char args[64];
    int depth, breadth;
    dfs_args(argc, argv, "dfs_ctx", &depth, &breadth);
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "dfs_ctx: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    double t0 = bench_now();
    uint64_t r = WEFT_CRUN(dfs, depth, breadth);
    double t = bench_now() - t0;
    weft_exit();
    bench_report("dfs", "ctx", threads, bench_args(argc, argv, args, sizeof args), t, r,
                 dfs_spawns(depth, breadth));
    return 0;
}
