/* Per-worker block pool: owner-private free list, remote frees over the
 * owner's MPSC channel, chunks from jemalloc. Contracts in pool.h. */
#include "runtime/memory/pool.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef WEFT_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/* Under AddressSanitizer a block's user bytes are poisoned while the block
 * sits in the pool (free list or channel), so a use after weft__pool_free is
 * reported; the headers stay addressable for the pool and the channel. */
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#define WEFT__POOL_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define WEFT__POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define WEFT__POOL_POISON(p, n) ((void)(p), (void)(n))
#define WEFT__POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* The header in front of every block's user bytes. One cache line, so the
 * user's bytes that follow stay 64-byte aligned. */
struct weft__pool_block {
    _Alignas(64) weft__mpsc_node node;  /* link in the owner's `remote` */
    weft__pool *owner;                  /* set once when carved */
    weft__pool_block *next;             /* owner-private free list */
    /* WEFT__POOL_FREE from carving or weft__pool_free until weft__pool_alloc
     * hands the block out (WEFT__POOL_IN_USE). In the header, which neither
     * the free list nor the channel overwrites and ASan does not poison, so
     * a second free of a block still in the pool is caught. */
    _Atomic uint32_t state;
};

enum { WEFT__POOL_IN_USE = 0x1b10c, WEFT__POOL_FREE = 0xf4ee };

/* The header of a chunk, one cache line, followed by its blocks. */
typedef struct weft__pool_chunk {
    _Alignas(64) struct weft__pool_chunk *next;
} weft__pool_chunk;

#define WEFT__POOL_STRIDE (sizeof(weft__pool_block) + WEFT_POOL_BLOCK_SIZE)
#define WEFT__POOL_CHUNK_BYTES \
    (sizeof(weft__pool_chunk) + (size_t)WEFT_POOL_CHUNK_BLOCKS * WEFT__POOL_STRIDE)

_Static_assert(sizeof(weft__pool_block) == 64, "block header is one cache line");
_Static_assert(sizeof(weft__pool_chunk) == 64, "chunk header is one cache line");
_Static_assert(offsetof(weft__pool_block, node) == 0, "collect casts node to block");
_Static_assert(WEFT_POOL_BLOCK_SIZE % 64 == 0, "blocks keep 64-byte alignment");
_Static_assert(WEFT__POOL_CHUNK_BYTES % 64 == 0, "aligned_alloc needs a multiple");

/* Takes `bytes` (a multiple of 64) from the system, 64-byte aligned; aborts
 * with a message when the system has none. The caller owns the result and
 * gives it back with weft__pool_sys_free. */
static void *weft__pool_sys_alloc(size_t bytes)
{
#ifndef WEFT_NO_JEMALLOC
    void *p = mallocx(bytes, MALLOCX_ALIGN(64));
#else
    void *p = aligned_alloc(64, bytes);
#endif
    if (p == NULL) {
        fprintf(stderr, "weft: out of memory allocating a pool chunk (%zu bytes)\n", bytes);
        abort();
    }
    return p;
}

/* Gives back memory from weft__pool_sys_alloc. */
static void weft__pool_sys_free(void *p)
{
#ifndef WEFT_NO_JEMALLOC
    dallocx(p, MALLOCX_ALIGN(64));
#else
    free(p);
#endif
}

/* The header of a block, from the user's pointer. */
static inline weft__pool_block *weft__pool_header(void *user)
{
    return (weft__pool_block *)user - 1;
}

/* Owner only. Takes a new chunk and carves all its blocks onto the free list
 * (which the caller has found empty). */
static void weft__pool_grow(weft__pool *p)
{
    weft__pool_chunk *c = weft__pool_sys_alloc(WEFT__POOL_CHUNK_BYTES);
    c->next = p->chunks;
    p->chunks = c;
    char *base = (char *)(c + 1);
    /* Link them in address order, so that the first allocations walk the
     * chunk forwards. */
    weft__pool_block *head = NULL;
    for (size_t i = WEFT_POOL_CHUNK_BLOCKS; i-- > 0;) {
        weft__pool_block *b = (weft__pool_block *)(base + i * WEFT__POOL_STRIDE);
        b->owner = p;
        b->next = head;
        atomic_init(&b->state, WEFT__POOL_FREE);
        head = b;
        WEFT__POOL_POISON(b + 1, WEFT_POOL_BLOCK_SIZE);
    }
    p->free = head;
    p->carved += WEFT_POOL_CHUNK_BLOCKS;
}

