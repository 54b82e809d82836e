/* heat_weft: one WEFT_PARALLEL_FOR over the rows per sweep.
 * Usage: heat N STEPS   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "heat.h"

typedef struct heat_ctx {
    const double *a;
    double *b;
    int64_t n;
} heat_ctx;

WEFT_FOR_BODY(sweep, i, heat_ctx, c) { heat_row(c->a, c->b, c->n, i); }

int main(int argc, char **argv)
{
    char args[64];
    heat_params p = heat_args(argc, argv, "heat");
    double *a = heat_grid(p, "heat"), *b = heat_grid(p, "heat");
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "heat: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    double t0 = bench_now();
    for (int64_t s = 0; s < p.steps; s++) {
        heat_ctx c = {a, b, p.n};
        WEFT_PARALLEL_FOR(sweep, 1, p.n - 1, 1, &c);
        double *tmp = a;
        a = b;
        b = tmp;
    }
    double t = bench_now() - t0;
    weft_exit();
    uint64_t res = heat_check(p, a, "heat");
    bench_report("heat", "weft", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)((p.n - 2) * p.steps));
    free(a);
    free(b);
    return 0;
}
