/* quarantine/engine.c: the ordered checks of the verdict engine (engine.h,
 * spec section 4): the verdicts applied in arrival order, on one thread, to
 * items that the pure half (verify.h) has already checked.
 *
 * Layout of the state:
 *   blocks        cleared blocks (and genesis, first) above the prune line: a
 *                 pool of nodes with parent indices (PRUNED when the parent is
 *                 archived), plus root -> index. Target walks follow parent
 *                 indices; parent lookups are one hash probe.
 *   archive       the roots of the cleared blocks pruned below the prune line
 *                 (archive.h): known forever, nothing else kept of them.
 *   seen_blocks   (root || signature) -> slot of every block copy that reached
 *                 check 3 and was not dropped EVICTED/EXPIRED/UNVIABLE, in two
 *                 generations (seen, below).
 *   proposals     slot -> the first root that passed checks 4-6 at that slot
 *                 (check 7; the proposer is fixed by the slot, check 4).
 *   unviable      a FIFO ring of Q_UNVIABLE_MAX roots plus root -> present.
 *   orphans       a pool of Q_ORPHAN_MAX held blocks in arrival (FIFO) order;
 *                 lookups by parent scan the pool (at most 96). (held.h)
 *   pending       Q_PENDING_MAX held attestations in FIFO order, per block
 *                 root, and in a min-heap on (slot, arrival) for expiry.
 *                 (held.h)
 *   seen_atts     (id || signature) -> slot, two generations; cleared_atts:
 *                 id -> slot.
 *   votes         attester -> its votes that passed checks 1-5 (check 6).
 *   ready         resolution: a min-heap on arrival of held items whose block
 *                 has cleared; drained in arrival order, and clearing one may
 *                 add more (recursive resolution without recursion). (held.h)
 *
 * Pruning (memory flat however long a stream runs). The prune line is
 * P = min(finalized_slot, first slot of the previous epoch). A cleared block at
 * or below P is pruned: its node goes, its root goes to the archive. The
 * spec's outcomes do not change, because everything the checks could still
 * ask of such a block is "is it known", and the answer to the rest is fixed:
 *   - block check 3 (already cleared): a block at or below P <= finalized_slot
 *     is ignored by check 2 first (its root fixes its slot);
 *   - block check 8 (parent known, slot after parent's): a block that reaches
 *     check 8 is above finalized_slot (check 2; FINALIZE drops held orphans
 *     at or below it), so it is after a parent at or below P;
 *   - attestation check 8 (target walk): it stops at the newest block at or
 *     before target_epoch*32 >= the first slot of the previous epoch >= P
 *     (check 2 rejects older attestations as too_old, and a held one expires
 *     before the epoch after its own is over), so a walk that reaches a
 *     pruned block ends on it, and its root (the child's parent root, or the
 *     attestation's block root) is all the walk needs.
 * P never moves back (both terms are monotone), so a pruned block stays at or
 * below every later line. The seen tables are bounded by generations
 * (seen, below); the other tables are pruned as engine.h says.
 */
#include "quarantine/engine.h"

#include <stdlib.h>
#include <string.h>

#include "quarantine/archive.h"
#include "quarantine/hashmap.h"
#include "quarantine/held.h"

/* ------------------------------------------------------------ state */

/* parent_idx of a node whose parent is pruned (in the archive). */
#define PRUNED UINT32_MAX

typedef struct bnode {
    q_root root;
    q_root parent;
    uint64_t slot;       /* UINT64_MAX on a free node */
    uint32_t parent_idx; /* genesis points at itself; PRUNED; on a free node the next free */
} bnode;

/* A seen table (block or attestation copies, (id || signature) -> slot) in
 * two generations: puts go to cur; when cur holds gen entries, old is
 * forgotten (but for the copies that are held: they move to cur) and cur
 * becomes old. So it holds at most 2 * gen copies plus the held ones, and a
 * copy is remembered for at least the gen copies seen after it. */
typedef struct seen {
    q_map cur, old;
    size_t gen;
    uint64_t forgotten; /* copies forgotten by a generation change */
} seen;

typedef struct vote {
    uint64_t source, target;
    q_root data_root;
} vote;

typedef struct votes {
    uint32_t n, cap;
    vote *v;
} votes;

struct q_engine {
    q_sink sink;
    bool hello, ended;
    uint32_t n;
    q_registry reg;

    uint64_t now_ms, cur_slot, finalized_slot;
    uint64_t arrival, seq; /* items applied; the next seq (0-based, clear order) */
    uint64_t counters[Q_C_COUNT];
    q_engine_stats st;

    bnode *blocks;
    size_t nblocks, capblocks; /* nodes in use (live or free), allocated */
    uint32_t free_block;       /* first free node, PRUNED when none */
    q_map block_idx;   /* root -> uint32 index, live nodes */
    q_archive archive; /* roots of the pruned cleared blocks */
    uint64_t prune_line; /* the prune line P of the last prune (engine.c top) */
    seen seen_blocks;  /* root||sig -> uint64 slot */
    q_map proposals;   /* uint64 slot -> q_root */

    q_root *unv_ring;  /* Q_UNVIABLE_MAX */
    size_t unv_head, unv_len;
    q_map unviable;    /* root -> (set) */

