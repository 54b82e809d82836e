/* quarantine/gen_crosscheck.c: the cross-check of `quarantine gen` (gen.h):
 * the serial verdict engine's view of the written stream, its events written
 * as FILE.expected records (expected.h), and the comparison of its outcomes
 * with the intents of the design, item copy by item copy (multisets of
 * kind/id/verdict/reason), slashing by slashing and counter by counter.
 */
#include "quarantine/gen.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "quarantine/chain.h"
#include "quarantine/event.h"
#include "quarantine/expected.h"
#include "quarantine/replay.h"

/* ------------------------------------------------------------ the engine's view */

/* Keeps one outcome the engine reported, for the comparison. */
static void view_add(q_gen_view *k, q_item_kind kind, const q_root *id, q_verdict v, q_reason r)
{
    q_gen_outcome_add(&k->rows, &k->caprows, &k->nrows, kind, id, v, r);
}

/* q_sink.emit: one engine event. */
static void view_emit(void *ctx, const q_event *ev)
{
    q_gen_view *k = ctx;
    q_exp_record rec = {.type = Q_EXP_NONE};
    switch (ev->type) {
    case Q_EV_CLEARED_BLOCK:
        rec = (q_exp_record){.type = Q_EXP_CLEARED, .kind = Q_ITEM_BLOCK, .id = ev->u.block.root, .seq = ev->u.block.seq};
        view_add(k, Q_ITEM_BLOCK, &rec.id, Q_V_CLEARED, Q_R_NONE);
        break;
    case Q_EV_CLEARED_ATT:
        rec = (q_exp_record){.type = Q_EXP_CLEARED, .kind = Q_ITEM_ATTESTATION, .id = ev->u.att.id, .seq = ev->u.att.seq};
        view_add(k, Q_ITEM_ATTESTATION, &rec.id, Q_V_CLEARED, Q_R_NONE);
        break;
    case Q_EV_REJECT:
        rec = (q_exp_record){.type = Q_EXP_REJECT, .kind = ev->u.reject.kind, .id = ev->u.reject.id,
                             .verdict = ev->u.reject.verdict, .reason = ev->u.reject.reason};
        view_add(k, rec.kind, &rec.id, rec.verdict, rec.reason);
        break;
    case Q_EV_SLASHING: {
        rec = (q_exp_record){.type = Q_EXP_SLASHING, .slashing = ev->u.slashing.kind,
                             .validator = ev->u.slashing.validator, .first = ev->u.slashing.first,
                             .second = ev->u.slashing.second};
        q_gen_grow((void **)&k->sl, &k->capsl, k->nsl + 1, sizeof *k->sl);
        q_gen_slash *s = &k->sl[k->nsl++];
        memset(s, 0, sizeof *s);
        s->kind = (uint8_t)rec.slashing;
        s->validator = rec.validator;
        s->first = rec.first;
        s->second = rec.second;
        break;
    }
    case Q_EV_END:
        memcpy(k->counters, ev->u.counters, sizeof k->counters);
        k->ended = true;
        for (int c = 0; c < Q_C_COUNT; c++) {
            q_exp_record cr = {.type = Q_EXP_COUNTER, .counter = (q_counter)c, .value = k->counters[c]};
            if (q_exp_write(k->exp, &cr) < 0) k->write_failed = true;
        }
        return;
    default:
        return;
    }
    if (q_exp_write(k->exp, &rec) < 0) k->write_failed = true;
}

int q_gen_view_run(q_gen_view *k, const char *path, char *err, size_t errlen)
{
    q_sink sink = {.emit = view_emit, .ctx = k};
    return q_replay_file(path, &sink, NULL, err, errlen);
}

void q_gen_view_free(q_gen_view *k)
{
    free(k->rows);
    free(k->sl);
    k->rows = NULL;
    k->sl = NULL;
}

/* ------------------------------------------------------------ comparison */

static int outcome_cmp(const void *pa, const void *pb)
{
    const q_gen_outcome *a = pa, *b = pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    int c = memcmp(a->id.b, b->id.b, Q_ROOT_BYTES);
    if (c) return c;
    if (a->verdict != b->verdict) return a->verdict < b->verdict ? -1 : 1;
    if (a->reason != b->reason) return a->reason < b->reason ? -1 : 1;
    return 0;
}

static int slash_cmp(const void *pa, const void *pb)
{
    const q_gen_slash *a = pa, *b = pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    if (a->validator != b->validator) return a->validator < b->validator ? -1 : 1;
    int c = memcmp(a->first.b, b->first.b, Q_ROOT_BYTES);
    return c ? c : memcmp(a->second.b, b->second.b, Q_ROOT_BYTES);
}

/* Orders by item (kind, id) only. */
static int item_cmp(const q_gen_outcome *a, const q_gen_outcome *b)
{
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return memcmp(a->id.b, b->id.b, Q_ROOT_BYTES);
}

/* Same item (kind and id)? */
static bool same_item(const q_gen_outcome *a, const q_gen_outcome *b)
{
    return a->kind == b->kind && q_root_eq(&a->id, &b->id);
}

