/* uts_weft: UTS with one weft task per child node (the node's 28 bytes
 * travel inline in the task), synced newest first.
 * Usage: uts [UTS flags]   (workers: WEFT_NUM_THREADS; T1 and T3 in uts.h) */
#include <weft.h>

#include "../common/bench.h"
#include "uts.h"

static uint64_t uts_visit(uts_node nd);
WEFT_TASK_1(uint64_t, uts_visit, uts_node)

/* Nodes in the subtree of nd, nd included; each child is a task. */
static uint64_t uts_visit(uts_node nd)
{
    int nc = uts_num_children(&nd);
    uint64_t count = 1;
    if (nc == 0)
        return count;
    WEFT_FLOWVAR(uts_visit) f[nc];
    for (int i = 0; i < nc; i++) {
        uts_node c;
        uts_child(&nd, i, &c);
        f[i] = WEFT_SPAWN(uts_visit, c);
    }
    for (int i = nc - 1; i >= 0; i--)
        count += WEFT_SYNC(f[i]);
    return count;
}

int main(int argc, char **argv)
{
    char args[128];
    uts_args(argc, argv, "uts");
    uts_node root;
    uts_root(&root);
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "uts: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    double t0 = bench_now();
    uint64_t r = uts_visit(root);
    double t = bench_now() - t0;
    weft_exit();
    bench_report("uts", "weft", threads, bench_args(argc, argv, args, sizeof args), t, r, r - 1);
    return 0;
}
