/* idle_strategies: three ways for an idle thread to wait for work, side by
 * side on one wake path (issue 10, item 4; docs/benchmarks.md, "Idle
 * strategies"): wake latency against wake-ups per idle second.
 *
 *   idle_strategies [WAKES [GAP_MIN_MS GAP_MAX_MS]]     (20, 100 300)
 *
 * An in-benchmark experiment, not the executor itself: one waiter thread
 * waits for a work word; the main thread, after an idle gap (uniform in
 * [GAP_MIN_MS, GAP_MAX_MS]), stamps the clock, stores the stamp (release)
 * and calls weft__notifier_notify on the waiter's notifier: the same post for
 * every strategy (the polling ones never register, so their notify makes no
 * system call). The waiter, once it sees the word (acquire), stamps the clock
 * again: wake latency = seen - posted. A wake-up is every return from a sleep
 * or a spin slot after which the waiter looks at the word; wake-ups per idle
 * second = wake-ups / the time the waiter spent waiting. cpu_pct is the
 * waiter's thread CPU time over that time.
 *
 *   exp      exponential backoff: sleep 1 ms, 2, 4, ... up to CAP ms
 *            (nanosleep), then CAP ms at a time; CAP = 16 is what the
 *            quarantine's original design proposed (Weave's waitFor sleeps
 *            1-16 ms the same way). Swept over CAP = 1, 2, 4, 8, 16 ms.
 *   loglog   log-log-iterated backoff as pure polling: the window of
 *            runtime/parking/backoff.c (weft__backoff_step: W <- W(1 + 1/lg
 *            lg W), 1 us slots), capped at 2^CAP slots; each round sleeps a
 *            random slot of the window (spinning under 20 us, nanosleep
 *            above). Swept over CAP = 10, 11, 12, 13, 14 (2^14 slots = 16 ms).
 *   park     park on the notifier (runtime/parking/notifier.h: prepare,
 *            re-check, park): a futex sleep with no timeout, ended by the
 *            post's notify.
 *   weft     what weft's own idle loops do (weft__backoff_wait): the
 *            log-log window, registered on the notifier so the notify cuts a
 *            sleep short, and a real park once the window reaches 2^14.
 *
 * Prints a CSV on stdout (header first; one line per strategy and CAP) and
 * a progress line per point on stderr. Exit 0 unless a post was missed. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "runtime/parking/backoff.h"
#include "runtime/parking/notifier.h"
#include "runtime/util/prim.h"
#include "runtime/util/rng.h"

enum { S_EXP, S_LOGLOG, S_PARK, S_WEFT };
static const char *const names[] = {"exp", "loglog", "park", "weft"};

/* The wake path, shared by the poster and the waiter. */
static weft__notifier note;
static _Atomic uint64_t work;     /* the post's stamp (ns), 0: nothing posted */
static _Atomic int quit;

/* One point's settings and what the waiter counted. */
static int strategy;
static uint32_t cap;              /* exp: ms; loglog: lg of the slots */
static uint64_t wakeups, idle_ns, cpu_ns;
static uint64_t *lat;             /* per post, ns */
static uint32_t nlat;
static _Atomic uint32_t seen;     /* posts the waiter has taken */

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec t = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&t, &t) != 0) {}
}

/* The posted stamp, or 0. acquire: pairs with the poster's release store. */
static uint64_t look(void) { return atomic_load_explicit(&work, memory_order_acquire); }

/* Waits for one post with the point's strategy; returns its stamp. */
static uint64_t wait_one(weft__rng *r)
{
    uint64_t p;
    switch (strategy) {
    case S_EXP: {
        uint64_t d = 1000000u, max = (uint64_t)cap * 1000000u;
        while ((p = look()) == 0) {
            sleep_ns(d);
            wakeups++;
            if (d < max) d = 2 * d < max ? 2 * d : max;
        }
        return p;
    }
    case S_LOGLOG: {
        weft__backoff b;
        weft__backoff_reset(&b);
        while ((p = look()) == 0) {
            uint32_t lg = weft__backoff_step(&b);
            if (lg > cap) lg = cap;
            uint64_t ns = (uint64_t)weft__rng_below(r, 1u << lg) * WEFT_BACKOFF_SLOT_NS;
            if (ns >= 20000u) {
                sleep_ns(ns);
            } else {
                uint64_t end = weft__now_ns() + ns;
                while (weft__now_ns() < end) weft__cpu_relax();
            }
            wakeups++;
        }
        return p;
    }
    case S_PARK:
        for (;;) {
            uint32_t t = weft__notifier_prepare_park(&note);
            if ((p = look()) != 0) {
                weft__notifier_cancel_park(&note);
                return p;
            }
            weft__notifier_park(&note, t);
            wakeups++;
        }
    default: { /* S_WEFT */
        weft__backoff b;
        weft__backoff_reset(&b);
        for (;;) {
            uint32_t t = weft__notifier_prepare_park(&note);
            if ((p = look()) != 0) {
                weft__notifier_cancel_park(&note);
                return p;
            }
            weft__backoff_wait(&b, r, &note, t);
            wakeups++;
        }
    }
    }
}

