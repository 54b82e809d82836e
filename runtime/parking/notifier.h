/* A futex-based event notifier (an eventcount) with a two-phase park.
 *
 *   waiter:   t = prepare_park(n);  <announce "I am idle" elsewhere>;
 *             <re-check for work; if some: cancel_park(n) and go on>
 *             park(n, t);
 *   notifier: <publish work>; notify(n);
 *
 * A notify that happens after prepare_park is never lost: park(n, t) returns
 * at once when the epoch moved since t. glibc condition variables lost
 * wake-ups under Weave's protocol; raw futexes do not.
 *
 * The waiter's registration (waiters += 1, then read epoch) and the
 * notifier's bump (epoch += 1, then read waiters) form a Dekker pattern; all
 * four operations are seq_cst (notifier.c gives the proof), so notify() skips
 * the FUTEX_WAKE only when no waiter can still be sleeping on an old ticket.
 * notify() is a release of the caller's work and prepare_park()/park() an
 * acquire of it. Every prepare_park() must be ended by exactly one park(),
 * park_timeout() or cancel_park(); a leaked registration only costs later
 * notifies a needless system call.
 */
#ifndef WEFT_RUNTIME_NOTIFIER_H
#define WEFT_RUNTIME_NOTIFIER_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct weft__notifier {
    _Alignas(64) _Atomic uint32_t epoch;   /* the futex word; bumped by notify */
    _Atomic uint32_t waiters;              /* threads between prepare and wake */
} weft__notifier;

/* Sets epoch and waiters to 0; call before n is shared. */
void weft__notifier_init(weft__notifier *n);

/* Phase one: registers the caller as a waiter and returns the epoch ticket
 * to give to park() (or cancel with cancel_park()). */
uint32_t weft__notifier_prepare_park(weft__notifier *n);

/* Withdraws a prepare_park() without sleeping. */
void weft__notifier_cancel_park(weft__notifier *n);

/* Phase two: sleeps until a notify() that came after the prepare_park() that
 * gave `ticket` (returns at once if one already did). May return spuriously;
 * callers re-check their condition. Ends the registration. (The present
 * implementation loops until the epoch moved, EINTR included.) */
void weft__notifier_park(weft__notifier *n, uint32_t ticket);

/* Like park, but gives up after timeout_ns nanoseconds (CLOCK_MONOTONIC,
 * kept across EINTR). Ends the registration either way. */
void weft__notifier_park_timeout(weft__notifier *n, uint32_t ticket, uint64_t timeout_ns);

/* Wakes every thread parked (or about to park) on n. Cheap (no system call)
 * when nobody is registered. */
void weft__notifier_notify(weft__notifier *n);

#endif
