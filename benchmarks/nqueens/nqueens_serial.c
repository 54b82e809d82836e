/* nqueens_serial: the serial twin of nqueens_weft.c; it also counts the
 * placements (the parallel versions' spawns) in a second, untimed pass.
 * Usage: nqueens_serial N */
#include "../common/bench.h"
#include "nqueens.h"

/* Solutions that complete board b. */
static uint64_t nqueens(nq_board b)
{
    if (b.cols == b.full)
        return 1;
    uint64_t sols[NQ_MAX];
    int k = 0;
    for (uint32_t avail = nq_free(b); avail; avail &= avail - 1)
        sols[k++] = nqueens(nq_place(b, avail & -avail));
    uint64_t sum = 0;
    while (k > 0)
        sum += sols[--k];
    return sum;
}

int main(int argc, char **argv)
{
    char args[64];
    int n = nq_args(argc, argv, "nqueens_serial");
    double t0 = bench_now();
    uint64_t r = nqueens(nq_empty(n));
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "serial_clang";
#else
    const char *impl = "serial";
#endif
    bench_report("nqueens", impl, 1, bench_args(argc, argv, args, sizeof args), t, r,
                 nq_count_placements(nq_empty(n)));
    return 0;
}
