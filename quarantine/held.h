/* quarantine/held.h: the containers of held items, internal to the verdict
 * engine (engine.c, the ordered checks):
 *
 *   q_ilist       a doubly linked list of slot indices over a links array: the
 *                 one list helper every container below links its slots with.
 *   q_heldpool    a fixed pool of held items kept in arrival (FIFO) order:
 *                 the orphan blocks (spec section 5: 96, evict the oldest).
 *   q_pending     a q_heldpool of attestations waiting for their block (16384,
 *                 evict the oldest), also listed per block root and kept in a
 *                 min-heap on (slot, arrival) for expiry.
 *   q_ready       the resolution heap: released items, popped in arrival order.
 *
 * The containers decide nothing and emit nothing: the ordered checks choose
 * which item to take out, and give it its verdict. None of them is
 * thread-safe; the engine that owns them is their only user. Indices are slot
 * numbers, stable while an item is held; Q_NIL is "none".
 */
#ifndef Q_HELD_H
#define Q_HELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quarantine/hashmap.h"
#include "quarantine/spec.h"

#define Q_NIL (-1)

/* A held item (an orphan block or an attestation waiting for its block), with
 * what the rest of its checks need; a block's body is not kept (check 5
 * passed before it was held). */
typedef struct q_held {
    uint8_t kind;     /* Q_KIND_BLOCK or Q_KIND_ATTESTATION */
    uint64_t arrival; /* the item's arrival number: unique, increasing */
    union {
        struct {
            q_block_header hdr;
            uint8_t sig[Q_SIG_BYTES];
            q_root root;
        } b;
        struct {
            q_attestation att;
            q_root id;
            q_root data_root;
        } a;
    } u;
} q_held;

/* realloc that aborts the process when out of memory (the engine cannot go on
 * without its tables; the hash maps do the same). n == 0 allocates 1 byte. */
void *q_xrealloc(void *p, size_t n);

/* ------------------------------------------------------------ index lists */

/* The links of slot i of some array, in links[i]. */
typedef struct q_ilink {
    int32_t prev, next;
} q_ilink;

/* A list of slot indices, oldest at head. Slot i is on at most one list per
 * links array. */
typedef struct q_ilist {
    int32_t head, tail;
} q_ilist;

/* Makes l empty. */
static inline void q_ilist_init(q_ilist *l) { l->head = l->tail = Q_NIL; }

/* True when l holds no slot. */
static inline bool q_ilist_empty(const q_ilist *l) { return l->head == Q_NIL; }

/* Links slot i (on no list of `links`) at the tail of l. O(1). */
void q_ilist_append(q_ilist *l, q_ilink *links, int32_t i);

/* Unlinks slot i, which is on l, from l. links[i] is left stale (the caller
 * may reuse it). O(1). */
void q_ilist_unlink(q_ilist *l, q_ilink *links, int32_t i);

/* ------------------------------------------------------------ held pool */

/* A pool of at most cap held items in arrival order. Free slots are chained
 * on a stack through link[].next. */
typedef struct q_heldpool {
    q_held *item;  /* cap slots */
    q_ilink *link; /* cap: FIFO links of a live slot, free-stack link of a free one */
    q_ilist fifo;  /* live slots, oldest first */
    int32_t free;  /* top of the free stack, Q_NIL when full */
    size_t n, cap, peak; /* live slots now, the bound, the most ever live */
} q_heldpool;

/* Allocates an empty pool of cap (>= 1) slots. Returns 0, or -1 when out of
 * memory (the pool is then safe to destroy). */
int q_heldpool_init(q_heldpool *p, size_t cap);

/* Frees the pool's storage; the items still held are forgotten. */
void q_heldpool_destroy(q_heldpool *p);

/* True when all cap slots are live: the next add must follow an eviction. */
static inline bool q_heldpool_full(const q_heldpool *p) { return p->n == p->cap; }

/* Copies *h into a free slot, the newest of the FIFO, and returns the slot.
 * Requires the pool not full (the caller evicts first). */
int32_t q_heldpool_add(q_heldpool *p, const q_held *h);

/* Takes live slot i out of the FIFO and frees it; item[i] stays readable
 * until the next add. */
void q_heldpool_remove(q_heldpool *p, int32_t i);

/* The oldest live slot, or Q_NIL when empty. */
static inline int32_t q_heldpool_oldest(const q_heldpool *p) { return p->fifo.head; }

/* The live slot after live slot i in arrival order, or Q_NIL. Read it before
 * removing i when walking the pool and removing as you go. */
static inline int32_t q_heldpool_next(const q_heldpool *p, int32_t i) { return p->link[i].next; }

/* ------------------------------------------------------------ pending */

/* Attestations waiting for their block: a q_heldpool (arrival order) whose
 * items are also on the list of their beacon_block_root and in an expiry
 * heap ordered by (slot, arrival). */
typedef struct q_pending {
    q_heldpool pool;
    q_ilink *blink;     /* cap: links in the block root's list */
    uint32_t *heap_pos; /* cap: a live slot's index in heap */
    int32_t *heap;      /* cap: live slots, a min-heap on (slot, arrival) */
    q_map waiting;      /* block root -> q_ilist of the slots waiting on it */
} q_pending;

/* Allocates an empty table of cap (>= 1) attestations. Returns 0, or -1 when
 * out of memory (the table is then safe to destroy). */
int q_pending_init(q_pending *t, size_t cap);

/* Frees the table's storage; the attestations still held are forgotten. */
void q_pending_destroy(q_pending *t);

/* Holds attestation *h (kind Q_KIND_ATTESTATION): newest in arrival order,
 * last on its block root's list, in the expiry heap. Requires the table not
 * full (the caller evicts first). Returns its slot. O(log n). */
int32_t q_pending_add(q_pending *t, const q_held *h);

/* Takes slot i out of the pool, its block root's list (the list goes when
 * empty) and the heap. pool.item[i] stays readable until the next add.
 * O(log n). */
void q_pending_remove(q_pending *t, int32_t i);

/* The oldest attestation waiting on block root r, or Q_NIL. */
int32_t q_pending_first_on(const q_pending *t, const q_root *r);

/* The attestation with the smallest (slot, arrival): the first to expire;
 * Q_NIL when empty. */
static inline int32_t q_pending_next_expiry(const q_pending *t) { return t->pool.n ? t->heap[0] : Q_NIL; }

/* ------------------------------------------------------------ resolution heap */

/* Released items (their block has cleared) waiting to go on from check 8, a
 * min-heap on arrival, by value. */
typedef struct q_ready {
    q_held *h;
    size_t n, cap;
} q_ready;

/* An empty heap (allocates on the first push). */
static inline void q_ready_init(q_ready *r) { *r = (q_ready){0}; }

/* Frees the heap's storage. */
void q_ready_destroy(q_ready *r);

/* Adds a copy of *h. O(log n); aborts when out of memory. */
void q_ready_push(q_ready *r, const q_held *h);

/* Removes and returns the item of smallest arrival. Requires r->n > 0. */
q_held q_ready_pop(q_ready *r);

#endif /* Q_HELD_H */
