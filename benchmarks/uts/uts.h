/* uts.h: the Unbalanced Tree Search benchmark's tree (Olivier et al., LCPC
 * 2006), shared by every UTS program.
 *
 * A node is a 20-byte SHA-1 state; child i of a node gets the hash of the
 * parent's state followed by i as 4 big-endian bytes; the root gets the hash
 * of 16 zero bytes and the 4-byte seed. A node's child count is drawn from
 * bytes 16..19 of its state (31 bits) by the tree type's distribution. The
 * parameters and their flags are UTS's own, so that the published sample
 * trees come out node for node:
 *   T1 (geometric, fixed shape)  -t 1 -a 3 -d 10 -b 4 -r 19            4,130,071 nodes
 *   T3 (binomial)                -t 0 -b 2000 -q 0.124875 -m 8 -r 42   4,112,897 nodes
 */
#ifndef WEFT_BENCH_UTS_H
#define WEFT_BENCH_UTS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha1.h"

enum { UTS_BIN = 0, UTS_GEO = 1, UTS_HYBRID = 2, UTS_BALANCED = 3 };
enum { UTS_LINEAR = 0, UTS_EXPDEC = 1, UTS_CYCLIC = 2, UTS_FIXED = 3 };

/* Cap on a node's children (a binomial root is exempt, as in UTS). */
#define UTS_MAX_CHILDREN 100

/* A tree node as it travels in a task: 28 bytes. */
typedef struct uts_node {
    int32_t type;
    int32_t height;
    uint8_t state[20];
} uts_node;

/* The tree's parameters (UTS's defaults until uts_args changes them). */
typedef struct uts_params {
    int type;        /* -t: 0 BIN, 1 GEO, 2 HYBRID, 3 BALANCED */
    double b0;       /* -b: root branching factor */
    int seed;        /* -r: root seed */
    int shape;       /* -a: GEO shape function */
    int gen_mx;      /* -d: GEO and BALANCED depth */
    double q;        /* -q: BIN probability of a non-leaf */
    int m;           /* -m: BIN children of a non-leaf */
    double shift;    /* -f: HYBRID fraction of depth that is GEO */
    int granularity; /* -g: rng_spawn calls per child */
} uts_params;

static uts_params uts_p = {UTS_GEO, 4.0, 0, UTS_LINEAR, 6, 15.0 / 64.0, 4, 0.5, 1};

/* Reads UTS's flags (-t -b -r -a -d -q -m -f -g, each with a value) into
 * uts_p or exits with a usage line. */
static inline void uts_args(int argc, char **argv, const char *prog)
{
    for (int i = 1; i < argc; i += 2) {
        const char *f = argv[i];
        if (f[0] != '-' || f[1] == '\0' || f[2] != '\0' || i + 1 >= argc) {
            fprintf(stderr,
                    "usage: %s [-t type] [-b b0] [-r seed] [-a shape] [-d depth] [-q prob] "
                    "[-m children] [-f shift] [-g granularity]\n"
                    "  T1: -t 1 -a 3 -d 10 -b 4 -r 19    T3: -t 0 -b 2000 -q 0.124875 -m 8 -r 42\n",
                    prog);
            exit(2);
        }
        const char *v = argv[i + 1];
        switch (f[1]) {
        case 't': uts_p.type = atoi(v); break;
        case 'b': uts_p.b0 = atof(v); break;
        case 'r': uts_p.seed = atoi(v); break;
        case 'a': uts_p.shape = atoi(v); break;
        case 'd': uts_p.gen_mx = atoi(v); break;
        case 'q': uts_p.q = atof(v); break;
        case 'm': uts_p.m = atoi(v); break;
        case 'f': uts_p.shift = atof(v); break;
        case 'g': uts_p.granularity = atoi(v) > 1 ? atoi(v) : 1; break;
        default:
            fprintf(stderr, "%s: unknown flag %s\n", prog, f);
            exit(2);
        }
    }
    if (uts_p.type < UTS_BIN || uts_p.type > UTS_BALANCED || uts_p.shape < UTS_LINEAR ||
        uts_p.shape > UTS_FIXED) {
        fprintf(stderr, "%s: bad tree type or shape\n", prog);
        exit(2);
    }
}

