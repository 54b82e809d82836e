/* The scheduler's internal state: workers, steal requests, the runtime.
 *
 * Ownership: everything in a weft__worker belongs to its thread, except the
 * fields marked SHARED (written by other threads through channels and the
 * notifier only). See docs/architecture.md for how a steal request, a task
 * and a result travel.
 */
#ifndef WEFT_RUNTIME_WORKER_H
#define WEFT_RUNTIME_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <weft.h>
#include "flowvar/chan.h"
#include "runtime/channels/mpsc.h"
#include "runtime/config/config.h"
#include "runtime/deque/deque.h"
#include "runtime/instrumentation/metrics.h"
#include "runtime/instrumentation/trace.h"
#include "runtime/memory/pool.h"
#include "runtime/parking/backoff.h"
#include "runtime/parking/notifier.h"
#include "runtime/util/prim.h"
#include "runtime/util/check.h"
#include "runtime/util/rng.h"
#include "runtime/util/sparseset.h"

enum { WEFT__REQ_STEALING = 0, WEFT__REQ_WAITING = 1 };

/* A steal request. Each worker owns exactly one (one request outstanding at
 * most); whoever holds it (in a channel or in hand) owns it until it is
 * answered with tasks (then it is the thief's again) or returned. */
typedef struct weft__steal_req {
    weft__mpsc_node node;         /* first: the channel link */
    uint32_t thief;               /* the worker that asked */
    uint32_t state;               /* STEALING, or WAITING at the thief's parent */
    uint32_t half;                /* 1: the thief asks for half the victim's tasks */
    weft__sparseset untried;      /* victims not asked yet */
#ifndef NDEBUG
    /* Debug builds: the id + 1 of the worker holding the request, 0 while it
     * travels (in a request channel, or answered, in the thief's mailbox).
     * Set on receipt and cleared on send by weft__req_take/weft__req_hand_off,
     * which check that nobody else held it. */
    _Atomic uint32_t holder;
#endif
} weft__steal_req;

typedef struct weft__worker {
    /* SHARED: thieves send requests here; tasks arrive in the mailbox; the
     * notifier wakes this worker. */
    weft__mpsc requests;
    weft__chanp mailbox;
    weft__notifier notifier;

    /* Owner only from here on. */
    weft__hot *hot;               /* this thread's weft__tls */
    uint32_t id;
    weft__deque deque;
    weft__pool pool;
    weft__rng rng;
    weft__backoff backoff;

    weft__steal_req req;          /* my request */
    bool req_out;                 /* it is away (in a channel or held by a victim) */
    bool req_back;                /* it came back unanswered ("no work anywhere") */

    /* Worker tree: parent (id-1)/2, children 2id+1, 2id+2. */
    uint32_t parent;
    uint32_t nchildren;
    weft__steal_req *waiting[2];  /* requests of my children waiting on me */
    uint32_t nwaiting;
    uint32_t lingering;           /* CONSUMED frames buried under others */

    /* Adaptive steal-one / steal-half over windows of 25 thefts. */
    uint32_t window_thefts;
    uint64_t theft_t0;            /* when the last batch arrived; 0: idle since */
    uint64_t theft_busy_ns;       /* busy time of the window's thefts */
    bool steal_half;

    struct weft__loop *loop;      /* innermost loop running here (loop.c), or NULL */
    struct weft__scope_ctx *ctx;  /* the running task's scope context (scope.h), or NULL */

    weft__metrics m;
    weft__trace *trace;           /* NULL without WEFT_TRACE */

    pthread_t thread;
} weft__worker;

typedef struct weft__runtime {
    weft__config cfg;
    uint32_t n;
    weft__worker **workers;
    _Atomic int stop;             /* set by weft_exit; workers leave their loop */
    uint64_t t_start_ns;
    FILE *trace_file;             /* cfg.trace_path, opened by weft_init (NULL: no trace) */
} weft__runtime;

extern weft__runtime *weft__rt;

/* Every function below runs on worker w's own thread (w == weft__self())
 * unless its contract says otherwise: they read and write w's owner-only
 * state. */

/* ---- scheduler/steal.c ---- */

/* Takes every steal request waiting in w's channel and deals with each: its
 * own request back (req_out cleared, req_back set); a child's WAITING request
 * (kept in waiting[], shared with at once if w has work); any other answered
 * with tasks (ship) or relayed to an untried victim, or returned to its thief
 * when none is left. Returns how many it took (0: the channel was empty).
 * After it returns w holds no request but its own and those in waiting[]
 * (nwaiting <= nchildren). */
uint32_t weft__handle_requests(weft__worker *w);

/* Takes the batch waiting in w's mailbox, if any: splices it on top of the
 * deque (newest on top), frees the blocks, updates the steal-half window and
 * shares with waiting children. Returns false (and changes nothing) when the
 * mailbox is empty. After true, w's own request is w's again (req_out and
 * req_back false) and the mailbox is empty. */
bool weft__receive(weft__worker *w);

/* Sends w's own request (STEALING, asking for half when w->steal_half) to a
 * random victim. Pre: !w->req_out, w holds its request, w's mailbox is empty
 * (checked). Post: req_out, or, when w is the only worker, req_back with
 * nothing sent. */
void weft__send_request(weft__worker *w);

/* Answers r, which w holds, with the batch first..(n blocks of w's pool,
 * oldest first): into r's thief's mailbox, then notifies the thief. r must
 * not be touched afterwards. */
void weft__ship_batch(weft__worker *w, weft__steal_req *r, weft__shipped *first, uint32_t n);

