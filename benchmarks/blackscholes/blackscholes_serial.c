/* blackscholes_serial: the serial twin: one plain loop over the options.
 * Usage: blackscholes_serial N REPS */
#include "blackscholes.h"

int main(int argc, char **argv)
{
    char args[64];
    bs_params p = bs_args(argc, argv, "blackscholes_serial");
    bs_data d = bs_input(p, "blackscholes_serial");
    double t0 = bench_now();
    for (int64_t r = 0; r < p.reps; r++)
        for (int64_t i = 0; i < p.n; i++)
            bs_price(&d, i);
    double t = bench_now() - t0;
    uint64_t res = bs_check(p, &d, "blackscholes_serial");
    bench_report("blackscholes", BENCH_SERIAL_IMPL, 1, bench_args(argc, argv, args, sizeof args), t,
                 res, (unsigned long long)(p.n * p.reps));
    bs_free(d);
    return 0;
}
