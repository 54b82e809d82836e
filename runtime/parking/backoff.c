/* Log-log-iterated backoff (contract in backoff.h). Per-thread state: no
 * atomics here; the only shared object is the notifier. */
#include "runtime/parking/backoff.h"

#include <assert.h>
#include "runtime/util/prim.h"

/* floor(log2(x)) for x >= 1. */
static uint32_t floor_lg(uint32_t x)
{
    return 31u - (uint32_t)__builtin_clz(x);
}

/* Back to the smallest window: lg_w = 1, no idle round counted. */
void weft__backoff_reset(weft__backoff *b)
{
    b->lg_w = 1;
    b->rounds = 0;
}

/* Counts one idle round; when the rounds spent at this lg_w reach
 * max(1, floor(lg lg_w)), lg_w grows by one: lg W then rises by about
 * 1/lg lg W per round, as under W <- W(1 + 1/lg lg W). Returns the new
 * lg_w. Never waits; lg_w keeps growing past WEFT_BACKOFF_PARK_LG (only
 * should_park looks at it). */
uint32_t weft__backoff_step(weft__backoff *b)
{
    assert(b->lg_w >= 1);
    uint32_t period = floor_lg(b->lg_w);
    if (period < 1)
        period = 1;
    if (++b->rounds >= period) {
        b->lg_w++;
        b->rounds = 0;
    }
    return b->lg_w;
}

/* True once lg_w >= WEFT_BACKOFF_PARK_LG. */
bool weft__backoff_should_park(const weft__backoff *b)
{
    return b->lg_w >= WEFT_BACKOFF_PARK_LG;
}

/* Spin waits shorter than this; a timed futex wait costs more than it saves. */
#define WEFT_BACKOFF_SPIN_NS 20000u

/* One idle round: step, then either park on n with the caller's ticket (once
 * should_park; the park ends the registration) or wait until slot k, k
 * uniform in [0, 2^lg_w), i.e. k * SLOT_NS (slot 0: no wait). The wait stays
 * registered on n, so a notify cuts it short: short waits spin watching the
 * epoch, longer ones are a timed futex wait. Returns true when it parked.
 * n is the caller's; r is the caller's per-thread generator. */
bool weft__backoff_wait(weft__backoff *b, weft__rng *r, weft__notifier *n, uint32_t ticket)
{
    weft__backoff_step(b);
    if (weft__backoff_should_park(b)) {
        weft__notifier_park(n, ticket);
        return true;
    }
    _Static_assert(WEFT_BACKOFF_PARK_LG < 32, "the window must fit the rng's range");
    uint64_t ns = (uint64_t)weft__rng_below(r, 1u << b->lg_w) * WEFT_BACKOFF_SLOT_NS;
    if (ns >= WEFT_BACKOFF_SPIN_NS) {
        weft__notifier_park_timeout(n, ticket, ns);
        return false;
    }
    uint64_t end = weft__now_ns() + ns;
    /* relaxed: only a hint to stop spinning early; whoever acts on the wake
     * re-checks its sources with proper ordering. Pairs with the epoch bump
     * in weft__notifier_notify. */
    while (atomic_load_explicit(&n->epoch, memory_order_relaxed) == ticket && weft__now_ns() < end)
        weft__cpu_relax();
    weft__notifier_cancel_park(n);
    return false;
}
