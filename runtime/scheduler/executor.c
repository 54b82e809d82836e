/* The executor: the runtime as a service that any thread submits jobs to
 * (its contract is in include/weft.h, "executor"; the protocols are in
 * docs/architecture.md, section 14).
 *
 * The runtime runs on threads of its own: weft_run_in_background starts a
 * thread that calls weft_init (so worker 0, the root, is that thread) and then
 * runs exec_loop; weft_run_forever runs the same on the calling thread. No
 * user thread is the root, so nothing a user thread does (pthread_join,
 * blocking on a foreign future) can keep the root from running tasks.
 *
 * Jobs travel through one MPSC queue (runtime/channels/mpsc.h: wait-free
 * producers, any thread). Its single consumer is whichever worker holds
 * `take_lock`: the root in its loop, and any worker in an idle round that is
 * not WAITING at its parent (weft__exec_take). A taken job is pushed as a
 * detached frame that runs job_run, which completes the handle; a lone job
 * that the root takes while its children sleep runs on the root at once
 * (root_take: one wake-up from submit to start, not two).
 *
 * A handle (weft_job) is a weft__chanb of WEFT_ARGS_MAX result bytes plus a
 * waiter word and two references (the submitter's, the runtime's). The
 * completer sends the result (release), then exchanges the waiter word to
 * GONE and wakes whoever it names; the waiter registers with a CAS of the
 * same word, so one of the two RMWs comes first and no wake-up is lost.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/scheduler/executor.h"
#include "runtime/scheduler/scope.h"

/* The waiter word of a handle: 0 (nobody waits), a worker's id + 1, or: */
#define WAITER_FOREIGN 0xFFFFFFFEu /* a thread that is not a worker sleeps on the word */
#define WAITER_GONE 0xFFFFFFFFu    /* the result is there; nobody needs waking */

struct weft_job {
    weft__mpsc_node node;              /* first: the queue's link */
    weft_task_fn fn;
    uint32_t size;                     /* argument bytes */
    uint32_t status;                   /* WEFT_JOB_*: written before the result is sent */
    _Atomic uint32_t waiter;           /* see above; a futex word for WAITER_FOREIGN */
    _Atomic uint32_t refs;             /* 2 at submit: the handle's and the runtime's */
    _Alignas(8) unsigned char args[WEFT_ARGS_LARGE_MAX];
    weft__chanb ch;                    /* the result channel... */
    unsigned char room[WEFT_ARGS_MAX]; /* ...and its bytes */
};

/* The executor's states (the futex word `state`). */
enum { EX_IDLE, EX_STARTING, EX_OPEN, EX_CLOSING, EX_STOPPED };

/* The gate's closed bit; the bits below count submits in progress. */
#define GATE_CLOSED ((int64_t)1 << 62)

static struct {
    weft__mpsc q;                /* submitted jobs, oldest first */
    _Atomic int64_t gate;        /* GATE_CLOSED | submits between check and enqueue */
    _Atomic uint32_t take_lock;  /* 1 while a worker is the queue's consumer */
    _Atomic uint32_t state;      /* EX_*; futex word for start and shutdown */
    weft__notifier wake;         /* the root parks here when quiescent */
    weft__notifier *root;        /* the root worker's notifier (valid while the gate is passed) */
    bool background;             /* started by weft_run_in_background */
    pthread_t thread;            /* its root thread */
} ex = {.gate = GATE_CLOSED};

static pthread_once_t ex_once = PTHREAD_ONCE_INIT;

static void ex_init_once(void)
{
    weft__mpsc_init(&ex.q);
    weft__notifier_init(&ex.wake);
}

static _Noreturn void die(const char *msg)
{
    fprintf(stderr, "weft: %s\n", msg);
    abort();
}

static void job_release(weft_job *j)
{
    /* acq_rel: the last of the two owners frees; the other's accesses
     * (the completer's send and wake, the waiter's read) happen before. */
    if (atomic_fetch_sub_explicit(&j->refs, 1, memory_order_acq_rel) == 1) free(j);
}

