/* The executor (weft_run_in_background, weft_submit, weft_wait, weft_shutdown):
 *   fifo       1 worker: 20000 jobs submitted by one thread start in that order;
 *   foreign    4 foreign threads x N submits (N = 10^5; 10^6 with WEFT_SOAK=1),
 *              3 workers, at most 256 pending per
 *              thread: every result checked one by one, none lost; every 16th
 *              job spawns and syncs inside (fib), every 64th submits a job of
 *              its own and waits for it on the worker;
 *   storms     bursts of 500 submits with 5-30 ms gaps in which the runtime
 *              parks, 2 workers, every result checked;
 *   loops      1 and 3 workers: jobs with a scope, detached tasks, a parallel
 *              loop and a nested job waited on inside the scope;
 *   shutdown   3 threads submit without pause while two others call
 *              weft_shutdown: completed + cancelled == submitted, every
 *              completed job ran once and gave its result;
 *   future     1 and 2 workers: a job spawns a future and returns it, a
 *              foreign thread calls weft_future_get on it while the main
 *              thread waits in pthread_join (the program of issue 10 that
 *              hangs when the root is a user thread);
 *   forever    weft_run_forever on a thread of the test; submits before it
 *              accepts jobs come back cancelled, then jobs run, then
 *              weft_shutdown ends it; then 20 starts, each stopped by
 *              weft_shutdown calls racing it;
 *   lone       2 and 3 workers, parked: a lone job runs on the root (it
 *              is not handed to a sleeping worker) and calls
 *              weft_load_balance() until a second job, submitted while it
 *              runs, has started: the call hands it to a sleeping worker;
 *   edges      submits with no executor are cancelled; a second start fails
 *              with a message; weft_shutdown with none running returns.
 * A stall watchdog ends the program (status 3) when no job completes for
 * 60 s. Exit 0 = pass; prints what it counted. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <weft.h>
#include "tests/common/weft_test.h"

static _Atomic uint64_t progress; /* jobs completed, for the stall watchdog */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x9e3779b97f4a7c15ULL;
    return x ^ (x >> 29);
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0) {}
}

/* ---- the jobs ---- */

typedef struct { uint64_t x; } plain_args;

/* result = mix(x); with kind bits in x: fib inside, or a nested job waited on
 * the worker. */
static void plain_job(void *buf);

static void nested_job(void *buf)
{
    uint64_t x;
    memcpy(&x, buf, sizeof x);
    uint64_t r = mix(x) + 1;
    memcpy(buf, &r, sizeof r);
}

static void plain_job(void *buf)
{
    plain_args a;
    memcpy(&a, buf, sizeof a);
    uint64_t r = mix(a.x);
    if (a.x % 16 == 3) {
        long f = fib(15);
        r += (uint64_t)(f - 610); /* 0 when fib is right */
    }
    if (a.x % 64 == 5) {
        weft_job *j = weft_submit(nested_job, &a.x, sizeof a.x);
        uint64_t n = 0;
        weft_job_status s = weft_wait(j, &n, sizeof n);
        weft_job_free(j);
        if (s != WEFT_JOB_DONE || n != mix(a.x) + 1) r ^= 1; /* makes the check fail */
    }
    memcpy(buf, &r, sizeof r);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed); /* relaxed: a liveness count */
}

/* ---- fifo ---- */

static _Atomic uint32_t started;
static uint32_t *start_order;

static void fifo_job(void *buf)
{
    uint32_t i;
    memcpy(&i, buf, sizeof i);
    /* relaxed: one worker runs every job; the counter only numbers them. */
    start_order[i] = atomic_fetch_add_explicit(&started, 1, memory_order_relaxed);
    long f = fib(8); /* a few tasks inside, LIFO as usual */
    memcpy(buf, &f, sizeof f);
}

