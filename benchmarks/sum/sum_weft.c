/* sum_weft: the sum as weft_parallel_reduce_range: each chunk sums into a
 * local and adds it to its split's accumulator; splits merge by addition.
 * Usage: sum N REPS   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "sum.h"

static void zero(void *acc, void *ctx) { (void)ctx; *(double *)acc = 0; }
static void add(void *into, const void *from, void *ctx)
{
    (void)ctx;
    *(double *)into += *(const double *)from;
}
static const weft_reducer sum_red = {sizeof(double), zero, add};

/* One chunk [lo, hi) of x (ctx). */
static void sum_chunk(int64_t lo, int64_t hi, int64_t stride, void *acc, void *ctx)
{
    (void)stride;
    const double *x = (const double *)ctx;
    double s = 0;
    for (int64_t i = lo; i < hi; i++)
        s += x[i];
    *(double *)acc += s;
}

int main(int argc, char **argv)
{
    char args[64];
    sum_params p = sum_args(argc, argv, "sum");
    double *x = sum_input(p, "sum");
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "sum: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    double total = 0;
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++) {
        double s;
        weft_parallel_reduce_range(0, p.n, 1, sum_chunk, x, &sum_red, &s);
        total += s;
    }
    double t = bench_now() - t0;
    weft_exit();
    uint64_t res = sum_check(p, total, "sum");
    bench_report("sum", "weft", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.n * p.reps));
    free(x);
    return 0;
}
