/* nqueens_lace: N queens with one Lace task per valid placement (the
 * 16-byte board travels in the task), synced newest first.
 * Usage: nqueens_lace N   (workers: WEFT_NUM_THREADS) */
#include <lace.h>

#include "../common/bench.h"
#include "../common/lace_peer.h"
#include "nqueens.h"

/* Solutions that complete board b; each placement in the next row is a task. */
TASK_1(uint64_t, nqueens, nq_board, b)
{
    if (b.cols == b.full)
        return 1;
    int k = 0;
    for (uint32_t avail = nq_free(b); avail; avail &= avail - 1, k++)
        SPAWN(nqueens, nq_place(b, avail & -avail));
    uint64_t sum = 0;
    while (k-- > 0)
        sum += SYNC(nqueens);
    return sum;
}

int main(int argc, char **argv)
{
    char args[64];
    int n = nq_args(argc, argv, "nqueens_lace");
    int threads = bench_lace_start();
    double t0 = bench_now();
    uint64_t r = RUN(nqueens, nq_empty(n));
    double t = bench_now() - t0;
    lace_stop();
    bench_report("nqueens", "lace", threads, bench_args(argc, argv, args, sizeof args), t, r, 0);
    return 0;
}
