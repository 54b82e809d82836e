/* The futex eventcount behind weft__notifier (contract in notifier.h).
 *
 * Why no wake-up is lost. The waiter does   W1: waiters += 1; R1: t = epoch
 * and the notifier does                     W2: epoch += 1;   R2: w = waiters
 * All four are seq_cst, so they sit in one total order S (a Dekker pattern:
 * with anything weaker both loads could read the old values). Either
 *   - W2 precedes R1 in S: the waiter's ticket already is the new epoch; and
 *     since W2 is a release RMW read by the acquire R1, the work the notifier
 *     published before notify() is visible to the waiter's re-check after
 *     prepare_park(), so it does not park on that work; or
 *   - R1 precedes W2: then W1 < R1 < W2 < R2 in S, so R2 reads a count that
 *     includes the waiter and the notifier calls FUTEX_WAKE after W2. The
 *     kernel compares the futex word with the ticket under the bucket lock:
 *     a waiter that arrives after W2 sees epoch != ticket (EAGAIN), one that
 *     is already queued is woken by the FUTEX_WAKE.
 *
 * The epoch is 32 bits (the futex word) and wraps: a ticket would be fooled
 * only by exactly 2^32 notifies between prepare_park() and park(). */
#include "runtime/parking/notifier.h"

#include <errno.h>
#include <stdbool.h>
#include <time.h>
#include "runtime/util/prim.h"

/* Sets epoch and waiters to 0. Not thread-safe: call before sharing n. */
void weft__notifier_init(weft__notifier *n)
{
    /* relaxed: n is not shared yet; publishing n to other threads (e.g. by
     * pthread_create) orders these stores. */
    atomic_store_explicit(&n->epoch, 0, memory_order_relaxed);
    atomic_store_explicit(&n->waiters, 0, memory_order_relaxed);
}

/* Model-checked in verify/notifier.pml (docs/verification.md). */
/* Registers the caller (waiters += 1), then reads the epoch ticket. The
 * caller must end the registration with exactly one park(), park_timeout()
 * or cancel_park(). */
uint32_t weft__notifier_prepare_park(weft__notifier *n)
{
    /* seq_cst RMW (W1 above); Dekker pair with the seq_cst epoch bump and
     * waiters load in weft__notifier_notify: this increment must be ordered
     * before the epoch load just below. */
    atomic_fetch_add_explicit(&n->waiters, 1, memory_order_seq_cst);
    /* seq_cst load (R1 above); pairs with the seq_cst fetch_add of epoch in
     * weft__notifier_notify (Dekker), and acquires what the notifier
     * published before it. */
    return atomic_load_explicit(&n->epoch, memory_order_seq_cst);
}

/* Ends a registration without sleeping (waiters -= 1). */
void weft__notifier_cancel_park(weft__notifier *n)
{
    /* relaxed RMW: the count only decides whether notify() makes a system
     * call. Every value of the RMW chain between a waiter's increment and this
     * decrement includes it; a notifier reading a count that still includes
     * this waiter makes one needless FUTEX_WAKE, nothing worse. */
    atomic_fetch_sub_explicit(&n->waiters, 1, memory_order_relaxed);
}

/* Model-checked in verify/notifier.pml (docs/verification.md). */
/* Sleeps while the epoch still equals `ticket`, then ends the registration.
 * Loops over spurious futex returns and EINTR, so in fact it returns only
 * once the epoch moved (the header allows spurious returns; callers re-check
 * their condition anyway). */
void weft__notifier_park(weft__notifier *n, uint32_t ticket)
{
    /* acquire load; pairs with the seq_cst (release) epoch bump in notify():
     * once it reads a new epoch, what the notifier published is visible. */
    while (atomic_load_explicit(&n->epoch, memory_order_acquire) == ticket)
        (void)weft__futex_wait(&n->epoch, ticket, NULL);   /* 0, EAGAIN, EINTR: re-check */
    weft__notifier_cancel_park(n);
}

/* Like park, but gives up once timeout_ns have passed (measured on
 * CLOCK_MONOTONIC across EINTR and spurious returns). Ends the registration
 * either way. timeout_ns = 0 returns at once. */
void weft__notifier_park_timeout(weft__notifier *n, uint32_t ticket, uint64_t timeout_ns)
{
    uint64_t deadline = weft__now_ns() + timeout_ns;
    /* acquire load; pairs with the seq_cst (release) epoch bump in notify(). */
    while (atomic_load_explicit(&n->epoch, memory_order_acquire) == ticket) {
        uint64_t now = weft__now_ns();
        if (now >= deadline)
            break;
        uint64_t left = deadline - now;
        struct timespec rel = { .tv_sec = (time_t)(left / 1000000000u),
                                .tv_nsec = (long)(left % 1000000000u) };
        if (weft__futex_wait(&n->epoch, ticket, &rel) == ETIMEDOUT)
            break;
    }
    weft__notifier_cancel_park(n);
}

/* Model-checked in verify/notifier.pml (docs/verification.md). */
/* Bumps the epoch, then wakes all sleepers if anyone is registered. The
 * caller publishes its work before calling. Makes no system call when
 * nobody is between prepare_park and the end of its registration. */
void weft__notifier_notify(weft__notifier *n)
{
    /* seq_cst RMW (W2 above); Dekker pair with the seq_cst waiters increment
     * and epoch load in weft__notifier_prepare_park; its release half
     * publishes the caller's work to the waiter that reads the new epoch. */
    atomic_fetch_add_explicit(&n->epoch, 1, memory_order_seq_cst);
    /* seq_cst load (R2 above): must not be reordered before the bump; pairs
     * with the seq_cst increment in weft__notifier_prepare_park. */
    if (atomic_load_explicit(&n->waiters, memory_order_seq_cst) != 0)
        weft__futex_wake_all(&n->epoch);
}
