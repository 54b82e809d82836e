/* Dataflow events: weft_event, the tasks and loop iterations spawned on
 * them, and their triggers (the contract is in include/weft.h, "dataflow
 * events"; docs/architecture.md, section 15, has the design with its
 * departures from Weave).
 *
 * An event is an array of slots, one per iteration of its range (a single
 * event is the range [0, 1)). A slot is one atomic word:
 *   0          not triggered, nothing waits on it;
 *   TRIGGERED  triggered (for good: a slot is triggered once);
 *   a pointer  not triggered; the newest of a list (an intrusive Treiber
 *              stack, linked by `next`) of links of what waits on it.
 * A task waiting on events (a record, flow_task) has one link per
 * dependency and a count of dependencies not yet satisfied; a loop waiting
 * on a range (flow_loop) has one link per iteration, each iteration with
 * one dependency.
 *
 * Registration (spawn on events, the loop): for each link, load the slot;
 * TRIGGERED means satisfied already; otherwise link it in with a CAS of the
 * slot from the value seen to the link (retrying on failure, where the
 * value seen may now be TRIGGERED). Trigger: exchange the slot to TRIGGERED;
 * the old value is the whole list, now the triggerer's, and each link on it
 * is satisfied: a loop iteration is pushed at once; a task's count goes down
 * by one, and whoever takes it to zero pushes the task. Both sides are
 * read-modify-writes of the one word, so they are totally ordered: a link
 * is either in the list the exchange takes (registered first) or its CAS
 * fails and sees TRIGGERED (the trigger came first). No flag beside a
 * queue, no store followed by a load of another word (Weave's trigger stores
 * its flag relaxed and then reads the queue: a Dekker pattern that needs a
 * full fence on both sides), no spinning for registrants still in flight
 * (Weave's in/out counts), and no lost task.
 *
 * Model-checked, with three planted bugs, in verify/flow.pml
 * (docs/verification.md).
 *
 * Ready tasks are pushed as detached frames on the deque of the worker that
 * made them ready (the triggerer, or the registrant when every dependency was
 * already satisfied), in a context of no scope (scope.h), so that they are
 * not counted again in whatever scope that worker is in: a record carries
 * the scope its spawn was made in, held (counted) from the spawn until the
 * task, or the loop's last iteration, has finished. From there they are
 * ordinary detached tasks: thieves take them, weft_sync_root waits for them.
 *
 * Memory order, atomic by atomic:
 *   slot, registrant: acquire loads (and the CAS's failure order) pair with
 *     the triggerer's exchange (release half): a task that sees TRIGGERED
 *     sees everything the triggerer wrote before triggering. The CAS's
 *     release on success publishes the link and its record (fn, arguments,
 *     count) to the triggerer.
 *   slot, triggerer: acq_rel exchange; acquire pairs with the registrants'
 *     release CASes (the records are readable), release with their acquire
 *     loads (above).
 *   count of a task (deps + 1 while registering): acq_rel fetch_subs by the
 *     triggerers and the registrant; the one that reaches zero has seen,
 *     through the release sequence of the RMWs, every triggerer's writes and
 *     the registrant's, and pushes the task (the push and a thief's take
 *     order the rest, as for any detached frame).
 *   count of a loop (iterations + 1 while registering): acq_rel fetch_subs
 *     at the end of each iteration and of the registration; the last frees
 *     the record (and releases its scope after every iteration's writes).
 *   refs of an event: relaxed increment (the caller holds a reference
 *     already); acq_rel decrement, the last frees (every holder's accesses
 *     come before).
 * Records are malloc'd by the registrant and freed by whoever runs the task
 * (the loop's: by its last iteration). malloc, not the workers' 256-byte pool
 * blocks: a record is 48 bytes + 16 per dependency + the arguments, and a
 * DAG registers many before they run (the pool's blocks took three times
 * the page faults on the wavefront benchmark).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/scheduler/scope.h"
#include "runtime/scheduler/worker.h"

#define TRIGGERED ((uintptr_t)1)

struct weft_event {
    _Atomic uint32_t refs;        /* references; the last release frees */
    bool range;                   /* made by weft_event_new_range */
    int64_t start, stride;        /* iteration i is slot (i - start) / stride */
    uint64_t n;                   /* slots */
    _Atomic uintptr_t slot[];     /* 0, TRIGGERED or a flow_link * (above) */
};

