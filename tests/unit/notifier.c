/* Unit tests of the weft__notifier contract, mostly single-threaded: the
 * two-phase park, cancel, the timed park. Hangs fail through criterion's
 * per-test timeout. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <unistd.h>

#include "runtime/parking/notifier.h"
#include "runtime/util/prim.h"

/* Seconds on the runtime's one monotonic clock. */
static double now_s(void) { return (double)weft__now_ns() * 1e-9; }

Test(notifier, init_is_empty)
{
    weft__notifier n;
    weft__notifier_init(&n);
    cr_assert_eq(atomic_load(&n.epoch), 0);
    cr_assert_eq(atomic_load(&n.waiters), 0);
    cr_assert_eq((uintptr_t)&n.epoch % 64, 0, "the futex word is cache-line aligned");
}

/* The central promise: a notify between prepare_park and park is not lost;
 * park returns at once. */
Test(notifier, park_returns_when_notify_came_after_prepare, .timeout = 10)
{
    weft__notifier n;
    weft__notifier_init(&n);
    double t0 = now_s();
    for (int i = 0; i < 10000; i++) {
        uint32_t t = weft__notifier_prepare_park(&n);
        cr_assert_eq(t, (uint32_t)i, "ticket %u after %d notifies", t, i);
        cr_assert_eq(atomic_load(&n.waiters), 1);
        weft__notifier_notify(&n);
        weft__notifier_park(&n, t);
        cr_assert_eq(atomic_load(&n.waiters), 0, "park must end the registration");
    }
    double dt = now_s() - t0;
    cr_log_info("10000 prepare/notify/park in %.2f ms", dt * 1e3);
    cr_assert_lt(dt, 2.0);
}

/* A ticket from before several notifies also works, and so do stacked
 * registrations (two prepare_parks from the same notifier's viewpoint). */
Test(notifier, stale_ticket_and_several_registrations, .timeout = 10)
{
    weft__notifier n;
    weft__notifier_init(&n);
    uint32_t t1 = weft__notifier_prepare_park(&n);
    uint32_t t2 = weft__notifier_prepare_park(&n);
    cr_assert_eq(t1, t2);
    cr_assert_eq(atomic_load(&n.waiters), 2);
    for (int i = 0; i < 3; i++) weft__notifier_notify(&n);
    weft__notifier_park(&n, t1);
    cr_assert_eq(atomic_load(&n.waiters), 1);
    weft__notifier_park_timeout(&n, t2, 5000000000ull);
    cr_assert_eq(atomic_load(&n.waiters), 0);
    cr_assert_eq(atomic_load(&n.epoch), 3);
}

Test(notifier, cancel_park_ends_registration)
{
    weft__notifier n;
    weft__notifier_init(&n);
    uint32_t t = weft__notifier_prepare_park(&n);
    cr_assert_eq(t, 0);
    cr_assert_eq(atomic_load(&n.waiters), 1);
    weft__notifier_cancel_park(&n);
    cr_assert_eq(atomic_load(&n.waiters), 0);
    /* notify with nobody registered still moves the epoch (no syscall needed) */
    weft__notifier_notify(&n);
    cr_assert_eq(atomic_load(&n.epoch), 1);
    cr_assert_eq(atomic_load(&n.waiters), 0);
    /* a fresh prepare gets the new epoch */
    cr_assert_eq(weft__notifier_prepare_park(&n), 1);
    weft__notifier_cancel_park(&n);
    cr_assert_eq(atomic_load(&n.waiters), 0);
}

/* With no notify, park_timeout sleeps about timeout_ns and ends the
 * registration: not sooner, and not much later (generous bound). */
Test(notifier, park_timeout_returns_after_timeout, .timeout = 10)
{
    weft__notifier n;
    weft__notifier_init(&n);
    static const uint64_t timeouts_ns[] = { 1000000, 20000000, 100000000 };
    for (size_t k = 0; k < 3; k++) {
        uint32_t t = weft__notifier_prepare_park(&n);
        double t0 = now_s();
        weft__notifier_park_timeout(&n, t, timeouts_ns[k]);
        double dt = now_s() - t0, want = (double)timeouts_ns[k] * 1e-9;
        cr_log_info("park_timeout(%.0f ms) slept %.2f ms", want * 1e3, dt * 1e3);
        cr_assert_geq(dt, want, "park_timeout(%.3f s) returned after %.6f s", want, dt);
        cr_assert_lt(dt, want + 1.0, "park_timeout(%.3f s) returned after %.3f s", want, dt);
        cr_assert_eq(atomic_load(&n.waiters), 0);
    }
    /* zero timeout: at once */
    uint32_t t = weft__notifier_prepare_park(&n);
    double t0 = now_s();
    weft__notifier_park_timeout(&n, t, 0);
    cr_assert_lt(now_s() - t0, 0.5);
    cr_assert_eq(atomic_load(&n.waiters), 0);
}

/* park_timeout with a notify already in: returns at once, not after the
 * timeout. */
Test(notifier, park_timeout_returns_early_on_notify, .timeout = 10)
{
    weft__notifier n;
    weft__notifier_init(&n);
    uint32_t t = weft__notifier_prepare_park(&n);
    weft__notifier_notify(&n);
    double t0 = now_s();
    weft__notifier_park_timeout(&n, t, 5000000000ull);
    cr_assert_lt(now_s() - t0, 1.0);
    cr_assert_eq(atomic_load(&n.waiters), 0);
}

typedef struct { weft__notifier *n; _Atomic int flag; useconds_t delay_us; } waker_arg;

static void *waker(void *p)
{
    waker_arg *a = p;
    usleep(a->delay_us);
    /* release; pairs with the acquire load of flag by the sleeper. */
    atomic_store_explicit(&a->flag, 1, memory_order_release);
    weft__notifier_notify(a->n);
    return NULL;
}

/* Two threads: park really sleeps and a later notify wakes it (the futex
 * path, not only the epoch check); likewise park_timeout before its limit. */
Test(notifier, park_is_woken_by_notify_from_other_thread, .timeout = 10)
{
    weft__notifier n;
    weft__notifier_init(&n);
    for (int timed = 0; timed < 2; timed++) {
        waker_arg a = { .n = &n, .flag = 0, .delay_us = 50000 };
        pthread_t th;
        uint32_t t = weft__notifier_prepare_park(&n);
        double t0 = now_s();
        cr_assert_eq(pthread_create(&th, NULL, waker, &a), 0);
        if (timed) weft__notifier_park_timeout(&n, t, 5000000000ull);
        else weft__notifier_park(&n, t);
        double dt = now_s() - t0;
        pthread_join(th, NULL);
        /* acquire; pairs with the release store in waker(). */
        cr_assert(atomic_load_explicit(&a.flag, memory_order_acquire), "woke before the notify");
        cr_assert_geq(dt, 0.045, "did not sleep (%.3f s)", dt);
        cr_assert_lt(dt, 4.0, "%s woke after %.3f s", timed ? "park_timeout" : "park", dt);
        cr_assert_eq(atomic_load(&n.waiters), 0);
    }
}
