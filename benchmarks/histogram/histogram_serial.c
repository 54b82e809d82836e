/* histogram_serial: the serial twin: the rows counted in order into one
 * histogram. Usage: histogram_serial ROWS COLS REPS */
#include "histogram.h"

int main(int argc, char **argv)
{
    char args[64];
    hist_params p = hist_args(argc, argv, "histogram_serial");
    float *m = hist_input(p, "histogram_serial");
    static hist h;
    hist_zero(&h);
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++)
        for (int64_t i = 0; i < p.rows; i++)
            hist_row(&h, m, p.cols, i);
    double t = bench_now() - t0;
    uint64_t res = hist_check(p, &h, "histogram_serial");
    bench_report("histogram", BENCH_SERIAL_IMPL, 1, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.rows * p.reps));
    free(m);
    return 0;
}
