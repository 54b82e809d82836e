/* weft_idle: the notifier and log-log-iterated backoff, for programs that
 * poll several sources (include/weft.h). */
#include <stdlib.h>
#include "runtime/scheduler/worker.h"

struct weft_idle {
    weft__notifier n;
    weft__backoff b;
    weft__rng r;
};

weft_idle *weft_idle_new(void)
{
    weft_idle *w = aligned_alloc(64, (sizeof(weft_idle) + 63) & ~(size_t)63);
    if (!w) return NULL;
    weft__notifier_init(&w->n);
    weft__backoff_reset(&w->b);
    weft__rng_seed(&w->r, (uint64_t)(uintptr_t)w ^ weft__now_ns());
    return w;
}

void weft_idle_free(weft_idle *w) { free(w); }
uint32_t weft_idle_prepare(weft_idle *w) { return weft__notifier_prepare_park(&w->n); }

void weft_idle_found(weft_idle *w)
{
    weft__notifier_cancel_park(&w->n);
    weft__backoff_reset(&w->b);
}

void weft_idle_wait(weft_idle *w, uint32_t ticket)
{
    /* A worker that idles keeps answering thieves between rounds. */
    weft_load_balance();
    weft__backoff_wait(&w->b, &w->r, &w->n, ticket);
}

void weft_idle_notify(weft_idle *w) { weft__notifier_notify(&w->n); }
