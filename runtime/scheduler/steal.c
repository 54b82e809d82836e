/* Work requesting: thieves send steal requests, victims answer them.
 *
 * A thief sends its one request to a random victim. A victim with pending
 * frames ships one (or half) of its oldest into the thief's mailbox; a victim
 * without work relays the request to a random victim the request has not
 * tried; once every other worker was tried it goes back to the thief, which
 * reads that as "no work anywhere I asked". A request marked WAITING is a
 * child in the worker tree going to sleep: its parent keeps it and shares
 * work with that child as soon as it has some (docs/architecture.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include "runtime/scheduler/scope.h"
#include "runtime/scheduler/worker.h"

static void *block_alloc(void *ctx) { return weft__pool_alloc((weft__pool *)ctx); }

void weft__send_req_to(weft__worker *w, uint32_t victim, weft__steal_req *r)
{
    weft__worker *v = weft__rt->workers[victim];
    /* The thief's mailbox is empty when its request leaves: whoever holds
     * the request is the only one who may fill it (ship). */
    if (r == &w->req) WEFT__ASSERT_CMP(weft__chanp_is_full(&w->mailbox), ==, false);
    weft__req_hand_off(w, r);
    weft__mpsc_send(&v->requests, &r->node);
    /* The victim may be parked: notify() after the send (its Dekker pair is
     * the victim's prepare_park before it re-checks its channel). */
    weft__notifier_notify(&v->notifier);
}

void weft__update_limit(weft__worker *w)
{
    w->hot->limit = (w->nwaiting || w->lingering) ? 0 : w->deque.cap;
    w->hot->end = w->hot->frames + w->hot->limit;
}

/* Ships up to max of w's oldest pending frames to r's thief, answering r.
 * r must not be touched after this returns true (the thief owns it again
 * once the mailbox send is visible); after false w still holds it. */
static bool ship(weft__worker *w, weft__steal_req *r, uint32_t max)
{
    weft__shipped *first;
    uint32_t n = weft__deque_steal(&w->deque, w->hot->top, max, w->id, block_alloc, &w->pool, &first);
    if (n == 0) return false;
    if (w->ctx) weft__scope_wrap_batch(w, first); /* lazy frames keep their scope */
    weft__ship_batch(w, r, first, n);
    return true;
}

void weft__ship_batch(weft__worker *w, weft__steal_req *r, weft__shipped *first, uint32_t n)
{
    uint32_t to = r->thief;
    weft__worker *t = weft__rt->workers[to];
    weft__req_hand_off(w, r);
    if (!weft__chanp_try_send(&t->mailbox, first)) {
        /* A thief has one request out and empties its mailbox before it
         * sends the next, so the slot is always free here. */
        fprintf(stderr, "weft: internal error: mailbox of worker %u full\n", to);
        abort();
    }
    weft__notifier_notify(&t->notifier);
    w->m.tasks_shipped += n;
}

static uint32_t share_of(weft__worker *w, bool half)
{
    if (!half) return 1;
    uint32_t p = weft__deque_pending(&w->deque, w->hot->top);
    return (p + 1) / 2;
}

void weft__share_with_children(weft__worker *w)
{
    while (w->nwaiting > 0) {
        weft__steal_req *r = w->waiting[w->nwaiting - 1];
        if (!ship(w, r, share_of(w, true)) && !weft__loop_split(w, r)) break;
        w->nwaiting--;
        w->m.shared++;
    }
    weft__update_limit(w);
}

/* Model-checked in verify/steal.pml (docs/verification.md). */
static void relay_or_return(weft__worker *w, weft__steal_req *r)
{
    weft__sparseset_remove(&r->untried, w->id);
    if (weft__sparseset_len(&r->untried) == 0) {
        w->m.reqs_declined++;
        weft__send_req_to(w, r->thief, r);
        return;
    }
    uint32_t v = weft__sparseset_pick(&r->untried, &w->rng);
    weft__sparseset_remove(&r->untried, v);
    w->m.reqs_relayed++;
    weft__send_req_to(w, v, r);
}

