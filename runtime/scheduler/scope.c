/* Scoped barriers: weft_scope_begin/end (the contract is in include/weft.h;
 * docs/architecture.md, section 13, has the whole story).
 *
 * A scope counts the detached frames (detached tasks, futures, awaitable
 * loops) pushed inside it, wherever they run, plus one hold of its own until
 * weft_scope_end. Lazy frames (flowvars, loop splits) are not counted: their
 * spawner joins them before it returns, so they end inside the scope anyway;
 * they only carry the scope, so that what *they* push is counted too.
 *
 * How a task knows its scope: the scope context (scope.h). A detached frame
 * pushed inside a scope is wrapped: its fn and arguments move into a pool
 * block with the scope, and the frame runs weft__scope_run, which enters the
 * scope's context on whichever worker runs it. A lazy frame stays as it is
 * in its owner's deque (its scope is found from its slot); when it is
 * shipped, ship() wraps it the same way, uncounted. Loop splits carry their
 * loop's scope in the loop's descriptor (loop.c).
 *
 * Memory order of the count: increments are relaxed (weft__scope_wrap_detached):
 * each happens on the worker of a task that is itself counted or is the
 * owner before its release, so it precedes that task's decrement in the
 * count's modification order. Decrements are acq_rel fetch_subs, so the one
 * that reaches zero has seen every finished task's writes (a release
 * sequence through the RMWs); it then publishes them with the release store
 * of the `done` channel, which pairs with the acquire load in the owner's
 * weft__work_until_full.
 */
#include <stdio.h>
#include <stdlib.h>
#include "runtime/scheduler/scope.h"

struct weft__scope {
    _Atomic int64_t pending;      /* counted frames not finished, + 1 until end */
    uint32_t owner;               /* the worker that began it (waits in end) */
    weft__scope_ctx node;         /* the context begin entered */
    weft__chanb done;             /* sent (no bytes) when pending reaches 0 */
};
_Static_assert(sizeof(struct weft__scope) <= sizeof(weft_scope), "weft_scope holds a scope");
_Static_assert(_Alignof(struct weft__scope) <= _Alignof(weft_scope), "weft_scope's alignment");

/* A wrapped frame (a pool block of the worker that wrapped it). */
typedef struct weft__scoped {
    struct weft__scope *scope;
    weft_task_fn fn;
    bool counted;                 /* a detached frame: release the scope after */
    _Alignas(8) unsigned char args[WEFT_ARGS_MAX];
} weft__scoped;
_Static_assert(sizeof(weft__scoped) <= WEFT_POOL_BLOCK_SIZE, "a wrapped frame fits a pool block");

static _Noreturn void die(const char *msg)
{
    fprintf(stderr, "weft: %s\n", msg);
    abort();
}

struct weft__scope *weft__scope_of_frame(const weft__worker *w, uint32_t i)
{
    for (const weft__scope_ctx *c = w->ctx; c; c = c->prev)
        if (c->base <= i) return c->scope;
    return NULL;
}

static void release(struct weft__scope *s)
{
    /* Read before the count may reach 0: the owner may return from
     * weft_scope_end (and its stack frame end) as soon as `done` is sent. */
    uint32_t owner = s->owner;
    /* acq_rel; see the note at the top (pairs with every other decrement,
     * and, through `done`, with the owner's acquire). */
    int64_t was = atomic_fetch_sub_explicit(&s->pending, 1, memory_order_acq_rel);
    if (was > 1) return;
    if (was < 1) die("a scope was released more often than counted (a task of it outlived its end?)");
    static const unsigned char nothing = 0;
    if (!weft__chanb_try_send(&s->done, &nothing, 0)) die("internal error: scope completed twice");
    weft__notifier_notify(&weft__rt->workers[owner]->notifier);
}

static weft__scoped *wrap(weft__worker *w, struct weft__scope *s, weft_task_fn fn, const void *args,
                          size_t size, bool counted)
{
    weft__scoped *b = weft__pool_alloc(&w->pool);
    b->scope = s;
    b->fn = fn;
    b->counted = counted;
    memset(b->args, 0, WEFT_ARGS_MAX);
    if (size) memcpy(b->args, args, size);
    return b;
}

void weft__scope_hold(struct weft__scope *s)
{
    /* relaxed; see the note at the top (the holder's release comes after). */
    atomic_fetch_add_explicit(&s->pending, 1, memory_order_relaxed);
}

void weft__scope_release(struct weft__scope *s) { release(s); }

void *weft__scope_wrap_detached(weft__worker *w, weft_task_fn fn, const void *args, size_t size)
{
    struct weft__scope *s = weft__scope_current(w);
    /* relaxed; see the note at the top. */
    atomic_fetch_add_explicit(&s->pending, 1, memory_order_relaxed);
    return wrap(w, s, fn, args, size, true);
}

void weft__scope_run(void *buf)
{
    weft__scoped *b;
    memcpy(&b, buf, sizeof b);
    weft__worker *w = weft__self();
    struct weft__scope *s = b->scope;
    weft_task_fn fn = b->fn;
    bool counted = b->counted;
    memcpy(buf, b->args, WEFT_ARGS_MAX);
    weft__pool_free(&w->pool, b);
    weft__scope_ctx ctx;
    weft__scope_push(w, &ctx, s);
    fn(buf);
    weft__scope_pop(w, &ctx);
    if (counted) release(s);
}

void weft__scope_wrap_batch(weft__worker *w, weft__shipped *first)
{
    for (weft__shipped *b = first; b; b = b->next) {
        if (b->idx == WEFT__SHIPPED_NOT_LAZY) continue;
        struct weft__scope *s = weft__scope_of_frame(w, b->idx);
        if (s == NULL) continue;
        weft__scoped *x = wrap(w, s, b->fn, b->buf, WEFT_ARGS_MAX, false);
        b->fn = weft__scope_run;
        memset(b->buf, 0, WEFT_ARGS_MAX);
        memcpy(b->buf, &x, sizeof x);
    }
}

void weft_scope_begin(weft_scope *scope)
{
    weft__worker *w = weft__self_or_die("weft_scope_begin");
    struct weft__scope *s = (struct weft__scope *)(void *)scope;
    atomic_init(&s->pending, 1);
    s->owner = w->id;
    weft__chanb_init(&s->done);
    weft__scope_push(w, &s->node, s);
}

void weft_scope_end(weft_scope *scope)
{
    weft__worker *w = weft__self_or_die("weft_scope_end");
    struct weft__scope *s = (struct weft__scope *)(void *)scope;
    if (w->ctx != &s->node)
        die("weft_scope_end of a scope that is not the innermost one begun on this worker");
    weft__scope_pop(w, &s->node);
    release(s);
    /* Acquire (weft__chanb_is_full); pairs with the release of `done` in
     * release(): every counted task's writes are visible after. */
    weft__work_until_full(w, &s->done);
}
