/* Unit tests of the quarantine's verdict engine (spec sections 4 and 5) and
 * its store (section 6): every verdict and reason with a small hand-built
 * stream of really signed items, recursive orphan resolution, unviable
 * propagation, the bounds under an orphan flood and an attestation flood
 * (tables never above their bound, every drop counted), the pruning of
 * cleared blocks below finality (no verdict changes) and the seen tables'
 * generations, FINALIZE, END, and
 * the store's open errors, rows and restart marker, and its guards: one
 * holder, bound to its stream's head, a foreign database left unchanged; and
 * time near 2^64 (future_slot without overflow). */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarantine/chain.h"
#include "quarantine/engine.h"
#include "quarantine/replay.h"
#include "quarantine/store.h"
#include "quarantine/wire.h"

/* ------------------------------------------------------------ a recording sink */

typedef struct rec {
    q_event *ev;
    size_t n, cap;
} rec;

static rec R;

static void rec_emit(void *ctx, const q_event *ev)
{
    rec *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->ev = realloc(r->ev, r->cap * sizeof *r->ev);
        cr_assert_not_null(r->ev);
    }
    r->ev[r->n++] = *ev;
}

static q_engine *E;
static uint32_t NV;

static void start(uint32_t n)
{
    cr_assert_eq(q_crypto_init(), 0);
    free(R.ev);
    memset(&R, 0, sizeof R);
    NV = n;
    q_sink sink = {.emit = rec_emit, .ctx = &R};
    E = q_engine_new(&sink);
    cr_assert_not_null(E);
    q_frame h = {.kind = Q_KIND_HELLO, .t_ms = 0};
    h.u.hello.n_validators = n;
    cr_assert_eq(q_engine_apply(E, &h, NULL), 0);
}

static void stop(void)
{
    q_engine_free(E);
    E = NULL;
    free(R.ev);
    memset(&R, 0, sizeof R);
}

static void feed(const q_frame *f)
{
    q_checked c;
    q_prepare(q_engine_registry(E), f, &c);
    cr_assert_eq(q_engine_apply(E, f, &c), 0);
}

static void plain(uint8_t kind, uint64_t t)
{
    q_frame f = {.kind = kind, .t_ms = t};
    cr_assert_eq(q_engine_apply(E, &f, NULL), 0);
}

static void finalize_at(uint64_t epoch, uint64_t t)
{
    q_frame f = {.kind = Q_KIND_FINALIZE, .t_ms = t};
    f.u.fin.epoch = epoch;
    cr_assert_eq(q_engine_apply(E, &f, NULL), 0);
}

/* The verdict of the latest event about id: CLEARED (with *seq), a final
 * verdict (with *reason), or HELD when nothing was said about it. */
static q_verdict verdict_of(const q_root *id, q_reason *reason, uint64_t *seq)
{
    for (size_t i = R.n; i-- > 0;) {
        const q_event *ev = &R.ev[i];
        if (ev->type == Q_EV_CLEARED_BLOCK && q_root_eq(&ev->u.block.root, id)) {
            if (seq) *seq = ev->u.block.seq;
            if (reason) *reason = Q_R_NONE;
            return Q_V_CLEARED;
        }
        if (ev->type == Q_EV_CLEARED_ATT && q_root_eq(&ev->u.att.id, id)) {
            if (seq) *seq = ev->u.att.seq;
            if (reason) *reason = Q_R_NONE;
            return Q_V_CLEARED;
        }
        if (ev->type == Q_EV_REJECT && q_root_eq(&ev->u.reject.id, id)) {
            if (reason) *reason = ev->u.reject.reason;
            return ev->u.reject.verdict;
        }
    }
    if (reason) *reason = Q_R_NONE;
    return Q_V_HELD;
}

#define expect_verdict(id, v, r)                                                                          \
    do {                                                                                                  \
        q_reason got_r;                                                                                   \
        q_verdict got_v = verdict_of((id), &got_r, NULL);                                                 \
        cr_assert(got_v == (v) && got_r == (r), "%s:%d: expected %s %s, got %s %s", __FILE__, __LINE__, \
                  q_verdict_word(v), q_reason_word(r), q_verdict_word(got_v), q_reason_word(got_r));      \
    } while (0)

static uint64_t seq_of(const q_root *id)
{
    uint64_t seq = 0;
    cr_assert_eq(verdict_of(id, NULL, &seq), Q_V_CLEARED);
    return seq;
}

static size_t count_events(q_event_type type)
{
    size_t k = 0;
    for (size_t i = 0; i < R.n; i++) k += R.ev[i].type == type;
    return k;
}

/* The sum rule of section 7, and counters against the events emitted. */
static void check_counters(void)
{
    const uint64_t *c = q_engine_counters(E);
    uint64_t sum = 0;
    for (int i = Q_C_CLEARED; i <= Q_C_HELD_AT_END; i++) sum += c[i];
    cr_assert_eq(c[Q_C_RECEIVED], sum, "received %lu != sum %lu", (unsigned long)c[Q_C_RECEIVED],
                 (unsigned long)sum);
    uint64_t by[Q_C_COUNT] = {0};
    for (size_t i = 0; i < R.n; i++) {
        if (R.ev[i].type == Q_EV_REJECT) by[q_verdict_counter(R.ev[i].u.reject.verdict)]++;
        if (R.ev[i].type == Q_EV_CLEARED_BLOCK || R.ev[i].type == Q_EV_CLEARED_ATT) by[Q_C_CLEARED]++;
    }
    for (int i = Q_C_CLEARED; i <= Q_C_HELD_AT_END; i++)
        cr_assert_eq(by[i], c[i], "counter %s: %lu events, counter %lu", q_counter_word((q_counter)i),
                     (unsigned long)by[i], (unsigned long)c[i]);
}

/* ------------------------------------------------------------ item builders */

static const uint8_t BODY_A[24] = "weft quarantine body A.";
static const uint8_t BODY_B[24] = "weft quarantine body B!";

typedef struct tblock {
    q_frame f;
    q_root root;
} tblock;

/* (Re)computes the root and signs it with validator `signer`'s key. */
static void sign_block(tblock *b, uint32_t signer)
{
    uint8_t pk[Q_PK_BYTES], sk[Q_SK_BYTES];
    q_block_root(&b->f.u.block.hdr, &b->root);
    q_validator_keypair(signer, pk, sk);
    q_sign_block(sk, &b->root, b->f.u.block.sig);
}

/* A correctly built and signed block at slot with the given parent; tag makes
 * distinct blocks at one slot (it goes into state_root); t is its arrival. */
static tblock mk_block(uint64_t slot, const q_root *parent, uint8_t tag, uint64_t t)
{
    tblock b;
    memset(&b, 0, sizeof b);
    b.f.kind = Q_KIND_BLOCK;
    b.f.t_ms = t;
    q_block_header *h = &b.f.u.block.hdr;
    h->slot = slot;
    h->proposer = q_proposer(slot, NV);
    h->body_len = sizeof BODY_A;
    h->parent_root = *parent;
    memset(h->state_root.b, tag, Q_ROOT_BYTES);
    q_sha256(&h->body_root, BODY_A, sizeof BODY_A);
    b.f.u.block.body = BODY_A;
    sign_block(&b, h->proposer);
    return b;
}

/* Slot start time of slot s (the earliest time an item of s is not future). */
static uint64_t at(uint64_t slot) { return slot * Q_SLOT_MS; }

typedef struct tatt {
    q_frame f;
    q_root id, data_root;
} tatt;