enum { REC_TASK, REC_LOOP };

/* What every record starts with. */
typedef struct flow_rec {
    uint32_t kind;                /* REC_TASK or REC_LOOP */
    struct weft__scope *scope;    /* the spawn's scope, held until the end, or NULL */
    _Atomic int64_t count;        /* see the note at the top */
} flow_rec;

/* One dependency: a link in one slot's list. */
typedef struct flow_link {
    struct flow_link *next;       /* the next (older) link of that slot */
    flow_rec *rec;
} flow_link;

/* A task waiting on events. */
typedef struct flow_task {
    flow_rec h;
    weft_task_fn fn;
    uint32_t size;                /* argument bytes, at args */
    unsigned char *args;
    flow_link links[];            /* one per dependency; the arguments follow */
} flow_task;

/* A loop waiting on a range: iteration k (index start + k * stride) has
 * links[k]. */
typedef struct flow_loop {
    flow_rec h;
    weft_for_fn body;
    void *ctx;
    int64_t start, stride;
    flow_link links[];
} flow_loop;

static _Noreturn void die(const char *msg)
{
    fprintf(stderr, "weft: %s\n", msg);
    abort();
}

static _Noreturn void die_index(const char *what, const weft_event *e, int64_t i)
{
    char msg[300];
    if (e->range)
        snprintf(msg, sizeof msg, "%s: index %lld is not an iteration of the event's range [%lld, %lld) with stride %lld",
                 what, (long long)i, (long long)e->start,
                 (long long)(e->start + (int64_t)e->n * e->stride), (long long)e->stride);
    else
        snprintf(msg, sizeof msg, "%s: index %lld of a single event (its only index is 0)", what, (long long)i);
    die(msg);
}

/* The slot of iteration i of e; dies naming `what` when i is not one. */
static uint64_t slot_of(const char *what, const weft_event *e, int64_t i)
{
    if (e == NULL) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s: the event is NULL", what);
        die(msg);
    }
    if (i < e->start) die_index(what, e, i);
    uint64_t d = (uint64_t)i - (uint64_t)e->start;
    if (d % (uint64_t)e->stride != 0 || d / (uint64_t)e->stride >= e->n) die_index(what, e, i);
    return d / (uint64_t)e->stride;
}

/* ---- events ---- */

static weft_event *event_new(bool range, int64_t start, int64_t stride, uint64_t n)
{
    if (n > (SIZE_MAX - sizeof(weft_event)) / sizeof(_Atomic uintptr_t)) return NULL;
    /* calloc: every slot 0 (untriggered, empty). */
    weft_event *e = calloc(1, sizeof(weft_event) + n * sizeof(_Atomic uintptr_t));
    if (e == NULL) return NULL;
    atomic_init(&e->refs, 1);
    e->range = range;
    e->start = start;
    e->stride = stride;
    e->n = n;
    return e;
}

weft_event *weft_event_new(void) { return event_new(false, 0, 1, 1); }

weft_event *weft_event_new_range(int64_t start, int64_t stop, int64_t stride)
{
    if (stride <= 0 || stop <= start) {
        char msg[200];
        snprintf(msg, sizeof msg, "weft_event_new_range: empty range or stride not positive (start %lld, stop %lld, stride %lld)",
                 (long long)start, (long long)stop, (long long)stride);
        die(msg);
    }
    uint64_t d = (uint64_t)stop - (uint64_t)start;
    return event_new(true, start, stride, (d - 1) / (uint64_t)stride + 1);
}

weft_event *weft_event_ref(weft_event *e)
{
    if (e == NULL) die("weft_event_ref: the event is NULL");
    /* relaxed: the caller holds a reference, so the count cannot reach 0
     * meanwhile; the decrements order the rest (acq_rel in release). */
    atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
    return e;
}

