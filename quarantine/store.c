/* quarantine/store.c: see store.h. The queue between the engine thread and
 * the store thread is a bounded ring under a pthread mutex with two condition
 * variables: this is not a hot path (one lock per batch of events), and the
 * producer must block, never drop, when the database falls behind. */
#include "quarantine/store.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quarantine/chain.h"
#include "quarantine/lock.h"
#include "quarantine/log.h"
#include "quarantine/metrics.h"
#include "runtime/util/prim.h"

#define QUEUE_CAP 8192u    /* events between the engine and the store thread */
#define BATCH 256u         /* events the producer gathers before taking the lock */
#define TXN_MAX_ROWS 65536 /* commit also after this many rows in one slot */

/* The schema's version, in the database header (PRAGMA user_version), written
 * with the schema in the store's first transaction. Version 1 (user_version
 * 0, quarantine before issue 11) keyed attestations by id: a random 32-byte
 * key whose B-tree pages every commit rewrote all over the index. Version 2
 * keys them by seq (the rowid: each commit appends), with the same columns;
 * blocks keep root as their key (one block a slot: a small index). */
#define ST_VERSION 2

/* Spec section 6's tables, and one more. */
static const char *const st_schema =
    "CREATE TABLE IF NOT EXISTS blocks(root BLOB PRIMARY KEY, slot INTEGER, proposer INTEGER, "
    "parent_root BLOB, seq INTEGER UNIQUE);"
    "CREATE TABLE IF NOT EXISTS attestations(id BLOB, attester INTEGER, slot INTEGER, "
    "idx INTEGER, block_root BLOB, source_epoch INTEGER, target_epoch INTEGER, data_root BLOB, "
    "seq INTEGER PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS rejects(id BLOB, kind TEXT CHECK(kind IN ('block','attestation')), "
    "verdict TEXT, reason TEXT);"
    "CREATE TABLE IF NOT EXISTS slashings(kind TEXT, validator INTEGER, first BLOB, second BLOB);"
    "CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER);"
    /* not in spec section 6: the stream the store is bound to (store.h) */
    "CREATE TABLE IF NOT EXISTS stream(validators INTEGER, head BLOB);";

/* Version 1's attestations table, to recognise an older store (the other
 * tables are version 2's). */
static const char *const st_schema_v1_att =
    "CREATE TABLE attestations(id BLOB PRIMARY KEY, attester INTEGER, slot INTEGER, "
    "idx INTEGER, block_root BLOB, source_epoch INTEGER, target_epoch INTEGER, data_root BLOB, "
    "seq INTEGER UNIQUE);";

enum { ST_BLOCK, ST_ATT, ST_REJECT, ST_SLASH, ST_COUNTER, ST_COUNT };

/* What each statement does, for the message when it fails. */
static const char *const st_what[ST_COUNT] = {
    "storing a blocks row", "storing an attestations row", "storing a rejects row", "storing a slashings row",
    "storing a counter",
};

static const char *const st_sql[ST_COUNT] = {
    "INSERT OR IGNORE INTO blocks(root, slot, proposer, parent_root, seq) VALUES(?1, ?2, ?3, ?4, ?5)",
    "INSERT OR IGNORE INTO attestations(id, attester, slot, idx, block_root, source_epoch, target_epoch, "
    "data_root, seq) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    "INSERT INTO rejects(id, kind, verdict, reason) VALUES(?1, ?2, ?3, ?4)",
    "INSERT INTO slashings(kind, validator, first, second) VALUES(?1, ?2, ?3, ?4)",
    "INSERT OR REPLACE INTO counters(name, value) VALUES(?1, ?2)",
};

struct q_store {
    char *path;
    q_lock lock;
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];

    /* the queue: ring of QUEUE_CAP events; `closing` ends the thread */
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    q_event *ring;
    size_t head, len;
    bool closing;
    pthread_t thread;

    /* producer side (engine thread only): nbatch first and a pad after the
     * batch, so that the engine's count and the store thread's counters,
     * both written at every event, never share a cache line */
    size_t nbatch;
    q_event batch[BATCH];
    char pad[64];

    /* store thread only */
    uint64_t skip;     /* row events already committed when opened */
    uint64_t taken;    /* row events taken so far (skipped included) */
    uint64_t committed; /* row events committed (skipped included) */
    bool in_txn;
    size_t txn_rows;
    bool failed;
    double cpu_s; /* the thread's CPU time, taken as it ends */
    char err[512];
};

