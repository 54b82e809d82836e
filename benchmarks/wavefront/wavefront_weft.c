/* wavefront_weft: the wavefront on weft's dataflow events: one range event
 * with an iteration per block; block (i, j) is spawned on the iterations of
 * its upper and left neighbours (weft_spawn_on_events) and triggers its own
 * when done; the root spawns every block, then waits in weft_sync_root.
 * Usage: wavefront B US   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "wavefront.h"

static uint64_t *v;
static int b;
static double us;
static weft_event *done;

static void block_task(void *buf)
{
    int32_t ij[2];
    memcpy(ij, buf, sizeof ij);
    wavefront_block(v, b, ij[0], ij[1], us);
    weft_event_trigger_at(done, (int64_t)ij[0] * b + ij[1]);
}

int main(int argc, char **argv)
{
    char args[64];
    wavefront_params p = wavefront_args(argc, argv, "wavefront");
    b = p.b;
    us = p.us;
    v = calloc((size_t)(b + 1) * (size_t)(b + 1), sizeof *v);
    done = weft_event_new_range(0, (int64_t)b * b, 1);
    if (!v || !done) return 1;
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "wavefront: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    double t0 = bench_now();
    for (int32_t i = 0; i < b; i++)
        for (int32_t j = 0; j < b; j++) {
            weft_dep deps[2];
            size_t n = 0;
            if (i > 0) deps[n++] = (weft_dep){done, (int64_t)(i - 1) * b + j};
            if (j > 0) deps[n++] = (weft_dep){done, (int64_t)i * b + j - 1};
            int32_t ij[2] = {i, j};
            weft_spawn_on_events(deps, n, block_task, ij, sizeof ij);
        }
    weft_sync_root();
    double t = bench_now() - t0;
    weft_exit();
    bench_report("wavefront", "weft", threads, bench_args(argc, argv, args, sizeof args), t,
                 (unsigned long long)v[wavefront_at(b, b - 1, b - 1)], (unsigned long long)b * b);
    weft_event_release(done);
    free(v);
    return 0;
}
