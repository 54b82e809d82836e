/* Parallel loops with lazy splitting, and reductions (their contract is in
 * include/weft.h; docs/architecture.md, section 12, says how they work).
 *
 * A loop is a range [cur, stop) with a stride, run by one worker from a
 * weft__loop on its C stack, linked into the worker's loop chain (w->loop).
 * Nothing is split up front. When a thief's request reaches a worker that has
 * no pending frame to ship, weft__handle_requests (or the sharing with a
 * waiting child) calls weft__loop_split: the outermost loop of the chain with
 * two or more iterations not started gives its last remaining/(k+1) of them
 * to the thief, as one shipped frame. That frame's task runs the split-off
 * range as a loop of its own (which may be split again), on whichever worker
 * ends up with it.
 *
 * Completion and reductions go through one record per split
 * (weft__split), allocated and freed by the splitter: it holds the split's
 * range, its accumulator, and a result channel that is the shipped frame's
 * destination. A range task that has run out of iterations joins its splits,
 * newest first: for each it keeps working (weft__work_until_full) until the
 * channel is full, merges the split's accumulator into its own and frees the
 * record. So a split's task returns only after its own splits have returned,
 * and the loop's first range task, on the worker that started the loop,
 * returns only once every split of the loop has finished, with every partial
 * merged into the caller's *out. No lock and no shared counter: the only
 * atomics are the channels' (deliver's release store of `full` in
 * weft__chanb_try_send, paired with the acquire load in weft__chanb_is_full
 * of the join, which makes the split's accumulator and every write of its
 * body visible to the splitter).
 */
#include <stdio.h>
#include <stdlib.h>
#include "runtime/scheduler/scope.h"
#include "runtime/scheduler/worker.h"

/* What every range of one loop shares; it lives until the loop has
 * finished (on the starter's stack, or in the async handle). */
typedef struct weft__loop_desc {
    weft_for_fn each;             /* exactly one of the four body forms */
    weft_range_fn range;
    weft_fold_fn fold;
    weft_fold_range_fn fold_range;
    void *ctx;
    int64_t stride;
    weft_reducer red;             /* init: set up a range's accumulator (or a staged
                                   * loop's local state: its prologue); merge: NULL
                                   * for a loop that is not a reduction */
    void (*epilogue)(void *local, void *ctx); /* a staged loop's, else NULL */
    struct weft__scope *scope;    /* the scope the loop started in (scope.c) */
} weft__loop_desc;

/* One split: its range, its accumulator and its result channel. Allocated
 * by the splitter (a pool block, or aligned_alloc when the accumulator does
 * not fit one), freed by the splitter once joined. */
typedef struct weft__split {
    struct weft__split *next;     /* the splitter's other splits, newer first */
    const weft__loop_desc *d;
    int64_t lo, hi;
    void *acc;                    /* d->red.size bytes, after this struct */
    bool heap;                    /* from aligned_alloc, not the pool */
    weft__chanb ch;               /* the shipped frame's destination... */
    unsigned char room[WEFT_ARGS_MAX]; /* ...and its bytes (deliver sends 40) */
} weft__split;

#define WEFT__SPLIT_HDR ((sizeof(weft__split) + 63u) & ~(size_t)63u)

/* A range running on this worker's stack. */
typedef struct weft__loop {
    struct weft__loop *outer;     /* the loop chain of this worker */
    const weft__loop_desc *d;
    int64_t cur;                  /* next index not started */
    int64_t stop;                 /* end; lowered by weft__loop_split */
    void *acc;                    /* this range's accumulator (reductions) */
    weft__split *kids;            /* splits taken from this range */
} weft__loop;

/* The range form's chunks: doubled while one takes less than LO, halved
 * when one takes more than HI, so thieves wait a few microseconds at most
 * and the clock read costs about 1 % of a chunk. */
#define WEFT__CHUNK_LO_NS 2000u
#define WEFT__CHUNK_HI_NS 8000u

static _Noreturn void die(const char *msg)
{
    fprintf(stderr, "weft: %s\n", msg);
    abort();
}

/* Iterations of l not started. */
static int64_t left(const weft__loop *l)
{
    if (l->cur >= l->stop) return 0;
    return (l->stop - l->cur + l->d->stride - 1) / l->d->stride;
}

/* Between iterations or chunks: the same relaxed look at the request count
 * as weft_spawn's; pairs with nothing (a hint; the take acquires). */
static inline void poll(weft__worker *w, const weft__hot *h)
{
    if (__builtin_expect(atomic_load_explicit(h->reqs, memory_order_relaxed) > 0, 0)) {
        weft__handle_requests(w);
        if (w->nwaiting) weft__share_with_children(w);
    }
}

static void join(weft__worker *w, weft__loop *l)
{
    const weft__loop_desc *d = l->d;
    while (l->kids) {
        weft__split *s = l->kids;
        l->kids = s->next;
        /* Acquire (in weft__chanb_is_full); pairs with the release store of
         * `full` in deliver() on the worker that ran the split. */
        weft__work_until_full(w, &s->ch);
        if (d->red.merge) d->red.merge(l->acc, s->acc, d->ctx);
        if (s->heap) free(s);
        else weft__pool_free(&w->pool, s);
    }
}

