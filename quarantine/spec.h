/* quarantine/spec.h: the constants, item types and words of the quarantine
 * contract (docs/quarantine-spec.md, "the spec" below). Every number and every
 * word that appears on the wire, in the store or in FILE.expected is defined
 * here once; the other quarantine files include this header and never spell
 * them again.
 *
 * The structs are decoded, host-order views of the little-endian wire bytes
 * (no packing tricks): quarantine/chain.h encodes them back to the exact bytes
 * that are hashed and signed, quarantine/wire.h moves them on and off the wire.
 */
#ifndef Q_SPEC_H
#define Q_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------ chain model (1) */

#define Q_SLOTS_PER_EPOCH 32u
#define Q_SLOT_MS 12000u
#define Q_DISPARITY_MS 500u

/* ------------------------------------------------------------ item sizes (2) */

#define Q_ROOT_BYTES 32u
#define Q_SIG_BYTES 64u
#define Q_PK_BYTES 32u        /* Ed25519 public key */
#define Q_SK_BYTES 64u        /* libsodium Ed25519 secret key (seed || pk) */
#define Q_HEADER_BYTES 112u   /* BlockHeader */
#define Q_BODY_MAX 65536u     /* largest block body */
#define Q_BLOCK_MIN_BYTES (Q_HEADER_BYTES + Q_SIG_BYTES) /* SignedBlock, empty body */
#define Q_ATT_DATA_BYTES 128u /* AttestationData */
#define Q_ATT_BYTES 200u      /* Attestation */
#define Q_ATT_ID_BYTES 136u   /* hashed for the item id: Attestation minus signature */
#define Q_SIGNED_MSG_BYTES 36u /* "BLK\0"||root or "ATT\0"||data root */

/* ------------------------------------------------------------ frames (3) */

#define Q_FRAME_LEN_BYTES 4u     /* the u32 len prefix */
#define Q_FRAME_HEAD_BYTES 12u   /* kind, flags, peer, t_ms: counted in len */
#define Q_FRAME_LEN_MIN 12u      /* smallest legal len (empty payload) */
#define Q_FRAME_LEN_MAX (1u << 20) /* largest legal len: 1 MiB */
#define Q_HELLO_BYTES 8u         /* "WQ01" | u32 N */
#define Q_FINALIZE_BYTES 40u     /* u64 epoch | root */
#define Q_HELLO_MAGIC "WQ01"

typedef enum q_kind {
    Q_KIND_HELLO = 0,
    Q_KIND_BLOCK = 1,
    Q_KIND_ATTESTATION = 2,
    Q_KIND_TICK = 3,
    Q_KIND_FINALIZE = 4,
    Q_KIND_END = 5,
    Q_KIND_COUNT
} q_kind;

/* ------------------------------------------------------------ bounds (5) */

#define Q_ORPHAN_MAX 96u       /* orphan blocks, keyed by (root, signature), FIFO */
#define Q_PENDING_MAX 16384u   /* attestations waiting for a block, FIFO */
#define Q_PENDING_EXPIRY_SLOTS 32u /* EXPIRED when current_slot > slot + 32 */
#define Q_UNVIABLE_MAX 16384u  /* unviable roots remembered, FIFO */
#define Q_INPUT_QUEUE_DEFAULT 16384u /* frames; the reader stops, never drops */

/* ------------------------------------------------------------ items (2) */

/* A 32-byte hash: block root, body root, data root, item id. */
typedef struct q_root {
    uint8_t b[Q_ROOT_BYTES];
} q_root;

/* BlockHeader, decoded. Encoded: slot | proposer | body_len | parent | state | body. */
typedef struct q_block_header {
    uint64_t slot;
    uint32_t proposer;
    uint32_t body_len;
    q_root parent_root;
    q_root state_root;
    q_root body_root;
} q_block_header;

/* SignedBlock = header | signature | body. body points at hdr.body_len bytes
 * owned by whoever filled the struct (for a decoded frame: the frame, see
 * q_frame_release in wire.h). */
typedef struct q_signed_block {
    q_block_header hdr;
    uint8_t sig[Q_SIG_BYTES];
    const uint8_t *body;
} q_signed_block;

/* AttestationData, decoded, in wire order. */
typedef struct q_att_data {
    uint64_t slot;
    uint64_t index;
    q_root beacon_block_root;
    uint64_t source_epoch;
    q_root source_root;
    uint64_t target_epoch;
    q_root target_root;
} q_att_data;