void weft_event_release(weft_event *e)
{
    if (e == NULL) return;
    /* acq_rel: pairs with every other holder's decrement; the last one sees
     * all their accesses (the triggers' exchanges included) before it frees. */
    uint32_t was = atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel);
    if (was == 0) die("weft_event_release: the event was released more often than referenced");
    if (was > 1) return;
    uint64_t waiting = 0;
    for (uint64_t s = 0; s < e->n; s++) {
        /* relaxed: the acq_rel above already ordered every access. */
        uintptr_t v = atomic_load_explicit(&e->slot[s], memory_order_relaxed);
        if (v != 0 && v != TRIGGERED) waiting++;
    }
    if (waiting) {
        char msg[260];
        snprintf(msg, sizeof msg, "weft_event_release: the last reference to an event went while tasks still wait on "
                 "%llu of its iterations, never triggered (they could never run)", (unsigned long long)waiting);
        die(msg);
    }
    free(e);
}

bool weft_event_is_triggered_at(const weft_event *e, int64_t i)
{
    uint64_t s = slot_of("weft_event_is_triggered_at", e, i);
    /* acquire: pairs with the trigger's exchange (its writes are visible
     * after true). */
    return atomic_load_explicit(&e->slot[s], memory_order_acquire) == TRIGGERED;
}

bool weft_event_is_triggered(const weft_event *e)
{
    if (e && e->range) die("weft_event_is_triggered of a range event (name the iteration: weft_event_is_triggered_at)");
    return weft_event_is_triggered_at(e, 0);
}

/* ---- running what became ready ---- */

/* Pushes fn on w's deque as a detached frame, in a context of no scope: the
 * record holds its scope itself (see the note at the top). */
static void push_ready(weft__worker *w, weft_task_fn fn, const void *args, size_t size)
{
    weft__scope_ctx none;
    weft__scope_push(w, &none, NULL);
    weft__push_detached(w, fn, args, size, WEFT__DEST_NONE, 0);
    weft__scope_pop(w, &none);
}

/* The frame of a ready task: its argument bytes are the record. */
static void task_run(void *buf)
{
    flow_task *t;
    memcpy(&t, buf, sizeof t);
    weft__worker *w = weft__self();
    /* The arguments, and room for a result of up to WEFT_ARGS_MAX bytes
     * (dropped), as the task's buffer. */
    unsigned char a[WEFT_ARGS_LARGE_MAX] __attribute__((aligned(8)));
    size_t size = t->size;
    memcpy(a, t->args, size);
    if (size < WEFT_ARGS_MAX) memset(a + size, 0, WEFT_ARGS_MAX - size);
    weft_task_fn fn = t->fn;
    struct weft__scope *scope = t->h.scope;
    free(t);
    weft__scope_ctx c;
    weft__scope_push(w, &c, scope);
    fn(a);
    weft__scope_pop(w, &c);
    if (scope) weft__scope_release(scope);
}

/* Drops one count of loop record l (an iteration finished, or the
 * registration ended); the last frees it. */
static void loop_release(flow_loop *l)
{
    /* acq_rel: see the note at the top. */
    if (atomic_fetch_sub_explicit(&l->h.count, 1, memory_order_acq_rel) != 1) return;
    struct weft__scope *scope = l->h.scope;
    free(l);
    if (scope) weft__scope_release(scope);
}

typedef struct iter_args {
    flow_loop *l;
    int64_t k;
} iter_args;

/* The frame of a ready iteration. */
static void iter_run(void *buf)
{
    iter_args a;
    memcpy(&a, buf, sizeof a);
    weft__worker *w = weft__self();
    weft__scope_ctx c;
    weft__scope_push(w, &c, a.l->h.scope);
    a.l->body(a.l->start + a.k * a.l->stride, a.l->ctx);
    weft__scope_pop(w, &c);
    loop_release(a.l);
}

static void push_iter(weft__worker *w, flow_loop *l, int64_t k)
{
    iter_args a = {l, k};
    push_ready(w, iter_run, &a, sizeof a);
}

static void push_task(weft__worker *w, flow_task *t)
{
    push_ready(w, task_run, &t, sizeof t);
}

/* One dependency of link k is satisfied (by its trigger, on worker w). */
static void satisfy(weft__worker *w, flow_link *k)
{
    flow_rec *r = k->rec;
    if (r->kind == REC_LOOP) {
        flow_loop *l = (flow_loop *)r;
        push_iter(w, l, k - l->links);
        return;
    }
    /* acq_rel: see the note at the top. */
    if (atomic_fetch_sub_explicit(&r->count, 1, memory_order_acq_rel) == 1) push_task(w, (flow_task *)r);
}

