/* Running tasks: the slow paths of spawn and sync, the idle loop, detached
 * tasks and the root's quiescence (weft_sync_root). The fast paths are
 * inline in include/weft.h; futures (flowvar/future.c) push and wait through
 * weft__push_detached and weft__work_until_full. */
#include <stdio.h>
#include <stdlib.h>
#include "runtime/instrumentation/symbols.h"
#include "runtime/scheduler/executor.h"
#include "runtime/scheduler/outofline.h"
#include "runtime/scheduler/scope.h"
#include <unistd.h>
#include "runtime/scheduler/worker.h"

static _Noreturn void die(const char *msg)
{
    fprintf(stderr, "weft: %s\n", msg);
    abort();
}

weft__worker *weft__self_or_die(const char *what)
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

/* Delivers a finished task's result to its destination (a frame's
 * weft__frame_dest: nothing for a detached task). */
static void deliver(void *dest, uint32_t notify, const unsigned char *buf)
{
    weft__chanb *ch = weft__dest_chan(dest);
    if (ch == NULL) return;
    if (!weft__chanb_try_send(ch, buf, WEFT_ARGS_MAX))
        die("internal error: result channel already full");
    if (notify) weft__notifier_notify(&weft__rt->workers[notify - 1]->notifier);
}

bool weft__run_top(weft__worker *w)
{
    weft__hot *h = w->hot;
    /* Between tasks, answer thieves and feed waiting children first: a
     * worker draining a deque of detached tasks spawns nothing, so this is
     * the only place it would notice them. */
    weft__answer_thieves(w);
    uint32_t top = weft__deque_reclaim(&w->deque, h->top);
    h->top = top;
    weft__scope_clamp(w, top);
    WEFT__ASSERT_CMP(w->deque.bottom, <=, top);
    /* The newest pending frame: usually the top one, but a frame already run
     * in place (DONE), shipped (STOLEN) or running may sit above it, and a
     * pending frame under it must not be forgotten (with one worker nobody
     * else would ever run it). Nothing below `bottom` is pending. */
    uint32_t k = top;
    while (k > w->deque.bottom && !weft__frame_pending(&h->frames[k - 1])) k--;
    if (k == w->deque.bottom) return false;
    weft__frame *f = &h->frames[k - 1];
    uint64_t t0 = w->trace ? weft__now_ns() : 0;
    unsigned char buf[WEFT_ARGS_MAX] __attribute__((aligned(8)));
    weft_task_fn fn = f->fn;
    bool flowvar = weft__frame_is_flowvar(f);
    void *dest = flowvar ? NULL : weft__frame_dest(f);
    uint32_t notify = flowvar ? 0 : weft__frame_notify(f);
    memcpy(buf, f->buf, WEFT_ARGS_MAX);
    /* Its scope context (scope.h): a lazy frame's from its slot; any other
     * runs in none (a scoped one is wrapped and enters its own). */
    weft__scope_ctx sctx;
    struct weft__scope *scope = flowvar ? weft__scope_of_frame(w, k - 1) : NULL;
    if (k == top && !flowvar) {
        /* A detached frame on top: pop it and run it. */
        h->top = top - 1;
        weft__scope_push(w, &sctx, scope);
        fn(buf);
    } else {
        /* Run it in place, its slot reserved: a flowvar frame keeps its
         * result there for its sync (DONE); a detached frame's slot is
         * reclaimed once the frames above it are gone (CONSUMED). */
        weft__frame_set_state(f, WEFT__ST_RUNNING);
        weft__scope_push(w, &sctx, scope);
        fn(buf);
        if (flowvar) {
            memcpy(f->buf, buf, WEFT_ARGS_MAX);
            weft__frame_set_state(f, WEFT__ST_DONE);
        } else {
            weft__frame_set_state(f, WEFT__ST_CONSUMED);
            w->lingering++;
            weft__update_limit(w);
        }
    }
    weft__scope_pop(w, &sctx);
    w->m.tasks_run++;
    if (w->trace) weft__trace_add(w->trace, WEFT__TR_TASK, (const void *)fn, t0, weft__now_ns());
    if (!flowvar) deliver(dest, notify, buf);
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
    /* acquire: pairs with the release in stop_workers (init.c). A job
     * taken from the executor's queue (executor.h) is work found too. */
    if (weft__receive(w) || atomic_load_explicit(&weft__rt->stop, memory_order_acquire) ||
        weft__exec_take(w)) {
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
        if (may_wait && w->id != 0 && w->nwaiting == w->nchildren &&
            w->backoff.lg_w >= WEFT_BACKOFF_TREE_LG) {
            /* No work anywhere, my whole subtree sleeps, and I have asked
             * long enough (WEFT_BACKOFF_TREE_LG): wait at my parent. Before
             * that, back off below and ask again (steal.pml: the retry). */
            w->req.state = WEFT__REQ_WAITING;
            w->req_out = true;
            weft__send_req_to(w, w->parent, &w->req);
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
            w->m.parks++;
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
    weft__worker *w = weft__self_or_die("WEFT_SPAWN/weft_spawn");
    weft__boxed box;
    if (size > WEFT_ARGS_MAX) weft__args_box(&fn, &args, &size, &box);
    weft__hot *h = w->hot;
    uint32_t top = h->top;
    if (w->lingering) {
        /* Frames synced out of order wait for the frames above them to go;
         * pop what is free now and count what is still buried. */
        top = weft__deque_reclaim(&w->deque, top);
        weft__scope_clamp(w, top);
        uint32_t n = 0;
        for (uint32_t i = w->deque.bottom; i < top; i++)
            n += weft__frame_in(&h->frames[i], WEFT__ST_CONSUMED);
        w->lingering = n;
    }
    if (top >= w->deque.cap) weft__deque_overflow(&w->deque);
    weft__frame_push(&h->frames[top], fn, args, size);
    h->top = top + 1;
    w->m.spawns_slow++;
    weft__handle_requests(w);
    if (w->nwaiting) weft__share_with_children(w);
    weft__update_limit(w);
    return (weft_flowvar){top};
}

void weft__push_detached(weft__worker *w, weft_task_fn fn, const void *args, size_t size,
                         void *dest, uint32_t notify)
{
    weft__boxed box;
    if (size > WEFT_ARGS_MAX) weft__args_box(&fn, &args, &size, &box);
    weft__hot *h = w->hot;
    uint32_t top = h->top;
    if (top >= w->deque.cap) weft__deque_overflow(&w->deque);
    void *wrapped; /* inside a scope: count the task, carry the scope (scope.c) */
    if (weft__scope_current(w)) {
        wrapped = weft__scope_wrap_detached(w, fn, args, size);
        fn = weft__scope_run;
        args = &wrapped;
        size = sizeof wrapped;
    }
    weft__frame *f = &h->frames[top];
    weft__frame_push(f, fn, args, size);
    weft__frame_set_dest(f, dest, notify);
    h->top = top + 1;
    weft__answer_thieves(w);
}

void weft_spawn_detached(weft_task_fn fn, const void *args, size_t size)
{
    weft__worker *w = weft__self_or_die("weft_spawn_detached");
    weft__push_detached(w, fn, args, size, WEFT__DEST_NONE, 0);
}

void weft__work_until_full(weft__worker *w, const weft__chanb *ch)
{
    uint64_t t0 = w->trace ? weft__now_ns() : 0;
    weft__backoff_reset(&w->backoff);
    while (!weft__chanb_is_full(ch)) {
        if (weft__run_top(w)) continue;
        weft__idle_round(w, false, ch);
    }
    if (w->trace) weft__trace_add(w->trace, WEFT__TR_WAIT, NULL, t0, weft__now_ns());
}

/* Where the call that returns to ret lies: "FUNCTION+0xOFF in OBJ+0xOFF"
 * (the function when the object has symbols; the object file and the
 * address addr2line reads in it, PIE or not), into out. */
static void code_site(const void *ret, char *out, size_t outlen)
{
    /* The call's last byte: a return address may already belong to the
     * next line. */
    const void *pc = (const char *)ret - 1;
    char obj[520], fn[200];
    uintptr_t off = 0;
    weft__symbols sym = {0};
    bool named = weft__symbols_lookup(&sym, pc, fn, sizeof fn, &off);
    weft__symbols_close(&sym);
    weft__symbols_site(pc, obj, sizeof obj);
    if (named) snprintf(out, outlen, "%s+%#lx in %s", fn, (unsigned long)off, obj);
    else snprintf(out, outlen, "%s", obj);
}

/* Dies of a misuse found by a sync: msg, then what is known of the flowvar:
 * its task's name (from the typed macros; NULL from the raw weft_sync), the
 * worker, and where the sync is: pc, the address the slow path returns to
 * (in the function that syncs when the sync was inlined there, else in the
 * task's typed sync function), and caller, the typed sync function's own
 * return address (NULL from weft_sync); addr2line -i turns them into lines. */
static _Noreturn void die_sync(const char *msg, const weft__worker *w, const char *task,
                               const void *pc, const void *caller)
{
    char at[800], from[840] = "";
    code_site(pc, at, sizeof at);
    if (caller) {
        char site[800];
        code_site(caller, site, sizeof site);
        snprintf(from, sizeof from, ", called from %s", site);
    }
    char task_part[160] = "";
    if (task) snprintf(task_part, sizeof task_part, " of task '%s'", task);
    fprintf(stderr, "weft: %s: the sync%s on worker %u, at %s%s (addr2line -f -i -e OBJ 0xOFF names the lines)\n",
            msg, task_part, w->id, at, from);
    abort();
}

void *weft__sync_slow(weft_flowvar *fv, const char *task, const void *caller)
{
    const void *pc = __builtin_return_address(0);
    weft__worker *w = weft__self();
    if (w == NULL) {
        char what[200];
        if (task) snprintf(what, sizeof what, "WEFT_SYNC/WEFT_WAIT of task '%s'", task);
        w = weft__self_or_die(task ? what : "WEFT_SYNC/weft_sync");
    }
    weft__hot *h = w->hot;
    uint32_t i = fv->idx;
    if (i == WEFT__SYNCED) die_sync("a flowvar was synced twice", w, task, pc, caller);
    if (i >= h->top)
        die_sync("sync of a flowvar that is not this worker's (or already synced)", w, task, pc, caller);
    weft__frame *f = &h->frames[i];
    fv->idx = WEFT__SYNCED;
    if (weft__frame_pending(f)) {
        if (!weft__frame_is_flowvar(f))
            die_sync("sync of a flowvar whose frame is not a flowvar frame", w, task, pc, caller);
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
            weft__frame_set_state(f, WEFT__ST_RUNNING);
            fn(buf);
            weft__frame_set_state(f, WEFT__ST_CONSUMED);
            w->lingering++;
            weft__update_limit(w);
        }
        /* Not back into the slot: fn may have left a frame there. */
        memcpy(h->result, buf, WEFT_ARGS_MAX);
        return h->result;
    }
    if (weft__frame_in(f, WEFT__ST_STOLEN)) {
        weft__work_until_full(w, weft__frame_chan(f));
        /* work_until_full's acquire load of `full` made the thief's bytes visible. */
    } else if (!weft__frame_in(f, WEFT__ST_DONE)) {
        die_sync("sync of a flowvar whose task is not pending (synced twice?)", w, task, pc, caller);
    }
    weft__frame_set_state(f, WEFT__ST_CONSUMED);
    memcpy(h->result, f->buf, WEFT_ARGS_MAX);
    if (i + 1 == h->top) {
        h->top = weft__deque_reclaim(&w->deque, i + 1);
        weft__scope_clamp(w, h->top);
    } else {
        w->lingering++;
        weft__update_limit(w);
    }
    return h->result;
}

/* The context form's runtime side (weft.h, "context"; the design in
 * docs/architecture.md section 3, "Context tasks"). */

uint32_t weft__ctx_floor(uint32_t floor)
{
    weft__worker *w = weft__self_or_die("a context task (WEFT_CRUN, or one run from the deque)");
    uint32_t saved = w->deque.floor;
    w->deque.floor = floor;
    return saved;
}

uint32_t weft__ctx_reclaim(uint32_t top)
{
    weft__worker *w = weft__self();
    w->hot->top = weft__deque_reclaim(&w->deque, top);
    return w->hot->top;
}

/* A frame pending above floor was left by the code the context called: a
 * detached task or a future, or a batch received while it waited (a batch
 * comes only when nothing in the deque is pending, so it lies above every
 * frame of the contexts that called it). Running them here, newest first,
 * as weft__run_top would later, leaves nothing pending above floor. */
uint32_t weft__ctx_leave(uint32_t floor)
{
    weft__worker *w = weft__self_or_die("a context task (WEFT_CSPAWN/WEFT_CSYNC/WEFT_CTLS)");
    weft__hot *h = w->hot;
    for (;;) {
        uint32_t top = weft__deque_reclaim(&w->deque, h->top);
        h->top = top;
        uint32_t k = top;
        while (k > floor && !weft__frame_pending(&h->frames[k - 1])) k--;
        if (k <= floor) return top;
        /* The newest pending frame is above floor: run_top runs it. */
        weft__run_top(w);
    }
}

weft__ctx_spawned weft__ctx_spawn_slow(weft__frame *c, weft_task_fn fn, const void *args,
                                       size_t size)
{
    weft__hot *h = &weft__tls;
    h->top = (uint32_t)(c - h->frames);
    weft_flowvar fv = weft__spawn_slow(fn, args, size);
    return (weft__ctx_spawned){h->frames + fv.idx, h->frames + h->top};
}

weft__frame *weft__ctx_sync_slow(weft__frame *c, weft__frame *f, void *res, size_t size,
                                 const char *task, const void *caller)
{
    weft__hot *h = &weft__tls;
    uint32_t t = (uint32_t)(c - h->frames);
    weft_flowvar fv = {f ? (uint32_t)(f - h->frames) : WEFT__SYNCED};
    h->top = t;
    void *r = weft__sync_slow(&fv, task, caller);
    /* Out before the settle: the tasks it may run reuse the result buffer. */
    if (res) weft__result_get(res, r, size);
    return h->frames + weft__ctx_leave(t);
}

bool weft_is_ready(const weft_flowvar *fv)
{
    weft__worker *w = weft__self_or_die("weft_is_ready");
    /* An event loop that only polls must still let thieves in: nothing
     * else would answer them while it loops (tests/stress/poll_progress.c). */
    weft__answer_thieves(w);
    if (fv->idx == WEFT__SYNCED) return true;
    if (fv->idx >= w->hot->top) return false;
    weft__frame *f = &w->hot->frames[fv->idx];
    if (weft__frame_pending(f)) return false;
    if (weft__frame_in(f, WEFT__ST_STOLEN)) return weft__chanb_is_full(weft__frame_chan(f));
    return weft__frame_in(f, WEFT__ST_DONE) || weft__frame_in(f, WEFT__ST_CONSUMED);
}

void weft_load_balance(void)
{
    weft__worker *w = weft__self();
    if (w == NULL) return;
    weft__handle_requests(w);
    if (w->nwaiting) weft__share_with_children(w);
    /* Children still asleep at me and nothing of mine to give: a queued job
     * (the root runs a lone job itself, so jobs submitted meanwhile wait
     * for it) goes to them; the push ships it at once. */
    if (w->nwaiting && weft__deque_pending(&w->deque, w->hot->top) == 0) (void)weft__exec_take(w);
}

bool weft_run_one(void)
{
    weft__worker *w = weft__self_or_die("weft_run_one");
    weft__handle_requests(w);
    weft__receive(w);
    return weft__run_top(w);
}

/* Model-checked in verify/steal.pml (docs/verification.md). */
void weft_sync_root(void)
{
    weft__worker *w = weft__self_or_die("weft_sync_root");
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
