/* Stress test of the single-slot SPSC channels (flowvar/chan.h).
 *
 * Two phases, one producer thread and one consumer thread each:
 *  1. weft__chanp: N pointers whose values encode their sequence number
 *     (seq + 1, never NULL); the consumer checks each is exactly the next.
 *  2. weft__chanb: N payloads of 16..24 bytes (sequence, a mix of it, a
 *     checksum of both); the consumer alternates try_recv into a buffer
 *     (checking the bytes past the payload length stay untouched) with
 *     is_full + reading in place + clear, and checks every byte.
 * A hang ends the program through the watchdog (tests/common/harness.h),
 * which says how many items arrived. Exit status 0 = pass.
 *
 * N = 10,000,000 per phase (divided by 50 under WEFT_SANITIZE: TSan makes
 * each hand-off ~40x slower); WEFT_SOAK_MSGS = 2N sets it (the soak,
 * scripts/soak.sh). Prints "spsc_stress: PASS: 2N messages counted".
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowvar/chan.h"
#include "tests/common/harness.h"

#ifdef WEFT_SANITIZE
#define ITEMS 200000ull
#else
#define ITEMS 10000000ull
#endif
#define WATCHDOG_S 120u
#define PAYLOAD_MAX 24u

static uint64_t items;
static weft__chanp chp;
static weft__chanb *chb;
static _Atomic uint64_t progress; /* for the watchdog's message only */

/* One round of waiting: relax, and yield now and then (2 shared cores). */
static inline void wait_a_bit(unsigned *spins)
{
    if (++*spins % 128 == 0)
        sched_yield();
    else
        weft__cpu_relax();
}

static uint64_t mix(uint64_t x)  /* splitmix64 finaliser */
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* The payload of item seq: 16..24 bytes in p, returns the length. */
static size_t make_payload(uint64_t seq, unsigned char p[PAYLOAD_MAX])
{
    uint64_t w[3] = { seq, mix(seq), seq ^ mix(seq) ^ 0x5eedf00dull };
    memcpy(p, w, sizeof w);
    return 16 + (size_t)(seq % 9);
}

/* ---------------------------------------------------------------- phase 1 */

static void *chanp_producer(void *arg)
{
    (void)arg;
    for (uint64_t s = 0; s < items; s++) {
        unsigned spins = 0;
        while (!weft__chanp_try_send(&chp, (void *)(uintptr_t)(s + 1)))
            wait_a_bit(&spins);
    }
    return NULL;
}

/* Returns 0 when every pointer arrived once, in order. */
static int chanp_phase(void)
{
    weft__chanp_init(&chp);
    pthread_t th;
    uint64_t t0 = weft__now_ns();
    if (pthread_create(&th, NULL, chanp_producer, NULL) != 0) {
        perror("pthread_create");
        exit(2);
    }
    uint64_t empties = 0;
    for (uint64_t s = 0; s < items; s++) {
        void *p;
        unsigned spins = 0;
        while ((p = weft__chanp_try_recv(&chp)) == NULL) {
            empties++;
            wait_a_bit(&spins);
        }
        if ((uintptr_t)p != s + 1) {
            fprintf(stderr, "spsc_stress: FAIL chanp: item %llu carried %llu\n",
                    (unsigned long long)s, (unsigned long long)((uintptr_t)p - 1));
            exit(1);
        }
        /* relaxed: progress for the watchdog only. */
        atomic_store_explicit(&progress, s + 1, memory_order_relaxed);
    }
    pthread_join(th, NULL);
    double dt = weft_test_secs_since(t0);
    if (weft__chanp_is_full(&chp) || weft__chanp_try_recv(&chp) != NULL) {
        fprintf(stderr, "spsc_stress: FAIL chanp: an item after the last\n");
        return 1;
    }
    printf("spsc_stress: chanp: %llu pointers in order in %.3f s = %.2f M items/s "
           "(%llu empty polls)\n", (unsigned long long)items, dt, items / dt / 1e6,
           (unsigned long long)empties);
    return 0;
}

