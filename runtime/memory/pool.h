/* A per-worker pool of fixed-size blocks (task blocks shipped to thieves,
 * eager futures), on jemalloc.
 *
 * The owner allocates and frees without atomics from a private free list.
 * Any other thread that frees a block sends it back to its owner over the
 * owner's MPSC channel; the owner drains that channel into its free list when
 * its own list runs dry (or on weft__pool_collect). Every block remembers its
 * owner in a header just before the user's bytes.
 *
 * Lifecycle: init / use / destroy. destroy releases every chunk the pool got
 * from the system; it must be called by the owner once no block is still in
 * use anywhere (the runtime does so at weft_exit, after all workers stopped).
 * A pool may also be orphaned: blocks freed after destroy are a bug.
 */
#ifndef WEFT_RUNTIME_POOL_H
#define WEFT_RUNTIME_POOL_H

#include <stddef.h>
#include <stdint.h>
#include "runtime/channels/mpsc.h"

/* Bytes each block offers its user (task blocks, futures). */
#define WEFT_POOL_BLOCK_SIZE 256u

typedef struct weft__pool_block weft__pool_block;

typedef struct weft__pool {
    weft__mpsc remote;          /* blocks freed by other threads */
    weft__pool_block *free;     /* owner-only free list */
    void *chunks;               /* chunks from the system, for destroy */
    uint64_t allocated;         /* blocks handed out (owner's count) */
    uint64_t freed_local;       /* blocks freed by the owner */
    uint64_t freed_remote;      /* blocks returned through `remote` (received) */
} weft__pool;

/* Initialises an empty pool owned by the calling thread. */
void weft__pool_init(weft__pool *p);

/* Owner only. A block of WEFT_POOL_BLOCK_SIZE bytes, 64-byte aligned, not
 * zeroed. Never NULL (out of memory aborts with a message). */
void *weft__pool_alloc(weft__pool *p);

/* Any thread. Returns a block to its owner pool: straight onto the free list
 * when `self` is that owner, over the owner's MPSC otherwise. `self` is the
 * calling thread's own pool, or NULL for a thread without one. */
void weft__pool_free(weft__pool *self, void *block);

/* Owner only. Moves every remotely freed block onto the free list; returns
 * how many it moved. */
size_t weft__pool_collect(weft__pool *p);

/* Owner only. Releases all memory (see the lifecycle above). */
void weft__pool_destroy(weft__pool *p);

#endif