#define GEN_MAX_REPORTED 40

/* Compares the intents with the engine's outcomes (both sorted), item by
 * item. Prints each item on which they differ. Returns the count of such. */
static size_t compare_items(const q_gen_design *d, const q_gen_view *k)
{
    size_t i = 0, j = 0, bad = 0;
    while (i < d->nintents || j < k->nrows) {
        const q_gen_outcome *key;
        if (i == d->nintents) key = &k->rows[j];
        else if (j == k->nrows) key = &d->intents[i];
        else key = item_cmp(&d->intents[i], &k->rows[j]) <= 0 ? &d->intents[i] : &k->rows[j];
        size_t i1 = i, j1 = j;
        while (i1 < d->nintents && same_item(&d->intents[i1], key)) i1++;
        while (j1 < k->nrows && same_item(&k->rows[j1], key)) j1++;
        bool equal = (i1 - i) == (j1 - j);
        for (size_t a = 0; equal && a < i1 - i; a++)
            equal = d->intents[i + a].verdict == k->rows[j + a].verdict &&
                    d->intents[i + a].reason == k->rows[j + a].reason;
        if (!equal) {
            if (bad < GEN_MAX_REPORTED) {
                char hex[65];
                fprintf(stderr, "  %s %s\n    designed:", q_item_kind_word((q_item_kind)key->kind),
                        q_root_hex(&key->id, hex));
                if (i1 == i) fprintf(stderr, " (nothing)");
                for (size_t a = i; a < i1; a++)
                    fprintf(stderr, " [%s: %s %s]", q_gen_tag_name[d->intents[a].tag],
                            q_verdict_word((q_verdict)d->intents[a].verdict),
                            q_reason_word((q_reason)d->intents[a].reason));
                fprintf(stderr, "\n    engine:  ");
                if (j1 == j) fprintf(stderr, " (nothing)");
                for (size_t a = j; a < j1; a++)
                    fprintf(stderr, " [%s %s]", q_verdict_word((q_verdict)k->rows[a].verdict),
                            q_reason_word((q_reason)k->rows[a].reason));
                fprintf(stderr, "\n");
            }
            bad++;
        }
        i = i1;
        j = j1;
    }
    return bad;
}

/* Compares the intended slashings with the engine's (both sorted). */
static size_t compare_slashings(const q_gen_design *d, const q_gen_view *k)
{
    size_t i = 0, j = 0, bad = 0;
    char h1[65], h2[65];
    while (i < d->nslashes || j < k->nsl) {
        int c = i == d->nslashes ? 1 : j == k->nsl ? -1 : slash_cmp(&d->slashes[i], &k->sl[j]);
        if (c == 0) {
            i++, j++;
            continue;
        }
        const q_gen_slash *s = c < 0 ? &d->slashes[i++] : &k->sl[j++];
        if (bad++ < GEN_MAX_REPORTED)
            fprintf(stderr, "  slashing %s %" PRIu32 " %s %s: %s\n", q_slashing_word((q_slashing_kind)s->kind),
                    s->validator, q_root_hex(&s->first, h1), q_root_hex(&s->second, h2),
                    c < 0 ? "designed, the engine did not report it" : "reported by the engine, not designed");
    }
    return bad;
}

/* The counters the intents imply. */
static void intended_counters(const q_gen_design *d, uint64_t out[Q_C_COUNT])
{
    memset(out, 0, Q_C_COUNT * sizeof *out);
    for (size_t i = 0; i < d->nintents; i++) {
        const q_gen_outcome *o = &d->intents[i];
        out[Q_C_RECEIVED]++;
        int c = q_verdict_counter((q_verdict)o->verdict);
        if (c >= 0) out[c]++;
        if (o->verdict == Q_V_EVICTED) out[o->kind == Q_ITEM_BLOCK ? Q_C_ORPHAN_EVICTED : Q_C_PENDING_EVICTED]++;
    }
}

void q_gen_compare(q_gen_design *d, q_gen_view *k, q_gen_diff *out)
{
    qsort(d->intents, d->nintents, sizeof *d->intents, outcome_cmp);
    qsort(k->rows, k->nrows, sizeof *k->rows, outcome_cmp);
    qsort(d->slashes, d->nslashes, sizeof *d->slashes, slash_cmp);
    qsort(k->sl, k->nsl, sizeof *k->sl, slash_cmp);
    uint64_t want[Q_C_COUNT];
    intended_counters(d, want);
    out->items = compare_items(d, k);
    out->slashings = compare_slashings(d, k);
    out->counters = 0;
    if (!k->ended) {
        fprintf(stderr, "  the engine never reported END\n");
        out->counters++;
    }
    for (int c = 0; k->ended && c < Q_C_COUNT; c++) {
        if (want[c] != k->counters[c]) {
            fprintf(stderr, "  counter %s: designed %" PRIu64 ", engine %" PRIu64 "\n", q_counter_word((q_counter)c),
                    want[c], k->counters[c]);
            out->counters++;
        }
    }
}
