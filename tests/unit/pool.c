/* Unit tests of runtime/memory/pool: aligned distinct blocks, owner reuse,
 * remote frees coming back on collect (and by themselves when the free list
 * runs dry), counters, destroy and re-init. */
#include <criterion/criterion.h>
#include <signal.h>
#include <criterion/redirect.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/memory/pool.h"

/* Pools hold a 64-byte aligned channel: keep them in static storage. */
static weft__pool pool_a, pool_b;

static int cmp_ptr(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)*(void *const *)x, b = (uintptr_t)*(void *const *)y;
    return a < b ? -1 : a > b;
}

Test(pool, alloc_gives_aligned_distinct_blocks)
{
    enum { N = 1000 };
    static void *blocks[N];
    weft__pool_init(&pool_a);
    for (int i = 0; i < N; i++) {
        blocks[i] = weft__pool_alloc(&pool_a);
        cr_assert_not_null(blocks[i]);
        cr_expect_eq((uintptr_t)blocks[i] % 64, 0, "block %d at %p not 64-aligned", i,
                     blocks[i]);
        /* The whole block is the user's (ASan catches an overrun). */
        memset(blocks[i], i & 0xff, WEFT_POOL_BLOCK_SIZE);
    }
    qsort(blocks, N, sizeof blocks[0], cmp_ptr);
    for (int i = 1; i < N; i++)
        cr_expect_geq((uintptr_t)blocks[i] - (uintptr_t)blocks[i - 1], WEFT_POOL_BLOCK_SIZE,
                      "blocks %p and %p overlap", blocks[i - 1], blocks[i]);
    cr_expect_eq(pool_a.allocated, N);
    cr_expect_geq(pool_a.carved, N);
    cr_expect_eq(pool_a.carved % WEFT_POOL_CHUNK_BLOCKS, 0);
    cr_expect_lt(pool_a.carved, N + WEFT_POOL_CHUNK_BLOCKS, "carved %llu for %d blocks",
                 (unsigned long long)pool_a.carved, N);
    for (int i = 0; i < N; i++) weft__pool_free(&pool_a, blocks[i]);
    cr_expect_eq(pool_a.freed_local, N);
    weft__pool_destroy(&pool_a);
}

Test(pool, owner_free_then_alloc_reuses)
{
    weft__pool_init(&pool_a);
    void *a = weft__pool_alloc(&pool_a);
    void *b = weft__pool_alloc(&pool_a);
    weft__pool_free(&pool_a, a);
    cr_expect_eq(weft__pool_alloc(&pool_a), a, "the block just freed comes back first");
    weft__pool_free(&pool_a, b);
    weft__pool_free(&pool_a, a);
    /* LIFO: the last freed first. */
    cr_expect_eq(weft__pool_alloc(&pool_a), a);
    cr_expect_eq(weft__pool_alloc(&pool_a), b);
    cr_expect_eq(pool_a.carved, WEFT_POOL_CHUNK_BLOCKS, "no new chunk for reuse");
    weft__pool_free(&pool_a, a);
    weft__pool_free(&pool_a, b);
    cr_expect_eq(pool_a.allocated, 5);
    cr_expect_eq(pool_a.freed_local, 5);
    cr_expect_eq(pool_a.freed_remote, 0);
    weft__pool_destroy(&pool_a);
}

Test(pool, collect_on_empty_channel_returns_zero)
{
    weft__pool_init(&pool_a);
    cr_expect_eq(weft__pool_collect(&pool_a), 0);
    void *a = weft__pool_alloc(&pool_a);
    cr_expect_eq(weft__pool_collect(&pool_a), 0);
    weft__pool_free(&pool_a, a);
    cr_expect_eq(weft__pool_collect(&pool_a), 0, "an owner free is not remote");
    weft__pool_destroy(&pool_a);
}

/* Arguments of remote_free_thread. */
typedef struct remote_job {
    void **blocks;
    size_t n;
    weft__pool *self;   /* the freeing thread's pool, or NULL */
} remote_job;

/* Frees every block of the job from this (non-owner) thread. */
static void *remote_free_thread(void *arg)
{
    remote_job *j = arg;
    for (size_t i = 0; i < j->n; i++) weft__pool_free(j->self, j->blocks[i]);
    return NULL;
}

static void free_from_thread(void **blocks, size_t n, weft__pool *self)
{
    remote_job j = { blocks, n, self };
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, remote_free_thread, &j), 0);
    cr_assert_eq(pthread_join(t, NULL), 0);
}

