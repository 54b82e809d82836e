/* Per-worker counters, printed at weft_exit when WEFT_METRICS=1. */
#include <stdio.h>
#include <time.h>
#include "runtime/scheduler/worker.h"

uint64_t weft__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void weft__metrics_print(void)
{
    weft__runtime *rt = weft__rt;
    fprintf(stderr, "weft metrics: %u workers, %.3f s\n", rt->n, (weft__now_ns() - rt->t_start_ns) / 1e9);
    fprintf(stderr, "%6s %12s %12s %10s %10s %10s %10s %10s %8s %8s %8s %8s\n", "worker", "tasks_run",
            "spawns_slow", "req_sent", "relayed", "declined", "answered", "shipped", "thefts", "half%",
            "shared", "parks");
    for (uint32_t i = 0; i < rt->n; i++) {
        weft__metrics *m = &rt->workers[i]->m;
        double half = m->thefts ? 100.0 * (double)m->thefts_half / (double)m->thefts : 0.0;
        fprintf(stderr, "%6u %12llu %12llu %10llu %10llu %10llu %10llu %10llu %8llu %7.1f%% %8llu %8llu\n", i,
                (unsigned long long)m->tasks_run, (unsigned long long)m->spawns_slow,
                (unsigned long long)m->reqs_sent, (unsigned long long)m->reqs_relayed,
                (unsigned long long)m->reqs_declined, (unsigned long long)m->reqs_answered,
                (unsigned long long)m->tasks_shipped, (unsigned long long)m->thefts, half,
                (unsigned long long)m->shared, (unsigned long long)m->parks);
    }
}
