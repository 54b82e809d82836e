/* Stress test of runtime/memory/pool: blocks recycled across threads.
 *
 * NT threads each own a pool. Each allocates blocks in bursts, writes a tag
 * (owner, serial, a checksum and a fill pattern over the whole block) and
 * either frees the block itself (a quarter of them) or hands it to another
 * thread through that thread's inbox (a mutex-protected intrusive list). The
 * receiver checks the tag, poisons the block and frees it: a remote free,
 * which the owner gets back through its MPSC channel when it collects.
 * Owners keep at most LIMIT blocks out at a time, so the pool must recycle.
 *
 * Checked, exactly:
 *  - no block is handed out twice while in use: a per-address in-use flag,
 *    set on alloc (it must have been clear), cleared before free;
 *  - every tag arrives intact, and every (owner, serial) sent is received
 *    exactly once (a bitmap per owner);
 *  - no block is lost: for every pool, once all threads stopped and the
 *    owner collected, allocated == freed_local + freed_remote, and the
 *    remote frees it received equal the blocks others freed for it;
 *  - memory stays bounded: distinct block addresses <= blocks carved from
 *    chunks, and carved <= LIMIT plus a little slack per pool.
 * A watchdog (tests/common/harness.h) turns a hang into a failure. WEFT_SANITIZE scales the
 * work down by 10, WEFT_SOAK=1 up by 10. Exit status 0 = pass. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/memory/pool.h"
#include "runtime/util/rng.h"
#include "tests/common/harness.h"

#define NT 4
#define LIMIT 1024              /* blocks an owner may have out at once */
#define TABLE_BITS 17           /* in-use table: 2^17 slots */
#define TABLE_SIZE (1u << TABLE_BITS)

#ifdef WEFT_SANITIZE
#define BASE_BLOCKS 300000ull   /* per thread */
#else
#define BASE_BLOCKS 3000000ull
#endif

/* What a block carries while in flight. The rest of the block is filled
 * with a pattern derived from the tag. */
typedef struct payload {
    uint64_t owner;             /* index of the allocating thread */
    uint64_t serial;            /* its count of blocks allocated so far */
    uint64_t check;             /* mix(owner, serial) */
    struct payload *next;       /* inbox link */
} payload;

_Static_assert(sizeof(payload) <= WEFT_POOL_BLOCK_SIZE, "payload fits a block");

/* A thread's inbox: blocks other threads handed it, to free. */
typedef struct inbox {
    pthread_mutex_t lock;
    payload *head;
} inbox;

/* One slot of the in-use table, keyed by block address. */
typedef struct slot {
    _Atomic uintptr_t key;      /* 0: empty */
    atomic_int in_use;
} slot;

static _Alignas(64) weft__pool pools[NT];
static inbox inboxes[NT];
static slot table[TABLE_SIZE];
static atomic_ulong distinct;                   /* keys in the table */
static _Atomic(uint8_t) *received[NT];          /* bitmap per owner */
static atomic_ulong errors;
static atomic_int producers_done;
static uint64_t blocks_per_thread;
static pthread_barrier_t end_barrier;

/* Per-thread tallies, written by their thread, read after join. */
static uint64_t sent_to[NT][NT];                /* [from][to] handed over */
static uint64_t freed_for[NT][NT];              /* [freer][owner] remote frees */
static uint64_t local_freed[NT];

static uint64_t mix(uint64_t a, uint64_t b)
{
    uint64_t z = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);
    z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ull;
    return z ^ (z >> 29);
}

/* Records one failure with a message; the run goes on so the counts print. */
static void fail(const char *what, unsigned long long a, unsigned long long b)
{
    /* relaxed: a tally read after the threads are joined. */
    if (atomic_fetch_add_explicit(&errors, 1, memory_order_relaxed) < 20)
        fprintf(stderr, "pool_stress: FAIL %s (%llu, %llu)\n", what, a, b);
}

/* The table slot of a block address, inserting it if new. */
static slot *slot_of(void *block)
{
    uintptr_t key = (uintptr_t)block;
    uint32_t h = (uint32_t)((key >> 6) * 0x9e3779b97f4a7c15ull >> (64 - TABLE_BITS));
    for (uint32_t n = 0; n < TABLE_SIZE; n++, h = (h + 1) & (TABLE_SIZE - 1)) {
        /* relaxed (load and CAS): only the key's own value matters; the
         * table orders nothing else. */
        uintptr_t k = atomic_load_explicit(&table[h].key, memory_order_relaxed);
        if (k == key) return &table[h];
        if (k == 0) {
            uintptr_t expected = 0;
            if (atomic_compare_exchange_strong_explicit(&table[h].key, &expected, key,
                                                        memory_order_relaxed,
                                                        memory_order_relaxed)) {
                atomic_fetch_add_explicit(&distinct, 1, memory_order_relaxed);
                return &table[h];
            }
            if (expected == key) return &table[h];
        }
    }
    fprintf(stderr, "pool_stress: in-use table full (%lu addresses)\n",
            (unsigned long)atomic_load(&distinct));
    abort();
}