static void *waiter_main(void *arg)
{
    (void)arg;
    weft__rng r;
    weft__rng_seed(&r, 0x5eed ^ weft__now_ns());
    /* relaxed: quit is set after the last post was taken (seen); the join
     * orders the counters. */
    while (!atomic_load_explicit(&quit, memory_order_relaxed)) {
        uint64_t t0 = weft__now_ns(), c0 = thread_cpu_ns();
        uint64_t posted = wait_one(&r);
        uint64_t t1 = weft__now_ns();
        cpu_ns += thread_cpu_ns() - c0;
        idle_ns += t1 - t0;
        if (posted == UINT64_MAX) break; /* the stop post */
        lat[nlat++] = t1 - posted;
        atomic_store_explicit(&work, 0, memory_order_relaxed); /* only this thread reads it before the next post */
        /* release: pairs with the poster's acquire wait on seen; the reset
         * of work comes before the next post. */
        atomic_fetch_add_explicit(&seen, 1, memory_order_release);
    }
    return NULL;
}

static void post(uint64_t v)
{
    /* release: pairs with the waiter's acquire look(). Then the notify, after
     * the store (notifier.h: publish, then notify). */
    atomic_store_explicit(&work, v, memory_order_release);
    weft__notifier_notify(&note);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int run_point(int s, uint32_t c, uint32_t wakes, uint32_t gmin, uint32_t gmax, unsigned *seed)
{
    strategy = s;
    cap = c;
    wakeups = idle_ns = cpu_ns = 0;
    nlat = 0;
    /* Before the waiter starts: pthread_create orders these for it. */
    atomic_store_explicit(&work, 0, memory_order_relaxed);
    atomic_store_explicit(&seen, 0, memory_order_relaxed);
    atomic_store_explicit(&quit, 0, memory_order_relaxed);
    weft__notifier_init(&note);
    pthread_t t;
    pthread_create(&t, NULL, waiter_main, NULL);
    for (uint32_t i = 0; i < wakes; i++) {
        uint32_t gap = gmin + (gmax > gmin ? (uint32_t)rand_r(seed) % (gmax - gmin + 1) : 0);
        sleep_ns((uint64_t)gap * 1000000u);
        post(weft__now_ns());
        /* acquire: pairs with the waiter's release increment. */
        while (atomic_load_explicit(&seen, memory_order_acquire) <= i) sleep_ns(200000);
    }
    /* relaxed: the stop post (a release, then the notify) ends a wait
     * that began before the waiter could see quit. */
    atomic_store_explicit(&quit, 1, memory_order_relaxed);
    post(UINT64_MAX);
    pthread_join(t, NULL);
    if (nlat != wakes) {
        fprintf(stderr, "idle_strategies: %s cap %u: %u of %u posts seen\n", names[s], c, nlat, wakes);
        return 1;
    }
    qsort(lat, nlat, sizeof *lat, cmp_u64);
    double sum = 0;
    for (uint32_t i = 0; i < nlat; i++) sum += (double)lat[i];
    double idle_s = (double)idle_ns / 1e9;
    uint32_t k99 = (uint32_t)((uint64_t)nlat * 99 / 100);
    if (k99 >= nlat) k99 = nlat - 1;
    char param[16];
    if (s == S_EXP) snprintf(param, sizeof param, "%ums", c);
    else if (s == S_LOGLOG) snprintf(param, sizeof param, "2^%u", c);
    else snprintf(param, sizeof param, "-");
    printf("%s,%s,%u,%.3f,%llu,%.1f,%.1f,%.1f,%.1f,%.3f\n", names[s], param, nlat, idle_s,
           (unsigned long long)wakeups, (double)wakeups / idle_s, (double)lat[nlat / 2] / 1e3,
           (double)lat[k99] / 1e3, sum / nlat / 1e3, 100.0 * (double)cpu_ns / (double)idle_ns);
    fflush(stdout);
    fprintf(stderr, "  %-6s %-5s %3u wakes: latency p50 %9.1f us, %8.1f wake-ups per idle second\n", names[s],
            param, nlat, (double)lat[nlat / 2] / 1e3, (double)wakeups / idle_s);
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t wakes = argc > 1 ? (uint32_t)atoi(argv[1]) : 20;
    uint32_t gmin = argc > 3 ? (uint32_t)atoi(argv[2]) : 100, gmax = argc > 3 ? (uint32_t)atoi(argv[3]) : 300;
    if (wakes < 1 || gmax < gmin || argc == 3 || argc > 4) {
        fprintf(stderr, "usage: idle_strategies [WAKES [GAP_MIN_MS GAP_MAX_MS]]\n");
        return 2;
    }
    lat = malloc(wakes * sizeof *lat);
    unsigned seed = 2026;
    printf("strategy,cap,wakes,idle_s,wakeups,wakeups_per_s,lat_p50_us,lat_p99_us,lat_mean_us,cpu_pct\n");
    int bad = 0;
    static const uint32_t exp_caps[] = {1, 2, 4, 8, 16}, ll_caps[] = {10, 11, 12, 13, 14};
    for (int i = 0; i < 5; i++) bad |= run_point(S_EXP, exp_caps[i], wakes, gmin, gmax, &seed);
    for (int i = 0; i < 5; i++) bad |= run_point(S_LOGLOG, ll_caps[i], wakes, gmin, gmax, &seed);
    bad |= run_point(S_PARK, 0, wakes, gmin, gmax, &seed);
    bad |= run_point(S_WEFT, 0, wakes, gmin, gmax, &seed);
    free(lat);
    return bad;
}