void weft__pool_init(weft__pool *p)
{
    weft__mpsc_init(&p->remote);
    p->free = NULL;
    p->chunks = NULL;
    p->allocated = 0;
    p->freed_local = 0;
    p->freed_remote = 0;
    p->carved = 0;
}

void *weft__pool_alloc(weft__pool *p)
{
    if (p->free == NULL) {
        weft__pool_collect(p);
        if (p->free == NULL) weft__pool_grow(p);
    }
    weft__pool_block *b = p->free;
    p->free = b->next;
    p->allocated++;
    /* relaxed: the block is ours (its free was ordered before by the
     * remote channel or by this thread); a late second free races with
     * this store only as an atomic, and reads either value. */
    atomic_store_explicit(&b->state, WEFT__POOL_IN_USE, memory_order_relaxed);
    WEFT__POOL_UNPOISON(b + 1, WEFT_POOL_BLOCK_SIZE);
    return b + 1;
}

bool weft__pool_is_free(const void *block)
{
    const weft__pool_block *b = (const weft__pool_block *)block - 1;
    /* relaxed: a misuse check, no data read depends on it. */
    return atomic_load_explicit(&b->state, memory_order_relaxed) == WEFT__POOL_FREE;
}

void weft__pool_free(weft__pool *self, void *block)
{
    assert(block != NULL);
    weft__pool_block *b = weft__pool_header(block);
    weft__pool *owner = b->owner;
    /* An exchange, so that of two frees of one block (even racing ones)
     * exactly one goes on. relaxed: the block travels back to its owner by
     * the free list (this thread) or the channel's release/acquire. */
    if (atomic_exchange_explicit(&b->state, WEFT__POOL_FREE, memory_order_relaxed) == WEFT__POOL_FREE) {
        fprintf(stderr, "weft: a pool block was freed twice (%p)\n", block);
        abort();
    }
    /* Before the send: once sent, the block is the owner's again. */
    WEFT__POOL_POISON(block, WEFT_POOL_BLOCK_SIZE);
    if (owner == self) {
        b->next = self->free;
        self->free = b;
        self->freed_local++;
        return;
    }
    /* The send releases (pairs with the owner's acquire in
     * weft__mpsc_try_recv_batch, called from weft__pool_collect), so all our
     * writes to the block happen before the owner hands it out again. */
    weft__mpsc_send(&owner->remote, &b->node);
}

size_t weft__pool_collect(weft__pool *p)
{
    size_t moved = 0;
    weft__mpsc_node *first, *last;
    size_t n;
    /* try_recv_batch acquires what each producer's send released, so the
     * blocks' links and contents are ours once it returns. */
    while ((n = weft__mpsc_try_recv_batch(&p->remote, &first, &last, SIZE_MAX)) > 0) {
        weft__mpsc_node *node = first;
        for (size_t i = 0; i < n; i++) {
            /* node is the first member of the block header. */
            weft__pool_block *b = (weft__pool_block *)node;
            assert(b->owner == p);
            /* relaxed: the chain is ours after the acquire in try_recv_batch;
             * this only reads a link it already made visible. */
            weft__mpsc_node *next =
                i + 1 < n ? atomic_load_explicit(&node->next, memory_order_relaxed) : NULL;
            b->next = p->free;
            p->free = b;
            node = next;
        }
        moved += n;
    }
    p->freed_remote += moved;
    return moved;
}

void weft__pool_destroy(weft__pool *p)
{
    weft__pool_collect(p);
    weft__pool_chunk *c = p->chunks;
    while (c != NULL) {
        weft__pool_chunk *next = c->next;
        WEFT__POOL_UNPOISON(c, WEFT__POOL_CHUNK_BYTES);
        weft__pool_sys_free(c);
        c = next;
    }
    p->chunks = NULL;
    p->free = NULL;
}