/* Marks a fresh block in use; it must not have been. The flags are relaxed
 * on purpose: the pool alone must order the block's reuse, and TSan should
 * see it do so rather than be satisfied by the flag. */
static void mark_alloc(void *block)
{
    if (atomic_exchange_explicit(&slot_of(block)->in_use, 1, memory_order_relaxed) != 0)
        fail("block handed out while in use", (uintptr_t)block, 0);
}

/* Marks a block free, just before it goes back to the pool. */
static void mark_free(void *block)
{
    /* relaxed; see mark_alloc. */
    if (atomic_exchange_explicit(&slot_of(block)->in_use, 0, memory_order_relaxed) != 1)
        fail("block freed while not in use", (uintptr_t)block, 0);
}

/* Writes the tag and the fill pattern over the whole block. */
static void tag_block(void *block, uint64_t owner, uint64_t serial)
{
    payload *p = block;
    p->owner = owner;
    p->serial = serial;
    p->check = mix(owner, serial);
    p->next = NULL;
    unsigned char fill = (unsigned char)p->check;
    memset((char *)block + sizeof *p, fill, WEFT_POOL_BLOCK_SIZE - sizeof *p);
}

/* Checks a received block's tag and pattern, records its serial as received
 * (it must not have been), then poisons it. Returns its owner. */
static uint64_t check_and_poison(void *block)
{
    payload *p = block;
    uint64_t owner = p->owner, serial = p->serial;
    if (owner >= NT || serial >= blocks_per_thread || p->check != mix(owner, serial)) {
        fail("corrupt tag (owner, serial)", owner, serial);
        return NT;
    }
    unsigned char fill = (unsigned char)p->check;
    const unsigned char *b = (const unsigned char *)block + sizeof *p;
    for (size_t i = 0; i < WEFT_POOL_BLOCK_SIZE - sizeof *p; i++)
        if (b[i] != fill) {
            fail("corrupt fill at (owner, serial)", owner, serial);
            break;
        }
    uint8_t bit = (uint8_t)(1u << (serial & 7));
    /* relaxed: a tally, read after the threads are joined. */
    if (atomic_fetch_or_explicit(&received[owner][serial >> 3], bit, memory_order_relaxed) & bit)
        fail("block received twice (owner, serial)", owner, serial);
    memset(block, 0xdd, WEFT_POOL_BLOCK_SIZE);
    return owner;
}

/* Hands a block to thread `to`. */
static void send_block(int to, payload *p)
{
    inbox *in = &inboxes[to];
    pthread_mutex_lock(&in->lock);
    p->next = in->head;
    in->head = p;
    pthread_mutex_unlock(&in->lock);
}

/* Frees (remotely) every block in thread `self`'s inbox; returns how many. */
static uint64_t drain_inbox(int self)
{
    inbox *in = &inboxes[self];
    pthread_mutex_lock(&in->lock);
    payload *p = in->head;
    in->head = NULL;
    pthread_mutex_unlock(&in->lock);
    uint64_t n = 0;
    while (p != NULL) {
        payload *next = p->next;
        uint64_t owner = check_and_poison(p);
        if (owner < NT) freed_for[self][owner]++;
        mark_free(p);
        weft__pool_free(&pools[self], p);
        p = next;
        n++;
    }
    return n;
}

/* Blocks this thread's pool has out (not yet back on its own books). */
static uint64_t out_count(const weft__pool *pool)
{
    return pool->allocated - pool->freed_local - pool->freed_remote;
}

static void *worker(void *arg)
{
    int self = (int)(intptr_t)arg;
    weft__pool *pool = &pools[self];
    weft__rng rng;
    weft__rng_seed(&rng, 0x5eed0000u + (uint64_t)self);
    uint64_t serial = 0;
    while (serial < blocks_per_thread) {
        /* Keep at most LIMIT out: collect, then help others free ours. */
        while (out_count(pool) >= LIMIT) {
            if (weft__pool_collect(pool) == 0 && drain_inbox(self) == 0) sched_yield();
        }
        unsigned burst = 1 + weft__rng_below(&rng, 8);
        for (unsigned k = 0; k < burst && serial < blocks_per_thread; k++, serial++) {
            void *b = weft__pool_alloc(pool);
            if ((uintptr_t)b % 64 != 0) fail("misaligned block", (uintptr_t)b, 0);
            mark_alloc(b);
            tag_block(b, (uint64_t)self, serial);
            uint32_t r = weft__rng_below(&rng, 4 * (NT - 1));
            if (r < NT - 1) {
                /* A quarter: freed by the owner itself. */
                check_and_poison(b);
                mark_free(b);
                weft__pool_free(pool, b);
                local_freed[self]++;
            } else {
                int to = (int)(r % (NT - 1));
                if (to >= self) to++;
                sent_to[self][to]++;
                send_block(to, b);
            }
        }
        if ((serial & 15) == 0) drain_inbox(self);
    }
    /* release; pairs with the acquire load below in the other threads: our
     * last send_block happened before they see us done (the inbox mutex
     * orders the blocks themselves). */
    atomic_fetch_add_explicit(&producers_done, 1, memory_order_release);
    /* acquire; pairs with the release add above of every producer. */
    while (atomic_load_explicit(&producers_done, memory_order_acquire) < NT) {
        if (drain_inbox(self) == 0) sched_yield();
    }
    drain_inbox(self);   /* whatever arrived before the last producer ended */
    pthread_barrier_wait(&end_barrier);
    /* Every remote free for us was sent before the barrier. */
    weft__pool_collect(pool);
    return NULL;
}

