/* Running tasks: the slow paths of spawn and sync, the idle loop, detached
 * tasks, futures and the root's quiescence (weft_sync_root). The fast paths
 * are inline in include/weft.h. */
#include <stdio.h>
#include <stdlib.h>
#include "runtime/scheduler/worker.h"

enum { WEFT__TR_TASK = 0, WEFT__TR_WAIT = 1 };

static _Noreturn void die(const char *msg)
{
    fprintf(stderr, "weft: %s\n", msg);
    abort();
}

static weft__worker *self_or_die(const char *what)
{
    weft__worker *w = weft__self();
    if (w == NULL) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s called %s", what,
                 weft__rt ? "from a thread that is not a weft worker" : "before weft_init");
        die(msg);
    }
    return w;
}

/* Delivers a finished detached task's result to its destination. */
static void deliver(void *dest, uint32_t notify, const unsigned char *buf)
{
    if (dest == WEFT__DEST_NONE) return;
    if (!weft__chanb_try_send((weft__chanb *)dest, buf, WEFT_ARGS_MAX))
        die("internal error: result channel already full");
    if (notify) weft__notifier_notify(&weft__rt->workers[notify - 1]->notifier);
}

bool weft__run_top(weft__worker *w)
{
    weft__hot *h = w->hot;
    /* Between tasks, answer thieves and feed waiting children first: a
     * worker draining a deque of detached tasks spawns nothing, so this is
     * the only place it would notice them. relaxed: a hint, as in weft_spawn. */
    if (atomic_load_explicit(h->reqs, memory_order_relaxed) > 0) weft__handle_requests(w);
    if (w->nwaiting) weft__share_with_children(w);
    uint32_t top = weft__deque_reclaim(&w->deque, h->top);
    h->top = top;
    /* The newest pending frame: usually the top one, but a frame already run
     * in place (DONE), shipped (STOLEN) or running may sit above it, and a
     * pending frame under it must not be forgotten (with one worker nobody
     * else would ever run it). Nothing below `bottom` is pending. */
    uint32_t k = top;
    while (k > w->deque.bottom && h->frames[k - 1].fn == NULL) k--;
    if (k == w->deque.bottom) return false;
    weft__frame *f = &h->frames[k - 1];
    uint64_t t0 = w->trace ? weft__now_ns() : 0;
    unsigned char buf[WEFT_ARGS_MAX] __attribute__((aligned(8)));
    weft_task_fn fn = f->fn;
    void *dest = f->dest;
    uint32_t notify = f->len;
    memcpy(buf, f->buf, WEFT_ARGS_MAX);
    if (k == top && dest != NULL) {
        /* A detached frame on top: pop it and run it. */
        h->top = top - 1;
        fn(buf);
    } else {
        /* Run it in place, its slot reserved: a flowvar frame keeps its
         * result there for its sync (DONE); a detached frame's slot is
         * reclaimed once the frames above it are gone (CONSUMED). */
        f->fn = NULL;
        f->dest = WEFT__ST_RUNNING;
        fn(buf);
        if (dest == NULL) {
            memcpy(f->buf, buf, WEFT_ARGS_MAX);
            f->dest = WEFT__ST_DONE;
        } else {
            f->dest = WEFT__ST_CONSUMED;
            w->lingering++;
            weft__update_limit(w);
        }
    }
    w->m.tasks_run++;
    if (w->trace) weft__trace_add(w, WEFT__TR_TASK, t0, weft__now_ns());
    if (dest != NULL) deliver(dest, notify, buf);
    return true;
}