/* ---------------------------------------------------------------- phase 2 */

static void *chanb_producer(void *arg)
{
    (void)arg;
    unsigned char p[PAYLOAD_MAX];
    for (uint64_t s = 0; s < items; s++) {
        size_t n = make_payload(s, p);
        unsigned spins = 0;
        while (!weft__chanb_try_send(chb, p, n))
            wait_a_bit(&spins);
    }
    return NULL;
}

static void chanb_fail(uint64_t s, const char *what)
{
    fprintf(stderr, "spsc_stress: FAIL chanb: item %llu: %s\n", (unsigned long long)s, what);
    exit(1);
}

/* Returns 0 when every payload arrived once, in order, byte for byte. */
static int chanb_phase(void)
{
    chb = aligned_alloc(64, 128); /* header + PAYLOAD_MAX, rounded up */
    if (!chb) {
        perror("aligned_alloc");
        exit(2);
    }
    weft__chanb_init(chb);
    pthread_t th;
    uint64_t t0 = weft__now_ns();
    if (pthread_create(&th, NULL, chanb_producer, NULL) != 0) {
        perror("pthread_create");
        exit(2);
    }
    uint64_t empties = 0;
    unsigned char want[PAYLOAD_MAX];
    for (uint64_t s = 0; s < items; s++) {
        size_t n = make_payload(s, want);
        unsigned spins = 0;
        if (s & 1) {
            /* In place: is_full, read len and buf, clear. */
            while (!weft__chanb_is_full(chb)) {
                empties++;
                wait_a_bit(&spins);
            }
            if (chb->len != n)
                chanb_fail(s, "wrong length in place");
            if (memcmp(chb->buf, want, n) != 0)
                chanb_fail(s, "wrong bytes in place");
            weft__chanb_clear(chb);
        } else {
            /* Copy out into a buffer with a sentinel past the payload. */
            unsigned char got[PAYLOAD_MAX];
            memset(got, 0xEE, sizeof got);
            while (!weft__chanb_try_recv(chb, got, sizeof got)) {
                empties++;
                wait_a_bit(&spins);
            }
            if (memcmp(got, want, n) != 0)
                chanb_fail(s, "wrong bytes copied out");
            for (size_t i = n; i < sizeof got; i++)
                if (got[i] != 0xEE)
                    chanb_fail(s, "a byte past the payload length was written");
        }
        /* relaxed: progress for the watchdog only. */
        atomic_store_explicit(&progress, s + 1, memory_order_relaxed);
    }
    pthread_join(th, NULL);
    double dt = weft_test_secs_since(t0);
    unsigned char tmp[PAYLOAD_MAX];
    if (weft__chanb_is_full(chb) || weft__chanb_try_recv(chb, tmp, sizeof tmp)) {
        fprintf(stderr, "spsc_stress: FAIL chanb: a payload after the last\n");
        return 1;
    }
    free(chb);
    printf("spsc_stress: chanb: %llu payloads of 16..24 bytes in order in %.3f s = "
           "%.2f M items/s (%llu empty polls)\n", (unsigned long long)items, dt,
           items / dt / 1e6, (unsigned long long)empties);
    return 0;
}

int main(void)
{
    items = weft_test_env_count("WEFT_SOAK_MSGS", 2 * ITEMS, 2) / 2;
    /* The deadline: WATCHDOG_S per ITEMS items a phase. */
    unsigned mult = (unsigned)((items + ITEMS - 1) / ITEMS);
    weft_test_watchdog_count("spsc_stress", WATCHDOG_S * mult, "items received", &progress);
    if (chanp_phase() != 0 || chanb_phase() != 0)
        return 1;
    printf("spsc_stress: PASS: %llu messages counted\n", (unsigned long long)(2 * items));
    return 0;
}
