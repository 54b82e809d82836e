/* The context form (WEFT_CTASK_n, docs/api.md "Context tasks") with 1 to 8
 * workers, results checked against serial twins: fib, a random spawn tree
 * whose nodes are context and thread-local tasks in turn (a context task
 * spawning, calling and syncing thread-local tasks, and the reverse, synced
 * newest first or in spawn order), detached tasks and futures inside
 * WEFT_CTLS, and a context task with out-of-line arguments and a boxed
 * result. With 2 or more workers it runs until some nodes ran on another
 * worker than their parent's (stolen frames), and checks that they did.
 * Exit 0 = pass. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <weft.h>

#include "tests/common/weft_test.h"

#ifdef WEFT_SANITIZE
#define DEPTH 8
#define FIB 18
#else
#define DEPTH 11
#define FIB 24
#endif

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
}

/* ---- fib in the context form ---- */
long cfib(weft_ctx c, int n);
WEFT_CTASK_1(long, cfib, int)
long cfib(weft_ctx c, int n)
{
    if (n < 2) return n;
    WEFT_CFLOWVAR(cfib) f = WEFT_CSPAWN(c, cfib, n - 1);
    long y = WEFT_CCALL(c, cfib, n - 2);
    return WEFT_CSYNC(c, cfib, f) + y;
}

/* ---- the mixed tree ---- */
static _Atomic uint64_t moved;       /* nodes run on another worker than their parent */
static _Atomic uint64_t det_spawned, det_ran;

static void note(int from)
{
    if (from != weft_worker_id()) atomic_fetch_add_explicit(&moved, 1, memory_order_relaxed);
}

static void bump(void *buf)
{
    (void)buf;
    atomic_fetch_add_explicit(&det_ran, 1, memory_order_relaxed);
}

static void square(void *buf)
{
    uint64_t x;
    memcpy(&x, buf, sizeof x);
    x *= x;
    memcpy(buf, &x, sizeof x);
}

/* The node's children: 1..4, child j of kind (h >> (8 + 2j)) & 3 (0, 3: a
 * context child; 1: a thread-local child; 2: a plain call), synced in spawn
 * order when bit 40 is set (out of order: the older frames run in place). */
static int nkids(uint64_t h) { return 1 + (int)(h % 4); }
static int kind(uint64_t h, int j) { return (int)(h >> (8 + 2 * j)) & 3; }
static uint64_t kid_seed(uint64_t seed, int j) { return mix(seed + (uint64_t)j + 1); }

static uint64_t tree_serial(uint64_t seed, int depth)
{
    uint64_t h = mix(seed);
    if (depth == 0) return h;
    uint64_t sum = h;
    for (int j = 0; j < nkids(h); j++) sum += tree_serial(kid_seed(seed, j), depth - 1) * (uint64_t)(j + 1);
    return sum;
}

uint64_t ctree(weft_ctx c, uint64_t seed, int depth, int from);
WEFT_CTASK_3(uint64_t, ctree, uint64_t, int, int)
uint64_t ttree(uint64_t seed, int depth, int from);
WEFT_TASK_3(uint64_t, ttree, uint64_t, int, int)

/* A context node: context children by WEFT_CSPAWN and WEFT_CCALL,
 * thread-local ones by WEFT_CSPAWN of a WEFT_TASK and a call in WEFT_CTLS;
 * now and then a detached task and a future in WEFT_CTLS. */
