/* blackscholes_weft: WEFT_PARALLEL_FOR over the options (the typed range
 * form: a plain inner loop per chunk). Usage: blackscholes N REPS
 * (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "blackscholes.h"

WEFT_FOR_BODY(price, i, bs_data, d) { bs_price(d, i); }

int main(int argc, char **argv)
{
    char args[64];
    bs_params p = bs_args(argc, argv, "blackscholes");
    bs_data d = bs_input(p, "blackscholes");
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "blackscholes: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++)
        WEFT_PARALLEL_FOR(price, 0, p.n, 1, &d);
    double t = bench_now() - t0;
    weft_exit();
    uint64_t res = bs_check(p, &d, "blackscholes");
    bench_report("blackscholes", "weft", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.n * p.reps));
    bs_free(d);
    return 0;
}
