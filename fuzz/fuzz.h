/* fuzz/fuzz.h: what the libFuzzer targets of fuzz/ share (fuzz/README.md).
 *
 * A target is one LLVMFuzzerTestOneInput in fuzz/NAME.c, linked with
 * -fsanitize=fuzzer against the quarantine's own objects (libquarantine.a,
 * built with the same sanitizers). A finding is anything ASan, UBSan or LSan
 * report, or a FUZZ_CHECK that fails: the property a target checks does not
 * hold for this input. Both end the process with a report on stderr, and
 * libFuzzer writes the input as crash-<sha1> (fuzz/run.sh keeps it).
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "quarantine/chain.h"
#include "quarantine/spec.h"

/* The validator count of the generated streams the seed corpus is cut from
 * (fuzz/seeds.py is run with it: fuzz/run.sh), and of the HELLO the items
 * target puts in front of each payload, so that seeded items carry duties and
 * signatures that hold. */
#define FUZZ_VALIDATORS 256u

/* Stops the run with "fuzz check failed: <what>" when cond is false. */
#define FUZZ_CHECK(cond, ...)                                                                                      \
    do {                                                                                                           \
        if (!(cond)) {                                                                                             \
            fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                                          \
            fputc('\n', stderr);                                                                                   \
            abort();                                                                                               \
        }                                                                                                          \
    } while (0)

/* Starts libsodium once (every target hashes). */
static inline void fuzz_crypto_init(void)
{
    static int done;
    if (!done) {
        FUZZ_CHECK(q_crypto_init() == 0, "libsodium cannot start");
        done = 1;
    }
}

/* Writes the 16-byte frame head (len = 12 + n, kind, flags 0, peer 0, t_ms)
 * into out. */
static inline void fuzz_frame_head(uint8_t out[16], uint8_t kind, uint64_t t_ms, size_t n)
{
    q_put_le32(out, (uint32_t)(Q_FRAME_HEAD_BYTES + n));
    out[4] = kind;
    out[5] = 0;
    q_put_le16(out + 6, 0);
    q_put_le64(out + 8, t_ms);
}

#endif /* FUZZ_FUZZ_H */
