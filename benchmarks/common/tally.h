/* tally.h: per-worker task counters for the producer-consumer benchmarks,
 * one cache line each so that counting costs no sharing. Each worker adds
 * to its own slot only; the main thread sums them after every task has
 * finished (the runtime's final wait orders the writes before the sum). */
#ifndef WEFT_BENCH_TALLY_H
#define WEFT_BENCH_TALLY_H

#include <stdint.h>

#define TALLY_SLOTS 256

typedef struct tally_slot {
    uint64_t n __attribute__((aligned(64)));
    uint64_t sink; /* payload results, kept so the work is not elided */
} tally_slot;

static tally_slot tally[TALLY_SLOTS];

/* Counts one task for worker `id` (0 <= id, taken modulo TALLY_SLOTS). */
static inline void tally_add(int id, uint64_t payload)
{
    tally_slot *s = &tally[(unsigned)id % TALLY_SLOTS];
    s->n++;
    s->sink += payload;
}

/* The sum over all workers; call once every task has finished. */
static inline uint64_t tally_sum(void)
{
    uint64_t t = 0;
    for (int i = 0; i < TALLY_SLOTS; i++)
        t += tally[i].n;
    return t;
}

#endif
