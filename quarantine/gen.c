/* quarantine/gen.c: `quarantine gen`, the stream generator.
 *
 * Writes a stream (spec section 3) that shows every case of the spec, and
 * beside it FILE.expected (format in expected.h). It is not its own oracle:
 *
 *   1. while it builds the stream, it records for every item copy the verdict
 *      and reason it *intends* (designed by hand from the spec, per case), and
 *      the slashings it intends;
 *   2. it then runs the serial verdict engine (engine.h, written separately)
 *      over the stream file; the engine's events become FILE.expected;
 *   3. it compares the two, item copy by item copy (multisets of
 *      kind/id/verdict/reason), slashing by slashing and counter by counter,
 *      and fails (exit 1, every difference printed, no FILE.expected left)
 *      when they disagree.
 *
 * Layout of a stream of E >= 4 epochs (S = 32E slots, the last is S-1):
 *
 *   slots 1..19    "phase A": a canonical chain with skipped slots, two short
 *                  forks, blocks out of order, forged copies before genuine
 *                  ones, early copies (future_slot, the 500 ms edge both
 *                  ways), wrong proposers, a bad body with orphans held on it
 *                  (recursively rejected as bad_ancestor), descendants of
 *                  invalid blocks, double proposals (one against a block that
 *                  was rejected), slot_not_after_parent.
 *   slots 20..b-1  the deep fork: R = 100 blocks off the canonical block of
 *                  slot 19, interleaved with the canonical chain, withheld
 *                  and delivered in reverse in one burst in slot b, so that
 *                  R-1-96 of them are EVICTED from the orphan table and the
 *                  rest clear in one recursive resolution.
 *   later          the canonical chain goes on; FINALIZE(e) two epochs late
 *                  once the burst is over; in the last slot: orphans held at
 *                  the end or dropped as UNVIABLE by a final FINALIZE(E-1),
 *                  late copies (finalized), a too_old rebroadcast, a block far
 *                  in the future, END.
 *
 * Every slot: a TICK at its start, the canonical block at start + 0.2..1.5 s
 * from one of 8 peers with 0..2 duplicates from others, the attestations of
 * the validators whose duty falls in that slot around a third of the slot
 * (mostly 3.5..6 s, some up to 11 s), some duplicated. Designated validators
 * replace their regular vote by a designed one (surround votes both ways, a
 * double vote, bad target root / source / block, votes for blocks that never
 * arrive that expire, stay held or become unviable).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarantine/chain.h"
#include "quarantine/cmd.h"
#include "quarantine/engine.h"
#include "quarantine/expected.h"
#include "quarantine/replay.h"
#include "quarantine/spec.h"
#include "quarantine/wire.h"

/* ------------------------------------------------------------ parameters */

#define GEN_PEERS 8u          /* item peers are 1..8; peer 0 sends HELLO/TICK/FINALIZE/END */
#define GEN_DEEP_FORK 100u    /* R: the reverse-delivered chain, > Q_ORPHAN_MAX */
#define GEN_PHASE_A_END 19u   /* last slot of phase A */
#define GEN_WINDOW 150u       /* slots of the deep-fork window (when E allows) */
#define GEN_MIN_EPOCHS 4u
#define GEN_MIN_VALIDATORS 256u

/* ------------------------------------------------------------ cases */

/* What each item copy was designed to show (for the report and for naming
 * disagreements with the engine). */
#define GEN_TAGS(X)                                                                                   \
    X(CANON, "canonical block")                                                                       \
    X(CANON_DUP, "canonical block copy from another peer")                                          \
    X(CANON_FORGED, "forged copy (bad signature) before the genuine block")                         \
    X(CANON_EARLY, "block copy more than 500 ms early (future_slot)")                               \
    X(CANON_EDGE, "block copy exactly 500 ms early (accepted)")                                      \
    X(OOO_CHILD, "block delivered before its parent (held, then cleared)")                           \
    X(OOO_CHILD_DUP, "copy of a held orphan (duplicate)")                                             \
    X(OOO_PARENT, "parent delivered after its child")                                                 \
    X(FORK_SHORT, "short fork block")                                                                 \
    X(DEEP_FORK, "deep fork block, delivered in reverse, cleared by resolution")                     \
    X(DEEP_FORK_EVICTED, "deep fork block evicted from the orphan table")                            \
    X(WRONG_PROPOSER, "block by the wrong proposer")                                                  \
    X(BAD_BODY, "block whose body_root is not H(body)")                                               \
    X(BAD_SIG_BLOCK, "block with a bad signature")                                                    \
    X(DOUBLE_PROPOSAL, "second block of a proposer in one slot")                                      \
    X(CHILD_OF_INVALID, "descendant of an unviable block")                                            \
    X(ORPHAN_OF_INVALID, "orphan held, then its parent turned out invalid")                           \
    X(SLOT_NOT_AFTER, "block whose slot is not after its parent's")                                   \
    X(SLOT_ZERO, "block at the genesis slot")                                                         \
    X(FINALIZED_LATE, "block at or before the finalized slot")                                        \
    X(FAR_FUTURE, "block for a slot far in the future")                                               \
    X(ORPHAN_HELD_END, "orphan whose parent never comes (held at the end)")                           \
    X(ORPHAN_UNVIABLE, "orphan dropped by FINALIZE")                                                   \
    X(ATT, "attestation")                                                                             \
    X(ATT_HELD, "attestation that waited for its block")                                              \
    X(ATT_DUP, "attestation copy from another peer")                                                  \
    X(ATT_FORGED, "forged attestation copy before the genuine one")                                   \
    X(ATT_EARLY, "attestation copy more than 500 ms early (future_slot)")                             \
    X(ATT_BAD_TARGET_EPOCH, "attestation whose target epoch is not its slot's")                       \
    X(ATT_NOT_IN_COMMITTEE, "attestation off the attester's duty")                                    \
    X(ATT_BAD_SIG, "attestation signed by another key")                                               \
    X(ATT_TOO_OLD, "attestation rebroadcast two epochs late")                                         \
    X(ATT_DOUBLE_VOTE, "second vote for one target epoch")                                            \
    X(ATT_SURROUNDING, "vote that surrounds an earlier one")                                          \
    X(ATT_SURROUNDED, "vote surrounded by an earlier one")                                            \
    X(ATT_WIDE, "wide vote (source 0) kept before a surrounded one")                                  \
    X(ATT_BAD_TARGET_ROOT, "attestation with a wrong target root")                                    \
    X(ATT_BAD_SOURCE, "attestation whose source is after its target")                                 \
    X(ATT_BAD_BLOCK, "attestation for an unviable block")                                             \
    X(ATT_HELD_BAD_BLOCK, "attestation held on an orphan that turned out invalid")                    \
    X(ATT_EXPIRED, "attestation for a block that never comes (expires)")                              \
    X(ATT_HELD_END, "attestation for a block that never comes (held at the end)")                     \
    X(ATT_UNVIABLE, "attestation for a block that never comes (dropped by FINALIZE)")

#define GEN_TAG_ENUM(name, text) TAG_##name,
#define GEN_TAG_NAME(name, text) #name,
#define GEN_TAG_TEXT(name, text) text,
enum { GEN_TAGS(GEN_TAG_ENUM) TAG_COUNT };
static const char *const tag_name[TAG_COUNT] = {GEN_TAGS(GEN_TAG_NAME)};
static const char *const tag_text[TAG_COUNT] = {GEN_TAGS(GEN_TAG_TEXT)};

/* ------------------------------------------------------------ small tools */

/* splitmix64: the generator's only source of randomness. */
typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A uniform value in [lo, hi] (hi >= lo). */
static uint64_t rnd_in(rng *r, uint64_t lo, uint64_t hi)
{
    return lo + rnd(r) % (hi - lo + 1);
}

static void rnd_bytes(rng *r, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = rnd(r);
        for (size_t k = 0; k < 8 && i + k < n; k++) p[i + k] = (uint8_t)(v >> (8 * k));
    }
}

/* Grows *p (of *cap elements of size sz) to hold at least want; exits on OOM. */
static void grow(void **p, size_t *cap, size_t want, size_t sz)
{
    if (want <= *cap) return;
    size_t c = *cap ? *cap : 64;
    while (c < want) c *= 2;
    void *np = realloc(*p, c * sz);
    if (!np) {
        fprintf(stderr, "quarantine gen: out of memory\n");
        exit(1);
    }
    *p = np;
    *cap = c;
}

/* ------------------------------------------------------------ state */