/* The 31-bit random number a node's state holds (bytes 16..19, big-endian). */
static inline int32_t uts_rand(const uts_node *nd)
{
    uint32_t b = (uint32_t)nd->state[16] << 24 | (uint32_t)nd->state[17] << 16 |
                 (uint32_t)nd->state[18] << 8 | (uint32_t)nd->state[19];
    return (int32_t)(b & 0x7fffffffu);
}

/* That number as a probability in [0, 1). */
static inline double uts_prob(int32_t r)
{
    return (double)r / 2147483648.0;
}

/* The root of the tree. */
static inline void uts_root(uts_node *root)
{
    uint8_t gen[20];
    memset(gen, 0, 16);
    gen[16] = (uint8_t)(uts_p.seed >> 24);
    gen[17] = (uint8_t)(uts_p.seed >> 16);
    gen[18] = (uint8_t)(uts_p.seed >> 8);
    gen[19] = (uint8_t)uts_p.seed;
    root->type = uts_p.type;
    root->height = 0;
    sha1_short(gen, 20, root->state);
}

/* Children of a geometric node: the inverse CDF of a geometric law whose
 * mean b_i follows the shape function at this depth. */
static inline int uts_children_geo(const uts_node *nd)
{
    double b_i = uts_p.b0;
    int depth = nd->height;
    if (depth > 0) {
        switch (uts_p.shape) {
        case UTS_EXPDEC:
            b_i = uts_p.b0 * pow((double)depth, -log(uts_p.b0) / log((double)uts_p.gen_mx));
            break;
        case UTS_CYCLIC:
            b_i = depth > 5 * uts_p.gen_mx
                      ? 0.0
                      : pow(uts_p.b0, sin(2.0 * 3.141592653589793 * (double)depth /
                                          (double)uts_p.gen_mx));
            break;
        case UTS_FIXED:
            b_i = depth < uts_p.gen_mx ? uts_p.b0 : 0;
            break;
        default: /* UTS_LINEAR */
            b_i = uts_p.b0 * (1.0 - (double)depth / (double)uts_p.gen_mx);
            break;
        }
    }
    double p = 1.0 / (1.0 + b_i);
    double u = uts_prob(uts_rand(nd));
    return (int)floor(log(1 - u) / log(1 - p));
}

/* Children of a binomial node below the root: m with probability q, else 0. */
static inline int uts_children_bin(const uts_node *nd)
{
    return uts_prob(uts_rand(nd)) < uts_p.q ? uts_p.m : 0;
}

/* The number of children of nd, capped as UTS caps it. */
static inline int uts_num_children(const uts_node *nd)
{
    int n = 0;
    switch (uts_p.type) {
    case UTS_BIN:
        n = nd->height == 0 ? (int)floor(uts_p.b0) : uts_children_bin(nd);
        break;
    case UTS_GEO:
        n = uts_children_geo(nd);
        break;
    case UTS_HYBRID:
        n = nd->height < uts_p.shift * uts_p.gen_mx ? uts_children_geo(nd) : uts_children_bin(nd);
        break;
    default: /* UTS_BALANCED */
        n = nd->height < uts_p.gen_mx ? (int)uts_p.b0 : 0;
        break;
    }
    if (nd->height == 0 && nd->type == UTS_BIN) {
        int root_bf = (int)ceil(uts_p.b0);
        if (n > root_bf)
            n = root_bf;
    } else if (uts_p.type != UTS_BALANCED && n > UTS_MAX_CHILDREN) {
        n = UTS_MAX_CHILDREN;
    }
    return n;
}

/* Child i of parent: its state is SHA-1(parent state || i as 4 bytes BE). */
static inline void uts_child(const uts_node *parent, int i, uts_node *child)
{
    uint8_t msg[24];
    memcpy(msg, parent->state, 20);
    msg[20] = (uint8_t)(i >> 24);
    msg[21] = (uint8_t)(i >> 16);
    msg[22] = (uint8_t)(i >> 8);
    msg[23] = (uint8_t)i;
    child->type = uts_p.type == UTS_HYBRID
                      ? (parent->height < uts_p.shift * uts_p.gen_mx ? UTS_GEO : UTS_BIN)
                      : uts_p.type;
    child->height = parent->height + 1;
    sha1_short(msg, sizeof msg, child->state);
    for (int g = 1; g < uts_p.granularity; g++) /* -g: repeat the same hash */
        sha1_short(msg, sizeof msg, child->state);
}

#endif
