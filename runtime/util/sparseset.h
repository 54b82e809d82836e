/* A sparse set of worker ids in [0, WEFT_MAX_WORKERS): O(1) add, remove,
 * contains and uniform random pick. Fixed-size and self-contained (no
 * pointers, about 1 KiB with 256 workers), so it lives inside a steal request
 * as the victims not tried yet; the request travels from worker to worker by
 * pointer, and whoever holds the request owns its set.
 * Not thread-safe: no atomics, one owner at a time.
 *
 * Invariant: for i < len, sparse[dense[i]] == i. An id is a member iff
 * sparse[id] < len && dense[sparse[id]] == id, so stale sparse[] entries left
 * by remove() or clear() never matter. A fresh object must go through clear()
 * or fill() once before any other call. */
#ifndef WEFT_RUNTIME_SPARSESET_H
#define WEFT_RUNTIME_SPARSESET_H

#include <stdbool.h>
#include <stdint.h>
#include "runtime/config/limits.h"
#include "runtime/util/rng.h"

typedef struct weft__sparseset {
    uint16_t len;                         /* members are dense[0 .. len) */
    uint16_t dense[WEFT_MAX_WORKERS];     /* the members */
    uint16_t sparse[WEFT_MAX_WORKERS];    /* sparse[id] = position of id in dense */
} weft__sparseset;

/* Empties the set; also the initialiser of a fresh object. O(WEFT_MAX_WORKERS). */
void weft__sparseset_clear(weft__sparseset *s);
/* Makes the set {0 .. n-1}, n <= WEFT_MAX_WORKERS; also an initialiser. */
void weft__sparseset_fill(weft__sparseset *s, uint32_t n);
/* True when id (< WEFT_MAX_WORKERS) is a member. */
bool weft__sparseset_contains(const weft__sparseset *s, uint32_t id);
/* Adds id (< WEFT_MAX_WORKERS); returns false when it was already there. */
bool weft__sparseset_add(weft__sparseset *s, uint32_t id);
/* Removes id (< WEFT_MAX_WORKERS); returns false when it was not there.
 * Moves the last member into id's cell: the order of members is not kept. */
bool weft__sparseset_remove(weft__sparseset *s, uint32_t id);
/* A member chosen uniformly at random with r (not removed); the set must not
 * be empty. */
uint32_t weft__sparseset_pick(const weft__sparseset *s, weft__rng *r);
/* The number of members. */
static inline uint32_t weft__sparseset_len(const weft__sparseset *s) { return s->len; }

#endif
