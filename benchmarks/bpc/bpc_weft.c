/* bpc_weft: bouncing producer-consumer on weft, detached tasks ended by
 * weft_sync_root. Usage: bpc DEPTH N US [POLL_US]   (workers:
 * WEFT_NUM_THREADS). A consumer calls weft_load_balance every POLL_US
 * microseconds of its payload (default: never, as with the peers). */
#include <weft.h>

#include "../common/bench.h"
#include "bpc.h"

static bpc_params P;
static double poll_us;

/* A consumer task: spins for the microseconds (a double) in buf, answering
 * steal requests every poll_us. */
static void consume_task(void *buf)
{
    double us;
    memcpy(&us, buf, sizeof us);
    uint64_t acc = 0;
    if (poll_us > 0 && poll_us < us) {
        for (double left = us; left > 0; left -= poll_us) {
            acc += bench_busy_us(left < poll_us ? left : poll_us);
            weft_load_balance();
        }
    } else {
        acc = bench_busy_us(us);
    }
    tally_add(weft_worker_id(), acc);
}

/* A producer task of depth d (an int in buf): spawns the next producer,
 * then P.n consumers. */
static void produce_task(void *buf)
{
    int d;
    memcpy(&d, buf, sizeof d);
    if (d <= 0)
        return;
    tally_add(weft_worker_id(), 0);
    int next = d - 1;
    weft_spawn_detached(produce_task, &next, sizeof next);
    for (int i = 0; i < P.n; i++)
        weft_spawn_detached(consume_task, &P.us, sizeof P.us);
}

int main(int argc, char **argv)
{
    char args[64];
    poll_us = 0;
    if (argc == 5) {
        poll_us = atof(argv[4]);
        argc = 4;
    }
    P = bpc_args(argc, argv, "bpc");
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "bpc: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    double t0 = bench_now();
    produce_task(&P.depth);
    weft_sync_root();
    double t = bench_now() - t0;
    weft_exit();
    bench_report("bpc", "weft", threads, bench_args(argc, argv, args, sizeof args), t, tally_sum(),
                 bpc_tasks(P));
    return 0;
}