static void sign_att(tatt *a, uint32_t signer)
{
    uint8_t pk[Q_PK_BYTES], sk[Q_SK_BYTES];
    q_att_data_root(&a->f.u.att.data, &a->data_root);
    q_att_item_id(&a->f.u.att, &a->id);
    q_validator_keypair(signer, pk, sk);
    q_sign_att(sk, &a->data_root, a->f.u.att.sig);
}

/* Validator v's attestation of epoch `epoch` (at its duty slot and index)
 * for block `block`, with the given source epoch and target root. */
static tatt mk_att(uint32_t v, uint64_t epoch, const q_root *block, uint64_t source, const q_root *target_root,
                   uint64_t t)
{
    tatt a;
    memset(&a, 0, sizeof a);
    a.f.kind = Q_KIND_ATTESTATION;
    a.f.t_ms = t;
    q_attestation *x = &a.f.u.att;
    x->attester = v;
    q_duty(epoch, v, NV, &x->data.slot, &x->data.index);
    x->data.beacon_block_root = *block;
    x->data.source_epoch = source;
    x->data.target_epoch = epoch;
    x->data.target_root = *target_root;
    sign_att(&a, v);
    return a;
}

/* The duty slot of v in epoch. */
static uint64_t duty_slot(uint32_t v, uint64_t epoch)
{
    uint64_t s, i;
    q_duty(epoch, v, NV, &s, &i);
    return s;
}

static const q_root *G(void) { return q_genesis_root(); }

/* Finds a validator whose duty slot in `epoch` is at most max_slot. */
static uint32_t early_validator(uint64_t epoch, uint64_t max_slot, uint32_t from)
{
    uint32_t v = from;
    while (duty_slot(v, epoch) > max_slot) v++;
    cr_assert_lt(v, NV);
    return v;
}

/* ------------------------------------------------------------ blocks */

Test(engine_block, clears_in_order_and_duplicates_are_ignored)
{
    start(64);
    tblock a = mk_block(1, G(), 1, at(1));
    tblock b = mk_block(2, &a.root, 1, at(2));
    feed(&a.f);
    feed(&b.f);
    cr_assert_eq(seq_of(&a.root), 0);
    cr_assert_eq(seq_of(&b.root), 1);
    feed(&b.f); /* same copy again */
    expect_verdict(&b.root, Q_V_IGNORE, Q_R_DUPLICATE);
    plain(Q_KIND_END, at(3));
    check_counters();
    cr_assert_eq(q_engine_counters(E)[Q_C_CLEARED], 2);
    stop();
}

Test(engine_block, future_slot_and_disparity_boundary)
{
    start(64);
    tblock a = mk_block(1, G(), 1, at(1) - Q_DISPARITY_MS - 1); /* 1 ms too early */
    feed(&a.f);
    expect_verdict(&a.root, Q_V_IGNORE, Q_R_FUTURE_SLOT);
    tblock b = mk_block(1, G(), 1, at(1) - Q_DISPARITY_MS); /* just in time */
    feed(&b.f);
    expect_verdict(&b.root, Q_V_CLEARED, Q_R_NONE);
    check_counters();
    stop();
}

/* t_ms near 2^64: now + DISPARITY_MS must not wrap (it did, and turned a
 * block of slot 1 and an attestation of the previous epoch, both long past,
 * into future_slot). The newest admitted slot is still exact there. */
Test(engine_block, future_slot_does_not_wrap_near_2_64)
{
    start(64);
    const uint64_t t = UINT64_MAX - 100;
    tblock a = mk_block(1, G(), 1, t);
    feed(&a.f);
    expect_verdict(&a.root, Q_V_CLEARED, Q_R_NONE);
    uint64_t epoch = q_epoch(q_current_slot(t)) - 1; /* the previous epoch: past, not too_old */
    tatt x = mk_att(0, epoch, G(), 0, G(), t);
    feed(&x.f);
    expect_verdict(&x.id, Q_V_CLEARED, Q_R_NONE);
    /* the boundary is still exact: the first slot past the disparity is future */
    uint64_t last = q_current_slot(t) + (t % Q_SLOT_MS + Q_DISPARITY_MS) / Q_SLOT_MS;
    tblock late = mk_block(last + 1, G(), 2, t);
    feed(&late.f);
    expect_verdict(&late.root, Q_V_IGNORE, Q_R_FUTURE_SLOT);
    tblock edge = mk_block(last, G(), 3, t);
    feed(&edge.f);
    expect_verdict(&edge.root, Q_V_CLEARED, Q_R_NONE);
    check_counters();
    stop();
}

Test(engine_block, finalized)
{
    start(64);
    finalize_at(1, at(40));
    tblock a = mk_block(32, G(), 1, at(40));
    feed(&a.f);
    expect_verdict(&a.root, Q_V_IGNORE, Q_R_FINALIZED);
    tblock b = mk_block(33, G(), 1, at(40));
    feed(&b.f);
    expect_verdict(&b.root, Q_V_CLEARED, Q_R_NONE);
    stop();
}

Test(engine_block, wrong_proposer_makes_root_and_descendants_unviable)
{
    start(64);
    tblock a = mk_block(1, G(), 1, at(1));
    uint32_t other = (a.f.u.block.hdr.proposer + 1) % NV;
    a.f.u.block.hdr.proposer = other;
    sign_block(&a, other); /* validly signed, by the wrong validator */
    feed(&a.f);
    expect_verdict(&a.root, Q_V_REJECT, Q_R_WRONG_PROPOSER);
    tblock child = mk_block(2, &a.root, 1, at(2));
    feed(&child.f);
    expect_verdict(&child.root, Q_V_REJECT, Q_R_BAD_ANCESTOR);
    tblock big = mk_block(3, G(), 2, at(3));
    big.f.u.block.hdr.proposer = NV; /* out of range */
    sign_block(&big, 0);
    feed(&big.f);
    expect_verdict(&big.root, Q_V_REJECT, Q_R_WRONG_PROPOSER);
    check_counters();
    stop();
}

Test(engine_block, bad_body_marks_root_later_good_copy_is_bad_ancestor)
{
    start(64);
    tblock a = mk_block(1, G(), 1, at(1));
    tblock bad = a;
    bad.f.u.block.body = BODY_B; /* header says H(BODY_A) */
    feed(&bad.f);
    expect_verdict(&a.root, Q_V_REJECT, Q_R_BAD_BODY);
    a.f.t_ms = at(1) + 1;
    /* the same header, another (valid) signature is impossible to make, so
     * send the same signature: a copy that reached check 3 is a duplicate */
    feed(&a.f);
    expect_verdict(&a.root, Q_V_IGNORE, Q_R_DUPLICATE);
    tblock child = mk_block(2, &a.root, 1, at(2));
    feed(&child.f);
    expect_verdict(&child.root, Q_V_REJECT, Q_R_BAD_ANCESTOR);
    stop();
}

Test(engine_block, forged_copy_first_never_shadows_the_genuine_block)
{
    start(64);
    tblock a = mk_block(1, G(), 1, at(1));
    tblock forged = a;
    forged.f.u.block.sig[5] ^= 0x40;
    feed(&forged.f);
    expect_verdict(&a.root, Q_V_REJECT, Q_R_BAD_SIGNATURE);
    feed(&forged.f); /* the very same forged copy again */
    expect_verdict(&a.root, Q_V_IGNORE, Q_R_DUPLICATE);
    feed(&a.f);
    expect_verdict(&a.root, Q_V_CLEARED, Q_R_NONE);
    cr_assert_eq(q_engine_counters(E)[Q_C_REJECTED], 1);
    cr_assert_eq(q_engine_counters(E)[Q_C_IGNORED], 1);
    stop();
}

