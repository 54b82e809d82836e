/* sha1.h: SHA-1 (FIPS 180-4) of short messages, written for UTS's splittable
 * random number generator, which hashes at most 24 bytes at a time. Messages
 * of up to 55 bytes fit one padded 64-byte block, so one compression does
 * the whole hash. Not for security: UTS only needs the published function. */
#ifndef WEFT_BENCH_SHA1_H
#define WEFT_BENCH_SHA1_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The longest message sha1_short accepts. */
#define SHA1_SHORT_MAX 55

static inline uint32_t sha1__rol(uint32_t x, int s)
{
    return (x << s) | (x >> (32 - s));
}

/* Runs the compression function over one 64-byte block, updating h. */
static inline void sha1__compress(uint32_t h[5], const uint8_t blk[64])
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 |
               (uint32_t)blk[4 * i + 2] << 8 | (uint32_t)blk[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = sha1__rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999u;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1u;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDCu;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6u;
        }
        uint32_t t = sha1__rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = sha1__rol(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

/* Writes the 20-byte SHA-1 digest of msg[0..len) to out; len <= 55. */
static inline void sha1_short(const uint8_t *msg, size_t len, uint8_t out[20])
{
    uint8_t blk[64];
    uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    memset(blk, 0, sizeof blk);
    memcpy(blk, msg, len);
    blk[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        blk[63 - i] = (uint8_t)(bits >> (8 * i));
    sha1__compress(h, blk);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

#endif