/* Model-checked in verify/steal.pml (docs/verification.md). */
void weft__idle_round(weft__worker *w, bool may_wait, const weft__chanb *watch)
{
    uint32_t ticket = weft__notifier_prepare_park(&w->notifier);
    /* Re-check what the caller waits for after registering: a result
     * delivered (and notified) just before prepare_park would otherwise be
     * slept through. Pairs with the send-then-notify in deliver(): either
     * this acquire load sees full, or the notify's epoch bump comes after
     * our ticket and the park returns at once. */
    if (watch && weft__chanb_is_full(watch)) {
        weft__notifier_cancel_park(&w->notifier);
        return;
    }
    /* Requests taken after registering may change what the caller waits
     * for (a child now waiting completes weft_sync_root's quiescence; my own
     * request came back): return so that the caller looks again, rather
     * than park on a condition that no later notify will announce. */
    uint32_t handled = weft__handle_requests(w);
    /* acquire: pairs with the release in weft_exit. */
    if (weft__receive(w) || atomic_load_explicit(&weft__rt->stop, memory_order_acquire)) {
        weft__notifier_cancel_park(&w->notifier);
        weft__backoff_reset(&w->backoff);
        return;
    }
    if (handled) { /* no work came; keep the backoff growing */
        weft__notifier_cancel_park(&w->notifier);
        return;
    }
    if (w->req_out && w->req.state == WEFT__REQ_WAITING) {
        /* Asleep at my parent until it shares work (or weft_exit). */
        w->m.parks++;
        weft__notifier_park(&w->notifier, ticket);
        return;
    }
    if (w->req_back) {
        w->req_back = false;
        if (may_wait && w->id != 0 && w->nwaiting == w->nchildren) {
            /* No work anywhere and my whole subtree sleeps: wait at my parent. */
            w->req.state = WEFT__REQ_WAITING;
            w->req_out = true;
            weft__send_req_to(w->parent, &w->req);
            w->m.parks++;
            weft__notifier_park(&w->notifier, ticket);
            return;
        }
        /* Otherwise back off before asking again (next round). Never park
         * with no request out, though: the holder of a request is who wakes
         * a parked thief (with work, or by returning it). So once the window
         * is at the park size, wait one whole window, timed, and ask again:
         * one round per ~16 ms while work runs elsewhere in code that does
         * not poll, never endless sleep while a victim fills up. */
        if (w->backoff.lg_w + 1 >= WEFT_BACKOFF_PARK_LG) {
            weft__notifier_park_timeout(&w->notifier, ticket,
                                        (uint64_t)WEFT_BACKOFF_SLOT_NS << WEFT_BACKOFF_PARK_LG);
            return;
        }
    } else if (!w->req_out) {
        weft__send_request(w);
        if (w->req_out) {
            weft__notifier_cancel_park(&w->notifier);
            return; /* poll for the answer before any waiting */
        }
    }
    /* Here my request is out, or the window is below the park size: a park
     * at the end of this wait is announced by whoever holds the request. */
    if (weft__backoff_wait(&w->backoff, &w->rng, &w->notifier, ticket)) w->m.parks++;
}

weft_flowvar weft__spawn_slow(weft_task_fn fn, const void *args, size_t size)
{
    weft__worker *w = self_or_die("WEFT_SPAWN/weft_spawn");
    if (size > WEFT_ARGS_MAX) die("task arguments exceed WEFT_ARGS_MAX bytes");
    weft__hot *h = w->hot;
    uint32_t top = h->top;
    if (w->lingering) {
        /* Frames synced out of order wait for the frames above them to go;
         * pop what is free now and count what is still buried. */
        top = weft__deque_reclaim(&w->deque, top);
        uint32_t n = 0;
        for (uint32_t i = w->deque.bottom; i < top; i++)
            n += h->frames[i].fn == NULL && h->frames[i].dest == WEFT__ST_CONSUMED;
        w->lingering = n;
    }
    if (top >= w->deque.cap) die("task deque overflow; raise WEFT_DEQUE_FRAMES");
    weft__frame *f = &h->frames[top];
    f->fn = fn;
    f->dest = NULL;
    if (size) memcpy(f->buf, args, size); /* args may be NULL when size is 0 */
    h->top = top + 1;
    w->m.spawns_slow++;
    weft__handle_requests(w);
    if (w->nwaiting) weft__share_with_children(w);
    weft__update_limit(w);
    return (weft_flowvar){top};
}

