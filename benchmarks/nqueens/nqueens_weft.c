/* nqueens_weft: N queens with one weft task per valid placement.
 * Usage: nqueens N   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "../common/bench.h"
#include "nqueens.h"

static uint64_t nqueens(nq_board b);
WEFT_TASK_1(uint64_t, nqueens, nq_board)

/* Solutions that complete board b; each placement in the next row is a
 * task, synced newest first. */
static uint64_t nqueens(nq_board b)
{
    if (b.cols == b.full)
        return 1;
    WEFT_FLOWVAR(nqueens) f[NQ_MAX];
    int k = 0;
    for (uint32_t avail = nq_free(b); avail; avail &= avail - 1)
        f[k++] = WEFT_SPAWN(nqueens, nq_place(b, avail & -avail));
    uint64_t sum = 0;
    while (k > 0) {
        k--;
        sum += WEFT_SYNC(f[k]);
    }
    return sum;
}

int main(int argc, char **argv)
{
    char args[64];
    int n = nq_args(argc, argv, "nqueens");
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "nqueens: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    double t0 = bench_now();
    uint64_t r = nqueens(nq_empty(n));
    double t = bench_now() - t0;
    weft_exit();
    bench_report("nqueens", "weft", threads, bench_args(argc, argv, args, sizeof args), t, r, 0);
    return 0;
}