/* Links k into slot s. Returns false, linking nothing, when the slot is
 * triggered already. */
static bool enlist(_Atomic uintptr_t *s, flow_link *k)
{
    /* acquire: pairs with the trigger's exchange (see the note at the top). */
    uintptr_t v = atomic_load_explicit(s, memory_order_acquire);
    for (;;) {
        if (v == TRIGGERED) return false;
        k->next = (flow_link *)v;
        /* release on success: publishes k, its record and the arguments to
         * the triggerer's exchange; acquire on failure, as the load above. */
        if (atomic_compare_exchange_weak_explicit(s, &v, (uintptr_t)k, memory_order_release, memory_order_acquire))
            return true;
    }
}

/* ---- triggers ---- */

static _Noreturn void die_twice(const weft_event *e, uint64_t s, const char *what)
{
    char msg[200];
    snprintf(msg, sizeof msg, "%s: iteration %lld of the event was triggered twice", what,
             (long long)(e->start + (int64_t)s * e->stride));
    die(msg);
}

static void trigger_slot(weft__worker *w, weft_event *e, uint64_t s, const char *what)
{
    /* acq_rel: see the note at the top. */
    uintptr_t v = atomic_exchange_explicit(&e->slot[s], TRIGGERED, memory_order_acq_rel);
    if (v == TRIGGERED) die_twice(e, s, what);
    for (flow_link *k = (flow_link *)v, *next; k; k = next) {
        next = k->next; /* before satisfy: the record may be gone after it */
        satisfy(w, k);
    }
}

typedef struct trigger_args {
    weft_event *e;
    uint64_t s;
} trigger_args;

/* The job of a trigger from a thread that is not a worker: triggers on the
 * worker that runs it, then drops the reference the submit took. */
static void trigger_job(void *buf)
{
    trigger_args a;
    memcpy(&a, buf, sizeof a);
    trigger_slot(weft__self(), a.e, a.s, "weft_event_trigger_at (from a thread that is not a worker)");
    weft_event_release(a.e);
}

static int trigger(weft_event *e, uint64_t s, const char *what)
{
    weft__worker *w = weft__self();
    if (w) {
        trigger_slot(w, e, s, what);
        return 0;
    }
    /* acquire: pairs with the exchange of a trigger that came first, only
     * to say so here rather than in the job. */
    if (atomic_load_explicit(&e->slot[s], memory_order_acquire) == TRIGGERED) die_twice(e, s, what);
    trigger_args a = {weft_event_ref(e), s};
    weft_job *j = weft_submit(trigger_job, &a, sizeof a);
    /* A cancelled submit is complete when weft_submit returns; an accepted
     * job may be done already too, and then weft_wait returns at once. */
    int rc = 0;
    if (weft_is_done(j) && weft_wait(j, NULL, 0) == WEFT_JOB_CANCELLED) {
        weft_event_release(e);
        rc = -1;
    }
    weft_job_free(j);
    return rc;
}

int weft_event_trigger_at(weft_event *e, int64_t i)
{
    return trigger(e, slot_of("weft_event_trigger_at", e, i), "weft_event_trigger_at");
}

int weft_event_trigger(weft_event *e)
{
    if (e && e->range) die("weft_event_trigger of a range event (name the iteration: weft_event_trigger_at)");
    return trigger(e, slot_of("weft_event_trigger", e, 0), "weft_event_trigger");
}

/* ---- spawn on events ---- */

