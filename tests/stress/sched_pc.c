/* Producer-consumer through the scheduler, for 2..6 workers:
 *  1. One producer task (a future) spawns 200,000 detached tasks that add to
 *     atomic counters; every 64th of them spawns three detached children,
 *     every 1000th runs a small fib with lazy flowvars inside it. Meanwhile
 *     the root polls futures event-loop style (weft_future_ready, and
 *     weft_run_one when nothing is ready). Every task is accounted for and
 *     the sums are exact.
 *  2. A long task spawns 2,000 small tasks and then computes serially for
 *     as long as they take, calling weft_load_balance() in its loop: the
 *     other workers must run all of them (counted per worker with
 *     weft_worker_id()), the long task's worker none.
 * Exit 0 = pass; prints what it counted. WEFT_SOAK=1 runs 10 rounds. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>
#include "tests/common/weft_test.h"

#ifdef WEFT_SANITIZE
#define NPROD 20000L
#else
#define NPROD 200000L
#endif
#define NFUT 256
#define NLONG 2000
#define MAXW 8

/* Every counter below is read by the root after weft_sync_root (or after
 * the future it waits for), which orders all the tasks' updates before the
 * read (the tasks' results travel through release/acquire channels and the
 * quiescence handshake), so relaxed increments suffice. */
static _Atomic long count_top, count_child, count_fib;
static _Atomic long sum_top, sum_child;
static _Atomic long fib_wrong;
static _Atomic long ran_on[MAXW];

static void count_worker(void)
{
    int id = weft_worker_id();
    if (id >= 0 && id < MAXW)
        /* relaxed: see the note above the counters. */
        atomic_fetch_add_explicit(&ran_on[id], 1, memory_order_relaxed);
}

/* A nested child: adds its value. */
static void child_task(void *buf)
{
    long v;
    memcpy(&v, buf, sizeof v);
    count_worker();
    /* relaxed: see the note above the counters. */
    atomic_fetch_add_explicit(&count_child, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_child, v, memory_order_relaxed);
}

/* One produced item: adds i; every 64th spawns three children, every
 * 1000th runs fib(12) with flowvars. */
static void item_task(void *buf)
{
    long i;
    memcpy(&i, buf, sizeof i);
    count_worker();
    if (i % 64 == 0)
        for (long k = 1; k <= 3; k++) {
            long v = i * 10 + k;
            weft_spawn_detached(child_task, &v, sizeof v);
        }
    if (i % 1000 == 0) {
        /* relaxed: see the note above the counters. */
        if (fib(12) != 144) atomic_fetch_add_explicit(&fib_wrong, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&count_fib, 1, memory_order_relaxed);
    }
    /* relaxed: see the note above the counters. */
    atomic_fetch_add_explicit(&sum_top, i, memory_order_relaxed);
    atomic_fetch_add_explicit(&count_top, 1, memory_order_relaxed);
}

/* The producer: spawns n items, returns n. */
static void producer_task(void *buf)
{
    long n;
    memcpy(&n, buf, sizeof n);
    for (long i = 1; i <= n; i++) weft_spawn_detached(item_task, &i, sizeof i);
    memcpy(buf, &n, sizeof n);
}

/* A compute future: v*v + fib(15) (with flowvars inside). */
static void square_task(void *buf)
{
    long v;
    memcpy(&v, buf, sizeof v);
    v = v * v + fib(15);
    memcpy(buf, &v, sizeof v);
}

/* Part 1. */
static void producer_consumer(int nw, long nprod)
{
    /* seq_cst resets before any task of this round exists; the spawns
     * below publish them to the tasks (the mailbox release/acquire). */
    atomic_store(&count_top, 0); atomic_store(&count_child, 0); atomic_store(&count_fib, 0);
    atomic_store(&sum_top, 0); atomic_store(&sum_child, 0); atomic_store(&fib_wrong, 0);
    for (int i = 0; i < MAXW; i++) atomic_store(&ran_on[i], 0);

    uint64_t t0 = weft__now_ns();
    weft_future *prod = weft_spawn_future(producer_task, &nprod, sizeof nprod);
    static weft_future *fut[NFUT];
    for (long i = 0; i < NFUT; i++) fut[i] = weft_spawn_future(square_task, &i, sizeof i);

    /* The event loop: collect whatever is ready; when nothing is, run one
     * task (ours, or one that came back), else answer thieves. */
    int left = NFUT + 1;
    long polls = 0, ran = 0, produced = -1;
    bool got[NFUT] = {false};
    while (left > 0) {
        bool progress = false;
        if (prod && weft_future_ready(prod)) {
            weft_future_get(prod, &produced, sizeof produced);
            weft_future_free(prod);
            prod = NULL;
            left--;
            progress = true;
        }
        for (long i = 0; i < NFUT; i++) {
            if (got[i] || !weft_future_ready(fut[i])) continue;
            long r;
            weft_future_get(fut[i], &r, sizeof r);
            CHECK(r == i * i + 610, "future %ld = %ld", i, r);
            weft_future_free(fut[i]);
            got[i] = true;
            left--;
            progress = true;
        }
        polls++;
        if (!progress) {
            if (weft_run_one()) ran++;
            else weft_load_balance();
        }
    }
    weft_sync_root();
    double s = weft_test_secs_since(t0);

    /* The seq_cst loads below follow weft_sync_root (see the note above
     * the counters): every task's increments are visible. */
    long nchild = 3 * (nprod / 64);
    long want_sum_child = 0;
    for (long i = 64; i <= nprod; i += 64) want_sum_child += 3 * i * 10 + 6;
    CHECK(produced == nprod, "workers=%d: producer says %ld", nw, produced);
    CHECK(atomic_load(&count_top) == nprod, "workers=%d: %ld items ran, want %ld", nw, atomic_load(&count_top), nprod);
    CHECK(atomic_load(&sum_top) == nprod * (nprod + 1) / 2, "workers=%d: item sum %ld want %ld", nw,
          atomic_load(&sum_top), nprod * (nprod + 1) / 2);
    CHECK(atomic_load(&count_child) == nchild, "workers=%d: %ld children ran, want %ld", nw,
          atomic_load(&count_child), nchild);
    CHECK(atomic_load(&sum_child) == want_sum_child, "workers=%d: child sum %ld want %ld", nw,
          atomic_load(&sum_child), want_sum_child);
    CHECK(atomic_load(&count_fib) == nprod / 1000 && atomic_load(&fib_wrong) == 0,
          "workers=%d: nested fib ran %ld times (want %ld), %ld wrong", nw, atomic_load(&count_fib), nprod / 1000,
          atomic_load(&fib_wrong));
    long total = 0;
    printf("  workers=%d producer-consumer: %ld items + %ld children + %d futures in %.3f s, "
           "event loop: %ld polls, %ld run_one; items+children per worker:", nw, nprod, nchild, NFUT, s, polls, ran);
    for (int i = 0; i < nw; i++) {
        printf(" %ld", atomic_load(&ran_on[i]));
        total += atomic_load(&ran_on[i]);
    }
    printf("\n");
    CHECK(total == nprod + nchild, "workers=%d: per-worker counts add up to %ld, want %ld", nw, total, nprod + nchild);
}

