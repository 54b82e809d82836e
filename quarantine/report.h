/* quarantine/report.h: what a run tells its user: verdicts tallied on their
 * way to the store, a latency histogram with flat memory, the progress line
 * and the closing summary. Shared by `run` and its serial twin `replay`. */
#ifndef Q_REPORT_H
#define Q_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "quarantine/engine.h"
#include "quarantine/store.h"

/* A sink that counts final verdicts by (verdict, reason) and slashings, then
 * passes every event on to `next`. */
typedef struct q_tally {
    q_sink next;
    uint64_t by[Q_V_COUNT][Q_R_COUNT];
    uint64_t slashings;
    uint64_t cleared;
} q_tally;

void q_tally_init(q_tally *t, q_sink next);
q_sink q_tally_sink(q_tally *t);

/* Arrival-to-verdict latencies in a log-scale histogram (about 3% wide
 * buckets from 1 us to ~100 s): constant memory however long the stream. */
#define Q_LAT_BUCKETS 640
typedef struct q_latency {
    uint64_t n;
    uint64_t bucket[Q_LAT_BUCKETS];
} q_latency;

void q_latency_add(q_latency *l, double seconds);
/* The q-quantile (0..1) in seconds; 0 when empty. */
double q_latency_quantile(const q_latency *l, double q);

/* Prints the closing summary of a run to out: what the engine decided, and
 * what the store did with it (st; a failed store is said first, with how
 * much of the decided is stored). lat may be NULL (no latency). */
void q_report_summary(FILE *out, const char *what, const q_tally *t, const q_engine *e, double secs,
                      const q_store_end *st, const q_latency *lat, int workers);

#endif /* Q_REPORT_H */
