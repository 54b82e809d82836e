/* quarantine/run.c: `quarantine run (--input FILE | --listen HOST:PORT)
 * --db FILE [--workers N] ...`, the service on the weft runtime.
 *
 *   reader thread --frames--> input channel (inq, bounded) --> event loop
 *   (a file's reader here; for --listen the one TCP reader of net.h)
 *   event loop (root worker): spawns one verification task per item
 *       (q_prepare: hashing, Ed25519) as a weft future, keeps the items in
 *       arrival order in a window, applies verdicts (q_engine_apply) from the
 *       head as soon as the head's verification is done, never out of order;
 *   engine --events--> tally --> store thread (SQLite, WAL)
 *
 * Idle: with verifications in flight the loop helps (weft_run_one) or waits
 * on the head future, which works and then parks on the worker's notifier;
 * with nothing in flight and no input it backs off (log-log-iterated) and
 * parks on its weft_idle, which the reader notifies on every push.
 *
 * --metrics (metrics.h): a server thread of its own serves the series that
 * the loop, the verification tasks, the reader and the store thread count.
 * The log lines go through q_log (log.h).
 *
 * SIGINT/SIGTERM (stop.h): the reader stops and queues a STOP marker; the
 * loop applies what it took before it, applies no END, and the run commits
 * and prints its summary (a file run then exits 1: rerun to complete it).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <weft.h>

#include "quarantine/cmd.h"
#include "quarantine/engine.h"
#include "quarantine/inq.h"
#include "quarantine/log.h"
#include "quarantine/metrics.h"
#include "quarantine/net.h"
#include "quarantine/report.h"
#include "quarantine/stop.h"
#include "quarantine/store.h"
#include "quarantine/wire.h"

/* Items verified ahead of the head: enough to keep every worker busy while
 * the head waits, small enough that memory stays flat. */
#define WINDOW 4096
#define INPUT_QUEUE 16384 /* default of --queue (spec section 5) */

static void usage(FILE *f)
{
    fprintf(f, "usage: quarantine run (--input FILE | --listen HOST:PORT) --db FILE [--workers N]\n"
               "                      [--queue N] [--peers K] [--max-peers M] [--idle-timeout MS]\n"
               "                      [--metrics HOST:PORT]\n\n"
               "Runs the quarantine on a stream file, or as a service on TCP peers: a reader\n"
               "thread decodes frames, the event loop verifies items in parallel on the weft\n"
               "runtime (SHA-256, Ed25519), applies verdicts in arrival order, and a store\n"
               "thread writes what clears to SQLite (WAL). Prints a progress line on a terminal\n"
               "and a summary at the end. SIGINT or SIGTERM stops taking input; what was taken\n"
               "is applied and committed, and the summary printed.\n\n"
               "  --input FILE        the stream (spec section 3)\n"
               "  --listen HOST:PORT  accept peers instead: each connection is one stream (HELLO\n"
               "                      first). Port 0 picks a free one; the address is logged\n"
               "  --db FILE           the SQLite database (created when absent; rerun after a crash\n"
               "                      on the same input to complete it). Held by one process at a\n"
               "                      time (FILE.lock) and bound to the stream it was started on\n"
               "                      (listening: the first connection whose 16 KiB head came)\n"
               "  --workers N         weft workers, 1..256 (default: WEFT_NUM_THREADS, else one per core)\n"
               "  --queue N           input queue bound in frames (default 16384); a full queue\n"
               "                      stops the reader (back-pressure), never drops\n"
               "  --peers K           listening: end, as at END, once K connections have closed\n"
               "                      (default: run until SIGINT or SIGTERM)\n"
               "  --max-peers M       listening: connections open at once, more are refused (default 64)\n"
               "  --idle-timeout MS   listening: close a connection silent this long (default 30000)\n"
               "  --metrics HOST:PORT serve Prometheus metrics at http://HOST:PORT/metrics while it\n"
               "                      runs (port 0 picks a free one; the address is logged)\n\n"
               "exit status: 0 the stream was read to END and stored (listening: the run ended\n"
               "after --peers or a signal); 1 a malformed frame in a file, an I/O or database\n"
               "error, a file run stopped by a signal (what was applied before it stays\n"
               "committed; rerun to complete it); 2 usage.\n");
}

/* ---------------------------------------------------------------- reader */

typedef struct reader_ctx {
    int fd;
    const q_head *head; /* the stream's first bytes, already read from fd */
    const char *path;
    q_inq *q;
} reader_ctx;

