#include "runtime/deque/deque.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "runtime/util/check.h"

_Static_assert(sizeof(weft__frame) == 64, "a task frame is one cache line");
_Static_assert(offsetof(weft__frame, len) - offsetof(weft__frame, full) == offsetof(weft__chanb, len),
               "frame channel layout");
_Static_assert(offsetof(weft__frame, buf) - offsetof(weft__frame, full) == offsetof(weft__chanb, buf),
               "frame channel layout");

int weft__deque_init(weft__deque *d, uint32_t cap)
{
    size_t bytes = (size_t)cap * sizeof(weft__frame);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return -1;
    d->frames = p;
    d->cap = cap;
    d->bottom = 0;
    d->floor = 0;
    return 0;
}

void weft__deque_destroy(weft__deque *d)
{
    if (d->frames) munmap(d->frames, (size_t)d->cap * sizeof(weft__frame));
    d->frames = NULL;
}

uint32_t weft__deque_pending(weft__deque *d, uint32_t top)
{
    WEFT__ASSERT_CMP(d->bottom, <=, top);
    uint32_t n = 0;
    for (uint32_t i = d->bottom; i < top; i++) n += weft__frame_pending(&d->frames[i]);
    return n;
}

uint32_t weft__deque_steal(weft__deque *d, uint32_t top, uint32_t max, uint32_t self_id,
                           void *(*alloc)(void *), void *ctx, weft__shipped **first)
{
    WEFT__ASSERT_CMP(d->bottom, <=, top);
    uint32_t n = 0;
    weft__shipped *head = NULL, *tail = NULL;
    uint32_t i = d->bottom;
    for (; i < top && n < max; i++) {
        weft__frame *f = &d->frames[i];
        if (!weft__frame_pending(f)) continue;
        weft__shipped *s = alloc(ctx);
        s->next = NULL;
        s->fn = f->fn;
        memcpy(s->buf, f->buf, WEFT_ARGS_MAX);
        if (weft__frame_is_flowvar(f)) {
            /* The result comes back into this slot. relaxed: the thief reads
             * nothing of it; its later release store of full=1 (chanb send)
             * is ordered after our mailbox release that publishes the block,
             * which this store precedes in program order. */
            atomic_store_explicit(&f->full, 0, memory_order_relaxed);
            s->dest = weft__frame_chan(f);
            s->notify = self_id + 1;
            s->idx = i;
            weft__frame_set_state(f, WEFT__ST_STOLEN);
        } else {
            s->dest = weft__frame_dest(f);
            s->notify = weft__frame_notify(f);
            s->idx = WEFT__SHIPPED_NOT_LAZY;
            weft__frame_set_state(f, WEFT__ST_CONSUMED);
        }
        if (tail) tail->next = s; else head = s;
        tail = s;
        n++;
    }
    /* Everything below i is no longer pending. */
    d->bottom = i;
    if (n) *first = head;
    return n;
}

void weft__deque_overflow(const weft__deque *d)
{
    fprintf(stderr,
            "weft: task deque overflow (%u frames): a flowvar keeps its frame until it is synced, "
            "so flowvars spawned and never synced (or synced only after many more spawns) are "
            "the likely cause; for recursion deeper than that, raise WEFT_DEQUE_FRAMES\n",
            d->cap);
    abort();
}

uint32_t weft__deque_splice(weft__deque *d, uint32_t top, const weft__shipped *s)
{
    WEFT__ASSERT_CMP(d->bottom, <=, top);
    for (; s; s = s->next) {
        if (top >= d->cap) weft__deque_overflow(d);
        weft__frame *f = &d->frames[top++];
        weft__frame_push(f, s->fn, s->buf, WEFT_ARGS_MAX);
        weft__frame_set_dest(f, s->dest, s->notify);
    }
    return top;
}

uint32_t weft__deque_reclaim(weft__deque *d, uint32_t top)
{
    while (top > d->floor && weft__frame_in(&d->frames[top - 1], WEFT__ST_CONSUMED))
        top--;
    if (d->bottom > top) d->bottom = top;
    return top;
}
