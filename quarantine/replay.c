/* quarantine/replay.c: `quarantine replay --input FILE --db FILE`, the serial
 * twin of `quarantine run`: one thread decodes, verifies (q_prepare) and
 * applies (q_engine_apply) every frame in order, a store thread writes the
 * database. Same engine, same store, same rows as `run` with any number of
 * workers; it is the serial baseline of the benchmark, and what the
 * end-to-end tests use to fill a store.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quarantine/cmd.h"
#include "quarantine/engine.h"
#include "quarantine/store.h"
#include "quarantine/wire.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: quarantine replay --input FILE --db FILE [--kill-after-items N]\n\n"
               "Runs the verdict engine serially on a stream file (one thread verifies and\n"
               "applies, a store thread writes SQLite) and prints a summary. The serial twin\n"
               "of `quarantine run`: same verdicts, same rows. Rerun on the same input and\n"
               "database after a crash, it stores what was missing and nothing twice.\n\n"
               "  --input FILE            the stream (spec section 3)\n"
               "  --db FILE               the SQLite database (created when absent)\n"
               "  --kill-after-items N    debug: SIGKILL itself after N items (restart tests)\n\n"
               "exit status: 0 the stream was read to END and stored; 1 a malformed frame, an\n"
               "I/O or database error (what was applied before it stays committed); 2 usage.\n");
}

/* Tallies final verdicts by (verdict, reason) on their way to the store. */
typedef struct tally {
    q_sink next;
    uint64_t by[Q_V_COUNT][Q_R_COUNT];
    uint64_t slashings;
} tally;

static void tally_emit(void *ctx, const q_event *ev)
{
    tally *t = ctx;
    if (ev->type == Q_EV_REJECT) t->by[ev->u.reject.verdict][ev->u.reject.reason]++;
    else if (ev->type == Q_EV_CLEARED_BLOCK || ev->type == Q_EV_CLEARED_ATT) t->by[Q_V_CLEARED][Q_R_NONE]++;
    else if (ev->type == Q_EV_SLASHING) t->slashings++;
    t->next.emit(t->next.ctx, ev);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void summary(const tally *t, const q_engine *e, double secs, uint64_t resumed)
{
    q_engine_stats st;
    q_engine_get_stats(e, &st);
    const uint64_t *c = q_engine_counters(e);
    printf("replay: %" PRIu64 " items (%" PRIu64 " frames) in %.3f s: %.0f items/s\n", st.items, st.frames, secs,
           secs > 0 ? (double)st.items / secs : 0.0);
    if (resumed) printf("  resumed: %" PRIu64 " events were already stored and were skipped\n", resumed);
    printf("  counters:");
    for (int i = 0; i < Q_C_COUNT; i++) printf(" %s=%" PRIu64, q_counter_word((q_counter)i), c[i]);
    printf("\n  by verdict and reason:\n");
    for (int v = 0; v < Q_V_COUNT; v++)
        for (int r = 0; r < Q_R_COUNT; r++)
            if (t->by[v][r])
                printf("    %-11s %-22s %" PRIu64 "\n", q_verdict_word((q_verdict)v),
                       r ? q_reason_word((q_reason)r) : "", t->by[v][r]);
    printf("  slashings reported: %" PRIu64 "\n", t->slashings);
    printf("  peaks: orphans %zu/%u, pending %zu/%u, unviable %zu/%u\n", st.orphans_peak, Q_ORPHAN_MAX,
           st.pending_peak, Q_PENDING_MAX, st.unviable_peak, Q_UNVIABLE_MAX);
}

int q_cmd_replay(int argc, char **argv)
{
    const char *input = NULL, *dbpath = NULL;
    uint64_t kill_after = 0;
    q_flag flags[] = {
        {.name = "input", .str = &input, .required = true},
        {.name = "db", .str = &dbpath, .required = true},
        {.name = "kill-after-items", .u64 = &kill_after, .min = 1, .max = UINT64_MAX},
    };
    int pr = q_flags_parse(argc, argv, flags, 3);
    if (pr == 1) {
        usage(stdout);
        return 0;
    }
    if (pr < 0) {
        usage(stderr);
        return 2;
    }
    if (q_crypto_init() < 0) {
        fprintf(stderr, "quarantine replay: libsodium cannot start\n");
        return 1;
    }
    int fd = open(input, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "quarantine replay: %s: %s\n", input, strerror(errno));
        return 1;
    }
    char err[512];
    q_store *store = q_store_open(dbpath, err, sizeof err);
    if (!store) {
        fprintf(stderr, "quarantine replay: %s\n", err);
        close(fd);
        return 1;
    }
    static tally t; /* large; one per process */
    memset(&t, 0, sizeof t);
    t.next = q_store_sink(store);
    q_sink sink = {.emit = tally_emit, .ctx = &t};
    q_engine *e = q_engine_new(&sink);
    q_reader rd;
    if (!e || q_reader_init_fd(&rd, fd, true) < 0) {
        fprintf(stderr, "quarantine replay: out of memory\n");
        return 1;
    }
    int rc = 0;
    uint64_t items = 0;
    double t0 = now_s();
    for (;;) {
        q_frame f;
        q_wire_error we;
        int r = q_reader_next(&rd, &f, &we);
        if (r == Q_DEC_DONE) break;
        if (r == Q_DEC_ERROR) {
            char buf[256];
            fprintf(stderr, "quarantine replay: %s: %s\n", input, q_wire_error_format(&we, buf, sizeof buf));
            rc = 1;
            break;
        }
        bool item = f.kind == Q_KIND_BLOCK || f.kind == Q_KIND_ATTESTATION;
        q_checked c;
        q_registry *reg = q_engine_registry(e); /* NULL only before HELLO */
        if (item && reg) q_prepare(reg, &f, &c);
        int a = item && !reg ? -1 : q_engine_apply(e, &f, item ? &c : NULL);
        uint8_t kind = f.kind;
        uint64_t off = f.offset;
        q_frame_release(&f);
        if (a < 0) {
            fprintf(stderr, "quarantine replay: %s: byte offset %" PRIu64 ": the engine cannot take this %s frame\n",
                    input, off, q_kind_word(kind));
            rc = 1;
            break;
        }
        if (item && kill_after && ++items == kill_after) raise(SIGKILL);
        if (kind == Q_KIND_END) break;
    }
    double secs = now_s() - t0;
    uint64_t resumed = q_store_resumed(store);
    if (q_store_close(store, err, sizeof err) < 0) {
        fprintf(stderr, "quarantine replay: %s\n", err);
        rc = 1;
    }
    summary(&t, e, secs, resumed);
    q_engine_free(e);
    q_reader_destroy(&rd);
    close(fd);
    return rc;
}
