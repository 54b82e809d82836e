/* quarantine/verify.h: the pure half of the verdict engine, the checks of
 * spec section 4 that cost real work and depend on nothing but the item and
 * the validator count: block root and H(body), proposer duty, attestation id
 * and data root, committee duty, Ed25519 signatures.
 *
 * No engine state: q_prepare runs on any thread, in any order (the parallel
 * `quarantine run` spawns one weft task per item; the serial driver in
 * replay.h calls it inline). Its result, a q_checked, is what the ordered
 * checks (engine.h) take with the frame, in arrival order.
 */
#ifndef Q_VERIFY_H
#define Q_VERIFY_H

#include <stdbool.h>

#include "quarantine/chain.h"
#include "quarantine/spec.h"

/* What the pure checks found for one BLOCK or ATTESTATION frame. */
typedef struct q_checked {
    q_item_ids ids; /* block: root, H(body); attestation: item id, data root */
    bool duty_ok;   /* block: proposer < N and == proposer(slot) (check 4);
                       attestation: attester < N and its duty is (slot, index) */
    bool body_ok;   /* block: H(body) == body_root (check 5); attestation: true */
    bool sig_ok;    /* the Ed25519 signature verifies (false when the index >= N) */
} q_checked;

/* Runs the pure checks of f (a BLOCK or ATTESTATION frame) with the keys of
 * reg (N = reg->n, the HELLO's count) and fills *out. Touches no engine state;
 * thread-safe (the registry derives keys lazily and safely). Other frame kinds
 * leave *out zeroed. */
void q_prepare(q_registry *reg, const q_frame *f, q_checked *out);

#endif /* Q_VERIFY_H */
