/* The WEFT_METRICS table (contract in metrics.h). */
#include "runtime/instrumentation/metrics.h"

#include <stdio.h>

void weft__metrics_print(const weft__metrics *const *ms, uint32_t n, uint64_t elapsed_ns)
{
    fprintf(stderr, "weft metrics: %u workers, %.3f s\n", n, elapsed_ns / 1e9);
    fprintf(stderr, "%6s %12s %12s %10s %10s %10s %10s %10s %8s %8s %8s %8s\n", "worker", "tasks_run",
            "spawns_slow", "req_sent", "relayed", "declined", "answered", "shipped", "thefts", "half%",
            "shared", "parks");
    for (uint32_t i = 0; i < n; i++) {
        const weft__metrics *m = ms[i];
        double half = m->thefts ? 100.0 * (double)m->thefts_half / (double)m->thefts : 0.0;
        fprintf(stderr, "%6u %12llu %12llu %10llu %10llu %10llu %10llu %10llu %8llu %7.1f%% %8llu %8llu\n", i,
                (unsigned long long)m->tasks_run, (unsigned long long)m->spawns_slow,
                (unsigned long long)m->reqs_sent, (unsigned long long)m->reqs_relayed,
                (unsigned long long)m->reqs_declined, (unsigned long long)m->reqs_answered,
                (unsigned long long)m->tasks_shipped, (unsigned long long)m->thefts, half,
                (unsigned long long)m->shared, (unsigned long long)m->parks);
    }
}