int main(void)
{
    bool soak = weft_test_soak();
    blocks_per_thread = BASE_BLOCKS * (soak ? 10 : 1);
    weft_test_watchdog("pool_stress", soak ? 1800 : 240);

    for (int i = 0; i < NT; i++) {
        weft__pool_init(&pools[i]);
        pthread_mutex_init(&inboxes[i].lock, NULL);
        received[i] = calloc(blocks_per_thread / 8 + 1, 1);
        if (received[i] == NULL) return 2;
    }
    pthread_barrier_init(&end_barrier, NULL, NT);

    uint64_t t0 = weft__now_ns();
    pthread_t th[NT];
    for (int i = 0; i < NT; i++)
        if (pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) != 0) return 2;
    for (int i = 0; i < NT; i++) pthread_join(th[i], NULL);
    double secs = weft_test_secs_since(t0);

    uint64_t total_alloc = 0, total_local = 0, total_remote = 0, total_carved = 0;
    for (int o = 0; o < NT; o++) {
        weft__pool *p = &pools[o];
        uint64_t sent = 0, freed_by_others = 0;
        for (int t = 0; t < NT; t++) {
            sent += sent_to[o][t];
            freed_by_others += freed_for[t][o];
        }
        printf("pool %d: allocated %llu freed_local %llu freed_remote %llu carved %llu "
               "(sent %llu)\n", o, (unsigned long long)p->allocated,
               (unsigned long long)p->freed_local, (unsigned long long)p->freed_remote,
               (unsigned long long)p->carved, (unsigned long long)sent);
        if (p->allocated != blocks_per_thread)
            fail("pool allocated != blocks asked (pool, allocated)", (unsigned)o, p->allocated);
        if (p->allocated != p->freed_local + p->freed_remote)
            fail("blocks lost (pool, allocated - freed)", (unsigned)o,
                 p->allocated - p->freed_local - p->freed_remote);
        if (p->freed_local != local_freed[o])
            fail("freed_local != owner frees (pool, freed_local)", (unsigned)o, p->freed_local);
        if (p->freed_remote != freed_by_others || freed_by_others != sent)
            fail("freed_remote != frees by others (pool, freed_remote)", (unsigned)o,
                 p->freed_remote);
        /* A pool grows only when its free list and channel are empty
         * (blocks stuck behind a send in flight count as out), so then
         * carved == out < LIMIT + 7 (one burst past the check); one chunk
         * more after that. */
        uint64_t bound = LIMIT + 8 + WEFT_POOL_CHUNK_BLOCKS;
        if (p->carved > bound) fail("pool grew past its bound (carved, bound)", p->carved, bound);
        uint64_t got = 0;
        for (uint64_t s = 0; s < blocks_per_thread; s++)
            got += (atomic_load_explicit(&received[o][s >> 3], memory_order_relaxed) >> (s & 7)) & 1;
        if (got != blocks_per_thread)
            fail("serials never checked (pool, count)", (unsigned)o, blocks_per_thread - got);
        total_alloc += p->allocated;
        total_local += p->freed_local;
        total_remote += p->freed_remote;
        total_carved += p->carved;
    }
    unsigned long nd = atomic_load(&distinct);
    if (nd > total_carved) fail("more distinct blocks than carved", nd, total_carved);
    uint64_t still = 0;
    for (uint32_t h = 0; h < TABLE_SIZE; h++) still += (uint64_t)atomic_load(&table[h].in_use);
    if (still != 0) fail("blocks still marked in use", still, 0);

    for (int i = 0; i < NT; i++) {
        weft__pool_destroy(&pools[i]);
        free(received[i]);
    }
    unsigned long errs = atomic_load(&errors);
    printf("pool_stress: %d threads, %llu blocks allocated, %llu freed locally, %llu remotely; "
           "%llu carved, %lu distinct addresses; %.2f s, %.1f M blocks/s; %lu errors\n",
           NT, (unsigned long long)total_alloc, (unsigned long long)total_local,
           (unsigned long long)total_remote, (unsigned long long)total_carved, nd, secs,
           (double)total_alloc / secs * 1e-6, errs);
    return errs == 0 ? 0 : 1;
}
