/* logsumexp_weft: two weft_parallel_reduce_range calls, a max and then a sum
 * of exponentials; each chunk folds into a local first.
 * Usage: logsumexp N REPS   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "logsumexp.h"

typedef struct lse_ctx {
    const double *x;
    double m;
} lse_ctx;

static void max_init(void *acc, void *ctx) { (void)ctx; *(double *)acc = -INFINITY; }
static void max_merge(void *into, const void *from, void *ctx)
{
    (void)ctx;
    double b = *(const double *)from;
    if (b > *(double *)into)
        *(double *)into = b;
}
static const weft_reducer max_red = {sizeof(double), max_init, max_merge};
static void sum_init(void *acc, void *ctx) { (void)ctx; *(double *)acc = 0; }
static void sum_merge(void *into, const void *from, void *ctx)
{
    (void)ctx;
    *(double *)into += *(const double *)from;
}
static const weft_reducer sum_red = {sizeof(double), sum_init, sum_merge};

static void max_chunk(int64_t lo, int64_t hi, int64_t stride, void *acc, void *ctx)
{
    (void)stride;
    const double *x = ((const lse_ctx *)ctx)->x;
    double m = *(double *)acc;
    for (int64_t i = lo; i < hi; i++)
        m = x[i] > m ? x[i] : m;
    *(double *)acc = m;
}

static void exp_chunk(int64_t lo, int64_t hi, int64_t stride, void *acc, void *ctx)
{
    (void)stride;
    const lse_ctx *c = (const lse_ctx *)ctx;
    double s = 0;
    for (int64_t i = lo; i < hi; i++)
        s += exp(c->x[i] - c->m);
    *(double *)acc += s;
}

int main(int argc, char **argv)
{
    char args[64];
    lse_params p = lse_args(argc, argv, "logsumexp");
    double *x = lse_input(p, "logsumexp");
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "logsumexp: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    uint64_t res = 0;
    double t = 0;
    for (int64_t r = 0; r < p.reps; r++) {
        double t0 = bench_now();
        lse_ctx c = {x, 0};
        weft_parallel_reduce_range(0, p.n, 1, max_chunk, &c, &max_red, &c.m);
        double s;
        weft_parallel_reduce_range(0, p.n, 1, exp_chunk, &c, &sum_red, &s);
        double lse = c.m + log(s);
        t += bench_now() - t0;
        res += lse_check(p, lse, "logsumexp");
    }
    weft_exit();
    bench_report("logsumexp", "weft", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(2 * p.n * p.reps));
    free(x);
    return 0;
}
