/* wavefront.h: what the wavefront programs share.
 *
 * A dataflow workload: a B x B grid of blocks, block (i, j) depending on
 * its upper (i-1, j) and left (i, j-1) neighbours, as a blocked LU or a
 * Smith-Waterman table fills; the parallelism grows along the anti-diagonals
 * to B and shrinks back. Each block spins `us` microseconds
 * (bench_busy_us) and then computes its value from its two neighbours'; the
 * result is the last block's value, the same for every version whatever the
 * order (the dependencies fix it). Tasks: B * B, one per block, each
 * created before it may run (the versions create them all up front, in
 * row-major order, inside the timed region). */
#ifndef WEFT_BENCH_WAVEFRONT_H
#define WEFT_BENCH_WAVEFRONT_H

#include <stdint.h>

#include "../common/bench.h"

typedef struct wavefront_params {
    int b;     /* blocks per side */
    double us; /* a block's payload in microseconds */
} wavefront_params;

/* Parses "B US" or exits with a usage line. */
static inline wavefront_params wavefront_args(int argc, char **argv, const char *prog)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s BLOCKS_PER_SIDE MICROSECONDS   (e.g. 200 2)\n", prog);
        exit(2);
    }
    wavefront_params p = {atoi(argv[1]), atof(argv[2])};
    if (p.b < 1 || p.b > 4096 || p.us < 0) {
        fprintf(stderr, "%s: blocks per side 1..4096, microseconds not negative\n", prog);
        exit(2);
    }
    return p;
}

/* The grid: (b + 1) x (b + 1) values, row 0 and column 0 a zero border that
 * no block writes, so block (i, j) (0-based) lives at wavefront_at(b, i, j)
 * and its neighbours always exist. */
static inline int64_t wavefront_at(int b, int i, int j) { return (int64_t)(i + 1) * (b + 1) + (j + 1); }

/* Block (i, j): the payload, then its value from the upper and left ones. */
static inline void wavefront_block(uint64_t *v, int b, int i, int j, double us)
{
    uint64_t up = v[wavefront_at(b, i - 1, j)], left = v[wavefront_at(b, i, j - 1)];
    uint64_t x = (up * 0x9e3779b97f4a7c15ULL) ^ (left + 0x632be59bd9b4e019ULL) ^ (uint64_t)(i * 4099 + j);
    x ^= x >> 29;
    v[wavefront_at(b, i, j)] = x + (bench_busy_us(us) & 0); /* the payload's value is kept, not used */
}

#endif
