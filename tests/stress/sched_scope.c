/* Scoped barriers for every worker count from 1 to 8: weft_scope_end must
 * return only after every task spawned inside the scope and all their
 * descendants have finished, wherever they ran, with grandchildren spawned
 * from stolen tasks (detached ones, and lazy flowvar tasks shipped to a
 * thief); scopes nested inside stolen tasks; scopes around parallel loops
 * whose bodies spawn, and around an awaitable loop left running. The waiting
 * worker keeps working, so a scope whose tasks sit anywhere cannot livelock
 * (Weave's issues 119 and 121): the stall watchdog fails the program if
 * progress stops. Exit 0 = pass. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <weft.h>

#include "tests/common/weft_test.h"

#ifdef WEFT_SANITIZE
#define ROUNDS 2
#define SPIN_NS 2000u
#else
#define ROUNDS 6
#define SPIN_NS 5000u
#endif

enum { L1 = 12, L2 = 3, L3 = 3, LAZY_KIDS = 2 };

/* relaxed counters throughout: each is read after the weft_scope_end whose
 * acquire (the scope's done channel) orders every counted task before it. */
static _Atomic uint64_t progress;      /* leaves run, for the stall watchdog */
static _Atomic uint64_t leaves;        /* grandchildren (level 3) run */
static _Atomic uint64_t lazy_leaves;   /* detached children of the lazy tasks */
static _Atomic uint64_t from_stolen;   /* leaves whose parent ran off worker 0 */
static _Atomic uint64_t lazy_stolen;   /* lazy tasks that ran off their spawner */
static _Atomic uint64_t subtree[L1];   /* level-3 leaves under each level-1 task */
static _Atomic int inner_short;        /* inner scopes that ended early */

