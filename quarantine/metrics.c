/* quarantine/metrics.c: the series and their exposition text (metrics.h). */
#include "quarantine/metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

q_metrics q_metrics_g;

/* The bucket bounds: in ns for observing, as printed for the le label. */
static const uint64_t bound_ns[Q_HISTO_BOUNDS] = {
    10000,     25000,     50000,     100000,     250000,     500000,     1000000,
    2500000,   5000000,   10000000,  25000000,   50000000,   100000000,  250000000,
    500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};
static const char *const bound_le[Q_HISTO_BOUNDS] = {
    "0.00001", "0.000025", "0.00005", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
    "0.025",   "0.05",     "0.1",     "0.25",   "0.5",     "1",      "2.5",   "5",      "10",
};

void q_histo_observe(q_histo *h, uint64_t ns, bool multi)
{
    int b = 0;
    while (b < Q_HISTO_BOUNDS && ns > bound_ns[b]) b++;
    if (multi) {
        /* relaxed: each word is read alone by the server (metrics.h) */
        atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
    } else {
        q_metric_add(&h->bucket[b], 1);
        q_metric_add(&h->sum_ns, ns);
    }
}

/* ------------------------------------------------------------ the tap */

static void tap_emit(void *ctx, const q_event *ev)
{
    q_metrics_tap *t = ctx;
    q_metrics *m = &q_metrics_g;
    switch (ev->type) {
    case Q_EV_CLEARED_BLOCK: q_metric_add(&m->cleared[Q_ITEM_BLOCK], 1); break;
    case Q_EV_CLEARED_ATT: q_metric_add(&m->cleared[Q_ITEM_ATTESTATION], 1); break;
    case Q_EV_REJECT: {
        const q_reject_row *r = &ev->u.reject;
        if ((unsigned)r->kind < 2 && (unsigned)r->verdict < Q_V_COUNT && (unsigned)r->reason < Q_R_COUNT)
            q_metric_add(&m->rejected[r->kind][r->verdict][r->reason], 1);
        break;
    }
    case Q_EV_SLASHING:
        if ((unsigned)ev->u.slashing.kind < 3) q_metric_add(&m->slashings[ev->u.slashing.kind], 1);
        break;
    default: break;
    }
    t->next.emit(t->next.ctx, ev);
}

q_sink q_metrics_tap_sink(q_metrics_tap *t, q_sink next)
{
    t->next = next;
    return (q_sink){.emit = tap_emit, .ctx = t};
}

/* ------------------------------------------------------------ the text */

/* The (kind, verdict, reason) a rejects row can have (spec sections 4 and
 * 6), always exposed, 0 until counted; any other triple is exposed once it
 * is counted (none is expected). */
typedef struct triple {
    q_item_kind kind;
    q_verdict verdict;
    q_reason reason;
} triple;
#define B Q_ITEM_BLOCK
#define A Q_ITEM_ATTESTATION
static const triple triples[] = {
    {B, Q_V_REJECT, Q_R_WRONG_PROPOSER},  {B, Q_V_REJECT, Q_R_BAD_BODY},
    {B, Q_V_REJECT, Q_R_BAD_SIGNATURE},   {B, Q_V_REJECT, Q_R_BAD_ANCESTOR},
    {B, Q_V_REJECT, Q_R_SLOT_NOT_AFTER_PARENT},
    {B, Q_V_IGNORE, Q_R_FUTURE_SLOT},     {B, Q_V_IGNORE, Q_R_FINALIZED},
    {B, Q_V_IGNORE, Q_R_DUPLICATE},       {B, Q_V_SLASHABLE, Q_R_DOUBLE_PROPOSAL},
    {B, Q_V_EVICTED, Q_R_ORPHAN},         {B, Q_V_UNVIABLE, Q_R_ORPHAN},
    {B, Q_V_HELD_AT_END, Q_R_ORPHAN},
    {A, Q_V_REJECT, Q_R_BAD_TARGET_EPOCH}, {A, Q_V_REJECT, Q_R_NOT_IN_COMMITTEE},
    {A, Q_V_REJECT, Q_R_BAD_SIGNATURE},   {A, Q_V_REJECT, Q_R_BAD_BLOCK},
    {A, Q_V_REJECT, Q_R_BAD_TARGET_ROOT}, {A, Q_V_REJECT, Q_R_BAD_SOURCE},
    {A, Q_V_IGNORE, Q_R_FUTURE_SLOT},     {A, Q_V_IGNORE, Q_R_TOO_OLD},
    {A, Q_V_IGNORE, Q_R_DUPLICATE},       {A, Q_V_SLASHABLE, Q_R_DOUBLE_VOTE},
    {A, Q_V_SLASHABLE, Q_R_SURROUND_VOTE}, {A, Q_V_EVICTED, Q_R_PENDING},
    {A, Q_V_EXPIRED, Q_R_PENDING},        {A, Q_V_UNVIABLE, Q_R_PENDING},
    {A, Q_V_HELD_AT_END, Q_R_PENDING},
};
#undef B
#undef A
#define N_TRIPLES (sizeof triples / sizeof triples[0])

