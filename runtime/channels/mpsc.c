/* Intrusive unbounded MPSC channel (see mpsc.h).
 *
 * The queue is a singly linked list from `head` (consumer) to `tail`
 * (producers), always holding at least one node: the stub, or the last real
 * node sent. A node is handed to the consumer only once its `next` is known
 * (non-NULL), so nobody writes a node after it has been taken and the user
 * may reuse it at once. When the consumer reaches the last real node it
 * sends the stub behind it, so that node gets a successor and can be taken.
 *
 * Linking: a producer first swaps `tail` (exchange) and then stores the
 * link prev->next. Between the two the list is cut; the consumer that runs
 * into the cut (head->next NULL while tail != head) knows exactly one
 * producer is about to store that link and waits for it: the one known spin.
 *
 * The count: a producer adds *after* its link. The count then never runs
 * ahead of a producer's own link, so a consumer that polls
 * weft__mpsc_maybe_nonempty() is not sent into the spin by a node whose link
 * is not there yet. The price is that the count may dip below zero for a
 * moment (the consumer took a node and subtracted before its producer added);
 * once no send is in flight the count equals the length exactly. Adding
 * before the exchange would keep the count non-negative but would announce
 * nodes the consumer cannot reach yet.
 */
#include "runtime/channels/mpsc.h"

#include <assert.h>
#include <sched.h>
#include "runtime/util/prim.h"

/* One round of the known spin: a cpu relax, and after many rounds a yield,
 * since on an oversubscribed machine the producer we wait for may have been
 * descheduled between its exchange and its link. */
static inline void weft__mpsc_relax(unsigned *spins)
{
    if (++*spins < 256u)
        weft__cpu_relax();
    else
        sched_yield();
}

/* Takes an uninitialised channel; leaves it empty (only the stub in the
 * list). Not thread-safe; publish the channel to other threads afterwards. */
void weft__mpsc_init(weft__mpsc *q)
{
    /* relaxed (all four): the channel is not shared yet; whatever hands it
     * to other threads publishes these stores. */
    atomic_store_explicit(&q->stub.next, NULL, memory_order_relaxed);
    atomic_store_explicit(&q->tail, &q->stub, memory_order_relaxed);
    atomic_store_explicit(&q->count, 0, memory_order_relaxed);
    q->head = &q->stub;
}

/* Model-checked in verify/mpsc.pml (docs/verification.md). */
/* Any thread. Links the chain first..last (first->...->last already linked
 * by the caller) behind the current tail. Does not touch the count. */
static inline void weft__mpsc_link(weft__mpsc *q, weft__mpsc_node *first,
                                   weft__mpsc_node *last)
{
    /* relaxed: published by the exchange below (release) to the producer
     * that swaps after us and links last->next, and by our own link store
     * (release) to the consumer. */
    atomic_store_explicit(&last->next, NULL, memory_order_relaxed);
    /* acq_rel. release: pairs with the acquire of the next producer's
     * exchange, so our NULL in last->next is ordered before its link store
     * into last->next. acquire: pairs with the release of the previous
     * producer's exchange, for the same reason on prev->next. */
    weft__mpsc_node *prev =
        atomic_exchange_explicit(&q->tail, last, memory_order_acq_rel);
    /* release; pairs with the acquire loads of `next` in weft__mpsc_take:
     * the consumer that sees first also sees the payloads of first..last
     * and the links between them. This store closes the cut that the
     * consumer may be spinning on. */
    atomic_store_explicit(&prev->next, first, memory_order_release);
}

/* Any thread. Sends one node (owned by the channel, then by the consumer,
 * until the consumer takes it). Wait-free: one exchange, one store, one add. */
void weft__mpsc_send(weft__mpsc *q, weft__mpsc_node *node)
{
    weft__mpsc_link(q, node, node);
    /* relaxed: the count carries no data (the link above publishes the
     * node); it only needs to be atomic. Added after the link, see the
     * file comment. */
    atomic_fetch_add_explicit(&q->count, 1, memory_order_relaxed);
}

/* Any thread. Sends the n >= 1 nodes first..last, already linked through
 * `next` by the caller (last->next is overwritten), with one exchange. */
void weft__mpsc_send_batch(weft__mpsc *q, weft__mpsc_node *first,
                           weft__mpsc_node *last, size_t n)
{
    assert(n >= 1 && first != NULL && last != NULL);
    weft__mpsc_link(q, first, last);
    /* relaxed; as in weft__mpsc_send. */
    atomic_fetch_add_explicit(&q->count, (int64_t)n, memory_order_relaxed);
}