/* ------------------------------------------------------------ SQL helpers */

/* Records the first failure, naming the database, what was being done and
 * SQLite's reason; later failures are dropped (they follow from the first). */
static void st_fail(q_store *s, const char *what)
{
    if (s->failed) return;
    s->failed = true;
    snprintf(s->err, sizeof s->err, "database %s: %s failed: %s", s->path, what, sqlite3_errmsg(s->db));
}

static void st_exec(q_store *s, const char *sql, const char *what)
{
    if (s->failed) return;
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) st_fail(s, what);
}

/* Runs a bound statement to completion and resets it. */
static void st_step(q_store *s, int which)
{
    sqlite3_stmt *st = s->st[which];
    if (!s->failed && sqlite3_step(st) != SQLITE_DONE) st_fail(s, st_what[which]);
    sqlite3_reset(st); /* every parameter is bound again before the next step */
}

/* SQLITE_STATIC: the event outlives the step (st_step resets the statement
 * before write_event returns). */
static void st_bind_root(sqlite3_stmt *st, int i, const q_root *r)
{
    sqlite3_bind_blob(st, i, r->b, Q_ROOT_BYTES, SQLITE_STATIC);
}

static void st_put_counter(q_store *s, const char *name, uint64_t v)
{
    sqlite3_stmt *st = s->st[ST_COUNTER];
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)v);
    st_step(s, ST_COUNTER);
}

static void st_begin(q_store *s)
{
    if (s->in_txn) return;
    st_exec(s, "BEGIN", "beginning a transaction");
    s->in_txn = true;
    s->txn_rows = 0;
}

/* Commits the open transaction with the restart marker inside it. */
static void st_commit(q_store *s)
{
    if (!s->in_txn) return;
    uint64_t t0 = weft__now_ns();
    st_put_counter(s, Q_STORE_EVENTS_COUNTER, s->taken);
    st_exec(s, "COMMIT", "committing");
    if (!s->failed) s->committed = s->taken;
    q_histo_observe(&q_metrics_g.commit, weft__now_ns() - t0, false); /* metrics.h: the store thread's */
    q_metric_set(&q_metrics_g.store_committed, s->committed);
    s->in_txn = false;
}

/* ------------------------------------------------------------ rows */

/* Writes one event (store thread). */
static void write_event(q_store *s, const q_event *ev)
{
    if (q_event_is_row(ev->type)) {
        if (s->taken++ < s->skip) return; /* committed by an earlier run */
        st_begin(s);
        s->txn_rows++;
    }
    sqlite3_stmt *st;
    switch (ev->type) {
    case Q_EV_CLEARED_BLOCK:
        st = s->st[ST_BLOCK];
        st_bind_root(st, 1, &ev->u.block.root);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->u.block.slot);
        sqlite3_bind_int64(st, 3, ev->u.block.proposer);
        st_bind_root(st, 4, &ev->u.block.parent_root);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)ev->u.block.seq);
        st_step(s, ST_BLOCK);
        break;
    case Q_EV_CLEARED_ATT:
        st = s->st[ST_ATT];
        st_bind_root(st, 1, &ev->u.att.id);
        sqlite3_bind_int64(st, 2, ev->u.att.attester);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->u.att.slot);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)ev->u.att.idx);
        st_bind_root(st, 5, &ev->u.att.block_root);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)ev->u.att.source_epoch);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)ev->u.att.target_epoch);
        st_bind_root(st, 8, &ev->u.att.data_root);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)ev->u.att.seq);
        st_step(s, ST_ATT);
        break;
    case Q_EV_REJECT:
        st = s->st[ST_REJECT];
        st_bind_root(st, 1, &ev->u.reject.id);
        sqlite3_bind_text(st, 2, q_item_kind_word(ev->u.reject.kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, q_verdict_word(ev->u.reject.verdict), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, q_reason_word(ev->u.reject.reason), -1, SQLITE_STATIC);
        st_step(s, ST_REJECT);
        break;
    case Q_EV_SLASHING:
        st = s->st[ST_SLASH];
        sqlite3_bind_text(st, 1, q_slashing_word(ev->u.slashing.kind), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, ev->u.slashing.validator);
        st_bind_root(st, 3, &ev->u.slashing.first);
        st_bind_root(st, 4, &ev->u.slashing.second);
        st_step(s, ST_SLASH);
        break;
    case Q_EV_SLOT:
        st_commit(s);
        break;
    case Q_EV_END:
        st_begin(s);
        for (int c = 0; c < Q_C_COUNT; c++) st_put_counter(s, q_counter_word((q_counter)c), ev->u.counters[c]);
        st_commit(s);
        break;
    }
    if (s->txn_rows >= TXN_MAX_ROWS) st_commit(s);
}

