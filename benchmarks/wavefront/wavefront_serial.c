/* wavefront_serial: the serial twin: the blocks in row-major order.
 * Usage: wavefront_serial B US */
#include "wavefront.h"

int main(int argc, char **argv)
{
    char args[64];
    wavefront_params p = wavefront_args(argc, argv, "wavefront_serial");
    uint64_t *v = calloc((size_t)(p.b + 1) * (size_t)(p.b + 1), sizeof *v);
    if (!v) return 1;
    double t0 = bench_now();
    for (int i = 0; i < p.b; i++)
        for (int j = 0; j < p.b; j++) wavefront_block(v, p.b, i, j, p.us);
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "serial_clang";
#else
    const char *impl = "serial";
#endif
    bench_report("wavefront", impl, 1, bench_args(argc, argv, args, sizeof args), t,
                 (unsigned long long)v[wavefront_at(p.b, p.b - 1, p.b - 1)], (unsigned long long)p.b * p.b);
    free(v);
    return 0;
}
