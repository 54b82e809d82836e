/* A fast per-thread pseudo-random generator (xoshiro256**, seeded through
 * splitmix64). Not for cryptography: victim selection and backoff slots. */
#ifndef WEFT_RUNTIME_RNG_H
#define WEFT_RUNTIME_RNG_H

#include <stdint.h>

typedef struct weft__rng { uint64_t s[4]; } weft__rng;

/* Seeds the generator; any seed (0 included) gives a valid state. */
void weft__rng_seed(weft__rng *r, uint64_t seed);

static inline uint64_t weft__rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* Next 64 random bits. */
static inline uint64_t weft__rng_next(weft__rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = weft__rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = weft__rng_rotl(s[3], 45);
    return result;
}

/* A uniform integer in [0, n), n >= 1 (Lemire's multiply-shift with rejection). */
static inline uint32_t weft__rng_below(weft__rng *r, uint32_t n)
{
    uint64_t m = (uint64_t)(uint32_t)weft__rng_next(r) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)(uint32_t)weft__rng_next(r) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

#endif