/* The file reader's read: waits for the input or a stop signal (stop.h),
 * whichever comes first; a stop reads as an error with errno ECANCELED. */
static ssize_t read_or_stop(void *ctx, void *buf, size_t cap)
{
    int fd = *(const int *)ctx;
    for (;;) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = q_stop_fd(), .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) return -1;
        if (p[1].revents) {
            errno = ECANCELED;
            return -1;
        }
        if (!p[0].revents) continue;
        ssize_t n = read(fd, buf, cap);
        if (n < 0 && errno == EINTR) continue;
        return n;
    }
}

static void *reader_main(void *arg)
{
    reader_ctx *rc = arg;
    q_reader rd;
    q_in e;
    memset(&e, 0, sizeof e);
    if (q_reader_init(&rd, read_or_stop, &rc->fd, true) < 0 || q_head_feed(rc->head, &rd) < 0) {
        e.type = Q_IN_ERROR;
        snprintf(e.msg, sizeof e.msg, "%s: out of memory", rc->path);
        q_inq_push(rc->q, &e);
        return NULL;
    }
    for (;;) {
        q_wire_error we;
        memset(&e, 0, sizeof e);
        int r = q_reader_next(&rd, &e.f, &we);
        if (r == Q_DEC_FRAME) {
            e.type = Q_IN_FRAME;
            e.arrival = q_now_s();
            uint8_t kind = e.f.kind;
            if (!q_inq_push(rc->q, &e)) break; /* the loop stopped */
            if (kind == Q_KIND_END) break;
            continue;
        }
        if (r == Q_DEC_DONE) {
            e.type = Q_IN_EOF;
        } else if (q_stop_signal()) {
            e.type = Q_IN_STOP;
            snprintf(e.msg, sizeof e.msg, "%s: stopped reading %s at byte offset %" PRIu64, q_stop_signal(),
                     rc->path, rd.dec.offset);
        } else {
            char buf[256];
            e.type = Q_IN_ERROR;
            snprintf(e.msg, sizeof e.msg, "%s: %s", rc->path, q_wire_error_format(&we, buf, sizeof buf));
        }
        q_inq_push(rc->q, &e);
        break;
    }
    q_reader_destroy(&rd);
    return NULL;
}

/* ---------------------------------------------------------------- window */

/* One item (or other frame) between its arrival and its verdict. */
typedef struct slot {
    q_frame f;
    q_checked c;
    q_registry *reg;
    weft_future *fut; /* NULL: nothing to verify (not an item) */
    double arrival;
} slot;

/* The verification task: pure checks only, on any worker. */
static void verify_task(void *buf)
{
    slot *s;
    memcpy(&s, buf, sizeof s);
    uint64_t t0 = weft__now_ns();
    q_prepare(s->reg, &s->f, &s->c);
    q_histo_observe(&q_metrics_g.verification, weft__now_ns() - t0, true);
}

typedef struct loop {
    q_engine *e;
    q_inq *in;
    weft_idle *idle;
    slot *win;             /* WINDOW slots, a ring */
    size_t head, count;
    q_latency lat;
    bool ended, failed;
    bool input_failed; /* the reader reported an error: take no more input */
    bool stopped;      /* the reader stopped on a signal: take no more input */
    char msg[320];
    uint64_t applied_items;
} loop;

/* Takes input into the window while there is room; returns true when it
 * took anything. HELLO is applied at once (it is the first frame, so the
 * window is empty): the items after it need its registry to be verified.
 * A reader error stops the intake only: the frames before it, already in
 * the window, are still applied (spec section 3: everything before a
 * malformed frame is processed and stays committed), then the loop fails. */
static bool drain_input(loop *L)
{
    bool took = false;
    while (L->count < WINDOW && !L->ended && !L->failed && !L->input_failed && !L->stopped) {
        q_in in;
        if (!q_inq_pop(L->in, &in)) break;
        took = true;
        if (in.type == Q_IN_EOF) { /* the reader requires END; it reports EOF only after it */
            break;
        }
        if (in.type == Q_IN_STOP) {
            L->stopped = true;
            snprintf(L->msg, sizeof L->msg, "%s", in.msg);
            break;
        }
        if (in.type == Q_IN_ERROR) {
            L->input_failed = true;
            snprintf(L->msg, sizeof L->msg, "%s", in.msg);
            break;
        }
        slot *s = &L->win[(L->head + L->count) % WINDOW];
        memset(s, 0, sizeof *s);
        s->f = in.f;
        s->arrival = in.arrival;
        bool item = s->f.kind == Q_KIND_BLOCK || s->f.kind == Q_KIND_ATTESTATION;
        if (item) {
            s->reg = q_engine_registry(L->e);
            slot *p = s;
            s->fut = weft_spawn_future(verify_task, &p, sizeof p);
        }
        L->count++;
        if (s->f.kind == Q_KIND_HELLO && L->count == 1) break; /* apply before more items */
    }
    return took;
}

