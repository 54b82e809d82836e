/* quarantine/check.c: `quarantine check --db FILE --expected FILE`, compares a
 * store (spec section 6) with FILE.expected (quarantine/expected.h) and checks
 * the invariants of spec section 7. Prints every difference, one per line,
 * then a closing line; exit 0 only when everything agrees.
 *
 * Comparisons: cleared items (kind, id, seq) both ways; rejects as a multiset
 * of (kind, id, verdict, reason) grouped by item; slashings as a multiset;
 * every counter named in the expected file.
 * With --order any (a store of several TCP connections, whose arrival order
 * is not the file's: spec section 7 lets the first of two conflicting items
 * differ) only what no arrival order can change is compared: the counter
 * `received` (every item of the stream is accounted for) and the slashings
 * per (kind, validator) as a multiset (each offence reported once, whichever
 * copy came first); then the invariants, all of them.
 * Invariants: no stored item has a rejects row that rules out clearing
 * (REJECT for any reason but bad_signature, which is one forged copy only,
 * SLASHABLE, or HELD_AT_END); every stored block's parent is genesis or a
 * stored block with a smaller seq; every stored attestation's block is
 * genesis or a stored block with a smaller seq; seq is unique across both
 * tables; received = cleared + rejected + ignored + slashable + evicted +
 * expired + unviable + held_at_end; and each of those counters equals the
 * rows that carry it (cleared = blocks + attestations, the others = rejects
 * rows with that verdict).
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarantine/chain.h"
#include "quarantine/cmd.h"
#include "quarantine/expected.h"
#include "quarantine/hashmap.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: quarantine check --db FILE --expected FILE [--order file|any]\n\n"
               "Compares a quarantine store with the expected verdicts that `quarantine gen`\n"
               "wrote beside a stream, and checks the invariants of spec section 7. Prints\n"
               "every difference: cleared items missing, extra or with another seq; rejects\n"
               "with another verdict or reason; slashings missing or extra; counters; and\n"
               "every invariant broken (a stored item with a disqualifying reject, a stored\n"
               "block whose parent is not stored before it, a stored attestation whose block\n"
               "is not stored before it, duplicate seq, counters that do not add up).\n\n"
               "  --db FILE         the SQLite store (opened read-only)\n"
               "  --expected FILE   the FILE.expected of the stream\n"
               "  --order any       the store's arrival order is not the file's (several TCP\n"
               "                    connections): compare only the counter received and the\n"
               "                    slashings per kind and validator, then the invariants\n"
               "                    (default: file, compare everything)\n\n"
               "exit status: 0 everything agrees; 1 differences or broken invariants, or a file\n"
               "cannot be read; 2 usage.\n");
}

/* Keys: [kind][id] for items, [kind][id][verdict][reason] for reject words,
 * [kind][validator LE32][first][second] for slashings. */
#define ITEM_KEY (1 + Q_ROOT_BYTES)
#define REJ_KEY (ITEM_KEY + 2)
#define SLASH_KEY (1 + 4 + 2 * Q_ROOT_BYTES)

typedef struct pair {
    uint64_t exp, st; /* count (or seq + 1 for cleared items; 0 = absent) */
} pair;

typedef struct checker {
    q_map cleared;   /* ITEM_KEY -> pair (seq + 1) */
    q_map rejects;   /* REJ_KEY -> pair (counts) */
    q_map slashings; /* SLASH_KEY -> pair (counts) */
    uint64_t exp_counter[Q_C_COUNT], st_counter[Q_C_COUNT];
    bool has_exp_counter[Q_C_COUNT], has_st_counter[Q_C_COUNT];
    uint64_t diffs, broken;
} checker;

static void item_key(uint8_t *k, q_item_kind kind, const q_root *id)
{
    k[0] = (uint8_t)kind;
    memcpy(k + 1, id->b, Q_ROOT_BYTES);
}

