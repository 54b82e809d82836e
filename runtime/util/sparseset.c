/* The sparse set of worker ids (see sparseset.h for the invariants).
 * Single-owner data: no atomics. A set lives inside a steal request, which
 * travels between workers by pointer; whoever holds the request owns its set. */
#include "runtime/util/sparseset.h"

#include <assert.h>
#include <string.h>

/* Empties the set in O(WEFT_MAX_WORKERS) (one small memset): len = 0 and
 * every sparse[] entry is made determinate, so that contains() never reads an
 * indeterminate value even on an object that was never filled. Takes any
 * object (initialised or not); after it the set is valid and empty. */
void weft__sparseset_clear(weft__sparseset *s)
{
    s->len = 0;
    memset(s->sparse, 0, sizeof s->sparse);
}

/* Makes the set {0 .. n-1} with dense[i] = i. Takes any object; n must be
 * at most WEFT_MAX_WORKERS. The ids n .. MAX-1 get sparse = 0, which is
 * harmless: contains() also checks dense[sparse[id]] == id. */
void weft__sparseset_fill(weft__sparseset *s, uint32_t n)
{
    assert(n <= WEFT_MAX_WORKERS);
    for (uint32_t i = 0; i < WEFT_MAX_WORKERS; i++) {
        s->sparse[i] = (uint16_t)(i < n ? i : 0);
        s->dense[i] = (uint16_t)i;
    }
    s->len = (uint16_t)n;
}

/* Membership test in O(1): id is a member iff its sparse slot points inside
 * dense[0 .. len) at a cell holding id. Stale slots (left by remove or clear)
 * fail one of the two checks. id must be below WEFT_MAX_WORKERS. */
bool weft__sparseset_contains(const weft__sparseset *s, uint32_t id)
{
    assert(id < WEFT_MAX_WORKERS);
    uint32_t pos = s->sparse[id];
    return pos < s->len && s->dense[pos] == id;
}

/* Appends id to dense[] in O(1). Returns false (and changes nothing) when id
 * is already a member. id must be below WEFT_MAX_WORKERS, so the set can
 * never overflow. */
bool weft__sparseset_add(weft__sparseset *s, uint32_t id)
{
    assert(id < WEFT_MAX_WORKERS);
    if (weft__sparseset_contains(s, id))
        return false;
    assert(s->len < WEFT_MAX_WORKERS);
    s->dense[s->len] = (uint16_t)id;
    s->sparse[id] = s->len;
    s->len++;
    return true;
}

/* Removes id in O(1) by moving the last member into its cell. Returns false
 * (and changes nothing) when id was not a member. The order of dense[] is not
 * kept; pick() does not need it. */
bool weft__sparseset_remove(weft__sparseset *s, uint32_t id)
{
    assert(id < WEFT_MAX_WORKERS);
    if (!weft__sparseset_contains(s, id))
        return false;
    uint16_t pos = s->sparse[id];
    uint16_t last = s->dense[s->len - 1];
    s->dense[pos] = last;
    s->sparse[last] = pos;
    s->len--;
    return true;
}

/* A member chosen uniformly (each with probability 1/len) with r, in O(1).
 * The set must not be empty. Does not remove it. */
uint32_t weft__sparseset_pick(const weft__sparseset *s, weft__rng *r)
{
    assert(s->len > 0);
    return s->dense[weft__rng_below(r, s->len)];
}