/* ------------------------------------------------------------ the thread */

static void *store_main(void *arg)
{
    q_store *s = arg;
    q_event *local = malloc(QUEUE_CAP * sizeof *local);
    if (!local) {
        q_log(Q_ERROR, "the store thread is out of memory");
        abort();
    }
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (s->len == 0 && !s->closing) pthread_cond_wait(&s->not_empty, &s->mu);
        size_t n = s->len;
        for (size_t i = 0; i < n; i++) local[i] = s->ring[(s->head + i) % QUEUE_CAP];
        s->head = (s->head + n) % QUEUE_CAP;
        s->len = 0;
        bool closing = s->closing;
        pthread_cond_signal(&s->not_full);
        pthread_mutex_unlock(&s->mu);
        for (size_t i = 0; i < n; i++) write_event(s, &local[i]);
        if (closing && n == 0) break;
    }
    st_commit(s);
    free(local);
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    s->cpu_s = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
    return NULL;
}

/* Moves the producer's batch into the ring, waiting for room. */
static void flush_batch(q_store *s)
{
    size_t done = 0;
    pthread_mutex_lock(&s->mu);
    while (done < s->nbatch) {
        while (s->len == QUEUE_CAP) pthread_cond_wait(&s->not_full, &s->mu);
        while (done < s->nbatch && s->len < QUEUE_CAP) {
            s->ring[(s->head + s->len) % QUEUE_CAP] = s->batch[done++];
            s->len++;
        }
        pthread_cond_signal(&s->not_empty);
    }
    pthread_mutex_unlock(&s->mu);
    s->nbatch = 0;
}

static void sink_emit(void *ctx, const q_event *ev)
{
    q_store *s = ctx;
    s->batch[s->nbatch++] = *ev;
    /* A commit point goes out at once, so the store commits on time. */
    if (s->nbatch == BATCH || !q_event_is_row(ev->type)) flush_batch(s);
}

/* ------------------------------------------------------------ open and close */

/* Checks the folder and the file before SQLite sees them, for a clear error. */
static int check_path(const char *path, char *err, size_t errlen)
{
    char *copy = strdup(path);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *dir = dirname(copy);
    struct stat sb;
    int rc = -1;
    if (stat(dir, &sb) < 0)
        snprintf(err, errlen, "database %s: folder %s: %s", path, dir, strerror(errno));
    else if (!S_ISDIR(sb.st_mode))
        snprintf(err, errlen, "database %s: %s is not a folder", path, dir);
    else if (access(dir, W_OK | X_OK) < 0) /* WAL needs the -wal and -shm files beside it */
        snprintf(err, errlen, "database %s: folder %s is not writable: %s", path, dir, strerror(errno));
    else if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(err, errlen, "database %s: is a folder", path);
    else if (stat(path, &sb) == 0 && access(path, R_OK | W_OK) < 0)
        snprintf(err, errlen, "database %s: not writable: %s", path, strerror(errno));
    else
        rc = 0;
    free(copy);
    return rc;
}

/* ------------------------------------------------------------ what the file is */

/* The column list "name:type:pk,..." of table in db, or NULL when it has none
 * (absent). The caller frees it. */
static char *table_columns(sqlite3 *db, const char *table)
{
    sqlite3_stmt *q;
    char *cols = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT group_concat(name || ':' || type || ':' || pk, ',') FROM "
                           "(SELECT * FROM pragma_table_info(?1) ORDER BY cid)",
                           -1, &q, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
        cols = strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return cols;
}