    q_heldpool orphans; /* Q_ORPHAN_MAX blocks */
    q_pending pending;  /* Q_PENDING_MAX attestations */

    seen seen_atts;     /* id||sig -> uint64 slot */
    q_map cleared_atts; /* id -> uint64 slot */
    q_map vote_idx;     /* uint32 attester -> uint32 index into vts */
    votes *vts;
    size_t nvts, capvts;

    q_ready ready;      /* resolution heap on arrival */
    bool resolving;

    q_root *work;       /* unviable cascade worklist */
    size_t nwork, capwork;
};

/* ------------------------------------------------------------ events */

static void eng_emit(q_engine *e, const q_event *ev)
{
    if (q_event_is_row(ev->type)) e->st.events++;
    e->sink.emit(e->sink.ctx, ev);
}

/* Final verdict v (not CLEARED) for an item: counts it and emits its row. */
static void eng_verdict(q_engine *e, q_item_kind kind, const q_root *id, q_verdict v, q_reason r)
{
    e->counters[q_verdict_counter(v)]++;
    q_event ev = {.type = Q_EV_REJECT};
    ev.u.reject.kind = kind;
    ev.u.reject.id = *id;
    ev.u.reject.verdict = v;
    ev.u.reject.reason = r;
    eng_emit(e, &ev);
}

static void eng_slashing(q_engine *e, q_slashing_kind k, uint32_t who, const q_root *first, const q_root *second)
{
    q_event ev = {.type = Q_EV_SLASHING};
    ev.u.slashing.kind = k;
    ev.u.slashing.validator = who;
    ev.u.slashing.first = *first;
    ev.u.slashing.second = *second;
    eng_emit(e, &ev);
}

/* ------------------------------------------------------------ small keys */

static void copy_key(uint8_t key[Q_ROOT_BYTES + Q_SIG_BYTES], const q_root *r, const uint8_t sig[Q_SIG_BYTES])
{
    memcpy(key, r->b, Q_ROOT_BYTES);
    memcpy(key + Q_ROOT_BYTES, sig, Q_SIG_BYTES);
}

static void seen_init(seen *t, size_t gen)
{
    q_map_init(&t->cur, Q_ROOT_BYTES + Q_SIG_BYTES, sizeof(uint64_t));
    q_map_init(&t->old, Q_ROOT_BYTES + Q_SIG_BYTES, sizeof(uint64_t));
    t->gen = gen;
    t->forgotten = 0;
}

static void seen_destroy(seen *t)
{
    q_map_destroy(&t->cur);
    q_map_destroy(&t->old);
}

static size_t seen_len(const seen *t) { return q_map_len(&t->cur) + q_map_len(&t->old); }

static bool seen_has(const seen *t, const q_root *r, const uint8_t *sig)
{
    uint8_t key[Q_ROOT_BYTES + Q_SIG_BYTES];
    copy_key(key, r, sig);
    return q_map_get(&t->cur, key) != NULL || q_map_get(&t->old, key) != NULL;
}

static void seen_del(seen *t, const q_root *r, const uint8_t *sig)
{
    uint8_t key[Q_ROOT_BYTES + Q_SIG_BYTES];
    copy_key(key, r, sig);
    q_map_del(&t->cur, key);
    q_map_del(&t->old, key);
}

/* Keeps held copy (r, sig) across a generation change: moves it from old to
 * cur. Returns 1 when it moved. */
static size_t seen_keep(seen *t, const q_root *r, const uint8_t *sig)
{
    uint8_t key[Q_ROOT_BYTES + Q_SIG_BYTES];
    copy_key(key, r, sig);
    const uint64_t *slot = q_map_get(&t->old, key);
    if (!slot || q_map_get(&t->cur, key)) return 0;
    uint64_t v = *slot;
    q_map_put(&t->cur, key, &v);
    return 1;
}

/* The generation change: old goes (held copies moved to cur first, by the
 * caller's seen_keep calls counted in kept), cur becomes old. */
static void seen_turn(seen *t, size_t kept)
{
    t->forgotten += q_map_len(&t->old) - kept;
    q_map_destroy(&t->old);
    t->old = t->cur;
    q_map_init(&t->cur, Q_ROOT_BYTES + Q_SIG_BYTES, sizeof(uint64_t));
}

/* Removes the copies for which keep(ctx, key, val) is false (pruning). */
static void seen_filter(seen *t, bool (*keep)(void *ctx, const void *key, const void *val), void *ctx)
{
    q_map_filter(&t->cur, keep, ctx);
    q_map_filter(&t->old, keep, ctx);
}

/* Remembers copy (r, sig) at slot. True when cur is now full: the caller
 * turns the generation (it knows which copies are held). */
static bool seen_put(seen *t, const q_root *r, const uint8_t *sig, uint64_t slot)
{
    uint8_t key[Q_ROOT_BYTES + Q_SIG_BYTES];
    copy_key(key, r, sig);
    q_map_del(&t->old, key);
    q_map_put(&t->cur, key, &slot);
    return q_map_len(&t->cur) >= t->gen;
}

/* ------------------------------------------------------------ blocks */

/* Index of the live node of the cleared block (or genesis) with this root,
 * or -1 (not cleared, or pruned). */
static int64_t block_find(const q_engine *e, const q_root *r)
{
    const uint32_t *i = q_map_get(&e->block_idx, r);
    return i ? (int64_t)*i : -1;
}

