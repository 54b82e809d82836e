/* The runtime as a program gets it by default: weft_init(NULL), so the
 * worker count comes from WEFT_NUM_THREADS or else hwloc (one per core),
 * workers pinned. (sched_spawn always passes a count; this covers the
 * default path.) Checks:
 *   - weft_num_workers() is WEFT_NUM_THREADS when set, else at least 1;
 *   - fib(n) equals the serial value, several times;
 *   - work spreads: rounds of detached tasks until at least two workers ran
 *     some (when there are two or more), counted with weft_worker_id().
 * tests/e2e/metrics_trace.sh runs it with WEFT_METRICS and WEFT_TRACE set.
 * Usage: sched_env [n]   (fib's argument, default 30; 25 under sanitizers).
 * Exit 0 = pass. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>
#include "tests/common/weft_test.h"

#define MAXW 256

/* Tasks per worker; read by the root after weft_sync_root, which orders
 * the increments before the read, so relaxed is enough. */
static _Atomic long ran_on[MAXW];

/* A small detached task: ~20 us of work, counted on its worker. */
static void spread_task(void *buf)
{
    (void)buf;
    weft_test_spin_ns(20000);
    int id = weft_worker_id();
    /* relaxed: see ran_on. */
    if (id >= 0 && id < MAXW) atomic_fetch_add_explicit(&ran_on[id], 1, memory_order_relaxed);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    weft_test_watchdog("sched_env", 120);
#ifdef WEFT_SANITIZE
    int n = argc > 1 ? atoi(argv[1]) : 25;
#else
    int n = argc > 1 ? atoi(argv[1]) : 30;
#endif
    if (n < 0 || n > 45) { fprintf(stderr, "usage: sched_env [n <= 45]\n"); return 2; }
    int reps = weft_test_soak() ? 30 : 3;

    if (weft_init(NULL) != 0) {
        fprintf(stderr, "FAIL: weft_init(NULL): %s\n", weft_last_error());
        return 1;
    }
    int nw = weft_num_workers();
    const char *env = getenv("WEFT_NUM_THREADS");
    if (env) CHECK(nw == atoi(env), "WEFT_NUM_THREADS=%s but %d workers", env, nw);
    else CHECK(nw >= 1 && nw <= MAXW, "%d workers by default", nw);

    long want = fib_serial(n);
    uint64_t t0 = weft__now_ns();
    for (int r = 0; r < reps; r++) {
        long got = fib(n);
        CHECK(got == want, "fib(%d) = %ld, want %ld", n, got, want);
    }
    double s = weft_test_secs_since(t0) / reps;

    /* Spread: rounds of 200 tasks until two workers ran some (10 s at most). */
    int busy = 0, rounds = 0;
    uint64_t until = weft__now_ns() + 10000000000ull;
    do {
        for (int i = 0; i < 200; i++) weft_spawn_detached(spread_task, &i, sizeof i);
        weft_sync_root();
        rounds++;
        busy = 0;
        /* seq_cst loads after weft_sync_root: see ran_on. */
        for (int i = 0; i < nw; i++) busy += atomic_load(&ran_on[i]) > 0;
    } while (nw > 1 && busy < 2 && weft__now_ns() < until);
    printf("sched_env: %d workers (%s), fib(%d) = %ld in %.4f s; %d rounds of 200 tasks, per worker:", nw,
           env ? "WEFT_NUM_THREADS" : "default", n, want, s, rounds);
    for (int i = 0; i < nw; i++) printf(" %ld", atomic_load(&ran_on[i]));
    printf("\n");
    CHECK(busy >= (nw > 1 ? 2 : 1), "tasks ran on %d worker(s) of %d after %d rounds", busy, nw, rounds);
    weft_exit();
    return weft_test_result("sched_env");
}
