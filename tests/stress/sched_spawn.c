/* The scheduler under load, for every worker count from 1 to 8 (more workers
 * than cores here, on purpose): fib and a random spawn tree must give the
 * serial results; deep nested syncs; out-of-order syncs; detached tasks and
 * futures counted exactly; init/exit many times. Exit 0 = pass. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <weft.h>

#include "tests/common/weft_test.h"

#ifdef WEFT_SANITIZE
#define SCALE 1
#else
#define SCALE 4
#endif



/* ---- a random spawn tree: each node hashes its id and spawns 0..4
 * children chosen by a hash, so the tree is irregular but deterministic. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
}
uint64_t tree(uint64_t id, int depth);
WEFT_TASK_2(uint64_t, tree, uint64_t, int)
uint64_t tree(uint64_t id, int depth)
{
    uint64_t h = mix(id);
    if (depth == 0) return h;
    int kids = (int)(h % 5);
    WEFT_FLOWVAR(tree) f[4];
    for (int k = 0; k < kids; k++) f[k] = WEFT_SPAWN(tree, id * 5 + (uint64_t)k + 1, depth - 1);
    uint64_t sum = h;
    /* Sync in reverse order (the usual), except every 7th node syncs in
     * spawn order, which exercises out-of-order syncs. */
    if (h % 7 == 0) {
        for (int k = 0; k < kids; k++) sum += mix(WEFT_SYNC(f[k]) + (uint64_t)k);
    } else {
        uint64_t part[4];
        for (int k = kids - 1; k >= 0; k--) part[k] = WEFT_SYNC(f[k]);
        for (int k = 0; k < kids; k++) sum += mix(part[k] + (uint64_t)k);
    }
    return sum;
}
static uint64_t tree_serial(uint64_t id, int depth)
{
    uint64_t h = mix(id);
    if (depth == 0) return h;
    int kids = (int)(h % 5);
    uint64_t sum = h;
    for (int k = 0; k < kids; k++) sum += mix(tree_serial(id * 5 + (uint64_t)k + 1, depth - 1) + (uint64_t)k);
    return sum;
}

/* ---- deep recursion: a chain of nested syncs ---- */
long chain(int depth);
WEFT_TASK_1(long, chain, int)
long chain(int depth)
{
    if (depth == 0) return 0;
    WEFT_FLOWVAR(chain) f = WEFT_SPAWN(chain, depth - 1);
    return WEFT_SYNC(f) + 1;
}

/* ---- six arguments of five types (the largest generated arity): each
 * must land at its own offset of the frame ---- */
long six(int depth, char a, short b, int c, long d, double e);
WEFT_TASK_6(long, six, int, char, short, int, long, double)
static long six_serial(int depth, char a, short b, int c, long d, double e)
{
    long here = a + 10L * b + 100L * c + 1000L * d + (long)(10000 * e);
    if (depth == 0) return here;
    return six_serial(depth - 1, (char)(a + 1), (short)(b + 2), c + 3, d + 4, e + 0.5) +
           six_serial(depth - 1, a, b, c, d, e) + here;
}
long six(int depth, char a, short b, int c, long d, double e)
{
    long here = a + 10L * b + 100L * c + 1000L * d + (long)(10000 * e);
    if (depth == 0) return here;
    WEFT_FLOWVAR(six) f = WEFT_SPAWN(six, depth - 1, (char)(a + 1), (short)(b + 2), c + 3, d + 4, e + 0.5);
    long r = six(depth - 1, a, b, c, d, e);
    return WEFT_SYNC(f) + r + here;
}

/* ---- a void task: a parallel sum into a counter ---- */
static _Atomic long void_sum;
void add_range(long lo, long hi);
WEFT_VOID_TASK_2(add_range, long, long)
void add_range(long lo, long hi)
{
    if (hi - lo <= 16) {
        long s = 0;
        for (long i = lo; i < hi; i++) s += i;
        /* relaxed: read after the WEFT_WAIT that orders it. */
        atomic_fetch_add_explicit(&void_sum, s, memory_order_relaxed);
        return;
    }
    long mid = lo + (hi - lo) / 2;
    WEFT_FLOWVAR(add_range) f = WEFT_SPAWN(add_range, lo, mid);
    add_range(mid, hi);
    WEFT_WAIT(f);
}

/* ---- detached tasks and futures ---- */
static _Atomic long detached_done;
static void detached_task(void *buf)
{
    long v;
    memcpy(&v, buf, sizeof v);
    /* relaxed: a counter read after weft_sync_root, which orders it. */
    atomic_fetch_add_explicit(&detached_done, v, memory_order_relaxed);
}
static void square_task(void *buf)
{
    long v;
    memcpy(&v, buf, sizeof v);
    v = v * v + fib_serial(10);
    memcpy(buf, &v, sizeof v);
}

/* A raw task that leaves a detached task behind in the slot its own frame
 * used: the raw sync must not write its result over that frame. */
