/* Unit tests of the log-log-iterated backoff (weft__backoff_*) and of the
 * generator it draws slots with (weft__rng_*). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "runtime/parking/backoff.h"
#include "runtime/util/prim.h"

/* Seconds on the runtime's one monotonic clock. */
static double now_s(void) { return (double)weft__now_ns() * 1e-9; }

/* The expected values of lg_w after each of the first n steps, written from
 * the formula independently of backoff.c: level L lasts max(1, floor(log2 L))
 * rounds; floor(log2 L) is found by doubling, not with clz. During a level the
 * first period-1 rounds return L and its last round returns L + 1. */
static void expected_sequence(uint32_t *out, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t level = 1; k < n; level++) {
        uint32_t lg = 0;
        while ((2u << lg) <= level) lg++;          /* 2^(lg+1) > level >= 2^lg */
        uint32_t period = lg > 1 ? lg : 1;
        for (uint32_t r = 1; r <= period && k < n; r++)
            out[k++] = r < period ? level : level + 1;
    }
}

#define SEQ_ROUNDS 5000

Test(backoff, step_sequence_matches_formula)
{
    static uint32_t want[SEQ_ROUNDS];
    expected_sequence(want, SEQ_ROUNDS);
    /* the first values, worked out by hand, to check the checker */
    static const uint32_t head[] = { 2, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 8, 9, 9, 9, 10 };
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        cr_assert_eq(want[i], head[i], "formula round %zu: %u, by hand %u", i + 1, want[i], head[i]);

    weft__backoff b;
    weft__backoff_reset(&b);
    cr_assert_eq(b.lg_w, 1);
    for (uint32_t i = 0; i < SEQ_ROUNDS; i++) {
        uint32_t got = weft__backoff_step(&b);
        cr_assert_eq(got, want[i], "round %u: step gave lg_w %u, formula %u", i + 1, got, want[i]);
        cr_assert_eq(b.lg_w, got);
    }
    cr_log_info("lg_w after %d rounds: %u", SEQ_ROUNDS, b.lg_w);
}

Test(backoff, reset_returns_to_start)
{
    weft__backoff b, fresh;
    weft__backoff_reset(&fresh);
    weft__backoff_reset(&b);
    for (int i = 0; i < 1000; i++) weft__backoff_step(&b);
    cr_assert_gt(b.lg_w, WEFT_BACKOFF_PARK_LG);
    weft__backoff_reset(&b);
    cr_assert_eq(b.lg_w, 1);
    cr_assert_eq(b.rounds, 0);
    cr_assert(!weft__backoff_should_park(&b));
    /* also reset in the middle of a level (rounds != 0) */
    for (int i = 0; i < 12; i++) weft__backoff_step(&b);
    cr_assert_neq(b.rounds, 0);
    weft__backoff_reset(&b);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(weft__backoff_step(&b), weft__backoff_step(&fresh), "round %d after reset", i + 1);
}

Test(backoff, should_park_exactly_at_park_lg)
{
    static uint32_t want[SEQ_ROUNDS];
    expected_sequence(want, SEQ_ROUNDS);
    weft__backoff b;
    weft__backoff_reset(&b);
    bool parked_before = false;
    uint32_t first = 0;
    for (uint32_t i = 0; i < 200; i++) {
        weft__backoff_step(&b);
        bool p = weft__backoff_should_park(&b);
        cr_assert_eq(p, b.lg_w >= WEFT_BACKOFF_PARK_LG, "round %u: lg_w %u, should_park %d",
                     i + 1, b.lg_w, p);
        if (p && !parked_before) { first = i + 1; cr_assert_eq(b.lg_w, WEFT_BACKOFF_PARK_LG); }
        if (parked_before) cr_assert(p, "should_park fell back to false at round %u", i + 1);
        parked_before = p;
    }
    /* the first parking round per the formula */
    uint32_t want_first = 0;
    while (want[want_first] < WEFT_BACKOFF_PARK_LG) want_first++;
    cr_assert_eq(first, want_first + 1, "first park at round %u, formula says %u", first, want_first + 1);
    cr_log_info("first park at idle round %u (lg_w %u)", first, WEFT_BACKOFF_PARK_LG);
}

/* While the window is small, wait() sleeps at most 2^lg_w slots and never
 * parks, and it withdraws the caller's registration. Runs the rounds up to
 * lg_w 11 (2048 slots, 2 ms at most each) and bounds the total generously. */
Test(backoff, small_window_wait_returns_without_parking, .timeout = 20)
{
    weft__notifier n;
    weft__notifier_init(&n);
    weft__rng r;
    weft__rng_seed(&r, 7);
    weft__backoff b;
    weft__backoff_reset(&b);
    double t0 = now_s();
    int rounds = 0;
    while (b.lg_w < 11) {
        uint32_t t = weft__notifier_prepare_park(&n);
        cr_assert_eq(atomic_load(&n.waiters), 1);
        bool parked = weft__backoff_wait(&b, &r, &n, t);
        cr_assert(!parked, "round %d parked at lg_w %u", rounds + 1, b.lg_w);
        cr_assert_eq(atomic_load(&n.waiters), 0, "registration not cancelled at round %d", rounds + 1);
        rounds++;
    }
    double dt = now_s() - t0;
    cr_log_info("%d small-window rounds in %.3f ms", rounds, dt * 1e3);
    /* sum of the largest possible sleeps is under 8 ms; allow for a noisy box */
    cr_assert_lt(dt, 2.0, "%d small-window waits took %.3f s", rounds, dt);
    cr_assert_eq(atomic_load(&n.epoch), 0, "wait must not notify");
}

