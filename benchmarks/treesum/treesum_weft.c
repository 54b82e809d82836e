/* treesum_weft: tree-sum with a weft task for the right subtree of every
 * node that has two children, the left one summed by a plain call.
 * Usage: treesum NODES [REPS]   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "../common/bench.h"
#include "treesum.h"

static uint64_t ts_sum(const ts_node *nd);
WEFT_TASK_1(uint64_t, ts_sum, const ts_node *)

/* The sum of the subtree rooted at nd. */
static uint64_t ts_sum(const ts_node *nd)
{
    BENCH_OPAQUE();
    if (!nd->right)
        return nd->left ? nd->value + ts_sum(nd->left) : nd->value;
    WEFT_FLOWVAR(ts_sum) f = WEFT_SPAWN(ts_sum, nd->right);
    uint64_t r = nd->value + ts_sum(nd->left);
    return r + WEFT_SYNC(f);
}

int main(int argc, char **argv)
{
    uint64_t n;
    long reps;
    ts_args(argc, argv, "treesum", &n, &reps);
    ts_tree t = ts_build(n);
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "treesum: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    uint64_t total = 0;
    double t0 = bench_now();
    for (long i = 0; i < reps; i++)
        total += ts_sum(t.nodes);
    double s = bench_now() - t0;
    weft_exit();
    ts_report("weft", threads, argc, argv, s, total, &t, reps);
    return 0;
}
