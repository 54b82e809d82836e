/* Unit tests of runtime/deque: the frame-array deque driven by random
 * operation sequences (deterministic seeds) and checked after every step
 * against a reference model, a plain array of (id, kind, state) per slot.
 *
 * The operations mirror how the scheduler uses the deque:
 *   push      weft_spawn / push_detached: write a frame at top, top + 1
 *   pop       the sync fast path: the top frame is pending, run it, top - 1
 *   run       weft__run_top on a pending flowvar frame: RUNNING, then DONE
 *   ooo       a sync out of order: a pending flowvar frame below the top is
 *             run in place and becomes CONSUMED (buried until reclaim)
 *   steal     weft__deque_steal, one or half: the oldest pending frames leave
 *             in order; flowvar frames become STOLEN, the others CONSUMED
 *   deliver   a thief sends the result of a STOLEN frame into its slot
 *   sync      a STOLEN frame whose result came (or a DONE frame) is synced:
 *             CONSUMED, then reclaimed when it is on top
 *   splice    weft__deque_splice of a received batch: newest ends on top
 *   reclaim   weft__deque_reclaim: CONSUMED frames leave the head
 * The model says what every slot below top must hold; bottom must never pass
 * a pending frame and must move exactly as steal documents. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/deque/deque.h"

/* ------------------------------------------------------------ test helpers */

/* Three task functions, so that a frame's fn also names its kind. The
 * deque never calls them. */
static void fn_flowvar(void *buf) { (void)buf; }
static void fn_detached(void *buf) { (void)buf; }
static void fn_future(void *buf) { (void)buf; }

/* A small deterministic generator (splitmix64), independent of the
 * runtime's own rng so that the test does not share its bugs. */