/* Completes j with status and the WEFT_ARGS_MAX result bytes res, wakes its
 * waiter and drops the runtime's reference. Any thread. */
static void job_complete(weft_job *j, uint32_t status, const unsigned char *res)
{
    j->status = status;
    /* The chanb's release store of `full` publishes status and the bytes
     * (pairs with the acquire load in weft__chanb_is_full). */
    if (!weft__chanb_try_send(&j->ch, res, WEFT_ARGS_MAX)) die("internal error: a job completed twice");
    /* acq_rel: pairs with the waiter's CAS on the same word. If the CAS came
     * first we see the waiter and wake it; if we come first its CAS fails on
     * GONE and (acquire) sees the result. */
    uint32_t w = atomic_exchange_explicit(&j->waiter, WAITER_GONE, memory_order_acq_rel);
    if (w == WAITER_FOREIGN) weft__futex_wake_all(&j->waiter);
    else if (w != 0) weft__notifier_notify(&weft__rt->workers[w - 1]->notifier); /* it waits: alive */
    job_release(j);
}

/* The detached frame of a job: its argument bytes are the handle. */
static void job_run(void *buf)
{
    weft_job *j;
    memcpy(&j, buf, sizeof j);
    unsigned char b[WEFT_ARGS_LARGE_MAX] __attribute__((aligned(8)));
    memcpy(b, j->args, j->size);
    if (j->size < WEFT_ARGS_MAX) memset(b + j->size, 0, WEFT_ARGS_MAX - j->size);
    j->fn(b);
    job_complete(j, WEFT_JOB_DONE, b);
}

/* Approximate count of queued jobs > 0 (mpsc.h: producers add after linking,
 * so a positive count never announces a node not yet linked; a count that
 * lags belongs to a producer whose notify is still to come). */
static bool jobs_waiting(void) { return weft__mpsc_maybe_nonempty(&ex.q); }

/* Takes the oldest job, or NULL: none queued, or (*busy) another taker
 * holds the lock this instant (a try_recv long). */
static weft_job *take_job(bool *busy)
{
    *busy = false;
    /* relaxed: a hint; the job itself is taken with acquire. */
    if (atomic_load_explicit(&ex.state, memory_order_relaxed) < EX_OPEN || !jobs_waiting()) return NULL;
    /* acquire/release: the lock hands the queue's consumer side (its head)
     * from one taker to the next. */
    if (atomic_exchange_explicit(&ex.take_lock, 1, memory_order_acquire)) {
        *busy = true;
        return NULL;
    }
    weft__mpsc_node *n = weft__mpsc_try_recv(&ex.q);
    /* release: pairs with the acquire exchange of the next taker. */
    atomic_store_explicit(&ex.take_lock, 0, memory_order_release);
    return (weft_job *)n;
}

/* Pushes j on w's deque as a detached frame (shared at once with waiting
 * children and thieves). A job belongs to no scope, even when taken by a
 * worker waiting inside one (scope.h): pushed in a context of none, so it
 * is not counted in the scope (a detached frame runs in no context of its
 * own). */
static void push_job(weft__worker *w, weft_job *j)
{
    weft__scope_ctx none;
    weft__scope_push(w, &none, NULL);
    weft__push_detached(w, job_run, &j, sizeof j, WEFT__DEST_NONE, 0);
    weft__scope_pop(w, &none);
}

/* Runs j on the root, now, as run_top runs a popped detached frame (in no
 * scope; counted and traced as a task). */
static void run_job_here(weft__worker *w, weft_job *j)
{
    uint64_t t0 = w->trace ? weft__now_ns() : 0;
    const void *fn = (const void *)j->fn; /* the span's name: the job's function */
    unsigned char buf[WEFT_ARGS_MAX] __attribute__((aligned(8)));
    memcpy(buf, &j, sizeof j);
    weft__scope_ctx none;
    weft__scope_push(w, &none, NULL);
    job_run(buf);
    weft__scope_pop(w, &none);
    w->m.tasks_run++;
    if (w->trace) weft__trace_add(w->trace, WEFT__TR_TASK, fn, t0, weft__now_ns());
}

