/* quarantine/replay.c: the serial driver of a whole stream (replay.h), and
 * `quarantine replay --input FILE --db FILE` on it, the serial twin of
 * `quarantine run`: one thread decodes, verifies (q_prepare) and applies
 * (q_engine_apply) every frame in order, a store thread writes the database.
 * Same engine, same store, same rows as `run` with any number of workers; it
 * is the serial baseline of the benchmark, and what the end-to-end tests use
 * to fill a store.
 */
#include "quarantine/replay.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "quarantine/chain.h"
#include "quarantine/cmd.h"
#include "quarantine/log.h"
#include "quarantine/report.h"
#include "quarantine/store.h"
#include "quarantine/wire.h"

/* ------------------------------------------------------------ the serial driver */

int q_replay_fd(q_engine *e, int fd, const q_head *head, const char *path, uint64_t kill_after, char *err,
                size_t errlen)
{
    q_reader rd;
    if (q_reader_init_fd(&rd, fd, true) < 0 || (head && q_head_feed(head, &rd) < 0)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    uint64_t items = 0;
    for (;;) {
        q_frame f;
        q_wire_error we;
        int r = q_reader_next(&rd, &f, &we);
        if (r == Q_DEC_DONE) break;
        if (r == Q_DEC_ERROR) {
            char buf[256];
            snprintf(err, errlen, "%s: %s", path, q_wire_error_format(&we, buf, sizeof buf));
            rc = -1;
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
            snprintf(err, errlen, "%s: byte offset %" PRIu64 ": the engine cannot take this %s frame", path, off,
                     q_kind_word(kind));
            rc = -1;
            break;
        }
        if (item && kill_after && ++items == kill_after) raise(SIGKILL);
        if (kind == Q_KIND_END) break;
    }
    q_reader_destroy(&rd);
    return rc;
}

int q_replay_file(const char *path, const q_sink *sink, q_engine_stats *stats, char *err, size_t errlen)
{
    if (q_crypto_init() < 0) {
        snprintf(err, errlen, "libsodium cannot start");
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    q_engine *e = q_engine_new(sink);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        close(fd);
        return -1;
    }
    int rc = q_replay_fd(e, fd, NULL, path, 0, err, errlen);
    if (stats) q_engine_get_stats(e, stats);
    q_engine_free(e);
    close(fd);
    return rc;
}

/* ------------------------------------------------------------ quarantine replay */

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

int q_cmd_replay(int argc, char **argv)
{
    const char *input = NULL, *dbpath = NULL;
    uint64_t kill_after = 0;
    q_flag flags[] = {
        {.name = "input", .str = &input, .required = true},
        {.name = "db", .str = &dbpath, .required = true},
        {.name = "kill-after-items", .u64 = &kill_after, .min = 1, .max = UINT64_MAX},
    };
    int begin = q_cmd_begin("replay", argc, argv, flags, 3, usage);
    if (begin >= 0) return begin;
    int fd;
    q_store *store;
    static q_head head;
    if (q_cmd_open("replay", input, dbpath, &fd, &head, &store) != 0) return 1;
    char err[1024];
    static q_tally t; /* large; one per process */
    q_tally_init(&t, q_store_sink(store));
    q_sink sink = q_tally_sink(&t);
    q_engine *e = q_engine_new(&sink);
    if (!e) {
        q_log(Q_ERROR, "out of memory");
        return 1;
    }
    int rc = 0;
    double t0 = q_now_s();
    if (q_replay_fd(e, fd, &head, input, kill_after, err, sizeof err) < 0) {
        q_log(Q_ERROR, "%s", err);
        rc = 1;
    }
    double secs = q_now_s() - t0;
    q_store_end st;
    if (q_store_close(store, &st, err, sizeof err) < 0) {
        q_log(Q_ERROR, "%s", err);
        rc = 1;
    }
    q_report_summary(stdout, "replay", &t, e, secs, &st, NULL, 0);
    q_engine_free(e);
    close(fd);
    return rc;
}