Test(engine_block, forged_orphan_is_rejected_before_it_is_held)
{
    start(64);
    tblock a = mk_block(1, G(), 1, at(1));
    tblock b = mk_block(2, &a.root, 1, at(2));
    tblock forged = b;
    forged.f.u.block.sig[0] ^= 1;
    feed(&forged.f); /* parent unknown, but the signature is checked first */
    expect_verdict(&b.root, Q_V_REJECT, Q_R_BAD_SIGNATURE);
    size_t before = R.n;
    feed(&b.f);
    cr_assert_eq(R.n, before, "the genuine copy is held: no verdict yet");
    q_engine_stats st;
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.orphans, 1);
    feed(&a.f);
    expect_verdict(&b.root, Q_V_CLEARED, Q_R_NONE);
    stop();
}

Test(engine_block, double_proposal_first_is_kept_second_unviable)
{
    start(64);
    tblock a = mk_block(1, G(), 1, at(1));
    tblock b = mk_block(1, G(), 2, at(1) + 10);
    tblock c = mk_block(1, G(), 3, at(1) + 20);
    feed(&a.f);
    feed(&b.f);
    feed(&c.f);
    expect_verdict(&a.root, Q_V_CLEARED, Q_R_NONE);
    expect_verdict(&b.root, Q_V_SLASHABLE, Q_R_DOUBLE_PROPOSAL);
    expect_verdict(&c.root, Q_V_SLASHABLE, Q_R_DOUBLE_PROPOSAL);
    cr_assert_eq(count_events(Q_EV_SLASHING), 2);
    for (size_t i = 0; i < R.n; i++)
        if (R.ev[i].type == Q_EV_SLASHING) {
            cr_assert_eq(R.ev[i].u.slashing.kind, Q_S_DOUBLE_PROPOSAL);
            cr_assert_eq(R.ev[i].u.slashing.validator, a.f.u.block.hdr.proposer);
            cr_assert(q_root_eq(&R.ev[i].u.slashing.first, &a.root), "first is the earliest root");
        }
    tblock child = mk_block(2, &b.root, 1, at(2));
    feed(&child.f);
    expect_verdict(&child.root, Q_V_REJECT, Q_R_BAD_ANCESTOR);
    check_counters();
    stop();
}

Test(engine_block, double_proposal_counts_blocks_that_failed_later_checks)
{
    start(64);
    /* a passes 4-6 but is held as an orphan (parent unknown); b at the same
     * slot is still a double proposal ("whatever became of it") */
    q_root missing;
    memset(missing.b, 0xEE, sizeof missing.b);
    tblock a = mk_block(5, &missing, 1, at(5));
    tblock b = mk_block(5, G(), 2, at(5));
    feed(&a.f);
    feed(&b.f);
    expect_verdict(&b.root, Q_V_SLASHABLE, Q_R_DOUBLE_PROPOSAL);
    /* a bad-signature block at a slot does not count */
    tblock c = mk_block(6, G(), 1, at(6));
    c.f.u.block.sig[9] ^= 2;
    tblock d = mk_block(6, G(), 2, at(6));
    feed(&c.f);
    feed(&d.f);
    expect_verdict(&d.root, Q_V_CLEARED, Q_R_NONE);
    stop();
}

Test(engine_block, slot_not_after_parent)
{
    start(64);
    tblock a = mk_block(3, G(), 1, at(3));
    tblock b = mk_block(2, &a.root, 1, at(3));
    feed(&a.f);
    feed(&b.f);
    expect_verdict(&b.root, Q_V_REJECT, Q_R_SLOT_NOT_AFTER_PARENT);
    tblock bchild = mk_block(4, &b.root, 1, at(4));
    feed(&bchild.f);
    expect_verdict(&bchild.root, Q_V_REJECT, Q_R_BAD_ANCESTOR);
    stop();
}

Test(engine_block, orphans_resolve_recursively_in_order)
{
    start(64);
    tblock chain[6];
    q_root parent = *G();
    for (int i = 0; i < 6; i++) {
        chain[i] = mk_block((uint64_t)(i + 1), &parent, 1, at(7));
        parent = chain[i].root;
    }
    /* a sibling fork on block 2, and an attestation waiting on block 5 */
    tblock fork = mk_block(7, &chain[1].root, 9, at(7));
    for (int i = 5; i >= 1; i--) feed(&chain[i].f);
    feed(&fork.f);
    tatt att = mk_att(early_validator(0, 7, 0), 0, &chain[4].root, 0, G(), at(7));
    feed(&att.f);
    for (int i = 1; i < 6; i++) expect_verdict(&chain[i].root, Q_V_HELD, Q_R_NONE);
    q_engine_stats st;
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.orphans, 6);
    cr_assert_eq(st.pending, 1);
    feed(&chain[0].f);
    for (int i = 0; i < 6; i++) expect_verdict(&chain[i].root, Q_V_CLEARED, Q_R_NONE);
    expect_verdict(&fork.root, Q_V_CLEARED, Q_R_NONE);
    expect_verdict(&att.id, Q_V_CLEARED, Q_R_NONE);
    for (int i = 1; i < 6; i++) cr_assert_lt(seq_of(&chain[i - 1].root), seq_of(&chain[i].root));
    cr_assert_lt(seq_of(&chain[1].root), seq_of(&fork.root));
    cr_assert_lt(seq_of(&chain[4].root), seq_of(&att.id));
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.orphans, 0);
    cr_assert_eq(st.pending, 0);
    /* released in arrival order: chain[5] arrived first, then chain[4] ... but
     * each only after its parent: so the order is the chain order, and the
     * fork (arrived after all chain blocks) clears after chain[2], whose
     * arrival was earlier */
    cr_assert_lt(seq_of(&chain[2].root), seq_of(&fork.root));
    check_counters();
    stop();
}

Test(engine_block, unviable_parent_rejects_held_descendants_and_their_attestations)
{
    start(64);
    tblock x = mk_block(1, G(), 1, at(1));
    tblock y = mk_block(2, &x.root, 1, at(3));
    tblock z = mk_block(3, &y.root, 1, at(3));
    tatt az = mk_att(7, 0, &z.root, 0, G(), at(31));
    tatt ay = mk_att(8, 0, &y.root, 0, G(), at(31));
    feed(&y.f);
    feed(&z.f);
    feed(&az.f);
    feed(&ay.f);
    tblock xbad = x;
    xbad.f.u.block.body = BODY_B;
    xbad.f.t_ms = at(31);
    feed(&xbad.f);
    expect_verdict(&x.root, Q_V_REJECT, Q_R_BAD_BODY);
    expect_verdict(&y.root, Q_V_REJECT, Q_R_BAD_ANCESTOR);
    expect_verdict(&z.root, Q_V_REJECT, Q_R_BAD_ANCESTOR);
    expect_verdict(&az.id, Q_V_REJECT, Q_R_BAD_BLOCK);
    expect_verdict(&ay.id, Q_V_REJECT, Q_R_BAD_BLOCK);
    q_engine_stats st;
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.orphans, 0);
    cr_assert_eq(st.pending, 0);
    /* later: a new attestation on z is bad_block at once, a child bad_ancestor */
    tatt az2 = mk_att(9, 0, &z.root, 0, G(), at(31));
    feed(&az2.f);
    expect_verdict(&az2.id, Q_V_REJECT, Q_R_BAD_BLOCK);
    tblock w = mk_block(4, &z.root, 1, at(31));
    feed(&w.f);
    expect_verdict(&w.root, Q_V_REJECT, Q_R_BAD_ANCESTOR);
    check_counters();
    stop();
}