/* Model-checked in verify/mpsc.pml (docs/verification.md). */
/* Consumer only. Takes the oldest real node out of the list and returns it,
 * or returns NULL when there is none. When `wait` is false it also returns
 * NULL instead of waiting at a cut (a send in flight). Leaves the count to
 * the caller. The returned node's `next` is stale; nobody else touches it. */
static weft__mpsc_node *weft__mpsc_take(weft__mpsc *q, bool wait)
{
    weft__mpsc_node *head = q->head;
    /* acquire (every load of a `next` here); pairs with the release link
     * store in weft__mpsc_link, so the node's payload is visible. */
    weft__mpsc_node *next = atomic_load_explicit(&head->next, memory_order_acquire);

    if (head == &q->stub) {
        if (next == NULL)
            return NULL;          /* empty, or the first send still in flight */
        q->head = head = next;    /* step over the stub */
        next = atomic_load_explicit(&head->next, memory_order_acquire);
    }
    if (next != NULL) {
        q->head = next;
        return head;
    }

    /* head is a real node with no successor yet. */
    /* relaxed: only compared with head, no data read through it. It
     * cannot return a value older than head's own exchange: that exchange
     * happens-before us (it precedes the link we acquired to reach head, or
     * head is the stub we linked ourselves), so coherence gives head or a
     * later value, and a later value means a producer holds prev == head. */
    weft__mpsc_node *tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    if (tail != head) {
        /* A producer has swapped tail with prev == head but not linked
         * yet: the known spin, bounded by that producer's next store. */
        if (!wait)
            return NULL;
        unsigned spins = 0;
        while ((next = atomic_load_explicit(&head->next, memory_order_acquire)) == NULL)
            weft__mpsc_relax(&spins);
        q->head = next;
        return head;
    }

    /* head is the last node: put the stub behind it so it can be taken. */
    weft__mpsc_link(q, &q->stub, &q->stub);
    next = atomic_load_explicit(&head->next, memory_order_acquire);
    if (next == NULL) {
        /* A producer swapped in between our load of tail and our stub
         * exchange: it holds prev == head and will link it. The stub is
         * queued behind that producer's node, so the list stays sound. */
        if (!wait)
            return NULL;
        unsigned spins = 0;
        while ((next = atomic_load_explicit(&head->next, memory_order_acquire)) == NULL)
            weft__mpsc_relax(&spins);
    }
    q->head = next;
    return head;
}

/* Consumer only. Returns the oldest node (the caller owns it again), or
 * NULL when the channel is empty. May wait briefly for a send in flight. */
weft__mpsc_node *weft__mpsc_try_recv(weft__mpsc *q)
{
    weft__mpsc_node *node = weft__mpsc_take(q, true);
    if (node != NULL)
        /* relaxed; the count carries no data (see weft__mpsc_send). */
        atomic_fetch_sub_explicit(&q->count, 1, memory_order_relaxed);
    return node;
}

/* Consumer only. Takes up to max >= 1 oldest nodes in FIFO order and returns
 * them as the chain *first..*last (last->next NULL; the caller owns them).
 * Returns how many; 0 leaves *first and *last alone. Waits for a send in
 * flight only while it has taken nothing yet. */
size_t weft__mpsc_try_recv_batch(weft__mpsc *q, weft__mpsc_node **first,
                                 weft__mpsc_node **last, size_t max)
{
    size_t n = 0;
    weft__mpsc_node *f = NULL, *l = NULL;
    while (n < max) {
        weft__mpsc_node *node = weft__mpsc_take(q, n == 0);
        if (node == NULL)
            break;
        if (l != NULL)
            /* relaxed: the node is the consumer's now; the caller reads
             * the chain on this thread. */
            atomic_store_explicit(&l->next, node, memory_order_relaxed);
        else
            f = node;
        l = node;
        n++;
    }
    if (n == 0)
        return 0;
    /* relaxed: as above. */
    atomic_store_explicit(&l->next, NULL, memory_order_relaxed);
    /* relaxed; the count carries no data (see weft__mpsc_send). */
    atomic_fetch_sub_explicit(&q->count, (int64_t)n, memory_order_relaxed);
    *first = f;
    *last = l;
    return n;
}

/* Any thread, as a hint. The approximate number of nodes waiting: exact
 * once no send or receive is in flight, possibly briefly negative or stale
 * otherwise. */
int64_t weft__mpsc_count(const weft__mpsc *q)
{
    /* relaxed; pairs with nothing: the count carries no data. */
    return atomic_load_explicit(&q->count, memory_order_relaxed);
}
