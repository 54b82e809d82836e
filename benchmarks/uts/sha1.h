/* sha1.h: SHA-1 (FIPS 180-4) of short messages for UTS's splittable random
 * number generator, which hashes at most 24 bytes at a time, done by
 * libcrypto (OpenSSL, package libssl-dev; link with -lcrypto).
 *
 * A message of up to 55 bytes fits one padded 64-byte block, so the hash is
 * one call of libcrypto's compression function, SHA1_Transform, on a block
 * padded here. libcrypto picks its fastest code for the CPU at run time (the
 * SHA extensions where the CPU has them, else SSSE3/AVX2 or plain C). Of the
 * ways to reach it, measured on 24-byte messages (OpenSSL 3.0, Xeon with SHA
 * extensions, loaded machine, ns per hash): SHA1_Transform on the padded
 * block ~115-145, SHA1_Init/Update/Final ~150-170, EVP_Digest ~900-1450, the
 * one-shot SHA1() ~1550 (OpenSSL 3 routes both through a provider fetch), the
 * plain-C compression this file held before ~950-1050. The reference UTS
 * (BRG SHA-1, unrolled C) sits between the first and the last.
 * SHA1_Transform and SHA_CTX are deprecated in OpenSSL 3 but present; the
 * define below silences the deprecation warnings for this use only. */
#ifndef WEFT_BENCH_SHA1_H
#define WEFT_BENCH_SHA1_H

#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/sha.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The longest message sha1_short accepts. */
#define SHA1_SHORT_MAX 55

/* Writes the 20-byte SHA-1 digest of msg[0..len) to out; len <= 55. */
static inline void sha1_short(const uint8_t *msg, size_t len, uint8_t out[20])
{
    uint8_t blk[64];
    SHA_CTX c;
    memset(blk, 0, sizeof blk);
    memcpy(blk, msg, len);
    blk[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        blk[63 - i] = (uint8_t)(bits >> (8 * i));
    SHA1_Init(&c);
    SHA1_Transform(&c, blk);
    const uint32_t h[5] = {c.h0, c.h1, c.h2, c.h3, c.h4};
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

#endif
