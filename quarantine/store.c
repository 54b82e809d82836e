/* quarantine/store.c: see store.h. The queue between the engine thread and
 * the store thread is a bounded ring under a pthread mutex with two condition
 * variables: this is not a hot path (one lock per batch of events), and the
 * producer must block, never drop, when the database falls behind. */
#include "quarantine/store.h"

#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define QUEUE_CAP 8192u    /* events between the engine and the store thread */
#define BATCH 256u         /* events the producer gathers before taking the lock */
#define TXN_MAX_ROWS 65536 /* commit also after this many rows in one slot */

static const char *const st_schema =
    "CREATE TABLE IF NOT EXISTS blocks(root BLOB PRIMARY KEY, slot INTEGER, proposer INTEGER, "
    "parent_root BLOB, seq INTEGER UNIQUE);"
    "CREATE TABLE IF NOT EXISTS attestations(id BLOB PRIMARY KEY, attester INTEGER, slot INTEGER, "
    "idx INTEGER, block_root BLOB, source_epoch INTEGER, target_epoch INTEGER, data_root BLOB, "
    "seq INTEGER UNIQUE);"
    "CREATE TABLE IF NOT EXISTS rejects(id BLOB, kind TEXT CHECK(kind IN ('block','attestation')), "
    "verdict TEXT, reason TEXT);"
    "CREATE TABLE IF NOT EXISTS slashings(kind TEXT, validator INTEGER, first BLOB, second BLOB);"
    "CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER);";

enum { ST_BLOCK, ST_ATT, ST_REJECT, ST_SLASH, ST_COUNTER, ST_COUNT };

static const char *const st_sql[ST_COUNT] = {
    "INSERT OR IGNORE INTO blocks(root, slot, proposer, parent_root, seq) VALUES(?1, ?2, ?3, ?4, ?5)",
    "INSERT OR IGNORE INTO attestations(id, attester, slot, idx, block_root, source_epoch, target_epoch, "
    "data_root, seq) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    "INSERT INTO rejects(id, kind, verdict, reason) VALUES(?1, ?2, ?3, ?4)",
    "INSERT INTO slashings(kind, validator, first, second) VALUES(?1, ?2, ?3, ?4)",
    "INSERT OR REPLACE INTO counters(name, value) VALUES(?1, ?2)",
};

struct q_store {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];

    /* the queue: ring of QUEUE_CAP events; `closing` ends the thread */
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    q_event *ring;
    size_t head, len;
    bool closing;
    pthread_t thread;

    /* producer side (engine thread only) */
    q_event batch[BATCH];
    size_t nbatch;

    /* store thread only */
    uint64_t skip;     /* row events already committed when opened */
    uint64_t taken;    /* row events taken so far (skipped included) */
    bool in_txn;
    size_t txn_rows;
    bool failed;
    char err[256];
};

/* ------------------------------------------------------------ SQL helpers */

/* Records the first failure (with SQLite's message); later ones are dropped. */
static void st_fail(q_store *s, const char *what)
{
    if (s->failed) return;
    s->failed = true;
    snprintf(s->err, sizeof s->err, "store: %s: %s", what, sqlite3_errmsg(s->db));
}

static void st_exec(q_store *s, const char *sql)
{
    if (s->failed) return;
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        s->failed = true;
        snprintf(s->err, sizeof s->err, "store: %s: %s", sql, msg ? msg : "?");
    }
    sqlite3_free(msg);
}

/* Runs a bound statement to completion and resets it. */
static void st_step(q_store *s, int which)
{
    sqlite3_stmt *st = s->st[which];
    if (!s->failed && sqlite3_step(st) != SQLITE_DONE) st_fail(s, st_sql[which]);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void st_bind_root(sqlite3_stmt *st, int i, const q_root *r)
{
    sqlite3_bind_blob(st, i, r->b, Q_ROOT_BYTES, SQLITE_TRANSIENT);
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
    st_exec(s, "BEGIN");
    s->in_txn = true;
    s->txn_rows = 0;
}

/* Commits the open transaction with the restart marker inside it. */
static void st_commit(q_store *s)
{
    if (!s->in_txn) return;
    st_put_counter(s, Q_STORE_EVENTS_COUNTER, s->taken);
    st_exec(s, "COMMIT");
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
        fprintf(stderr, "quarantine store: out of memory\n");
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

static void close_db(q_store *s)
{
    for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
}

q_store *q_store_open(const char *path, char *err, size_t errlen)
{
    if (check_path(path, err, errlen) < 0) return NULL;
    q_store *s = calloc(1, sizeof *s);
    if (!s || !(s->ring = malloc(QUEUE_CAP * sizeof *s->ring))) {
        if (s) free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "database %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
        goto st_fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* WAL: readers (quarantine check, a progress viewer) never block the
     * writer. synchronous=NORMAL: in WAL mode a commit survives the process
     * being killed (the restart-safety contract); only an OS crash may lose
     * the last commits, never consistency. */
    st_exec(s, "PRAGMA journal_mode=WAL");
    st_exec(s, "PRAGMA synchronous=NORMAL");
    st_exec(s, st_schema);
    for (int i = 0; i < ST_COUNT && !s->failed; i++)
        if (sqlite3_prepare_v2(s->db, st_sql[i], -1, &s->st[i], NULL) != SQLITE_OK) st_fail(s, "st_schema differs");
    if (!s->failed) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(s->db, "SELECT value FROM counters WHERE name = ?1", -1, &q, NULL) != SQLITE_OK) {
            st_fail(s, "reading the restart marker");
        } else {
            sqlite3_bind_text(q, 1, Q_STORE_EVENTS_COUNTER, -1, SQLITE_STATIC);
            if (sqlite3_step(q) == SQLITE_ROW) s->skip = (uint64_t)sqlite3_column_int64(q, 0);
            sqlite3_finalize(q);
        }
    }
    if (!s->failed) {
        char *jm = NULL;
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK) {
            if (sqlite3_step(q) == SQLITE_ROW) jm = strdup((const char *)sqlite3_column_text(q, 0));
            sqlite3_finalize(q);
        }
        if (!jm || strcmp(jm, "wal") != 0) {
            s->failed = true;
            snprintf(s->err, sizeof s->err, "store: cannot switch to WAL mode (journal_mode is %s)", jm ? jm : "?");
        }
        free(jm);
    }
    if (s->failed) {
        snprintf(err, errlen, "database %s: %s", path, s->err);
        goto st_fail;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->not_empty, NULL);
    pthread_cond_init(&s->not_full, NULL);
    if (pthread_create(&s->thread, NULL, store_main, s) != 0) {
        snprintf(err, errlen, "cannot start the store thread");
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->not_empty);
        pthread_cond_destroy(&s->not_full);
        goto st_fail;
    }
    return s;
st_fail:
    close_db(s);
    free(s->ring);
    free(s);
    return NULL;
}

q_sink q_store_sink(q_store *s) { return (q_sink){.emit = sink_emit, .ctx = s}; }

uint64_t q_store_resumed(const q_store *s) { return s->skip; }

int q_store_close(q_store *s, char *err, size_t errlen)
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
    close_db(s);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->not_empty);
    pthread_cond_destroy(&s->not_full);
    free(s->ring);
    free(s);
    return rc;
}