Test(engine_block, held_slot_not_after_parent_on_resolution)
{
    start(64);
    tblock a = mk_block(5, G(), 1, at(5));
    tblock b = mk_block(4, &a.root, 1, at(5)); /* held, then fails check 8 */
    tblock c = mk_block(6, &b.root, 1, at(6));
    feed(&b.f);
    feed(&c.f);
    feed(&a.f);
    expect_verdict(&b.root, Q_V_REJECT, Q_R_SLOT_NOT_AFTER_PARENT);
    expect_verdict(&c.root, Q_V_REJECT, Q_R_BAD_ANCESTOR);
    check_counters();
    stop();
}

Test(engine_bounds, orphan_flood_evicts_oldest_and_counts)
{
    start(64);
    enum { FLOOD = 250 };
    static tblock o[FLOOD];
    for (int i = 0; i < FLOOD; i++) {
        q_root missing;
        memset(missing.b, 0, sizeof missing.b);
        missing.b[0] = (uint8_t)i;
        missing.b[1] = (uint8_t)(i >> 8);
        missing.b[2] = 0xAB;
        /* one slot each: two blocks at one slot would be a double proposal */
        o[i] = mk_block((uint64_t)(1 + i), &missing, 1, at(300));
        feed(&o[i].f);
        q_engine_stats st;
        q_engine_get_stats(E, &st);
        cr_assert_leq(st.orphans, Q_ORPHAN_MAX);
    }
    const uint64_t *c = q_engine_counters(E);
    cr_assert_eq(c[Q_C_ORPHAN_EVICTED], FLOOD - Q_ORPHAN_MAX);
    cr_assert_eq(c[Q_C_EVICTED], FLOOD - Q_ORPHAN_MAX);
    for (int i = 0; i < FLOOD; i++) {
        if (i < FLOOD - (int)Q_ORPHAN_MAX) expect_verdict(&o[i].root, Q_V_EVICTED, Q_R_ORPHAN);
        else expect_verdict(&o[i].root, Q_V_HELD, Q_R_NONE);
    }
    /* an evicted copy is forgotten: sent again it is handled afresh (held,
     * evicting the next oldest) */
    size_t before = R.n;
    feed(&o[0].f);
    cr_assert_eq(R.n, before + 1, "one event: the eviction of the next oldest");
    expect_verdict(&o[FLOOD - Q_ORPHAN_MAX].root, Q_V_EVICTED, Q_R_ORPHAN);
    q_engine_stats st;
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.orphans, Q_ORPHAN_MAX);
    cr_assert_eq(st.orphans_peak, Q_ORPHAN_MAX);
    plain(Q_KIND_END, at(300));
    cr_assert_eq(q_engine_counters(E)[Q_C_HELD_AT_END], Q_ORPHAN_MAX);
    check_counters();
    stop();
}

Test(engine_bounds, attestation_flood_evicts_oldest_and_counts, .timeout = 120)
{
    enum { FLOOD = Q_PENDING_MAX + 3000 };
    start(FLOOD); /* one attestation per validator: no double votes */
    q_root unknown;
    memset(unknown.b, 0x5A, sizeof unknown.b);
    static q_root ids[FLOOD];
    for (uint32_t v = 0; v < FLOOD; v++) {
        tatt a = mk_att(v, 0, &unknown, 0, G(), at(31));
        ids[v] = a.id;
        feed(&a.f);
        if (v % 1024 == 0) {
            q_engine_stats st;
            q_engine_get_stats(E, &st);
            cr_assert_leq(st.pending, Q_PENDING_MAX);
        }
    }
    const uint64_t *c = q_engine_counters(E);
    cr_assert_eq(c[Q_C_PENDING_EVICTED], FLOOD - Q_PENDING_MAX);
    cr_assert_eq(c[Q_C_EVICTED], FLOOD - Q_PENDING_MAX);
    expect_verdict(&ids[0], Q_V_EVICTED, Q_R_PENDING);
    expect_verdict(&ids[FLOOD - Q_PENDING_MAX - 1], Q_V_EVICTED, Q_R_PENDING);
    expect_verdict(&ids[FLOOD - Q_PENDING_MAX], Q_V_HELD, Q_R_NONE);
    q_engine_stats st;
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.pending, Q_PENDING_MAX);
    cr_assert_eq(st.pending_peak, Q_PENDING_MAX);
    /* all of epoch 0 expires once current_slot > slot + 32 for each */
    plain(Q_KIND_TICK, at(64));
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.pending, 0);
    cr_assert_eq(c[Q_C_EXPIRED], Q_PENDING_MAX);
    plain(Q_KIND_END, at(64));
    check_counters();
    stop();
}

/* ------------------------------------------------------------ pruning */

/* Blocks at or below min(finalized slot, first slot of the previous epoch)
 * are pruned to their roots (engine.c), and every verdict that could still
 * involve them is the spec's: a late block on a pruned parent (or on
 * genesis) clears, one on an unknown parent is held, an attestation for a
 * pruned block or whose target walk crosses into pruned blocks clears with
 * the right target root and is rejected with a wrong one. */
Test(engine_prune, verdicts_on_pruned_blocks_are_the_spec_s)
{
    start(64);
    tblock a = mk_block(1, G(), 1, at(1));
    tblock b = mk_block(2, &a.root, 1, at(2));
    feed(&a.f);
    feed(&b.f);
    q_engine_stats st;
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.blocks_live, 3); /* genesis, a, b */
    cr_assert_eq(st.archived, 0);
    plain(Q_KIND_TICK, at(128)); /* epoch 4: the line is min(finalized 0, 96) */
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.blocks_live, 3, "nothing is pruned above the finalized slot");
    finalize_at(2, at(128)); /* line min(64, 96): genesis, a and b go */
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.blocks_live, 0);
    cr_assert_eq(st.archived, 3);
    cr_assert_eq(st.blocks_live_peak, 3);

    plain(Q_KIND_TICK, at(140));
    tblock c = mk_block(140, &b.root, 1, at(140)); /* its parent is pruned */
    feed(&c.f);
    expect_verdict(&c.root, Q_V_CLEARED, Q_R_NONE);
    tblock d = mk_block(139, G(), 1, at(140)); /* on genesis, pruned too */
    feed(&d.f);
    expect_verdict(&d.root, Q_V_CLEARED, Q_R_NONE);
    q_root nowhere;
    memset(nowhere.b, 0x77, sizeof nowhere.b);
    tblock o = mk_block(138, &nowhere, 1, at(140));
    feed(&o.f);
    expect_verdict(&o.root, Q_V_HELD, Q_R_NONE);
    feed(&a.f); /* a pruned block again: finalized, as before the pruning */
    expect_verdict(&a.root, Q_V_IGNORE, Q_R_FINALIZED);

    /* epoch 4, limit slot 128: for c (slot 140) the walk crosses into b */
    uint32_t v = early_validator(4, 140, 0);
    tatt x = mk_att(v, 4, &c.root, 3, &b.root, at(140));
    feed(&x.f);
    expect_verdict(&x.id, Q_V_CLEARED, Q_R_NONE);
    uint32_t w = early_validator(4, 140, v + 1);
    tatt y = mk_att(w, 4, &c.root, 3, &a.root, at(140));
    feed(&y.f);
    expect_verdict(&y.id, Q_V_REJECT, Q_R_BAD_TARGET_ROOT);
    /* for b itself (pruned, slot 2 <= 128) the target is b */
    uint32_t u = early_validator(4, 140, w + 1);
    tatt z = mk_att(u, 4, &b.root, 3, &b.root, at(140));
    feed(&z.f);
    expect_verdict(&z.id, Q_V_CLEARED, Q_R_NONE);
    uint32_t k = early_validator(4, 140, u + 1);
    tatt zz = mk_att(k, 4, &b.root, 3, &c.root, at(140));
    feed(&zz.f);
    expect_verdict(&zz.id, Q_V_REJECT, Q_R_BAD_TARGET_ROOT);

    /* without FINALIZE the line stops at the finalized slot: c, d stay */
    plain(Q_KIND_TICK, at(320));
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.blocks_live, 2);
    finalize_at(9, at(320)); /* line min(288, 288) */
    q_engine_get_stats(E, &st);
    cr_assert_eq(st.blocks_live, 0);
    cr_assert_eq(st.archived, 5);
    tblock e2 = mk_block(300, &c.root, 1, at(320));
    feed(&e2.f);
    expect_verdict(&e2.root, Q_V_CLEARED, Q_R_NONE);
    plain(Q_KIND_END, at(320));
    check_counters();
    stop();
}

