/* Scoped barriers: the scope context of the running task (scope.c has the
 * design note; docs/architecture.md, section 13).
 *
 * Every task runs in a scope context: a weft__scope_ctx on the C stack of
 * the worker, linked from w->ctx, naming the innermost weft_scope the task
 * belongs to (or none) and the deque index (`base`) the context began at.
 * Frames pushed while a context is innermost sit at or above its base, so
 * the scope of a pending lazy frame at index i is that of the innermost
 * context whose base is <= i. Owner-only, like the rest of the worker.
 */
#ifndef WEFT_RUNTIME_SCOPE_H
#define WEFT_RUNTIME_SCOPE_H

#include "runtime/scheduler/worker.h"

typedef struct weft__scope_ctx {
    struct weft__scope *scope;    /* NULL: tasks of this context belong to no scope */
    uint32_t base;                /* w's deque top when the context began */
    struct weft__scope_ctx *prev; /* the context this one interrupted */
} weft__scope_ctx;

/* Enters a context of scope s (may be NULL) on w; leave it with
 * weft__scope_pop, in reverse order. */
static inline void weft__scope_push(weft__worker *w, weft__scope_ctx *c, struct weft__scope *s)
{
    c->scope = s;
    c->base = w->hot->top;
    c->prev = w->ctx;
    w->ctx = c;
}

static inline void weft__scope_pop(weft__worker *w, weft__scope_ctx *c) { w->ctx = c->prev; }

/* w's deque top has just come down to t (reclaimed CONSUMED frames): a
 * context that began above t owns none of the frames left, and the next
 * frames pushed at t belong to the innermost context, so bring every base
 * above t down to t. Called after each weft__deque_reclaim of run.c. (The
 * inline sync's pop of the top frame is not followed: a lazy task spawned
 * before a context began and synced in it pushes its own lazy children as
 * its spawner's context's.) */
static inline void weft__scope_clamp(weft__worker *w, uint32_t t)
{
    for (weft__scope_ctx *c = w->ctx; c && c->base > t; c = c->prev) c->base = t;
}

/* The scope a task spawned now on w belongs to, or NULL. */
static inline struct weft__scope *weft__scope_current(const weft__worker *w)
{
    return w->ctx ? w->ctx->scope : NULL;
}

/* The scope of the lazy frame at index i of w's deque (spawned on w), or
 * NULL. */
struct weft__scope *weft__scope_of_frame(const weft__worker *w, uint32_t i);

/* A detached frame (detached task, future, awaitable loop) is being pushed on
 * w while weft__scope_current(w) is not NULL: counts it in that scope and
 * returns a pool block holding fn, the args and the scope; the caller
 * pushes weft__scope_run with the block's address as its 8 argument bytes
 * instead. */
void *weft__scope_wrap_detached(weft__worker *w, weft_task_fn fn, const void *args, size_t size);

/* Counts one more task in scope s (not NULL) for a task that carries s
 * itself instead of a wrapped frame (dataflow events, flow.c: from the spawn
 * on events until the task has run), on the worker where it was spawned in
 * s; weft__scope_release drops the count, on any worker, once the task has
 * finished (after its last write). */
void weft__scope_hold(struct weft__scope *s);
void weft__scope_release(struct weft__scope *s);

/* The task of a wrapped frame: runs the wrapped fn in the block's scope with
 * the wrapped arguments in buf (so its result lands in buf), frees the
 * block and, for a counted (detached) frame, releases the scope. */
void weft__scope_run(void *buf);

/* ship(): the batch first.. leaves w; each lazy frame of it (idx !=
 * WEFT__SHIPPED_NOT_LAZY) that belongs to a scope is wrapped (not counted:
 * its spawner syncs it inside the scope), so that it runs in its scope on
 * the thief. */
void weft__scope_wrap_batch(weft__worker *w, weft__shipped *first);

#endif
