/* bpc_serial: the serial twin of bpc_weft.c: the same producers and
 * consumers, called instead of spawned. Usage: bpc_serial DEPTH N US */
#include "../common/bench.h"
#include "bpc.h"

static bpc_params P;

/* A consumer: spins for P.us microseconds. */
static void consume(void)
{
    tally_add(0, bench_busy_us(P.us));
}

/* A producer of depth d: the next producer, then P.n consumers. */
static void produce(int d)
{
    if (d <= 0)
        return;
    tally_add(0, 0);
    produce(d - 1);
    for (int i = 0; i < P.n; i++)
        consume();
}

int main(int argc, char **argv)
{
    char args[64];
    P = bpc_args(argc, argv, "bpc_serial");
    double t0 = bench_now();
    produce(P.depth);
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "serial_clang";
#else
    const char *impl = "serial";
#endif
    bench_report("bpc", impl, 1, bench_args(argc, argv, args, sizeof args), t, tally_sum(),
                 bpc_tasks(P));
    return 0;
}