/* Runs l on w until its range is used up, then joins its splits. */
static void run(weft__worker *w, weft__loop *l)
{
    const weft__loop_desc *d = l->d;
    const weft__hot *h = w->hot;
    int64_t st = d->stride;
    l->outer = w->loop;
    w->loop = l;
    if (w->nwaiting) weft__share_with_children(w); /* a child sleeps at me: feed it */
    if (d->each || d->fold) {
        while (l->cur < l->stop) {
            int64_t i = l->cur;
            l->cur = i + st;
            if (d->each) d->each(i, d->ctx);
            else d->fold(i, l->acc, d->ctx);
            poll(w, h);
        }
    } else {
        int64_t chunk = 1;
        while (l->cur < l->stop) {
            int64_t lo = l->cur, n = left(l);
            int64_t hi = n <= chunk ? l->stop : lo + chunk * st;
            l->cur = hi;
            uint64_t t0 = weft__now_ns();
            if (d->range) d->range(lo, hi, st, d->ctx);
            else d->fold_range(lo, hi, st, l->acc, d->ctx);
            uint64_t dt = weft__now_ns() - t0;
            if (dt < WEFT__CHUNK_LO_NS && chunk < ((int64_t)1 << 40)) chunk *= 2;
            else if (dt > WEFT__CHUNK_HI_NS && chunk > 1) chunk /= 2;
            poll(w, h);
        }
    }
    w->loop = l->outer;
    if (d->epilogue) d->epilogue(l->acc, d->ctx);
    join(w, l);
}

/* The task of a shipped split: runs the record's range in the loop's scope. */
static void split_task(void *buf)
{
    weft__split *s;
    memcpy(&s, buf, sizeof s);
    weft__worker *w = weft__self();
    const weft__loop_desc *d = s->d;
    weft__scope_ctx ctx;
    weft__scope_push(w, &ctx, d->scope);
    if (d->red.init) d->red.init(s->acc, d->ctx);
    weft__loop l = {.d = d, .cur = s->lo, .stop = s->hi, .acc = s->acc, .kids = NULL};
    run(w, &l);
    weft__scope_pop(w, &ctx);
}

bool weft__loop_split(weft__worker *w, weft__steal_req *r)
{
    weft__loop *best = NULL;
    for (weft__loop *l = w->loop; l; l = l->outer)
        if (left(l) >= 2) best = l;
    if (best == NULL) return false;
    const weft__loop_desc *d = best->d;
    int64_t n = left(best);
    /* This thief and the requests still waiting, each with the owner one
     * share of the rest (an approximate count: it may lag, or dip below 0). */
    int64_t waiting = weft__mpsc_count(&w->requests);
    int64_t k = 1 + (waiting > 0 ? waiting : 0);
    int64_t give = n / (k + 1);
    if (give < 1) give = 1;
    size_t bytes = WEFT__SPLIT_HDR + d->red.size;
    weft__split *s;
    bool heap = bytes > WEFT_POOL_BLOCK_SIZE;
    if (heap) {
        s = aligned_alloc(64, (bytes + 63u) & ~(size_t)63u);
        if (s == NULL) die("out of memory allocating a loop split's accumulator");
    } else {
        s = weft__pool_alloc(&w->pool);
    }
    s->heap = heap;
    s->d = d;
    s->hi = best->stop;
    s->lo = best->cur + (n - give) * d->stride;
    s->acc = (unsigned char *)s + WEFT__SPLIT_HDR;
    weft__chanb_init(&s->ch);
    best->stop = s->lo;
    s->next = best->kids;
    best->kids = s;
    weft__shipped *b = weft__pool_alloc(&w->pool);
    b->next = NULL;
    b->fn = split_task;
    b->dest = &s->ch;
    b->notify = w->id + 1;
    memset(b->buf, 0, WEFT_ARGS_MAX);
    memcpy(b->buf, &s, sizeof s);
    weft__ship_batch(w, r, b, 1);
    return true;
}

/* ---- entry points ---- */

static void start(weft__worker *w, weft__loop_desc *d, int64_t lo, int64_t hi, void *out)
{
    if (d->stride <= 0) die("parallel loop with a stride that is not positive");
    d->scope = weft__scope_current(w);
    if (d->red.init) d->red.init(out, d->ctx);
    weft__loop l = {.d = d, .cur = lo, .stop = hi, .acc = out, .kids = NULL};
    run(w, &l);
}

static weft__worker *entry(const char *what, const weft_reducer *red, const void *out)
{
    weft__worker *w = weft__self_or_die(what);
    if (red && (red->size == 0 || red->init == NULL || red->merge == NULL || out == NULL))
        die("parallel reduce needs a reducer with a size, init and merge, and an out pointer");
    return w;
}

