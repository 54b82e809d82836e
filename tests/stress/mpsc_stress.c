/* Stress test of the intrusive MPSC channel (runtime/channels/mpsc.h).
 *
 * 8 producers each send N preallocated messages (producer id + sequence
 * number, the node embedded), mixing single sends and pre-linked batches of
 * 1..64 (the odd ones pacing themselves on the count); one consumer mixes
 * single and batched receives of random size.
 * Checks: each producer's messages arrive exactly once and in order (the
 * sequence number is exactly the next one expected and the node is the one
 * that producer preallocated for it), the totals are exact, the approximate
 * count stays within what in-flight sends allow and is 0 at the end.
 * A hang ends the program through the watchdog (tests/common/harness.h),
 * which says how many messages arrived. Exit status 0 = pass.
 *
 * N = 1,000,000 (500,000 under WEFT_SANITIZE, where a run still takes only
 * seconds), one round. The soak (scripts/soak.sh) sets WEFT_SOAK_MSGS, a
 * multiple of 8N: that many messages, in rounds of 8N, and WEFT_SOAK_SEED,
 * which seeds the rounds' random choices (default 1: the suite's). Prints
 * "mpsc_stress: PASS: M messages counted".
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/channels/mpsc.h"
#include "runtime/util/rng.h"
#include "tests/common/harness.h"

#define PRODUCERS 8
#define MAX_BATCH 64
#ifdef WEFT_SANITIZE
#define PER_PRODUCER 500000u
#else
#define PER_PRODUCER 1000000u
#endif
#define WATCHDOG_S 120u

typedef struct msg {
    weft__mpsc_node node; /* first member: node <-> msg by a cast */
    uint32_t producer;
    uint32_t seq;
} msg;

static weft__mpsc chan;
static msg *msgs[PRODUCERS];
static atomic_bool go;
static _Atomic uint64_t received; /* for the watchdog's message only */
static uint64_t seed;             /* WEFT_SOAK_SEED; set before any thread starts */
static unsigned cur_round;        /* set before the round's producers start */
static uint64_t counted;          /* messages of the rounds that passed */

/* Producer p: sends msgs[p][0..N) in order, singly or in batches. */
static void *producer(void *arg)
{
    uint32_t p = (uint32_t)(uintptr_t)arg;
    weft__rng rng;
    weft__rng_seed(&rng, 0x9e37u + p + 977u * cur_round + (seed << 32));
    msg *m = msgs[p];
    /* relaxed: a start line to make producers overlap; no data. */
    while (!atomic_load_explicit(&go, memory_order_relaxed))
        sched_yield();
    /* Odd producers pace themselves on the approximate count (wait until
     * the queue is nearly drained before half of their sends), so the
     * consumer often reaches the end of the list: the stub re-insert and
     * the cut (tail swapped, link not yet stored) get exercised, not only
     * the long-queue fast path. */
    bool paced = p & 1u;
    uint32_t i = 0;
    while (i < PER_PRODUCER) {
        if (paced && weft__rng_below(&rng, 2) == 0) {
            unsigned spins = 0;
            while (weft__mpsc_count(&chan) > 8)
                if (++spins % 64 == 0)
                    sched_yield();
                else
                    weft__cpu_relax();
        }
        if (weft__rng_below(&rng, 2) == 0) {
            m[i].producer = p;
            m[i].seq = i;
            weft__mpsc_send(&chan, &m[i].node);
            i++;
            continue;
        }
        uint32_t b = 1 + weft__rng_below(&rng, MAX_BATCH);
        if (b > PER_PRODUCER - i)
            b = PER_PRODUCER - i;
        for (uint32_t j = 0; j < b; j++) {
            m[i + j].producer = p;
            m[i + j].seq = i + j;
            if (j + 1 < b)
                /* relaxed: published by the release link in send_batch. */
                atomic_store_explicit(&m[i + j].node.next, &m[i + j + 1].node,
                                      memory_order_relaxed);
        }
        weft__mpsc_send_batch(&chan, &m[i].node, &m[i + b - 1].node, b);
        i += b;
    }
    return NULL;
}

/* Checks one received message against the per-producer expectation.
 * Returns false on the first failure (the run stops there). */
static bool accept(const weft__mpsc_node *n, uint32_t *expect)
{
    const msg *m = (const msg *)n;
    uint32_t p = m->producer;
    if (p >= PRODUCERS) {
        CHECK(p < PRODUCERS, "bad producer id %u", p);
        return false;
    }
    if (m->seq != expect[p] || m != &msgs[p][expect[p]]) {
        CHECK(m->seq == expect[p] && m == &msgs[p][expect[p]],
              "producer %u: got seq %u (node %p), expected seq %u (node %p)",
              p, m->seq, (const void *)m, expect[p], (void *)&msgs[p][expect[p]]);
        return false;
    }
    expect[p]++;
    return true;
}

