/* quarantine/gen_scenario.c: the scenario of `quarantine gen` (gen.h): the
 * designed stream that shows every case of the spec, written frame by frame
 * in time order, with the verdict it intends for every item copy and the
 * slashings it intends (a q_gen_design). The cross-check against the engine
 * is gen_crosscheck.c.
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
#include "quarantine/gen.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "quarantine/chain.h"
#include "quarantine/spec.h"
#include "quarantine/wire.h"

/* ------------------------------------------------------------ parameters */

#define GEN_PEERS 8u          /* item peers are 1..8; peer 0 sends HELLO/TICK/FINALIZE/END */
#define GEN_DEEP_FORK 100u    /* R: the reverse-delivered chain, > Q_ORPHAN_MAX */
#define GEN_PHASE_A_END 19u   /* last slot of phase A */
#define GEN_WINDOW 150u       /* slots of the deep-fork window (when E allows) */

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

void q_gen_grow(void **p, size_t *cap, size_t want, size_t sz)
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

q_gen_outcome *q_gen_outcome_add(q_gen_outcome **rows, size_t *cap, size_t *n, q_item_kind kind,
                                 const q_root *id, q_verdict v, q_reason r)
{
    q_gen_grow((void **)rows, cap, *n + 1, sizeof **rows);
    q_gen_outcome *o = &(*rows)[(*n)++];
    memset(o, 0, sizeof *o);
    o->id = *id;
    o->kind = (uint8_t)kind;
    o->verdict = (uint8_t)v;
    o->reason = (uint8_t)r;
    return o;
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

    /* what the design intends, and the stream's size: the caller's */
    q_gen_design *d;

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
    q_gen_grow((void **)&g->heap, &g->capheap, g->nheap + 1, sizeof *g->heap);
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
        if (q_frame_write(g->out, &h.f) < 0) g->d->write_failed = true;
        g->d->frames++;
        g->d->bytes += q_frame_size(&h.f);
        q_frame_release(&h.f);
    }
}

/* ------------------------------------------------------------ intents */

static void intend(gen *g, q_item_kind kind, const q_root *id, q_verdict v, q_reason r, int tag)
{
    q_gen_outcome *o = q_gen_outcome_add(&g->d->intents, &g->d->capintents, &g->d->nintents, kind, id, v, r);
    o->tag = (uint8_t)tag;
    g->d->tag_count[tag]++;
}

static void intend_slash(gen *g, q_slashing_kind k, uint32_t validator, const q_root *first, const q_root *second)
{
    q_gen_grow((void **)&g->d->slashes, &g->d->capslashes, g->d->nslashes + 1, sizeof *g->d->slashes);
    q_gen_slash *s = &g->d->slashes[g->d->nslashes++];
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
    q_gen_grow((void **)&g->blocks, &g->capblocks, g->nblocks + 1, sizeof *g->blocks);
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
    return g->d->write_failed ? -1 : 0;
}

/* ------------------------------------------------------------ entry */

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

int q_gen_scenario_write(FILE *out, uint32_t n, uint64_t epochs, uint64_t seed, q_gen_design *d)
{
    gen g;
    memset(&g, 0, sizeof g);
    g.d = d;
    g.out = out;
    g.n = n;
    g.epochs = epochs;
    g.S = epochs * Q_SLOTS_PER_EPOCH;
    g.seed = seed;
    g.r.s = seed ^ 0x7765667471756172ull; /* "weftquar" */
    g.sk = malloc((size_t)n * Q_SK_BYTES);
    g.sk_ok = calloc(n, 1);
    int rc = -1;
    if (!g.sk || !g.sk_ok) fprintf(stderr, "quarantine gen: out of memory\n");
    else rc = generate(&g);
    gen_free(&g);
    return rc;
}

void q_gen_design_free(q_gen_design *d)
{
    free(d->intents);
    free(d->slashes);
    memset(d, 0, sizeof *d);
}
