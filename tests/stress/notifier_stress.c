/* Stress test of weft__notifier: no wake-up may be lost.
 *
 * Phase 1, ping-pong: threads A and B hand a turn back and forth through a
 * shared counter; each waits for its turn with the two-phase park on its own
 * notifier, and the other notifies it after passing the turn. One round is
 * one hand-off (one notify, up to one park): 1,000,000 rounds are 500,000
 * A -> B -> A cycles.
 * Phase 2, broadcast: one notifier thread publishes generations 1..R of a
 * shared counter and notifies once per generation; W waiters each wait for
 * every generation, count the wake and acknowledge on a second notifier; the
 * notifier waits for all W acks before the next generation. Every waiter must
 * count exactly R wakes, the acks must total W * R.
 *
 * Parks never time out, so a lost wake-up is a permanent hang, which the
 * stall watchdog (tests/common/harness.h) turns into a failure (exit 3, with
 * the state printed) when the progress counter stands still for STALL_S
 * seconds. Exit 0 = pass.
 * WEFT_SANITIZE: rounds / 10. The soak (scripts/soak.sh) sets WEFT_SOAK_MSGS
 * = M, a multiple of 13: M/13 broadcast rounds and 10 times as many ping-pong
 * hand-offs (the suite's ratio), so M messages: a hand-off or a waiter's wake
 * is one. Prints "notifier_stress: PASS: M messages counted". */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/parking/notifier.h"
#include "tests/common/harness.h"

#ifdef WEFT_SANITIZE
#define SCALE_DIV 10
#define STALL_S 30
#else
#define SCALE_DIV 1
#define STALL_S 10
#endif

#define BCAST_WAITERS 3
#define BCAST_ROUNDS (100000 / SCALE_DIV)    /* ping-pong: 10x as many hand-offs */

/* ------------------------------------------------------------ watchdog */

static _Atomic uint64_t progress;   /* bumped by every thread on every step */
static _Atomic int phase;           /* 0: ping-pong, 1: broadcast */
static void dump_pingpong(void);
static void dump_bcast(void);
static const char *const phase_names[2] = { "ping-pong", "broadcast" };
static void (*const phase_dumps[2])(void) = { dump_pingpong, dump_bcast };

/* The stall watchdog's report: which phase hung, and its state. */
static void report(void)
{
    /* relaxed: which phase runs is only read for the report. */
    int ph = atomic_load_explicit(&phase, memory_order_relaxed);
    fprintf(stderr, "  %s: a lost wake-up (threads parked forever)\n", phase_names[ph]);
    phase_dumps[ph]();
}