/* One round: spawn producers, consume everything, check. Returns seconds. */
static double round_once(unsigned round)
{
    for (int p = 0; p < PRODUCERS; p++)
        memset(msgs[p], 0xA5, sizeof(msg) * PER_PRODUCER);
    weft__mpsc_init(&chan);
    atomic_store(&go, false);
    cur_round = round;

    pthread_t th[PRODUCERS];
    for (int p = 0; p < PRODUCERS; p++)
        if (pthread_create(&th[p], NULL, producer, (void *)(uintptr_t)p) != 0) {
            perror("pthread_create");
            exit(2);
        }

    uint32_t expect[PRODUCERS] = {0};
    const uint64_t total = (uint64_t)PRODUCERS * PER_PRODUCER;
    uint64_t got = 0, singles = 0, batches = 0, empties = 0;
    int64_t min_count = 0;
    weft__rng rng;
    weft__rng_seed(&rng, 0xC0FFEEu + round + (seed << 32));
    uint64_t t0 = weft__now_ns();
    atomic_store(&go, true);

    bool ok = true;
    while (ok && got < total) {
        size_t n;
        if (weft__rng_below(&rng, 2) == 0) {
            weft__mpsc_node *node = weft__mpsc_try_recv(&chan);
            n = node != NULL;
            if (node)
                ok = accept(node, expect);
            singles++;
        } else {
            size_t max = 1 + weft__rng_below(&rng, 2 * MAX_BATCH);
            weft__mpsc_node *first = NULL, *last = NULL;
            n = weft__mpsc_try_recv_batch(&chan, &first, &last, max);
            batches++;
            if (n > max) {
                CHECK(n <= max, "batch of %zu > max %zu", n, max);
                ok = false;
            }
            size_t walked = 0;
            weft__mpsc_node *it = first;
            while (ok && walked < n) {
                /* relaxed: our own chain, read on this thread. */
                weft__mpsc_node *nx = atomic_load_explicit(&it->next, memory_order_relaxed);
                if (walked + 1 == n && (it != last || nx != NULL)) {
                    CHECK(it == last && nx == NULL, "chain end: it %p last %p next %p",
                          (void *)it, (void *)last, (void *)nx);
                    ok = false;
                    break;
                }
                ok = accept(it, expect);
                it = nx;
                walked++;
            }
        }
        if (n == 0) {
            /* Keep polling hot for a while (to meet the producers at the
             * end of the list), then let a producer run: 2 cores, 9 threads. */
            if (++empties % 64 == 0)
                sched_yield();
            else
                weft__cpu_relax();
        }
        got += n;
        /* relaxed: progress for the watchdog only. */
        atomic_store_explicit(&received, got, memory_order_relaxed);
        int64_t c = weft__mpsc_count(&chan);
        if (c < min_count)
            min_count = c;
    }
    double dt = weft_test_secs_since(t0);
    if (!ok)
        exit(1);
    for (int p = 0; p < PRODUCERS; p++)
        pthread_join(th[p], NULL);

    /* Quiescent: everything sent was taken, the channel is empty. */
    for (int p = 0; p < PRODUCERS; p++)
        CHECK(expect[p] == PER_PRODUCER, "producer %d: %u of %u received", p,
              expect[p], PER_PRODUCER);
    CHECK(got == total, "received %llu of %llu", (unsigned long long)got,
          (unsigned long long)total);
    CHECK(weft__mpsc_count(&chan) == 0, "count %lld at the end",
          (long long)weft__mpsc_count(&chan));
    CHECK(weft__mpsc_try_recv(&chan) == NULL, "a node after the end");
    weft__mpsc_node *f, *l;
    CHECK(weft__mpsc_try_recv_batch(&chan, &f, &l, 8) == 0, "a batch after the end");
    /* A producer can have at most one batch linked but not yet counted. */
    CHECK(min_count >= -(int64_t)PRODUCERS * MAX_BATCH, "count fell to %lld",
          (long long)min_count);
    printf("mpsc_stress: round %u: %llu messages in %.3f s = %.1f M msg/s "
           "(%llu single recvs, %llu batch recvs, %llu empty polls, min count %lld)\n",
           round, (unsigned long long)got, dt, got / dt / 1e6,
           (unsigned long long)singles, (unsigned long long)batches,
           (unsigned long long)empties, (long long)min_count);
    if (weft_test_failures)
        exit(1);
    counted += got;
    return dt;
}

int main(void)
{
    const uint64_t per_round = (uint64_t)PRODUCERS * PER_PRODUCER;
    unsigned rounds = (unsigned)(weft_test_env_count("WEFT_SOAK_MSGS", per_round, per_round) / per_round);
    seed = weft_test_env_count("WEFT_SOAK_SEED", 1, 1) - 1;
    weft_test_watchdog_count("mpsc_stress", WATCHDOG_S * rounds, "received", &received);

    for (int p = 0; p < PRODUCERS; p++) {
        msgs[p] = malloc(sizeof(msg) * PER_PRODUCER);
        if (!msgs[p]) {
            perror("malloc");
            return 2;
        }
    }
    double sum = 0;
    for (unsigned r = 0; r < rounds; r++)
        sum += round_once(r);
    for (int p = 0; p < PRODUCERS; p++)
        free(msgs[p]);
    double total = (double)rounds * PRODUCERS * PER_PRODUCER;
    printf("mpsc_stress: %d producers x %u messages x %u rounds, %.1f M msg/s overall\n",
           PRODUCERS, PER_PRODUCER, rounds, total / sum / 1e6);
    if (counted != (uint64_t)rounds * per_round) {
        fprintf(stderr, "mpsc_stress: FAIL: %llu messages counted of %llu\n",
                (unsigned long long)counted, (unsigned long long)rounds * per_round);
        return 1;
    }
    printf("mpsc_stress: PASS: %llu messages counted\n", (unsigned long long)counted);
    return 0;
}
