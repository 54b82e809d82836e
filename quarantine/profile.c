/* quarantine/profile.c: `quarantine profile --input FILE --db FILE`, the CPU
 * cost per item of each serial stage of `run` (issue 11 item 7), measured one
 * stage at a time so that no stage's figure holds another's:
 *
 *   decode   the reader's work: q_reader_next over the whole file, every
 *            frame kept in memory (run's reader thread does this);
 *   (verify  q_prepare of every item, the parallel part: not a serial
 *            stage, timed for scale only);
 *   engine   q_engine_apply of every frame in order, its events through the
 *            tally to a recorder that copies them (run's event loop does
 *            this, with the store's sink in place of the recorder);
 *   emit     the recorded events handed to the store's sink (the engine
 *            thread's share of the store: batching, the queue's lock);
 *   store    the store thread writing them to FILE (SQLite), its own CPU
 *            time (CLOCK_THREAD_CPUTIME_ID, q_store_end.cpu_s).
 *
 * Each stage's CPU time is the thread's (CLOCK_THREAD_CPUTIME_ID) over the
 * stage, divided by the stream's items (BLOCK + ATTESTATION frames).
 * "ordered" is decode + engine + emit: the serial part on the engine's side
 * of the store's queue. The store written is the same as replay's (same
 * events, same commit points). Measures, never asserts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quarantine/cmd.h"
#include "quarantine/engine.h"
#include "quarantine/head.h"
#include "quarantine/report.h"
#include "quarantine/store.h"
#include "quarantine/wire.h"

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A growable array of n elements of size sz. */
typedef struct vec {
    void *p;
    size_t n, cap, sz;
} vec;

static void *vec_push(vec *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 4096;
        void *p = realloc(v->p, cap * v->sz);
        if (!p) {
            fprintf(stderr, "quarantine profile: out of memory\n");
            exit(1);
        }
        v->p = p;
        v->cap = cap;
    }
    return (char *)v->p + v->sz * v->n++;
}

static void record_emit(void *ctx, const q_event *ev) { *(q_event *)vec_push(ctx) = *ev; }

static void usage(FILE *f)
{
    fprintf(f, "usage: quarantine profile --input FILE --db FILE\n\n"
               "Measures the CPU time per item of each serial stage of `run` on a stream file,\n"
               "one stage at a time (thread CPU clocks): decode (the reader), engine (the\n"
               "ordered checks and the tally), emit (handing events to the store's queue) and\n"
               "store (the store thread writing SQLite); verify (the parallel part) for scale.\n"
               "Fills FILE like replay (same rows). Use a fresh FILE: a resumed store skips.\n\n"
               "  --input FILE   the stream (spec section 3)\n"
               "  --db FILE      the SQLite database (created when absent)\n\n"
               "exit status: 0 measured; 1 a malformed frame, an I/O or database error; 2 usage.\n");
}