/* Once should_park, a notify issued after the ticket makes wait() return at
 * once (it parks with the ticket, sees the moved epoch, ends the
 * registration). A lost notify would hang: the test's timeout fails it. */
Test(backoff, park_with_notify_after_ticket_returns, .timeout = 10)
{
    weft__notifier n;
    weft__notifier_init(&n);
    weft__rng r;
    weft__rng_seed(&r, 8);
    weft__backoff b;
    weft__backoff_reset(&b);
    while (!weft__backoff_should_park(&b)) weft__backoff_step(&b);
    double t0 = now_s();
    for (int i = 0; i < 1000; i++) {
        uint32_t t = weft__notifier_prepare_park(&n);
        weft__notifier_notify(&n);
        cr_assert(weft__backoff_wait(&b, &r, &n, t), "round %d did not park", i);
        cr_assert_eq(atomic_load(&n.waiters), 0);
    }
    double dt = now_s() - t0;
    cr_log_info("1000 park-after-notify waits in %.3f ms", dt * 1e3);
    cr_assert_lt(dt, 2.0);
}

typedef struct { weft__notifier *n; _Atomic int *flag; } waker_arg;

static void *late_waker(void *p)
{
    waker_arg *a = p;
    usleep(50000);
    /* release; pairs with the acquire load of flag in the test body. */
    atomic_store_explicit(a->flag, 1, memory_order_release);
    weft__notifier_notify(a->n);
    return NULL;
}

/* A parked wait really sleeps and is woken by a notify from another thread. */
Test(backoff, park_is_woken_by_other_thread, .timeout = 10)
{
    weft__notifier n;
    weft__notifier_init(&n);
    weft__rng r;
    weft__rng_seed(&r, 9);
    weft__backoff b;
    weft__backoff_reset(&b);
    while (!weft__backoff_should_park(&b)) weft__backoff_step(&b);
    _Atomic int flag = 0;
    waker_arg a = { &n, &flag };
    pthread_t th;
    double t0 = now_s();
    cr_assert_eq(pthread_create(&th, NULL, late_waker, &a), 0);
    /* the polling loop of backoff.h, with one source: flag */
    int waits = 0;
    for (;;) {
        uint32_t t = weft__notifier_prepare_park(&n);
        /* acquire; pairs with the release store in late_waker. */
        if (atomic_load_explicit(&flag, memory_order_acquire)) { weft__notifier_cancel_park(&n); break; }
        cr_assert(weft__backoff_wait(&b, &r, &n, t));
        waits++;
    }
    double dt = now_s() - t0;
    pthread_join(th, NULL);
    cr_log_info("woken after %.1f ms and %d waits", dt * 1e3, waits);
    cr_assert_geq(waits, 1);
    cr_assert_lt(waits, 100, "a parked thread spun: %d waits", waits);
    cr_assert_geq(dt, 0.045);
    cr_assert_eq(atomic_load(&n.waiters), 0);
}

/* ---------------------------------------------------------------- rng */

Test(rng, below_stays_in_range)
{
    weft__rng r;
    weft__rng_seed(&r, 1);
    static const uint32_t ns[] = { 1, 2, 3, 7, 10, 1000, 65537, 0x80000001u, 0xffffffffu };
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        uint32_t lo = 0xffffffffu, hi = 0;
        for (int i = 0; i < 100000; i++) {
            uint32_t v = weft__rng_below(&r, ns[k]);
            cr_assert_lt(v, ns[k], "rng_below(%u) gave %u", ns[k], v);
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        if (ns[k] <= 1000) {    /* small ranges: both ends are reached */
            cr_assert_eq(lo, 0, "rng_below(%u) never gave 0", ns[k]);
            cr_assert_eq(hi, ns[k] - 1, "rng_below(%u) never gave %u", ns[k], ns[k] - 1);
        }
    }
}

Test(rng, seeds_give_distinct_streams)
{
    enum { SEEDS = 64, LEN = 8 };
    uint64_t out[SEEDS][LEN];
    for (int s = 0; s < SEEDS; s++) {
        weft__rng r;
        weft__rng_seed(&r, (uint64_t)s);     /* 0 included: valid state */
        for (int i = 0; i < LEN; i++) out[s][i] = weft__rng_next(&r);
        cr_assert(out[s][0] | out[s][1], "seed %d gives a zero stream", s);
    }
    for (int a = 0; a < SEEDS; a++)
        for (int b = a + 1; b < SEEDS; b++)
            cr_assert(memcmp(out[a], out[b], sizeof out[a]) != 0, "seeds %d and %d give one stream", a, b);
    /* same seed, same stream */
    weft__rng r1, r2;
    weft__rng_seed(&r1, 12345);
    weft__rng_seed(&r2, 12345);
    for (int i = 0; i < 1000; i++) cr_assert_eq(weft__rng_next(&r1), weft__rng_next(&r2));
}
