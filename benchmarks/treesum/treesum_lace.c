/* treesum_lace: tree-sum with a Lace task for the right subtree of every
 * node that has two children (SPAWN right, CALL left, SYNC). The REPS sums
 * run inside one task, so that main hands work to the workers once, as the
 * other versions' loops do.
 * Usage: treesum_lace NODES [REPS]   (workers: WEFT_NUM_THREADS) */
#include <lace.h>

#include "../common/bench.h"
#include "../common/lace_peer.h"
#include "treesum.h"

/* The sum of the subtree rooted at nd. */
TASK_1(uint64_t, ts_sum, const ts_node *, nd)
{
    BENCH_OPAQUE();
    if (!nd->right)
        return nd->left ? nd->value + CALL(ts_sum, nd->left) : nd->value;
    SPAWN(ts_sum, nd->right);
    uint64_t r = nd->value + CALL(ts_sum, nd->left);
    return r + SYNC(ts_sum);
}

/* reps sums of the tree at root, added up. */
TASK_2(uint64_t, ts_reps, const ts_node *, root, long, reps)
{
    uint64_t total = 0;
    for (long i = 0; i < reps; i++)
        total += CALL(ts_sum, root);
    return total;
}

int main(int argc, char **argv)
{
    uint64_t n;
    long reps;
    ts_args(argc, argv, "treesum_lace", &n, &reps);
    ts_tree t = ts_build(n);
    int threads = bench_lace_start();
    double t0 = bench_now();
    uint64_t total = RUN(ts_reps, t.nodes, reps);
    double s = bench_now() - t0;
    lace_stop();
    ts_report("lace", threads, argc, argv, s, total, &t, reps);
    return 0;
}
