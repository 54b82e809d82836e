/* dfs_serial: the serial twin of dfs_weft.c. Usage: dfs_serial DEPTH BREADTH */
#include "../common/bench.h"
#include "dfs.h"

/* Leaves below a node of the given depth, by plain recursion. */
static uint64_t dfs(int depth, int breadth)
{
    BENCH_OPAQUE();
    if (depth == 0)
        return 1;
    uint64_t sums[DFS_MAX_BREADTH];
    for (int i = 0; i < breadth; i++)
        sums[i] = dfs(depth - 1, breadth);
    uint64_t sum = 0;
    for (int i = breadth - 1; i >= 0; i--)
        sum += sums[i];
    return sum;
}

int main(int argc, char **argv)
{
    char args[64];
    int depth, breadth;
    dfs_args(argc, argv, "dfs_serial", &depth, &breadth);
    double t0 = bench_now();
    uint64_t r = dfs(depth, breadth);
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "serial_clang";
#else
    const char *impl = "serial";
#endif
    bench_report("dfs", impl, 1, bench_args(argc, argv, args, sizeof args), t, r,
                 dfs_spawns(depth, breadth));
    return 0;
}
