/* Per-worker counters (WEFT_METRICS=1) and the table weft_exit prints.
 *
 * Instrumentation sits below the scheduler: it knows nothing of workers.
 * Each worker owns one weft__metrics and bumps its fields as plain integers;
 * the scheduler hands the counters of all workers in once they are joined.
 */
#ifndef WEFT_RUNTIME_METRICS_H
#define WEFT_RUNTIME_METRICS_H

#include <stdint.h>

/* One worker's counters. Owner-written, read only after the join. */
typedef struct weft__metrics {
    uint64_t tasks_run;        /* tasks run by the scheduler (not inline syncs) */
    uint64_t spawns_slow;      /* spawns that took the slow path */
    uint64_t reqs_sent;        /* steal requests this worker sent */
    uint64_t reqs_relayed;     /* requests it passed on, having no work */
    uint64_t reqs_declined;    /* requests it returned to their thief (all tried) */
    uint64_t reqs_answered;    /* requests it answered with tasks */
    uint64_t tasks_shipped;    /* tasks it shipped to thieves */
    uint64_t thefts;           /* batches it received */
    uint64_t thefts_half;      /* of them asked as steal-half */
    uint64_t shared;           /* batches shared with waiting children */
    uint64_t parks;            /* times it parked on its notifier (WAITING,
                                  backoff park, timed park at the park size) */
} weft__metrics;

/* Prints the table to stderr: a header line with n and elapsed_ns (in
 * seconds), then one row per worker, ms[i] being worker i's counters. Call
 * once no worker writes its counters any more (after the join). */
void weft__metrics_print(const weft__metrics *const *ms, uint32_t n, uint64_t elapsed_ns);

#endif