/* Whether the block with this root is known (cleared or genesis): its live
 * node's index, PRUNED when it is known from the archive only (then it is at
 * or below the prune line), or -1 when unknown. */
static int64_t block_known(const q_engine *e, const q_root *r)
{
    int64_t i = block_find(e, r);
    if (i >= 0) return i;
    return q_archive_has(&e->archive, r) ? (int64_t)PRUNED : -1;
}

static uint32_t block_add(q_engine *e, const q_root *root, const q_root *parent, uint64_t slot, uint32_t parent_idx)
{
    uint32_t i = e->free_block;
    if (i != PRUNED) {
        e->free_block = e->blocks[i].parent_idx;
    } else {
        if (e->nblocks == e->capblocks) {
            e->capblocks = e->capblocks ? 2 * e->capblocks : 1024;
            e->blocks = q_xrealloc(e->blocks, e->capblocks * sizeof *e->blocks);
        }
        i = (uint32_t)e->nblocks++;
    }
    e->blocks[i] = (bnode){.root = *root, .parent = *parent, .slot = slot, .parent_idx = parent_idx};
    q_map_put(&e->block_idx, root, &i);
    e->st.blocks_live++;
    if (e->st.blocks_live > e->st.blocks_live_peak) e->st.blocks_live_peak = e->st.blocks_live;
    return i;
}

/* Prunes the cleared blocks at or below the prune line (top of this file),
 * when it has moved: their roots go to the archive, their nodes to the free
 * list, and the children of a pruned node point at PRUNED. O(live nodes), at
 * most once per epoch and per FINALIZE. */
static void blocks_prune(q_engine *e)
{
    uint64_t epoch = q_epoch(e->cur_slot);
    uint64_t line = epoch ? q_epoch_start_slot(epoch - 1) : 0;
    if (e->finalized_slot < line) line = e->finalized_slot;
    if (line <= e->prune_line) return;
    e->prune_line = line;
    bool any = false;
    for (size_t i = 0; i < e->nblocks; i++) {
        bnode *b = &e->blocks[i];
        if (b->slot == UINT64_MAX || b->slot > line) continue;
        q_archive_add(&e->archive, &b->root);
        q_map_del(&e->block_idx, &b->root);
        b->slot = UINT64_MAX; /* free from here on; linked below */
        e->st.blocks_live--;
        any = true;
    }
    if (!any) return;
    for (size_t i = 0; i < e->nblocks; i++) {
        bnode *b = &e->blocks[i];
        if (b->slot == UINT64_MAX) continue;
        if (b->parent_idx != PRUNED && e->blocks[b->parent_idx].slot == UINT64_MAX) b->parent_idx = PRUNED;
    }
    e->free_block = PRUNED; /* rebuilt: every free node, lowest index first */
    for (size_t i = e->nblocks; i-- > 0;) {
        if (e->blocks[i].slot != UINT64_MAX) continue;
        e->blocks[i].parent_idx = e->free_block;
        e->free_block = (uint32_t)i;
    }
    e->st.archived = q_archive_len(&e->archive);
}

/* ------------------------------------------------------------ unviable set */

static bool unviable_has(const q_engine *e, const q_root *r) { return q_map_get(&e->unviable, r) != NULL; }

/* Remembers r as unviable (FIFO, Q_UNVIABLE_MAX). Returns false when it was
 * already remembered. */
static bool unviable_add(q_engine *e, const q_root *r)
{
    if (unviable_has(e, r)) return false;
    if (e->unv_len == Q_UNVIABLE_MAX) {
        q_map_del(&e->unviable, &e->unv_ring[e->unv_head]);
        e->unv_head = (e->unv_head + 1) % Q_UNVIABLE_MAX;
        e->unv_len--;
    }
    e->unv_ring[(e->unv_head + e->unv_len) % Q_UNVIABLE_MAX] = *r;
    e->unv_len++;
    q_map_put(&e->unviable, r, NULL);
    if (e->unv_len > e->st.unviable_peak) e->st.unviable_peak = e->unv_len;
    return true;
}

/* ------------------------------------------------------------ held items */

/* Drops held orphan i with verdict v (EVICTED, UNVIABLE or HELD_AT_END,
 * reason `orphan`); a drop forgets the copy (seen), so that it is handled
 * afresh if it comes again. */
static void orphan_drop(q_engine *e, int32_t i, q_verdict v)
{
    q_held h = e->orphans.item[i];
    q_heldpool_remove(&e->orphans, i);
    if (v != Q_V_HELD_AT_END) seen_del(&e->seen_blocks, &h.u.b.root, h.u.b.sig);
    eng_verdict(e, Q_ITEM_BLOCK, &h.u.b.root, v, Q_R_ORPHAN);
}

/* Holds block h as an orphan, evicting the oldest when the pool is full. */
static void orphan_hold(q_engine *e, const q_held *h)
{
    if (q_heldpool_full(&e->orphans)) {
        e->counters[Q_C_ORPHAN_EVICTED]++;
        orphan_drop(e, q_heldpool_oldest(&e->orphans), Q_V_EVICTED);
    }
    q_heldpool_add(&e->orphans, h);
}

/* Drops pending attestation i with verdict v (EVICTED, EXPIRED, UNVIABLE or
 * HELD_AT_END, reason `pending`); a drop forgets the copy (seen). */