static bool is_listed(int k, int v, int r)
{
    for (size_t i = 0; i < N_TRIPLES; i++)
        if ((int)triples[i].kind == k && (int)triples[i].verdict == v && (int)triples[i].reason == r) return true;
    return false;
}

typedef struct text {
    char **buf;
    size_t *len, *cap;
    bool oom;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    if (t->oom) return;
    for (;;) {
        size_t room = *t->cap - *t->len;
        va_list ap;
        va_start(ap, fmt);
        int n = *t->buf ? vsnprintf(*t->buf + *t->len, room, fmt, ap) : -2;
        va_end(ap);
        if (n >= 0 && (size_t)n < room) {
            *t->len += (size_t)n;
            return;
        }
        if (n == -1) { /* an encoding error: not from these formats */
            t->oom = true;
            return;
        }
        size_t cap = *t->cap ? *t->cap * 2 : 16384;
        char *nb = realloc(*t->buf, cap);
        if (!nb) {
            t->oom = true;
            return;
        }
        *t->buf = nb;
        *t->cap = cap;
    }
}

/* relaxed: each word is read for its own value (metrics.h) */
static uint64_t ld(_Atomic uint64_t *w) { return atomic_load_explicit(w, memory_order_relaxed); }

static void family(text *t, const char *name, const char *type, const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void histo(text *t, const char *name, const char *help, q_histo *h)
{
    family(t, name, "histogram", help);
    uint64_t cum = 0;
    for (int b = 0; b < Q_HISTO_BOUNDS; b++) {
        cum += ld(&h->bucket[b]);
        put(t, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name, bound_le[b], cum);
    }
    cum += ld(&h->bucket[Q_HISTO_BOUNDS]);
    uint64_t sum = ld(&h->sum_ns);
    put(t, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n%s_sum %" PRIu64 ".%09" PRIu64 "\n%s_count %" PRIu64 "\n", name, cum,
        name, sum / 1000000000u, sum % 1000000000u, name, cum);
}

static const char *const item_words[2] = {"block", "attestation"};
static const char *const close_words[Q_CLOSE_COUNT] = {"ended", "hung_up", "malformed", "mismatched", "timed_out",
                                                       "cut"};
static const char *const http_words[Q_HTTP_COUNT] = {"200", "400", "404", "405", "408", "431", "503"};

int q_metrics_text(char **buf, size_t *len, size_t *cap, q_inq *in)
{
    q_metrics *m = &q_metrics_g;
    text t = {.buf = buf, .len = len, .cap = cap};
    family(&t, "quarantine_received_total", "counter",
           "Items received: BLOCK and ATTESTATION frames applied by the engine, in arrival order.");
    for (int k = 0; k < 2; k++)
        put(&t, "quarantine_received_total{kind=\"%s\"} %" PRIu64 "\n", item_words[k], ld(&m->received[k]));
    family(&t, "quarantine_frames_total", "counter", "Frames applied by the engine, by frame kind.");
    for (int k = 0; k < Q_KIND_COUNT; k++) {
        char word[16];
        const char *w = q_kind_word((q_kind)k);
        size_t i = 0;
        for (; w[i] && i < sizeof word - 1; i++) word[i] = (char)(w[i] | 0x20); /* the frame word, lower case */
        word[i] = '\0';
        put(&t, "quarantine_frames_total{kind=\"%s\"} %" PRIu64 "\n", word, ld(&m->frames[k]));
    }
    family(&t, "quarantine_cleared_total", "counter", "Items cleared (rows of blocks and attestations), by kind.");
    for (int k = 0; k < 2; k++)
        put(&t, "quarantine_cleared_total{kind=\"%s\"} %" PRIu64 "\n", item_words[k], ld(&m->cleared[k]));
    family(&t, "quarantine_rejected_total", "counter",
           "Items that did not clear (rows of rejects), by kind, final verdict and reason; verdict=\"REJECT\" is "
           "the summary's rejected counter, the other verdicts its ignored, slashable, evicted, expired, unviable "
           "and held_at_end.");
    for (int k = 0; k < 2; k++)
        for (int v = 0; v < Q_V_COUNT; v++)
            for (int r = 0; r < Q_R_COUNT; r++) {
                uint64_t x = ld(&m->rejected[k][v][r]);
                if (x || is_listed(k, v, r))
                    put(&t, "quarantine_rejected_total{kind=\"%s\",verdict=\"%s\",reason=\"%s\"} %" PRIu64 "\n",
                        item_words[k], q_verdict_word((q_verdict)v), q_reason_word((q_reason)r), x);
            }
    family(&t, "quarantine_slashings_total", "counter", "Slashable offences reported (rows of slashings), by kind.");
    for (int k = 0; k < 3; k++)
        put(&t, "quarantine_slashings_total{kind=\"%s\"} %" PRIu64 "\n", q_slashing_word((q_slashing_kind)k),
            ld(&m->slashings[k]));
    family(&t, "quarantine_held_orphans", "gauge", "Orphan blocks held now, waiting for their parent (bound 96).");
    put(&t, "quarantine_held_orphans %" PRIu64 "\n", ld(&m->orphans));
    family(&t, "quarantine_pending_attestations", "gauge",
           "Attestations held now, waiting for their block (bound 16384).");
    put(&t, "quarantine_pending_attestations %" PRIu64 "\n", ld(&m->pending));
    family(&t, "quarantine_unviable_roots", "gauge", "Unviable block roots remembered now (bound 16384).");
    put(&t, "quarantine_unviable_roots %" PRIu64 "\n", ld(&m->unviable));
    family(&t, "quarantine_input_queue_depth", "gauge", "Frames in the input queue now, between the reader and the "
                                                        "event loop.");
    put(&t, "quarantine_input_queue_depth %zu\n", in ? q_inq_depth(in) : (size_t)0);
    family(&t, "quarantine_input_queue_capacity", "gauge", "The input queue's bound in frames (--queue).");
    put(&t, "quarantine_input_queue_capacity %zu\n", in ? in->cap : (size_t)0);
    family(&t, "quarantine_peers_connected", "gauge", "TCP peers connected now (run --listen).");
    put(&t, "quarantine_peers_connected %" PRIu64 "\n", ld(&m->peers_connected));
    family(&t, "quarantine_peers_accepted_total", "counter", "TCP connections taken as peers.");
    put(&t, "quarantine_peers_accepted_total %" PRIu64 "\n", ld(&m->peers_accepted));
    family(&t, "quarantine_peers_refused_total", "counter", "TCP connections refused (--max-peers).");
    put(&t, "quarantine_peers_refused_total %" PRIu64 "\n", ld(&m->peers_refused));
    family(&t, "quarantine_peers_closed_total", "counter", "Peer connections closed, by reason.");
    for (int r = 0; r < Q_CLOSE_COUNT; r++)
        put(&t, "quarantine_peers_closed_total{reason=\"%s\"} %" PRIu64 "\n", close_words[r], ld(&m->peers_closed[r]));
    histo(&t, "quarantine_verdict_latency_seconds",
          "Per item, from its frame decoded by the reader to its verdict applied (the summary's arrival-to-verdict "
          "latency).",
          &m->verdict_latency);
    histo(&t, "quarantine_verification_seconds",
          "Per item, the time a worker spent on its pure checks (hashing, Ed25519).", &m->verification);
    histo(&t, "quarantine_store_commit_seconds", "Per store commit (at least one per slot of virtual time), its "
                                                 "duration.",
          &m->commit);
    family(&t, "quarantine_store_events_committed", "gauge",
           "Row events the store holds committed (its restart marker store_events).");
    put(&t, "quarantine_store_events_committed %" PRIu64 "\n", ld(&m->store_committed));
    family(&t, "quarantine_metrics_requests_total", "counter", "HTTP requests to this server, by status code.");
    for (int c = 0; c < Q_HTTP_COUNT; c++)
        put(&t, "quarantine_metrics_requests_total{code=\"%s\"} %" PRIu64 "\n", http_words[c], ld(&m->http[c]));
    return t.oom ? -1 : 0;
}