void weft_parallel_for(int64_t start_, int64_t stop, int64_t stride, weft_for_fn body, void *ctx)
{
    weft__worker *w = entry("weft_parallel_for", NULL, NULL);
    weft__loop_desc d = {.each = body, .ctx = ctx, .stride = stride};
    start(w, &d, start_, stop, NULL);
}

void weft_parallel_for_range(int64_t start_, int64_t stop, int64_t stride, weft_range_fn body, void *ctx)
{
    weft__worker *w = entry("weft_parallel_for_range", NULL, NULL);
    weft__loop_desc d = {.range = body, .ctx = ctx, .stride = stride};
    start(w, &d, start_, stop, NULL);
}

void weft_parallel_reduce(int64_t start_, int64_t stop, int64_t stride, weft_fold_fn body, void *ctx,
                          const weft_reducer *red, void *out)
{
    weft__worker *w = entry("weft_parallel_reduce", red, out);
    weft__loop_desc d = {.fold = body, .ctx = ctx, .stride = stride, .red = *red};
    start(w, &d, start_, stop, out);
}

void weft_parallel_reduce_range(int64_t start_, int64_t stop, int64_t stride, weft_fold_range_fn body,
                                void *ctx, const weft_reducer *red, void *out)
{
    weft__worker *w = entry("weft_parallel_reduce_range", red, out);
    weft__loop_desc d = {.fold_range = body, .ctx = ctx, .stride = stride, .red = *red};
    start(w, &d, start_, stop, out);
}

void weft_parallel_for_staged(int64_t start_, int64_t stop, int64_t stride, weft_fold_range_fn body,
                              void *ctx, const weft_stages *stages)
{
    weft__worker *w = entry("weft_parallel_for_staged", NULL, NULL);
    if (stages == NULL || stages->prologue == NULL || stages->epilogue == NULL)
        die("a staged parallel loop needs a prologue and an epilogue");
    weft__loop_desc d = {.fold_range = body, .ctx = ctx, .stride = stride,
                         .red = {stages->size, stages->prologue, NULL}, .epilogue = stages->epilogue};
    /* The first range's local state: here when it fits, else on the heap. */
    _Alignas(64) unsigned char here[WEFT_POOL_BLOCK_SIZE];
    void *local = here;
    if (stages->size > sizeof here) {
        local = aligned_alloc(64, (stages->size + 63u) & ~(size_t)63u);
        if (local == NULL) die("out of memory allocating a staged loop's local state");
    }
    start(w, &d, start_, stop, local);
    if (local != here) free(local);
}

/* ---- the awaitable form ---- */

/* A pool block: the loop's descriptor and range, and the channel its task
 * delivers into (the task is pushed like a future's). */
struct weft_loop {
    weft__loop_desc d;
    int64_t lo, hi;
    void *out;
    weft__chanb ch;
    unsigned char room[WEFT_ARGS_MAX];
};
_Static_assert(sizeof(struct weft_loop) <= WEFT_POOL_BLOCK_SIZE, "a loop handle fits a pool block");

static void async_task(void *buf)
{
    weft_loop *h;
    memcpy(&h, buf, sizeof h);
    start(weft__self(), &h->d, h->lo, h->hi, h->out);
}

static weft_loop *spawn(weft__worker *w, const weft__loop_desc *d, int64_t lo, int64_t hi, void *out)
{
    if (d->stride <= 0) die("parallel loop with a stride that is not positive");
    weft_loop *h = weft__pool_alloc(&w->pool);
    h->d = *d;
    h->lo = lo;
    h->hi = hi;
    h->out = out;
    weft__chanb_init(&h->ch);
    weft__push_detached(w, async_task, &h, sizeof h, &h->ch, w->id + 1);
    return h;
}

weft_loop *weft_parallel_for_async(int64_t start_, int64_t stop, int64_t stride, weft_range_fn body,
                                   void *ctx)
{
    weft__worker *w = entry("weft_parallel_for_async", NULL, NULL);
    weft__loop_desc d = {.range = body, .ctx = ctx, .stride = stride};
    return spawn(w, &d, start_, stop, NULL);
}

weft_loop *weft_parallel_reduce_async(int64_t start_, int64_t stop, int64_t stride,
                                      weft_fold_range_fn body, void *ctx, const weft_reducer *red,
                                      void *out)
{
    weft__worker *w = entry("weft_parallel_reduce_async", red, out);
    weft__loop_desc d = {.fold_range = body, .ctx = ctx, .stride = stride, .red = *red};
    return spawn(w, &d, start_, stop, out);
}

void weft_loop_wait(weft_loop *h)
{
    weft__worker *w = weft__self_or_die("weft_loop_wait");
    /* Acquire (weft__chanb_is_full); pairs with deliver()'s release of the
     * loop task's result: the loop's writes and *out are visible after. */
    weft__work_until_full(w, &h->ch);
    weft__pool_free(&w->pool, h);
}