Test(pool, remote_free_comes_back_after_collect)
{
    weft__pool_init(&pool_a);
    void *blocks[3];
    for (int i = 0; i < 3; i++) blocks[i] = weft__pool_alloc(&pool_a);
    free_from_thread(blocks, 3, NULL);
    cr_expect_eq(pool_a.freed_remote, 0, "counted on receipt, not on send");
    cr_expect_eq(weft__pool_collect(&pool_a), 3);
    cr_expect_eq(pool_a.freed_remote, 3);
    cr_expect_eq(weft__pool_collect(&pool_a), 0);
    /* The three come back from the free list before any other block. */
    void *again[3];
    for (int i = 0; i < 3; i++) again[i] = weft__pool_alloc(&pool_a);
    qsort(blocks, 3, sizeof blocks[0], cmp_ptr);
    qsort(again, 3, sizeof again[0], cmp_ptr);
    cr_expect_arr_eq(again, blocks, sizeof blocks);
    for (int i = 0; i < 3; i++) weft__pool_free(&pool_a, again[i]);
    cr_expect_eq(pool_a.allocated, 6);
    cr_expect_eq(pool_a.freed_local + pool_a.freed_remote, 6);
    weft__pool_destroy(&pool_a);
}

/* A free by a thread with its own pool goes to the block's owner, not to the
 * freeing thread's pool. */
Test(pool, free_by_other_pool_goes_to_owner)
{
    weft__pool_init(&pool_a);
    weft__pool_init(&pool_b);
    void *blocks[10];
    for (int i = 0; i < 10; i++) blocks[i] = weft__pool_alloc(&pool_a);
    free_from_thread(blocks, 10, &pool_b);
    cr_expect_eq(weft__pool_collect(&pool_b), 0);
    cr_expect_eq(pool_b.freed_local, 0);
    cr_expect_eq(weft__pool_collect(&pool_a), 10);
    cr_expect_eq(pool_a.allocated, pool_a.freed_local + pool_a.freed_remote);
    weft__pool_destroy(&pool_a);
    weft__pool_destroy(&pool_b);
}

/* When the free list runs dry, alloc drains the channel before it takes a
 * new chunk. */
Test(pool, alloc_collects_before_growing)
{
    enum { N = WEFT_POOL_CHUNK_BLOCKS };
    void *blocks[N];
    weft__pool_init(&pool_a);
    for (int i = 0; i < N; i++) blocks[i] = weft__pool_alloc(&pool_a);
    cr_assert_eq(pool_a.carved, N);
    free_from_thread(blocks, N, NULL);
    for (int i = 0; i < N; i++) blocks[i] = weft__pool_alloc(&pool_a);
    cr_expect_eq(pool_a.carved, N, "grew to %llu instead of reusing remote frees",
                 (unsigned long long)pool_a.carved);
    cr_expect_eq(pool_a.freed_remote, N);
    void *extra = weft__pool_alloc(&pool_a);
    cr_expect_eq(pool_a.carved, 2 * N, "a new chunk once the channel is empty too");
    weft__pool_free(&pool_a, extra);
    for (int i = 0; i < N; i++) weft__pool_free(&pool_a, blocks[i]);
    cr_expect_eq(pool_a.allocated, 2 * N + 1);
    cr_expect_eq(pool_a.freed_local, N + 1);
    weft__pool_destroy(&pool_a);
}

/* Counters over a mixed sequence: local and remote frees, partial collects. */
Test(pool, counters_add_up)
{
    enum { ROUNDS = 20, PER = 100 };
    void *blocks[PER];
    weft__pool_init(&pool_a);
    uint64_t remote = 0, local = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < PER; i++) blocks[i] = weft__pool_alloc(&pool_a);
        int split = (r * 37) % PER;   /* the first `split` go remote */
        free_from_thread(blocks, (size_t)split, NULL);
        for (int i = split; i < PER; i++) weft__pool_free(&pool_a, blocks[i]);
        remote += (uint64_t)split;
        local += (uint64_t)(PER - split);
        if (r % 3 == 0) weft__pool_collect(&pool_a);
    }
    weft__pool_collect(&pool_a);
    cr_expect_eq(pool_a.allocated, ROUNDS * PER);
    cr_expect_eq(pool_a.freed_local, local);
    cr_expect_eq(pool_a.freed_remote, remote);
    cr_expect_eq(pool_a.allocated, pool_a.freed_local + pool_a.freed_remote);
    /* Never more than PER in use at once, and every free came back before
     * the next round's allocations were needed: at most two chunks. */
    cr_expect_leq(pool_a.carved, 2 * WEFT_POOL_CHUNK_BLOCKS);
    weft__pool_destroy(&pool_a);
}