/* A block the generator made (delivered or not). */
typedef struct gblock {
    q_block_header hdr;
    uint8_t sig[Q_SIG_BYTES];
    uint8_t *body;
    q_root root;
    int parent;       /* index in blocks, -1 genesis, -2 a root that is never delivered */
    uint64_t clear_t; /* time it becomes known to the node (UINT64_MAX: never) */
} gblock;

/* A frame waiting in the time-ordered heap. */
typedef struct hframe {
    uint64_t t, seq;
    q_frame f; /* a block's body is malloc'd and owned here */
} hframe;

/* One intended outcome of one received item copy, or one outcome the engine
 * reported (same shape, tag unused). */
typedef struct outcome {
    q_root id;
    uint8_t kind;    /* q_item_kind */
    uint8_t verdict; /* q_verdict (CLEARED included) */
    uint8_t reason;  /* q_reason */
    uint8_t tag;
} outcome;

typedef struct slash {
    uint8_t kind;
    uint32_t validator;
    q_root first, second;
} slash;

/* Slot roles. */
enum { R_FREE = 0, R_CANON, R_DEEP, R_SPECIAL, R_SKIP };

/* Roles of designated attesters. */
enum {
    D_NONE = 0,
    D_SURROUNDING, /* epoch 2 regular, epoch 3 source 0: surrounds */
    D_SURROUNDED,  /* epoch 3 source 0 first, then a late epoch-2 vote */
    D_DOUBLE,      /* epoch 0 regular, then a vote for the short fork */
    D_BAD_TARGET_ROOT,
    D_BAD_SOURCE,
    D_BAD_BLOCK,
    D_HELD_BAD_BLOCK,
    D_EXPIRED,
    D_HELD_END,
    D_UNVIABLE,
    D_COUNT
};

typedef struct gen {
    uint32_t n;
    uint64_t epochs, S, seed;
    rng r;
    uint64_t end_t;

    /* validator keys, derived on first use */
    uint8_t (*sk)[Q_SK_BYTES];
    uint8_t *sk_ok;

    /* duties: slot and index of validator v in epoch e at [e*n + v] */
    uint64_t *duty_slot;
    uint8_t *duty_index; /* < 64 */
    uint32_t *by_slot;   /* validators ordered by (epoch, duty slot) */
    uint64_t *slot_first; /* by_slot range of slot s: [slot_first[s], slot_first[s+1]) */
    uint8_t *designated;  /* D_* of (e*n + v) */

    /* blocks */
    gblock *blocks;
    size_t nblocks, capblocks;
    uint8_t *role;   /* per slot */
    int *canon;      /* per slot: canonical block index or -1 */
    int *head;       /* per slot: latest canonical block at or before it, -1 genesis */

    /* the time-ordered output */
    hframe *heap;
    size_t nheap, capheap;
    uint64_t seq;
    FILE *out;
    uint64_t frames, bytes;
    bool write_failed;

    /* intents */
    outcome *intents;
    size_t nintents, capintents;
    slash *slashes;
    size_t nslashes, capslashes;
    uint64_t tag_count[TAG_COUNT];

    /* named blocks of the design (indices into blocks) */
    int c[GEN_PHASE_A_END + 1]; /* canonical blocks of phase A by slot */
    int f1, f2a, f2b, w1, w2, wc, y, o1, o2, o3, d2, d3, d2c, x, x2, bs;
    int deep[GEN_DEEP_FORK];
    int orphan_end, orphan_unviable, late_final, far_future, slot_zero;
    uint64_t burst_slot, u_slot, h_slot;
    q_root phantom[5];
} gen;

/* ------------------------------------------------------------ keys */

/* Validator v's secret key (derived once). */
static const uint8_t *sk_of(gen *g, uint32_t v)
{
    if (!g->sk_ok[v]) {
        uint8_t pk[Q_PK_BYTES];
        q_validator_keypair(v, pk, g->sk[v]);
        g->sk_ok[v] = 1;
    }
    return g->sk[v];
}

/* ------------------------------------------------------------ output heap */

static bool hf_less(const hframe *a, const hframe *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* Queues frame f (ownership of a block body passes to the heap) at time t. */
static void push_frame(gen *g, uint64_t t, q_frame f)
{
    f.t_ms = t;
    grow((void **)&g->heap, &g->capheap, g->nheap + 1, sizeof *g->heap);
    size_t i = g->nheap++;
    hframe h = {.t = t, .seq = g->seq++, .f = f};
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!hf_less(&h, &g->heap[p])) break;
        g->heap[i] = g->heap[p];
        i = p;
    }
    g->heap[i] = h;
}

/* Removes the earliest frame into *out. */
static void pop_frame(gen *g, hframe *out)
{
    *out = g->heap[0];
    hframe last = g->heap[--g->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < g->nheap && hf_less(&g->heap[l], &last)) m = l;
        if (l + 1 < g->nheap && hf_less(&g->heap[l + 1], m == i ? &last : &g->heap[l])) m = l + 1;
        if (m == i) break;
        g->heap[i] = g->heap[m];
        i = m;
    }
    if (g->nheap) g->heap[i] = last;
}

/* Writes every queued frame earlier than `before` to the stream. */
static void flush_before(gen *g, uint64_t before)
{
    while (g->nheap && g->heap[0].t < before) {
        hframe h;
        pop_frame(g, &h);
        if (q_frame_write(g->out, &h.f) < 0) g->write_failed = true;
        g->frames++;
        g->bytes += q_frame_size(&h.f);
        q_frame_release(&h.f);
    }
}

/* ------------------------------------------------------------ intents */

static void intend(gen *g, q_item_kind kind, const q_root *id, q_verdict v, q_reason r, int tag)
{
    grow((void **)&g->intents, &g->capintents, g->nintents + 1, sizeof *g->intents);
    outcome *o = &g->intents[g->nintents++];
    memset(o, 0, sizeof *o);
    o->id = *id;
    o->kind = (uint8_t)kind;
    o->verdict = (uint8_t)v;
    o->reason = (uint8_t)r;
    o->tag = (uint8_t)tag;
    g->tag_count[tag]++;
}

static void intend_slash(gen *g, q_slashing_kind k, uint32_t validator, const q_root *first, const q_root *second)
{
    grow((void **)&g->slashes, &g->capslashes, g->nslashes + 1, sizeof *g->slashes);
    slash *s = &g->slashes[g->nslashes++];
    memset(s, 0, sizeof *s);
    s->kind = (uint8_t)k;
    s->validator = validator;
    s->first = *first;
    s->second = *second;
}

/* ------------------------------------------------------------ blocks */

/* Makes a block at slot with the given parent (index, -1 genesis, or -2 with
 * parent_root). proposer < 0: the slot's duty proposer; signer < 0: the
 * proposer. bad_body: body_root is not H(body). Returns its index. */
static int make_block(gen *g, uint64_t slot, int parent, const q_root *parent_root, int64_t proposer, int64_t signer,
                      bool bad_body)
{
    grow((void **)&g->blocks, &g->capblocks, g->nblocks + 1, sizeof *g->blocks);
    int idx = (int)g->nblocks++;
    gblock *b = &g->blocks[idx];
    memset(b, 0, sizeof *b);
    b->clear_t = UINT64_MAX;
    b->parent = parent;
    b->hdr.slot = slot;
    b->hdr.proposer = proposer < 0 ? q_proposer(slot, g->n) : (uint32_t)proposer;
    b->hdr.body_len = (uint32_t)rnd_in(&g->r, 256, 4096);
    b->body = malloc(b->hdr.body_len);
    if (!b->body) exit(1);
    rnd_bytes(&g->r, b->body, b->hdr.body_len);
    if (parent == -1) b->hdr.parent_root = *q_genesis_root();
    else if (parent >= 0) b->hdr.parent_root = g->blocks[parent].root;
    else b->hdr.parent_root = *parent_root;
    rnd_bytes(&g->r, b->hdr.state_root.b, Q_ROOT_BYTES);
    q_sha256(&b->hdr.body_root, b->body, b->hdr.body_len);
    if (bad_body) b->hdr.body_root.b[0] ^= 0x5a;
    q_block_root(&b->hdr, &b->root);
    uint64_t who = signer < 0 ? b->hdr.proposer : (uint64_t)signer;
    if (who < g->n) q_sign_block(sk_of(g, (uint32_t)who), &b->root, b->sig);
    else rnd_bytes(&g->r, b->sig, Q_SIG_BYTES);
    return idx;
}

/* Queues a copy of block idx at time t from peer. forged: a random signature
 * instead of the block's own. Records the intended verdict of that copy. */