/* Do the tables of db match a schema? Every table it has must be one of the
 * schema's, with the schema's columns; tables of the schema it lacks are
 * created later (an empty file, a store of an older version without the
 * stream table). The schema is compared as SQLite itself reads it: built in
 * a scratch in-memory database from the SQL pre then sql (pre may be NULL:
 * it replaces a table of sql, whose CREATEs say IF NOT EXISTS). Reads only.
 * Returns 0, or -1 with the reason in why (a foreign table, other columns,
 * not a database). */
static int match_tables(sqlite3 *db, const char *pre, const char *sql, char *why, size_t whylen)
{
    sqlite3 *ref = NULL;
    sqlite3_stmt *q = NULL;
    int rc = -1;
    if (sqlite3_open(":memory:", &ref) != SQLITE_OK ||
        (pre && sqlite3_exec(ref, pre, NULL, NULL, NULL) != SQLITE_OK) ||
        sqlite3_exec(ref, sql, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "cannot build the reference schema: %s", ref ? sqlite3_errmsg(ref) : "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                           -1, &q, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "not an SQLite database (%s)", sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
    int step;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        char *have = table_columns(db, name), *want = table_columns(ref, name);
        if (!want) {
            snprintf(why, whylen, "not a quarantine store: it has a table '%s' that the store does not", name);
            rc = -1;
        } else if (!have || strcmp(have, want) != 0) {
            snprintf(why, whylen, "not a quarantine store: its table '%s' has the columns (%s), the store's are (%s)",
                     name, have ? have : "?", want);
            rc = -1;
        }
        free(have);
        free(want);
    }
    if (rc == 0 && step != SQLITE_DONE) {
        snprintf(why, whylen, "not an SQLite database (%s)", sqlite3_errmsg(db));
        rc = -1;
    }
out:
    sqlite3_finalize(q);
    sqlite3_close(ref);
    return rc;
}

/* Is db a quarantine store of this version (or empty)? Its tables must match
 * the schema (match_tables) and its header's user_version be ST_VERSION, or
 * 0 (an empty file; a store killed before its first commit is empty). A
 * version 1 store (user_version 0, its attestations keyed by id) or a store
 * of a version this quarantine does not know is refused naming the version;
 * any other mismatch is a foreign file. Reads only. Returns 0, or -1 with
 * the reason in why. */
static int check_schema(sqlite3 *db, char *why, size_t whylen)
{
    sqlite3_stmt *q;
    sqlite3_int64 v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "not an SQLite database (%s)", sqlite3_errmsg(db));
        return -1;
    }
    if (sqlite3_step(q) == SQLITE_ROW) v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (match_tables(db, NULL, st_schema, why, whylen) == 0 && (v == 0 || v == ST_VERSION)) return 0;
    char why1[400];
    bool v1 = match_tables(db, st_schema_v1_att, st_schema, why1, sizeof why1) == 0;
    if (v == 0 && v1) {
        snprintf(why, whylen,
                 "a quarantine store of schema version 1 (attestations keyed by id), written by an older "
                 "quarantine; this one reads and writes schema version %d (attestations keyed by seq): replay "
                 "the stream into a new store",
                 ST_VERSION);
    } else if (v != 0 && v != ST_VERSION && (v1 || match_tables(db, NULL, st_schema, why1, sizeof why1) == 0)) {
        snprintf(why, whylen,
                 "a quarantine store of schema version %lld (PRAGMA user_version), which this quarantine (schema "
                 "version %d) does not read",
                 (long long)v, ST_VERSION);
    }
    return -1; /* why: the mismatch with this version's schema */
}

/* The file as it is, before anything is changed: absent or empty (a fresh
 * store), or a quarantine store. A read-only connection, so that a foreign
 * file is left exactly as it was (not switched to WAL, given no tables). */
static int inspect_file(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) < 0 || sb.st_size == 0) return 0;
    sqlite3 *db = NULL;
    char why[400];
    int rc = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(why, sizeof why, "%s", db ? sqlite3_errmsg(db) : "cannot open");
        rc = -1;
    } else {
        sqlite3_busy_timeout(db, 5000);
        rc = check_schema(db, why, sizeof why);
    }
    sqlite3_close(db);
    if (rc < 0) snprintf(err, errlen, "database %s: %s; left unchanged", path, why);
    return rc;
}