static pair *slot_of(q_map *m, const uint8_t *key)
{
    pair *p = q_map_get(m, key);
    return p ? p : q_map_put(m, key, NULL);
}

static void slash_key(uint8_t *k, q_slashing_kind kind, uint32_t validator, const q_root *first, const q_root *second)
{
    k[0] = (uint8_t)kind;
    q_put_le32(k + 1, validator);
    memcpy(k + 5, first->b, Q_ROOT_BYTES);
    memcpy(k + 5 + Q_ROOT_BYTES, second->b, Q_ROOT_BYTES);
}

/* ------------------------------------------------------------ reading */

static int read_expected(checker *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "quarantine check: %s: %m\n", path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    uint64_t lineno = 0;
    int rc = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        q_exp_record r;
        char err[200];
        if (q_exp_parse(line, &r, err, sizeof err) < 0) {
            fprintf(stderr, "quarantine check: %s line %" PRIu64 ": %s\n", path, lineno, err);
            rc = -1;
            break;
        }
        uint8_t k[SLASH_KEY];
        switch (r.type) {
        case Q_EXP_CLEARED:
            item_key(k, r.kind, &r.id);
            slot_of(&c->cleared, k)->exp = r.seq + 1;
            break;
        case Q_EXP_REJECT:
            item_key(k, r.kind, &r.id);
            k[ITEM_KEY] = (uint8_t)r.verdict;
            k[ITEM_KEY + 1] = (uint8_t)r.reason;
            slot_of(&c->rejects, k)->exp++;
            break;
        case Q_EXP_SLASHING:
            slash_key(k, r.slashing, r.validator, &r.first, &r.second);
            slot_of(&c->slashings, k)->exp++;
            break;
        case Q_EXP_COUNTER:
            c->exp_counter[r.counter] = r.value;
            c->has_exp_counter[r.counter] = true;
            break;
        case Q_EXP_NONE:
            break;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "quarantine check: %s: read error\n", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

/* Copies a 32-byte blob column into r; false when it is not 32 bytes. */
static bool col_root(sqlite3_stmt *st, int col, q_root *r)
{
    if (sqlite3_column_bytes(st, col) != (int)Q_ROOT_BYTES) return false;
    const void *b = sqlite3_column_blob(st, col);
    if (!b) return false;
    memcpy(r->b, b, Q_ROOT_BYTES);
    return true;
}

typedef struct stored_item {
    q_item_kind kind;
    q_root id, parent; /* parent: block's parent root or attestation's block root */
    uint64_t seq;
} stored_item;

typedef struct store_data {
    stored_item *items;
    size_t n, cap;
    q_map block_seq;  /* root -> uint64 seq, stored blocks */
    q_map bad_ids;    /* ITEM_KEY -> (set) ids with a disqualifying rejects row */
    uint64_t rows_by_verdict[Q_V_COUNT];
} store_data;

static void add_item(store_data *d, const stored_item *it)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 1024;
        d->items = realloc(d->items, d->cap * sizeof *d->items);
        if (!d->items) {
            fprintf(stderr, "quarantine check: out of memory\n");
            exit(1);
        }
    }
    d->items[d->n++] = *it;
}

/* Prepares sql on db, or prints why not and returns NULL. */
static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "quarantine check: %s: %s\n", sql, sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

