/* transpose_serial: the serial twin: the two plain nested loops.
 * Usage: transpose_serial ROWS COLS REPS */
#include "transpose.h"

int main(int argc, char **argv)
{
    char args[64];
    tr_params p = tr_args(argc, argv, "transpose_serial");
    uint32_t *a, *b;
    tr_input(p, &a, &b, "transpose_serial");
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++)
        for (int64_t i = 0; i < p.rows; i++)
            for (int64_t j = 0; j < p.cols; j++)
                b[j * p.rows + i] = a[i * p.cols + j];
    double t = bench_now() - t0;
    uint64_t res = tr_check(p, a, b, "transpose_serial");
    bench_report("transpose", BENCH_SERIAL_IMPL, 1, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.rows * p.cols * p.reps));
    free(a);
    free(b);
    return 0;
}