/* A long chain with FINALIZE two epochs late keeps a few epochs of blocks
 * live, however long it runs; node slots are reused. */
Test(engine_prune, live_blocks_stay_bounded_on_a_long_chain)
{
    start(64);
    q_root parent = *G();
    for (uint64_t slot = 1; slot <= 64 * 32; slot++) {
        if (slot % Q_SLOTS_PER_EPOCH == 0 && slot >= 3 * Q_SLOTS_PER_EPOCH)
            finalize_at(q_epoch(slot) - 2, at(slot));
        tblock b = mk_block(slot, &parent, 1, at(slot));
        feed(&b.f);
        expect_verdict(&b.root, Q_V_CLEARED, Q_R_NONE);
        parent = b.root;
    }
    q_engine_stats st;
    q_engine_get_stats(E, &st);
    cr_assert_leq(st.blocks_live_peak, 4 * Q_SLOTS_PER_EPOCH + 1, "peak %zu", st.blocks_live_peak);
    cr_assert_eq(st.blocks_live + st.archived, 64 * 32 + 1);
    plain(Q_KIND_END, at(64 * 32));
    check_counters();
    stop();
}

/* The seen table of block copies is bounded: a flood of bad-signature copies
 * at one slot (never pruned by FINALIZE) keeps at most two generations, the
 * older ones are counted as forgotten; a held orphan's copy is never
 * forgotten (sent again it is still a duplicate). */
Test(engine_bounds, seen_copies_stay_bounded_held_ones_are_kept, .timeout = 120)
{
    start(64);
    q_root nowhere;
    memset(nowhere.b, 0x42, sizeof nowhere.b);
    tblock held = mk_block(5, &nowhere, 1, at(5));
    feed(&held.f);
    expect_verdict(&held.root, Q_V_HELD, Q_R_NONE);
    tblock forged = mk_block(6, G(), 1, at(6));
    enum { FLOOD = 3 * Q_SEEN_BLOCKS_GEN };
    for (uint32_t i = 0; i < FLOOD; i++) {
        memcpy(forged.f.u.block.sig, &i, sizeof i); /* another bad signature each time */
        feed(&forged.f);
        q_engine_stats st;
        q_engine_get_stats(E, &st);
        cr_assert_leq(st.seen_blocks, 2 * Q_SEEN_BLOCKS_GEN + Q_ORPHAN_MAX);
    }
    expect_verdict(&forged.root, Q_V_REJECT, Q_R_BAD_SIGNATURE);
    q_engine_stats st;
    q_engine_get_stats(E, &st);
    cr_assert_geq(st.seen_forgotten, Q_SEEN_BLOCKS_GEN);
    cr_assert_eq(st.seen_blocks + st.seen_forgotten, FLOOD + 1);
    feed(&held.f);
    expect_verdict(&held.root, Q_V_IGNORE, Q_R_DUPLICATE);
    cr_assert_eq(q_engine_counters(E)[Q_C_REJECTED], FLOOD);
    plain(Q_KIND_END, at(6));
    check_counters();
    stop();
}

/* ------------------------------------------------------------ attestations */

Test(engine_att, clears_with_the_right_target_root)
{
    start(64);
    tblock b32 = mk_block(32, G(), 1, at(32));
    tblock b33 = mk_block(33, &b32.root, 1, at(33));
    feed(&b32.f);
    feed(&b33.f);
    /* epoch 1 target is the newest block at or before slot 32 on the chain */
    uint32_t v = 0;
    while (duty_slot(v, 1) < 33) v++;
    tatt good = mk_att(v, 1, &b33.root, 0, &b32.root, at(63));
    feed(&good.f);
    expect_verdict(&good.id, Q_V_CLEARED, Q_R_NONE);
    uint32_t w = v + 1;
    while (duty_slot(w, 1) < 33) w++;
    tatt bad = mk_att(w, 1, &b33.root, 0, &b33.root, at(63));
    feed(&bad.f);
    expect_verdict(&bad.id, Q_V_REJECT, Q_R_BAD_TARGET_ROOT);
    /* genesis ends every chain: epoch 0 targets genesis */
    tatt g = mk_att(w + 1, 0, &b32.root, 0, G(), at(63));
    feed(&g.f);
    expect_verdict(&g.id, Q_V_CLEARED, Q_R_NONE);
    /* source after target */
    uint32_t u = w + 2;
    tatt src = mk_att(u, 1, &b32.root, 2, &b32.root, at(63));
    feed(&src.f);
    expect_verdict(&src.id, Q_V_REJECT, Q_R_BAD_SOURCE);
    check_counters();
    stop();
}

Test(engine_att, early_checks)
{
    start(64);
    tblock b = mk_block(1, G(), 1, at(1));
    feed(&b.f);
    /* 1: target epoch is not the slot's epoch */
    tatt te = mk_att(1, 0, &b.root, 0, G(), at(40));
    te.f.u.att.data.target_epoch = 1;
    sign_att(&te, 1);
    feed(&te.f);
    expect_verdict(&te.id, Q_V_REJECT, Q_R_BAD_TARGET_EPOCH);
    /* 2: future slot */
    uint32_t v = 0;
    while (duty_slot(v, 2) < 70) v++;
    tatt fut = mk_att(v, 2, &b.root, 0, &b.root, at(40));
    feed(&fut.f);
    expect_verdict(&fut.id, Q_V_IGNORE, Q_R_FUTURE_SLOT);
    /* 4: not in committee (another slot than the duty), and attester >= N */
    tatt nc = mk_att(2, 1, &b.root, 0, &b.root, at(63));
    nc.f.u.att.data.slot = duty_slot(2, 1) == 32 ? 33 : 32;
    sign_att(&nc, 2);
    feed(&nc.f);
    expect_verdict(&nc.id, Q_V_REJECT, Q_R_NOT_IN_COMMITTEE);
    tatt big = mk_att(3, 1, &b.root, 0, &b.root, at(63));
    big.f.u.att.attester = NV;
    sign_att(&big, 3);
    feed(&big.f);
    expect_verdict(&big.id, Q_V_REJECT, Q_R_NOT_IN_COMMITTEE);
    /* 5: bad signature, then the genuine copy clears; 3: duplicates */
    tatt ok = mk_att(4, 1, &b.root, 0, &b.root, at(63));
    tatt forged = ok;
    forged.f.u.att.sig[3] ^= 8;
    feed(&forged.f);
    expect_verdict(&ok.id, Q_V_REJECT, Q_R_BAD_SIGNATURE);
    feed(&ok.f);
    expect_verdict(&ok.id, Q_V_CLEARED, Q_R_NONE);
    feed(&ok.f);
    expect_verdict(&ok.id, Q_V_IGNORE, Q_R_DUPLICATE);
    feed(&forged.f);
    expect_verdict(&ok.id, Q_V_IGNORE, Q_R_DUPLICATE);
    /* 2: too old (older than the previous epoch) */
    tatt old = mk_att(5, 0, &b.root, 0, G(), at(64)); /* epoch 0 at epoch 2 */
    feed(&old.f);
    expect_verdict(&old.id, Q_V_IGNORE, Q_R_TOO_OLD);
    tatt prev = mk_att(6, 1, &b.root, 0, &b.root, at(64)); /* epoch 1 at epoch 2: fine */
    feed(&prev.f);
    expect_verdict(&prev.id, Q_V_CLEARED, Q_R_NONE);
    check_counters();
    stop();
}