static _Atomic long left_behind;
static void left_behind_task(void *buf)
{
    long v;
    memcpy(&v, buf, sizeof v);
    /* relaxed: read after weft_sync_root, which orders it. */
    atomic_fetch_add_explicit(&left_behind, v, memory_order_relaxed);
}
static void leaves_detached(void *buf)
{
    long v = 1000, r = 7;
    weft_spawn_detached(left_behind_task, &v, sizeof v);
    memcpy(buf, &r, sizeof r);
}


int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    weft_test_watchdog("sched_spawn", getenv("WEFT_TEST_ALARM") ? (unsigned)atoi(getenv("WEFT_TEST_ALARM")) : 240);
    const int fib_n = 20 + SCALE;
    const long fib_want = fib_serial(fib_n);
    const int tree_depth = 7 + SCALE / 2;
    const uint64_t tree_want = tree_serial(1, tree_depth);

    for (int n = 1; n <= 8; n++) {
        weft_config cfg = {.num_threads = n};
        if (weft_init(&cfg) != 0) { fprintf(stderr, "FAIL: weft_init: %s\n", weft_last_error()); return 1; }
        CHECK(weft_num_workers() == n, "num_workers %d != %d", weft_num_workers(), n);
        CHECK(weft_worker_id() == 0, "root id %d", weft_worker_id());
        for (int rep = 0; rep < 3; rep++) {
            long got = fib(fib_n);
            CHECK(got == fib_want, "workers=%d fib(%d)=%ld want %ld", n, fib_n, got, fib_want);
            uint64_t t = tree(1, tree_depth);
            CHECK(t == tree_want, "workers=%d tree=%llx want %llx", n, (unsigned long long)t,
                  (unsigned long long)tree_want);
        }
        atomic_store(&void_sum, 0);
        add_range(0, 100000);
        CHECK(atomic_load(&void_sum) == 100000L * 99999 / 2, "workers=%d void sum %ld", n, atomic_load(&void_sum));
        long s6 = six(12, 1, 2, 3, 4, 5.0), s6_want = six_serial(12, 1, 2, 3, 4, 5.0);
        CHECK(s6 == s6_want, "workers=%d six-argument tree %ld want %ld", n, s6, s6_want);
        long c = chain(20000);
        CHECK(c == 20000, "workers=%d chain=%ld", n, c);

        /* detached tasks: every one counted */
        atomic_store(&detached_done, 0);
        long want = 0;
        for (long i = 1; i <= 20000 * SCALE; i++) {
            weft_spawn_detached(detached_task, &i, sizeof i);
            want += i;
        }
        weft_sync_root();
        CHECK(atomic_load(&detached_done) == want, "workers=%d detached sum %ld want %ld", n,
              atomic_load(&detached_done), want);

        /* futures: polled out of order, all results right */
        enum { NF = 500 };
        static weft_future *fut[NF];
        for (long i = 0; i < NF; i++) fut[i] = weft_spawn_future(square_task, &i, sizeof i);
        for (long i = NF - 1; i >= 0; i -= 2) {
            long r;
            weft_future_get(fut[i], &r, sizeof r);
            CHECK(r == i * i + 55, "future %ld = %ld", i, r);
        }
        for (long i = 0; i < NF; i++) {
            long r;
            if (i % 2 == 0 && NF % 2 == 0) { /* the rest */ }
            weft_future_get(fut[i], &r, sizeof r);
            CHECK(weft_future_ready(fut[i]), "future %ld not ready after get", i);
            CHECK(r == i * i + 55, "future %ld = %ld", i, r);
            weft_future_free(fut[i]);
        }
        /* raw spawn/sync around a task that leaves a detached frame */
        atomic_store(&left_behind, 0);
        long one = 1;
        weft_flowvar raw = weft_spawn(leaves_detached, &one, sizeof one);
        long rr;
        memcpy(&rr, weft_sync(&raw), sizeof rr);
        weft_sync_root();
        CHECK(rr == 7 && atomic_load(&left_behind) == 1000, "raw sync result %ld, detached saw %ld", rr,
              atomic_load(&left_behind));

        /* is_ready on a lazy flowvar */
        WEFT_FLOWVAR(fib) f = WEFT_SPAWN(fib, 15);
        weft_sync_root();
        long v = WEFT_SYNC(f);
        CHECK(v == 610, "fib(15) %ld", v);
        weft_exit();
        printf("workers=%d ok\n", n);
    }

    /* init/exit many times */
    int cycles = 250 * SCALE;
    for (int i = 0; i < cycles; i++) {
        weft_config cfg = {.num_threads = 1 + i % 4};
        if (weft_init(&cfg) != 0) { fprintf(stderr, "FAIL: weft_init #%d: %s\n", i, weft_last_error()); return 1; }
        long got = fib(12);
        CHECK(got == 144, "cycle %d fib(12)=%ld", i, got);
        weft_exit();
    }
    printf("init/exit x%d ok\n", cycles);
    return weft_test_result("sched_spawn");
}
