/* matmul_weft: WEFT_PARALLEL_FOR over the tiles of C.
 * Usage: matmul N REPS   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "matmul.h"

WEFT_FOR_BODY(tiles_body, t, mm_data, d) { mm_tile(d, t); }

int main(int argc, char **argv)
{
    char args[64];
    mm_params p = mm_args(argc, argv, "matmul");
    mm_data d = mm_input(p, "matmul");
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "matmul: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    int64_t tiles = mm_tiles(p.n);
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++)
        WEFT_PARALLEL_FOR(tiles_body, 0, tiles, 1, &d);
    double t = bench_now() - t0;
    weft_exit();
    uint64_t res = mm_check(p, &d, "matmul");
    bench_report("matmul", "weft", threads, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(tiles * p.reps));
    mm_free(d);
    return 0;
}