uint64_t ctree(weft_ctx c, uint64_t seed, int depth, int from)
{
    note(from);
    uint64_t h = mix(seed);
    if (depth == 0) return h;
    int me = weft_worker_id();
    if (((h >> 50) & 15) == 0) {
        atomic_fetch_add_explicit(&det_spawned, 1, memory_order_relaxed);
        WEFT_CTLS(c, weft_spawn_detached(bump, NULL, 0));
    }
    if (((h >> 54) & 15) == 0) {
        uint64_t x = h & 0xffff, r = 0;
        WEFT_CTLS(c, {
            weft_future *fut = weft_spawn_future(square, &x, sizeof x);
            weft_future_get(fut, &r, sizeof r);
            weft_future_free(fut);
        });
        CHECK(r == x * x, "future in WEFT_CTLS: %llu want %llu", (unsigned long long)r,
              (unsigned long long)(x * x));
    }
    int n = nkids(h);
    WEFT_CFLOWVAR(ctree) fc[4];
    WEFT_CFLOWVAR(ttree) ft[4];
    uint64_t v[4] = {0};
    for (int j = 0; j < n; j++) {
        uint64_t s = kid_seed(seed, j);
        switch (kind(h, j)) {
        case 1: ft[j] = WEFT_CSPAWN(c, ttree, s, depth - 1, me); break;
        case 2:
            if (j & 1) v[j] = WEFT_CCALL(c, ctree, s, depth - 1, me);
            else WEFT_CTLS(c, v[j] = ttree(s, depth - 1, me));
            break;
        default: fc[j] = WEFT_CSPAWN(c, ctree, s, depth - 1, me); break;
        }
    }
    bool in_order = (h >> 40) & 1;
    for (int k = 0; k < n; k++) {
        int j = in_order ? k : n - 1 - k;
        if (kind(h, j) == 1) v[j] = WEFT_CSYNC(c, ttree, ft[j]);
        else if (kind(h, j) != 2) v[j] = WEFT_CSYNC(c, ctree, fc[j]);
    }
    uint64_t sum = h;
    for (int j = 0; j < n; j++) sum += v[j] * (uint64_t)(j + 1);
    return sum;
}

/* A thread-local node: the same tree, context children by WEFT_SPAWN of a
 * WEFT_CTASK and by WEFT_CRUN, thread-local ones by WEFT_SPAWN and a call. */
uint64_t ttree(uint64_t seed, int depth, int from)
{
    note(from);
    uint64_t h = mix(seed);
    if (depth == 0) return h;
    int me = weft_worker_id();
    int n = nkids(h);
    WEFT_FLOWVAR(ctree) fc[4];
    WEFT_FLOWVAR(ttree) ft[4];
    uint64_t v[4] = {0};
    for (int j = 0; j < n; j++) {
        uint64_t s = kid_seed(seed, j);
        switch (kind(h, j)) {
        case 1: ft[j] = WEFT_SPAWN(ttree, s, depth - 1, me); break;
        case 2: v[j] = (j & 1) ? WEFT_CRUN(ctree, s, depth - 1, me) : ttree(s, depth - 1, me); break;
        default: fc[j] = WEFT_SPAWN(ctree, s, depth - 1, me); break;
        }
    }
    bool in_order = (h >> 40) & 1;
    for (int k = 0; k < n; k++) {
        int j = in_order ? k : n - 1 - k;
        if (kind(h, j) == 1) v[j] = WEFT_SYNC(ft[j]);
        else if (kind(h, j) != 2) v[j] = WEFT_SYNC(fc[j]);
    }
    uint64_t sum = h;
    for (int j = 0; j < n; j++) sum += v[j] * (uint64_t)(j + 1);
    return sum;
}

/* ---- out-of-line arguments (64 bytes) and a boxed result (48) ---- */
typedef struct big { uint64_t v[8]; } big;
typedef struct bigr { uint64_t v[6]; } bigr;
bigr cbig(weft_ctx c, big b, int depth);
WEFT_CTASK_2(bigr, cbig, big, int)
static bigr big_leaf(big b)
{
    bigr r;
    for (int i = 0; i < 6; i++) r.v[i] = mix(b.v[i] + b.v[i + 2]);
    return r;
}
static bigr big_join(bigr x, bigr y)
{
    for (int i = 0; i < 6; i++) x.v[i] ^= y.v[i] * 3;
    return x;
}
bigr cbig(weft_ctx c, big b, int depth)
{
    if (depth == 0) return big_leaf(b);
    big l = b, r = b;
    l.v[0] += (uint64_t)depth;
    r.v[1] += 7;
    WEFT_CFLOWVAR(cbig) f = WEFT_CSPAWN(c, cbig, l, depth - 1);
    bigr y = WEFT_CCALL(c, cbig, r, depth - 1);
    return big_join(WEFT_CSYNC(c, cbig, f), y);
}
static bigr big_serial(big b, int depth)
{
    if (depth == 0) return big_leaf(b);
    big l = b, r = b;
    l.v[0] += (uint64_t)depth;
    r.v[1] += 7;
    bigr y = big_serial(r, depth - 1);
    return big_join(big_serial(l, depth - 1), y);
}

/* ---- a void context task (WEFT_VOID_CTASK, WEFT_CWAIT): counts the leaves
 * of a binary tree, children synced from an array in spawn order ---- */
