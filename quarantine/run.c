/* quarantine/run.c: `quarantine run --input FILE --db FILE [--workers N]`,
 * the service on the weft runtime.
 *
 *   reader thread --frames--> input channel (inq, bounded) --> event loop
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
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <weft.h>

#include "quarantine/cmd.h"
#include "quarantine/engine.h"
#include "quarantine/inq.h"
#include "quarantine/report.h"
#include "quarantine/store.h"
#include "quarantine/wire.h"

/* Items verified ahead of the head: enough to keep every worker busy while
 * the head waits, small enough that memory stays flat. */
#define WINDOW 4096
#define INPUT_QUEUE 16384 /* default of --queue (spec section 5) */

static void usage(FILE *f)
{
    fprintf(f, "usage: quarantine run --input FILE --db FILE [--workers N] [--queue N]\n\n"
               "Runs the quarantine on a stream file: a reader thread decodes frames, the\n"
               "event loop verifies items in parallel on the weft runtime (SHA-256, Ed25519),\n"
               "applies verdicts in arrival order, and a store thread writes what clears\n"
               "to SQLite (WAL). Prints a progress line on a terminal and a summary at the end.\n\n"
               "  --input FILE   the stream (spec section 3)\n"
               "  --db FILE      the SQLite database (created when absent; rerun after a crash\n"
               "                 on the same input to complete it). Held by one process at a\n"
               "                 time (FILE.lock) and bound to the stream it was started on\n"
               "  --workers N    weft workers, 1..256 (default: WEFT_NUM_THREADS, else one per core)\n"
               "  --queue N      input queue bound in frames (default 16384); a full queue\n"
               "                 stops the reader (back-pressure), never drops\n\n"
               "exit status: 0 the stream was read to END and stored; 1 a malformed frame, an\n"
               "I/O or database error (what was applied before it stays committed); 2 usage.\n");
}

/* ---------------------------------------------------------------- reader */

typedef struct reader_ctx {
    int fd;
    const q_head *head; /* the stream's first bytes, already read from fd */
    const char *path;
    q_inq *q;
} reader_ctx;

static void *reader_main(void *arg)
{
    reader_ctx *rc = arg;
    q_reader rd;
    q_in e;
    memset(&e, 0, sizeof e);
    if (q_reader_init_fd(&rd, rc->fd, true) < 0 || q_head_feed(rc->head, &rd) < 0) {
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
    q_prepare(s->reg, &s->f, &s->c);
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
    while (L->count < WINDOW && !L->ended && !L->failed && !L->input_failed) {
        q_in in;
        if (!q_inq_pop(L->in, &in)) break;
        took = true;
        if (in.type == Q_IN_EOF) { /* the reader requires END; it reports EOF only after it */
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
        if (item) {
            q_latency_add(&L->lat, q_now_s() - s->arrival);
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

int q_cmd_run(int argc, char **argv)
{
    const char *input = NULL, *dbpath = NULL;
    uint64_t workers = 0, queue = INPUT_QUEUE;
    q_flag flags[] = {
        {.name = "input", .str = &input, .required = true},
        {.name = "db", .str = &dbpath, .required = true},
        {.name = "workers", .u64 = &workers, .min = 1, .max = 256},
        {.name = "queue", .u64 = &queue, .min = 1, .max = 1u << 24},
    };
    int begin = q_cmd_begin("run", argc, argv, flags, 4, usage);
    if (begin >= 0) return begin;
    int fd;
    q_store *store;
    static q_head head;
    if (q_cmd_open("run", input, dbpath, &fd, &head, &store) != 0) return 1;
    char err[1024];
    weft_config cfg = {.num_threads = (int)workers};
    if (weft_init(&cfg) != 0) {
        fprintf(stderr, "quarantine run: %s\n", weft_last_error());
        q_store_close(store, NULL, err, sizeof err);
        close(fd);
        return 1;
    }

    static q_tally tally; /* large; one per process */
    static loop L;
    memset(&L, 0, sizeof L);
    q_tally_init(&tally, q_store_sink(store));
    q_sink sink = q_tally_sink(&tally);
    L.e = q_engine_new(&sink);
    L.idle = weft_idle_new();
    L.win = calloc(WINDOW, sizeof *L.win);
    static q_inq in;
    if (!L.e || !L.idle || !L.win || q_inq_init(&in, (size_t)queue, L.idle) < 0) {
        fprintf(stderr, "quarantine run: out of memory\n");
        return 1;
    }
    L.in = &in;
    reader_ctx rc = {.fd = fd, .head = &head, .path = input, .q = &in};
    pthread_t reader;
    if (pthread_create(&reader, NULL, reader_main, &rc) != 0) {
        fprintf(stderr, "quarantine run: cannot start the reader thread\n");
        return 1;
    }

    double t0 = q_now_s();
    event_loop(&L, isatty(STDERR_FILENO));
    double secs = q_now_s() - t0;
    int nworkers = weft_num_workers();

    q_inq_close(&in); /* a reader blocked on a full queue gives up */
    pthread_join(reader, NULL);
    weft_exit();

    int rc_exit = 0;
    if (L.failed) {
        fprintf(stderr, "quarantine run: %s\n", L.msg);
        rc_exit = 1;
    } else if (!L.ended) {
        fprintf(stderr, "quarantine run: %s: the stream ended without END\n", input);
        rc_exit = 1;
    }
    q_store_end st;
    if (q_store_close(store, &st, err, sizeof err) < 0) {
        fprintf(stderr, "quarantine run: %s\n", err);
        rc_exit = 1;
    }
    q_report_summary(stdout, "run", &tally, L.e, secs, &st, &L.lat, nworkers);
    q_engine_free(L.e);
    q_inq_destroy(&in);
    weft_idle_free(L.idle);
    free(L.win);
    close(fd);
    return rc_exit;
}
