/* A per-worker pool of fixed-size blocks (task blocks shipped to thieves,
 * eager futures), on jemalloc.
 *
 * The owner allocates and frees without atomics from a private free list.
 * Any other thread that frees a block sends it back to its owner over the
 * owner's MPSC channel; the owner drains that channel into its free list when
 * its own list runs dry (or on weft__pool_collect). Every block remembers its
 * owner in a header just before the user's bytes.
 *
 * Memory: blocks come from chunks of WEFT_POOL_CHUNK_BLOCKS blocks, taken
 * from jemalloc (mallocx with 64-byte alignment; aligned_alloc when
 * WEFT_NO_JEMALLOC is defined: make ALLOC=libc, and sanitizer builds) and
 * carved onto the free list at once. Each block is a 64-byte header (owner pool, the
 * intrusive MPSC node, the free-list link, a free/in-use state word that
 * catches a second free) followed by the user's
 * WEFT_POOL_BLOCK_SIZE bytes, so the user's bytes are 64-byte aligned and
 * fill whole cache lines of their own. Chunks go back to the system only at
 * destroy. Under AddressSanitizer the user's bytes of a block are poisoned
 * while it is free, so a use after weft__pool_free is reported.
 *
 * Counters (owner-only, plain integers): once every block is back and the
 * owner has collected, allocated == freed_local + freed_remote; the number of
 * distinct blocks ever handed out is at most `carved`.
 *
 * Lifecycle: init / use / destroy. destroy releases every chunk the pool got
 * from the system; it must be called by the owner once no block is still in
 * use anywhere (the runtime does so at weft_exit, after all workers stopped).
 * Freeing a block of a destroyed pool is a bug (use after free of the chunk
 * and of the pool's channel).
 *
 * The struct holds a weft__mpsc, which is 64-byte aligned: a pool on the heap
 * needs an aligned allocation (aligned_alloc(64, ...)), not plain malloc.
 */
#ifndef WEFT_RUNTIME_POOL_H
#define WEFT_RUNTIME_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "runtime/channels/mpsc.h"

/* Bytes each block offers its user (task blocks, futures). A multiple of 64. */
#define WEFT_POOL_BLOCK_SIZE 256u

/* Blocks per chunk taken from the system. */
#define WEFT_POOL_CHUNK_BLOCKS 64u

typedef struct weft__pool_block weft__pool_block;

typedef struct weft__pool {
    weft__mpsc remote;          /* blocks freed by other threads */
    weft__pool_block *free;     /* owner-only free list */
    void *chunks;               /* chunks from the system, for destroy */
    uint64_t allocated;         /* blocks handed out (owner's count) */
    uint64_t freed_local;       /* blocks freed by the owner */
    uint64_t freed_remote;      /* blocks returned through `remote` (received) */
    uint64_t carved;            /* blocks carved from chunks, ever */
} weft__pool;

/* Initialises an empty pool owned by the calling thread, or by a thread
 * started after the call (weft_init sets up every worker's pool before it
 * starts them). Takes no memory from the system until the first alloc. Not
 * thread-safe; call before other threads can see the pool. */
void weft__pool_init(weft__pool *p);

/* Owner only. A block of WEFT_POOL_BLOCK_SIZE bytes, 64-byte aligned, not
 * zeroed. Never NULL: when a new chunk is needed and the system has none,
 * it prints "weft: out of memory allocating a pool chunk (N bytes)" and
 * aborts, before touching the pool (its callers, weft_spawn_future and the
 * shipping of tasks to a thief, have no way to report a failure; see
 * docs/api.md, misuse detection). tests/stress/fault_inject checks it. */
void *weft__pool_alloc(weft__pool *p);

/* Any thread. Returns a block (from weft__pool_alloc of any pool, not NULL)
 * to its owner pool: straight onto the free list when `self` is that owner,
 * over the owner's MPSC otherwise (counted in the owner's freed_remote when
 * the owner collects it). `self` is the calling thread's own pool, or NULL
 * for a thread without one. The caller gives up the block. A block already
 * free (weft__pool_is_free) is not freed again: the process dies with
 * "weft: a pool block was freed twice". */
void weft__pool_free(weft__pool *self, void *block);

/* Any thread. True while `block` (from weft__pool_alloc) sits in its pool:
 * freed and not handed out again. For misuse checks (a second free); a
 * block that the pool has handed out again reads as in use. */
bool weft__pool_is_free(const void *block);

/* Owner only. Moves every remotely freed block onto the free list; returns
 * how many it moved. alloc calls it by itself when the free list runs dry;
 * calling it earlier only keeps the channel short. */
size_t weft__pool_collect(weft__pool *p);

/* Owner only. Collects what is still waiting in the channel, then releases
 * every chunk (see the lifecycle above). The counters stay readable; the
 * pool may be initialised again. */
void weft__pool_destroy(weft__pool *p);

#endif
