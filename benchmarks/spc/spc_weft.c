/* spc_weft: single task producer on weft: the root worker spawns N detached
 * consumers (weft_spawn_detached) and waits with weft_sync_root.
 * Usage: spc N US   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "../common/bench.h"
#include "spc.h"

/* A consumer task: spins for the microseconds (a double) in buf. */
static void consume_task(void *buf)
{
    double us;
    memcpy(&us, buf, sizeof us);
    tally_add(weft_worker_id(), bench_busy_us(us));
}

int main(int argc, char **argv)
{
    char args[64];
    spc_params p = spc_args(argc, argv, "spc");
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "spc: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    double t0 = bench_now();
    for (int i = 0; i < p.n; i++)
        weft_spawn_detached(consume_task, &p.us, sizeof p.us);
    weft_sync_root();
    double t = bench_now() - t0;
    weft_exit();
    bench_report("spc", "weft", threads, bench_args(argc, argv, args, sizeof args), t, tally_sum(),
                 (unsigned long long)p.n);
    return 0;
}