static int read_store(checker *c, store_data *d, const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "quarantine check: database %s: %s\n", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 5000);
    int rc = -1;
    sqlite3_stmt *st = NULL;
    uint8_t k[SLASH_KEY];

    if (!(st = prep(db, "SELECT root, parent_root, seq FROM blocks"))) goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        stored_item it = {.kind = Q_ITEM_BLOCK, .seq = (uint64_t)sqlite3_column_int64(st, 2)};
        if (!col_root(st, 0, &it.id) || !col_root(st, 1, &it.parent)) {
            printf("invariant: a blocks row whose root or parent_root is not 32 bytes\n");
            c->broken++;
            continue;
        }
        add_item(d, &it);
        q_map_put(&d->block_seq, &it.id, &it.seq);
        item_key(k, it.kind, &it.id);
        slot_of(&c->cleared, k)->st = it.seq + 1;
    }
    sqlite3_finalize(st);

    if (!(st = prep(db, "SELECT id, block_root, seq FROM attestations"))) goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        stored_item it = {.kind = Q_ITEM_ATTESTATION, .seq = (uint64_t)sqlite3_column_int64(st, 2)};
        if (!col_root(st, 0, &it.id) || !col_root(st, 1, &it.parent)) {
            printf("invariant: an attestations row whose id or block_root is not 32 bytes\n");
            c->broken++;
            continue;
        }
        add_item(d, &it);
        item_key(k, it.kind, &it.id);
        slot_of(&c->cleared, k)->st = it.seq + 1;
    }
    sqlite3_finalize(st);

    if (!(st = prep(db, "SELECT id, kind, verdict, reason FROM rejects"))) goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        q_root id;
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        const char *vw = (const char *)sqlite3_column_text(st, 2);
        const char *rw = (const char *)sqlite3_column_text(st, 3);
        int v = vw ? q_verdict_parse(vw) : -1, r = rw ? q_reason_parse(rw) : -1;
        q_item_kind ik = kind && strcmp(kind, "block") == 0 ? Q_ITEM_BLOCK : Q_ITEM_ATTESTATION;
        if (!col_root(st, 0, &id) || v < 0 || v == Q_V_CLEARED || v == Q_V_HELD || r < 0) {
            printf("invariant: a rejects row that is not a 32-byte id with a final verdict and reason word "
                   "(verdict '%s', reason '%s')\n",
                   vw ? vw : "NULL", rw ? rw : "NULL");
            c->broken++;
            continue;
        }
        d->rows_by_verdict[v]++;
        item_key(k, ik, &id);
        if ((v == Q_V_REJECT && r != Q_R_BAD_SIGNATURE) || v == Q_V_SLASHABLE || v == Q_V_HELD_AT_END)
            q_map_put(&d->bad_ids, k, NULL);
        k[ITEM_KEY] = (uint8_t)v;
        k[ITEM_KEY + 1] = (uint8_t)r;
        slot_of(&c->rejects, k)->st++;
    }
    sqlite3_finalize(st);

    if (!(st = prep(db, "SELECT kind, validator, first, second FROM slashings"))) goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *kw = (const char *)sqlite3_column_text(st, 0);
        int kind = kw ? q_slashing_parse(kw) : -1;
        q_root first, second;
        if (kind < 0 || !col_root(st, 2, &first) || !col_root(st, 3, &second)) {
            printf("invariant: a slashings row with kind '%s' or a root that is not 32 bytes\n", kw ? kw : "NULL");
            c->broken++;
            continue;
        }
        slash_key(k, (q_slashing_kind)kind, (uint32_t)sqlite3_column_int64(st, 1), &first, &second);
        slot_of(&c->slashings, k)->st++;
    }
    sqlite3_finalize(st);

    if (!(st = prep(db, "SELECT name, value FROM counters"))) goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int ci = name ? q_counter_parse(name) : -1;
        if (ci < 0) continue; /* extra counters are allowed (store_events) */
        c->st_counter[ci] = (uint64_t)sqlite3_column_int64(st, 1);
        c->has_st_counter[ci] = true;
    }
    sqlite3_finalize(st);
    rc = 0;
out:
    sqlite3_close(db);
    return rc;
}

/* ------------------------------------------------------------ comparing */

static const char *kind_word(uint8_t k) { return q_item_kind_word((q_item_kind)k); }