bool weft__exec_take(weft__worker *w)
{
    if (w->req_out && w->req.state == WEFT__REQ_WAITING) return false;
    bool busy;
    weft_job *j = take_job(&busy);
    /* Busy: report it as found so the caller looks again rather than
     * sleeping on a ticket that the submit's notify may already have passed. */
    if (!j) return busy;
    push_job(w, j);
    return true;
}

/* The root may stop: the gate is closed with no submit in it, and the queue
 * is empty. acquire: pairs with the submitters' release decrements, so their
 * enqueues (and the count's adds) are visible. */
static bool drained(void)
{
    return atomic_load_explicit(&ex.gate, memory_order_acquire) == GATE_CLOSED && !jobs_waiting();
}

/* The root, children asleep at it: takes the oldest job. A lone job (none
 * queued behind it, nothing pending here) runs here at once: handing it to a
 * sleeping child would add that child's wake-up to the job's start (a futex
 * wake and a reschedule, tens of microseconds). With jobs behind it, it is
 * pushed, and the push shares it with a waiting child; the root takes the
 * next one. Returns what weft__exec_take returns. */
static bool root_take(weft__worker *w)
{
    bool busy;
    weft_job *j = take_job(&busy);
    if (!j) return busy;
    if (!jobs_waiting() && weft__deque_pending(&w->deque, w->hot->top) == 0) run_job_here(w, j);
    else push_job(w, j);
    return true;
}

/* How long the quiescent root watches for work before it parks: a job that
 * comes within this time starts without a wake-up. Spent once per quiet
 * spell, never while parked, so an idle executor stays at 0 %. */
#define EXEC_LINGER_NS 50000u

/* The root, quiescent: watches the job queue, the gate and its request
 * channel for up to EXEC_LINGER_NS without registering anywhere; true when
 * one of them changed (the caller looks again). The park that follows does
 * its own Dekker re-check, so nothing here needs ordering: relaxed hints
 * (jobs_waiting, the request count) and drained()'s acquire. */
static bool linger(weft__worker *w)
{
    uint64_t end = weft__now_ns() + EXEC_LINGER_NS;
    for (uint32_t i = 0;; i++) {
        if (jobs_waiting() || drained() || weft__mpsc_maybe_nonempty(&w->requests)) return true;
        if ((i & 15) == 15 && weft__now_ns() >= end) return false;
        weft__cpu_relax();
    }
}

/* The root worker's loop while the executor runs. */
static void exec_loop(weft__worker *w)
{
    for (;;) {
        if (w->nwaiting && root_take(w)) continue;
        if (weft__run_top(w)) continue;
        weft__handle_requests(w);
        if (weft__receive(w)) continue;
        if (weft__exec_take(w)) continue;
        bool quiet = w->nwaiting == w->nchildren && !w->req_out &&
                     weft__deque_pending(&w->deque, w->hot->top) == 0;
        if (!quiet) {
            /* Work runs elsewhere: steal, or back off (its re-check after
             * registering includes the job queue: weft__exec_take). */
            weft__idle_round(w, false, NULL);
            continue;
        }
        /* Quiescent (weft_sync_root's condition, with my own request home):
         * every other worker sleeps WAITING and no request travels, so only
         * a submit or a shutdown can change anything, and both notify
         * ex.wake. The Dekker pair: prepare_park (waiters += 1, read epoch)
         * then re-check queue and gate here, against enqueue (or the gate's
         * change) then notify (epoch += 1, read waiters) there. */
        if (drained()) return;
        if (linger(w)) continue;
        uint32_t t = weft__notifier_prepare_park(&ex.wake);
        if (jobs_waiting() || drained() || weft__mpsc_maybe_nonempty(&w->requests)) {
            weft__notifier_cancel_park(&ex.wake);
            continue;
        }
        w->m.parks++;
        weft__notifier_park(&ex.wake, t);
    }
}

