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
 */
#ifndef WEFT_RUNTIME_NOTIFIER_H
#define WEFT_RUNTIME_NOTIFIER_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct weft__notifier {
    _Alignas(64) _Atomic uint32_t epoch;   /* the futex word; bumped by notify */
    _Atomic uint32_t waiters;              /* threads between prepare and wake */
} weft__notifier;

void weft__notifier_init(weft__notifier *n);

/* Phase one: registers the caller as a waiter and returns the epoch ticket
 * to give to park() (or cancel with cancel_park()). */
uint32_t weft__notifier_prepare_park(weft__notifier *n);

/* Withdraws a prepare_park() without sleeping. */
void weft__notifier_cancel_park(weft__notifier *n);

/* Phase two: sleeps until a notify() that came after the prepare_park() that
 * gave `ticket` (returns at once if one already did). May return spuriously;
 * callers re-check their condition. Ends the registration. */
void weft__notifier_park(weft__notifier *n, uint32_t ticket);

/* Like park, but gives up after timeout_ns nanoseconds. */
void weft__notifier_park_timeout(weft__notifier *n, uint32_t ticket, uint64_t timeout_ns);

/* Wakes every thread parked (or about to park) on n. Cheap (no system call)
 * when nobody is registered. */
void weft__notifier_notify(weft__notifier *n);

#endif
