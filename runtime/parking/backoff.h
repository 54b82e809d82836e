/* Log-log-iterated backoff (Bender, Farach-Colton, He, Kuszmaul, Leiserson,
 * SPAA 2005), in integer form.
 *
 * The window W = 2^lg_w grows as W <- W(1 + 1/lg lg W): lg_w goes up by one
 * once every max(1, floor(lg lg_w)) idle rounds. A thread
 * that polls several sources calls weft__backoff_wait() after each empty
 * poll and weft__backoff_reset() when it found something. Each idle round
 * waits until a slot picked at random in the current window; past
 * WEFT_BACKOFF_PARK_LG the wait ends in a real park on a notifier instead of
 * more timed polling. The loop of a polling thread:
 *
 *   for (;;) {
 *       uint32_t t = weft__notifier_prepare_park(n);
 *       if (poll_sources()) { weft__notifier_cancel_park(n); weft__backoff_reset(&b); continue; }
 *       weft__backoff_wait(&b, &rng, n, t);   // sleeps a slot, or parks
 *   }
 */
#ifndef WEFT_RUNTIME_BACKOFF_H
#define WEFT_RUNTIME_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>
#include "runtime/parking/notifier.h"
#include "runtime/util/rng.h"

/* One slot of the window, in nanoseconds. */
#define WEFT_BACKOFF_SLOT_NS 1000u
/* Once lg_w reaches this, an idle round parks on the notifier. */
#define WEFT_BACKOFF_PARK_LG 14u
/* A thief whose request came back goes to sleep at its parent in the
 * worker tree (WAITING) only once lg_w has reached this (windows of 128
 * slots, about 150 us of asking again after the work ran out): a parallel
 * region that starts again within that time finds it awake, not parked
 * (a futex wake-up, tens of microseconds, per region otherwise). */
#define WEFT_BACKOFF_TREE_LG 7u

typedef struct weft__backoff {
    uint32_t lg_w;    /* log2 of the window, starts at 1 */
    uint32_t rounds;  /* idle rounds since lg_w last grew */
} weft__backoff;

/* Starts (or restarts) with the smallest window. */
void weft__backoff_reset(weft__backoff *b);

/* Counts one idle round and grows the window per the formula; returns the
 * new lg_w. Pure: no waiting (tests check the sequence against the formula).
 * lg_w is not capped at WEFT_BACKOFF_PARK_LG (it grows ever slower). */
uint32_t weft__backoff_step(weft__backoff *b);

/* True when the window is so large that the next wait should be a park. */
bool weft__backoff_should_park(const weft__backoff *b);

/* One idle round: step, then wait. While the window is small, sleeps until a
 * slot k picked at random in [0, 2^lg_w) slots, i.e. k * WEFT_BACKOFF_SLOT_NS
 * (k = 0: returns at once); once should_park (tested after the step), parks on n
 * (with `ticket` from weft__notifier_prepare_park, taken by the caller before
 * it re-checked its sources) until notified; when it does not park it
 * cancels that registration. Returns true when it parked. */
bool weft__backoff_wait(weft__backoff *b, weft__rng *r, weft__notifier *n, uint32_t ticket);

#endif