Test(engine_att, double_vote_and_surround_both_ways)
{
    start(256);
    tblock b = mk_block(1, G(), 1, at(1));
    feed(&b.f);
    tblock c = mk_block(2, G(), 1, at(2));
    feed(&c.f);
    /* double vote: same target epoch, other data */
    uint32_t v = early_validator(0, 31, 0);
    tatt a1 = mk_att(v, 0, &b.root, 0, G(), at(31));
    tatt a2 = mk_att(v, 0, &c.root, 0, G(), at(31));
    feed(&a1.f);
    feed(&a2.f);
    expect_verdict(&a1.id, Q_V_CLEARED, Q_R_NONE);
    expect_verdict(&a2.id, Q_V_SLASHABLE, Q_R_DOUBLE_VOTE);
    /* surround: w votes (s=2,t=3) then (s=1,t=4): the new one surrounds */
    tblock b96 = mk_block(96, &b.root, 1, at(128));
    feed(&b96.f);
    tblock b128 = mk_block(128, &b96.root, 1, at(128));
    feed(&b128.f);
    uint32_t w = 10;
    tatt s1 = mk_att(w, 3, &b96.root, 2, &b96.root, at(130));
    feed(&s1.f);
    expect_verdict(&s1.id, Q_V_CLEARED, Q_R_NONE);
    tatt s2 = mk_att(w, 4, &b128.root, 1, &b128.root, at(duty_slot(w, 4))); /* time never moves back */
    feed(&s2.f);
    expect_verdict(&s2.id, Q_V_SLASHABLE, Q_R_SURROUND_VOTE);
    /* the other way: x votes (s=1,t=4) first, then (s=2,t=3) is surrounded */
    uint32_t x = 11;
    tatt r1 = mk_att(x, 4, &b128.root, 1, &b128.root, at(duty_slot(x, 4)));
    tatt r2 = mk_att(x, 3, &b96.root, 2, &b96.root, at(duty_slot(x, 4)));
    uint64_t t = r1.f.t_ms > r2.f.t_ms ? r1.f.t_ms : r2.f.t_ms;
    if (t < s2.f.t_ms) t = s2.f.t_ms;
    r1.f.t_ms = r2.f.t_ms = t;
    feed(&r1.f);
    feed(&r2.f);
    expect_verdict(&r1.id, Q_V_CLEARED, Q_R_NONE);
    expect_verdict(&r2.id, Q_V_SLASHABLE, Q_R_SURROUND_VOTE);
    cr_assert_eq(count_events(Q_EV_SLASHING), 3);
    int k = 0;
    for (size_t i = 0; i < R.n; i++) {
        if (R.ev[i].type != Q_EV_SLASHING) continue;
        const q_slashing_row *s = &R.ev[i].u.slashing;
        if (k == 0) {
            cr_assert_eq(s->kind, Q_S_DOUBLE_VOTE);
            cr_assert_eq(s->validator, v);
            cr_assert(q_root_eq(&s->first, &a1.data_root) && q_root_eq(&s->second, &a2.data_root));
        } else if (k == 1) {
            cr_assert_eq(s->kind, Q_S_SURROUND_VOTE);
            cr_assert_eq(s->validator, w);
            cr_assert(q_root_eq(&s->first, &s1.data_root) && q_root_eq(&s->second, &s2.data_root));
        } else {
            cr_assert_eq(s->kind, Q_S_SURROUND_VOTE);
            cr_assert_eq(s->validator, x);
            cr_assert(q_root_eq(&s->first, &r1.data_root) && q_root_eq(&s->second, &r2.data_root));
        }
        k++;
    }
    check_counters();
    stop();
}

Test(engine_att, double_vote_is_found_before_surround_and_earliest_is_first)
{
    start(64);
    tblock b96 = mk_block(96, G(), 1, at(96));
    feed(&b96.f);
    uint32_t v = 3;
    uint64_t t = at(duty_slot(v, 3) > 96 ? duty_slot(v, 3) : 96);
    /* earlier votes of v: (s=2,t=3) then (s=0,t=3)?? the second is itself a
     * double vote; then a third (s=1,t=3) matches both by double vote: the
     * earliest is first */
    tatt a = mk_att(v, 3, &b96.root, 2, &b96.root, t);
    tatt b = mk_att(v, 3, &b96.root, 0, &b96.root, t);
    tatt c = mk_att(v, 3, &b96.root, 1, &b96.root, t);
    feed(&a.f);
    feed(&b.f);
    feed(&c.f);
    expect_verdict(&b.id, Q_V_SLASHABLE, Q_R_DOUBLE_VOTE);
    expect_verdict(&c.id, Q_V_SLASHABLE, Q_R_DOUBLE_VOTE);
    const q_slashing_row *last = NULL;
    for (size_t i = 0; i < R.n; i++)
        if (R.ev[i].type == Q_EV_SLASHING) last = &R.ev[i].u.slashing;
    cr_assert_not_null(last);
    cr_assert(q_root_eq(&last->first, &a.data_root), "the earliest match is first");
    stop();
}

Test(engine_att, held_then_cleared_or_expired_or_finalized)
{
    start(64);
    tblock b = mk_block(1, G(), 1, at(1));
    uint32_t v = early_validator(0, 20, 0);
    tatt h1 = mk_att(v, 0, &b.root, 0, G(), at(21));
    feed(&h1.f);
    expect_verdict(&h1.id, Q_V_HELD, Q_R_NONE);
    b.f.t_ms = at(22);
    feed(&b.f);
    expect_verdict(&h1.id, Q_V_CLEARED, Q_R_NONE);
    cr_assert_lt(seq_of(&b.root), seq_of(&h1.id));

    /* expiry: held at slot s, dropped when current_slot > s + 32 */
    q_root unknown;
    memset(unknown.b, 0x77, sizeof unknown.b);
    uint32_t w = early_validator(0, 31, v + 1);
    tatt e1 = mk_att(w, 0, &unknown, 0, G(), at(31));
    feed(&e1.f);
    uint64_t s = e1.f.u.att.data.slot;
    plain(Q_KIND_TICK, at(s + 32));
    expect_verdict(&e1.id, Q_V_HELD, Q_R_NONE);
    plain(Q_KIND_TICK, at(s + 33));
    expect_verdict(&e1.id, Q_V_EXPIRED, Q_R_PENDING);

    /* FINALIZE drops a held attestation (and a held block) at or before the
     * finalized slot as UNVIABLE */
    uint32_t x = 0;
    while (duty_slot(x, 1) > 60) x++;
    tatt f1 = mk_att(x, 1, &unknown, 0, G(), at(64));
    feed(&f1.f);
    q_root missing;
    memset(missing.b, 0x99, sizeof missing.b);
    tblock ob = mk_block(63, &missing, 1, at(64));
    tblock ob2 = mk_block(65, &missing, 1, at(65));
    feed(&ob.f);
    feed(&ob2.f);
    finalize_at(2, at(65)); /* finalized slot 64 */
    expect_verdict(&f1.id, Q_V_UNVIABLE, Q_R_PENDING);
    expect_verdict(&ob.root, Q_V_UNVIABLE, Q_R_ORPHAN);
    expect_verdict(&ob2.root, Q_V_HELD, Q_R_NONE);
    /* FINALIZE never moves back */
    finalize_at(1, at(65));
    tblock late = mk_block(64, G(), 1, at(65));
    feed(&late.f);
    expect_verdict(&late.root, Q_V_IGNORE, Q_R_FINALIZED);
    /* END: what is still held is HELD_AT_END */
    plain(Q_KIND_END, at(66));
    expect_verdict(&ob2.root, Q_V_HELD_AT_END, Q_R_ORPHAN);
    check_counters();
    cr_assert_eq(count_events(Q_EV_END), 1);
    cr_assert(q_engine_ended(E));
    q_frame more = {.kind = Q_KIND_TICK, .t_ms = at(67)};
    cr_assert_eq(q_engine_apply(E, &more, NULL), -1, "nothing after END");
    stop();
}