/* Applies verdicts from the head for as long as the head is verified;
 * returns true when it applied anything. */
static bool apply_ready(loop *L)
{
    bool did = false;
    while (L->count > 0 && !L->ended) {
        slot *s = &L->win[L->head];
        if (s->fut && !weft_future_ready(s->fut)) break;
        bool item = s->fut != NULL;
        if (s->fut) {
            weft_future_free(s->fut); /* ready: its acquire made s->c visible */
            s->fut = NULL;
        }
        uint8_t kind = s->f.kind;
        uint64_t off = s->f.offset;
        int a = q_engine_apply(L->e, &s->f, item ? &s->c : NULL);
        q_frame_release(&s->f);
        if (kind < Q_KIND_COUNT) q_metric_add(&q_metrics_g.frames[kind], 1);
        if (item) {
            double lat = q_now_s() - s->arrival;
            q_latency_add(&L->lat, lat);
            q_histo_observe(&q_metrics_g.verdict_latency, lat > 0 ? (uint64_t)(lat * 1e9) : 0, false);
            q_metric_add(&q_metrics_g.received[kind == Q_KIND_BLOCK ? Q_ITEM_BLOCK : Q_ITEM_ATTESTATION], 1);
            L->applied_items++;
        }
        L->head = (L->head + 1) % WINDOW;
        L->count--;
        did = true;
        if (a < 0) {
            L->failed = true;
            snprintf(L->msg, sizeof L->msg, "byte offset %" PRIu64 ": the engine cannot take this %s frame", off,
                     q_kind_word(kind));
            break;
        }
        if (kind == Q_KIND_END) L->ended = true;
    }
    if (did) { /* the held tables' gauges, once per pass */
        q_engine_stats st;
        q_engine_get_stats(L->e, &st);
        q_metric_set(&q_metrics_g.orphans, st.orphans);
        q_metric_set(&q_metrics_g.pending, st.pending);
        q_metric_set(&q_metrics_g.unviable, st.unviable);
    }
    return did;
}

static void progress(loop *L, double t0, double *last)
{
    double t = q_now_s();
    if (t - *last < 0.5) return;
    *last = t;
    q_engine_stats st;
    q_engine_get_stats(L->e, &st);
    const uint64_t *c = q_engine_counters(L->e);
    fprintf(stderr, "\rquarantine run: %" PRIu64 " items, %.0f items/s, held %zu, cleared %" PRIu64 "   ",
            st.items, (double)st.items / (t - t0), st.orphans + st.pending, c[Q_C_CLEARED]);
}

static void event_loop(loop *L, bool tty)
{
    double t0 = q_now_s(), last = t0;
    while (!L->ended && !L->failed) {
        bool progressed = drain_input(L);
        progressed |= apply_ready(L);
        if (tty) progress(L, t0, &last);
        if (L->input_failed && L->count == 0) { /* everything before the error is applied */
            L->failed = true;
            break;
        }
        if (L->stopped && L->count == 0) break; /* everything taken is applied */
        if (progressed) continue;
        if (L->count > 0) {
            /* The head is being verified: run one of our own verifications,
             * or wait on the head (working, then parking, meanwhile). */
            if (!weft_run_one()) weft_future_get(L->win[L->head].fut, NULL, 0);
            continue;
        }
        /* Nothing in flight: wait for input without spinning. */
        uint32_t ticket = weft_idle_prepare(L->idle);
        if (q_inq_nonempty(L->in)) {
            weft_idle_found(L->idle);
            continue;
        }
        weft_idle_wait(L->idle, ticket);
    }
    if (tty) fprintf(stderr, "\n");
    /* A failure stops the run; verifications still in flight are awaited so
     * that no task touches a slot after it is gone, and dropped unapplied. */
    while (L->count > 0) {
        slot *s = &L->win[L->head];
        if (s->fut) {
            weft_future_get(s->fut, NULL, 0);
            weft_future_free(s->fut);
        }
        q_frame_release(&s->f);
        L->head = (L->head + 1) % WINDOW;
        L->count--;
    }
}

