/* ed25519_rate: the single-core Ed25519 verify rate of libsodium, the bound
 * of the quarantine's verification (docs/benchmarks.md, "Quarantine").
 *
 * Verifies, on one thread, detached signatures over 36-byte messages shaped
 * like the quarantine's ("ATT\0" || a 32-byte data root), cycling through
 * KEYS distinct key pairs and messages so that no single input is repeated
 * back to back, for about SECONDS seconds (default 1). Prints one line:
 *
 *   bench=ed25519_verify impl=libsodium threads=1 verifies=N time_s=T rate=R
 *
 * R is verifies per second. Exit 1 when a signature does not verify (which
 * would mean the loop measured a failure path) or libsodium cannot start.
 * Usage: ed25519_rate [SECONDS]
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEYS 256
#define MSG_BYTES 36
#define BATCH 64 /* verifies between two looks at the clock */

/* One signed message and the public key that checks it. */
typedef struct signed_msg {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char msg[MSG_BYTES];
    unsigned char sig[crypto_sign_BYTES];
} signed_msg;

/* Seconds on the monotonic clock. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fills m with key pair i (seed = SHA-256 of "rate" || i) and its signature
 * of "ATT\0" || SHA-256(i). */
static void make(signed_msg *m, unsigned i)
{
    unsigned char seed[crypto_sign_SEEDBYTES], sk[crypto_sign_SECRETKEYBYTES];
    char tag[32];
    int n = snprintf(tag, sizeof tag, "rate%u", i);
    crypto_hash_sha256(seed, (const unsigned char *)tag, (unsigned long long)n);
    crypto_sign_seed_keypair(m->pk, sk, seed);
    memcpy(m->msg, "ATT", 4);
    crypto_hash_sha256(m->msg + 4, (const unsigned char *)&i, sizeof i);
    crypto_sign_detached(m->sig, NULL, m->msg, MSG_BYTES, sk);
}

int main(int argc, char **argv)
{
    double want = argc > 1 ? atof(argv[1]) : 1.0;
    if (argc > 2 || want <= 0) {
        fprintf(stderr, "usage: ed25519_rate [SECONDS]\n");
        return 2;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "ed25519_rate: libsodium cannot start\n");
        return 1;
    }
    static signed_msg set[KEYS];
    for (unsigned i = 0; i < KEYS; i++) make(&set[i], i);

    unsigned long long verifies = 0;
    int bad = 0;
    double t0 = now_s(), t;
    do {
        for (int b = 0; b < BATCH; b++) {
            const signed_msg *m = &set[verifies % KEYS];
            bad |= crypto_sign_verify_detached(m->sig, m->msg, MSG_BYTES, m->pk);
            verifies++;
        }
        t = now_s() - t0;
    } while (t < want);
    if (bad) {
        fprintf(stderr, "ed25519_rate: a signature did not verify\n");
        return 1;
    }
    printf("bench=ed25519_verify impl=libsodium threads=1 verifies=%llu time_s=%.6f rate=%.0f\n", verifies, t,
           (double)verifies / t);
    return 0;
}