static void send_block(gen *g, uint64_t t, uint16_t peer, int idx, bool forged, q_verdict v, q_reason r, int tag)
{
    const gblock *b = &g->blocks[idx];
    q_frame f = {.kind = Q_KIND_BLOCK, .peer = peer};
    f.u.block.hdr = b->hdr;
    memcpy(f.u.block.sig, b->sig, Q_SIG_BYTES);
    if (forged) rnd_bytes(&g->r, f.u.block.sig, Q_SIG_BYTES);
    uint8_t *body = malloc(b->hdr.body_len);
    if (!body) exit(1);
    memcpy(body, b->body, b->hdr.body_len);
    f.u.block.body = body;
    push_frame(g, t, f);
    intend(g, Q_ITEM_BLOCK, &b->root, v, r, tag);
    if (v == Q_V_CLEARED && g->blocks[idx].clear_t > t) g->blocks[idx].clear_t = t;
}

static uint16_t peer_pick(gen *g)
{
    return (uint16_t)rnd_in(&g->r, 1, GEN_PEERS);
}

/* Another peer than p. */
static uint16_t peer_other(gen *g, uint16_t p, unsigned k)
{
    return (uint16_t)((p - 1 + k) % GEN_PEERS + 1);
}

static uint64_t slot_t(uint64_t slot)
{
    return q_slot_start_ms(slot);
}

/* ------------------------------------------------------------ attestations */

/* Root of block idx (-1: genesis). */
static const q_root *root_of(gen *g, int idx)
{
    return idx < 0 ? q_genesis_root() : &g->blocks[idx].root;
}

/* The checkpoint of epoch e on the chain of block idx: the newest block at or
 * before slot 32e (genesis ends every chain). */
static const q_root *checkpoint(gen *g, int idx, uint64_t e)
{
    while (idx >= 0 && g->blocks[idx].hdr.slot > q_epoch_start_slot(e)) idx = g->blocks[idx].parent;
    return root_of(g, idx);
}

/* Fills a's data for validator v's duty in epoch e, voting for head (block
 * index, -1 genesis), source epoch e-1 (0 in epoch 0), and signs it. */
static void att_make(gen *g, q_attestation *a, uint32_t v, uint64_t e, int head)
{
    memset(a, 0, sizeof *a);
    a->attester = v;
    a->data.slot = g->duty_slot[e * g->n + v];
    a->data.index = g->duty_index[e * g->n + v];
    a->data.beacon_block_root = *root_of(g, head);
    a->data.source_epoch = e ? e - 1 : 0;
    a->data.source_root = *checkpoint(g, head, a->data.source_epoch);
    a->data.target_epoch = e;
    a->data.target_root = *checkpoint(g, head, e);
}

/* Signs a with validator signer's key (a random signature when signer >= n). */
static void att_sign(gen *g, q_attestation *a, uint64_t signer)
{
    q_root dr;
    q_att_data_root(&a->data, &dr);
    if (signer < g->n) q_sign_att(sk_of(g, (uint32_t)signer), &dr, a->sig);
    else rnd_bytes(&g->r, a->sig, Q_SIG_BYTES);
}

/* Queues attestation a at t from peer and records its intended verdict. */
static void send_att(gen *g, uint64_t t, uint16_t peer, const q_attestation *a, q_verdict v, q_reason r, int tag)
{
    q_frame f = {.kind = Q_KIND_ATTESTATION, .peer = peer};
    f.u.att = *a;
    push_frame(g, t, f);
    q_root id;
    q_att_item_id(a, &id);
    intend(g, Q_ITEM_ATTESTATION, &id, v, r, tag);
}

static void data_root(const q_attestation *a, q_root *out)
{
    q_att_data_root(&a->data, out);
}

/* ------------------------------------------------------------ layout */

/* Assigns every slot a role and makes every block of the design. Returns 0,
 * or -1 with a message when E is too small. */
static int layout(gen *g)
{
    uint64_t S = g->S;
    g->role = calloc(S, 1);
    g->canon = malloc(S * sizeof *g->canon);
    g->head = malloc(S * sizeof *g->head);
    if (!g->role || !g->canon || !g->head) return -1;
    for (uint64_t s = 0; s < S; s++) g->canon[s] = -1;

    /* phase A: canonical slots; the rest of 1..19 are special */
    static const uint8_t canon_a[] = {1, 2, 4, 5, 8, 10, 12, 14, 18, 19};
    for (uint64_t s = 1; s <= GEN_PHASE_A_END; s++) g->role[s] = R_SPECIAL;
    for (size_t i = 0; i < sizeof canon_a; i++) g->role[canon_a[i]] = R_CANON;

    /* the orphans of the last slot: u <= S-32 (finalized by FINALIZE(E-1)), h > S-32 */
    g->u_slot = S - 32;
    g->h_slot = S - 31;
    g->role[g->u_slot] = R_SPECIAL;
    g->role[g->h_slot] = R_SPECIAL;

    /* the deep fork: R slots spread evenly over the free slots of the window */
    g->burst_slot = GEN_PHASE_A_END + 1 + GEN_WINDOW;
    if (g->burst_slot > S - 2) g->burst_slot = S - 2;
    uint64_t *freel = malloc(S * sizeof *freel), m = 0;
    for (uint64_t s = GEN_PHASE_A_END + 1; s < g->burst_slot; s++)
        if (g->role[s] == R_FREE) freel[m++] = s;
    if (m < GEN_DEEP_FORK) {
        free(freel);
        return -1;
    }
    for (uint64_t i = 0; i < GEN_DEEP_FORK; i++) g->role[freel[i * m / GEN_DEEP_FORK]] = R_DEEP;
    free(freel);

    /* the canonical chain takes the rest; after the window it skips ~1 in 10 */
    for (uint64_t s = GEN_PHASE_A_END + 1; s < S; s++) {
        if (g->role[s] != R_FREE) continue;
        g->role[s] = (s > g->burst_slot && rnd(&g->r) % 10 == 0) ? R_SKIP : R_CANON;
    }

    /* make the canonical chain and the head of every slot */
    int prev = -1;
    for (uint64_t s = 1; s < S; s++) {
        if (g->role[s] == R_CANON) {
            g->canon[s] = make_block(g, s, prev, NULL, -1, -1, false);
            prev = g->canon[s];
        }
        g->head[s] = prev;
    }
    g->head[0] = -1;
    for (uint64_t s = 0; s <= GEN_PHASE_A_END; s++) g->c[s] = g->canon[s];

    /* phase A specials */
    int *c = g->c;
    g->x = make_block(g, 3, c[4], NULL, -1, -1, false);  /* slot 3, parent at slot 4 */
    g->x2 = make_block(g, 3, c[2], NULL, -1, -1, false); /* second proposal at slot 3 */
    g->f1 = make_block(g, 6, c[5], NULL, -1, -1, false);
    g->f2a = make_block(g, 7, c[4], NULL, -1, -1, false);
    g->f2b = make_block(g, 9, g->f2a, NULL, -1, -1, false);
    g->d2 = make_block(g, 5, c[4], NULL, -1, -1, false); /* double proposals at slot 5 */
    g->d3 = make_block(g, 5, c[2], NULL, -1, -1, false);
    uint32_t p8 = q_proposer(8, g->n), wrong = (p8 + 1) % g->n;
    g->w1 = make_block(g, 8, c[5], NULL, wrong, wrong, false); /* signed by its (wrong) proposer */
    g->w2 = make_block(g, 8, c[5], NULL, (int64_t)g->n + 7, -1, false);
    g->y = make_block(g, 10, c[8], NULL, -1, -1, true);  /* bad body at slot 10 */
    g->bs = make_block(g, 10, c[8], NULL, -1, (q_proposer(10, g->n) + 1) % g->n, false); /* bad signature */
    g->o1 = make_block(g, 11, g->y, NULL, -1, -1, false);
    g->o2 = make_block(g, 13, g->o1, NULL, -1, -1, false);
    g->o3 = make_block(g, 15, g->y, NULL, -1, -1, false);
    g->wc = make_block(g, 16, g->w1, NULL, -1, -1, false);
    g->d2c = make_block(g, 17, g->d2, NULL, -1, -1, false);
    g->slot_zero = make_block(g, 0, -1, NULL, -1, -1, false);

    /* the deep fork off the canonical block of slot 19 */
    prev = c[GEN_PHASE_A_END];
    size_t k = 0;
    for (uint64_t s = GEN_PHASE_A_END + 1; s < g->burst_slot; s++) {
        if (g->role[s] != R_DEEP) continue;
        g->deep[k++] = make_block(g, s, prev, NULL, -1, -1, false);
        prev = g->deep[k - 1];
    }

    /* roots that never arrive */
    for (int i = 0; i < 5; i++) {
        uint8_t msg[16];
        memcpy(msg, "phantom!", 8);
        q_put_le64(msg + 8, g->seed * 8 + (uint64_t)i);
        q_sha256(&g->phantom[i], msg, sizeof msg);
    }
    g->orphan_end = make_block(g, g->h_slot, -2, &g->phantom[0], -1, -1, false);
    g->orphan_unviable = make_block(g, g->u_slot, -2, &g->phantom[1], -1, -1, false);
    g->late_final = make_block(g, S - 32, g->canon[S - 33] >= 0 ? g->canon[S - 33] : g->head[S - 33], NULL, -1, -1, false);
    g->far_future = make_block(g, S + 3, g->head[S - 1], NULL, -1, -1, false);
    return 0;
}

