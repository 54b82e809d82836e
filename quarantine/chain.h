/* quarantine/chain.h: the chain model of the spec (sections 1 and 2) as pure
 * functions: SHA-256, the genesis root, validator keys, proposer and
 * attestation duties, the byte encodings of headers and attestations, item
 * identities, and the signed messages with their sign/verify helpers.
 *
 * Everything here is deterministic and free of global mutable state except the
 * key registry, whose lazy derivation is safe from any number of threads.
 * Hashing and Ed25519 come from libsodium; call q_crypto_init() once first.
 */
#ifndef Q_CHAIN_H
#define Q_CHAIN_H

#include <stdatomic.h>

#include "quarantine/spec.h"

/* ------------------------------------------------------------ little-endian */

static inline void q_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void q_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline void q_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t q_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t q_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t q_get_le64(const uint8_t *p)
{
    return (uint64_t)q_get_le32(p) | (uint64_t)q_get_le32(p + 4) << 32;
}

/* ------------------------------------------------------------ time (1) */

static inline uint64_t q_epoch(uint64_t slot) { return slot / Q_SLOTS_PER_EPOCH; }
static inline uint64_t q_epoch_start_slot(uint64_t epoch) { return epoch * Q_SLOTS_PER_EPOCH; }
static inline uint64_t q_slot_start_ms(uint64_t slot) { return slot * Q_SLOT_MS; }
static inline uint64_t q_current_slot(uint64_t now_ms) { return now_ms / Q_SLOT_MS; }

/* ------------------------------------------------------------ hashing */

/* Initialises libsodium. Returns 0, or -1 when it cannot start. Idempotent and
 * thread-safe (libsodium's own guarantee). */
int q_crypto_init(void);

/* out = SHA-256(data[0..len)). data may be NULL when len is 0. */
void q_sha256(q_root *out, const void *data, size_t len);

/* The genesis root H("weft-quarantine genesis"), computed once. */
const q_root *q_genesis_root(void);

/* True when a and b are the same 32 bytes. */
static inline bool q_root_eq(const q_root *a, const q_root *b)
{
    return memcmp(a->b, b->b, Q_ROOT_BYTES) == 0;
}

/* Writes the 64 lowercase hex digits of r and a NUL into out[65]; returns out. */
char *q_root_hex(const q_root *r, char out[65]);

/* Parses exactly 64 hex digits (either case) from s into r. Returns 0, or -1
 * when s is not 64 hex digits followed by the end of the string or a space. */
int q_root_from_hex(q_root *r, const char *s);

/* ------------------------------------------------------------ validators (1) */

/* The seed of validator i: H("weft-quarantine validator" || LE64(i)). */
void q_validator_seed(uint64_t i, uint8_t seed[32]);

/* Derives validator i's key pair (crypto_sign_seed_keypair of its seed).
 * sk may be NULL when only the public key is wanted. */
void q_validator_keypair(uint64_t i, uint8_t pk[Q_PK_BYTES], uint8_t sk[Q_SK_BYTES]);

/* The public keys of validators 0..n-1, derived lazily (on first use of each)
 * or in bulk. Safe to share among threads once initialised: lookups of the
 * same key from several threads may each derive it, but only one publishes. */
typedef struct q_registry {
    uint32_t n;
    uint8_t (*pk)[Q_PK_BYTES]; /* n keys; pk[i] valid once state[i] == 2 */
    _Atomic uint8_t *state;    /* per key: 0 empty, 1 being written, 2 ready */
} q_registry;

/* Allocates a registry for n >= 1 validators, no key derived yet. Returns 0,
 * or -1 when out of memory (reg is then empty and safe to destroy). */
int q_registry_init(q_registry *reg, uint32_t n);

/* Frees what q_registry_init allocated. */
void q_registry_destroy(q_registry *reg);

/* Derives the keys lo..hi-1 (clamped to n) that are not derived yet. Several
 * threads may run disjoint or overlapping ranges at once. */
void q_registry_derive(q_registry *reg, uint32_t lo, uint32_t hi);

/* Copies validator i's public key (i < n) into out, deriving it if needed. */
void q_registry_pk(q_registry *reg, uint32_t i, uint8_t out[Q_PK_BYTES]);

/* ------------------------------------------------------------ duties (1) */

/* proposer(slot) = LE64(H("proposer" || LE64(slot))[0..8]) mod n; n >= 1. */
uint32_t q_proposer(uint64_t slot, uint32_t n);

/* C = max(1, min(64, n / (32*128))). */
uint64_t q_committee_count(uint32_t n);

/* Validator v's attestation duty in epoch e: its slot and committee index. */
void q_duty(uint64_t epoch, uint32_t v, uint32_t n, uint64_t *slot, uint64_t *index);

/* ------------------------------------------------------------ encodings (2) */

/* Header <-> its 112 bytes. */
void q_header_encode(const q_block_header *h, uint8_t out[Q_HEADER_BYTES]);
void q_header_decode(const uint8_t in[Q_HEADER_BYTES], q_block_header *h);

/* AttestationData <-> its 128 bytes. */
void q_att_data_encode(const q_att_data *d, uint8_t out[Q_ATT_DATA_BYTES]);
void q_att_data_decode(const uint8_t in[Q_ATT_DATA_BYTES], q_att_data *d);

/* Attestation <-> its 200 bytes. */
void q_att_encode(const q_attestation *a, uint8_t out[Q_ATT_BYTES]);
void q_att_decode(const uint8_t in[Q_ATT_BYTES], q_attestation *a);

/* ------------------------------------------------------------ identities (2) */

/* block root = H(header bytes). */
void q_block_root(const q_block_header *h, q_root *root);

/* data root = H(AttestationData bytes). */
void q_att_data_root(const q_att_data *d, q_root *root);

/* item id = H(first 136 bytes of the attestation). */
void q_att_item_id(const q_attestation *a, q_root *id);

/* The signed messages "BLK\0"||root and "ATT\0"||data root. */
void q_block_msg(const q_root *root, uint8_t out[Q_SIGNED_MSG_BYTES]);
void q_att_msg(const q_root *data_root, uint8_t out[Q_SIGNED_MSG_BYTES]);

/* Signs a block root / a data root with a libsodium secret key. */
void q_sign_block(const uint8_t sk[Q_SK_BYTES], const q_root *root, uint8_t sig[Q_SIG_BYTES]);
void q_sign_att(const uint8_t sk[Q_SK_BYTES], const q_root *data_root, uint8_t sig[Q_SIG_BYTES]);

/* True when sig is a valid signature of the block root / data root under pk. */
bool q_verify_block(const uint8_t pk[Q_PK_BYTES], const q_root *root, const uint8_t sig[Q_SIG_BYTES]);
bool q_verify_att(const uint8_t pk[Q_PK_BYTES], const q_root *data_root, const uint8_t sig[Q_SIG_BYTES]);

/* The pure checks of one item, the work a verification task does. They take
 * the item and the registry (n = registry size) and fill ids; they return
 * whether the signature is valid. For a block ids->aux = H(body), and the
 * signature is checked only when the proposer index is < n (false otherwise);
 * for an attestation ids->aux = data root, signature checked when attester < n. */
bool q_block_pure(q_registry *reg, const q_signed_block *b, q_item_ids *ids);
bool q_att_pure(q_registry *reg, const q_attestation *a, q_item_ids *ids);

#endif /* Q_CHAIN_H */
