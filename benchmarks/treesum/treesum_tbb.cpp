/* treesum_tbb: tree-sum with a oneTBB task_group task for the right subtree
 * of every node that has two children.
 * Usage: treesum_tbb NODES [REPS]   (workers: WEFT_NUM_THREADS) */
#include <tbb/global_control.h>
#include <tbb/task_group.h>

#include "../common/bench.h"
#include "treesum.h"

/* The sum of the subtree rooted at nd. */
static uint64_t ts_sum(const ts_node *nd)
{
    BENCH_OPAQUE();
    if (!nd->right)
        return nd->left ? nd->value + ts_sum(nd->left) : nd->value;
    uint64_t x;
    tbb::task_group g;
    g.run([&] { x = ts_sum(nd->right); });
    uint64_t r = nd->value + ts_sum(nd->left);
    g.wait();
    return r + x;
}

int main(int argc, char **argv)
{
    uint64_t n;
    long reps;
    ts_args(argc, argv, "treesum_tbb", &n, &reps);
    ts_tree t = ts_build(n);
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    { /* start the workers before the clock */
        tbb::task_group g;
        for (int i = 0; i < 4 * threads; i++)
            g.run([] {});
        g.wait();
    }
    uint64_t total = 0;
    double t0 = bench_now();
    for (long i = 0; i < reps; i++)
        total += ts_sum(t.nodes);
    double s = bench_now() - t0;
    ts_report("tbb", threads, argc, argv, s, total, &t, reps);
    return 0;
}