static void pend_drop(q_engine *e, int32_t i, q_verdict v)
{
    q_held h = e->pending.pool.item[i];
    q_pending_remove(&e->pending, i);
    if (v != Q_V_HELD_AT_END) seen_del(&e->seen_atts, &h.u.a.id, h.u.a.att.sig);
    eng_verdict(e, Q_ITEM_ATTESTATION, &h.u.a.id, v, Q_R_PENDING);
}

/* Holds attestation h until its block clears, evicting the oldest when full. */
static void pend_hold(q_engine *e, const q_held *h)
{
    if (q_heldpool_full(&e->pending.pool)) {
        e->counters[Q_C_PENDING_EVICTED]++;
        pend_drop(e, q_heldpool_oldest(&e->pending.pool), Q_V_EVICTED);
    }
    q_pending_add(&e->pending, h);
}

/* Generation changes of the seen tables: the held copies (orphans, pending
 * attestations) are kept, every other copy of the old generation forgotten. */
static void seen_turn_blocks(q_engine *e)
{
    size_t kept = 0;
    for (int32_t i = q_heldpool_oldest(&e->orphans); i != Q_NIL; i = q_heldpool_next(&e->orphans, i))
        kept += seen_keep(&e->seen_blocks, &e->orphans.item[i].u.b.root, e->orphans.item[i].u.b.sig);
    seen_turn(&e->seen_blocks, kept);
}

static void seen_turn_atts(q_engine *e)
{
    const q_heldpool *p = &e->pending.pool;
    size_t kept = 0;
    for (int32_t i = q_heldpool_oldest(p); i != Q_NIL; i = q_heldpool_next(p, i))
        kept += seen_keep(&e->seen_atts, &p->item[i].u.a.id, p->item[i].u.a.att.sig);
    seen_turn(&e->seen_atts, kept);
}

/* ------------------------------------------------------------ unviable cascade */

static void work_push(q_engine *e, const q_root *r)
{
    if (e->nwork == e->capwork) {
        e->capwork = e->capwork ? 2 * e->capwork : 64;
        e->work = q_xrealloc(e->work, e->capwork * sizeof *e->work);
    }
    e->work[e->nwork++] = *r;
}

/* Makes r unviable and rejects what hangs on it: held orphans whose parent
 * (or own root: an earlier copy) is r become `bad_ancestor` and unviable in
 * turn, recursively; attestations waiting on r become `bad_block`. */
static void mark_unviable(q_engine *e, const q_root *r)
{
    work_push(e, r);
    while (e->nwork) {
        q_root x = e->work[--e->nwork];
        if (!unviable_add(e, &x)) continue;
        for (int32_t i = q_heldpool_oldest(&e->orphans); i != Q_NIL;) {
            int32_t next = q_heldpool_next(&e->orphans, i);
            const q_held *h = &e->orphans.item[i];
            if (q_root_eq(&h->u.b.hdr.parent_root, &x) || q_root_eq(&h->u.b.root, &x)) {
                q_root root = h->u.b.root;
                q_heldpool_remove(&e->orphans, i);
                eng_verdict(e, Q_ITEM_BLOCK, &root, Q_V_REJECT, Q_R_BAD_ANCESTOR);
                work_push(e, &root);
            }
            i = next;
        }
        for (int32_t i; (i = q_pending_first_on(&e->pending, &x)) != Q_NIL;) {
            q_root id = e->pending.pool.item[i].u.a.id;
            q_pending_remove(&e->pending, i);
            eng_verdict(e, Q_ITEM_ATTESTATION, &id, Q_V_REJECT, Q_R_BAD_BLOCK);
        }
    }
}

/* ------------------------------------------------------------ block checks */

static void resolve(q_engine *e);

/* Queues every held item that waits on the block `root`, which has just
 * cleared: orphans whose parent it is, attestations for it. */
static void release_dependents(q_engine *e, const q_root *root)
{
    for (int32_t i = q_heldpool_oldest(&e->orphans); i != Q_NIL;) {
        int32_t next = q_heldpool_next(&e->orphans, i);
        if (q_root_eq(&e->orphans.item[i].u.b.hdr.parent_root, root)) {
            q_ready_push(&e->ready, &e->orphans.item[i]);
            q_heldpool_remove(&e->orphans, i);
        }
        i = next;
    }
    for (int32_t i; (i = q_pending_first_on(&e->pending, root)) != Q_NIL;) {
        q_pending_remove(&e->pending, i);
        q_ready_push(&e->ready, &e->pending.pool.item[i]); /* readable until the next add */
    }
}