typedef struct { uint64_t s; } gen;
static uint64_t gen_next(gen *g)
{
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static uint32_t gen_below(gen *g, uint32_t n) { return (uint32_t)(gen_next(g) % n); }

/* Allocation callback of weft__deque_steal: plain malloc, counted. */
static long allocs;
static void *test_alloc(void *ctx)
{
    (void)ctx;
    allocs++;
    return malloc(sizeof(weft__shipped));
}

static void free_batch(weft__shipped *s)
{
    while (s) {
        weft__shipped *n = s->next;
        free(s);
        s = n;
    }
}

/* Fake future channels: a frame of kind FUTURE points at one of these
 * (a channel header and its WEFT_ARGS_MAX bytes, as a future holds them). */
enum { NCHAN = 8 };
static _Alignas(8) unsigned char chan_mem[NCHAN][sizeof(weft__chanb) + WEFT_ARGS_MAX];
#define CHAN(k) ((weft__chanb *)(void *)chan_mem[k])

/* ------------------------------------------------------------ the model */

enum kind { K_FLOWVAR, K_DETACHED, K_FUTURE };
enum state { S_PENDING, S_STOLEN, S_RUNNING, S_DONE, S_CONSUMED };

typedef struct {
    uint64_t id;      /* written into buf[0..8) of the frame */
    enum kind kind;
    enum state state;
    uint32_t chan;    /* K_FUTURE: which fake channel (CHAN) */
    uint32_t notify;  /* K_FUTURE: the worker to notify + 1 (kept in len) */
    int delivered;    /* S_STOLEN: the thief's result is in the slot */
} slot;

typedef struct {
    slot *s;          /* s[0 .. top) mirror frames[0 .. top) */
    uint32_t top;
    uint32_t bottom;  /* the model's own bottom, per steal/reclaim's contract */
    uint64_t next_id;
} model;

/* The byte pattern of a frame's arguments: its id, then bytes derived from it. */
static void fill_args(unsigned char *buf, uint64_t id)
{
    memcpy(buf, &id, sizeof id);
    for (size_t i = sizeof id; i < WEFT_ARGS_MAX; i++) buf[i] = (unsigned char)(id * 31 + i);
}
static int args_match(const unsigned char *buf, uint64_t id)
{
    unsigned char want[WEFT_ARGS_MAX];
    fill_args(want, id);
    return memcmp(buf, want, WEFT_ARGS_MAX) == 0;
}

static weft_task_fn fn_of(enum kind k)
{
    return k == K_FLOWVAR ? fn_flowvar : k == K_DETACHED ? fn_detached : fn_future;
}
static void *dest_of(const slot *m)
{
    return m->kind == K_FLOWVAR ? NULL : m->kind == K_DETACHED ? WEFT__DEST_NONE : (void *)CHAN(m->chan);
}

/* Checks every frame below top against the model, bottom's invariant, and
 * weft__deque_pending. `step` and `seed` only name the failure. */
static void check(weft__deque *d, const model *m, uint32_t top, uint64_t seed, int step)
{
    cr_assert_eq(top, m->top, "seed %llu step %d: top %u, model %u", (unsigned long long)seed, step,
                 top, m->top);
    cr_assert_leq(d->bottom, top, "seed %llu step %d: bottom %u > top %u", (unsigned long long)seed,
                  step, d->bottom, top);
    cr_assert_eq(d->bottom, m->bottom, "seed %llu step %d: bottom %u, model %u",
                 (unsigned long long)seed, step, d->bottom, m->bottom);
    uint32_t pending = 0;
    for (uint32_t i = 0; i < top; i++) {
        const weft__frame *f = &d->frames[i];
        const slot *s = &m->s[i];
        if (s->state == S_PENDING) {
            pending++;
            cr_assert_geq(i, d->bottom, "seed %llu step %d: pending frame %u below bottom %u",
                          (unsigned long long)seed, step, i, d->bottom);
            cr_assert_eq(f->fn, fn_of(s->kind), "seed %llu step %d: frame %u fn", (unsigned long long)seed,
                         step, i);
            cr_assert_eq(f->dest, dest_of(s), "seed %llu step %d: frame %u dest %p", (unsigned long long)seed,
                         step, i, f->dest);
            if (s->kind == K_FUTURE)
                cr_assert_eq(f->len, s->notify, "seed %llu step %d: frame %u notify", (unsigned long long)seed,
                             step, i);
            cr_assert(args_match(f->buf, s->id), "seed %llu step %d: frame %u args (id %llu)",
                      (unsigned long long)seed, step, i, (unsigned long long)s->id);
            continue;
        }
        cr_assert_null(f->fn, "seed %llu step %d: frame %u (state %d) still pending",
                       (unsigned long long)seed, step, i, s->state);
        void *want = s->state == S_STOLEN ? WEFT__ST_STOLEN
                   : s->state == S_RUNNING ? WEFT__ST_RUNNING
                   : s->state == S_DONE ? WEFT__ST_DONE : WEFT__ST_CONSUMED;
        cr_assert_eq(f->dest, want, "seed %llu step %d: frame %u dest %p, model state %d",
                     (unsigned long long)seed, step, i, f->dest, s->state);
        if (s->state == S_STOLEN) {
            /* relaxed: one thread here; pairs with nothing, only the value
             * left by weft__deque_steal (0) or op_deliver's send (1) counts. */
            uint32_t full = atomic_load_explicit(&f->full, memory_order_relaxed);
            cr_assert_eq(full, (uint32_t)s->delivered, "seed %llu step %d: stolen frame %u full=%u",
                         (unsigned long long)seed, step, i, full);
        }
    }
    cr_assert_eq(weft__deque_pending(d, top), pending, "seed %llu step %d: pending %u, model %u",
                 (unsigned long long)seed, step, weft__deque_pending(d, top), pending);
}

/* ------------------------------------------------------------ operations */

/* push: as weft_spawn (flowvar) or push_detached (detached, future) write it. */
static uint32_t op_push(weft__deque *d, model *m, uint32_t top, gen *g)
{
    if (top >= d->cap) return top;
    slot s = {.id = m->next_id++, .state = S_PENDING};
    uint32_t r = gen_below(g, 10);
    s.kind = r < 6 ? K_FLOWVAR : r < 8 ? K_DETACHED : K_FUTURE;
    weft__frame *f = &d->frames[top];
    f->fn = fn_of(s.kind);
    f->dest = NULL;
    if (s.kind != K_FLOWVAR) {
        s.chan = gen_below(g, NCHAN);
        s.notify = s.kind == K_FUTURE ? 1 + gen_below(g, 64) : 0;
        f->dest = dest_of(&s);
        f->len = s.notify;
    }
    fill_args(f->buf, s.id);
    m->s[m->top++] = s;
    return top + 1;
}

/* pop: the sync fast path (weft_sync): only when the top frame is pending. */
static uint32_t op_pop(weft__deque *d, model *m, uint32_t top, uint64_t seed, int step)
{
    if (top == 0 || d->frames[top - 1].fn == NULL) {
        cr_assert(top == 0 || m->s[top - 1].state != S_PENDING,
                  "seed %llu step %d: top frame pending in the model but fn NULL", (unsigned long long)seed, step);
        return top;
    }
    slot *s = &m->s[top - 1];
    cr_assert_eq(s->state, S_PENDING, "seed %llu step %d: popped a frame the model says is %d",
                 (unsigned long long)seed, step, s->state);
    cr_assert(args_match(d->frames[top - 1].buf, s->id), "seed %llu step %d: popped wrong frame",
              (unsigned long long)seed, step);
    m->top--;
    return top - 1;
}

/* run: weft__run_top on a pending flowvar frame on top runs it in place. */
static void op_run(weft__deque *d, model *m, uint32_t top)
{
    if (top == 0 || m->s[top - 1].state != S_PENDING || m->s[top - 1].kind != K_FLOWVAR) return;
    weft__frame *f = &d->frames[top - 1];
    f->fn = NULL;
    f->dest = WEFT__ST_RUNNING;
    f->dest = WEFT__ST_DONE;
    m->s[top - 1].state = S_DONE;
}

/* ooo: weft__sync_slow of a pending flowvar frame below the top. */
static void op_ooo(weft__deque *d, model *m, uint32_t top, gen *g)
{
    if (top < 2) return;
    uint32_t i = gen_below(g, top - 1);
    if (m->s[i].state != S_PENDING || m->s[i].kind != K_FLOWVAR) return;
    d->frames[i].fn = NULL;
    d->frames[i].dest = WEFT__ST_CONSUMED;
    m->s[i].state = S_CONSUMED;
}

/* steal: up to max oldest pending frames, checked against the model. */
static void op_steal(weft__deque *d, model *m, uint32_t top, uint32_t max, uint64_t seed, int step)
{
    enum { SELF = 3 };
    /* The model's answer: the first `max` pending slots from bottom, in
     * order; bottom then sits just past the last one taken, or at top when
     * the deque ran out before max. */
    uint32_t want[64], nwant = 0, i = m->bottom;
    for (; i < m->top && nwant < max; i++)
        if (m->s[i].state == S_PENDING) want[nwant++] = i;
    uint32_t want_bottom = i;

    weft__shipped *first = (weft__shipped *)0x1;
    long allocs0 = allocs;
    uint32_t n = weft__deque_steal(d, top, max, SELF, test_alloc, NULL, &first);
    cr_assert_eq(n, nwant, "seed %llu step %d: steal(max %u) took %u, model %u", (unsigned long long)seed,
                 step, max, n, nwant);
    cr_assert_eq(allocs - allocs0, (long)n, "seed %llu step %d: %ld blocks for %u frames",
                 (unsigned long long)seed, step, allocs - allocs0, n);
    if (n == 0) {
        cr_assert(first == (weft__shipped *)0x1,
                  "seed %llu step %d: empty steal touched first", (unsigned long long)seed, step);
    } else {
        weft__shipped *s = first;
        for (uint32_t k = 0; k < n; k++) {
            cr_assert_not_null(s, "seed %llu step %d: batch ends after %u of %u", (unsigned long long)seed,
                               step, k, n);
            slot *ms = &m->s[want[k]];
            cr_assert(args_match(s->buf, ms->id), "seed %llu step %d: shipped #%u is not id %llu (oldest first)",
                      (unsigned long long)seed, step, k, (unsigned long long)ms->id);
            cr_assert_eq(s->fn, fn_of(ms->kind));
            if (ms->kind == K_FLOWVAR) {
                cr_assert_eq(s->dest, (void *)weft__frame_chan(&d->frames[want[k]]),
                             "seed %llu step %d: a stolen flowvar frame must send back into its slot",
                             (unsigned long long)seed, step);
                cr_assert_eq(s->notify, SELF + 1u);
                ms->state = S_STOLEN;
                ms->delivered = 0;
            } else {
                cr_assert_eq(s->dest, dest_of(ms), "seed %llu step %d: shipped dest", (unsigned long long)seed, step);
                cr_assert_eq(s->notify, ms->kind == K_FUTURE ? ms->notify : 0u);
                ms->state = S_CONSUMED;
            }
            s = s->next;
        }
        cr_assert_null(s, "seed %llu step %d: batch longer than %u", (unsigned long long)seed, step, n);
        free_batch(first);
    }
    if (max > 0) m->bottom = want_bottom;
}

/* deliver: a thief sends the result of a STOLEN frame into its slot. */
static void op_deliver(weft__deque *d, model *m, uint32_t top, gen *g, uint64_t seed, int step)
{
    if (top == 0) return;
    uint32_t i = gen_below(g, top);
    slot *s = &m->s[i];
    if (s->state != S_STOLEN || s->delivered) return;
    unsigned char res[WEFT_ARGS_MAX];
    fill_args(res, s->id ^ 0xabcdef);
    bool ok = weft__chanb_try_send(weft__frame_chan(&d->frames[i]), res, WEFT_ARGS_MAX);
    cr_assert(ok, "seed %llu step %d: the slot of stolen frame %u was not an empty channel",
              (unsigned long long)seed, step, i);
    s->delivered = 1;
}

/* sync: a STOLEN frame with its result, or a DONE frame, is synced the way
 * weft__sync_slow does: CONSUMED, then reclaim when it was the top. */
static uint32_t op_sync(weft__deque *d, model *m, uint32_t top, gen *g, uint64_t seed, int step)
{
    if (top == 0) return top;
    /* Prefer the top frame (the usual LIFO sync), sometimes a random one. */
    uint32_t i = gen_below(g, 2) ? top - 1 : gen_below(g, top);
    slot *s = &m->s[i];
    if (!(s->state == S_DONE || (s->state == S_STOLEN && s->delivered))) return top;
    weft__frame *f = &d->frames[i];
    if (s->state == S_STOLEN) {
        cr_assert(weft__chanb_is_full(weft__frame_chan(f)));
        cr_assert(args_match(f->buf, s->id ^ 0xabcdef), "seed %llu step %d: result of frame %u",
                  (unsigned long long)seed, step, i);
    }
    f->dest = WEFT__ST_CONSUMED;
    s->state = S_CONSUMED;
    if (i + 1 == top) {
        top = weft__deque_reclaim(d, top);
        while (m->top > 0 && m->s[m->top - 1].state == S_CONSUMED) m->top--;
        if (m->bottom > m->top) m->bottom = m->top;
    }
    return top;
}

/* splice: a batch of k shipped frames (detached or future) arrives. */
static uint32_t op_splice(weft__deque *d, model *m, uint32_t top, gen *g, uint64_t seed, int step)
{
    uint32_t k = 1 + gen_below(g, 6);
    if (top + k > d->cap) return top;
    weft__shipped *first = NULL, *last = NULL;
    for (uint32_t j = 0; j < k; j++) {
        weft__shipped *s = malloc(sizeof *s);
        slot ms = {.id = m->next_id++, .state = S_PENDING};
        ms.kind = gen_below(g, 2) ? K_DETACHED : K_FUTURE;
        if (ms.kind == K_FUTURE) {
            ms.chan = gen_below(g, NCHAN);
            ms.notify = 1 + gen_below(g, 64);
        }
        s->next = NULL;
        s->fn = fn_of(ms.kind);
        s->dest = dest_of(&ms);
        s->notify = ms.notify;
        fill_args(s->buf, ms.id);
        if (last) last->next = s; else first = s;
        last = s;
        m->s[m->top++] = ms; /* oldest first: the newest ends on top */
    }
    uint32_t t = weft__deque_splice(d, top, first);
    cr_assert_eq(t, top + k, "seed %llu step %d: splice of %u gave top %u from %u", (unsigned long long)seed,
                 step, k, t, top);
    free_batch(first);
    return t;
}

static uint32_t op_reclaim(weft__deque *d, model *m, uint32_t top)
{
    top = weft__deque_reclaim(d, top);
    while (m->top > 0 && m->s[m->top - 1].state == S_CONSUMED) m->top--;
    if (m->bottom > m->top) m->bottom = m->top;
    return top;
}

/* One random sequence of `steps` operations on a deque of cap frames. */
static void run_sequence(uint64_t seed, int steps, uint32_t cap)
{
    weft__deque d;
    cr_assert_eq(weft__deque_init(&d, cap), 0);
    cr_assert_eq(d.bottom, 0u);
    model m = {.s = calloc(cap, sizeof(slot))};
    gen g = {seed};
    uint32_t top = 0;
    /* Each sequence leans toward growth or toward draining, so that both
     * deep deques and ones that empty often are seen. */
    uint32_t push_weight = 20 + gen_below(&g, 30);
    for (int step = 0; step < steps; step++) {
        uint32_t r = gen_below(&g, 100);
        if (r < push_weight) {
            top = op_push(&d, &m, top, &g);
        } else if (r < push_weight + 15) {
            top = op_pop(&d, &m, top, seed, step);
        } else if (r < push_weight + 20) {
            op_run(&d, &m, top);
        } else if (r < push_weight + 24) {
            op_ooo(&d, &m, top, &g);
        } else if (r < push_weight + 32) {
            op_steal(&d, &m, top, 1, seed, step);                       /* steal one */
        } else if (r < push_weight + 36) {
            uint32_t p = weft__deque_pending(&d, top);                 /* steal half */
            op_steal(&d, &m, top, (p + 1) / 2 > 64 ? 64 : (p + 1) / 2, seed, step);
        } else if (r < push_weight + 44) {
            op_deliver(&d, &m, top, &g, seed, step);
        } else if (r < push_weight + 58) {
            top = op_sync(&d, &m, top, &g, seed, step);
        } else if (r < push_weight + 64) {
            top = op_splice(&d, &m, top, &g, seed, step);
        } else if (r < push_weight + 68) {
            top = op_reclaim(&d, &m, top);
        } else if (r < push_weight + 69) {
            op_steal(&d, &m, top, 0, seed, step);                       /* max 0: nothing moves */
        }
        check(&d, &m, top, seed, step);
    }
    weft__deque_destroy(&d);
    cr_assert_null(d.frames);
    free(m.s);
}

/* ------------------------------------------------------------ tests */

/* Sanitizer builds check fewer sequences (each step costs ~6x more there). */
#ifdef WEFT_SANITIZE
#define NSEQ 600
#define NLONG 40
#else
#define NSEQ 3000
#define NLONG 200
#endif

Test(deque, random_sequences_match_the_model)
{
    /* NSEQ sequences of 400 steps, deque of 1024 frames (the smallest
     * WEFT_DEQUE_FRAMES), each seed reproducible by itself. */
    for (uint64_t seed = 1; seed <= NSEQ; seed++) run_sequence(seed, 400, 1024);
}

Test(deque, long_sequences_fill_a_small_deque)
{
    /* Fewer, longer sequences on a 64-frame deque: the deque fills, so
     * pushes and splices meet cap. */
    for (uint64_t seed = 100001; seed <= 100000 + NLONG; seed++) run_sequence(seed, 5000, 64);
}

Test(deque, steal_takes_oldest_first_and_moves_bottom)
{
    weft__deque d;
    cr_assert_eq(weft__deque_init(&d, 1024), 0);
    /* 0 flowvar, 1 detached, 2 flowvar popped-out-of-order (CONSUMED), 3 flowvar, 4 detached */
    uint32_t top = 0;
    for (uint64_t id = 0; id < 5; id++) {
        weft__frame *f = &d.frames[top++];
        f->fn = id == 1 || id == 4 ? fn_detached : fn_flowvar;
        f->dest = id == 1 || id == 4 ? WEFT__DEST_NONE : NULL;
        fill_args(f->buf, id);
    }
    d.frames[2].fn = NULL;
    d.frames[2].dest = WEFT__ST_CONSUMED;
    cr_assert_eq(weft__deque_pending(&d, top), 4u);

    weft__shipped *first;
    cr_assert_eq(weft__deque_steal(&d, top, 1, 7, test_alloc, NULL, &first), 1u);
    cr_assert(args_match(first->buf, 0));
    cr_assert_null(first->next);
    cr_assert_eq(first->notify, 8u);
    cr_assert_eq(d.frames[0].dest, WEFT__ST_STOLEN);
    cr_assert_eq(d.bottom, 1u);
    free_batch(first);

    /* Half of the 3 left: 2, skipping the consumed frame 2. */
    cr_assert_eq(weft__deque_steal(&d, top, 2, 7, test_alloc, NULL, &first), 2u);
    cr_assert(args_match(first->buf, 1));
    cr_assert(args_match(first->next->buf, 3));
    cr_assert_null(first->next->next);
    cr_assert_eq(first->dest, WEFT__DEST_NONE);
    cr_assert_eq(first->notify, 0u);
    cr_assert_eq(d.frames[1].dest, WEFT__ST_CONSUMED);
    cr_assert_eq(d.frames[3].dest, WEFT__ST_STOLEN);
    cr_assert_eq(d.bottom, 4u);
    free_batch(first);

    /* Asking for more than there is takes the last one and leaves bottom at top. */
    cr_assert_eq(weft__deque_steal(&d, top, 10, 7, test_alloc, NULL, &first), 1u);
    cr_assert(args_match(first->buf, 4));
    cr_assert_eq(d.bottom, top);
    free_batch(first);
    cr_assert_eq(weft__deque_steal(&d, top, 10, 7, test_alloc, NULL, &first), 0u);

    /* Reclaim pops the consumed frame 4 only: frame 3 is STOLEN. */
    top = weft__deque_reclaim(&d, top);
    cr_assert_eq(top, 4u);
    cr_assert_eq(d.bottom, 4u);
    weft__deque_destroy(&d);
}

Test(deque, splice_puts_the_newest_on_top)
{
    weft__deque d;
    cr_assert_eq(weft__deque_init(&d, 1024), 0);
    weft__shipped b[3];
    for (int i = 0; i < 3; i++) {
        b[i].next = i < 2 ? &b[i + 1] : NULL;
        b[i].fn = fn_future;
        b[i].dest = CHAN(i);
        b[i].notify = (uint32_t)i + 10;
        fill_args(b[i].buf, (uint64_t)i);
    }
    uint32_t top = weft__deque_splice(&d, 5, &b[0]);
    cr_assert_eq(top, 8u);
    for (int i = 0; i < 3; i++) {
        cr_assert(args_match(d.frames[5 + i].buf, (uint64_t)i));
        cr_assert_eq(d.frames[5 + i].dest, (void *)CHAN(i));
        cr_assert_eq(d.frames[5 + i].len, (uint32_t)i + 10);
    }
    /* The sync fast path pops the newest first. */
    cr_assert(args_match(d.frames[top - 1].buf, 2));
    weft__deque_destroy(&d);
}

/* (its message goes to stderr, kept off the terminal) */
Test(deque, splice_past_the_end_aborts, .signal = SIGABRT, .init = cr_redirect_stderr)
{
    weft__deque d;
    cr_assert_eq(weft__deque_init(&d, 4), 0);
    weft__shipped b[2] = {{.next = &b[1], .fn = fn_detached, .dest = WEFT__DEST_NONE},
                          {.next = NULL, .fn = fn_detached, .dest = WEFT__DEST_NONE}};
    (void)weft__deque_splice(&d, 3, &b[0]); /* the second frame does not fit */
}

Test(deque, reclaim_stops_at_anything_not_consumed)
{
    weft__deque d;
    cr_assert_eq(weft__deque_init(&d, 1024), 0);
    void *states[] = {WEFT__ST_CONSUMED, WEFT__ST_STOLEN, WEFT__ST_CONSUMED, WEFT__ST_DONE,
                      WEFT__ST_CONSUMED, WEFT__ST_RUNNING, WEFT__ST_CONSUMED, WEFT__ST_CONSUMED};
    for (int i = 0; i < 8; i++) {
        d.frames[i].fn = NULL;
        d.frames[i].dest = states[i];
    }
    d.bottom = 8;
    cr_assert_eq(weft__deque_reclaim(&d, 8), 6u);
    cr_assert_eq(d.bottom, 6u);
    d.frames[5].dest = WEFT__ST_CONSUMED;
    cr_assert_eq(weft__deque_reclaim(&d, 6), 4u);
    d.frames[3].dest = WEFT__ST_CONSUMED;
    cr_assert_eq(weft__deque_reclaim(&d, 4), 2u);
    d.frames[1].dest = WEFT__ST_CONSUMED;
    cr_assert_eq(weft__deque_reclaim(&d, 2), 0u);
    cr_assert_eq(d.bottom, 0u);
    /* A pending frame whose dest is a channel is never reclaimed. */
    d.frames[0].fn = fn_future;
    d.frames[0].dest = CHAN(0);
    cr_assert_eq(weft__deque_reclaim(&d, 1), 1u);
    weft__deque_destroy(&d);
}