/* ------------------------------------------------------------ the stream binding */

/* The first 8 bytes of H(bytes) in hex, to tell two heads apart in a message. */
static void short_hash(const uint8_t *bytes, size_t len, char out[17])
{
    q_root h;
    char hex[65];
    q_sha256(&h, bytes, len);
    q_root_hex(&h, hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

/* Decides whether head may go on in the store whose stream head is
 * old[0..oldlen) and which holds `events` committed row events. The same
 * stream when one head is a prefix of the other (a head is the whole stream
 * when it is shorter than Q_HEAD_BYTES: a run cut short, then resumed on the
 * whole stream, or the reverse). A store holding no rows may take any stream:
 * nothing in it can be skipped wrongly. Returns 1 to (re)write the binding
 * with head, 0 to keep it, -1 with the reason in err. */
static int match_head(const char *path, const uint8_t *old, size_t oldlen, bool bound, uint64_t events,
                      const q_head *head, const char *input, char *err, size_t errlen)
{
    if (!bound) {
        if (events == 0) return 1;
        snprintf(err, errlen,
                 "database %s holds %" PRIu64 " row events but records no stream (written by an older quarantine?): "
                 "cannot tell whether %s is the stream it was started on; left unchanged",
                 path, events, input);
        return -1;
    }
    size_t common = oldlen < head->len ? oldlen : head->len;
    size_t at = 0;
    while (at < common && old[at] == head->bytes[at]) at++;
    if (at == common) return head->len > oldlen ? 1 : 0;
    if (events == 0) return 1;
    char h1[17], h2[17];
    short_hash(old, oldlen, h1);
    short_hash(head->bytes, head->len, h2);
    snprintf(err, errlen,
             "database %s was started on another stream than %s: they differ at byte %zu (the store's stream: "
             "%" PRIu32 " validators, SHA-256 of its first %zu bytes %s...; %s: %" PRIu32
             " validators, SHA-256 of its first %zu bytes %s...); a store resumes only the stream it was started "
             "on (it holds %" PRIu64 " row events); left unchanged",
             path, input, at, q_head_validators(old, oldlen), oldlen, h1, input,
             q_head_validators(head->bytes, head->len), head->len, h2, events);
    return -1;
}

/* Reads the binding and the restart marker of an existing store, checks the
 * head against it (nothing written), then makes the file a WAL store with
 * the whole schema and, when needed, the new binding, in one transaction
 * (a store killed before it commits is still empty). */
static int bind_store(q_store *s, const q_head *head, const char *input, char *err, size_t errlen)
{
    char why[400];
    if (check_schema(s->db, why, sizeof why) < 0) { /* again: the file may have changed before the lock */
        snprintf(err, errlen, "database %s: %s; left unchanged", s->path, why);
        return -1;
    }
    uint64_t events = 0;
    uint8_t *old = NULL;
    size_t oldlen = 0;
    bool bound = false;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM counters WHERE name = ?1", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, Q_STORE_EVENTS_COUNTER, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW) events = (uint64_t)sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    if (sqlite3_prepare_v2(s->db, "SELECT head FROM stream", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) {
            bound = true;
            oldlen = (size_t)sqlite3_column_bytes(q, 0);
            old = malloc(oldlen ? oldlen : 1);
            if (old && oldlen) memcpy(old, sqlite3_column_blob(q, 0), oldlen);
        }
        sqlite3_finalize(q);
    }
    if (bound && !old) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int m = match_head(s->path, old, oldlen, bound, events, head, input, err, errlen);
    free(old);
    if (m < 0) return -1;
    s->skip = s->committed = events;
    q_metric_set(&q_metrics_g.store_committed, events); /* before the store thread, its writer after */

    /* WAL: readers (quarantine check, a progress viewer) never block the
     * writer. synchronous=NORMAL: in WAL mode a commit survives the process
     * being killed (the restart-safety contract); only an OS crash may lose
     * the last commits, never consistency. */
    st_exec(s, "PRAGMA journal_mode=WAL", "switching to WAL mode");
    if (!s->failed) {
        char *jm = NULL;
        if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK) {
            if (sqlite3_step(q) == SQLITE_ROW) jm = strdup((const char *)sqlite3_column_text(q, 0));
            sqlite3_finalize(q);
        }
        if (!jm || strcmp(jm, "wal") != 0) {
            s->failed = true;
            snprintf(s->err, sizeof s->err, "database %s: cannot switch to WAL mode (journal_mode is %s)", s->path,
                     jm ? jm : "?");
        }
        free(jm);
    }
    st_exec(s, "PRAGMA synchronous=NORMAL", "setting synchronous=NORMAL");
    st_exec(s, "BEGIN", "beginning a transaction");
    st_exec(s, st_schema, "creating the schema");
    char version[64];
    snprintf(version, sizeof version, "PRAGMA user_version=%d", ST_VERSION);
    st_exec(s, version, "writing the schema version");
    if (m == 1 && !s->failed) {
        st_exec(s, "DELETE FROM stream", "binding the store to its stream");
        if (!s->failed && sqlite3_prepare_v2(s->db, "INSERT INTO stream(validators, head) VALUES(?1, ?2)", -1, &q,
                                             NULL) != SQLITE_OK) {
            st_fail(s, "binding the store to its stream");
        } else if (!s->failed) {
            sqlite3_bind_int64(q, 1, q_head_validators(head->bytes, head->len));
            sqlite3_bind_blob(q, 2, head->bytes, (int)head->len, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_DONE) st_fail(s, "binding the store to its stream");
            sqlite3_finalize(q);
        }
    }
    st_exec(s, "COMMIT", "committing the schema");
    for (int i = 0; i < ST_COUNT && !s->failed; i++)
        if (sqlite3_prepare_v2(s->db, st_sql[i], -1, &s->st[i], NULL) != SQLITE_OK) st_fail(s, "preparing");
    if (s->failed) {
        snprintf(err, errlen, "%s", s->err);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ open and close */

static void free_store(q_store *s)
{
    for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db); /* rolls back a transaction left open by a failure */
    q_lock_release(&s->lock);
    free(s->ring);
    free(s->path);
    free(s);
}

