/* The eager flowvar, weft_future (its contract is in include/weft.h).
 *
 * A future is a weft__chanb (flowvar/chan.h) with WEFT_ARGS_MAX bytes of room,
 * in a block of the spawning worker's pool, so that it outlives the frame
 * that spawned it and any thread may poll it. Its task is pushed like a
 * detached frame whose destination is that channel, with the spawner as the
 * worker to notify: whoever runs the task (the spawner, or a thief the frame
 * was shipped to) sends the result into the channel and wakes the spawner.
 *
 * Unlike chan.{h,c}, this file stands on the scheduler: it pushes through
 * weft__push_detached and waits through weft__work_until_full
 * (runtime/scheduler/worker.h), as a sync of a stolen lazy flowvar does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/scheduler/worker.h"

struct weft_future {
    weft__chanb ch;                    /* the result channel... */
    unsigned char room[WEFT_ARGS_MAX]; /* ...and its bytes */
};
_Static_assert(sizeof(struct weft_future) <= WEFT_POOL_BLOCK_SIZE, "future fits a pool block");

weft_future *weft_spawn_future(weft_task_fn fn, const void *args, size_t size)
{
    weft__worker *w = weft__self_or_die("weft_spawn_future");
    weft_future *fut = weft__pool_alloc(&w->pool);
    weft__chanb_init(&fut->ch);
    weft__push_detached(w, fn, args, size, &fut->ch, w->id + 1);
    return fut;
}

bool weft_future_ready(const weft_future *fut)
{
    /* On a worker, answer waiting thieves first: an event loop that only
     * polls would otherwise keep every idle worker away from the futures it
     * spawned (tests/stress/poll_progress.c). Any other thread only reads. */
    weft__worker *w = weft__self();
    if (w) weft__answer_thieves(w);
    return weft__chanb_is_full(&fut->ch);
}

void weft_future_get(weft_future *fut, void *out, size_t size)
{
    weft__worker *w = weft__self();
    if (w) {
        weft__work_until_full(w, &fut->ch);
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

static _Noreturn void die_free(const char *msg, const weft_future *fut)
{
    fprintf(stderr, "weft: weft_future_free(%p): %s\n", (const void *)fut, msg);
    abort();
}

void weft_future_free(weft_future *fut)
{
    /* Checked before touching the future: its block's state word lives in
     * the pool's header (runtime/memory/pool.h), intact while the block is
     * free. A free after the pool has handed the block out again (as a new
     * future or a shipped task) is not caught. */
    if (weft__pool_is_free(fut)) die_free("the future was already freed (freed twice?)", fut);
    if (!weft__chanb_is_full(&fut->ch))
        die_free("its result has not arrived (free a future only after weft_future_ready is "
                 "true or weft_future_get returned)", fut);
    weft__worker *w = weft__self();
    weft__pool_free(w ? &w->pool : NULL, fut);
}