/* Block check 8 onwards, for a new block or a released orphan. */
static void block_from8(q_engine *e, const q_held *h)
{
    const q_root *root = &h->u.b.root;
    const q_block_header *hdr = &h->u.b.hdr;
    if (unviable_has(e, root) || unviable_has(e, &hdr->parent_root)) {
        eng_verdict(e, Q_ITEM_BLOCK, root, Q_V_REJECT, Q_R_BAD_ANCESTOR);
        mark_unviable(e, root);
        return;
    }
    int64_t p = block_known(e, &hdr->parent_root);
    if (p < 0) {
        orphan_hold(e, h);
        return;
    }
    /* A pruned parent is at or below the prune line, so before this block
     * (which is above finalized_slot): the slot check passes. */
    if (p != (int64_t)PRUNED && hdr->slot <= e->blocks[p].slot) {
        eng_verdict(e, Q_ITEM_BLOCK, root, Q_V_REJECT, Q_R_SLOT_NOT_AFTER_PARENT);
        mark_unviable(e, root);
        return;
    }
    if (block_find(e, root) >= 0) { /* another copy of it cleared first */
        eng_verdict(e, Q_ITEM_BLOCK, root, Q_V_IGNORE, Q_R_DUPLICATE);
        return;
    }
    block_add(e, root, &hdr->parent_root, hdr->slot, (uint32_t)p);
    e->counters[Q_C_CLEARED]++;
    q_event ev = {.type = Q_EV_CLEARED_BLOCK};
    ev.u.block.root = *root;
    ev.u.block.slot = hdr->slot;
    ev.u.block.proposer = hdr->proposer;
    ev.u.block.parent_root = hdr->parent_root;
    ev.u.block.seq = e->seq++;
    eng_emit(e, &ev);
    release_dependents(e, root);
    resolve(e);
}

/* The newest slot that is not future at now_ms: future_slot (block check 1,
 * attestation check 2) is slot_start_ms(slot) > now + DISPARITY_MS, that is
 * slot > (now + DISPARITY_MS) / SLOT_MS, computed without forming the sum,
 * which wraps for a t_ms near 2^64 (and so would turn a past item into a
 * future one): now/S + (now%S + D)/S is the same quotient in exact integers,
 * and neither term can overflow. */
static uint64_t newest_admitted_slot(uint64_t now_ms)
{
    return now_ms / Q_SLOT_MS + (now_ms % Q_SLOT_MS + Q_DISPARITY_MS) / Q_SLOT_MS;
}

static void apply_block(q_engine *e, const q_frame *f, const q_checked *c)
{
    const q_signed_block *b = &f->u.block;
    const q_root *root = &c->ids.id;
    uint64_t slot = b->hdr.slot;
    if (slot > newest_admitted_slot(e->now_ms)) { /* 1 */
        eng_verdict(e, Q_ITEM_BLOCK, root, Q_V_IGNORE, Q_R_FUTURE_SLOT);
        return;
    }
    if (slot <= e->finalized_slot) { /* 2 */
        eng_verdict(e, Q_ITEM_BLOCK, root, Q_V_IGNORE, Q_R_FINALIZED);
        return;
    }
    if (block_find(e, root) >= 0 || seen_has(&e->seen_blocks, root, b->sig)) { /* 3 */
        eng_verdict(e, Q_ITEM_BLOCK, root, Q_V_IGNORE, Q_R_DUPLICATE);
        return;
    }
    if (seen_put(&e->seen_blocks, root, b->sig, slot)) seen_turn_blocks(e);
    if (!c->duty_ok) { /* 4 */
        eng_verdict(e, Q_ITEM_BLOCK, root, Q_V_REJECT, Q_R_WRONG_PROPOSER);
        mark_unviable(e, root);
        return;
    }
    if (!c->body_ok) { /* 5 */
        eng_verdict(e, Q_ITEM_BLOCK, root, Q_V_REJECT, Q_R_BAD_BODY);
        mark_unviable(e, root);
        return;
    }
    if (!c->sig_ok) { /* 6: that copy only */
        eng_verdict(e, Q_ITEM_BLOCK, root, Q_V_REJECT, Q_R_BAD_SIGNATURE);
        return;
    }
    /* 7. The first root at this slot that passed 4-6 is remembered; another
     * root is a double proposal (the proposer is fixed by the slot). */
    const q_root *first = q_map_get(&e->proposals, &slot);
    if (!first) {
        q_map_put(&e->proposals, &slot, root);
    } else if (!q_root_eq(first, root)) {
        q_root kept = *first;
        eng_slashing(e, Q_S_DOUBLE_PROPOSAL, b->hdr.proposer, &kept, root);
        eng_verdict(e, Q_ITEM_BLOCK, root, Q_V_SLASHABLE, Q_R_DOUBLE_PROPOSAL);
        mark_unviable(e, root);
        return;
    }
    q_held h = {.kind = Q_KIND_BLOCK, .arrival = e->arrival};
    h.u.b.hdr = b->hdr;
    memcpy(h.u.b.sig, b->sig, Q_SIG_BYTES);
    h.u.b.root = *root;
    block_from8(e, &h);
}

/* ------------------------------------------------------------ attestation checks */

/* Attestation check 8 onwards; its block is known (cleared or genesis): bi
 * is its live node or PRUNED (block_known). The walk ends on the first block
 * at or before the limit; a pruned one is (top of this file), and then its
 * root is the one the walk came by. */
