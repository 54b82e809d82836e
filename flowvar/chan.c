/* Single-slot SPSC channels (see chan.h for the protocol).
 *
 * Each flavour has one atomic word that says who owns the slot: while it
 * reads empty the producer owns the payload, while it reads full the
 * consumer does. Ownership changes hands only through a release store of
 * that word, and the new owner takes it with an acquire load, so the
 * payload bytes themselves never need to be atomic.
 */
#include "flowvar/chan.h"

#include <assert.h>
#include <string.h>

/* ---------------------------------------------------------------- pointer */

/* Takes an uninitialised channel; leaves it empty. Not thread-safe. */
void weft__chanp_init(weft__chanp *ch)
{
    /* relaxed: the channel is not shared yet; whatever hands it to the two
     * threads (thread creation, a release store) publishes this. */
    atomic_store_explicit(&ch->slot, NULL, memory_order_relaxed);
}

/* Model-checked in verify/chan.pml (docs/verification.md). */
/* Producer only. Takes a non-NULL pointer p; returns true when p is now in
 * the slot (the consumer owns what p points to from then on), false when
 * the slot was still full (nothing changed, the producer keeps p). */
bool weft__chanp_try_send(weft__chanp *ch, void *p)
{
    assert(p != NULL && "weft__chanp_try_send: NULL means empty");
    /* acquire; pairs with the release in weft__chanp_try_recv, so the
     * consumer is done with the previous pointer before we replace it. */
    if (atomic_load_explicit(&ch->slot, memory_order_acquire) != NULL)
        return false;
    /* release; pairs with the acquire in weft__chanp_try_recv and
     * weft__chanp_is_full: what p points to is visible with p. */
    atomic_store_explicit(&ch->slot, p, memory_order_release);
    return true;
}

/* Consumer only. Returns the waiting pointer (the caller now owns it) and
 * empties the slot, or returns NULL when the slot is empty. */
void *weft__chanp_try_recv(weft__chanp *ch)
{
    /* acquire; pairs with the release in weft__chanp_try_send. */
    void *p = atomic_load_explicit(&ch->slot, memory_order_acquire);
    if (p == NULL)
        return NULL;
    /* release; pairs with the acquire in weft__chanp_try_send: the slot is
     * handed back only after our read of it. Only the producer writes a
     * non-NULL value, and only into an empty slot, so a plain store (no
     * exchange) cannot lose a pointer. */
    atomic_store_explicit(&ch->slot, NULL, memory_order_release);
    return p;
}

/* Consumer only. True when a pointer is waiting; a following try_recv will
 * then return it. */
bool weft__chanp_is_full(const weft__chanp *ch)
{
    /* acquire; pairs with the release in weft__chanp_try_send, so a true
     * answer also publishes what the pointer points to. */
    return atomic_load_explicit(&ch->slot, memory_order_acquire) != NULL;
}

/* ---------------------------------------------------------------- bytes */

/* Takes an uninitialised channel header (the buffer after it is left
 * alone); leaves it empty. Not thread-safe. */
void weft__chanb_init(weft__chanb *ch)
{
    ch->len = 0;
    /* relaxed: not shared yet (see weft__chanp_init). */
    atomic_store_explicit(&ch->full, 0u, memory_order_relaxed);
}

/* Model-checked in verify/chan.pml (docs/verification.md). */
/* Producer only. Takes n bytes at src (n within the owner's capacity);
 * copies them in and publishes them, returning true, or returns false and
 * changes nothing when the slot is still full. src stays the caller's. */
bool weft__chanb_try_send(weft__chanb *ch, const void *src, size_t n)
{
    assert(n <= UINT32_MAX);
    /* acquire; pairs with the release in weft__chanb_try_recv and
     * weft__chanb_clear: the consumer has finished reading buf before we
     * overwrite it. */
    if (atomic_load_explicit(&ch->full, memory_order_acquire) != 0u)
        return false;
    if (n != 0)
        memcpy(ch->buf, src, n);
    ch->len = (uint32_t)n;
    /* release; pairs with the acquire in weft__chanb_try_recv and
     * weft__chanb_is_full: buf and len are visible before `full`. */
    atomic_store_explicit(&ch->full, 1u, memory_order_release);
    return true;
}

/* Consumer only. When full, copies min(n, len) bytes into dst (the caller's
 * buffer of at least n bytes), empties the slot and returns true; the bytes
 * beyond n are dropped. When empty, returns false and leaves dst alone. */
bool weft__chanb_try_recv(weft__chanb *ch, void *dst, size_t n)
{
    /* acquire; pairs with the release in weft__chanb_try_send. */
    if (atomic_load_explicit(&ch->full, memory_order_acquire) == 0u)
        return false;
    size_t k = ch->len < n ? ch->len : n;
    if (k != 0)
        memcpy(dst, ch->buf, k);
    /* release; pairs with the acquire in weft__chanb_try_send: our reads
     * of buf happen before the producer may write it again. */
    atomic_store_explicit(&ch->full, 0u, memory_order_release);
    return true;
}

/* Consumer only. True when bytes are waiting; the consumer may then read
 * ch->len and ch->buf in place until it calls weft__chanb_clear. */
bool weft__chanb_is_full(const weft__chanb *ch)
{
    /* acquire; pairs with the release in weft__chanb_try_send, so buf and
     * len may be read after a true answer. */
    return atomic_load_explicit(&ch->full, memory_order_acquire) != 0u;
}

/* Consumer only. Empties a slot that weft__chanb_is_full reported full,
 * after the consumer's last read of ch->buf. */
void weft__chanb_clear(weft__chanb *ch)
{
    /* release; pairs with the acquire in weft__chanb_try_send: reads of buf
     * made in place happen before the producer reuses it. */
    atomic_store_explicit(&ch->full, 0u, memory_order_release);
}