void weft_spawn_on_events(const weft_dep *deps, size_t n, weft_task_fn fn, const void *args, size_t size)
{
    weft__worker *w = weft__self_or_die("weft_spawn_on_events");
    if (size > WEFT_ARGS_LARGE_MAX) {
        char msg[200];
        snprintf(msg, sizeof msg, "weft_spawn_on_events: task arguments of %zu bytes exceed WEFT_ARGS_LARGE_MAX (%d bytes)",
                 size, WEFT_ARGS_LARGE_MAX);
        die(msg);
    }
    if (fn == NULL) die("weft_spawn_on_events: the task function is NULL");
    if (n && deps == NULL) die("weft_spawn_on_events: deps is NULL");
    /* Every dependency checked before anything is published. */
    uint64_t slots_small[8];
    uint64_t *slots = n <= 8 ? slots_small : malloc(n * sizeof *slots);
    if (slots == NULL) die("out of memory registering a task on events");
    for (size_t j = 0; j < n; j++) slots[j] = slot_of("weft_spawn_on_events", deps[j].event, deps[j].index);
    flow_task *t = malloc(sizeof(flow_task) + n * sizeof(flow_link) + size);
    if (t == NULL) die("out of memory registering a task on events");
    t->h.kind = REC_TASK;
    t->h.scope = weft__scope_current(w);
    if (t->h.scope) weft__scope_hold(t->h.scope);
    /* The registration's own count keeps the record ours until the end. */
    atomic_init(&t->h.count, (int64_t)n + 1);
    t->fn = fn;
    t->size = (uint32_t)size;
    t->args = (unsigned char *)&t->links[n];
    if (size) memcpy(t->args, args, size);
    int64_t done = 1; /* the registration's count, and each dependency triggered already */
    for (size_t j = 0; j < n; j++) {
        flow_link *k = &t->links[j];
        k->rec = &t->h;
        if (!enlist(&deps[j].event->slot[slots[j]], k)) done++;
    }
    if (slots != slots_small) free(slots);
    /* acq_rel: see the note at the top. */
    if (atomic_fetch_sub_explicit(&t->h.count, done, memory_order_acq_rel) == done) push_task(w, t);
}

void weft_spawn_on_event_at(weft_event *e, int64_t i, weft_task_fn fn, const void *args, size_t size)
{
    weft_dep d = {e, i};
    weft_spawn_on_events(&d, 1, fn, args, size);
}

void weft_spawn_on_event(weft_event *e, weft_task_fn fn, const void *args, size_t size)
{
    if (e && e->range) die("weft_spawn_on_event on a range event (name the iteration: weft_spawn_on_event_at)");
    weft_spawn_on_event_at(e, 0, fn, args, size);
}

/* ---- the loop ---- */

void weft_parallel_for_on_event(weft_event *e, int64_t start, int64_t stop, int64_t stride, weft_for_fn body,
                                void *ctx)
{
    weft__worker *w = weft__self_or_die("weft_parallel_for_on_event");
    if (stride <= 0) die("parallel loop with a stride that is not positive");
    if (body == NULL) die("weft_parallel_for_on_event: the body is NULL");
    if (start >= stop) {
        (void)slot_of("weft_parallel_for_on_event", e, e ? e->start : 0); /* a NULL event still fails */
        return;
    }
    uint64_t n = ((uint64_t)stop - (uint64_t)start - 1) / (uint64_t)stride + 1;
    int64_t last = start + (int64_t)(n - 1) * stride;
    uint64_t s0 = slot_of("weft_parallel_for_on_event", e, start);
    if (n > 1 && stride % e->stride != 0) die_index("weft_parallel_for_on_event", e, start + stride);
    (void)slot_of("weft_parallel_for_on_event", e, last);
    uint64_t step = (uint64_t)(stride / e->stride);
    if (n > (SIZE_MAX - sizeof(flow_loop)) / sizeof(flow_link)) die("out of memory registering a loop on an event");
    flow_loop *l = malloc(sizeof(flow_loop) + n * sizeof(flow_link));
    if (l == NULL) die("out of memory registering a loop on an event");
    l->h.kind = REC_LOOP;
    l->h.scope = weft__scope_current(w);
    if (l->h.scope) weft__scope_hold(l->h.scope);
    /* Every iteration, and the registration until its end. */
    atomic_init(&l->h.count, (int64_t)n + 1);
    l->body = body;
    l->ctx = ctx;
    l->start = start;
    l->stride = stride;
    for (uint64_t k = 0; k < n; k++) {
        l->links[k].rec = &l->h;
        if (!enlist(&e->slot[s0 + k * step], &l->links[k])) push_iter(w, l, (int64_t)k);
    }
    loop_release(l);
}
