/* spc_serial: the serial twin of spc_weft.c: the consumers called in a
 * loop. Usage: spc_serial N US */
#include "../common/bench.h"
#include "spc.h"

int main(int argc, char **argv)
{
    char args[64];
    spc_params p = spc_args(argc, argv, "spc_serial");
    double t0 = bench_now();
    for (int i = 0; i < p.n; i++)
        tally_add(0, bench_busy_us(p.us));
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "serial_clang";
#else
    const char *impl = "serial";
#endif
    bench_report("spc", impl, 1, bench_args(argc, argv, args, sizeof args), t, tally_sum(),
                 (unsigned long long)p.n);
    return 0;
}