static void tick(void)
{
    /* relaxed RMW: liveness counter read by the watchdog only. */
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

/* A per-thread xorshift64 for the jitter below (the runtime's rng is not
 * what is under test). */
static _Thread_local uint64_t jitter_state;

/* Sometimes waits a little: nothing (3/4), a short spin of up to ~2000
 * iterations, or a sched_yield(). Placed between the steps of the two-phase
 * park, it stands for the "announce I am idle" work of the real protocol and
 * widens the windows in which a wrong notifier would lose a wake-up (a park
 * that ignored its ticket hangs within a few thousand rounds with it; without
 * it, a million rounds may pass). */
static void jitter(void)
{
    uint64_t x = jitter_state ? jitter_state : (uint64_t)(uintptr_t)&jitter_state | 1;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    jitter_state = x;
    switch (x & 7) {
    case 0: case 1: case 2: case 3: case 4: case 5: break;
    case 6: for (volatile uint32_t i = (uint32_t)(x >> 40) & 2047; i; i--) ; break;
    default: if ((x >> 8) & 1) sched_yield(); break;
    }
}

/* Waits until *word == want, with the two-phase park on n. Counts the parks
 * that actually slept (the ticket was still current) in *parks. */
static void wait_for_value(_Atomic uint64_t *word, uint64_t want, weft__notifier *n,
                           uint64_t *parks)
{
    for (;;) {
        /* acquire; pairs with the release store/RMW of *word by the other side. */
        if (atomic_load_explicit(word, memory_order_acquire) == want) return;
        uint32_t t = weft__notifier_prepare_park(n);
        jitter();
        /* acquire re-check after registering; pairs as above. A notify after
         * this point moves the epoch past t, so park() will not sleep. */
        if (atomic_load_explicit(word, memory_order_acquire) == want) {
            weft__notifier_cancel_park(n);
            return;
        }
        jitter();
        (*parks)++;
        weft__notifier_park(n, t);
        tick();
    }
}

/* ------------------------------------------------------------ phase 1 */

static _Atomic uint64_t turn;      /* even: A's turn; odd: B's turn */
static weft__notifier note_a, note_b;
static uint64_t pp_rounds;         /* hand-offs: each side makes half */

typedef struct { int side; uint64_t parks; uint64_t handoffs; } pp_arg;

static void *pingpong(void *p)
{
    pp_arg *a = p;
    weft__notifier *mine = a->side == 0 ? &note_a : &note_b;
    weft__notifier *other = a->side == 0 ? &note_b : &note_a;
    for (uint64_t i = 0; i < pp_rounds / 2; i++) {
        uint64_t want = 2 * i + (uint64_t)a->side;
        wait_for_value(&turn, want, mine, &a->parks);
        /* release; pairs with the acquire loads in the other side's
         * wait_for_value. */
        atomic_store_explicit(&turn, want + 1, memory_order_release);
        weft__notifier_notify(other);
        a->handoffs++;
        tick();
    }
    return NULL;
}

static void dump_pingpong(void)
{
    fprintf(stderr, "  turn=%llu of %llu hand-offs, %s to move\n"
            "  A: epoch=%u waiters=%u   B: epoch=%u waiters=%u\n",
            (unsigned long long)atomic_load(&turn), (unsigned long long)pp_rounds,
            atomic_load(&turn) % 2 ? "B" : "A",
            atomic_load(&note_a.epoch), atomic_load(&note_a.waiters),
            atomic_load(&note_b.epoch), atomic_load(&note_b.waiters));
}

static int phase_pingpong(void)
{
    /* relaxed: read by the watchdog for its report only. */
    atomic_store_explicit(&phase, 0, memory_order_relaxed);
    weft__notifier_init(&note_a);
    weft__notifier_init(&note_b);
    atomic_store(&turn, 0);
    pp_arg args[2] = { { .side = 0 }, { .side = 1 } };
    pthread_t th[2];
    uint64_t t0 = weft__now_ns();
    for (int i = 0; i < 2; i++)
        if (pthread_create(&th[i], NULL, pingpong, &args[i]) != 0) { perror("pthread_create"); return 1; }
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    double dt = weft_test_secs_since(t0);
    uint64_t end = atomic_load(&turn);
    bool ok = end == pp_rounds && args[0].handoffs == pp_rounds / 2
              && args[1].handoffs == pp_rounds / 2
              && atomic_load(&note_a.waiters) == 0 && atomic_load(&note_b.waiters) == 0;
    printf("ping-pong: %llu rounds (hand-offs) in %.2f s = %.0f rounds/s; "
           "parks A=%llu B=%llu; turn=%llu (want %llu) %s\n",
           (unsigned long long)pp_rounds, dt, (double)pp_rounds / dt,
           (unsigned long long)args[0].parks, (unsigned long long)args[1].parks,
           (unsigned long long)end, (unsigned long long)pp_rounds, ok ? "ok" : "MISMATCH");
    return ok ? 0 : 1;
}

/* ------------------------------------------------------------ phase 2 */

static _Atomic uint64_t generation;          /* published by the notifier thread */
static _Atomic uint64_t acks;                /* one per waiter per generation */
static weft__notifier note_gen, note_ack;
static uint64_t bc_rounds;

typedef struct { uint64_t wakes; uint64_t parks; uint64_t out_of_order; } bc_arg;

static void *bcast_waiter(void *p)
{
    bc_arg *a = p;
    for (uint64_t g = 1; g <= bc_rounds; g++) {
        wait_for_value(&generation, g, &note_gen, &a->parks);
        a->wakes++;
        /* relaxed check: generation can only be g here, since the notifier
         * waits for this waiter's ack before publishing g + 1. */
        if (atomic_load_explicit(&generation, memory_order_relaxed) != g) a->out_of_order++;
        /* release RMW; pairs with the acquire loads of acks by the notifier
         * thread in wait_for_value. */
        atomic_fetch_add_explicit(&acks, 1, memory_order_release);
        weft__notifier_notify(&note_ack);
        tick();
    }
    return NULL;
}

static void *bcast_notifier(void *p)
{
    uint64_t *parks = p;
    for (uint64_t g = 1; g <= bc_rounds; g++) {
        /* release; pairs with the acquire loads of generation in the
         * waiters' wait_for_value. */
        atomic_store_explicit(&generation, g, memory_order_release);
        weft__notifier_notify(&note_gen);
        wait_for_value(&acks, g * BCAST_WAITERS, &note_ack, parks);
        tick();
    }
    return NULL;
}

static void dump_bcast(void)
{
    fprintf(stderr, "  generation=%llu of %llu, acks=%llu (want %llu)\n"
            "  gen notifier: epoch=%u waiters=%u   ack notifier: epoch=%u waiters=%u\n",
            (unsigned long long)atomic_load(&generation), (unsigned long long)bc_rounds,
            (unsigned long long)atomic_load(&acks),
            (unsigned long long)(atomic_load(&generation) * BCAST_WAITERS),
            atomic_load(&note_gen.epoch), atomic_load(&note_gen.waiters),
            atomic_load(&note_ack.epoch), atomic_load(&note_ack.waiters));
}

static int phase_broadcast(void)
{
    /* relaxed: read by the watchdog for its report only. */
    atomic_store_explicit(&phase, 1, memory_order_relaxed);
    weft__notifier_init(&note_gen);
    weft__notifier_init(&note_ack);
    atomic_store(&generation, 0);
    atomic_store(&acks, 0);
    bc_arg args[BCAST_WAITERS];
    memset(args, 0, sizeof args);
    uint64_t notifier_parks = 0;
    pthread_t th[BCAST_WAITERS + 1];
    uint64_t t0 = weft__now_ns();
    for (int i = 0; i < BCAST_WAITERS; i++)
        if (pthread_create(&th[i], NULL, bcast_waiter, &args[i]) != 0) { perror("pthread_create"); return 1; }
    if (pthread_create(&th[BCAST_WAITERS], NULL, bcast_notifier, &notifier_parks) != 0) {
        perror("pthread_create"); return 1;
    }
    for (int i = 0; i <= BCAST_WAITERS; i++) pthread_join(th[i], NULL);
    double dt = weft_test_secs_since(t0);
    bool ok = atomic_load(&acks) == bc_rounds * BCAST_WAITERS
              && atomic_load(&note_gen.waiters) == 0 && atomic_load(&note_ack.waiters) == 0;
    uint64_t wakes = 0, parks = 0;
    for (int i = 0; i < BCAST_WAITERS; i++) {
        ok = ok && args[i].wakes == bc_rounds && args[i].out_of_order == 0;
        wakes += args[i].wakes;
        parks += args[i].parks;
    }
    printf("broadcast: %d waiters x %llu rounds in %.2f s = %.0f rounds/s; wakes=%llu "
           "(want %llu) acks=%llu; waiter parks=%llu notifier parks=%llu %s\n",
           BCAST_WAITERS, (unsigned long long)bc_rounds, dt, (double)bc_rounds / dt,
           (unsigned long long)wakes, (unsigned long long)(bc_rounds * BCAST_WAITERS),
           (unsigned long long)atomic_load(&acks), (unsigned long long)parks,
           (unsigned long long)notifier_parks, ok ? "ok" : "MISMATCH");
    for (int i = 0; i < BCAST_WAITERS; i++)
        if (args[i].wakes != bc_rounds || args[i].out_of_order)
            printf("  waiter %d: wakes=%llu out_of_order=%llu\n", i,
                   (unsigned long long)args[i].wakes, (unsigned long long)args[i].out_of_order);
    return ok ? 0 : 1;
}

int main(void)
{
    const uint64_t per_bcast = 10 + BCAST_WAITERS;  /* messages per broadcast round */
    bc_rounds = weft_test_env_count("WEFT_SOAK_MSGS", (uint64_t)BCAST_ROUNDS * per_bcast, per_bcast)
                / per_bcast;
    pp_rounds = 10 * bc_rounds;

    weft_test_stall_watchdog_start("notifier_stress", STALL_S, &progress, report);
    int fails = phase_pingpong();
    fails += phase_broadcast();
    weft_test_stall_watchdog_stop();
    if (fails) {
        printf("notifier_stress: FAIL\n");
        return 1;
    }
    printf("notifier_stress: PASS: %llu messages counted\n",
           (unsigned long long)(pp_rounds + bc_rounds * BCAST_WAITERS));
    return 0;
}