int q_cmd_profile(int argc, char **argv)
{
    const char *input = NULL, *dbpath = NULL;
    q_flag flags[] = {
        {.name = "input", .str = &input, .required = true},
        {.name = "db", .str = &dbpath, .required = true},
    };
    int begin = q_cmd_begin("profile", argc, argv, flags, 2, usage);
    if (begin >= 0) return begin;
    int fd;
    q_store *store;
    static q_head head;
    if (q_cmd_open("profile", input, dbpath, &fd, &head, &store) != 0) return 1;

    /* decode */
    vec frames = {.sz = sizeof(q_frame)};
    q_reader rd;
    if (q_reader_init_fd(&rd, fd, true) < 0 || q_head_feed(&head, &rd) < 0) {
        fprintf(stderr, "quarantine profile: out of memory\n");
        return 1;
    }
    uint64_t items = 0;
    double t0 = thread_cpu_s();
    for (;;) {
        q_frame f;
        q_wire_error we;
        int r = q_reader_next(&rd, &f, &we);
        if (r == Q_DEC_DONE) break;
        if (r == Q_DEC_ERROR) {
            char buf[256];
            fprintf(stderr, "quarantine profile: %s: %s\n", input, q_wire_error_format(&we, buf, sizeof buf));
            return 1;
        }
        *(q_frame *)vec_push(&frames) = f;
        if (f.kind == Q_KIND_BLOCK || f.kind == Q_KIND_ATTESTATION) items++;
        if (f.kind == Q_KIND_END) break;
    }
    double t_decode = thread_cpu_s() - t0;
    q_reader_destroy(&rd);
    close(fd);
    q_frame *fr = frames.p;
    size_t nf = frames.n;
    if (items == 0) {
        fprintf(stderr, "quarantine profile: %s: no items\n", input);
        return 1;
    }

    /* verify: needs the registry, which the engine builds at HELLO */
    vec events = {.sz = sizeof(q_event)};
    static q_tally t; /* large; one per process */
    q_tally_init(&t, (q_sink){.emit = record_emit, .ctx = &events});
    q_sink sink = q_tally_sink(&t);
    q_engine *e = q_engine_new(&sink);
    q_checked *checked = calloc(nf ? nf : 1, sizeof *checked);
    if (!e || !checked) {
        fprintf(stderr, "quarantine profile: out of memory\n");
        return 1;
    }
    if (nf == 0 || fr[0].kind != Q_KIND_HELLO || q_engine_apply(e, &fr[0], NULL) < 0) {
        fprintf(stderr, "quarantine profile: %s: no HELLO first\n", input);
        return 1;
    }
    q_registry *reg = q_engine_registry(e);
    t0 = thread_cpu_s();
    for (size_t i = 1; i < nf; i++)
        if (fr[i].kind == Q_KIND_BLOCK || fr[i].kind == Q_KIND_ATTESTATION) q_prepare(reg, &fr[i], &checked[i]);
    double t_verify = thread_cpu_s() - t0;

    /* engine (the HELLO was applied above: one frame, not an item) */
    t0 = thread_cpu_s();
    for (size_t i = 1; i < nf; i++) {
        bool item = fr[i].kind == Q_KIND_BLOCK || fr[i].kind == Q_KIND_ATTESTATION;
        if (q_engine_apply(e, &fr[i], item ? &checked[i] : NULL) < 0) {
            fprintf(stderr, "quarantine profile: %s: byte offset %" PRIu64 ": the engine cannot take this frame\n",
                    input, fr[i].offset);
            return 1;
        }
    }
    double t_engine = thread_cpu_s() - t0;

    /* emit and store */
    q_sink ss = q_store_sink(store);
    const q_event *ev = events.p;
    double w0 = q_now_s();
    t0 = thread_cpu_s();
    for (size_t i = 0; i < events.n; i++) ss.emit(ss.ctx, &ev[i]);
    double t_emit = thread_cpu_s() - t0;
    q_store_end st;
    char err[1024];
    int rc = 0;
    if (q_store_close(store, &st, err, sizeof err) < 0) {
        fprintf(stderr, "quarantine profile: %s\n", err);
        rc = 1;
    }
    double w_store = q_now_s() - w0;

    double us = 1e6 / (double)items;
    printf("profile: %s: %" PRIu64 " items, %zu frames, %zu events (%" PRIu64 " row events stored)\n", input, items,
           nf, events.n, st.committed - st.resumed);
    printf("  decode   %8.3f us/item  (%.3f s CPU)\n", t_decode * us, t_decode);
    printf("  engine   %8.3f us/item  (%.3f s CPU, tally and event copy included)\n", t_engine * us, t_engine);
    printf("  emit     %8.3f us/item  (%.3f s CPU, the engine thread's share of the store)\n", t_emit * us, t_emit);
    printf("  store    %8.3f us/item  (%.3f s CPU of the store thread, %.3f s wall)\n", st.cpu_s * us, st.cpu_s,
           w_store);
    printf("  ordered  %8.3f us/item  (decode + engine + emit)\n", (t_decode + t_engine + t_emit) * us);
    printf("  verify   %8.3f us/item  (the parallel part, one thread, for scale)\n", t_verify * us);
    for (size_t i = 0; i < nf; i++) q_frame_release(&fr[i]);
    free(frames.p);
    free(events.p);
    free(checked);
    q_engine_free(e);
    return rc;
}