static void compare_cleared(checker *c)
{
    q_map *m = &c->cleared;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->used[i]) continue;
        const uint8_t *k = m->keys + i * m->ksz;
        const pair *p = (const pair *)(m->vals + i * m->vsz);
        if (p->exp == p->st) continue;
        char hex[65];
        q_root id;
        memcpy(id.b, k + 1, Q_ROOT_BYTES);
        q_root_hex(&id, hex);
        c->diffs++;
        if (!p->st)
            printf("missing: cleared %s %s seq %" PRIu64 " is not in the store\n", kind_word(k[0]), hex, p->exp - 1);
        else if (!p->exp)
            printf("extra: %s %s is stored (seq %" PRIu64 ") but not expected to clear\n", kind_word(k[0]), hex,
                   p->st - 1);
        else
            printf("seq: %s %s is stored with seq %" PRIu64 ", expected %" PRIu64 "\n", kind_word(k[0]), hex,
                   p->st - 1, p->exp - 1);
    }
}

typedef struct rdiff {
    uint8_t key[REJ_KEY];
    pair p;
} rdiff;

static int rdiff_cmp(const void *a, const void *b) { return memcmp(a, b, REJ_KEY); }

/* Rejects that differ, grouped by item: one line per item listing each
 * (verdict, reason) whose count differs. */
static void compare_rejects(checker *c)
{
    q_map *m = &c->rejects;
    rdiff *v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->used[i]) continue;
        const pair *p = (const pair *)(m->vals + i * m->vsz);
        if (p->exp == p->st) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            v = realloc(v, cap * sizeof *v);
            if (!v) {
                fprintf(stderr, "quarantine check: out of memory\n");
                exit(1);
            }
        }
        memcpy(v[n].key, m->keys + i * m->ksz, REJ_KEY);
        v[n].p = *p;
        n++;
    }
    if (n) qsort(v, n, sizeof *v, rdiff_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        q_root id;
        memcpy(id.b, v[i].key + 1, Q_ROOT_BYTES);
        char hex[65];
        q_root_hex(&id, hex);
        printf("verdict: %s %s:", kind_word(v[i].key[0]), hex);
        for (; j < n && memcmp(v[j].key, v[i].key, ITEM_KEY) == 0; j++) {
            printf(" %s %s expected %" PRIu64 " stored %" PRIu64 ";", q_verdict_word((q_verdict)v[j].key[ITEM_KEY]),
                   q_reason_word((q_reason)v[j].key[ITEM_KEY + 1]), v[j].p.exp, v[j].p.st);
        }
        printf("\n");
        c->diffs++;
        i = j;
    }
    free(v);
}

static void compare_slashings(checker *c)
{
    q_map *m = &c->slashings;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->used[i]) continue;
        const uint8_t *k = m->keys + i * m->ksz;
        const pair *p = (const pair *)(m->vals + i * m->vsz);
        if (p->exp == p->st) continue;
        q_root first, second;
        memcpy(first.b, k + 5, Q_ROOT_BYTES);
        memcpy(second.b, k + 5 + Q_ROOT_BYTES, Q_ROOT_BYTES);
        char h1[65], h2[65];
        printf("slashing: %s validator %" PRIu32 " first %s second %s: expected %" PRIu64 ", stored %" PRIu64 "\n",
               q_slashing_word((q_slashing_kind)k[0]), q_get_le32(k + 1), q_root_hex(&first, h1),
               q_root_hex(&second, h2), p->exp, p->st);
        c->diffs++;
    }
}

static void compare_counters(checker *c)
{
    for (int i = 0; i < Q_C_COUNT; i++) {
        if (!c->has_exp_counter[i]) continue;
        if (!c->has_st_counter[i]) {
            printf("counter: %s is missing from the store (expected %" PRIu64 ")\n", q_counter_word((q_counter)i),
                   c->exp_counter[i]);
            c->diffs++;
        } else if (c->st_counter[i] != c->exp_counter[i]) {
            printf("counter: %s is %" PRIu64 ", expected %" PRIu64 "\n", q_counter_word((q_counter)i),
                   c->st_counter[i], c->exp_counter[i]);
            c->diffs++;
        }
    }
}