/* ------------------------------------------------------------ duties */

/* Computes every validator's duty in every epoch and the per-slot lists. */
static int duties(gen *g)
{
    uint64_t n = g->n, E = g->epochs;
    g->duty_slot = malloc(n * E * sizeof *g->duty_slot);
    g->duty_index = malloc(n * E);
    g->designated = calloc(n * E, 1);
    g->by_slot = malloc(n * E * sizeof *g->by_slot);
    g->slot_first = calloc(g->S + 1, sizeof *g->slot_first);
    if (!g->duty_slot || !g->duty_index || !g->designated || !g->by_slot || !g->slot_first) return -1;
    for (uint64_t e = 0; e < E; e++)
        for (uint32_t v = 0; v < n; v++) {
            uint64_t s, idx;
            q_duty(e, v, g->n, &s, &idx);
            g->duty_slot[e * n + v] = s;
            g->duty_index[e * n + v] = (uint8_t)idx;
            g->slot_first[s + 1]++;
        }
    for (uint64_t s = 0; s < g->S; s++) g->slot_first[s + 1] += g->slot_first[s];
    uint64_t *fill = malloc(g->S * sizeof *fill);
    if (!fill) return -1;
    memcpy(fill, g->slot_first, g->S * sizeof *fill);
    for (uint64_t e = 0; e < E; e++)
        for (uint32_t v = 0; v < n; v++) g->by_slot[fill[g->duty_slot[e * n + v]]++] = v;
    free(fill);
    return 0;
}

/* Designates a validator not designated yet in any epoch with a duty slot in
 * [lo, hi] of epoch e, for role d. Returns it, or -1 when there is none. */
static int64_t designate(gen *g, uint64_t e, uint64_t lo, uint64_t hi, int d)
{
    uint32_t start = (uint32_t)(rnd(&g->r) % g->n);
    for (uint32_t k = 0; k < g->n; k++) {
        uint32_t v = (start + k) % g->n;
        uint64_t s = g->duty_slot[e * g->n + v];
        if (s < lo || s > hi) continue;
        bool free_v = true;
        for (uint64_t e2 = 0; e2 < g->epochs; e2++) free_v = free_v && !g->designated[e2 * g->n + v];
        if (!free_v) continue;
        g->designated[e * g->n + v] = (uint8_t)d;
        return v;
    }
    fprintf(stderr, "quarantine gen: no free validator has a duty in slots %" PRIu64 "..%" PRIu64
                    " of epoch %" PRIu64 "; use more validators\n", lo, hi, e);
    return -1;
}

typedef struct designations {
    int64_t v[D_COUNT];
    uint64_t e[D_COUNT];
} designations;

static int designate_all(gen *g, designations *d)
{
    uint64_t E = g->epochs, S = g->S;
    struct {
        int role;
        uint64_t e, lo, hi;
    } want[] = {
        /* before the last slot: its FINALIZE(E-1) may prune the history they need */
        {D_SURROUNDING, 3, 96, S - 2 < 127 ? S - 2 : 127},
        {D_SURROUNDED, 3, 96, S - 2 < 127 ? S - 2 : 127},
        {D_DOUBLE, 0, 6, 11},
        {D_BAD_TARGET_ROOT, 1, 32, 63},
        {D_BAD_SOURCE, E - 1, S - 32, S - 1},
        {D_BAD_BLOCK, 1, 32, 63},
        {D_HELD_BAD_BLOCK, 0, 11, 11},
        {D_EXPIRED, 1, 32, 63},
        {D_HELD_END, E - 1, S - 31, S - 2},
        {D_UNVIABLE, E - 1, S - 32, S - 32},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int64_t v = designate(g, want[i].e, want[i].lo, want[i].hi, want[i].role);
        if (v < 0) return -1;
        d->v[want[i].role] = v;
        d->e[want[i].role] = want[i].e;
        /* the surround pairs use epoch 2 as well */
        if (want[i].role == D_SURROUNDING || want[i].role == D_SURROUNDED)
            g->designated[2 * g->n + (uint64_t)v] = (uint8_t)want[i].role;
    }
    return 0;
}

/* ------------------------------------------------------------ the stream */

/* Delivers canonical block of slot s the ordinary way: one peer at 0.2..1.5 s,
 * 0..2 copies from others, sometimes a forged copy first or an early copy.
 * noise: allow the forged/early variants. */
static void deliver_canon(gen *g, uint64_t s, bool noise)
{
    int idx = g->canon[s];
    uint64_t t = slot_t(s) + rnd_in(&g->r, 200, 1500);
    uint16_t p = peer_pick(g);
    if (noise && rnd(&g->r) % 16 == 0)
        send_block(g, t - 100, peer_other(g, p, 3), idx, true, Q_V_REJECT, Q_R_BAD_SIGNATURE, TAG_CANON_FORGED);
    if (noise && rnd(&g->r) % 32 == 0)
        send_block(g, slot_t(s) - rnd_in(&g->r, 501, 3000), peer_other(g, p, 5), idx, false, Q_V_IGNORE,
                   Q_R_FUTURE_SLOT, TAG_CANON_EARLY);
    send_block(g, t, p, idx, false, Q_V_CLEARED, Q_R_NONE, TAG_CANON);
    unsigned dups = (unsigned)(rnd(&g->r) % 3);
    for (unsigned k = 1; k <= dups; k++)
        send_block(g, t + rnd_in(&g->r, 50, 1500), peer_other(g, p, k), idx, false, Q_V_IGNORE, Q_R_DUPLICATE,
                   TAG_CANON_DUP);
}