q_store *q_store_open(const char *path, const char *holder, char *err, size_t errlen)
{
    if (check_path(path, err, errlen) < 0 || inspect_file(path, err, errlen) < 0) return NULL;
    q_store *s = calloc(1, sizeof *s);
    if (!s || !(s->ring = malloc(QUEUE_CAP * sizeof *s->ring)) || !(s->path = strdup(path))) {
        if (s) free(s->ring);
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->lock.fd = -1;
    if (q_lock_take(&s->lock, path, holder, err, errlen) < 0) goto fail;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "database %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    return s;
fail:
    free_store(s);
    return NULL;
}

void q_store_discard(q_store *s) { free_store(s); }

int q_store_start(q_store *s, const q_head *head, const char *input, char *err, size_t errlen)
{
    if (bind_store(s, head, input, err, errlen) < 0) goto fail;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->not_empty, NULL);
    pthread_cond_init(&s->not_full, NULL);
    if (pthread_create(&s->thread, NULL, store_main, s) != 0) {
        snprintf(err, errlen, "cannot start the store thread");
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->not_empty);
        pthread_cond_destroy(&s->not_full);
        goto fail;
    }
    return 0;
fail:
    /* Refused: leave even a WAL left by a killed run as it is (no checkpoint
     * into the database file on close). */
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
    free_store(s);
    return -1;
}

q_sink q_store_sink(q_store *s) { return (q_sink){.emit = sink_emit, .ctx = s}; }

uint64_t q_store_resumed(const q_store *s) { return s->skip; }

int q_store_close(q_store *s, q_store_end *end, char *err, size_t errlen)
{
    if (s->nbatch) flush_batch(s);
    pthread_mutex_lock(&s->mu);
    s->closing = true;
    pthread_cond_signal(&s->not_empty);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    int rc = 0;
    if (s->failed) {
        snprintf(err, errlen, "%s", s->err);
        rc = -1;
    }
    if (end) *end = (q_store_end){.resumed = s->skip, .taken = s->taken, .committed = s->committed,
                                  .failed = s->failed, .cpu_s = s->cpu_s};
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->not_empty);
    pthread_cond_destroy(&s->not_full);
    free_store(s);
    return rc;
}
