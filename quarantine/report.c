/* quarantine/report.c: tallies, latency histogram, summary (report.h). */
#include "quarantine/report.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static void tally_emit(void *ctx, const q_event *ev)
{
    q_tally *t = ctx;
    if (ev->type == Q_EV_REJECT) {
        t->by[ev->u.reject.verdict][ev->u.reject.reason]++;
    } else if (ev->type == Q_EV_CLEARED_BLOCK || ev->type == Q_EV_CLEARED_ATT) {
        t->by[Q_V_CLEARED][Q_R_NONE]++;
        t->cleared++;
    } else if (ev->type == Q_EV_SLASHING) {
        t->slashings++;
    }
    t->next.emit(t->next.ctx, ev);
}

void q_tally_init(q_tally *t, q_sink next)
{
    memset(t, 0, sizeof *t);
    t->next = next;
}

q_sink q_tally_sink(q_tally *t) { return (q_sink){.emit = tally_emit, .ctx = t}; }

/* Bucket b covers [1us * 1.03^b, 1us * 1.03^(b+1)). */
#define LAT_BASE 1e-6
#define LAT_STEP 1.03

void q_latency_add(q_latency *l, double s)
{
    int b = s <= LAT_BASE ? 0 : (int)(log(s / LAT_BASE) / log(LAT_STEP));
    if (b >= Q_LAT_BUCKETS) b = Q_LAT_BUCKETS - 1;
    l->bucket[b]++;
    l->n++;
}

double q_latency_quantile(const q_latency *l, double q)
{
    if (l->n == 0) return 0;
    uint64_t want = (uint64_t)ceil(q * (double)l->n);
    if (want == 0) want = 1;
    uint64_t seen = 0;
    for (int b = 0; b < Q_LAT_BUCKETS; b++) {
        seen += l->bucket[b];
        if (seen >= want) return LAT_BASE * pow(LAT_STEP, b + 0.5);
    }
    return LAT_BASE * pow(LAT_STEP, Q_LAT_BUCKETS);
}

/* The process's peak resident set (VmHWM of /proc/self/status) in KiB, or -1
 * where it cannot be read. */
static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    fclose(f);
    return kib;
}

void q_report_summary(FILE *out, const char *what, const q_tally *t, const q_engine *e, double secs,
                      const q_store_end *so, const q_latency *lat, int workers)
{
    q_engine_stats st;
    q_engine_get_stats(e, &st);
    const uint64_t *c = q_engine_counters(e);
    fprintf(out, "%s: %" PRIu64 " items (%" PRIu64 " frames) in %.3f s: %.0f items/s", what, st.items,
            st.frames, secs, secs > 0 ? (double)st.items / secs : 0.0);
    if (workers > 0) fprintf(out, " on %d worker%s", workers, workers == 1 ? "" : "s");
    fprintf(out, "\n");
    if (so->failed)
        fprintf(out,
                "  STORE FAILED: only %" PRIu64 " of the %" PRIu64 " row events decided are stored (committed);"
                " the verdicts below were decided, not stored\n",
                so->committed, so->taken);
    if (so->resumed)
        fprintf(out, "  resumed: %" PRIu64 " events were already stored and were skipped\n", so->resumed);
    fprintf(out, "  counters%s:", so->failed ? " (decided, not stored)" : "");
    for (int i = 0; i < Q_C_COUNT; i++) fprintf(out, " %s=%" PRIu64, q_counter_word((q_counter)i), c[i]);
    fprintf(out, "\n  by verdict and reason:\n");
    for (int v = 0; v < Q_V_COUNT; v++)
        for (int r = 0; r < Q_R_COUNT; r++)
            if (t->by[v][r])
                fprintf(out, "    %-11s %-22s %" PRIu64 "\n", q_verdict_word((q_verdict)v),
                        r ? q_reason_word((q_reason)r) : "", t->by[v][r]);
    fprintf(out, "  slashings reported: %" PRIu64 "\n", t->slashings);
    fprintf(out, "  peaks: orphans %zu/%u, pending %zu/%u, unviable %zu/%u\n", st.orphans_peak, Q_ORPHAN_MAX,
            st.pending_peak, Q_PENDING_MAX, st.unviable_peak, Q_UNVIABLE_MAX);
    fprintf(out,
            "  memory: peak RSS %ld KiB; blocks live %zu (peak %zu), %zu pruned to their roots;"
            " seen copies %zu blocks + %zu attestations (bounds 2x%u, 2x%u), %" PRIu64 " forgotten\n",
            peak_rss_kib(), st.blocks_live, st.blocks_live_peak, st.archived, st.seen_blocks, st.seen_atts,
            Q_SEEN_BLOCKS_GEN, Q_SEEN_ATTS_GEN, st.seen_forgotten);
    if (st.items && so->cpu_s > 0)
        fprintf(out, "  store thread: %.3f s CPU, %.2f us per item\n", so->cpu_s, 1e6 * so->cpu_s / (double)st.items);
    if (lat && lat->n)
        fprintf(out, "  arrival-to-verdict latency: p50 %.3f ms, p99 %.3f ms (%" PRIu64 " items)\n",
                1e3 * q_latency_quantile(lat, 0.50), 1e3 * q_latency_quantile(lat, 0.99), lat->n);
}
