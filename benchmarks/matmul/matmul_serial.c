/* matmul_serial: the serial twin: the tiles of C in order.
 * Usage: matmul_serial N REPS */
#include "matmul.h"

int main(int argc, char **argv)
{
    char args[64];
    mm_params p = mm_args(argc, argv, "matmul_serial");
    mm_data d = mm_input(p, "matmul_serial");
    int64_t tiles = mm_tiles(p.n);
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++)
        for (int64_t t = 0; t < tiles; t++)
            mm_tile(&d, t);
    double t = bench_now() - t0;
    uint64_t res = mm_check(p, &d, "matmul_serial");
    bench_report("matmul", BENCH_SERIAL_IMPL, 1, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(tiles * p.reps));
    mm_free(d);
    return 0;
}