static void att_from8(q_engine *e, const q_held *h, int64_t bi)
{
    const q_att_data *d = &h->u.a.att.data;
    uint64_t limit = q_epoch_start_slot(d->target_epoch);
    const q_root *at = &d->beacon_block_root;
    while (bi != (int64_t)PRUNED && e->blocks[bi].slot > limit) {
        at = &e->blocks[bi].parent;
        bi = e->blocks[bi].parent_idx;
    }
    if (!q_root_eq(at, &d->target_root)) {
        eng_verdict(e, Q_ITEM_ATTESTATION, &h->u.a.id, Q_V_REJECT, Q_R_BAD_TARGET_ROOT);
        return;
    }
    if (d->source_epoch > d->target_epoch) {
        eng_verdict(e, Q_ITEM_ATTESTATION, &h->u.a.id, Q_V_REJECT, Q_R_BAD_SOURCE);
        return;
    }
    if (q_map_get(&e->cleared_atts, &h->u.a.id)) { /* another copy cleared first */
        eng_verdict(e, Q_ITEM_ATTESTATION, &h->u.a.id, Q_V_IGNORE, Q_R_DUPLICATE);
        return;
    }
    q_map_put(&e->cleared_atts, &h->u.a.id, &d->slot);
    e->counters[Q_C_CLEARED]++;
    q_event ev = {.type = Q_EV_CLEARED_ATT};
    ev.u.att.id = h->u.a.id;
    ev.u.att.attester = h->u.a.att.attester;
    ev.u.att.slot = d->slot;
    ev.u.att.idx = d->index;
    ev.u.att.block_root = d->beacon_block_root;
    ev.u.att.source_epoch = d->source_epoch;
    ev.u.att.target_epoch = d->target_epoch;
    ev.u.att.data_root = h->u.a.data_root;
    ev.u.att.seq = e->seq++;
    eng_emit(e, &ev);
}

/* Attestation check 7 onwards. */
static void att_from7(q_engine *e, const q_held *h)
{
    const q_root *br = &h->u.a.att.data.beacon_block_root;
    if (unviable_has(e, br)) {
        eng_verdict(e, Q_ITEM_ATTESTATION, &h->u.a.id, Q_V_REJECT, Q_R_BAD_BLOCK);
        return;
    }
    int64_t bi = block_known(e, br);
    if (bi < 0) {
        pend_hold(e, h);
        return;
    }
    att_from8(e, h, bi);
}

/* Check 6 against attester's earlier votes; records this one. Returns the
 * reason (double_vote or surround_vote) when it is slashable, after emitting
 * the slashing event; Q_R_NONE otherwise. */
static q_reason att_slashing(q_engine *e, uint32_t attester, const q_att_data *d, const q_root *data_root)
{
    uint32_t *vi = q_map_get(&e->vote_idx, &attester);
    if (!vi) {
        if (e->nvts == e->capvts) {
            e->capvts = e->capvts ? 2 * e->capvts : 256;
            e->vts = q_xrealloc(e->vts, e->capvts * sizeof *e->vts);
        }
        uint32_t idx = (uint32_t)e->nvts++;
        e->vts[idx] = (votes){0};
        vi = q_map_put(&e->vote_idx, &attester, &idx);
    }
    votes *vs = &e->vts[*vi];
    uint64_t s2 = d->source_epoch, t2 = d->target_epoch;
    const vote *dbl = NULL, *sur = NULL;
    bool known = false;
    for (uint32_t k = 0; k < vs->n; k++) {
        const vote *v = &vs->v[k];
        if (q_root_eq(&v->data_root, data_root)) {
            known = true; /* this very vote came before (dropped and sent again) */
            continue;
        }
        if (v->target == t2) {
            if (!dbl) dbl = v;
        } else if (!sur && ((v->source < s2 && t2 < v->target) || (s2 < v->source && v->target < t2))) {
            sur = v;
        }
    }
    if (!known) {
        if (vs->n == vs->cap) {
            vs->cap = vs->cap ? 2 * vs->cap : 4;
            vs->v = q_xrealloc(vs->v, vs->cap * sizeof *vs->v);
        }
        vs->v[vs->n++] = (vote){.source = s2, .target = t2, .data_root = *data_root};
    }
    if (dbl) {
        q_root first = dbl->data_root;
        eng_slashing(e, Q_S_DOUBLE_VOTE, attester, &first, data_root);
        return Q_R_DOUBLE_VOTE;
    }
    if (sur) {
        q_root first = sur->data_root;
        eng_slashing(e, Q_S_SURROUND_VOTE, attester, &first, data_root);
        return Q_R_SURROUND_VOTE;
    }
    return Q_R_NONE;
}

static void apply_att(q_engine *e, const q_frame *f, const q_checked *c)
{
    const q_attestation *a = &f->u.att;
    const q_att_data *d = &a->data;
    const q_root *id = &c->ids.id;
    if (d->target_epoch != q_epoch(d->slot)) { /* 1 */
        eng_verdict(e, Q_ITEM_ATTESTATION, id, Q_V_REJECT, Q_R_BAD_TARGET_EPOCH);
        return;
    }
    if (d->slot > newest_admitted_slot(e->now_ms)) { /* 2 */
        eng_verdict(e, Q_ITEM_ATTESTATION, id, Q_V_IGNORE, Q_R_FUTURE_SLOT);
        return;
    }
    if (q_epoch(d->slot) + 1 < q_epoch(e->cur_slot)) {
        eng_verdict(e, Q_ITEM_ATTESTATION, id, Q_V_IGNORE, Q_R_TOO_OLD);
        return;
    }
    if (q_map_get(&e->cleared_atts, id) || seen_has(&e->seen_atts, id, a->sig)) { /* 3 */
        eng_verdict(e, Q_ITEM_ATTESTATION, id, Q_V_IGNORE, Q_R_DUPLICATE);
        return;
    }
    if (seen_put(&e->seen_atts, id, a->sig, d->slot)) seen_turn_atts(e);
    if (!c->duty_ok) { /* 4 */
        eng_verdict(e, Q_ITEM_ATTESTATION, id, Q_V_REJECT, Q_R_NOT_IN_COMMITTEE);
        return;
    }
    if (!c->sig_ok) { /* 5 */
        eng_verdict(e, Q_ITEM_ATTESTATION, id, Q_V_REJECT, Q_R_BAD_SIGNATURE);
        return;
    }
    q_reason slash = att_slashing(e, a->attester, d, &c->ids.aux); /* 6 */
    if (slash != Q_R_NONE) {
        eng_verdict(e, Q_ITEM_ATTESTATION, id, Q_V_SLASHABLE, slash);
        return;
    }
    q_held h = {.kind = Q_KIND_ATTESTATION, .arrival = e->arrival};
    h.u.a.att = *a;
    h.u.a.id = *id;
    h.u.a.data_root = c->ids.aux;
    att_from7(e, &h);
}