/* destroy takes the blocks still in the channel, releases every chunk, and
 * the pool can be initialised again. */
Test(pool, destroy_collects_and_reinit_works)
{
    void *blocks[200];
    weft__pool_init(&pool_a);
    for (int i = 0; i < 200; i++) blocks[i] = weft__pool_alloc(&pool_a);
    free_from_thread(blocks, 200, NULL);
    weft__pool_destroy(&pool_a);
    cr_expect_eq(pool_a.freed_remote, 200);
    cr_expect_null(pool_a.chunks);
    cr_expect_null(pool_a.free);
    weft__pool_init(&pool_a);
    cr_expect_eq(pool_a.allocated, 0);
    cr_expect_eq(pool_a.carved, 0);
    void *a = weft__pool_alloc(&pool_a);
    cr_expect_not_null(a);
    weft__pool_free(&pool_a, a);
    weft__pool_destroy(&pool_a);
}

/* A pool on the heap, aligned as pool.h asks. */
Test(pool, heap_pool)
{
    weft__pool *p = aligned_alloc(64, sizeof *p);
    cr_assert_not_null(p);
    weft__pool_init(p);
    void *a = weft__pool_alloc(p);
    free_from_thread(&a, 1, NULL);
    cr_expect_eq(weft__pool_collect(p), 1);
    weft__pool_destroy(p);
    free(p);
}

/* A second free of a block still in the pool is caught (the state word in
 * the block's header), by the owner and by another thread (remote), and
 * weft__pool_is_free tells a free block from one in use. */
Test(pool, double_free_by_the_owner_aborts, .signal = SIGABRT, .init = cr_redirect_stderr)
{
    weft__pool_init(&pool_a);
    void *a = weft__pool_alloc(&pool_a);
    cr_expect_not(weft__pool_is_free(a));
    weft__pool_free(&pool_a, a);
    cr_expect(weft__pool_is_free(a));
    weft__pool_free(&pool_a, a);
    cr_assert_fail("the second free was not caught");
}

Test(pool, double_free_after_a_remote_free_aborts, .signal = SIGABRT, .init = cr_redirect_stderr)
{
    weft__pool_init(&pool_a);
    void *a = weft__pool_alloc(&pool_a);
    free_from_thread(&a, 1, NULL);
    cr_expect(weft__pool_is_free(a), "a block in the remote channel reads as in use");
    weft__pool_free(&pool_a, a);
    cr_assert_fail("the second free was not caught");
}

Test(pool, a_block_handed_out_again_is_in_use)
{
    weft__pool_init(&pool_a);
    void *a = weft__pool_alloc(&pool_a);
    weft__pool_free(&pool_a, a);
    cr_expect_eq(weft__pool_alloc(&pool_a), a);
    cr_expect_not(weft__pool_is_free(a));
    weft__pool_free(&pool_a, a);
    weft__pool_destroy(&pool_a);
}

#ifdef __SANITIZE_ADDRESS__
/* Under AddressSanitizer a block's bytes are poisoned while it is free, so
 * a write after weft__pool_free ends the process with ASan's report (exit
 * status 1, ASan's default). */
Test(pool, use_after_free_is_reported, .exit_code = 1, .init = cr_redirect_stderr)
{
    weft__pool_init(&pool_a);
    volatile char *a = weft__pool_alloc(&pool_a);
    a[0] = 1;
    weft__pool_free(&pool_a, (void *)a);
    a[WEFT_POOL_BLOCK_SIZE / 2] = 2;
    cr_assert_fail("the write after free was not reported");
}

/* The same for a block freed by another thread, still in the channel. */
Test(pool, use_after_remote_free_is_reported, .exit_code = 1, .init = cr_redirect_stderr)
{
    weft__pool_init(&pool_a);
    void *a = weft__pool_alloc(&pool_a);
    free_from_thread(&a, 1, NULL);
    ((volatile char *)a)[0] = 3;
    cr_assert_fail("the write after a remote free was not reported");
}
#endif
