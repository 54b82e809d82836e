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
} weft__runtime;

extern weft__runtime *weft__rt;

/* scheduler/steal.c */
/* Takes every steal request waiting for w: answers, relays, returns or keeps
 * (a waiting child) each. Returns how many it took. */
uint32_t weft__handle_requests(weft__worker *w);
bool weft__receive(weft__worker *w);
void weft__send_request(weft__worker *w);
void weft__share_with_children(weft__worker *w);
void weft__update_limit(weft__worker *w);
void weft__theft_done(weft__worker *w);
void weft__send_req_to(uint32_t victim, weft__steal_req *r);

/* scheduler/run.c */
void weft__run_popped(weft__worker *w, uint32_t i);
bool weft__run_top(weft__worker *w);
/* One idle round: answer thieves, take delivered work, ask for work, then
 * back off or park. may_wait: this worker may go WAITING at its parent (only
 * from the workers' loop). watch: a result channel the caller waits on (or
 * NULL), re-checked after registering on the notifier. */
void weft__idle_round(weft__worker *w, bool may_wait, const weft__chanb *watch);

static inline weft__worker *weft__self(void) { return weft__tls.self; }

#endif