static void fifo_case(void)
{
    enum { N = 20000 };
    start_order = calloc(N, sizeof *start_order);
    weft_job **h = malloc(N * sizeof *h);
    atomic_store(&started, 0);
    weft_config cfg = {.num_threads = 1};
    CHECK(weft_run_in_background(&cfg) == 0, "start: %s", weft_last_error());
    for (uint32_t i = 0; i < N; i++) h[i] = weft_submit(fifo_job, &i, sizeof i);
    uint32_t bad = 0;
    for (uint32_t i = 0; i < N; i++) {
        long f = 0;
        CHECK(weft_wait(h[i], &f, sizeof f) == WEFT_JOB_DONE && f == 21, "fifo job %u", i);
        weft_job_free(h[i]);
        bad += start_order[i] != i;
    }
    weft_shutdown();
    printf("  fifo      1 worker: %d jobs, %u started out of submission order\n", N, bad);
    CHECK(bad == 0, "%u jobs started out of order", bad);
    free(h);
    free(start_order);
}

/* ---- foreign submitters ---- */

enum { WINDOW = 256 };

typedef struct {
    uint32_t id;
    uint64_t n;
    uint64_t ok, wrong;
} submitter;

static void *submit_main(void *arg)
{
    submitter *s = arg;
    weft_job *win[WINDOW];
    uint64_t xs[WINDOW];
    for (uint64_t i = 0; i < s->n + WINDOW; i++) {
        uint32_t slot = (uint32_t)(i % WINDOW);
        if (i >= WINDOW) { /* the oldest of the window: check it */
            uint64_t r = 0;
            weft_job_status st = (i & 1) && weft_is_done(win[slot]) ? weft_wait(win[slot], &r, sizeof r)
                                                                     : weft_wait(win[slot], &r, sizeof r);
            if (st == WEFT_JOB_DONE && r == mix(xs[slot])) s->ok++;
            else s->wrong++;
            weft_job_free(win[slot]);
        }
        if (i < s->n) {
            plain_args a = {((uint64_t)s->id << 40) | i};
            xs[slot] = a.x;
            win[slot] = weft_submit(plain_job, &a, sizeof a);
        }
    }
    return NULL;
}

static void foreign_case(void)
{
    uint64_t n = weft_test_soak() ? 1000000 : 100000;
    enum { T = 4 };
    submitter s[T];
    pthread_t th[T];
    weft_config cfg = {.num_threads = 3};
    CHECK(weft_run_in_background(&cfg) == 0, "start: %s", weft_last_error());
    uint64_t t0 = weft__now_ns();
    for (uint32_t i = 0; i < T; i++) {
        s[i] = (submitter){.id = i, .n = n};
        pthread_create(&th[i], NULL, submit_main, &s[i]);
    }
    uint64_t ok = 0, wrong = 0;
    for (uint32_t i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        ok += s[i].ok;
        wrong += s[i].wrong;
    }
    double secs = weft_test_secs_since(t0);
    weft_shutdown();
    printf("  foreign   3 workers, %d threads x %llu submits: %llu right, %llu wrong or lost, %.2f s (%.0f jobs/s)\n",
           T, (unsigned long long)n, (unsigned long long)ok, (unsigned long long)wrong, secs, (double)(T * n) / secs);
    CHECK(ok == T * n && wrong == 0, "%llu of %llu results right", (unsigned long long)ok,
          (unsigned long long)(T * n));
}

/* ---- storms ---- */

