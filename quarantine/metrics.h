/* quarantine/metrics.h: what an operator scrapes from `run --metrics
 * HOST:PORT`: the series a run keeps (this header, metrics.c) and the HTTP
 * server that serves them in the Prometheus text exposition format, version
 * 0.0.4 (metrics_http.c).
 *
 * The series live in one process-wide q_metrics, q_metrics_g, counted whether
 * or not a server serves them (a relaxed store costs about what a plain one
 * does). Each word has ONE writer thread, named below, except the
 * verification histogram, which every weft worker adds to:
 *
 *   event loop (run.c, the root worker): received, frames, cleared,
 *       rejected, slashings (through q_metrics_tap, the sink between the
 *       tally and the store), the held/pending/unviable gauges, the verdict
 *       latency histogram;
 *   weft workers (run.c's verify_task): the verification histogram;
 *   TCP reader (net.c): the peers' counters and the connected gauge;
 *   store thread (store.c): the commit histogram, the committed gauge;
 *   metrics server thread (metrics_http.c): the requests by status.
 *
 * The atomics: a single writer counts with a relaxed load and a relaxed
 * store (q_metric_add, no read-modify-write: nobody else writes the word);
 * the workers use a relaxed fetch_add. The server reads every word with a
 * relaxed load. No atomic here pairs with another: each word is read for its
 * own value only and publishes nothing else, so no ordering between words is
 * needed, and each one is monotone as its writer made it (per-word coherence).
 * A scrape is therefore a snapshot of each series taken a few microseconds
 * apart from the next one: within one scrape, `received` may be a few items
 * ahead of the verdicts it led to. A histogram's _count is the sum of its
 * buckets as read (so the +Inf bucket equals _count exactly); its _sum is a
 * separate word and may be a few observations behind or ahead.
 *
 * The input queue's depth is read by the server under the queue's own mutex
 * (q_inq_depth) at each scrape.
 */
#ifndef Q_METRICS_H
#define Q_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quarantine/event.h"
#include "quarantine/inq.h"
#include "quarantine/spec.h"

/* Histogram bucket bounds in seconds: 10 us to 10 s, 1-2.5-5 steps; one more
 * bucket above the last for +Inf. */
#define Q_HISTO_BOUNDS 19

typedef struct q_histo {
    _Atomic uint64_t bucket[Q_HISTO_BOUNDS + 1]; /* not cumulative; the last is above every bound */
    _Atomic uint64_t sum_ns;
} q_histo;

/* The reasons a peer's connection closes (net.h), as the label words. */
typedef enum q_close_reason {
    Q_CLOSE_ENDED = 0,
    Q_CLOSE_HUNG_UP,
    Q_CLOSE_MALFORMED,
    Q_CLOSE_MISMATCHED,
    Q_CLOSE_TIMED_OUT,
    Q_CLOSE_CUT,
    Q_CLOSE_COUNT
} q_close_reason;

/* The HTTP statuses the server answers with, counted by code. */
typedef enum q_http_code {
    Q_HTTP_200 = 0,
    Q_HTTP_400,
    Q_HTTP_404,
    Q_HTTP_405,
    Q_HTTP_408,
    Q_HTTP_431,
    Q_HTTP_503,
    Q_HTTP_COUNT
} q_http_code;

typedef struct q_metrics {
    /* event loop */
    _Atomic uint64_t received[2];                  /* by q_item_kind */
    _Atomic uint64_t frames[Q_KIND_COUNT];         /* frames applied, by q_kind */
    _Atomic uint64_t cleared[2];                   /* by q_item_kind */
    _Atomic uint64_t rejected[2][Q_V_COUNT][Q_R_COUNT]; /* the rejects rows: kind, final verdict, reason */
    _Atomic uint64_t slashings[3];                 /* by q_slashing_kind */
    _Atomic uint64_t orphans, pending, unviable;   /* gauges: held now */
    q_histo verdict_latency;                       /* arrival to verdict applied */
    /* weft workers */
    q_histo verification;                          /* one item's pure checks on a worker */
    /* TCP reader */
    _Atomic uint64_t peers_accepted, peers_refused, peers_connected;
    _Atomic uint64_t peers_closed[Q_CLOSE_COUNT];
    /* store thread */
    q_histo commit;                                /* one COMMIT, the restart marker included */
    _Atomic uint64_t store_committed;              /* gauge: row events committed (the marker) */
    /* metrics server */
    _Atomic uint64_t http[Q_HTTP_COUNT];
} q_metrics;

extern q_metrics q_metrics_g;

/* Adds n to a word that only the calling thread writes. */
static inline void q_metric_add(_Atomic uint64_t *w, uint64_t n)
{
    /* relaxed: single writer, read alone by the server (see above) */
    atomic_store_explicit(w, atomic_load_explicit(w, memory_order_relaxed) + n, memory_order_relaxed);
}

/* Sets a gauge that only the calling thread writes. */
static inline void q_metric_set(_Atomic uint64_t *w, uint64_t v)
{
    atomic_store_explicit(w, v, memory_order_relaxed); /* relaxed: read alone by the server */
}

/* Records one observation of ns nanoseconds. multi: other threads add to h
 * too (a fetch_add); else the caller is h's only writer. */
void q_histo_observe(q_histo *h, uint64_t ns, bool multi);

/* The sink between the run's tally and its store: counts each event in
 * q_metrics_g (cleared, rejected, slashings), then passes it on to next.
 * Event loop only. */
typedef struct q_metrics_tap {
    q_sink next;
} q_metrics_tap;
q_sink q_metrics_tap_sink(q_metrics_tap *t, q_sink next);

/* Appends the exposition text of every series to a malloc'd buffer (*buf,
 * *len; *buf may be NULL at first, grown as needed). in: the run's input
 * queue, for its depth and bound (may be NULL: reported as 0). Returns 0, or
 * -1 when out of memory. Any thread (the server's). */
int q_metrics_text(char **buf, size_t *len, size_t *cap, q_inq *in);

/* ------------------------------------------------------------ the server */

typedef struct q_metrics_server q_metrics_server;

/* Binds and listens on hostport (listen.h; messages start "--metrics
 * HOSTPORT: "). Serves nothing until q_metrics_start. NULL with err. */
q_metrics_server *q_metrics_listen(const char *hostport, char *err, size_t errlen);

/* "ADDR:PORT" it listens on. */
const char *q_metrics_address(const q_metrics_server *m);

/* Starts the server thread: GET /metrics (HEAD too) answers 200 with the
 * exposition; another path 404, another method 405, a malformed request
 * 400, a request line and headers over 8 KiB 431, a client that sends no
 * whole request within 5 s 408; more than 16 clients at once, 503. One
 * request per connection (Connection: close). A client never affects the
 * run: the server's sockets are its own, non-blocking, written with
 * MSG_NOSIGNAL. in: as for q_metrics_text. 0, or -1 (no thread). */
int q_metrics_start(q_metrics_server *m, q_inq *in);

/* Stops the thread (when started), closes every socket and frees m. */
void q_metrics_stop(q_metrics_server *m);

#endif /* Q_METRICS_H */