/* ------------------------------------------------------------ resolution */

/* Drains the ready heap in arrival order; clearing a block adds its own
 * dependents, so this is the recursive resolution of section 4, check 9. */
static void resolve(q_engine *e)
{
    if (e->resolving) return;
    e->resolving = true;
    while (e->ready.n) {
        q_held h = q_ready_pop(&e->ready);
        if (h.kind == Q_KIND_BLOCK) {
            block_from8(e, &h);
        } else {
            int64_t bi = block_find(e, &h.u.a.att.data.beacon_block_root);
            att_from8(e, &h, bi);
        }
    }
    e->resolving = false;
}

/* ------------------------------------------------------------ time and pruning */

static bool keep_att_recent(void *ctx, const void *key, const void *val)
{
    const q_engine *e = ctx;
    uint64_t slot;
    memcpy(&slot, val, sizeof slot);
    return q_epoch(slot) + 1 >= q_epoch(e->cur_slot); /* else check 2 says too_old first */
}

static bool keep_block_unfinalized(void *ctx, const void *key, const void *val)
{
    const q_engine *e = ctx;
    uint64_t slot;
    memcpy(&slot, val, sizeof slot);
    return slot > e->finalized_slot; /* else check 2 says finalized first */
}

static bool keep_proposal_unfinalized(void *ctx, const void *key, const void *val)
{
    const q_engine *e = ctx;
    uint64_t slot;
    memcpy(&slot, key, sizeof slot);
    return slot > e->finalized_slot;
}

/* Moves virtual time to t_ms (never back): a new slot is a commit point for
 * the sink, and at a new epoch the attestation id sets forget what check 2
 * now ignores as too_old; then waiting attestations past slot + 32 expire. */
static void eng_advance(q_engine *e, uint64_t t_ms)
{
    if (t_ms > e->now_ms) {
        e->now_ms = t_ms;
        uint64_t slot = q_current_slot(t_ms);
        if (slot != e->cur_slot) {
            uint64_t old_epoch = q_epoch(e->cur_slot);
            e->cur_slot = slot;
            q_event ev = {.type = Q_EV_SLOT};
            ev.u.slot = slot;
            eng_emit(e, &ev);
            if (q_epoch(slot) != old_epoch) {
                seen_filter(&e->seen_atts, keep_att_recent, e);
                q_map_filter(&e->cleared_atts, keep_att_recent, e);
                blocks_prune(e);
            }
        }
    }
    /* Every frame, not only at a new slot: an attestation may have been held
     * already past its expiry (held late in the previous epoch's window). */
    for (int32_t i; (i = q_pending_next_expiry(&e->pending)) != Q_NIL;) {
        if (e->pending.pool.item[i].u.a.att.data.slot + Q_PENDING_EXPIRY_SLOTS >= e->cur_slot) break;
        pend_drop(e, i, Q_V_EXPIRED);
    }
}

/* FINALIZE: the finalized slot moves forward to epoch*32; held items at or
 * before it are dropped as UNVIABLE; what check 2 now ignores is forgotten,
 * and so are votes whose target is older than the finalized epoch. */
static void eng_finalize(q_engine *e, uint64_t epoch)
{
    uint64_t fslot = epoch > UINT64_MAX / Q_SLOTS_PER_EPOCH ? UINT64_MAX : q_epoch_start_slot(epoch);
    if (fslot <= e->finalized_slot) return;
    e->finalized_slot = fslot;
    for (int32_t i = q_heldpool_oldest(&e->orphans); i != Q_NIL;) {
        int32_t next = q_heldpool_next(&e->orphans, i);
        if (e->orphans.item[i].u.b.hdr.slot <= fslot) orphan_drop(e, i, Q_V_UNVIABLE);
        i = next;
    }
    for (int32_t i = q_heldpool_oldest(&e->pending.pool); i != Q_NIL;) {
        int32_t next = q_heldpool_next(&e->pending.pool, i);
        if (e->pending.pool.item[i].u.a.att.data.slot <= fslot) pend_drop(e, i, Q_V_UNVIABLE);
        i = next;
    }
    seen_filter(&e->seen_blocks, keep_block_unfinalized, e);
    q_map_filter(&e->proposals, keep_proposal_unfinalized, e);
    blocks_prune(e);
    for (size_t k = 0; k < e->nvts; k++) {
        votes *vs = &e->vts[k];
        uint32_t w = 0;
        for (uint32_t r = 0; r < vs->n; r++)
            if (vs->v[r].target >= epoch) vs->v[w++] = vs->v[r];
        vs->n = w;
    }
}