static void storms_case(void)
{
    enum { BURSTS = 40, PER = 500 };
    weft_config cfg = {.num_threads = 2};
    CHECK(weft_run_in_background(&cfg) == 0, "start: %s", weft_last_error());
    weft_job **h = malloc(PER * sizeof *h);
    uint64_t ok = 0, total = 0;
    unsigned seed = 12345;
    for (int b = 0; b < BURSTS; b++) {
        for (int i = 0; i < PER; i++) {
            plain_args a = {(uint64_t)b * PER + (uint64_t)i};
            h[i] = weft_submit(plain_job, &a, sizeof a);
        }
        for (int i = 0; i < PER; i++) {
            uint64_t r = 0;
            ok += weft_wait(h[i], &r, sizeof r) == WEFT_JOB_DONE && r == mix((uint64_t)b * PER + (uint64_t)i);
            weft_job_free(h[i]);
            total++;
        }
        sleep_ms(5 + (long)(rand_r(&seed) % 26)); /* the workers back off and park */
    }
    weft_shutdown();
    free(h);
    printf("  storms    2 workers, %d bursts of %d with 5-30 ms gaps: %llu of %llu right\n", BURSTS, PER,
           (unsigned long long)ok, (unsigned long long)total);
    CHECK(ok == total, "storms: %llu of %llu right", (unsigned long long)ok, (unsigned long long)total);
}

/* ---- shutdown under load ---- */

static void *shutdown_main(void *arg)
{
    (void)arg;
    weft_shutdown();
    return NULL;
}


static _Atomic uint64_t shut_runs; /* shut_job executions */