/* Prints what the connections did (a listening run's summary, after the
 * engine's). */
static void net_summary(FILE *out, const q_net_stats *n)
{
    fprintf(out,
            "  peers: %" PRIu64 " connected, %" PRIu64 " refused; closed: %" PRIu64 " ended, %" PRIu64
            " hung_up, %" PRIu64 " malformed, %" PRIu64 " mismatched, %" PRIu64 " timed_out, %" PRIu64 " cut\n",
            n->accepted, n->refused, n->ended, n->hung_up, n->malformed, n->mismatched, n->timed_out, n->cut);
    fprintf(out,
            "  frames from peers: %" PRIu64 " = %" PRIu64 " queued (%" PRIu64 " items) + %" PRIu64
            " HELLO/END of the connections + %" PRIu64 " unqueued at the end\n",
            n->frames, n->queued, n->items, n->consumed, n->unqueued);
}

/* The source of a run's frames: a file and its reader thread, or the TCP
 * listener (net.h). */
typedef struct source {
    const char *input, *listen;
    int fd;
    q_head head;
    reader_ctx rc;
    pthread_t reader;
    q_net *net;
} source;

/* Opens the store and the source, binds the store to the stream's head and
 * starts the reader. Returns -1 to go on, else the exit status. */
static int source_open(source *S, const char *dbpath, q_inq *in, const q_net_config *nc, q_store **store)
{
    char err[1024];
    if (S->input) {
        if (q_cmd_open("run", S->input, dbpath, &S->fd, &S->head, store) != 0) return 1;
        S->rc = (reader_ctx){.fd = S->fd, .head = &S->head, .path = S->input, .q = in};
        if (pthread_create(&S->reader, NULL, reader_main, &S->rc) != 0) {
            q_log(Q_ERROR, "cannot start the reader thread");
            return 1; /* the process ends: the store's lock goes with it */
        }
        return -1;
    }
    /* the address first, like a file run's input: a bad one touches no store */
    S->net = q_net_listen(S->listen, nc, err, sizeof err);
    if (!S->net) {
        q_log(Q_ERROR, "%s", err);
        return 1;
    }
    char holder[512];
    snprintf(holder, sizeof holder, "quarantine run --listen %s --db %s", S->listen, dbpath);
    *store = q_store_open(dbpath, holder, err, sizeof err);
    if (!*store) {
        q_log(Q_ERROR, "%s", err);
        q_net_join(S->net, NULL);
        return 1;
    }
    q_log(Q_INFO, "listening on %s", q_net_address(S->net));
    if (q_net_start(S->net) < 0) {
        q_log(Q_ERROR, "cannot start the reader thread");
        q_net_join(S->net, NULL);
        q_store_discard(*store);
        return 1;
    }
    char peer[64], name[128];
    if (!q_net_wait_head(S->net, &S->head, peer, sizeof peer)) {
        q_net_stats st;
        q_net_join(S->net, &st);
        q_store_discard(*store);
        const char *sig = q_stop_signal();
        if (sig) q_log(Q_WARN, "%s before any peer's stream came; %s is unchanged", sig, dbpath);
        else q_log(Q_ERROR, "%" PRIu64 " peers closed before any sent a stream; %s is unchanged", nc->peers, dbpath);
        net_summary(stdout, &st);
        return sig ? 0 : 1;
    }
    snprintf(name, sizeof name, "the stream of peer %s", peer);
    if (q_store_start(*store, &S->head, name, err, sizeof err) < 0) {
        q_log(Q_ERROR, "%s", err);
        q_net_bound(S->net, false);
        q_net_join(S->net, NULL);
        return 1;
    }
    q_log(Q_INFO, "%s bound to the head of peer %s (%" PRIu32 " validators)", dbpath, peer,
          q_head_validators(S->head.bytes, S->head.len));
    q_net_bound(S->net, true);
    return -1;
}