static void push_detached(weft__worker *w, weft_task_fn fn, const void *args, size_t size,
                          void *dest, uint32_t notify)
{
    if (size > WEFT_ARGS_MAX) die("task arguments exceed WEFT_ARGS_MAX bytes");
    weft__hot *h = w->hot;
    uint32_t top = h->top;
    if (top >= w->deque.cap) die("task deque overflow; raise WEFT_DEQUE_FRAMES");
    weft__frame *f = &h->frames[top];
    f->fn = fn;
    f->dest = dest;
    f->len = notify;
    if (size) memcpy(f->buf, args, size); /* args may be NULL when size is 0 */
    h->top = top + 1;
    /* relaxed: a hint, as in weft_spawn. */
    if (atomic_load_explicit(h->reqs, memory_order_relaxed) > 0) weft__handle_requests(w);
    if (w->nwaiting) weft__share_with_children(w);
}

void weft_spawn_detached(weft_task_fn fn, const void *args, size_t size)
{
    weft__worker *w = self_or_die("weft_spawn_detached");
    push_detached(w, fn, args, size, WEFT__DEST_NONE, 0);
}

/* Keeps w busy (its own detached tasks, answering thieves, stealing) until
 * the channel ch holds a result. */
static void work_until_full(weft__worker *w, const weft__chanb *ch)
{
    uint64_t t0 = w->trace ? weft__now_ns() : 0;
    weft__backoff_reset(&w->backoff);
    while (!weft__chanb_is_full(ch)) {
        if (weft__run_top(w)) continue;
        weft__idle_round(w, false, ch);
    }
    if (w->trace) weft__trace_add(w, WEFT__TR_WAIT, t0, weft__now_ns());
}

void *weft__sync_slow(weft_flowvar *fv)
{
    weft__worker *w = self_or_die("WEFT_SYNC/weft_sync");
    weft__hot *h = w->hot;
    uint32_t i = fv->idx;
    if (i == WEFT__SYNCED) die("a flowvar was synced twice");
    if (i >= h->top) die("sync of a flowvar that is not this worker's (or already synced)");
    weft__frame *f = &h->frames[i];
    fv->idx = WEFT__SYNCED;
    if (f->fn != NULL) {
        if (f->dest != NULL) die("sync of a flowvar whose frame is not a flowvar frame");
        /* A local buffer: fn's own syncs reuse h->result. */
        unsigned char buf[WEFT_ARGS_MAX] __attribute__((aligned(8)));
        weft_task_fn fn = f->fn;
        memcpy(buf, f->buf, WEFT_ARGS_MAX);
        if (i + 1 == h->top) {
            h->top = i;
            fn(buf);
        } else {
            /* Synced out of order: run it in place; its slot is reclaimed
             * once the frames above it are gone. */
            f->fn = NULL;
            f->dest = WEFT__ST_RUNNING;
            fn(buf);
            f->dest = WEFT__ST_CONSUMED;
            w->lingering++;
            weft__update_limit(w);
        }
        /* Not back into the slot: fn may have left a frame there. */
        memcpy(h->result, buf, WEFT_ARGS_MAX);
        return h->result;
    }
    if (f->dest == WEFT__ST_STOLEN) {
        work_until_full(w, weft__frame_chan(f));
        /* work_until_full's acquire load of `full` made the thief's bytes visible. */
    } else if (f->dest != WEFT__ST_DONE) {
        die("sync of a flowvar whose task is not pending (synced twice?)");
    }
    f->dest = WEFT__ST_CONSUMED;
    memcpy(h->result, f->buf, WEFT_ARGS_MAX);
    if (i + 1 == h->top) {
        h->top = weft__deque_reclaim(&w->deque, i + 1);
    } else {
        w->lingering++;
        weft__update_limit(w);
    }
    return h->result;
}