/* Attestation = attester | zero | data | signature. `zero` is kept as it came
 * (the spec does not make a non-zero value malformed; it is part of the item
 * id's bytes either way). */
typedef struct q_attestation {
    uint32_t attester;
    uint32_t zero;
    q_att_data data;
    uint8_t sig[Q_SIG_BYTES];
} q_attestation;

/* Payload of FINALIZE. */
typedef struct q_finalize {
    uint64_t epoch;
    q_root root; /* informational */
} q_finalize;

/* Payload of HELLO. */
typedef struct q_hello {
    uint32_t n_validators; /* >= 1 */
} q_hello;

/* A decoded frame. Value type: copy it freely, but only one copy may be
 * released (q_frame_release frees a block's body). `offset` is the byte offset
 * of the frame's len field in its stream; `len` is the len field. */
typedef struct q_frame {
    uint8_t kind;  /* q_kind */
    uint8_t flags; /* always 0 once decoded */
    uint16_t peer;
    uint64_t t_ms;
    uint32_t len;
    uint64_t offset;
    union {
        q_hello hello;
        q_signed_block block; /* block.body: malloc'd, owned by the frame */
        q_attestation att;
        q_finalize fin;
    } u;
} q_frame;

/* The identities of an item: what the pure (parallel) checks compute.
 * Blocks: id = block root, aux = H(body) (compare with hdr.body_root).
 * Attestations: id = item id, aux = data root. */
typedef struct q_item_ids {
    q_root id;
    q_root aux;
} q_item_ids;

/* ------------------------------------------------------------ verdicts (4) */

/* A verdict. CLEARED and HELD are states of an item on its way; the other
 * seven are the final words stored in `rejects.verdict` (spec section 6). */
typedef enum q_verdict {
    Q_V_CLEARED = 0,
    Q_V_HELD,
    Q_V_REJECT,
    Q_V_IGNORE,
    Q_V_SLASHABLE,
    Q_V_EVICTED,
    Q_V_EXPIRED,
    Q_V_UNVIABLE,
    Q_V_HELD_AT_END,
    Q_V_COUNT
} q_verdict;

/* A reason word of section 4 (blocks and attestations share the words), plus
 * `orphan`/`pending` for the held-then-dropped verdicts. Q_R_NONE goes with
 * CLEARED and HELD. */
typedef enum q_reason {
    Q_R_NONE = 0,
    Q_R_FUTURE_SLOT,
    Q_R_FINALIZED,
    Q_R_DUPLICATE,
    Q_R_WRONG_PROPOSER,
    Q_R_BAD_BODY,
    Q_R_BAD_SIGNATURE,
    Q_R_DOUBLE_PROPOSAL,
    Q_R_BAD_ANCESTOR,
    Q_R_SLOT_NOT_AFTER_PARENT,
    Q_R_BAD_TARGET_EPOCH,
    Q_R_TOO_OLD,
    Q_R_NOT_IN_COMMITTEE,
    Q_R_DOUBLE_VOTE,
    Q_R_SURROUND_VOTE,
    Q_R_BAD_BLOCK,
    Q_R_BAD_TARGET_ROOT,
    Q_R_BAD_SOURCE,
    Q_R_ORPHAN,
    Q_R_PENDING,
    Q_R_COUNT
} q_reason;

/* The counters of the store (spec section 6), and the two bound counters of
 * section 5. The first nine are the sum rule of section 7. */
typedef enum q_counter {
    Q_C_RECEIVED = 0,
    Q_C_CLEARED,
    Q_C_REJECTED,
    Q_C_IGNORED,
    Q_C_SLASHABLE,
    Q_C_EVICTED,
    Q_C_EXPIRED,
    Q_C_UNVIABLE,
    Q_C_HELD_AT_END,
    Q_C_ORPHAN_EVICTED,
    Q_C_PENDING_EVICTED,
    Q_C_COUNT
} q_counter;

/* Slashing kinds (the `slashings.kind` words). */
typedef enum q_slashing_kind {
    Q_S_DOUBLE_PROPOSAL = 0,
    Q_S_DOUBLE_VOTE,
    Q_S_SURROUND_VOTE,
    Q_S_COUNT
} q_slashing_kind;

