/* nqueens.h: what the nqueens programs share. The board is three bitmasks
 * (columns and the two diagonals taken by the queens of the rows above), so
 * a task's arguments are 16 bytes. Every valid placement of a queen in a row
 * is one task; the result is the number of solutions. */
#ifndef WEFT_BENCH_NQUEENS_H
#define WEFT_BENCH_NQUEENS_H

#include <stdint.h>

/* The largest board the programs accept. */
#define NQ_MAX 20

/* A placement: the squares of the next row that are still free. */
typedef struct nq_board {
    uint32_t full;  /* (1 << n) - 1 */
    uint32_t cols;  /* columns taken */
    uint32_t left;  /* squares attacked along the down-left diagonals */
    uint32_t right; /* squares attacked along the down-right diagonals */
} nq_board;

/* The board after a queen goes on the square `bit` of the next row. */
static inline nq_board nq_place(nq_board b, uint32_t bit)
{
    nq_board c;
    c.full = b.full;
    c.cols = b.cols | bit;
    c.left = ((b.left | bit) << 1) & b.full;
    c.right = (b.right | bit) >> 1;
    return c;
}

/* The squares of the next row where a queen may go. */
static inline uint32_t nq_free(nq_board b)
{
    return ~(b.cols | b.left | b.right) & b.full;
}

/* The empty n x n board. */
static inline nq_board nq_empty(int n)
{
    nq_board b = {(uint32_t)((1u << n) - 1u), 0, 0, 0};
    return b;
}

/* Parses N or exits with a usage line. */
static inline int nq_args(int argc, char **argv, const char *prog)
{
    int n = argc == 2 ? atoi(argv[1]) : 0;
    if (n < 1 || n > NQ_MAX) {
        fprintf(stderr, "usage: %s N   (1 <= N <= %d, e.g. 13)\n", prog, NQ_MAX);
        exit(2);
    }
    return n;
}

/* Valid placements below b (the tasks a parallel run spawns), untimed. */
static inline uint64_t nq_count_placements(nq_board b)
{
    uint64_t count = 0;
    for (uint32_t avail = nq_free(b); avail; avail &= avail - 1) {
        uint32_t bit = avail & -avail;
        count += 1 + nq_count_placements(nq_place(b, bit));
    }
    return count;
}

#endif
