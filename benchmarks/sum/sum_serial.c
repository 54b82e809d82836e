/* sum_serial: the serial twin of the sum programs: the same loop, plain.
 * Usage: sum_serial N REPS */
#include "sum.h"

int main(int argc, char **argv)
{
    char args[64];
    sum_params p = sum_args(argc, argv, "sum_serial");
    double *x = sum_input(p, "sum_serial");
    double total = 0;
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++) {
        double s = 0;
        for (int64_t i = 0; i < p.n; i++)
            s += x[i];
        total += s;
    }
    double t = bench_now() - t0;
    uint64_t res = sum_check(p, total, "sum_serial");
    bench_report("sum", BENCH_SERIAL_IMPL, 1, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(p.n * p.reps));
    free(x);
    return 0;
}