/* On the root's thread: starts the runtime and opens the gate. */
static int exec_open(const weft_config *cfg)
{
    pthread_once(&ex_once, ex_init_once);
    if (weft_init(cfg) != 0) return -1;
    ex.root = &weft__rt->workers[0]->notifier;
    /* release: pairs with the submitters' acquire fetch_add; they see
     * ex.root and the runtime. */
    atomic_fetch_and_explicit(&ex.gate, ~GATE_CLOSED, memory_order_release);
    return 0;
}

/* Sets the state word and wakes everyone waiting on it. release: pairs with
 * the acquire loads of the waiters (start, shutdown). */
static void set_state(uint32_t s)
{
    atomic_store_explicit(&ex.state, s, memory_order_release);
    weft__futex_wake_all(&ex.state);
}

static uint32_t wait_state_leaves(uint32_t s)
{
    uint32_t v;
    /* acquire: pairs with the release store in set_state. */
    while ((v = atomic_load_explicit(&ex.state, memory_order_acquire)) == s) weft__futex_wait(&ex.state, s, NULL);
    return v;
}

/* The root's run after a successful open: serve until drained, then stop. */
static void exec_serve(void)
{
    set_state(EX_OPEN);
    exec_loop(weft__self());
    weft_exit();
    /* Background: the shutdown that stopped us joins this thread, then
     * marks the executor idle. Forever: the caller's thread goes on. */
    set_state(ex.background ? EX_STOPPED : EX_IDLE);
}

static void *bg_main(void *arg)
{
    if (exec_open(arg) != 0) {
        set_state(EX_STOPPED);
        return NULL;
    }
    exec_serve();
    return NULL;
}

static bool claim(void)
{
    uint32_t s = EX_IDLE;
    /* acq_rel: one caller wins the start; its acquire pairs with the
     * release store in set_state of the executor that last stopped. */
    if (atomic_compare_exchange_strong_explicit(&ex.state, &s, EX_STARTING, memory_order_acq_rel,
                                                memory_order_acquire))
        return true;
    weft__set_last_error("weft_run_in_background/weft_run_forever: an executor is already running");
    return false;
}

int weft_run_in_background(const weft_config *cfg)
{
    if (!claim()) return -1;
    ex.background = true;
    int e = pthread_create(&ex.thread, NULL, bg_main, (void *)cfg);
    if (e != 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "weft_run_in_background: cannot start the root thread: %s", strerror(e));
        weft__set_last_error(msg);
        set_state(EX_IDLE);
        return -1;
    }
    if (wait_state_leaves(EX_STARTING) == EX_OPEN) return 0;
    pthread_join(ex.thread, NULL); /* weft_init failed; its message stays */
    set_state(EX_IDLE);
    return -1;
}

int weft_run_forever(const weft_config *cfg)
{
    if (weft__self()) {
        weft__set_last_error("weft_run_forever: called on a weft worker");
        return -1;
    }
    if (!claim()) return -1;
    ex.background = false;
    if (exec_open(cfg) != 0) {
        set_state(EX_IDLE);
        return -1;
    }
    exec_serve();
    return 0;
}

void weft_shutdown(void)
{
    if (weft__self()) die("weft_shutdown called from a weft worker (it waits for the workers to stop)");
    uint32_t s = EX_OPEN;
    /* acq_rel, and acquire on failure: pair with the release stores in
     * set_state (the start reaching OPEN, another shutdown's end). */
    while (!atomic_compare_exchange_strong_explicit(&ex.state, &s, EX_CLOSING, memory_order_acq_rel,
                                                    memory_order_acquire)) {
        /* Still starting: wait until it runs (or failed), then try again. */
        if (s == EX_STARTING) {
            (void)wait_state_leaves(EX_STARTING);
            s = EX_OPEN;
            continue;
        }
        /* Not running, or another shutdown is under way: wait for its end. */
        while (s == EX_CLOSING || s == EX_STOPPED) {
            weft__futex_wait(&ex.state, s, NULL);
            s = atomic_load_explicit(&ex.state, memory_order_acquire);
        }
        return;
    }
    /* seq_cst: every submit that sees the gate open is counted in it before
     * it enqueues; the root stops only once the count is 0 (drained). */
    atomic_fetch_or_explicit(&ex.gate, GATE_CLOSED, memory_order_seq_cst);
    weft__notifier_notify(&ex.wake); /* static: safe even if the root is gone */
    if (wait_state_leaves(EX_CLOSING) == EX_STOPPED) {
        pthread_join(ex.thread, NULL);
        set_state(EX_IDLE);
    }
}