bool weft_is_ready(const weft_flowvar *fv)
{
    weft__worker *w = self_or_die("weft_is_ready");
    if (fv->idx == WEFT__SYNCED) return true;
    if (fv->idx >= w->hot->top) return false;
    weft__frame *f = &w->hot->frames[fv->idx];
    if (f->fn != NULL) return false;
    if (f->dest == WEFT__ST_STOLEN) return weft__chanb_is_full(weft__frame_chan(f));
    return f->dest == WEFT__ST_DONE || f->dest == WEFT__ST_CONSUMED;
}

void weft_load_balance(void)
{
    weft__worker *w = weft__self();
    if (w == NULL) return;
    weft__handle_requests(w);
    if (w->nwaiting) weft__share_with_children(w);
}

bool weft_run_one(void)
{
    weft__worker *w = self_or_die("weft_run_one");
    weft__handle_requests(w);
    weft__receive(w);
    return weft__run_top(w);
}

/* Model-checked in verify/steal.pml (docs/verification.md). */
void weft_sync_root(void)
{
    weft__worker *w = self_or_die("weft_sync_root");
    if (w->id != 0) die("weft_sync_root called from a worker other than the root");
    weft__backoff_reset(&w->backoff);
    for (;;) {
        if (weft__run_top(w)) continue;
        weft__handle_requests(w);
        if (weft__receive(w)) continue;
        /* Quiescent: nothing left here, and both subtrees asleep (a child
         * waits only once its own children wait, and only after its own
         * request came back from everyone). */
        if (w->nwaiting == w->nchildren && weft__deque_pending(&w->deque, w->hot->top) == 0)
            return;
        weft__idle_round(w, false, NULL);
    }
}

/* ---- futures ---- */

struct weft_future {
    uint32_t owner;                 /* worker that spawned it */
    uint32_t pad;
    weft__chanb ch;                 /* the result channel... */
    unsigned char room[WEFT_ARGS_MAX]; /* ...and its bytes */
};
_Static_assert(sizeof(struct weft_future) <= WEFT_POOL_BLOCK_SIZE, "future fits a pool block");

weft_future *weft_spawn_future(weft_task_fn fn, const void *args, size_t size)
{
    weft__worker *w = self_or_die("weft_spawn_future");
    weft_future *fut = weft__pool_alloc(&w->pool);
    fut->owner = w->id;
    weft__chanb_init(&fut->ch);
    push_detached(w, fn, args, size, &fut->ch, w->id + 1);
    return fut;
}

bool weft_future_ready(const weft_future *fut)
{
    return weft__chanb_is_full(&fut->ch);
}

void weft_future_get(weft_future *fut, void *out, size_t size)
{
    weft__worker *w = weft__self();
    if (w) {
        work_until_full(w, &fut->ch);
    } else {
        /* A foreign thread: timed backoff sleeps only (capped below the
         * park level, since no worker knows to notify this thread). */
        weft__backoff b;
        weft__rng r;
        weft__notifier n;
        weft__backoff_reset(&b);
        weft__rng_seed(&r, (uint64_t)(uintptr_t)fut);
        weft__notifier_init(&n);
        while (!weft__chanb_is_full(&fut->ch)) {
            if (b.lg_w + 1 >= WEFT_BACKOFF_PARK_LG) b.lg_w = WEFT_BACKOFF_PARK_LG - 2;
            weft__backoff_wait(&b, &r, &n, weft__notifier_prepare_park(&n));
        }
    }
    if (out) memcpy(out, fut->ch.buf, size < WEFT_ARGS_MAX ? size : WEFT_ARGS_MAX);
}

void weft_future_free(weft_future *fut)
{
    weft__worker *w = weft__self();
    weft__pool_free(w ? &w->pool : NULL, fut);
}