/* Phase A: the hand-placed block cases of slots 1..19. */
static void phase_a(gen *g, uint64_t s)
{
    int *c = g->c;
    uint64_t t0 = slot_t(s);
    switch (s) {
    case 1:
        deliver_canon(g, 1, false);
        send_block(g, t0 + 5000, 4, g->slot_zero, false, Q_V_IGNORE, Q_R_FINALIZED, TAG_SLOT_ZERO);
        break;
    case 2: /* a forged copy before the genuine one, and a second forged copy after it */
        send_block(g, t0 + 300, 6, c[2], true, Q_V_REJECT, Q_R_BAD_SIGNATURE, TAG_CANON_FORGED);
        send_block(g, t0 + 800, 2, c[2], false, Q_V_CLEARED, Q_R_NONE, TAG_CANON);
        send_block(g, t0 + 900, 7, c[2], true, Q_V_IGNORE, Q_R_DUPLICATE, TAG_CANON_DUP);
        break;
    case 4: /* an early copy (2 s before the slot), then the block; X after it */
        send_block(g, t0 - 2000, 5, c[4], false, Q_V_IGNORE, Q_R_FUTURE_SLOT, TAG_CANON_EARLY);
        send_block(g, t0 - 501, 5, c[4], false, Q_V_IGNORE, Q_R_FUTURE_SLOT, TAG_CANON_EARLY);
        send_block(g, t0 + 1000, 1, c[4], false, Q_V_CLEARED, Q_R_NONE, TAG_CANON);
        send_block(g, t0 + 5000, 3, g->x, false, Q_V_REJECT, Q_R_SLOT_NOT_AFTER_PARENT, TAG_SLOT_NOT_AFTER);
        send_block(g, t0 + 6000, 8, g->x2, false, Q_V_SLASHABLE, Q_R_DOUBLE_PROPOSAL, TAG_DOUBLE_PROPOSAL);
        intend_slash(g, Q_S_DOUBLE_PROPOSAL, q_proposer(3, g->n), &g->blocks[g->x].root, &g->blocks[g->x2].root);
        break;
    case 5: /* the block, then two more by the same proposer */
        deliver_canon(g, 5, false);
        send_block(g, t0 + 3000, 2, g->d2, false, Q_V_SLASHABLE, Q_R_DOUBLE_PROPOSAL, TAG_DOUBLE_PROPOSAL);
        send_block(g, t0 + 3500, 3, g->d3, false, Q_V_SLASHABLE, Q_R_DOUBLE_PROPOSAL, TAG_DOUBLE_PROPOSAL);
        intend_slash(g, Q_S_DOUBLE_PROPOSAL, q_proposer(5, g->n), &g->blocks[c[5]].root, &g->blocks[g->d2].root);
        intend_slash(g, Q_S_DOUBLE_PROPOSAL, q_proposer(5, g->n), &g->blocks[c[5]].root, &g->blocks[g->d3].root);
        break;
    case 6:
        send_block(g, t0 + 1000, 4, g->f1, false, Q_V_CLEARED, Q_R_NONE, TAG_FORK_SHORT);
        break;
    case 7:
        send_block(g, t0 + 1200, 5, g->f2a, false, Q_V_CLEARED, Q_R_NONE, TAG_FORK_SHORT);
        break;
    case 8: /* exactly 500 ms early: accepted; then wrong proposers */
        send_block(g, t0 - 500, 6, c[8], false, Q_V_CLEARED, Q_R_NONE, TAG_CANON_EDGE);
        send_block(g, t0 + 700, 1, c[8], false, Q_V_IGNORE, Q_R_DUPLICATE, TAG_CANON_DUP);
        send_block(g, t0 + 2500, 7, g->w1, false, Q_V_REJECT, Q_R_WRONG_PROPOSER, TAG_WRONG_PROPOSER);
        send_block(g, t0 + 2600, 7, g->w2, false, Q_V_REJECT, Q_R_WRONG_PROPOSER, TAG_WRONG_PROPOSER);
        break;
    case 9:
        send_block(g, t0 + 1200, 5, g->f2b, false, Q_V_CLEARED, Q_R_NONE, TAG_FORK_SHORT);
        break;
    case 10:
        deliver_canon(g, 10, false);
        send_block(g, t0 + 2000, 8, g->bs, false, Q_V_REJECT, Q_R_BAD_SIGNATURE, TAG_BAD_SIG_BLOCK);
        break;
    case 11: /* O1, child of the bad-body Y, before Y */
        send_block(g, t0 + 1500, 3, g->o1, false, Q_V_REJECT, Q_R_BAD_ANCESTOR, TAG_ORPHAN_OF_INVALID);
        break;
    case 12: /* the canonical block of 12 comes only after its child (slot 14) */
        send_block(g, slot_t(14) + 3000, 2, c[12], false, Q_V_CLEARED, Q_R_NONE, TAG_OOO_PARENT);
        break;
    case 13: /* O2 (child of O1), then Y: O1, O2 and the attestation on O1 fail */
        send_block(g, t0 + 1500, 4, g->o2, false, Q_V_REJECT, Q_R_BAD_ANCESTOR, TAG_ORPHAN_OF_INVALID);
        send_block(g, t0 + 9000, 5, g->y, false, Q_V_REJECT, Q_R_BAD_BODY, TAG_BAD_BODY);
        break;
    case 14: /* the child before its parent, and a copy of it while held */
        send_block(g, t0 + 1000, 6, c[14], false, Q_V_CLEARED, Q_R_NONE, TAG_OOO_CHILD);
        send_block(g, t0 + 2000, 7, c[14], false, Q_V_IGNORE, Q_R_DUPLICATE, TAG_OOO_CHILD_DUP);
        g->blocks[c[14]].clear_t = slot_t(14) + 3000;
        break;
    case 15:
        send_block(g, t0 + 1500, 1, g->o3, false, Q_V_REJECT, Q_R_BAD_ANCESTOR, TAG_CHILD_OF_INVALID);
        break;
    case 16:
        send_block(g, t0 + 1500, 2, g->wc, false, Q_V_REJECT, Q_R_BAD_ANCESTOR, TAG_CHILD_OF_INVALID);
        break;
    case 17:
        send_block(g, t0 + 1500, 3, g->d2c, false, Q_V_REJECT, Q_R_BAD_ANCESTOR, TAG_CHILD_OF_INVALID);
        break;
    case 18:
    case 19:
        deliver_canon(g, s, false);
        break;
    default:
        break;
    }
}

/* The deep fork burst: every block of the fork, newest first, all at once. */
static void burst(gen *g)
{
    uint64_t t = slot_t(g->burst_slot) + 9000;
    unsigned evicted = GEN_DEEP_FORK - 1 - Q_ORPHAN_MAX;
    for (unsigned i = 0; i < GEN_DEEP_FORK; i++) {
        unsigned k = GEN_DEEP_FORK - 1 - i; /* deep[k], delivered i-th */
        bool ev = i < evicted;
        send_block(g, t, (uint16_t)(1 + i % GEN_PEERS), g->deep[k], false, ev ? Q_V_EVICTED : Q_V_CLEARED,
                   ev ? Q_R_ORPHAN : Q_R_NONE, ev ? TAG_DEEP_FORK_EVICTED : TAG_DEEP_FORK);
    }
}

/* The attestations of slot s: regular votes (with noise) and designed ones. */
static void attest_slot(gen *g, uint64_t s, const designations *d)
{
    uint64_t e = q_epoch(s), n = g->n;
    for (uint64_t k = g->slot_first[s]; k < g->slot_first[s + 1]; k++) {
        uint32_t v = g->by_slot[k];
        uint64_t t = slot_t(s) + (rnd(&g->r) % 8 ? rnd_in(&g->r, 3500, 6000) : rnd_in(&g->r, 6000, 11000));
        uint16_t p = peer_pick(g);
        q_attestation a;
        int dr = g->designated[e * n + v];
        int head = g->head[s];
        att_make(g, &a, v, e, head);
        if (dr == D_NONE) {
            att_sign(g, &a, v);
            unsigned x = (unsigned)(rnd(&g->r) % 256);
            if (x == 0) { /* a forged copy first */
                q_attestation f = a;
                f.sig[7] ^= 0x10;
                send_att(g, t - 50, peer_other(g, p, 2), &f, Q_V_REJECT, Q_R_BAD_SIGNATURE, TAG_ATT_FORGED);
            } else if (x == 1) { /* an early copy */
                send_att(g, slot_t(s) - rnd_in(&g->r, 501, 2000), peer_other(g, p, 3), &a, Q_V_IGNORE,
                         Q_R_FUTURE_SLOT, TAG_ATT_EARLY);
            }
            bool held = head >= 0 && g->blocks[head].clear_t > t;
            send_att(g, t, p, &a, Q_V_CLEARED, Q_R_NONE, held ? TAG_ATT_HELD : TAG_ATT);
            if (rnd(&g->r) % 8 == 0)
                send_att(g, t + rnd_in(&g->r, 20, 400), peer_other(g, p, 1), &a, Q_V_IGNORE, Q_R_DUPLICATE,
                         TAG_ATT_DUP);
            continue;
        }
        q_root r1, r2;
        switch (dr) {
        case D_SURROUNDING:
            if (e == 2) { /* regular (1, 2) */
                att_sign(g, &a, v);
                send_att(g, t, p, &a, Q_V_CLEARED, Q_R_NONE, TAG_ATT);
            } else { /* (0, 3) surrounds (1, 2) */
                q_attestation old;
                att_make(g, &old, v, 2, g->head[g->duty_slot[2 * n + v]]);
                data_root(&old, &r1);
                a.data.source_epoch = 0;
                a.data.source_root = *q_genesis_root();
                att_sign(g, &a, v);
                data_root(&a, &r2);
                send_att(g, t, p, &a, Q_V_SLASHABLE, Q_R_SURROUND_VOTE, TAG_ATT_SURROUNDING);
                intend_slash(g, Q_S_SURROUND_VOTE, v, &r1, &r2);
            }
            break;
        case D_SURROUNDED:
            if (e == 3) { /* (0, 3) now, then the late (1, 2) it surrounds */
                a.data.source_epoch = 0;
                a.data.source_root = *q_genesis_root();
                att_sign(g, &a, v);
                data_root(&a, &r1);
                send_att(g, t, p, &a, Q_V_CLEARED, Q_R_NONE, TAG_ATT_WIDE);
                q_attestation late;
                att_make(g, &late, v, 2, g->head[g->duty_slot[2 * n + v]]);
                att_sign(g, &late, v);
                data_root(&late, &r2);
                send_att(g, slot_t(s) + 11200, p, &late, Q_V_SLASHABLE, Q_R_SURROUND_VOTE, TAG_ATT_SURROUNDED);
                intend_slash(g, Q_S_SURROUND_VOTE, v, &r1, &r2);
            } /* epoch 2: nothing now */
            break;
        case D_DOUBLE: { /* the regular vote, then one for the short fork F1 */
            att_sign(g, &a, v);
            data_root(&a, &r1);
            send_att(g, slot_t(s) + 4000, p, &a, Q_V_CLEARED, Q_R_NONE, TAG_ATT);
            q_attestation b;
            att_make(g, &b, v, e, g->f1);
            att_sign(g, &b, v);
            data_root(&b, &r2);
            send_att(g, slot_t(s) + 7000, peer_other(g, p, 1), &b, Q_V_SLASHABLE, Q_R_DOUBLE_VOTE,
                     TAG_ATT_DOUBLE_VOTE);
            intend_slash(g, Q_S_DOUBLE_VOTE, v, &r1, &r2);
            break;
        }
        case D_BAD_TARGET_ROOT:
            q_sha256(&a.data.target_root, "not a checkpoint", 16);
            att_sign(g, &a, v);
            send_att(g, t, p, &a, Q_V_REJECT, Q_R_BAD_TARGET_ROOT, TAG_ATT_BAD_TARGET_ROOT);
            break;
        case D_BAD_SOURCE:
            a.data.source_epoch = e + 1;
            att_sign(g, &a, v);
            send_att(g, t, p, &a, Q_V_REJECT, Q_R_BAD_SOURCE, TAG_ATT_BAD_SOURCE);
            break;
        case D_BAD_BLOCK:
            att_make(g, &a, v, e, g->w1);
            att_sign(g, &a, v);
            send_att(g, t, p, &a, Q_V_REJECT, Q_R_BAD_BLOCK, TAG_ATT_BAD_BLOCK);
            break;
        case D_HELD_BAD_BLOCK: /* on O1 while it is held; Y comes at 13 + 9 s */
            att_make(g, &a, v, e, g->o1);
            att_sign(g, &a, v);
            send_att(g, slot_t(s) + 4000, p, &a, Q_V_REJECT, Q_R_BAD_BLOCK, TAG_ATT_HELD_BAD_BLOCK);
            break;
        case D_EXPIRED:
        case D_HELD_END:
        case D_UNVIABLE: {
            int which = dr == D_EXPIRED ? 2 : dr == D_HELD_END ? 3 : 4;
            a.data.beacon_block_root = g->phantom[which];
            att_sign(g, &a, v);
            q_verdict vv = dr == D_EXPIRED ? Q_V_EXPIRED : dr == D_HELD_END ? Q_V_HELD_AT_END : Q_V_UNVIABLE;
            int tag = dr == D_EXPIRED ? TAG_ATT_EXPIRED : dr == D_HELD_END ? TAG_ATT_HELD_END : TAG_ATT_UNVIABLE;
            send_att(g, t, p, &a, vv, Q_R_PENDING, tag);
            break;
        }
        default:
            break;
        }
    }
}