weft_job *weft_submit(weft_task_fn fn, const void *args, size_t size)
{
    if (size > WEFT_ARGS_LARGE_MAX) {
        fprintf(stderr, "weft: weft_submit: %zu bytes of arguments, more than WEFT_ARGS_LARGE_MAX (%d)\n", size,
                WEFT_ARGS_LARGE_MAX);
        abort();
    }
    weft_job *j = malloc(sizeof *j);
    if (!j) die("out of memory allocating a job");
    j->fn = fn;
    j->size = (uint32_t)size;
    j->status = WEFT_JOB_DONE;
    atomic_init(&j->waiter, 0);
    atomic_init(&j->refs, 2);
    atomic_init(&j->node.next, NULL);
    if (size) memcpy(j->args, args, size);
    weft__chanb_init(&j->ch);
    /* acquire: pairs with the gate's opening (exec_open). seq_cst against
     * weft_shutdown's fetch_or: either we see the gate closed, or the
     * shutdown's root waits for our decrement. */
    int64_t g = atomic_fetch_add_explicit(&ex.gate, 1, memory_order_seq_cst);
    if (g & GATE_CLOSED) {
        unsigned char zero[WEFT_ARGS_MAX] = {0};
        job_complete(j, WEFT_JOB_CANCELLED, zero);
    } else {
        weft__mpsc_send(&ex.q, &j->node);
        /* The root may be parked quiescent (ex.wake) or backing off in an
         * idle round (its worker notifier): wake both. The runtime lives
         * while we are in the gate. */
        weft__notifier_notify(&ex.wake);
        weft__notifier_notify(ex.root);
    }
    /* release: pairs with the root's acquire load in drained(): our enqueue
     * happened before. The last submit out of a closed gate wakes the root,
     * which may wait for exactly that (ex.wake is static: no use after free). */
    if (atomic_fetch_sub_explicit(&ex.gate, 1, memory_order_release) == (GATE_CLOSED | 1))
        weft__notifier_notify(&ex.wake);
    return j;
}

bool weft_is_done(const weft_job *job) { return weft__chanb_is_full(&job->ch); }

weft_job_status weft_wait(weft_job *job, void *out, size_t size)
{
    if (!weft__chanb_is_full(&job->ch)) {
        weft__worker *w = weft__self();
        uint32_t me = w ? w->id + 1 : WAITER_FOREIGN, seen = 0;
        /* acq_rel: pairs with the completer's exchange (job_complete). */
        if (atomic_compare_exchange_strong_explicit(&job->waiter, &seen, me, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            if (w) {
                /* Work meanwhile: the completer notifies this worker. */
                weft__work_until_full(w, &job->ch);
            } else {
                /* acquire: pairs with the completer's exchange to GONE, after its send. */
                while (atomic_load_explicit(&job->waiter, memory_order_acquire) == WAITER_FOREIGN)
                    weft__futex_wait(&job->waiter, WAITER_FOREIGN, NULL);
            }
        } else if (seen != WAITER_GONE) {
            die("weft_wait: another thread already waits on this job (one waiter at a time)");
        }
    }
    if (out) memcpy(out, job->ch.buf, size < WEFT_ARGS_MAX ? size : WEFT_ARGS_MAX);
    return (weft_job_status)job->status;
}

void weft_job_free(weft_job *job)
{
    if (job) job_release(job);
}