/* --order any: the slashings per (kind, validator), as multisets. */
static void compare_offenders(checker *c)
{
    q_map per;
    q_map_init(&per, 5, sizeof(pair));
    const q_map *m = &c->slashings;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->used[i]) continue;
        const uint8_t *k = m->keys + i * m->ksz;
        const pair *p = (const pair *)(m->vals + i * m->vsz);
        pair *q = q_map_get(&per, k);
        if (!q) q = q_map_put(&per, k, &(pair){0, 0});
        q->exp += p->exp;
        q->st += p->st;
    }
    for (size_t i = 0; i < per.cap; i++) {
        if (!per.used[i]) continue;
        const uint8_t *k = per.keys + i * per.ksz;
        const pair *p = (const pair *)(per.vals + i * per.vsz);
        if (p->exp == p->st) continue;
        printf("slashing: %s validator %" PRIu32 ": expected %" PRIu64 " reports, stored %" PRIu64 "\n",
               q_slashing_word((q_slashing_kind)k[0]), q_get_le32(k + 1), p->exp, p->st);
        c->diffs++;
    }
    q_map_destroy(&per);
}

/* ------------------------------------------------------------ invariants */

static void check_invariants(checker *c, store_data *d)
{
    q_map seqs;
    q_map_init(&seqs, sizeof(uint64_t), 0);
    const q_root *genesis = q_genesis_root();
    uint64_t nblocks = 0, natts = 0;
    for (size_t i = 0; i < d->n; i++) {
        const stored_item *it = &d->items[i];
        char hex[65], phex[65];
        q_root_hex(&it->id, hex);
        if (it->kind == Q_ITEM_BLOCK) nblocks++;
        else natts++;
        uint8_t k[ITEM_KEY];
        item_key(k, it->kind, &it->id);
        if (q_map_get(&d->bad_ids, k)) {
            printf("invariant: stored %s %s also has a rejects row that rules out clearing\n",
                   kind_word((uint8_t)it->kind), hex);
            c->broken++;
        }
        if (q_map_get(&seqs, &it->seq)) {
            printf("invariant: seq %" PRIu64 " is used twice (again by %s %s)\n", it->seq,
                   kind_word((uint8_t)it->kind), hex);
            c->broken++;
        }
        q_map_put(&seqs, &it->seq, NULL);
        if (q_root_eq(&it->parent, genesis)) continue;
        const uint64_t *ps = q_map_get(&d->block_seq, &it->parent);
        const char *what = it->kind == Q_ITEM_BLOCK ? "parent" : "block";
        if (!ps) {
            printf("invariant: stored %s %s: its %s %s is neither genesis nor stored\n", kind_word((uint8_t)it->kind),
                   hex, what, q_root_hex(&it->parent, phex));
            c->broken++;
        } else if (*ps >= it->seq) {
            printf("invariant: stored %s %s (seq %" PRIu64 "): its %s %s has seq %" PRIu64 ", not smaller\n",
                   kind_word((uint8_t)it->kind), hex, it->seq, what, q_root_hex(&it->parent, phex), *ps);
            c->broken++;
        }
    }
    q_map_destroy(&seqs);

    const uint64_t *sc = c->st_counter;
    bool all = true;
    for (int i = Q_C_RECEIVED; i <= Q_C_HELD_AT_END; i++) all = all && c->has_st_counter[i];
    if (!all) {
        printf("invariant: the store lacks some of the counters received..held_at_end (was the run finished?)\n");
        c->broken++;
        return;
    }
    uint64_t sum = 0;
    for (int i = Q_C_CLEARED; i <= Q_C_HELD_AT_END; i++) sum += sc[i];
    if (sc[Q_C_RECEIVED] != sum) {
        printf("invariant: received %" PRIu64 " != cleared + rejected + ignored + slashable + evicted + expired + "
               "unviable + held_at_end = %" PRIu64 "\n",
               sc[Q_C_RECEIVED], sum);
        c->broken++;
    }
    if (sc[Q_C_CLEARED] != nblocks + natts) {
        printf("invariant: counter cleared is %" PRIu64 " but the store holds %" PRIu64 " blocks + %" PRIu64
               " attestations\n",
               sc[Q_C_CLEARED], nblocks, natts);
        c->broken++;
    }
    for (int v = Q_V_REJECT; v <= Q_V_HELD_AT_END; v++) {
        int ci = q_verdict_counter((q_verdict)v);
        if (sc[ci] != d->rows_by_verdict[v]) {
            printf("invariant: counter %s is %" PRIu64 " but rejects holds %" PRIu64 " rows with verdict %s\n",
                   q_counter_word((q_counter)ci), sc[ci], d->rows_by_verdict[v], q_verdict_word((q_verdict)v));
            c->broken++;
        }
    }
}

