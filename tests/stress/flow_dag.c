/* Dataflow events (runtime/scheduler/flow.c), for every worker count from 1
 * to 8:
 *   dag      a random DAG of N tasks (N = 10^5; 3 x 10^4 under the sanitizers)
 *            from a seed (WEFT_SEED, else the clock; printed): task j waits
 *            on 0-4 random earlier tasks (a dependency may repeat), through
 *            iteration 7 + 2j of one range event (even j) or a single event
 *            of its own (odd j). The spawns are made in a shuffled order by
 *            64 registrar tasks on whatever workers take them, racing the
 *            triggers. Each task checks that every predecessor finished
 *            before it started (a plain flag, which TSan sees race unless
 *            the trigger orders it, and a sequence number from one clock),
 *            then records its finish and triggers its event. Every task ran
 *            exactly once; waited for by a scope (even rounds) or
 *            weft_sync_root (odd ones); the last release of every event
 *            finds nothing waiting.
 *   loop     weft_parallel_for_on_event over a strided part of a range
 *            event, some iterations triggered before the registration, the
 *            rest by a parallel loop in a random order: every iteration ran
 *            once, after its trigger; a second loop registered after every
 *            trigger runs at once.
 *   race     2, 3, 4 and 8 workers: a trigger task and up to two registrant
 *            tasks released together on three workers (the root is one
 *            registrant), over 256 fresh events a round: each registered
 *            task ran exactly once, whichever came first.
 *   typed    WEFT_SPAWN_ON_EVENT(_AT) and WEFT_SPAWN_ON_EVENTS with a void, a
 *            valued context and an arity-0 task, on a range with negative
 *            indices.
 *   foreign  the executor (1, 2 and 4 workers) with 4 foreign threads: a
 *            job registers tasks on 64 iterations while the thread triggers
 *            them through weft_event_trigger_at (jobs) at the same time;
 *            each task ran once; the last round's triggers are still in
 *            flight when weft_shutdown drains them. A foreign trigger with
 *            no executor (a weft_init runtime, or none) returns -1 and
 *            leaves the event untriggered; a task left waiting by one
 *            runtime runs when the next one triggers its event.
 * A stall watchdog ends the program (status 3) when no task finishes for 60
 * s. Exit 0 = pass. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>

#include "tests/common/weft_test.h"

#ifdef WEFT_SANITIZE
#define DAG_N 30000
#define RACE_ROUNDS 20
#define FOREIGN_ROUNDS 40
#else
#define DAG_N 300000
#define RACE_ROUNDS 100
#define FOREIGN_ROUNDS 300
#endif
#define MAX_PREDS 4
#define REGISTRARS 64

static _Atomic uint64_t progress; /* tasks finished, for the stall watchdog */

/* The counters below are bumped relaxed (no data rides on them) and read
 * after what orders every task before the reader: weft_exit's, a scope's or
 * weft_sync_root's wait, or weft_shutdown's drain; the few that a thread
 * waits on while tasks run say what their release pairs with. */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---------------------------------------------------------------- dag */

typedef struct dag_node {
    int npred;
    int32_t pred[MAX_PREDS];
    /* Written by the task itself; read plainly by its successors, which the
     * triggers must order after (TSan reports a race otherwise). */
    int finished;
    uint64_t fin_seq;
    uint64_t start_seq;
} dag_node;

static dag_node *nodes;
static int32_t *order;              /* the spawn order, a permutation */
static _Atomic uint32_t *runs;      /* runs of each task (relaxed, see above) */
static weft_event *range_ev;        /* iteration 7 + 2j: even task j */
static weft_event **single_ev;      /* odd task j's own */
/* relaxed: a sequence only; the checks' ordering comes from the triggers. */
static _Atomic uint64_t seq_clock;
static _Atomic uint64_t dag_done, dag_bad_order, dag_bad_flag;
static int dag_n;

static weft_dep dep_of(int32_t j)
{
    if (j % 2 == 0) return (weft_dep){range_ev, 7 + 2 * (int64_t)j};
    return (weft_dep){single_ev[j], 0};
}

