/* uts_tbb: UTS with oneTBB task_group, one task per child node.
 * Usage: uts_tbb [UTS flags]   (workers: WEFT_NUM_THREADS) */
#include <tbb/global_control.h>
#include <tbb/task_group.h>

#include <vector>

#include "../common/bench.h"
#include "uts.h"

/* Nodes in the subtree of nd, nd included; each child is a task. */
static uint64_t uts_visit(uts_node nd)
{
    int nc = uts_num_children(&nd);
    uint64_t count = 1;
    if (nc == 0)
        return count;
    uint64_t small[UTS_MAX_CHILDREN];
    std::vector<uint64_t> big;
    uint64_t *counts = small;
    if (nc > UTS_MAX_CHILDREN) { /* only a binomial root */
        big.resize((size_t)nc);
        counts = big.data();
    }
    tbb::task_group g;
    for (int i = 0; i < nc; i++) {
        uts_node c;
        uts_child(&nd, i, &c);
        uint64_t *slot = &counts[i];
        g.run([slot, c] { *slot = uts_visit(c); });
    }
    g.wait();
    for (int i = nc - 1; i >= 0; i--)
        count += counts[i];
    return count;
}

int main(int argc, char **argv)
{
    char args[128];
    uts_args(argc, argv, "uts_tbb");
    uts_node root;
    uts_root(&root);
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    { /* start the workers before the clock */
        tbb::task_group g;
        for (int i = 0; i < 4 * threads; i++)
            g.run([] {});
        g.wait();
    }
    double t0 = bench_now();
    uint64_t r = uts_visit(root);
    double t = bench_now() - t0;
    bench_report("uts", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, r, r - 1);
    return 0;
}