/* Model-checked in verify/steal.pml (docs/verification.md). */
uint32_t weft__handle_requests(weft__worker *w)
{
    weft__mpsc_node *node;
    uint32_t n = 0;
    while ((node = weft__mpsc_try_recv(&w->requests)) != NULL) {
        n++;
        weft__steal_req *r = (weft__steal_req *)node;
        weft__req_take(w, r);
        if (r->thief == w->id) {
            /* My own request, back from its round: nobody had work. */
            w->req_out = false;
            w->req_back = true;
            continue;
        }
        if (r->state == WEFT__REQ_WAITING) {
            /* A child going to sleep: keep its request, share when I can. */
            WEFT__ASSERT_CMP(w->nwaiting, <, w->nchildren);
            w->waiting[w->nwaiting++] = r;
            weft__share_with_children(w);
            continue;
        }
        /* Pending frames first; else a split of a loop running here. */
        if (ship(w, r, share_of(w, r->half)) || weft__loop_split(w, r)) {
            w->m.reqs_answered++;
            continue;
        }
        relay_or_return(w, r);
    }
    return n;
}

void weft__send_request(weft__worker *w)
{
    weft__steal_req *r = &w->req;
    weft__theft_done(w);
    uint32_t n = weft__rt->n;
    r->thief = w->id;
    r->state = WEFT__REQ_STEALING;
    r->half = w->steal_half;
    weft__sparseset_fill(&r->untried, n);
    weft__sparseset_remove(&r->untried, w->id);
    w->req_out = true;
    if (weft__sparseset_len(&r->untried) == 0) { /* alone: nobody to ask */
        w->req_out = false;
        w->req_back = true;
        return;
    }
    uint32_t v = weft__sparseset_pick(&r->untried, &w->rng);
    weft__sparseset_remove(&r->untried, v);
    w->m.reqs_sent++;
    weft__send_req_to(w, v, r);
}

/* Adaptive stealing: every 25 thefts, look at how long the work of a theft
 * kept this worker busy on average (from the batch's arrival to the next
 * steal request; the wait for an answer does not count). Thefts that run dry
 * within WEFT__ADAPT_SHORT_NS mean tasks are short next to a request's round
 * trip (which is long when the victim is busy in code that does not poll):
 * ask for half of the victim's tasks; otherwise ask for one. (Weave counts
 * tasks run per theft; our inline syncs run tasks without the scheduler
 * seeing them, so busy time stands in for the count.) */
#define WEFT__ADAPT_WINDOW 25
#define WEFT__ADAPT_SHORT_NS 200000u

void weft__theft_done(weft__worker *w)
{
    if (w->theft_t0 == 0) return;
    w->theft_busy_ns += weft__now_ns() - w->theft_t0;
    w->theft_t0 = 0;
}

static void adapt(weft__worker *w)
{
    w->theft_t0 = weft__now_ns();
    if (++w->window_thefts < WEFT__ADAPT_WINDOW) return;
    w->steal_half = w->theft_busy_ns / WEFT__ADAPT_WINDOW < WEFT__ADAPT_SHORT_NS;
    w->window_thefts = 0;
    w->theft_busy_ns = 0;
}

bool weft__receive(weft__worker *w)
{
    weft__shipped *s = weft__chanp_try_recv(&w->mailbox);
    if (s == NULL) return false;
    /* The batch answers my request (mine again) or shares with me as a
     * waiting child; either way nothing of mine is away any more. */
    weft__req_take(w, &w->req);
    w->req_out = false;
    w->req_back = false;
    weft__backoff_reset(&w->backoff); /* work came: idle rounds start over */
    w->m.thefts++;
    w->m.thefts_half += w->req.half;
    w->hot->top = weft__deque_splice(&w->deque, w->hot->top, s);
    while (s) {
        weft__shipped *next = s->next;
        weft__pool_free(&w->pool, s);
        s = next;
    }
    adapt(w);
    if (w->nwaiting) weft__share_with_children(w);
    return true;
}
