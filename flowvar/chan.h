/* Single-slot SPSC channels: the floor everything else in weft stands on.
 *
 * Two flavours, one protocol: the slot is empty or full; only the producer
 * fills it, only the consumer empties it.
 *  - weft__chanp: carries one pointer (stolen-task mailboxes).
 *  - weft__chanb: carries up to a caller-known number of inline bytes
 *    (futures: a task's result lands in the bytes, then `full` is published).
 *
 * Memory order: the producer's store of the payload happens-before the
 * consumer's read of it, through a release store (send) paired with an
 * acquire load (recv / is_full). The consumer's release when it empties the
 * slot pairs with the producer's acquire in the next send, so a producer
 * never overwrites bytes the consumer is still reading.
 *
 * This folder depends on no other folder of weft (see docs/architecture.md).
 */
#ifndef WEFT_FLOWVAR_CHAN_H
#define WEFT_FLOWVAR_CHAN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- pointer flavour ---- */
typedef struct weft__chanp {
    _Atomic(void *) slot; /* NULL = empty */
} weft__chanp;

/* Initialises an empty channel. Not thread-safe; call before sharing. */
void weft__chanp_init(weft__chanp *ch);

/* Producer only. Puts p (non-NULL) in the slot. Returns false, and changes
 * nothing, when the slot is still full. */
bool weft__chanp_try_send(weft__chanp *ch, void *p);

/* Consumer only. Takes the pointer out of the slot, or returns NULL when
 * the slot is empty. */
void *weft__chanp_try_recv(weft__chanp *ch);

/* Consumer only. A cheap look: true when a pointer is waiting. */
bool weft__chanp_is_full(const weft__chanp *ch);

/* ---- inline-bytes flavour ---- */
/* The byte buffer follows the header; its capacity is the owner's business
 * (a future allocates sizeof(weft__chanb) + cap; a task frame ends with one).
 * Every send/recv names the number of bytes; it must not exceed the capacity. */
typedef struct weft__chanb {
    _Atomic uint32_t full; /* 0 empty, 1 full */
    uint32_t len;          /* bytes in buf while full (set by the producer) */
    _Alignas(8) unsigned char buf[];   /* at offset 8: a task frame keeps 40 bytes of it */
} weft__chanb;

void weft__chanb_init(weft__chanb *ch);

/* Producer only. Copies n bytes from src into the slot and publishes them.
 * Returns false when the slot is still full. */
bool weft__chanb_try_send(weft__chanb *ch, const void *src, size_t n);

/* Consumer only. When full, copies min(n, len) bytes into dst, empties the
 * slot and returns true; otherwise returns false and dst is untouched. */
bool weft__chanb_try_recv(weft__chanb *ch, void *dst, size_t n);

/* Consumer only. True when bytes are waiting (acquire: after it returns
 * true the consumer may read ch->buf directly, then call chanb_clear). */
bool weft__chanb_is_full(const weft__chanb *ch);

/* Consumer only. Empties a full slot after reading ch->buf in place. */
void weft__chanb_clear(weft__chanb *ch);

#endif