/* Ships half of w's pending frames to each waiting child in turn, until the
 * children are fed or nothing is left; resets the spawn limit. */
void weft__share_with_children(weft__worker *w);

/* Sets the inline spawn's limit: 0 (every spawn takes the slow path) while a
 * child waits on w or a CONSUMED frame lingers under others, else the
 * deque's capacity. Call after changing nwaiting or lingering. */
void weft__update_limit(weft__worker *w);

/* Ends the busy span of w's last theft (adaptive steal-half, steal.c): adds
 * the time since the batch arrived to the window. Called before w asks for
 * work again; a no-op when w has been idle since. */
void weft__theft_done(weft__worker *w);

/* Hands r, which w holds (checked), to worker `victim`: sends it into the
 * victim's request channel and notifies the victim. After it returns w must
 * not touch r (unless r is w's own request and comes back). Pre when r is
 * w's own request: w's mailbox is empty (checked). */
void weft__send_req_to(weft__worker *w, uint32_t victim, weft__steal_req *r);

/* Debug builds: w has just taken r out of a channel (its request channel, or
 * its mailbox for its own request); checks that nobody held it. */
static inline void weft__req_take(weft__worker *w, weft__steal_req *r)
{
#ifndef NDEBUG
    /* relaxed: the hand-over is ordered by the channel (the sender's
     * weft__req_hand_off precedes its release send, our acquire take
     * precedes this), and an exchange reads the latest value anyway. */
    uint32_t held_by = atomic_exchange_explicit(&r->holder, w->id + 1, memory_order_relaxed);
    WEFT__ASSERT_CMP(held_by, ==, 0u);
#else
    (void)w; (void)r;
#endif
}

/* Debug builds: w, which holds r (checked), is about to send it into a
 * channel (a request channel, or answered, its thief's mailbox). */
static inline void weft__req_hand_off(weft__worker *w, weft__steal_req *r)
{
#ifndef NDEBUG
    /* relaxed: pairs through the channel with weft__req_take, as above. */
    uint32_t held_by = atomic_exchange_explicit(&r->holder, 0, memory_order_relaxed);
    WEFT__ASSERT_CMP(held_by, ==, w->id + 1);
#else
    (void)w; (void)r;
#endif
}

/* Debug builds: a worker's request starts in its own hand. weft_init, before
 * the worker threads start. */
static inline void weft__req_init_holder(weft__worker *w)
{
#ifndef NDEBUG
    atomic_init(&w->req.holder, w->id + 1);
#else
    (void)w;
#endif
}

/* ---- scheduler/init.c ---- */

/* Sets the message weft_last_error() returns (the executor's start errors). */
void weft__set_last_error(const char *msg);

/* ---- scheduler/loop.c ---- */

/* Answers r with a split of a loop running on w (the outermost one of w's
 * loop chain with at least two iterations not started): the thief gets
 * remaining/(k+1) of them from the end, k = 1 + the requests still waiting.
 * Returns false (w still holds r) when no loop has that much left. */
bool weft__loop_split(weft__worker *w, weft__steal_req *r);

/* ---- scheduler/run.c ---- */

/* The calling thread's worker; dies with a message naming `what` (the API
 * call) when the caller is not a weft worker or the runtime is not started.
 * Any thread. */
weft__worker *weft__self_or_die(const char *what);

/* Runs the newest pending frame of w's deque, first answering waiting
 * thieves and feeding waiting children. A detached or received frame on top
 * is popped and run; any other runs in place (a flowvar frame becomes DONE,
 * its result in its slot; another CONSUMED, lingering). A frame with a
 * destination gets its result delivered. Returns false when nothing in
 * [bottom, top) is pending (and then ran nothing). */
bool weft__run_top(weft__worker *w);

/* One idle round: answer thieves, take delivered work, ask for work, then
 * back off or park. may_wait: this worker may go WAITING at its parent (only
 * from the workers' loop). watch: a result channel the caller waits on (or
 * NULL), re-checked after registering on the notifier. Returns after at most
 * one wait; the caller re-checks what it waits for. */
void weft__idle_round(weft__worker *w, bool may_wait, const weft__chanb *watch);

/* Pushes a frame with a destination (WEFT__DEST_NONE, or a chanb with the
 * worker to notify + 1) on top of w's deque and answers waiting thieves.
 * Arguments over WEFT_ARGS_MAX bytes go out of line (outofline.h). Dies
 * when size > WEFT_ARGS_LARGE_MAX or the deque is full. */
void weft__push_detached(weft__worker *w, weft_task_fn fn, const void *args, size_t size,
                         void *dest, uint32_t notify);

/* Keeps w busy (its own tasks, answering thieves, stealing) until the
 * channel ch holds a result; returns after an acquire load saw it full. ch
 * is one whose delivery notifies w. */
void weft__work_until_full(weft__worker *w, const weft__chanb *ch);

/* The calling thread's worker, or NULL outside a worker. Any thread. */
static inline weft__worker *weft__self(void) { return weft__tls.self; }

/* Answers the steal requests waiting for w and feeds its waiting children,
 * if any: what every entry into the runtime does that may not pass through
 * a slow-path spawn (running a task, pushing a detached frame or a future,
 * polling with weft_is_ready or weft_future_ready). The request count is
 * read relaxed, as in weft__spawn_fits: a hint only; the requests themselves
 * are taken with acquire in weft__mpsc_try_recv. */
static inline void weft__answer_thieves(weft__worker *w)
{
    if (atomic_load_explicit(w->hot->reqs, memory_order_relaxed) > 0) weft__handle_requests(w);
    if (w->nwaiting) weft__share_with_children(w);
}

#endif