Test(engine_att, held_attestation_at_end_and_its_block_unviable_later)
{
    start(64);
    q_root unknown;
    memset(unknown.b, 0x31, sizeof unknown.b);
    uint32_t v = early_validator(0, 31, 0);
    tatt a = mk_att(v, 0, &unknown, 0, G(), at(31));
    feed(&a.f);
    plain(Q_KIND_END, at(31));
    expect_verdict(&a.id, Q_V_HELD_AT_END, Q_R_PENDING);
    check_counters();
    stop();
}

/* ------------------------------------------------------------ serial runs */

Test(engine_serial, run_serial_reports_bad_streams)
{
    char path[] = "/tmp/qengine-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "wb");
    q_frame h = {.kind = Q_KIND_HELLO};
    h.u.hello.n_validators = 8;
    cr_assert_eq(q_frame_write(f, &h), 0);
    q_frame t = {.kind = Q_KIND_TICK, .t_ms = 5};
    cr_assert_eq(q_frame_write(f, &t), 0);
    fclose(f); /* no END: truncated */
    start(8);
    q_sink sink = {.emit = rec_emit, .ctx = &R};
    char err[256];
    cr_assert_eq(q_replay_file(path, &sink, NULL, err, sizeof err), -1);
    cr_assert(strstr(err, "byte offset") != NULL, "%s", err);
    cr_assert_eq(q_replay_file("/nonexistent/stream", &sink, NULL, err, sizeof err), -1);
    unlink(path);
    stop();
}

/* ------------------------------------------------------------ store */

Test(store, missing_folder_is_a_clear_error)
{
    char err[256];
    cr_assert_null(q_store_open("/nonexistent-dir-h5/x.db", "test", err, sizeof err));
    cr_assert(strstr(err, "/nonexistent-dir-h5") != NULL, "%s", err);
    cr_assert_null(q_store_open("/tmp", "test", err, sizeof err));
    cr_assert(strstr(err, "folder") != NULL, "%s", err);
}

static int64_t count_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* A stream head: an encoded HELLO of n validators, then `fill` bytes of tag
 * (a stand-in for the frames after it; the store compares bytes only). */
static q_head *mk_head(uint32_t n, size_t fill, uint8_t tag)
{
    static q_head h[4];
    static int next;
    q_head *p = &h[next++ % 4];
    q_frame f = {.kind = Q_KIND_HELLO, .t_ms = 0};
    f.u.hello.n_validators = n;
    p->len = q_frame_encode(&f, p->bytes, sizeof p->bytes);
    cr_assert(p->len > 0 && p->len + fill <= Q_HEAD_BYTES);
    memset(p->bytes + p->len, tag, fill);
    p->len += fill;
    return p;
}

/* The head of the events recorded in R (any fixed head: one stream). */
#define R_HEAD mk_head(64, 100, 0xab)

/* Opens and starts a store on head; NULL with the reason in err. */
static q_store *store_start(const char *path, const q_head *head, char *err, size_t errlen)
{
    q_store *s = q_store_open(path, "quarantine unit test", err, errlen);
    if (s && q_store_start(s, head, "test stream", err, errlen) < 0) s = NULL;
    return s;
}

/* Sends the events of a small run to a store; stops after `limit` row events
 * when limit > 0 (as if killed: the store is closed without END). */
static void store_run(const char *path, size_t limit)
{
    char err[1024];
    q_store *s = store_start(path, R_HEAD, err, sizeof err);
    cr_assert_not_null(s, "%s", err);
    q_sink sink = q_store_sink(s);
    size_t rows = 0;
    for (size_t i = 0; i < R.n; i++) {
        if (q_event_is_row(R.ev[i].type) && limit && rows++ == limit) break;
        sink.emit(sink.ctx, &R.ev[i]);
    }
    cr_assert_eq(q_store_close(s, NULL, err, sizeof err), 0, "%s", err);
}

Test(store, rows_and_restart_marker)
{
    start(64);
    tblock a = mk_block(1, G(), 1, at(1));
    tblock b = mk_block(2, &a.root, 1, at(2));
    tblock bad = mk_block(3, &b.root, 1, at(3));
    bad.f.u.block.sig[1] ^= 1;
    feed(&b.f);
    feed(&a.f);
    feed(&bad.f);
    tatt x = mk_att(early_validator(0, 5, 0), 0, &b.root, 0, G(), at(5));
    feed(&x.f);
    plain(Q_KIND_END, at(6));
    char dir[] = "/tmp/qstore-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char p1[64], p2[64];
    snprintf(p1, sizeof p1, "%s/full.db", dir);
    snprintf(p2, sizeof p2, "%s/restarted.db", dir);
    store_run(p1, 0);
    store_run(p2, 2); /* "killed" after 2 row events (closed without END) */
    store_run(p2, 0); /* run again: skips the 2, writes the rest */
    store_run(p2, 0); /* and a third time changes nothing */
    const char *q[] = {
        "SELECT count(*) FROM blocks", "SELECT count(*) FROM attestations", "SELECT count(*) FROM rejects",
        "SELECT count(*) FROM slashings",
        "SELECT value FROM counters WHERE name='cleared'",
        "SELECT value FROM counters WHERE name='received'",
        "SELECT seq FROM blocks WHERE slot = 2",
        "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'",
    };
    const int64_t want[] = {2, 1, 1, 0, 3, 4, 1, 1};
    sqlite3 *d1, *d2;
    cr_assert_eq(sqlite3_open(p1, &d1), SQLITE_OK);
    cr_assert_eq(sqlite3_open(p2, &d2), SQLITE_OK);
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        cr_assert_eq(count_rows(d1, q[i]), want[i], "%s", q[i]);
        cr_assert_eq(count_rows(d2, q[i]), want[i], "restarted: %s", q[i]);
    }
    sqlite3_close(d1);
    sqlite3_close(d2);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    stop();
}

/* ------------------------------------------------------------ store guards */