/* Attestation items that are off duty or malformed, in epoch 1 (slots 40..47). */
static void attest_extras(gen *g, uint64_t s)
{
    if (s < 40 || s > 47) return;
    uint64_t e = q_epoch(s), n = g->n;
    /* the first non-designated validator with a duty in s */
    int64_t v = -1;
    for (uint64_t k = g->slot_first[s]; k < g->slot_first[s + 1] && v < 0; k++)
        if (!g->designated[e * n + g->by_slot[k]]) v = g->by_slot[k];
    if (v < 0) return;
    uint64_t t = slot_t(s) + 5000 + (s - 40) * 10;
    q_attestation a;
    att_make(g, &a, (uint32_t)v, e, g->head[s]);
    switch (s) {
    case 40: /* target epoch is not the slot's epoch */
        a.data.target_epoch = e + 1;
        att_sign(g, &a, (uint64_t)v);
        send_att(g, t, 3, &a, Q_V_REJECT, Q_R_BAD_TARGET_EPOCH, TAG_ATT_BAD_TARGET_EPOCH);
        break;
    case 41: /* a slot off the duty, same epoch */
        a.data.slot = s - 1; /* a past slot of the same epoch (a future one would be ignored first) */
        att_sign(g, &a, (uint64_t)v);
        send_att(g, t, 3, &a, Q_V_REJECT, Q_R_NOT_IN_COMMITTEE, TAG_ATT_NOT_IN_COMMITTEE);
        break;
    case 42: /* a committee index off the duty */
        a.data.index += 1;
        att_sign(g, &a, (uint64_t)v);
        send_att(g, t, 3, &a, Q_V_REJECT, Q_R_NOT_IN_COMMITTEE, TAG_ATT_NOT_IN_COMMITTEE);
        break;
    case 43: /* an attester that does not exist */
        a.attester = g->n + 5;
        att_sign(g, &a, g->n + 5);
        send_att(g, t, 3, &a, Q_V_REJECT, Q_R_NOT_IN_COMMITTEE, TAG_ATT_NOT_IN_COMMITTEE);
        break;
    case 44: /* signed by another validator, before the genuine one */
        att_sign(g, &a, ((uint64_t)v + 1) % n);
        send_att(g, slot_t(s) + 3000, 3, &a, Q_V_REJECT, Q_R_BAD_SIGNATURE, TAG_ATT_BAD_SIG);
        break;
    case 45: /* an early copy of a regular vote (its genuine copy comes as usual) */
        att_sign(g, &a, (uint64_t)v);
        send_att(g, slot_t(s) - 1500, 3, &a, Q_V_IGNORE, Q_R_FUTURE_SLOT, TAG_ATT_EARLY);
        break;
    default:
        break;
    }
}

/* The last slot's cases, after the attestations of that slot are queued. */
static void last_slot(gen *g)
{
    uint64_t S = g->S, t0 = slot_t(S - 1);
    send_block(g, t0 + 2000, 5, g->orphan_end, false, Q_V_HELD_AT_END, Q_R_ORPHAN, TAG_ORPHAN_HELD_END);
    send_block(g, t0 + 2100, 6, g->orphan_unviable, false, Q_V_UNVIABLE, Q_R_ORPHAN, TAG_ORPHAN_UNVIABLE);
    q_frame fin = {.kind = Q_KIND_FINALIZE};
    fin.u.fin.epoch = g->epochs - 1;
    fin.u.fin.root = *checkpoint(g, g->head[S - 1], g->epochs - 1);
    push_frame(g, t0 + 8000, fin);
    send_block(g, t0 + 9000, 7, g->c[2], false, Q_V_IGNORE, Q_R_FINALIZED, TAG_FINALIZED_LATE);
    send_block(g, t0 + 9000, 8, g->late_final, false, Q_V_IGNORE, Q_R_FINALIZED, TAG_FINALIZED_LATE);
    send_block(g, t0 + 10000, 1, g->far_future, false, Q_V_IGNORE, Q_R_FUTURE_SLOT, TAG_FAR_FUTURE);
    /* a rebroadcast of a regular vote of epoch E-3 (cleared long ago): too_old */
    uint64_t e = g->epochs - 3, n = g->n;
    for (uint32_t v = 0; v < g->n; v++) {
        if (g->designated[e * n + v]) continue;
        uint64_t s = g->duty_slot[e * n + v];
        q_attestation a;
        att_make(g, &a, v, e, g->head[s]);
        att_sign(g, &a, v);
        send_att(g, t0 + 9500, 2, &a, Q_V_IGNORE, Q_R_TOO_OLD, TAG_ATT_TOO_OLD);
        break;
    }
    q_frame end = {.kind = Q_KIND_END};
    push_frame(g, g->end_t, end);
}

/* Generates the whole stream into g->out. Returns 0 or -1. */
static int generate(gen *g)
{
    designations d = {0};
    if (duties(g) < 0) {
        fprintf(stderr, "quarantine gen: out of memory for the duties of %" PRIu32 " validators x %" PRIu64
                        " epochs\n", g->n, g->epochs);
        return -1;
    }
    if (layout(g) < 0) {
        fprintf(stderr, "quarantine gen: cannot lay out %" PRIu64 " epochs (need at least %u)\n", g->epochs,
                GEN_MIN_EPOCHS);
        return -1;
    }
    if (designate_all(g, &d) < 0) return -1;
    g->end_t = slot_t(g->S - 1) + 11500;

    q_frame hello = {.kind = Q_KIND_HELLO};
    hello.u.hello.n_validators = g->n;
    push_frame(g, 0, hello);
    for (uint64_t s = 1; s < g->S; s++) {
        q_frame tick = {.kind = Q_KIND_TICK};
        push_frame(g, slot_t(s), tick);
        if (s <= GEN_PHASE_A_END) phase_a(g, s);
        else if (g->role[s] == R_CANON) deliver_canon(g, s, true);
        if (s == g->burst_slot) burst(g);
        attest_slot(g, s, &d);
        attest_extras(g, s);
        /* FINALIZE(e) two epochs late, once the burst is over; FINALIZE(0) early */
        if (s == 33) {
            q_frame fin = {.kind = Q_KIND_FINALIZE};
            fin.u.fin.epoch = 0;
            fin.u.fin.root = *q_genesis_root();
            push_frame(g, slot_t(s) + 8000, fin);
        }
        if (s % 32 == 2 && s / 32 >= 3 && s > g->burst_slot && s < g->S - 1) {
            q_frame fin = {.kind = Q_KIND_FINALIZE};
            fin.u.fin.epoch = s / 32 - 2;
            fin.u.fin.root = *checkpoint(g, g->head[s], fin.u.fin.epoch);
            push_frame(g, slot_t(s) + 8000, fin);
        }
        if (s == g->S - 1) last_slot(g);
        if (s >= 2) flush_before(g, slot_t(s - 1));
    }
    flush_before(g, UINT64_MAX);
    return g->write_failed ? -1 : 0;
}

