/* Intrusive unbounded MPSC channel (Vyukov's queue with a stub node).
 *
 * Producers are wait-free: one exchange on `tail`, then one store linking the
 * previous node to the new one. The consumer owns `head`; it may see a
 * producer that has swapped `tail` but not yet linked `next` (the one known
 * spin) and then waits for that link, briefly, with a cpu relax.
 *
 * Batching: a producer may send a pre-linked chain of nodes with one exchange;
 * the consumer may take up to `max` nodes in one call.
 *
 * `count` is approximate for the consumer: producers add after linking, the
 * consumer subtracts after taking, so it may lag the real length briefly (and
 * dip below zero while a taken node's producer has not added yet) but equals
 * the length once quiescent. Adding after the link means a positive count
 * never announces a node whose own link is still missing (mpsc.c says more).
 *
 * Nodes are embedded in the user's structs (intrusive); the channel never
 * allocates. A node must not be sent again until the consumer has taken it.
 */
#ifndef WEFT_RUNTIME_MPSC_H
#define WEFT_RUNTIME_MPSC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct weft__mpsc_node {
    _Atomic(struct weft__mpsc_node *) next;
} weft__mpsc_node;

typedef struct weft__mpsc {
    _Alignas(64) _Atomic(weft__mpsc_node *) tail; /* producers */
    _Atomic int64_t count;                        /* approximate length */
    _Alignas(64) weft__mpsc_node *head;           /* consumer only */
    weft__mpsc_node stub;
} weft__mpsc;

/* Initialises an empty channel. Not thread-safe; call before sharing. */
void weft__mpsc_init(weft__mpsc *q);

/* Any thread. Appends `node`. Wait-free. */
void weft__mpsc_send(weft__mpsc *q, weft__mpsc_node *node);

/* Any thread. Appends the chain first..last (already linked through `next`,
 * last->next ignored) of n nodes with one exchange. Wait-free. */
void weft__mpsc_send_batch(weft__mpsc *q, weft__mpsc_node *first,
                           weft__mpsc_node *last, size_t n);

/* Consumer only. Takes the oldest node, or returns NULL when empty. */
weft__mpsc_node *weft__mpsc_try_recv(weft__mpsc *q);

/* Consumer only. Takes up to max oldest nodes, in FIFO order, as a chain
 * *first..*last (last->next is NULL). Returns how many were taken (0: the
 * channel looked empty, *first and *last untouched). */
size_t weft__mpsc_try_recv_batch(weft__mpsc *q, weft__mpsc_node **first,
                                 weft__mpsc_node **last, size_t max);

/* Consumer (or anyone, as a hint). Approximate number of nodes waiting. */
int64_t weft__mpsc_count(const weft__mpsc *q);

/* Consumer only. A cheap relaxed look for the hot path: true when something
 * may be waiting (false negatives only for sends still in flight). */
static inline bool weft__mpsc_maybe_nonempty(const weft__mpsc *q)
{
    /* relaxed: a hint only; the real take in try_recv acquires. */
    return atomic_load_explicit(&q->count, memory_order_relaxed) > 0;
}

#endif