/* The whole content of a file (malloc'd), its size in *n. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *buf = NULL;
    size_t cap = 0;
    *n = 0;
    for (;;) {
        if (*n == cap) cr_assert_not_null(buf = realloc(buf, cap = cap ? 2 * cap : 65536));
        size_t k = fread(buf + *n, 1, cap - *n, f);
        if (k == 0) break;
        *n += k;
    }
    fclose(f);
    return buf;
}

static void expect_same_file(const char *path, const char *before, size_t nbefore)
{
    size_t n;
    char *now = slurp(path, &n);
    cr_assert(n == nbefore && memcmp(now, before, n) == 0, "%s changed", path);
    free(now);
}

static void rm_dir(const char *dir)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(store_guard, a_second_holder_is_refused_naming_the_first)
{
    char dir[] = "/tmp/qstore-XXXXXX", p[64], err[1024], want[128];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/held.db", dir);
    q_store *s = store_start(p, mk_head(64, 10, 1), err, sizeof err);
    cr_assert_not_null(s, "%s", err);
    /* in this very process too: a flock belongs to its open file description */
    cr_assert_null(q_store_open(p, "second", err, sizeof err));
    snprintf(want, sizeof want, "is in use by pid %ld (quarantine unit test)", (long)getpid());
    cr_assert(strstr(err, want) && strstr(err, p), "%s", err);
    cr_assert_eq(q_store_close(s, NULL, err, sizeof err), 0, "%s", err);
    s = store_start(p, mk_head(64, 10, 1), err, sizeof err); /* released by close */
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(q_store_close(s, NULL, err, sizeof err), 0, "%s", err);
    rm_dir(dir);
}

Test(store_guard, bound_to_the_head_of_its_stream)
{
    start(64);
    tblock a = mk_block(1, G(), 1, at(1));
    tblock b = mk_block(2, &a.root, 1, at(2));
    feed(&a.f);
    feed(&b.f);
    plain(Q_KIND_END, at(3));
    char dir[] = "/tmp/qstore-XXXXXX", p[64], err[1024];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/bound.db", dir);
    store_run(p, 1); /* one row event committed, on R_HEAD */
    size_t n;
    char *before = slurp(p, &n);
    /* another stream: another validator count, or other bytes after HELLO */
    const q_head *other[] = {mk_head(65, 100, 0xab), mk_head(64, 100, 0xac)};
    for (int i = 0; i < 2; i++) {
        cr_assert_null(store_start(p, other[i], err, sizeof err));
        cr_assert(strstr(err, "was started on another stream than test stream") && strstr(err, "left unchanged"),
                  "%s", err);
        expect_same_file(p, before, n);
    }
    cr_assert(strstr(err, "64 validators") && strstr(err, "holds 1 row events"), "%s", err);
    /* a cut copy (a prefix of the head) is the same stream, and so is a
     * longer head that starts with the stored one, which then replaces it */
    q_store *s = store_start(p, mk_head(64, 40, 0xab), err, sizeof err);
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(q_store_resumed(s), 1);
    cr_assert_eq(q_store_close(s, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_not_null(s = store_start(p, mk_head(64, 200, 0xab), err, sizeof err), "%s", err);
    cr_assert_eq(q_store_close(s, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_not_null(s = store_start(p, R_HEAD, err, sizeof err), "%s", err);
    cr_assert_eq(q_store_close(s, NULL, err, sizeof err), 0, "%s", err);
    /* now bound to the longer head: the old, shorter one is its prefix, fine;
     * a head that agrees with the old one but not with the longer is not */
    q_head *fork = mk_head(64, 200, 0xab);
    fork->bytes[fork->len - 1] ^= 1;
    cr_assert_null(store_start(p, fork, err, sizeof err));
    cr_assert(strstr(err, "they differ at byte"), "%s", err);
    free(before);
    rm_dir(dir);
    stop();
}

Test(store_guard, a_store_without_rows_takes_any_stream)
{
    char dir[] = "/tmp/qstore-XXXXXX", p[64], err[1024];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/empty.db", dir);
    q_store *s = store_start(p, mk_head(64, 10, 1), err, sizeof err);
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(q_store_close(s, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_not_null(s = store_start(p, mk_head(99, 10, 2), err, sizeof err), "%s", err);
    cr_assert_eq(q_store_close(s, NULL, err, sizeof err), 0, "%s", err);
    sqlite3 *d;
    cr_assert_eq(sqlite3_open(p, &d), SQLITE_OK);
    cr_assert_eq(count_rows(d, "SELECT validators FROM stream"), 99);
    sqlite3_close(d);
    rm_dir(dir);
}

Test(store_guard, a_foreign_database_is_left_unchanged)
{
    char dir[] = "/tmp/qstore-XXXXXX", p[64], lock[80], err[1024];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/foreign.db", dir);
    snprintf(lock, sizeof lock, "%s.lock", p);
    sqlite3 *d;
    cr_assert_eq(sqlite3_open(p, &d), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(d, "CREATE TABLE t(x); INSERT INTO t VALUES(42)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(d);
    size_t n;
    char *before = slurp(p, &n);
    cr_assert_null(q_store_open(p, "test", err, sizeof err));
    cr_assert(strstr(err, p) && strstr(err, "not a quarantine store") && strstr(err, "'t'"), "%s", err);
    expect_same_file(p, before, n);
    cr_assert(access(lock, F_OK) < 0, "a lock file was made beside a foreign database");
    cr_assert_eq(sqlite3_open(p, &d), SQLITE_OK);
    cr_assert_eq(count_rows(d, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'delete'"), 1);
    sqlite3_close(d);
    free(before);
    rm_dir(dir);
}

/* A store of schema version 1 (attestations keyed by id, user_version 0) and
 * one of a version this quarantine does not know are refused, naming the
 * version, and left unchanged. */
Test(store_guard, an_older_or_unknown_schema_version_is_refused_unchanged)
{
    static const char *const v1 =
        "CREATE TABLE blocks(root BLOB PRIMARY KEY, slot INTEGER, proposer INTEGER, parent_root BLOB, "
        "seq INTEGER UNIQUE);"
        "CREATE TABLE attestations(id BLOB PRIMARY KEY, attester INTEGER, slot INTEGER, idx INTEGER, "
        "block_root BLOB, source_epoch INTEGER, target_epoch INTEGER, data_root BLOB, seq INTEGER UNIQUE);"
        "CREATE TABLE rejects(id BLOB, kind TEXT CHECK(kind IN ('block','attestation')), verdict TEXT, "
        "reason TEXT);"
        "CREATE TABLE slashings(kind TEXT, validator INTEGER, first BLOB, second BLOB);"
        "CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER);"
        "CREATE TABLE stream(validators INTEGER, head BLOB);"
        "INSERT INTO attestations VALUES(x'00', 1, 2, 3, x'01', 0, 0, x'02', 0);"
        "INSERT INTO counters VALUES('store_events', 1);";
    struct {
        const char *sql, *want;
    } cases[] = {
        {v1, "schema version 1"},
        {"PRAGMA user_version=7", "schema version 7"}, /* then a store of this version's tables, below */
    };
    for (int c = 0; c < 2; c++) {
        char dir[] = "/tmp/qstore-XXXXXX", p[64], err[1024];
        cr_assert_not_null(mkdtemp(dir));
        snprintf(p, sizeof p, "%s/old.db", dir);
        if (c == 1) { /* a store of this version, then marked as version 7 */
            q_store *s = store_start(p, mk_head(64, 10, 1), err, sizeof err);
            cr_assert_not_null(s, "%s", err);
            cr_assert_eq(q_store_close(s, NULL, err, sizeof err), 0, "%s", err);
        }
        sqlite3 *d;
        cr_assert_eq(sqlite3_open(p, &d), SQLITE_OK);
        cr_assert_eq(sqlite3_exec(d, cases[c].sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(d));
        sqlite3_close(d);
        size_t n;
        char *before = slurp(p, &n);
        cr_assert_null(q_store_open(p, "test", err, sizeof err));
        cr_assert(strstr(err, p) && strstr(err, cases[c].want) && strstr(err, "left unchanged"), "%s", err);
        expect_same_file(p, before, n);
        free(before);
        rm_dir(dir);
    }
}