/* END: resolution is already complete after every frame; what is still held
 * is reported as HELD_AT_END, then the final counters go out. */
static void eng_end(q_engine *e)
{
    resolve(e);
    for (int32_t i; (i = q_heldpool_oldest(&e->orphans)) != Q_NIL;) orphan_drop(e, i, Q_V_HELD_AT_END);
    for (int32_t i; (i = q_heldpool_oldest(&e->pending.pool)) != Q_NIL;) pend_drop(e, i, Q_V_HELD_AT_END);
    e->ended = true;
    q_event ev = {.type = Q_EV_END};
    memcpy(ev.u.counters, e->counters, sizeof e->counters);
    eng_emit(e, &ev);
}

/* ------------------------------------------------------------ the engine */

q_engine *q_engine_new(const q_sink *sink)
{
    q_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->sink = *sink;
    e->unv_ring = calloc(Q_UNVIABLE_MAX, sizeof *e->unv_ring);
    int held = q_heldpool_init(&e->orphans, Q_ORPHAN_MAX) | q_pending_init(&e->pending, Q_PENDING_MAX);
    q_ready_init(&e->ready);
    if (!e->unv_ring || held < 0) {
        q_engine_free(e);
        return NULL;
    }
    q_map_init(&e->block_idx, Q_ROOT_BYTES, sizeof(uint32_t));
    q_archive_init(&e->archive);
    e->free_block = PRUNED;
    seen_init(&e->seen_blocks, Q_SEEN_BLOCKS_GEN);
    q_map_init(&e->proposals, sizeof(uint64_t), sizeof(q_root));
    q_map_init(&e->unviable, Q_ROOT_BYTES, 0);
    seen_init(&e->seen_atts, Q_SEEN_ATTS_GEN);
    q_map_init(&e->cleared_atts, Q_ROOT_BYTES, sizeof(uint64_t));
    q_map_init(&e->vote_idx, sizeof(uint32_t), sizeof(uint32_t));
    q_root zero = {{0}};
    block_add(e, q_genesis_root(), &zero, 0, 0);
    return e;
}

void q_engine_free(q_engine *e)
{
    if (!e) return;
    if (e->hello) q_registry_destroy(&e->reg);
    free(e->blocks);
    q_map_destroy(&e->block_idx);
    q_archive_destroy(&e->archive);
    seen_destroy(&e->seen_blocks);
    q_map_destroy(&e->proposals);
    q_map_destroy(&e->unviable);
    seen_destroy(&e->seen_atts);
    q_map_destroy(&e->cleared_atts);
    q_map_destroy(&e->vote_idx);
    for (size_t k = 0; k < e->nvts; k++) free(e->vts[k].v);
    free(e->vts);
    free(e->unv_ring);
    q_heldpool_destroy(&e->orphans);
    q_pending_destroy(&e->pending);
    q_ready_destroy(&e->ready);
    free(e->work);
    free(e);
}

int q_engine_apply(q_engine *e, const q_frame *f, const q_checked *c)
{
    if (e->ended) return -1;
    if (f->kind == Q_KIND_HELLO) {
        if (e->hello || q_registry_init(&e->reg, f->u.hello.n_validators) < 0) return -1;
        e->hello = true;
        e->n = f->u.hello.n_validators;
        eng_advance(e, f->t_ms);
        e->st.frames++;
        return 0;
    }
    if (!e->hello) return -1;
    e->st.frames++;
    eng_advance(e, f->t_ms);
    switch (f->kind) {
    case Q_KIND_BLOCK:
    case Q_KIND_ATTESTATION:
        if (!c) return -1;
        e->arrival++;
        e->st.items++;
        e->counters[Q_C_RECEIVED]++;
        if (f->kind == Q_KIND_BLOCK) apply_block(e, f, c);
        else apply_att(e, f, c);
        break;
    case Q_KIND_TICK:
        break;
    case Q_KIND_FINALIZE:
        eng_finalize(e, f->u.fin.epoch);
        break;
    case Q_KIND_END:
        eng_end(e);
        break;
    default:
        return -1;
    }
    return 0;
}

q_registry *q_engine_registry(q_engine *e) { return e->hello ? &e->reg : NULL; }

bool q_engine_ended(const q_engine *e) { return e->ended; }

const uint64_t *q_engine_counters(const q_engine *e) { return e->counters; }

void q_engine_get_stats(const q_engine *e, q_engine_stats *out)
{
    *out = e->st;
    out->orphans = e->orphans.n;
    out->orphans_peak = e->orphans.peak;
    out->pending = e->pending.pool.n;
    out->pending_peak = e->pending.pool.peak;
    out->unviable = e->unv_len;
    out->archived = q_archive_len(&e->archive);
    out->seen_blocks = seen_len(&e->seen_blocks);
    out->seen_atts = seen_len(&e->seen_atts);
    out->seen_forgotten = e->seen_blocks.forgotten + e->seen_atts.forgotten;
}