static _Atomic uint64_t cleaves;
void ccount(weft_ctx c, int depth);
WEFT_VOID_CTASK_1(ccount, int)
void ccount(weft_ctx c, int depth)
{
    if (depth == 0) { atomic_fetch_add_explicit(&cleaves, 1, memory_order_relaxed); return; }
    WEFT_CFLOWVAR(ccount) f[2];
    for (int i = 0; i < 2; i++) f[i] = WEFT_CSPAWN(c, ccount, depth - 1);
    for (int i = 0; i < 2; i++) WEFT_CWAIT(c, ccount, f[i]);
}

/* WEFT_SPAWN of a context task at the root, outside main's loop: gcc's
 * UBSan reports a null weft__hot at inline thread-local spawns in such a
 * loop (pre-existing, the same with the thread-local form alone). */
static __attribute__((noinline)) uint64_t ctree_from_root(uint64_t seed, int depth)
{
    WEFT_FLOWVAR(ctree) ft = WEFT_SPAWN(ctree, seed, depth, 0);
    return WEFT_SYNC(ft);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    weft_test_watchdog("ctx_mixed", getenv("WEFT_TEST_ALARM") ? (unsigned)atoi(getenv("WEFT_TEST_ALARM")) : 300);
    const long fib_want = fib_serial(FIB);
    const uint64_t tree_want[2] = {tree_serial(1, DEPTH), tree_serial(2, DEPTH)};
    big b0;
    for (int i = 0; i < 8; i++) b0.v[i] = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
    const bigr big_want = big_serial(b0, DEPTH - 2);

    for (int n = 1; n <= 8; n++) {
        weft_config cfg = {.num_threads = n};
        if (weft_init(&cfg) != 0) { fprintf(stderr, "FAIL: weft_init: %s\n", weft_last_error()); return 1; }
        atomic_store(&moved, 0);
        atomic_store(&det_spawned, 0);
        atomic_store(&det_ran, 0);
        /* Three rounds, and with 2+ workers more (up to 200) until frames
         * were stolen. */
        for (int rep = 0; rep < 200 && (rep < 3 || (n > 1 && atomic_load(&moved) == 0)); rep++) {
            long f = WEFT_CRUN(cfib, FIB);
            CHECK(f == fib_want, "workers=%d context fib(%d) = %ld want %ld", n, FIB, f, fib_want);
            uint64_t t = WEFT_CRUN(ctree, 1, DEPTH, 0);
            CHECK(t == tree_want[0], "workers=%d context-rooted tree: %llx want %llx", n,
                  (unsigned long long)t, (unsigned long long)tree_want[0]);
            t = ttree(2, DEPTH, 0);
            CHECK(t == tree_want[1], "workers=%d thread-local-rooted tree: %llx want %llx", n,
                  (unsigned long long)t, (unsigned long long)tree_want[1]);
            t = ctree_from_root(1, DEPTH);
            CHECK(t == tree_want[0], "workers=%d context tree spawned from the root: %llx want %llx", n,
                  (unsigned long long)t, (unsigned long long)tree_want[0]);
            atomic_store(&cleaves, 0);
            WEFT_CRUN(ccount, DEPTH);
            CHECK(atomic_load(&cleaves) == 1ull << DEPTH, "workers=%d void context tree: %llu leaves want %llu",
                  n, (unsigned long long)atomic_load(&cleaves), 1ull << DEPTH);
            bigr br = WEFT_CRUN(cbig, b0, DEPTH - 2);
            CHECK(memcmp(&br, &big_want, sizeof br) == 0, "workers=%d context task of 64-byte arguments", n);
        }
        weft_sync_root();
        CHECK(atomic_load(&det_ran) == atomic_load(&det_spawned), "workers=%d detached in WEFT_CTLS: %llu ran of %llu",
              n, (unsigned long long)atomic_load(&det_ran), (unsigned long long)atomic_load(&det_spawned));
        if (n > 1)
            CHECK(atomic_load(&moved) > 0, "workers=%d: no node ran on another worker than its parent", n);
        printf("workers=%d: %llu nodes ran away from their parent, %llu detached\n", n,
               (unsigned long long)atomic_load(&moved), (unsigned long long)atomic_load(&det_ran));
        weft_exit();
    }
    return weft_test_result("ctx_mixed");
}