/* Part 2: the long task. */
static _Atomic long long_done;
static _Atomic int long_worker = -1;
static _Atomic long long_iters;
static _Atomic int long_timed_out;

static void small_task(void *buf)
{
    (void)buf;
    count_worker();
    weft_test_spin_ns(20000);
    /* release; pairs with the acquire load in long_task's loop (it only
     * counts, but keeps the count meaningful if it ever reads more). */
    atomic_fetch_add_explicit(&long_done, 1, memory_order_release);
}

static void long_task(void *buf)
{
    (void)buf;
    int me = weft_worker_id();
    /* relaxed: read by the root after weft_sync_root. */
    atomic_store_explicit(&long_worker, me, memory_order_relaxed);
    for (long i = 0; i < NLONG; i++) weft_spawn_detached(small_task, &i, sizeof i);
    /* Serial work for as long as the small tasks take, which only other
     * workers can run: this worker answers their requests now and then. */
    uint64_t deadline = weft__now_ns() + 30000000000ull;
    long iters = 0;
    /* acquire; pairs with the release increments in small_task. */
    while (atomic_load_explicit(&long_done, memory_order_acquire) < NLONG) {
        weft_test_spin_ns(2000);
        weft_load_balance();
        iters++;
        if (weft__now_ns() > deadline) {
            /* relaxed: read by the root after weft_sync_root. */
            atomic_store_explicit(&long_timed_out, 1, memory_order_relaxed);
            break;
        }
    }
    /* relaxed: read by the root after weft_sync_root. */
    atomic_store_explicit(&long_iters, iters, memory_order_relaxed);
}

static void long_task_balances(int nw)
{
    /* seq_cst resets before the round's tasks exist; the loads after
     * weft_sync_root below see every task's update (note above the counters). */
    atomic_store(&long_done, 0);
    atomic_store(&long_timed_out, 0);
    for (int i = 0; i < MAXW; i++) atomic_store(&ran_on[i], 0);
    uint64_t t0 = weft__now_ns();
    int dummy = 0;
    weft_spawn_detached(long_task, &dummy, sizeof dummy);
    weft_sync_root();
    double s = weft_test_secs_since(t0);
    int me = atomic_load(&long_worker);
    CHECK(!atomic_load(&long_timed_out), "workers=%d: the long task's small tasks did not finish in 30 s", nw);
    CHECK(atomic_load(&long_done) == NLONG, "workers=%d: %ld small tasks ran, want %d", nw,
          atomic_load(&long_done), NLONG);
    CHECK(me >= 0 && me < nw, "workers=%d: the long task ran on worker %d", nw, me);
    int helpers = 0;
    long total = 0;
    printf("  workers=%d long task on worker %d, %ld load_balance calls, %.3f s; small tasks per worker:", nw, me,
           atomic_load(&long_iters), s);
    for (int i = 0; i < nw; i++) {
        long c = atomic_load(&ran_on[i]);
        printf(" %ld", c);
        total += c;
        if (i != me && c > 0) helpers++;
    }
    printf(" (%d helpers)\n", helpers);
    if (me >= 0 && me < MAXW)
        CHECK(atomic_load(&ran_on[me]) == 0, "workers=%d: the long task's own worker ran %ld of its tasks while busy",
              nw, atomic_load(&ran_on[me]));
    CHECK(total == NLONG, "workers=%d: per-worker counts add up to %ld", nw, total);
    CHECK(helpers >= 1, "workers=%d: no other worker ran the long task's tasks", nw);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int soak = weft_test_soak();
    weft_test_watchdog("sched_pc", soak ? 1800 : 240);
    CHECK(fib_serial(15) == 610, "fib_serial");
    for (int nw = 2; nw <= 6; nw++) {
        weft_config cfg = {.num_threads = nw};
        if (weft_init(&cfg) != 0) {
            fprintf(stderr, "FAIL: weft_init: %s\n", weft_last_error());
            return 1;
        }
        /* Soak: ten rounds, not ten times the items (the producer's deque
         * would hold up to all of them: 2M > the default 1M frames). */
        for (int r = 0; r < (soak ? 10 : 1); r++) {
            producer_consumer(nw, NPROD);
            long_task_balances(nw);
        }
        weft_exit();
    }
    return weft_test_result("sched_pc");
}