/* ------------------------------------------------------------ the engine's view */

/* Collects the engine's events: writes FILE.expected records and keeps the
 * outcomes for the comparison with the intents. */
typedef struct esink {
    FILE *exp;
    bool write_failed;
    outcome *rows;
    size_t nrows, caprows;
    slash *sl;
    size_t nsl, capsl;
    uint64_t counters[Q_C_COUNT];
    bool ended;
} esink;

static void esink_add(esink *k, q_item_kind kind, const q_root *id, q_verdict v, q_reason r)
{
    grow((void **)&k->rows, &k->caprows, k->nrows + 1, sizeof *k->rows);
    outcome *o = &k->rows[k->nrows++];
    memset(o, 0, sizeof *o);
    o->id = *id;
    o->kind = (uint8_t)kind;
    o->verdict = (uint8_t)v;
    o->reason = (uint8_t)r;
}

/* q_sink.emit: one engine event. */
static void esink_emit(void *ctx, const q_event *ev)
{
    esink *k = ctx;
    q_exp_record rec = {.type = Q_EXP_NONE};
    switch (ev->type) {
    case Q_EV_CLEARED_BLOCK:
        rec = (q_exp_record){.type = Q_EXP_CLEARED, .kind = Q_ITEM_BLOCK, .id = ev->u.block.root, .seq = ev->u.block.seq};
        esink_add(k, Q_ITEM_BLOCK, &rec.id, Q_V_CLEARED, Q_R_NONE);
        break;
    case Q_EV_CLEARED_ATT:
        rec = (q_exp_record){.type = Q_EXP_CLEARED, .kind = Q_ITEM_ATTESTATION, .id = ev->u.att.id, .seq = ev->u.att.seq};
        esink_add(k, Q_ITEM_ATTESTATION, &rec.id, Q_V_CLEARED, Q_R_NONE);
        break;
    case Q_EV_REJECT:
        rec = (q_exp_record){.type = Q_EXP_REJECT, .kind = ev->u.reject.kind, .id = ev->u.reject.id,
                             .verdict = ev->u.reject.verdict, .reason = ev->u.reject.reason};
        esink_add(k, rec.kind, &rec.id, rec.verdict, rec.reason);
        break;
    case Q_EV_SLASHING: {
        rec = (q_exp_record){.type = Q_EXP_SLASHING, .slashing = ev->u.slashing.kind,
                             .validator = ev->u.slashing.validator, .first = ev->u.slashing.first,
                             .second = ev->u.slashing.second};
        grow((void **)&k->sl, &k->capsl, k->nsl + 1, sizeof *k->sl);
        slash *s = &k->sl[k->nsl++];
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

/* ------------------------------------------------------------ comparison */

static int outcome_cmp(const void *pa, const void *pb)
{
    const outcome *a = pa, *b = pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    int c = memcmp(a->id.b, b->id.b, Q_ROOT_BYTES);
    if (c) return c;
    if (a->verdict != b->verdict) return a->verdict < b->verdict ? -1 : 1;
    if (a->reason != b->reason) return a->reason < b->reason ? -1 : 1;
    return 0;
}

static int slash_cmp(const void *pa, const void *pb)
{
    const slash *a = pa, *b = pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    if (a->validator != b->validator) return a->validator < b->validator ? -1 : 1;
    int c = memcmp(a->first.b, b->first.b, Q_ROOT_BYTES);
    return c ? c : memcmp(a->second.b, b->second.b, Q_ROOT_BYTES);
}

/* Orders by item (kind, id) only. */
static int item_cmp(const outcome *a, const outcome *b)
{
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return memcmp(a->id.b, b->id.b, Q_ROOT_BYTES);
}

/* Same item (kind and id)? */
static bool same_item(const outcome *a, const outcome *b)
{
    return a->kind == b->kind && q_root_eq(&a->id, &b->id);
}

#define GEN_MAX_REPORTED 40

/* Compares the intents with the engine's outcomes (both sorted), item by
 * item. Prints each item on which they differ. Returns the count of such. */
static size_t compare_items(const gen *g, const esink *k)
{
    size_t i = 0, j = 0, bad = 0;
    while (i < g->nintents || j < k->nrows) {
        const outcome *key;
        if (i == g->nintents) key = &k->rows[j];
        else if (j == k->nrows) key = &g->intents[i];
        else key = item_cmp(&g->intents[i], &k->rows[j]) <= 0 ? &g->intents[i] : &k->rows[j];
        size_t i1 = i, j1 = j;
        while (i1 < g->nintents && same_item(&g->intents[i1], key)) i1++;
        while (j1 < k->nrows && same_item(&k->rows[j1], key)) j1++;
        bool equal = (i1 - i) == (j1 - j);
        for (size_t a = 0; equal && a < i1 - i; a++)
            equal = g->intents[i + a].verdict == k->rows[j + a].verdict &&
                    g->intents[i + a].reason == k->rows[j + a].reason;
        if (!equal) {
            if (bad < GEN_MAX_REPORTED) {
                char hex[65];
                fprintf(stderr, "  %s %s\n    designed:", q_item_kind_word((q_item_kind)key->kind),
                        q_root_hex(&key->id, hex));
                if (i1 == i) fprintf(stderr, " (nothing)");
                for (size_t a = i; a < i1; a++)
                    fprintf(stderr, " [%s: %s %s]", tag_name[g->intents[a].tag],
                            q_verdict_word((q_verdict)g->intents[a].verdict),
                            q_reason_word((q_reason)g->intents[a].reason));
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
static size_t compare_slashings(const gen *g, const esink *k)
{
    size_t i = 0, j = 0, bad = 0;
    char h1[65], h2[65];
    while (i < g->nslashes || j < k->nsl) {
        int c = i == g->nslashes ? 1 : j == k->nsl ? -1 : slash_cmp(&g->slashes[i], &k->sl[j]);
        if (c == 0) {
            i++, j++;
            continue;
        }
        const slash *s = c < 0 ? &g->slashes[i++] : &k->sl[j++];
        if (bad++ < GEN_MAX_REPORTED)
            fprintf(stderr, "  slashing %s %" PRIu32 " %s %s: %s\n", q_slashing_word((q_slashing_kind)s->kind),
                    s->validator, q_root_hex(&s->first, h1), q_root_hex(&s->second, h2),
                    c < 0 ? "designed, the engine did not report it" : "reported by the engine, not designed");
    }
    return bad;
}

/* The counters the intents imply. */
static void intended_counters(const gen *g, uint64_t out[Q_C_COUNT])
{
    memset(out, 0, Q_C_COUNT * sizeof *out);
    for (size_t i = 0; i < g->nintents; i++) {
        const outcome *o = &g->intents[i];
        out[Q_C_RECEIVED]++;
        int c = q_verdict_counter((q_verdict)o->verdict);
        if (c >= 0) out[c]++;
        if (o->verdict == Q_V_EVICTED) out[o->kind == Q_ITEM_BLOCK ? Q_C_ORPHAN_EVICTED : Q_C_PENDING_EVICTED]++;
    }
}

/* ------------------------------------------------------------ report */

/* Prints the intended verdicts by kind and reason, the slashings and the cases. */
static void report(const gen *g, const char *out, double t_gen, double t_engine)
{
    size_t blocks = 0, atts = 0;
    for (size_t i = 0; i < g->nintents; i++) *(g->intents[i].kind == Q_ITEM_BLOCK ? &blocks : &atts) += 1;
    printf("quarantine gen: %s: %" PRIu64 " frames, %" PRIu64 " bytes, %zu blocks + %zu attestations received; "
           "%" PRIu32 " validators, %" PRIu64 " epochs, seed %" PRIu64 "\n",
           out, g->frames, g->bytes, blocks, atts, g->n, g->epochs, g->seed);
    printf("  generated in %.2f s, engine cross-check in %.2f s: every designed verdict agrees\n", t_gen, t_engine);
    printf("  verdicts (item copies):\n");
    for (int kind = 0; kind < 2; kind++)
        for (int v = 0; v < Q_V_COUNT; v++)
            for (int r = 0; r < Q_R_COUNT; r++) {
                size_t n = 0;
                for (size_t i = 0; i < g->nintents; i++)
                    n += g->intents[i].kind == kind && g->intents[i].verdict == v && g->intents[i].reason == r;
                if (n)
                    printf("    %-12s %-11s %-22s %zu\n", q_item_kind_word((q_item_kind)kind),
                           q_verdict_word((q_verdict)v), r ? q_reason_word((q_reason)r) : "", n);
            }
    size_t sk[Q_S_COUNT] = {0};
    for (size_t i = 0; i < g->nslashes; i++) sk[g->slashes[i].kind]++;
    printf("  slashings: %zu double_proposal, %zu double_vote, %zu surround_vote\n", sk[0], sk[1], sk[2]);
    printf("  cases:\n");
    for (int t = 0; t < TAG_COUNT; t++) printf("    %-22s %8" PRIu64 "  %s\n", tag_name[t], g->tag_count[t], tag_text[t]);
}

/* ------------------------------------------------------------ command */

static void gen_usage(FILE *f)
{
    fprintf(f,
            "usage: quarantine gen --validators N --epochs E [--seed S] --out FILE\n\n"
            "Writes a stream of E epochs for N validators to FILE (deterministic from S,\n"
            "default 1) that shows every case of the quarantine spec, and FILE.expected,\n"
            "the expected verdict of every item copy, the slashings and the counters.\n"
            "The expected outcome comes from the serial verdict engine and is checked\n"
            "against the verdict the generator designed for every item: gen fails\n"
            "(exit 1, differences on stderr, no FILE.expected) when they disagree.\n\n"
            "  --validators N   %u .. 4000000\n"
            "  --epochs E       %u .. 10000 (32 slots of 12 s each)\n"
            "  --seed S         any 64-bit number (default 1)\n"
            "  --out FILE       the stream; FILE.expected is written beside it\n\n"
            "exit status: 0 written and cross-checked, 1 failure, 2 usage error\n",
            GEN_MIN_VALIDATORS, GEN_MIN_EPOCHS);
}

static void gen_free(gen *g)
{
    for (size_t i = 0; i < g->nblocks; i++) free(g->blocks[i].body);
    while (g->nheap) {
        hframe h;
        pop_frame(g, &h);
        q_frame_release(&h.f);
    }
    free(g->blocks);
    free(g->heap);
    free(g->intents);
    free(g->slashes);
    free(g->sk);
    free(g->sk_ok);
    free(g->duty_slot);
    free(g->duty_index);
    free(g->by_slot);
    free(g->slot_first);
    free(g->designated);
    free(g->role);
    free(g->canon);
    free(g->head);
}

int q_cmd_gen(int argc, char **argv)
{
    uint64_t n = 0, epochs = 0, seed = 1;
    const char *out = NULL;
    q_flag flags[] = {
        {.name = "validators", .u64 = &n, .min = GEN_MIN_VALIDATORS, .max = 4000000, .required = true},
        {.name = "epochs", .u64 = &epochs, .min = GEN_MIN_EPOCHS, .max = 10000, .required = true},
        {.name = "seed", .u64 = &seed, .min = 0, .max = UINT64_MAX},
        {.name = "out", .str = &out, .required = true},
    };
    int begin = q_cmd_begin("gen", argc, argv, flags, (int)(sizeof flags / sizeof flags[0]), gen_usage);
    if (begin >= 0) return begin;
    size_t plen = strlen(out);
    char *exp_path = malloc(plen + 16), *tmp_path = malloc(plen + 24);
    if (!exp_path || !tmp_path) return 1;
    snprintf(exp_path, plen + 16, "%s.expected", out);
    snprintf(tmp_path, plen + 24, "%s.expected.tmp", out);
    unlink(exp_path); /* never leave a stale one beside a new stream */

    gen g;
    memset(&g, 0, sizeof g);
    g.n = (uint32_t)n;
    g.epochs = epochs;
    g.S = epochs * Q_SLOTS_PER_EPOCH;
    g.seed = seed;
    g.r.s = seed ^ 0x7765667471756172ull; /* "weftquar" */
    g.sk = malloc((size_t)n * Q_SK_BYTES);
    g.sk_ok = calloc(n, 1);
    int rc = 1;
    esink k = {0};
    double t0 = q_now_s(), t1 = 0, t2 = 0;
    if (!g.sk || !g.sk_ok) {
        fprintf(stderr, "quarantine gen: out of memory\n");
        goto done;
    }
    g.out = fopen(out, "wb");
    if (!g.out) {
        fprintf(stderr, "quarantine gen: cannot write '%s': %s\n", out, strerror(errno));
        goto done;
    }
    setvbuf(g.out, NULL, _IOFBF, 1 << 20);
    int grc = generate(&g);
    if (fclose(g.out) != 0) grc = -1;
    g.out = NULL;
    if (grc < 0) {
        if (g.write_failed) fprintf(stderr, "quarantine gen: writing '%s' failed: %s\n", out, strerror(errno));
        goto done;
    }
    for (int t = 0; t < TAG_COUNT; t++) {
        if (!g.tag_count[t]) {
            fprintf(stderr, "quarantine gen: case %s (%s) did not appear in the stream\n", tag_name[t], tag_text[t]);
            goto done;
        }
    }
    t1 = q_now_s();

    /* the engine's outcome of the stream, written as FILE.expected */
    k.exp = fopen(tmp_path, "w");
    if (!k.exp) {
        fprintf(stderr, "quarantine gen: cannot write '%s': %s\n", tmp_path, strerror(errno));
        goto done;
    }
    setvbuf(k.exp, NULL, _IOFBF, 1 << 20);
    fprintf(k.exp, "# quarantine gen --validators %" PRIu64 " --epochs %" PRIu64 " --seed %" PRIu64
                   " (format: quarantine/expected.h)\n", n, epochs, seed);
    q_sink sink = {.emit = esink_emit, .ctx = &k};
    char err[512];
    if (q_replay_file(out, &sink, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "quarantine gen: the engine could not read the stream: %s\n", err);
        goto done;
    }
    if (fclose(k.exp) != 0 || k.write_failed) {
        k.exp = NULL;
        fprintf(stderr, "quarantine gen: writing '%s' failed\n", tmp_path);
        goto done;
    }
    k.exp = NULL;
    t2 = q_now_s();

    /* designed vs engine */
    qsort(g.intents, g.nintents, sizeof *g.intents, outcome_cmp);
    qsort(k.rows, k.nrows, sizeof *k.rows, outcome_cmp);
    qsort(g.slashes, g.nslashes, sizeof *g.slashes, slash_cmp);
    qsort(k.sl, k.nsl, sizeof *k.sl, slash_cmp);
    uint64_t want[Q_C_COUNT];
    intended_counters(&g, want);
    size_t bad_items = compare_items(&g, &k);
    size_t bad_sl = compare_slashings(&g, &k);
    size_t bad_c = 0;
    if (!k.ended) {
        fprintf(stderr, "  the engine never reported END\n");
        bad_c++;
    }
    for (int c = 0; k.ended && c < Q_C_COUNT; c++) {
        if (want[c] != k.counters[c]) {
            fprintf(stderr, "  counter %s: designed %" PRIu64 ", engine %" PRIu64 "\n", q_counter_word((q_counter)c),
                    want[c], k.counters[c]);
            bad_c++;
        }
    }
    if (bad_items || bad_sl || bad_c) {
        fprintf(stderr,
                "quarantine gen: the engine disagrees with the design on %zu items, %zu slashings, %zu counters "
                "(above); %s kept, no %s written\n",
                bad_items, bad_sl, bad_c, out, exp_path);
        goto done;
    }
    if (rename(tmp_path, exp_path) != 0) {
        fprintf(stderr, "quarantine gen: cannot rename '%s' to '%s': %s\n", tmp_path, exp_path, strerror(errno));
        goto done;
    }
    report(&g, out, t1 - t0, t2 - t1);
    rc = 0;
done:
    if (g.out) fclose(g.out);
    if (k.exp) fclose(k.exp);
    if (rc != 0) unlink(tmp_path);
    free(k.rows);
    free(k.sl);
    gen_free(&g);
    free(exp_path);
    free(tmp_path);
    return rc;
}
