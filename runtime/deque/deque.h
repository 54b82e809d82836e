/* The private per-worker task deque: an array of 64-byte task frames that
 * only its owner ever touches (so: no atomics, no locks).
 *
 *   frames[0 .. bottom)        no pending frame below bottom
 *   frames[bottom .. top)      pending frames, and frames no longer pending
 *                              whose slot is still reserved (see below)
 *   frames[top]                where the next spawn writes
 *
 * The owner pushes and pops at the head (`top`, LIFO), inline in weft.h for
 * spawn and sync. Answering a thief, it takes the oldest pending frames from
 * the tail (`bottom`): one, or half of them. A shipped frame's slot stays
 * reserved until its flowvar is synced, because the thief sends the result
 * back into that slot (its `full`/`buf` are an inline-bytes SPSC channel);
 * so a lazy flowvar needs no allocation, ever (Lace keeps stolen frames in
 * place the same way).
 *
 * A frame is pending while fn != NULL. Otherwise `dest` says what it is
 * (read and set only through the accessors below):
 *   WEFT__ST_STOLEN    shipped; the result arrives in full/buf
 *   WEFT__ST_RUNNING   running in place (synced out of order)
 *   WEFT__ST_DONE      run in place by the scheduler; the result waits in buf
 *                      for its sync
 *   WEFT__ST_CONSUMED  synced or shipped-and-forgotten: reclaimable once on top
 * A pending frame's dest says where its result goes:
 *   NULL               a flowvar frame: the result stays in the slot
 *   WEFT__DEST_NONE    a detached task: no result
 *   other              a weft__chanb (a future, or a victim's frame) to send
 *                      the result into; then `len` holds the worker to notify + 1
 */
#ifndef WEFT_RUNTIME_DEQUE_H
#define WEFT_RUNTIME_DEQUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <weft.h>
#include "flowvar/chan.h"

#define WEFT__DEST_NONE    ((void *)1)
#define WEFT__ST_STOLEN    ((void *)2)
#define WEFT__ST_RUNNING   ((void *)3)
#define WEFT__ST_CONSUMED  ((void *)4)
#define WEFT__ST_DONE      ((void *)5)

/* ---- a frame's overloaded fields: read and written only through these ----
 * (weft.h writes a new pending flowvar frame with weft__frame_push, and its
 * inline sync tests weft__sync_pops; everything else goes through here.) */

/* True while the frame's task has not started (nor been shipped). */
static inline bool weft__frame_pending(const weft__frame *f) { return f->fn != NULL; }

/* A pending frame: true when it is a flowvar frame (its result stays in the
 * slot for the flowvar's sync); false when it carries a destination. */
static inline bool weft__frame_is_flowvar(const weft__frame *f) { return f->dest == NULL; }

/* A pending frame that is not a flowvar frame: its destination as it travels
 * (WEFT__DEST_NONE, or the weft__chanb its result is sent into). */
static inline void *weft__frame_dest(const weft__frame *f) { return f->dest; }

/* The worker to notify when the result of a pending frame that is not a
 * flowvar frame has been delivered, plus 1; 0 for a detached task. */
static inline uint32_t weft__frame_notify(const weft__frame *f)
{
    return f->dest == WEFT__DEST_NONE ? 0 : f->len;
}

/* Makes a pending frame one that is not a flowvar frame: dest is
 * WEFT__DEST_NONE (notify 0) or a weft__chanb, notify the worker to wake on
 * delivery + 1. `len` holds notify until the frame stops being pending (then
 * it is the frame channel's length again). */
static inline void weft__frame_set_dest(weft__frame *f, void *dest, uint32_t notify)
{
    f->dest = dest;
    f->len = notify;
}

/* The result channel a destination names, or NULL for a detached task. */
static inline weft__chanb *weft__dest_chan(void *dest)
{
    return dest == WEFT__DEST_NONE ? NULL : (weft__chanb *)dest;
}

/* A frame that is not pending: true when it is in state st (WEFT__ST_*). */
static inline bool weft__frame_in(const weft__frame *f, void *st)
{
    return f->fn == NULL && f->dest == st;
}

/* Ends (or keeps ended) the frame's pending life and puts it in state st. */
static inline void weft__frame_set_state(weft__frame *f, void *st)
{
    f->fn = NULL;
    f->dest = st;
}

/* A frame's full/len/buf are laid out as a weft__chanb (flowvar/chan.h): a
 * STOLEN frame's result arrives here. */
static inline weft__chanb *weft__frame_chan(weft__frame *f) { return (weft__chanb *)(void *)&f->full; }

/* A frame copied out of a deque to travel to a thief (a pool block). */
typedef struct weft__shipped {
    struct weft__shipped *next;   /* the rest of the batch, oldest first */
    weft_task_fn fn;
    void *dest;                   /* never NULL: a chanb, or WEFT__DEST_NONE */
    uint32_t notify;              /* worker to notify on delivery + 1, or 0 */
    uint32_t idx;                 /* a lazy (flowvar) frame's slot in the victim's
                                   * deque, else WEFT__SHIPPED_NOT_LAZY */
    _Alignas(8) unsigned char buf[WEFT_ARGS_MAX];
} weft__shipped;

#define WEFT__SHIPPED_NOT_LAZY UINT32_MAX

typedef struct weft__deque {
    weft__frame *frames;
    uint32_t cap;
    uint32_t bottom;
    /* The reclaim pops nothing below it: 0, or while the runtime runs on
     * behalf of a context task (weft__ctx_enter .. weft__ctx_leave), that
     * context's top, which it and the contexts that called it keep in
     * registers (weft.h, "context"): a slot under a top kept there is not
     * free for a push. */
    uint32_t floor;
} weft__deque;

/* Reserves cap frames of address space (committed by the kernel only as
 * touched). Returns 0, or -1 when the system refuses the mapping. */
int weft__deque_init(weft__deque *d, uint32_t cap);
void weft__deque_destroy(weft__deque *d);

/* Number of pending frames in [bottom, top) (owner; scans; for tests and for
 * sizing a steal-half). */
uint32_t weft__deque_pending(weft__deque *d, uint32_t top);

/* Takes up to `max` oldest pending frames out for a thief: each is copied into
 * a block from alloc(ctx) and linked oldest first from *first (set only when
 * some were taken). A
 * flowvar frame's slot becomes STOLEN (its result will come back into it),
 * any other becomes CONSUMED. `self_id` is the owner's id (a shipped
 * flowvar frame notifies it on delivery). Returns how many were taken. */
uint32_t weft__deque_steal(weft__deque *d, uint32_t top, uint32_t max, uint32_t self_id,
                           void *(*alloc)(void *), void *ctx, weft__shipped **first);

/* Dies with the deque-full message (every push that finds no free frame):
 * names the capacity, says that flowvars never synced are a likely cause
 * (each holds its frame until its sync) and how to raise the limit. Any
 * frame count; never returns. */
_Noreturn void weft__deque_overflow(const weft__deque *d);

/* Pushes a received batch at the head (oldest first, so the newest ends on
 * top), returns the new top. Dies (weft__deque_overflow) when the deque is
 * full. */
uint32_t weft__deque_splice(weft__deque *d, uint32_t top, const weft__shipped *first);

/* Pops CONSUMED frames off the head, down to d->floor at most; returns the
 * new top and keeps bottom <= top. */
uint32_t weft__deque_reclaim(weft__deque *d, uint32_t top);

#endif