int q_cmd_run(int argc, char **argv)
{
    const char *dbpath = NULL, *metrics = NULL;
    static source S;
    memset(&S, 0, sizeof S);
    uint64_t workers = 0, queue = INPUT_QUEUE, peers = 0, max_peers = 64, idle_ms = 30000;
    q_flag flags[] = {
        {.name = "input", .str = &S.input},
        {.name = "listen", .str = &S.listen},
        {.name = "db", .str = &dbpath, .required = true},
        {.name = "workers", .u64 = &workers, .min = 1, .max = 256},
        {.name = "queue", .u64 = &queue, .min = 1, .max = 1u << 24},
        {.name = "peers", .u64 = &peers, .min = 1, .max = 1u << 20},
        {.name = "max-peers", .u64 = &max_peers, .min = 1, .max = 4096},
        {.name = "idle-timeout", .u64 = &idle_ms, .min = 1, .max = 86400000},
        {.name = "metrics", .str = &metrics},
    };
    int begin = q_cmd_begin("run", argc, argv, flags, 9, usage);
    if (begin >= 0) return begin;
    if (!S.input == !S.listen || (S.input && (flags[5].set || flags[6].set || flags[7].set))) {
        fprintf(stderr, "quarantine run: %s\n\n",
                !S.input == !S.listen ? "give one of --input FILE and --listen HOST:PORT"
                                      : "--peers, --max-peers and --idle-timeout are for --listen");
        usage(stderr);
        return 2;
    }
    if (q_stop_start() < 0) { /* before any thread: they all inherit the mask */
        q_log(Q_ERROR, "cannot start the signal thread");
        return 1;
    }
    static q_tally tally; /* large; one per process */
    static loop L;
    static q_inq in;
    memset(&L, 0, sizeof L);
    L.idle = weft_idle_new();
    if (!L.idle || q_inq_init(&in, (size_t)queue, L.idle) < 0) {
        q_log(Q_ERROR, "out of memory");
        return 1;
    }
    L.in = &in;
    q_metrics_server *ms = NULL;
    char err[1024];
    if (metrics) { /* like --listen: a bad address touches no store */
        ms = q_metrics_listen(metrics, err, sizeof err);
        if (!ms) {
            q_log(Q_ERROR, "%s", err);
            return 1;
        }
        if (q_metrics_start(ms, &in) < 0) {
            q_log(Q_ERROR, "cannot start the metrics thread");
            return 1;
        }
        q_log(Q_INFO, "metrics on http://%s/metrics", q_metrics_address(ms));
    }
    q_net_config nc = {.q = &in, .peers = peers, .max_peers = max_peers, .idle_ms = idle_ms};
    q_store *store;
    int opened = source_open(&S, dbpath, &in, &nc, &store);
    if (opened >= 0) {
        if (ms) q_metrics_stop(ms);
        q_inq_destroy(&in);
        weft_idle_free(L.idle);
        q_stop_end();
        return opened;
    }
    weft_config cfg = {.num_threads = (int)workers};
    if (weft_init(&cfg) != 0) {
        q_log(Q_ERROR, "%s", weft_last_error());
        return 1; /* the process ends: the store's lock and the reader go with it */
    }
    static q_metrics_tap tap;
    q_tally_init(&tally, q_metrics_tap_sink(&tap, q_store_sink(store)));
    q_sink sink = q_tally_sink(&tally);
    L.e = q_engine_new(&sink);
    L.win = calloc(WINDOW, sizeof *L.win);
    if (!L.e || !L.win) {
        q_log(Q_ERROR, "out of memory");
        return 1;
    }

    double t0 = q_now_s();
    event_loop(&L, isatty(STDERR_FILENO));
    double secs = q_now_s() - t0;
    int nworkers = weft_num_workers();

    q_inq_close(&in); /* a reader blocked on a full queue gives up */
    q_net_stats ns;
    if (S.net) q_net_join(S.net, &ns);
    else pthread_join(S.reader, NULL);
    weft_exit();

    int rc_exit = 0;
    if (L.failed) {
        q_log(Q_ERROR, "%s", L.msg);
        rc_exit = 1;
    } else if (L.stopped) {
        q_log(Q_WARN, "%s; everything taken before it is applied and committed%s", L.msg,
              S.input ? " (rerun on the same input to complete the store)" : "");
        rc_exit = S.input ? 1 : 0;
    } else if (!L.ended) {
        q_log(Q_ERROR, "%s: the stream ended without END", S.input ? S.input : S.listen);
        rc_exit = 1;
    }
    q_store_end st;
    if (q_store_close(store, &st, err, sizeof err) < 0) {
        q_log(Q_ERROR, "%s", err);
        rc_exit = 1;
    }
    q_report_summary(stdout, "run", &tally, L.e, secs, &st, &L.lat, nworkers);
    if (S.net) net_summary(stdout, &ns);
    if (ms) q_metrics_stop(ms);
    q_engine_free(L.e);
    q_inq_destroy(&in);
    weft_idle_free(L.idle);
    free(L.win);
    if (S.input) close(S.fd);
    q_stop_end();
    return rc_exit;
}