static void shut_job(void *buf)
{
    uint64_t x;
    memcpy(&x, buf, sizeof x);
    if (x % 8 == 0) (void)fib(12);
    uint64_t r = mix(x);
    memcpy(buf, &r, sizeof r);
    atomic_fetch_add_explicit(&shut_runs, 1, memory_order_relaxed); /* read after the joins */
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

typedef struct {
    uint32_t id;
    uint64_t submitted, done, cancelled, wrong;
} shut_sub;

static void *shut_main(void *arg)
{
    shut_sub *s = arg;
    weft_job *win[WINDOW];
    uint64_t xs[WINDOW];
    uint64_t cancelled_in_a_row = 0;
    uint64_t i = 0, checked = 0;
    for (;;) {
        bool more = cancelled_in_a_row < 1000;
        if (!more && checked == i) break;
        uint32_t slot = (uint32_t)(checked % WINDOW);
        if (!more || i - checked == WINDOW) {
            uint64_t r = 0;
            weft_job_status st = weft_wait(win[slot], &r, sizeof r);
            if (st == WEFT_JOB_DONE) {
                s->done++;
                s->wrong += r != mix(xs[slot]);
                cancelled_in_a_row = 0;
            } else {
                s->cancelled++;
                s->wrong += r != 0;
                cancelled_in_a_row++;
            }
            weft_job_free(win[slot]);
            checked++;
            continue;
        }
        uint64_t x = ((uint64_t)s->id << 40) | i;
        xs[i % WINDOW] = x;
        win[i % WINDOW] = weft_submit(shut_job, &x, sizeof x);
        s->submitted++;
        i++;
    }
    return NULL;
}

static void shutdown_case(void)
{
    enum { T = 3 };
    shut_sub s[T];
    pthread_t th[T];
    atomic_store(&shut_runs, 0);
    weft_config cfg = {.num_threads = 2};
    CHECK(weft_run_in_background(&cfg) == 0, "start: %s", weft_last_error());
    for (uint32_t i = 0; i < T; i++) {
        s[i] = (shut_sub){.id = i};
        pthread_create(&th[i], NULL, shut_main, &s[i]);
    }
    sleep_ms(300);
    pthread_t second; /* two shutdowns at once: both return after the drain */
    pthread_create(&second, NULL, shutdown_main, NULL);
    weft_shutdown();
    pthread_join(second, NULL);
    uint64_t sub = 0, done = 0, can = 0, wrong = 0;
    for (uint32_t i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        sub += s[i].submitted;
        done += s[i].done;
        can += s[i].cancelled;
        wrong += s[i].wrong;
    }
    uint64_t runs = atomic_load(&shut_runs);
    printf("  shutdown  2 workers, %d threads: %llu submitted = %llu completed + %llu cancelled; %llu ran; %llu wrong\n",
           T, (unsigned long long)sub, (unsigned long long)done, (unsigned long long)can, (unsigned long long)runs,
           (unsigned long long)wrong);
    CHECK(done + can == sub, "completed + cancelled != submitted");
    CHECK(runs == done, "%llu jobs ran, %llu reported completed", (unsigned long long)runs,
          (unsigned long long)done);
    CHECK(wrong == 0 && done > 0 && can >= T * 1000, "results: %llu wrong", (unsigned long long)wrong);
}

/* ---- a future handed to a foreign thread ---- */

static void fib_task(void *buf)
{
    int n;
    memcpy(&n, buf, sizeof n);
    long v = fib(n);
    memcpy(buf, &v, sizeof v);
}

static void future_job(void *buf)
{
    int n = 22;
    weft_future *f = weft_spawn_future(fib_task, &n, sizeof n);
    memcpy(buf, &f, sizeof f);
}

static void *getter_main(void *arg)
{
    long *v = arg;
    weft_future *f;
    memcpy(&f, v, sizeof f);
    weft_future_get(f, v, sizeof *v);
    weft_future_free(f);
    return NULL;
}

static void future_case(int workers)
{
    weft_config cfg = {.num_threads = workers};
    CHECK(weft_run_in_background(&cfg) == 0, "start: %s", weft_last_error());
    weft_job *j = weft_submit(future_job, NULL, 0);
    weft_future *f = NULL;
    CHECK(weft_wait(j, &f, sizeof f) == WEFT_JOB_DONE && f, "future job");
    weft_job_free(j);
    long v = 0;
    memcpy(&v, &f, sizeof f);
    pthread_t t;
    pthread_create(&t, NULL, getter_main, &v);
    pthread_join(t, NULL);
    weft_shutdown();
    printf("  future    %d worker(s): a foreign thread got fib(22) = %ld from a worker's future\n", workers, v);
    CHECK(v == 17711, "fib(22) = %ld", v);
}

/* ---- weft_run_forever ---- */

static void *forever_main(void *arg)
{
    int *rc = arg;
    weft_config cfg = {.num_threads = 2};
    *rc = weft_run_forever(&cfg);
    return NULL;
}

static void forever_case(void)
{
    int rc = -2;
    pthread_t t;
    pthread_create(&t, NULL, forever_main, &rc);
    uint64_t cancelled = 0;
    for (;;) { /* cancelled until it accepts jobs */
        uint64_t x = 7, r = 0;
        weft_job *j = weft_submit(plain_job, &x, sizeof x);
        weft_job_status s = weft_wait(j, &r, sizeof r);
        weft_job_free(j);
        if (s == WEFT_JOB_DONE) {
            CHECK(r == mix(7), "forever: result");
            break;
        }
        CHECK(r == 0, "a cancelled job's result is zeros");
        cancelled++;
        sleep_ms(1);
    }
    uint64_t ok = 0;
    for (uint64_t i = 0; i < 1000; i++) {
        uint64_t r = 0;
        weft_job *j = weft_submit(plain_job, &i, sizeof i);
        ok += weft_wait(j, &r, sizeof r) == WEFT_JOB_DONE && r == mix(i);
        weft_job_free(j);
    }
    weft_shutdown();
    pthread_join(t, NULL);
    printf("  forever   2 workers: %llu submits cancelled before it accepted jobs, then %llu of 1000 right, rc %d\n",
           (unsigned long long)cancelled, (unsigned long long)ok, rc);
    CHECK(ok == 1000 && rc == 0, "forever");
}

/* weft_shutdown racing weft_run_forever's start: each call stops it (an
 * executor still starting is waited for) or finds none yet; repeated until
 * weft_run_forever returns. */
static _Atomic int forever_done;

static void *forever_race_main(void *arg)
{
    int *rc = arg;
    weft_config cfg = {.num_threads = 2};
    *rc = weft_run_forever(&cfg);
    atomic_store_explicit(&forever_done, 1, memory_order_release); /* pairs with the loop below */
    return NULL;
}

static void forever_race_case(void)
{
    int rounds = 20, calls = 0, bad = 0;
    for (int k = 0; k < rounds; k++) {
        int rc = -2;
        pthread_t t;
        atomic_store(&forever_done, 0);
        pthread_create(&t, NULL, forever_race_main, &rc);
        while (!atomic_load_explicit(&forever_done, memory_order_acquire)) {
            weft_shutdown();
            calls++;
            sched_yield();
        }
        pthread_join(t, NULL);
        bad += rc != 0;
    }
    printf("  forever   %d starts stopped by a racing weft_shutdown (%d calls), %d failed\n", rounds, calls, bad);
    CHECK(bad == 0, "weft_run_forever failed %d times", bad);
}

/* ---- loops and scopes inside jobs ---- */

typedef struct { _Atomic int64_t sum; _Atomic int tasks; } loop_acc;

static void loop_body(int64_t lo, int64_t hi, int64_t stride, void *ctx)
{
    int64_t t = 0;
    for (int64_t i = lo; i < hi; i += stride) t += i;
    atomic_fetch_add_explicit(&((loop_acc *)ctx)->sum, t, memory_order_relaxed); /* read after the loop */
}

static void bump_task(void *buf)
{
    loop_acc *a;
    memcpy(&a, buf, sizeof a);
    atomic_fetch_add_explicit(&a->tasks, 1, memory_order_relaxed); /* read after the scope */
}

/* A job: a scope holding 8 detached tasks, a parallel loop over [0, x) and
 * a nested job waited on from inside the scope (the worker takes it while
 * it waits); result = the loop's sum + 1000 * tasks + the nested result. */
static void loop_job(void *buf)
{
    int64_t x;
    memcpy(&x, buf, sizeof x);
    loop_acc a;
    atomic_init(&a.sum, 0);
    atomic_init(&a.tasks, 0);
    loop_acc *pa = &a;
    uint64_t nested = 0;
    weft_scope s;
    weft_scope_begin(&s);
    for (int k = 0; k < 8; k++) weft_spawn_detached(bump_task, &pa, sizeof pa);
    weft_parallel_for_range(0, x, 1, loop_body, &a);
    weft_job *j = weft_submit(nested_job, &x, sizeof x);
    weft_job_status st = weft_wait(j, &nested, sizeof nested);
    weft_job_free(j);
    weft_scope_end(&s);
    int64_t r = atomic_load(&a.sum) + 1000 * atomic_load(&a.tasks) + (int64_t)nested +
                (st == WEFT_JOB_DONE ? 0 : 1);
    memcpy(buf, &r, sizeof r);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

static void loops_case(int workers)
{
    enum { N = 300 };
    weft_config cfg = {.num_threads = workers};
    CHECK(weft_run_in_background(&cfg) == 0, "start: %s", weft_last_error());
    weft_job *h[N];
    for (int64_t i = 0; i < N; i++) {
        int64_t x = 1000 + 37 * i;
        h[i] = weft_submit(loop_job, &x, sizeof x);
    }
    int ok = 0;
    for (int64_t i = 0; i < N; i++) {
        int64_t x = 1000 + 37 * i, r = 0;
        int64_t want = x * (x - 1) / 2 + 8000 + (int64_t)(mix((uint64_t)x) + 1);
        ok += weft_wait(h[i], &r, sizeof r) == WEFT_JOB_DONE && r == want;
        weft_job_free(h[i]);
    }
    weft_shutdown();
    printf("  loops     %d worker(s): %d of %d jobs with a scope, 8 detached tasks, a parallel loop and a nested job right\n",
           workers, ok, N);
    CHECK(ok == N, "loops: %d of %d right", ok, N);
}

/* ---- a lone job on the root, and a job submitted while it runs ---- */

static _Atomic int second_started;

static void second_job(void *buf)
{
    /* release: pairs with the acquire load in lone_job. */
    atomic_store_explicit(&second_started, 1, memory_order_release);
    memset(buf, 0, sizeof(uint64_t));
}

/* Waits (polling weft_load_balance) until second_job has started, 20 s at
 * most; result: 1 when it did, and on which worker this job ran. */
static void lone_job(void *buf)
{
    uint64_t end = weft__now_ns() + 20000000000ull, r[2] = {0, (uint64_t)weft_worker_id()};
    /* acquire: pairs with the release store in second_job. */
    while (!atomic_load_explicit(&second_started, memory_order_acquire) && weft__now_ns() < end)
        weft_load_balance();
    r[0] = (uint64_t)atomic_load_explicit(&second_started, memory_order_acquire);
    memcpy(buf, r, sizeof r);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

static void lone_case(int workers)
{
    weft_config cfg = {.num_threads = workers};
    CHECK(weft_run_in_background(&cfg) == 0, "start: %s", weft_last_error());
    int rounds = 20, ok = 0, on_root = 0;
    for (int k = 0; k < rounds; k++) {
        atomic_store(&second_started, 0); /* seq_cst: before the submits, which publish it to the jobs */
        sleep_ms(5); /* the runtime parks */
        weft_job *a = weft_submit(lone_job, NULL, 0);
        sleep_ms(1);
        weft_job *b = weft_submit(second_job, NULL, 0);
        uint64_t r[2] = {0, 99};
        CHECK(weft_wait(a, r, sizeof r) == WEFT_JOB_DONE, "lone job");
        CHECK(weft_wait(b, NULL, 0) == WEFT_JOB_DONE, "second job");
        weft_job_free(a);
        weft_job_free(b);
        ok += r[0] == 1;
        on_root += r[1] == 0;
    }
    weft_shutdown();
    printf("  lone      %d workers: %d of %d lone jobs saw the job submitted after them start meanwhile; "
           "%d ran on the root\n", workers, ok, rounds, on_root);
    CHECK(ok == rounds, "a job submitted while a lone job ran did not start before it ended");
}

/* ---- edges ---- */

static void edges_case(void)
{
    uint64_t x = 1, r = 99;
    weft_job *j = weft_submit(plain_job, &x, sizeof x);
    CHECK(weft_is_done(j), "a submit with no executor is done at once");
    CHECK(weft_wait(j, &r, sizeof r) == WEFT_JOB_CANCELLED && r == 0, "cancelled, zeros");
    weft_job_free(j);
    weft_shutdown(); /* none running: returns */
    weft_config cfg = {.num_threads = 1};
    CHECK(weft_run_in_background(&cfg) == 0, "start: %s", weft_last_error());
    CHECK(weft_run_in_background(&cfg) == -1 && strstr(weft_last_error(), "already running"),
          "a second start fails: '%s'", weft_last_error());
    CHECK(weft_init(NULL) == -1, "weft_init while an executor runs fails");
    weft_shutdown();
    j = weft_submit(plain_job, &x, sizeof x);
    CHECK(weft_wait(j, &r, sizeof r) == WEFT_JOB_CANCELLED, "a submit after the stop is cancelled");
    weft_job_free(j);
    weft_config bad = {.num_threads = 100000};
    CHECK(weft_run_in_background(&bad) == -1 && weft_last_error()[0], "a bad setting fails: '%s'",
          weft_last_error());
    printf("  edges     cancelled handles with no executor, a second start refused, a bad setting reported\n");
}

int main(void)
{
    weft_test_stall_watchdog_start("exec_stress", 60, &progress, NULL);
    edges_case();
    fifo_case();
    future_case(1);
    future_case(2);
    storms_case();
    lone_case(2);
    lone_case(3);
    loops_case(1);
    loops_case(3);
    forever_case();
    forever_race_case();
    shutdown_case();
    foreign_case();
    weft_test_stall_watchdog_stop();
    return weft_test_result("exec_stress");
}
