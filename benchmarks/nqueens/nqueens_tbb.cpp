/* nqueens_tbb: N queens with oneTBB task_group, one task per valid
 * placement. Usage: nqueens_tbb N   (workers: WEFT_NUM_THREADS) */
#include <tbb/global_control.h>
#include <tbb/task_group.h>

#include "../common/bench.h"
#include "nqueens.h"

/* Solutions that complete board b; each placement in the next row is a task. */
static uint64_t nqueens(nq_board b)
{
    if (b.cols == b.full)
        return 1;
    uint64_t sols[NQ_MAX];
    int k = 0;
    tbb::task_group g;
    for (uint32_t avail = nq_free(b); avail; avail &= avail - 1) {
        nq_board c = nq_place(b, avail & (0u - avail));
        uint64_t *slot = &sols[k++];
        g.run([slot, c] { *slot = nqueens(c); });
    }
    g.wait();
    uint64_t sum = 0;
    while (k > 0)
        sum += sols[--k];
    return sum;
}

int main(int argc, char **argv)
{
    char args[64];
    int n = nq_args(argc, argv, "nqueens_tbb");
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    { /* start the workers before the clock */
        tbb::task_group g;
        for (int i = 0; i < 4 * threads; i++)
            g.run([] {});
        g.wait();
    }
    double t0 = bench_now();
    uint64_t r = nqueens(nq_empty(n));
    double t = bench_now() - t0;
    bench_report("nqueens", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, r, 0);
    return 0;
}
