/* Log-log-iterated backoff (contract in backoff.h). Per-thread state: no
 * atomics here; the only shared object is the notifier. */
#include "runtime/parking/backoff.h"

#include <assert.h>
#include <errno.h>
#include <time.h>

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

/* Sleeps ns nanoseconds on CLOCK_MONOTONIC, resuming after signals. */
static void sleep_ns(uint64_t ns)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    uint64_t nsec = (uint64_t)until.tv_nsec + ns;
    until.tv_sec += (time_t)(nsec / 1000000000u);
    until.tv_nsec = (long)(nsec % 1000000000u);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
        ;
}

/* One idle round: step, then either park on n with the caller's ticket (once
 * should_park; the park ends the registration) or cancel the registration
 * and sleep until slot k, k uniform in [0, 2^lg_w), i.e. k * SLOT_NS (slot 0:
 * no sleep). Returns true when it parked. n is the caller's; r is the
 * caller's per-thread generator. */
bool weft__backoff_wait(weft__backoff *b, weft__rng *r, weft__notifier *n, uint32_t ticket)
{
    weft__backoff_step(b);
    if (weft__backoff_should_park(b)) {
        weft__notifier_park(n, ticket);
        return true;
    }
    /* Withdraw first, so notifiers need not make a system call while this
     * thread merely naps; it re-registers at its next prepare_park. */
    weft__notifier_cancel_park(n);
    _Static_assert(WEFT_BACKOFF_PARK_LG < 32, "the window must fit the rng's range");
    uint32_t slot = weft__rng_below(r, 1u << b->lg_w);
    if (slot != 0)
        sleep_ns((uint64_t)slot * WEFT_BACKOFF_SLOT_NS);
    return false;
}