static void dag_task(void *buf)
{
    int32_t j;
    memcpy(&j, buf, sizeof j);
    dag_node *d = &nodes[j];
    d->start_seq = atomic_fetch_add_explicit(&seq_clock, 1, memory_order_relaxed);
    for (int k = 0; k < d->npred; k++) {
        dag_node *p = &nodes[d->pred[k]];
        if (!p->finished) atomic_fetch_add_explicit(&dag_bad_flag, 1, memory_order_relaxed);
        else if (p->fin_seq >= d->start_seq) atomic_fetch_add_explicit(&dag_bad_order, 1, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&runs[j], 1, memory_order_relaxed);
    d->fin_seq = atomic_fetch_add_explicit(&seq_clock, 1, memory_order_relaxed);
    d->finished = 1;
    weft_dep me = dep_of(j);
    if (j % 2 == 0) weft_event_trigger_at(me.event, me.index);
    else weft_event_trigger(me.event);
    atomic_fetch_add_explicit(&dag_done, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

/* A registrar: spawns the tasks order[lo..hi) on their predecessors. */
static void registrar(void *buf)
{
    int32_t r[2];
    memcpy(r, buf, sizeof r);
    for (int32_t x = r[0]; x < r[1]; x++) {
        int32_t j = order[x];
        dag_node *d = &nodes[j];
        weft_dep deps[MAX_PREDS];
        for (int k = 0; k < d->npred; k++) deps[k] = dep_of(d->pred[k]);
        weft_spawn_on_events(deps, (size_t)d->npred, dag_task, &j, sizeof j);
    }
}

static void dag_round(int workers, int round, uint64_t seed)
{
    int n = dag_n;
    uint64_t s = seed ^ (0x1000u * (uint64_t)workers + (uint64_t)round);
    memset(nodes, 0, (size_t)n * sizeof *nodes);
    long edges = 0;
    for (int j = 0; j < n; j++) {
        dag_node *d = &nodes[j];
        d->npred = j == 0 ? 0 : (int)(rng_next(&s) % (MAX_PREDS + 1));
        for (int k = 0; k < d->npred; k++) {
            /* Mostly a recent task (long chains), now and then any. */
            uint64_t r = rng_next(&s);
            int32_t span = (r & 7) == 0 ? j : (j < 64 ? j : 64);
            d->pred[k] = j - 1 - (int32_t)((r >> 3) % (uint64_t)span);
        }
        edges += d->npred;
        atomic_init(&runs[j], 0);
        order[j] = j;
    }
    for (int j = n - 1; j > 0; j--) {
        int32_t k = (int32_t)(rng_next(&s) % (uint64_t)(j + 1));
        int32_t t = order[j];
        order[j] = order[k];
        order[k] = t;
    }
    range_ev = weft_event_new_range(7, 7 + 2 * (int64_t)n, 2);
    for (int j = 1; j < n; j += 2) single_ev[j] = weft_event_new();
    atomic_store(&dag_done, 0);
    weft_config cfg = {.num_threads = workers, .pin = WEFT_OFF};
    if (weft_init(&cfg) != 0) {
        fprintf(stderr, "weft_init: %s\n", weft_last_error());
        exit(2);
    }
    int chunk = (n + REGISTRARS - 1) / REGISTRARS;
    if (round % 2 == 0) {
        WEFT_SCOPE(sc) {
            for (int32_t lo = 0; lo < n; lo += chunk) {
                int32_t r[2] = {lo, lo + chunk < n ? lo + chunk : n};
                weft_spawn_detached(registrar, r, sizeof r);
            }
        }
        CHECK(atomic_load(&dag_done) == (uint64_t)n, "dag (%d workers, round %d): the scope ended with %llu of %d tasks done",
              workers, round, (unsigned long long)atomic_load(&dag_done), n);
    } else {
        for (int32_t lo = 0; lo < n; lo += chunk) {
            int32_t r[2] = {lo, lo + chunk < n ? lo + chunk : n};
            weft_spawn_detached(registrar, r, sizeof r);
        }
        weft_sync_root();
    }
    weft_exit();
    int bad_runs = 0;
    for (int j = 0; j < n; j++) {
        uint32_t c = atomic_load(&runs[j]);
        if (c != 1 && bad_runs++ < 5) CHECK(c == 1, "dag (%d workers): task %d ran %u times", workers, j, c);
    }
    CHECK(bad_runs == 0, "dag (%d workers): %d tasks did not run exactly once", workers, bad_runs);
    CHECK(atomic_load(&dag_done) == (uint64_t)n, "dag (%d workers): %llu of %d tasks done", workers,
          (unsigned long long)atomic_load(&dag_done), n);
    /* Every iteration triggered: the releases find nothing waiting. */
    for (int j = 0; j < n; j += 2)
        if (!weft_event_is_triggered_at(range_ev, 7 + 2 * (int64_t)j)) {
            CHECK(0, "dag (%d workers): iteration %d of the range event not triggered", workers, 7 + 2 * j);
            break;
        }
    weft_event_release(range_ev);
    for (int j = 1; j < n; j += 2) weft_event_release(single_ev[j]);
    printf("  dag: %d workers, round %d: %d tasks, %ld edges\n", workers, round, n, edges);
}

/* ---------------------------------------------------------------- loop */

enum { LOOP_N = 4096, LOOP_START = 100, LOOP_EV_STRIDE = 3 };
static weft_event *loop_ev;
static int produced[LOOP_N];                 /* plain: ordered by the triggers */
static _Atomic uint32_t consumed[LOOP_N], consumed2[LOOP_N];
static _Atomic uint64_t loop_bad;
static int32_t loop_perm[LOOP_N];

static int64_t loop_index(int64_t k) { return LOOP_START + LOOP_EV_STRIDE * k; }

static void produce(int64_t x, void *ctx)
{
    (void)ctx;
    int64_t k = loop_perm[x];
    produced[k] = 1;
    weft_event_trigger_at(loop_ev, loop_index(k));
}

static void consume(int64_t i, void *ctx)
{
    _Atomic uint32_t *c = ctx;
    int64_t k = (i - LOOP_START) / LOOP_EV_STRIDE;
    if (!produced[k]) atomic_fetch_add_explicit(&loop_bad, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&c[k], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

static void loop_round(int workers, uint64_t seed)
{
    uint64_t s = seed ^ (0x77u * (uint64_t)workers);
    memset(produced, 0, sizeof produced);
    for (int k = 0; k < LOOP_N; k++) {
        atomic_init(&consumed[k], 0);
        atomic_init(&consumed2[k], 0);
        loop_perm[k] = k;
    }
    for (int j = LOOP_N - 1; j > 0; j--) {
        int32_t k = (int32_t)(rng_next(&s) % (uint64_t)(j + 1));
        int32_t t = loop_perm[j];
        loop_perm[j] = loop_perm[k];
        loop_perm[k] = t;
    }
    loop_ev = weft_event_new_range(LOOP_START, loop_index(LOOP_N - 1) + 1, LOOP_EV_STRIDE);
    weft_config cfg = {.num_threads = workers, .pin = WEFT_OFF};
    if (weft_init(&cfg) != 0) exit(2);
    /* The first eighth of the permutation before the registration. */
    for (int64_t x = 0; x < LOOP_N / 8; x++) produce(x, NULL);
    WEFT_SCOPE(sc) {
        /* The consumer takes every other iteration (stride 2 x the event's),
         * from the second one on, and then the rest in a second loop. */
        weft_parallel_for_on_event(loop_ev, loop_index(1), loop_index(LOOP_N - 1) + 1, 2 * LOOP_EV_STRIDE, consume,
                                   consumed);
        weft_parallel_for_on_event(loop_ev, loop_index(0), loop_index(LOOP_N - 1) + 1, 2 * LOOP_EV_STRIDE, consume,
                                   consumed);
        weft_parallel_for(LOOP_N / 8, LOOP_N, 1, produce, NULL);
    }
    for (int k = 0; k < LOOP_N; k++)
        if (atomic_load(&consumed[k]) != 1) {
            CHECK(0, "loop (%d workers): iteration %d ran %u times", workers, k, atomic_load(&consumed[k]));
            break;
        }
    /* Registered after every trigger: ready at once. */
    WEFT_SCOPE(sc2) {
        weft_parallel_for_on_event(loop_ev, loop_index(0), loop_index(LOOP_N - 1) + 1, LOOP_EV_STRIDE, consume,
                                   consumed2);
    }
    for (int k = 0; k < LOOP_N; k++)
        if (atomic_load(&consumed2[k]) != 1) {
            CHECK(0, "loop (%d workers, late): iteration %d ran %u times", workers, k, atomic_load(&consumed2[k]));
            break;
        }
    weft_exit();
    CHECK(atomic_load(&loop_bad) == 0, "loop (%d workers): %llu iterations ran before their trigger", workers,
          (unsigned long long)atomic_load(&loop_bad));
    weft_event_release(loop_ev);
}

/* ---------------------------------------------------------------- race */

enum { RACE_EVENTS = 256 };
static weft_event *race_ev[RACE_EVENTS];
static _Atomic uint32_t race_count[RACE_EVENTS];
/* go: release by the root, acquire by the participants (wait_go); armed:
 * relaxed, a hint for the root's wait; parts_done and tasks: release by
 * the participants and the counted tasks, acquire by the root's wait, after
 * which it reads race_count (relaxed increments before those releases). */
static _Atomic int race_go, race_armed, race_parts_done;
static _Atomic uint64_t race_tasks;

static void race_counted(void *buf)
{
    int i;
    memcpy(&i, buf, sizeof i);
    atomic_fetch_add_explicit(&race_count[i], 1, memory_order_relaxed);
    /* release: pairs with the root's acquire wait on the total. */
    atomic_fetch_add_explicit(&race_tasks, 1, memory_order_release);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

/* Which side certainly came first, for the report: triggered before the
 * spawn, or still untriggered after it (the task waited in the list). */
static _Atomic uint64_t race_trigger_first, race_spawn_first;

static void race_register(void)
{
    for (int i = 0; i < RACE_EVENTS; i++) {
        bool before = weft_event_is_triggered(race_ev[i]);
        weft_spawn_on_event(race_ev[i], race_counted, &i, sizeof i);
        if (before) atomic_fetch_add_explicit(&race_trigger_first, 1, memory_order_relaxed);
        else if (!weft_event_is_triggered(race_ev[i]))
            atomic_fetch_add_explicit(&race_spawn_first, 1, memory_order_relaxed);
    }
}

/* acquire: pairs with the root's release store of go. */
static void wait_go(void)
{
    atomic_fetch_add_explicit(&race_armed, 1, memory_order_relaxed);
    while (!atomic_load_explicit(&race_go, memory_order_acquire)) {
        weft_load_balance(); /* hand the other participants to thieves */
        weft__cpu_relax();
    }
}

static void race_trigger_task(void *buf)
{
    (void)buf;
    wait_go();
    for (int i = 0; i < RACE_EVENTS; i++) weft_event_trigger(race_ev[i]);
    atomic_fetch_add_explicit(&race_parts_done, 1, memory_order_release);
}

static void race_register_task(void *buf)
{
    (void)buf;
    wait_go();
    race_register();
    atomic_fetch_add_explicit(&race_parts_done, 1, memory_order_release);
}

static void race_rounds(int workers)
{
    weft_config cfg = {.num_threads = workers, .pin = WEFT_OFF};
    if (weft_init(&cfg) != 0) exit(2);
    int parts = workers - 1 < 3 ? workers - 1 : 3; /* trigger + registrants on thieves */
    uint64_t early = 0;
    for (int r = 0; r < RACE_ROUNDS; r++) {
        for (int i = 0; i < RACE_EVENTS; i++) {
            race_ev[i] = weft_event_new();
            atomic_store(&race_count[i], 0);
        }
        atomic_store(&race_go, 0);
        atomic_store(&race_armed, 0);
        atomic_store(&race_parts_done, 0);
        atomic_store(&race_tasks, 0);
        weft_spawn_detached(race_trigger_task, NULL, 0);
        for (int p = 1; p < parts; p++) weft_spawn_detached(race_register_task, NULL, 0);
        /* Wait (answering thieves) until they run elsewhere, or 5 ms: go
         * anyway then (a participant still queued only races less). */
        uint64_t t0 = weft__now_ns();
        while (atomic_load_explicit(&race_armed, memory_order_relaxed) < parts && weft__now_ns() - t0 < 5000000u) {
            weft_load_balance();
            weft__cpu_relax();
        }
        if (atomic_load_explicit(&race_armed, memory_order_relaxed) < parts) early++;
        /* release: pairs with the participants' acquire in wait_go. */
        atomic_store_explicit(&race_go, 1, memory_order_release);
        race_register();
        uint64_t want = (uint64_t)RACE_EVENTS * (uint64_t)parts;
        /* acquire: pairs with the counted tasks' release increments. */
        while (atomic_load_explicit(&race_tasks, memory_order_acquire) < want ||
               atomic_load_explicit(&race_parts_done, memory_order_acquire) < parts) {
            if (!weft_run_one()) weft__cpu_relax();
        }
        for (int i = 0; i < RACE_EVENTS; i++) {
            uint32_t c = atomic_load(&race_count[i]);
            CHECK(c == (uint32_t)parts, "race (%d workers, round %d): event %d: %u of %d registered tasks ran", workers,
                  r, i, c, parts);
            weft_event_release(race_ev[i]);
        }
    }
    weft_exit();
    printf("  race: %d workers, %d rounds x %d events, %d registrants (%llu rounds went before all were running); "
           "so far %llu spawns certainly after their trigger, %llu certainly before\n",
           workers, RACE_ROUNDS, RACE_EVENTS, parts, (unsigned long long)early,
           (unsigned long long)atomic_load(&race_trigger_first), (unsigned long long)atomic_load(&race_spawn_first));
}

/* ---------------------------------------------------------------- foreign */

enum { FOREIGN_THREADS = 4, FOREIGN_ITERS = 64 };

typedef struct foreign_slot {
    _Atomic uint32_t count[FOREIGN_ITERS];
    _Atomic uint32_t ran;         /* tasks of the current round */
    _Atomic uint64_t total;       /* tasks of every round */
} foreign_slot;
static foreign_slot fslot[FOREIGN_THREADS];

typedef struct foreign_args {
    weft_event *e;
    int thread;
} foreign_args;

static void foreign_counted(void *buf)
{
    int a[2];
    memcpy(a, buf, sizeof a);
    foreign_slot *f = &fslot[a[0]];
    atomic_fetch_add_explicit(&f->count[a[1]], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&f->total, 1, memory_order_relaxed);
    /* release: pairs with the foreign thread's acquire wait. */
    atomic_fetch_add_explicit(&f->ran, 1, memory_order_release);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

/* A job: registers a task on each iteration of the event. */
static void foreign_register_job(void *buf)
{
    foreign_args a;
    memcpy(&a, buf, sizeof a);
    for (int i = 0; i < FOREIGN_ITERS; i++) {
        int b[2] = {a.thread, i};
        weft_spawn_on_event_at(a.e, i, foreign_counted, b, sizeof b);
    }
    weft_event_release(a.e);
}

static _Atomic int foreign_bad_rc;

static void *foreign_main(void *arg)
{
    int t = (int)(intptr_t)arg;
    foreign_slot *f = &fslot[t];
    for (int r = 0; r < FOREIGN_ROUNDS; r++) {
        for (int i = 0; i < FOREIGN_ITERS; i++) atomic_store(&f->count[i], 0);
        atomic_store(&f->ran, 0);
        weft_event *e = weft_event_new_range(0, FOREIGN_ITERS, 1);
        foreign_args a = {weft_event_ref(e), t};
        weft_job *j = weft_submit(foreign_register_job, &a, sizeof a);
        /* Triggers racing the registration job. */
        for (int i = 0; i < FOREIGN_ITERS; i++)
            if (weft_event_trigger_at(e, i) != 0) atomic_fetch_add(&foreign_bad_rc, 1);
        weft_event_release(e);
        CHECK(weft_wait(j, NULL, 0) == WEFT_JOB_DONE, "foreign: a registration job was cancelled");
        weft_job_free(j);
        if (r == FOREIGN_ROUNDS - 1) break; /* the last round: left to weft_shutdown's drain */
        /* acquire: pairs with the tasks' release increments. */
        while (atomic_load_explicit(&f->ran, memory_order_acquire) < FOREIGN_ITERS) sched_yield();
        for (int i = 0; i < FOREIGN_ITERS; i++) {
            uint32_t c = atomic_load(&f->count[i]);
            if (c != 1) {
                CHECK(c == 1, "foreign (thread %d, round %d): iteration %d's task ran %u times", t, r, i, c);
                break;
            }
        }
    }
    return NULL;
}

static void *trigger_off_runtime(void *arg)
{
    weft_event *e = arg;
    CHECK(weft_event_trigger(e) == -1, "a trigger from a foreign thread of a weft_init runtime did not return -1");
    return NULL;
}

static _Atomic int late_ran;
static void late_task(void *buf)
{
    (void)buf;
    atomic_fetch_add(&late_ran, 1);
}

static void foreign_edges(void)
{
    /* No runtime at all. */
    weft_event *e = weft_event_new();
    CHECK(weft_event_trigger(e) == -1, "a trigger with no runtime did not return -1");
    CHECK(!weft_event_is_triggered(e), "a refused trigger triggered the event");
    /* A weft_init runtime: a foreign thread's trigger is refused; the
     * root's goes through, and the waiting task runs once. */
    weft_config cfg = {.num_threads = 2, .pin = WEFT_OFF};
    if (weft_init(&cfg) != 0) exit(2);
    weft_spawn_on_event(e, late_task, NULL, 0);
    pthread_t th;
    pthread_create(&th, NULL, trigger_off_runtime, e);
    pthread_join(th, NULL);
    CHECK(!weft_event_is_triggered(e), "a refused foreign trigger triggered the event");
    weft_event_trigger(e);
    weft_sync_root();
    CHECK(atomic_load(&late_ran) == 1, "the task waiting on the event ran %d times", atomic_load(&late_ran));
    /* A task still waiting when the runtime stops runs when a later
     * runtime's worker triggers its event. */
    weft_event *later = weft_event_new();
    weft_spawn_on_event(later, late_task, NULL, 0);
    weft_exit();
    CHECK(atomic_load(&late_ran) == 1, "a task ran before its event was triggered");
    if (weft_init(&cfg) != 0) exit(2);
    weft_event_trigger(later);
    weft_sync_root();
    CHECK(atomic_load(&late_ran) == 2, "the task left waiting by the last runtime ran %d times",
          atomic_load(&late_ran) - 1);
    weft_exit();
    weft_event_release(later);
    weft_event_release(e);
}

static void foreign_round(int workers)
{
    weft_config cfg = {.num_threads = workers, .pin = WEFT_OFF};
    if (weft_run_in_background(&cfg) != 0) {
        fprintf(stderr, "weft_run_in_background: %s\n", weft_last_error());
        exit(2);
    }
    for (int t = 0; t < FOREIGN_THREADS; t++) atomic_store(&fslot[t].total, 0);
    pthread_t th[FOREIGN_THREADS];
    for (int t = 0; t < FOREIGN_THREADS; t++) pthread_create(&th[t], NULL, foreign_main, (void *)(intptr_t)t);
    for (int t = 0; t < FOREIGN_THREADS; t++) pthread_join(th[t], NULL);
    weft_shutdown(); /* the last round's triggers and tasks drain here */
    for (int t = 0; t < FOREIGN_THREADS; t++) {
        uint64_t want = (uint64_t)FOREIGN_ROUNDS * FOREIGN_ITERS;
        CHECK(atomic_load(&fslot[t].total) == want, "foreign (%d workers, thread %d): %llu of %llu tasks ran", workers,
              t, (unsigned long long)atomic_load(&fslot[t].total), (unsigned long long)want);
        for (int i = 0; i < FOREIGN_ITERS; i++)
            if (atomic_load(&fslot[t].count[i]) != 1) {
                CHECK(0, "foreign (%d workers, thread %d, last round): iteration %d's task ran %u times", workers, t,
                      i, atomic_load(&fslot[t].count[i]));
                break;
            }
    }
    CHECK(atomic_load(&foreign_bad_rc) == 0, "foreign: %d triggers were refused with the executor running",
          atomic_load(&foreign_bad_rc));
    printf("  foreign: %d workers, %d threads x %d rounds x %d triggers\n", workers, FOREIGN_THREADS, FOREIGN_ROUNDS,
           FOREIGN_ITERS);
}

/* ---------------------------------------------------------------- typed */

/* The typed forms: a void task, a valued context task (its result is
 * dropped) and an arity-0 task, on a single event, an iteration and two
 * iterations; each adds its mark once. */
static _Atomic int typed_marks;
void typed_void(int a, long b);
WEFT_VOID_TASK_2(typed_void, int, long)
void typed_void(int a, long b) { atomic_fetch_add(&typed_marks, a + (int)b); }
long typed_ctx(weft_ctx c, long x);
WEFT_CTASK_1(long, typed_ctx, long)
long typed_ctx(weft_ctx c, long x)
{
    (void)c;
    atomic_fetch_add(&typed_marks, (int)x);
    return 2 * x;
}
int typed_zero(void);
WEFT_TASK_0(int, typed_zero)
int typed_zero(void) { return atomic_fetch_add(&typed_marks, 1000); }

static void typed_forms(void)
{
    weft_config cfg = {.num_threads = 2, .pin = WEFT_OFF};
    if (weft_init(&cfg) != 0) exit(2);
    weft_event *one = weft_event_new(), *r = weft_event_new_range(-4, 4, 2); /* -4, -2, 0, 2 */
    weft_dep two[2] = {{r, -2}, {r, 2}};
    WEFT_SPAWN_ON_EVENT(one, typed_void, 1, 2L);
    WEFT_SPAWN_ON_EVENT_AT(r, -4, typed_ctx, 30L);
    WEFT_SPAWN_ON_EVENTS(two, 2, typed_zero);
    weft_event_trigger_at(r, 2);
    weft_event_trigger_at(r, -4);
    weft_event_trigger(one);
    weft_sync_root();
    CHECK(atomic_load(&typed_marks) == 33, "typed: %d marks before the last trigger (want 33)", atomic_load(&typed_marks));
    weft_event_trigger_at(r, -2);
    weft_event_trigger_at(r, 0);
    weft_sync_root();
    CHECK(atomic_load(&typed_marks) == 1033, "typed: %d marks (want 1033)", atomic_load(&typed_marks));
    weft_exit();
    weft_event_release(one);
    weft_event_release(r);
}

static void report(void)
{
    fprintf(stderr, "flow_dag: dag tasks done %llu of %d, race tasks %llu\n",
            (unsigned long long)atomic_load(&dag_done), dag_n, (unsigned long long)atomic_load(&race_tasks));
}

int main(void)
{
    weft_test_watchdog("flow_dag", 900);
    weft_test_stall_watchdog_start("flow_dag", 60, &progress, report);
    const char *env = getenv("WEFT_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : weft__now_ns();
    printf("flow_dag: seed %llu (WEFT_SEED=%llu repeats it)\n", (unsigned long long)seed, (unsigned long long)seed);
    dag_n = DAG_N;
    nodes = calloc((size_t)dag_n, sizeof *nodes);
    order = calloc((size_t)dag_n, sizeof *order);
    runs = calloc((size_t)dag_n, sizeof *runs);
    single_ev = calloc((size_t)dag_n, sizeof *single_ev);
    if (!nodes || !order || !runs || !single_ev) return 2;
    uint64_t t0 = weft__now_ns();
    double t_dag = 0, t_loop = 0, t_race = 0;
    for (int w = 1; w <= 8; w++) {
        uint64_t t = weft__now_ns();
        dag_round(w, w, seed);
        t_dag += weft_test_secs_since(t);
        t = weft__now_ns();
        loop_round(w, seed);
        t_loop += weft_test_secs_since(t);
        t = weft__now_ns();
        if (w == 2 || w == 3 || w == 4 || w == 8) race_rounds(w);
        t_race += weft_test_secs_since(t);
        fflush(stdout);
    }
    uint64_t tf = weft__now_ns();
    typed_forms();
    foreign_edges();
    for (int w = 1; w <= 4; w *= 2) foreign_round(w);
    printf("flow_dag: dag %.1f s, loop %.1f s, race %.1f s, foreign %.1f s\n", t_dag, t_loop, t_race,
           weft_test_secs_since(tf));
    weft_test_stall_watchdog_stop();
    CHECK(atomic_load(&dag_bad_flag) == 0, "dag: %llu tasks started before a predecessor had finished (flag)",
          (unsigned long long)atomic_load(&dag_bad_flag));
    CHECK(atomic_load(&dag_bad_order) == 0, "dag: %llu tasks started before a predecessor's finish (sequence)",
          (unsigned long long)atomic_load(&dag_bad_order));
    printf("flow_dag: %.1f s\n", weft_test_secs_since(t0));
    free(nodes);
    free(order);
    free(runs);
    free(single_ev);
    return weft_test_result("flow_dag");
}