/* ------------------------------------------------------------ the command */

int q_cmd_check(int argc, char **argv)
{
    const char *dbpath = NULL, *exppath = NULL, *order = "file";
    q_flag flags[] = {
        {.name = "db", .str = &dbpath, .required = true},
        {.name = "expected", .str = &exppath, .required = true},
        {.name = "order", .str = &order},
    };
    int begin = q_cmd_begin("check", argc, argv, flags, 3, usage);
    if (begin >= 0) return begin;
    bool any = strcmp(order, "any") == 0;
    if (!any && strcmp(order, "file") != 0) {
        fprintf(stderr, "quarantine check: --order wants file or any, got '%s'\n\n", order);
        usage(stderr);
        return 2;
    }
    checker c;
    memset(&c, 0, sizeof c);
    q_map_init(&c.cleared, ITEM_KEY, sizeof(pair));
    q_map_init(&c.rejects, REJ_KEY, sizeof(pair));
    q_map_init(&c.slashings, SLASH_KEY, sizeof(pair));
    store_data d;
    memset(&d, 0, sizeof d);
    q_map_init(&d.block_seq, Q_ROOT_BYTES, sizeof(uint64_t));
    q_map_init(&d.bad_ids, ITEM_KEY, 0);
    int rc = 1;
    if (read_expected(&c, exppath) == 0 && read_store(&c, &d, dbpath) == 0) {
        if (any) {
            for (int i = 0; i < Q_C_COUNT; i++) c.has_exp_counter[i] &= i == Q_C_RECEIVED;
            compare_offenders(&c);
        } else {
            compare_cleared(&c);
            compare_rejects(&c);
            compare_slashings(&c);
        }
        compare_counters(&c);
        check_invariants(&c, &d);
        uint64_t blocks = 0, rows = 0;
        for (size_t i = 0; i < d.n; i++) blocks += d.items[i].kind == Q_ITEM_BLOCK;
        for (int v = 0; v < Q_V_COUNT; v++) rows += d.rows_by_verdict[v];
        if (c.diffs == 0 && c.broken == 0) {
            printf("check: the store agrees with %s%s (%" PRIu64 " blocks, %" PRIu64 " attestations cleared, %" PRIu64
                   " rejects rows, %zu distinct slashings) and the invariants hold\n",
                   exppath, any ? " in what no arrival order changes" : "", blocks, (uint64_t)d.n - blocks, rows,
                   q_map_len(&c.slashings));
            rc = 0;
        } else {
            printf("check: %" PRIu64 " differences from %s, %" PRIu64 " broken invariants\n", c.diffs, exppath,
                   c.broken);
        }
    }
    q_map_destroy(&c.cleared);
    q_map_destroy(&c.rejects);
    q_map_destroy(&c.slashings);
    q_map_destroy(&d.block_seq);
    q_map_destroy(&d.bad_ids);
    free(d.items);
    return rc;
}
