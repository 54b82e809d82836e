/* heat_serial: the serial twin: STEPS sweeps of plain row loops.
 * Usage: heat_serial N STEPS */
#include "heat.h"

int main(int argc, char **argv)
{
    char args[64];
    heat_params p = heat_args(argc, argv, "heat_serial");
    double *a = heat_grid(p, "heat_serial"), *b = heat_grid(p, "heat_serial");
    double t0 = bench_now();
    for (int64_t s = 0; s < p.steps; s++) {
        for (int64_t i = 1; i < p.n - 1; i++)
            heat_row(a, b, p.n, i);
        double *tmp = a;
        a = b;
        b = tmp;
    }
    double t = bench_now() - t0;
    uint64_t res = heat_check(p, a, "heat_serial");
    bench_report("heat", BENCH_SERIAL_IMPL, 1, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)((p.n - 2) * p.steps));
    free(a);
    free(b);
    return 0;
}
