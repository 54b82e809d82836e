/* quarantine/held.c: the containers of held items (held.h): the index list,
 * the held pool (orphans), the pending table with its per-block lists and
 * expiry heap, and the resolution heap. */
#include "quarantine/held.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

void *q_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "quarantine: out of memory in the verdict engine\n");
        abort();
    }
    return q;
}

/* ------------------------------------------------------------ index lists */

void q_ilist_append(q_ilist *l, q_ilink *links, int32_t i)
{
    links[i].prev = l->tail;
    links[i].next = Q_NIL;
    if (l->tail != Q_NIL) links[l->tail].next = i;
    else l->head = i;
    l->tail = i;
}

void q_ilist_unlink(q_ilist *l, q_ilink *links, int32_t i)
{
    q_ilink *k = &links[i];
    if (k->prev != Q_NIL) links[k->prev].next = k->next;
    else l->head = k->next;
    if (k->next != Q_NIL) links[k->next].prev = k->prev;
    else l->tail = k->prev;
}

/* ------------------------------------------------------------ held pool */

int q_heldpool_init(q_heldpool *p, size_t cap)
{
    *p = (q_heldpool){.cap = cap};
    q_ilist_init(&p->fifo);
    p->item = calloc(cap, sizeof *p->item);
    p->link = calloc(cap, sizeof *p->link);
    if (!p->item || !p->link) return -1;
    for (size_t i = 0; i < cap; i++) p->link[i].next = i + 1 < cap ? (int32_t)(i + 1) : Q_NIL;
    p->free = 0;
    return 0;
}

void q_heldpool_destroy(q_heldpool *p)
{
    free(p->item);
    free(p->link);
    *p = (q_heldpool){0};
}

int32_t q_heldpool_add(q_heldpool *p, const q_held *h)
{
    assert(p->n < p->cap && p->free != Q_NIL);
    int32_t i = p->free;
    p->free = p->link[i].next;
    p->item[i] = *h;
    q_ilist_append(&p->fifo, p->link, i);
    p->n++;
    if (p->n > p->peak) p->peak = p->n;
    return i;
}

void q_heldpool_remove(q_heldpool *p, int32_t i)
{
    q_ilist_unlink(&p->fifo, p->link, i);
    p->link[i].prev = Q_NIL;
    p->link[i].next = p->free;
    p->free = i;
    p->n--;
}

/* ------------------------------------------------------------ pending */

int q_pending_init(q_pending *t, size_t cap)
{
    *t = (q_pending){0};
    q_map_init(&t->waiting, Q_ROOT_BYTES, sizeof(q_ilist));
    int rc = q_heldpool_init(&t->pool, cap);
    t->blink = calloc(cap, sizeof *t->blink);
    t->heap_pos = calloc(cap, sizeof *t->heap_pos);
    t->heap = calloc(cap, sizeof *t->heap);
    return rc < 0 || !t->blink || !t->heap_pos || !t->heap ? -1 : 0;
}

void q_pending_destroy(q_pending *t)
{
    q_heldpool_destroy(&t->pool);
    free(t->blink);
    free(t->heap_pos);
    free(t->heap);
    q_map_destroy(&t->waiting);
}

static const q_root *block_root_of(const q_pending *t, int32_t i)
{
    return &t->pool.item[i].u.a.att.data.beacon_block_root;
}

/* The heap holds t->pool.n live slots; the order is (slot, arrival), and
 * arrivals are unique, so it is total. */
static bool heap_less(const q_pending *t, int32_t a, int32_t b)
{
    const q_held *x = &t->pool.item[a], *y = &t->pool.item[b];
    if (x->u.a.att.data.slot != y->u.a.att.data.slot) return x->u.a.att.data.slot < y->u.a.att.data.slot;
    return x->arrival < y->arrival;
}

static void heap_set(q_pending *t, size_t pos, int32_t i)
{
    t->heap[pos] = i;
    t->heap_pos[i] = (uint32_t)pos;
}

static void heap_up(q_pending *t, size_t pos)
{
    int32_t i = t->heap[pos];
    while (pos > 0) {
        size_t parent = (pos - 1) / 2;
        if (!heap_less(t, i, t->heap[parent])) break;
        heap_set(t, pos, t->heap[parent]);
        pos = parent;
    }
    heap_set(t, pos, i);
}

static void heap_down(q_pending *t, size_t pos)
{
    size_t n = t->pool.n;
    int32_t i = t->heap[pos];
    for (;;) {
        size_t c = 2 * pos + 1;
        if (c >= n) break;
        if (c + 1 < n && heap_less(t, t->heap[c + 1], t->heap[c])) c++;
        if (!heap_less(t, t->heap[c], i)) break;
        heap_set(t, pos, t->heap[c]);
        pos = c;
    }
    heap_set(t, pos, i);
}

int32_t q_pending_add(q_pending *t, const q_held *h)
{
    int32_t i = q_heldpool_add(&t->pool, h);
    const q_root *r = block_root_of(t, i);
    q_ilist *bl = q_map_get(&t->waiting, r);
    if (!bl) {
        q_ilist fresh;
        q_ilist_init(&fresh);
        bl = q_map_put(&t->waiting, r, &fresh);
    }
    q_ilist_append(bl, t->blink, i);
    size_t pos = t->pool.n - 1; /* the pool counted i already */
    heap_set(t, pos, i);
    heap_up(t, pos);
    return i;
}

void q_pending_remove(q_pending *t, int32_t i)
{
    const q_root *r = block_root_of(t, i);
    q_ilist *bl = q_map_get(&t->waiting, r);
    assert(bl != NULL); /* a held attestation is on its block root's list */
    q_ilist_unlink(bl, t->blink, i);
    if (q_ilist_empty(bl)) q_map_del(&t->waiting, r);

    size_t pos = t->heap_pos[i], last = t->pool.n - 1;
    q_heldpool_remove(&t->pool, i); /* the heap now holds pool.n slots */
    if (pos != last) {              /* move the last leaf into the hole, then restore order */
        int32_t moved = t->heap[last];
        heap_set(t, pos, moved);
        heap_down(t, pos);
        heap_up(t, t->heap_pos[moved]);
    }
}

int32_t q_pending_first_on(const q_pending *t, const q_root *r)
{
    const q_ilist *bl = q_map_get(&t->waiting, r);
    return bl ? bl->head : Q_NIL;
}

/* ------------------------------------------------------------ resolution heap */

void q_ready_destroy(q_ready *r)
{
    free(r->h);
    *r = (q_ready){0};
}

void q_ready_push(q_ready *r, const q_held *h)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->h = q_xrealloc(r->h, r->cap * sizeof *r->h);
    }
    size_t pos = r->n++;
    while (pos > 0) {
        size_t parent = (pos - 1) / 2;
        if (r->h[parent].arrival <= h->arrival) break;
        r->h[pos] = r->h[parent];
        pos = parent;
    }
    r->h[pos] = *h;
}

q_held q_ready_pop(q_ready *r)
{
    assert(r->n > 0);
    q_held top = r->h[0];
    q_held last = r->h[--r->n];
    size_t pos = 0, n = r->n;
    for (;;) {
        size_t c = 2 * pos + 1;
        if (c >= n) break;
        if (c + 1 < n && r->h[c + 1].arrival < r->h[c].arrival) c++;
        if (r->h[c].arrival >= last.arrival) break;
        r->h[pos] = r->h[c];
        pos = c;
    }
    if (n) r->h[pos] = last;
    return top;
}
