/* uts_lace: UTS with one Lace task per child node (the node's 28 bytes
 * travel in the task, which holds 48), synced newest first.
 * Usage: uts_lace [UTS flags]   (workers: WEFT_NUM_THREADS; T1, T3 in uts.h) */
#include <lace.h>

#include "../common/bench.h"
#include "../common/lace_peer.h"
#include "uts.h"

/* Nodes in the subtree of nd, nd included; each child is a task. */
TASK_1(uint64_t, uts_visit, uts_node, nd)
{
    int nc = uts_num_children(&nd);
    uint64_t count = 1;
    for (int i = 0; i < nc; i++) {
        uts_node c;
        uts_child(&nd, i, &c);
        SPAWN(uts_visit, c);
    }
    for (int i = 0; i < nc; i++)
        count += SYNC(uts_visit);
    return count;
}

int main(int argc, char **argv)
{
    char args[128];
    uts_args(argc, argv, "uts_lace");
    uts_node root;
    uts_root(&root);
    int threads = bench_lace_start();
    double t0 = bench_now();
    uint64_t r = RUN(uts_visit, root);
    double t = bench_now() - t0;
    lace_stop();
    bench_report("uts", "lace", threads, bench_args(argc, argv, args, sizeof args), t, r, r - 1);
    return 0;
}