/* Item kinds as stored in `rejects.kind`. */
typedef enum q_item_kind { Q_ITEM_BLOCK = 0, Q_ITEM_ATTESTATION = 1 } q_item_kind;

/* The exact words. Each takes an enum value and returns a static string; an
 * out-of-range value gives "?". The *_parse functions take a word and return
 * the value, or -1 when the word is not one of them. */
static inline const char *q_verdict_word(q_verdict v)
{
    static const char *const w[Q_V_COUNT] = {
        "CLEARED", "HELD", "REJECT", "IGNORE", "SLASHABLE",
        "EVICTED", "EXPIRED", "UNVIABLE", "HELD_AT_END",
    };
    return (unsigned)v < Q_V_COUNT ? w[v] : "?";
}

static inline const char *q_reason_word(q_reason r)
{
    static const char *const w[Q_R_COUNT] = {
        "none", "future_slot", "finalized", "duplicate", "wrong_proposer",
        "bad_body", "bad_signature", "double_proposal", "bad_ancestor",
        "slot_not_after_parent", "bad_target_epoch", "too_old",
        "not_in_committee", "double_vote", "surround_vote", "bad_block",
        "bad_target_root", "bad_source", "orphan", "pending",
    };
    return (unsigned)r < Q_R_COUNT ? w[r] : "?";
}

static inline const char *q_counter_word(q_counter c)
{
    static const char *const w[Q_C_COUNT] = {
        "received", "cleared", "rejected", "ignored", "slashable", "evicted",
        "expired", "unviable", "held_at_end", "orphan_evicted", "pending_evicted",
    };
    return (unsigned)c < Q_C_COUNT ? w[c] : "?";
}

static inline const char *q_slashing_word(q_slashing_kind k)
{
    static const char *const w[Q_S_COUNT] = {"double_proposal", "double_vote", "surround_vote"};
    return (unsigned)k < Q_S_COUNT ? w[k] : "?";
}

static inline const char *q_item_kind_word(q_item_kind k)
{
    return k == Q_ITEM_BLOCK ? "block" : k == Q_ITEM_ATTESTATION ? "attestation" : "?";
}

static inline const char *q_kind_word(q_kind k)
{
    static const char *const w[Q_KIND_COUNT] = {"HELLO", "BLOCK", "ATTESTATION", "TICK", "FINALIZE", "END"};
    return (unsigned)k < Q_KIND_COUNT ? w[k] : "?";
}

/* Word -> enum helpers (linear search; the tables are tiny). Each takes a
 * NUL-terminated word and returns the enum value, or -1 when it is not one. */
static inline int q_verdict_parse(const char *word)
{
    for (int i = 0; i < Q_V_COUNT; i++)
        if (strcmp(word, q_verdict_word((q_verdict)i)) == 0) return i;
    return -1;
}

static inline int q_reason_parse(const char *word)
{
    for (int i = 0; i < Q_R_COUNT; i++)
        if (strcmp(word, q_reason_word((q_reason)i)) == 0) return i;
    return -1;
}

static inline int q_counter_parse(const char *word)
{
    for (int i = 0; i < Q_C_COUNT; i++)
        if (strcmp(word, q_counter_word((q_counter)i)) == 0) return i;
    return -1;
}

static inline int q_slashing_parse(const char *word)
{
    for (int i = 0; i < Q_S_COUNT; i++)
        if (strcmp(word, q_slashing_word((q_slashing_kind)i)) == 0) return i;
    return -1;
}

/* The counter a final verdict adds to (CLEARED -> cleared, REJECT -> rejected,
 * ...); -1 for HELD, which is not final. */
static inline int q_verdict_counter(q_verdict v)
{
    switch (v) {
    case Q_V_CLEARED: return Q_C_CLEARED;
    case Q_V_REJECT: return Q_C_REJECTED;
    case Q_V_IGNORE: return Q_C_IGNORED;
    case Q_V_SLASHABLE: return Q_C_SLASHABLE;
    case Q_V_EVICTED: return Q_C_EVICTED;
    case Q_V_EXPIRED: return Q_C_EXPIRED;
    case Q_V_UNVIABLE: return Q_C_UNVIABLE;
    case Q_V_HELD_AT_END: return Q_C_HELD_AT_END;
    default: return -1;
    }
}

#endif /* Q_SPEC_H */