static void leaf(void *buf)
{
    int64_t a[2];
    memcpy(a, buf, sizeof a);
    weft_test_spin_ns(SPIN_NS);
    atomic_fetch_add_explicit(&leaves, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&subtree[a[0]], 1, memory_order_relaxed);
    if (a[1] != 0) atomic_fetch_add_explicit(&from_stolen, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

static void level2(void *buf)
{
    int64_t who;
    memcpy(&who, buf, sizeof who);
    int64_t a[2] = {who, weft_worker_id() != 0};
    weft_test_spin_ns(SPIN_NS);
    for (int k = 0; k < L3; k++) weft_spawn_detached(leaf, a, sizeof a);
}

static void lazy_leaf(void *buf)
{
    int stolen;
    memcpy(&stolen, buf, sizeof stolen);
    /* Long when its parent was stolen: were it not counted in the scope, it
     * would still be running when the scope ends. */
    weft_test_spin_ns(stolen ? 40 * SPIN_NS : SPIN_NS);
    atomic_fetch_add_explicit(&lazy_leaves, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

/* A lazy flowvar task: when a thief runs it, what it spawns detached must
 * still count in the scope of its spawner. */
int lazy(int spawner);
WEFT_TASK_1(int, lazy, int)
int lazy(int spawner)
{
    int stolen = weft_worker_id() != spawner;
    if (stolen) atomic_fetch_add_explicit(&lazy_stolen, 1, memory_order_relaxed);
    for (int k = 0; k < LAZY_KIDS; k++) weft_spawn_detached(lazy_leaf, &stolen, sizeof stolen);
    return 1;
}

/* A lazy task that a thief must run (the root waits for that), whose
 * detached children take long: the scope must still wait for them. */
static _Atomic int thief_started;
static _Atomic uint64_t thief_kids;
static void thief_kid(void *buf)
{
    (void)buf;
    weft_test_spin_ns(20 * SPIN_NS);
    atomic_fetch_add_explicit(&thief_kids, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}
int on_thief(int spawner);
WEFT_TASK_1(int, on_thief, int)
int on_thief(int spawner)
{
    /* release: pairs with the root's acquire load (a flag only). */
    atomic_store_explicit(&thief_started, 1, memory_order_release);
    for (int k = 0; k < 4; k++) weft_spawn_detached(thief_kid, NULL, 0);
    return weft_worker_id() != spawner;
}

static void level1(void *buf)
{
    int64_t who;
    memcpy(&who, buf, sizeof who);
    WEFT_FLOWVAR(lazy) f = WEFT_SPAWN(lazy, weft_worker_id());
    /* A scope inside a (likely stolen) task: it waits for its own subtree. */
    WEFT_SCOPE(inner) {
        for (int k = 0; k < L2; k++) weft_spawn_detached(level2, &who, sizeof who);
        /* Let a thief take the lazy task while we are busy. */
        for (int k = 0; k < 10; k++) {
            weft_test_spin_ns(SPIN_NS);
            weft_load_balance();
        }
        CHECK(WEFT_SYNC(f) == 1, "lazy task result");
    }
    if (atomic_load_explicit(&subtree[who], memory_order_relaxed) != L2 * L3)
        atomic_fetch_add_explicit(&inner_short, 1, memory_order_relaxed);
}

/* ---- scopes and loops ---- */
static _Atomic uint64_t loop_spawned;
static void loop_leaf(void *buf)
{
    (void)buf;
    atomic_fetch_add_explicit(&loop_spawned, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}
static void spawn_each(int64_t i, void *ctx)
{
    (void)ctx;
    if (i % 3 == 0) weft_spawn_detached(loop_leaf, NULL, 0);
    weft_test_spin_ns(SPIN_NS / 4);
}
WEFT_FOR_BODY(spawn_range, i, void, ctx)
{
    (void)ctx;
    if (i % 5 == 0) weft_spawn_detached(loop_leaf, NULL, 0);
}

static void round_of(int n, int r)
{
    weft_config cfg = {.num_threads = n};
    if (weft_init(&cfg) != 0) {
        fprintf(stderr, "weft_init: %s\n", weft_last_error());
        exit(2);
    }
    atomic_store(&leaves, 0);
    atomic_store(&lazy_leaves, 0);
    for (int k = 0; k < L1; k++) atomic_store(&subtree[k], 0);

    weft_scope outer;
    weft_scope_begin(&outer);
    for (int64_t k = 0; k < L1; k++) weft_spawn_detached(level1, &k, sizeof k);
    weft_scope_end(&outer);
    uint64_t got = atomic_load_explicit(&leaves, memory_order_relaxed);
    uint64_t lazy_got = atomic_load_explicit(&lazy_leaves, memory_order_relaxed);
    CHECK(got == L1 * L2 * L3, "n=%d round %d: %llu of %d grandchildren done at scope end", n, r,
          (unsigned long long)got, L1 * L2 * L3);
    CHECK(lazy_got == L1 * LAZY_KIDS, "n=%d round %d: %llu of %d children of lazy tasks done at scope end",
          n, r, (unsigned long long)lazy_got, L1 * LAZY_KIDS);

    /* A lazy task shipped to a thief for sure (n > 1): the root answers
     * requests until a thief has started it. */
    if (n > 1) {
        atomic_store(&thief_started, 0);
        atomic_store(&thief_kids, 0);
        int ran_on_thief;
        WEFT_SCOPE(ts) {
            WEFT_FLOWVAR(on_thief) f = WEFT_SPAWN(on_thief, weft_worker_id());
            uint64_t t0 = weft__now_ns();
            /* acquire: pairs with the release in on_thief. */
            while (!atomic_load_explicit(&thief_started, memory_order_acquire) &&
                   weft__now_ns() - t0 < 20000000000u)
                weft_load_balance();
            ran_on_thief = WEFT_SYNC(f);
        }
        CHECK(ran_on_thief == 1, "n=%d round %d: the lazy task was not run by a thief", n, r);
        CHECK(atomic_load_explicit(&thief_kids, memory_order_relaxed) == 4,
              "n=%d round %d: %llu of 4 children of a stolen lazy task done at scope end", n, r,
              (unsigned long long)atomic_load(&thief_kids));
    }

    /* An empty scope, and nested empty scopes. */
    WEFT_SCOPE(e1) {
        WEFT_SCOPE(e2) { (void)0; }
    }

    /* Scopes around loops whose bodies spawn detached tasks, one of them an
     * awaitable loop still running when the scope ends (the scope waits for
     * it; the wait after only frees the handle). */
    atomic_store(&loop_spawned, 0);
    weft_loop *lp;
    WEFT_SCOPE(ls) {
        weft_parallel_for(0, 3000, 1, spawn_each, NULL);
        lp = weft_parallel_for_async(0, 100000, 1, spawn_range, NULL);
    }
    uint64_t want = 1000 + 20000;
    CHECK(atomic_load_explicit(&loop_spawned, memory_order_relaxed) == want,
          "n=%d round %d: %llu of %llu tasks spawned by loop bodies done at scope end", n, r,
          (unsigned long long)atomic_load(&loop_spawned), (unsigned long long)want);
    weft_loop_wait(lp);

    weft_exit();
}

static void report(void)
{
    fprintf(stderr, "leaves %llu, lazy leaves %llu\n", (unsigned long long)atomic_load(&leaves),
            (unsigned long long)atomic_load(&lazy_leaves));
}

int main(void)
{
    weft_test_watchdog("sched_scope", 600);
    weft_test_stall_watchdog_start("sched_scope", 60, &progress, report);
    uint64_t t0 = weft__now_ns();
    for (int n = 1; n <= 8; n++)
        for (int r = 0; r < ROUNDS; r++) round_of(n, r);
    weft_test_stall_watchdog_stop();
    CHECK(atomic_load(&inner_short) == 0, "%d inner scopes ended before their subtree",
          atomic_load(&inner_short));
    /* The point of the test: grandchildren spawned from stolen tasks. */
    CHECK(atomic_load(&from_stolen) > 0, "no grandchild was spawned by a stolen task");
    printf("sched_scope: %llu grandchildren from stolen tasks, %llu lazy tasks run by thieves, %.1f s\n",
           (unsigned long long)atomic_load(&from_stolen), (unsigned long long)atomic_load(&lazy_stolen),
           weft_test_secs_since(t0));
    return weft_test_result("sched_scope");
}
