/* quarantine/gen.h: `quarantine gen`, the stream generator, in three parts
 * that share this header (internal to them):
 *
 *   gen_scenario.c    the scenario: the designed stream of every case of the
 *                     spec, written frame by frame, with the verdict it
 *                     *intends* for every item copy and the slashings it
 *                     intends (its top comment gives the slot-by-slot layout);
 *   gen_crosscheck.c  the cross-check: the serial verdict engine (replay.h)
 *                     run over the written file, its events written as
 *                     FILE.expected (format in expected.h) and compared with
 *                     the intents;
 *   gen.c             the command: flags, files, the order of the steps, the
 *                     report.
 *
 * gen is not its own oracle: the intents are designed by hand from the spec,
 * per case, and the engine is written separately. The command fails (exit 1,
 * every difference printed, no FILE.expected left) when the two disagree on
 * any item copy (multisets of kind/id/verdict/reason), slashing or counter.
 */
#ifndef Q_GEN_H
#define Q_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "quarantine/spec.h"

#define GEN_MIN_EPOCHS 4u
#define GEN_MIN_VALIDATORS 256u

/* ------------------------------------------------------------ cases */

/* What each item copy was designed to show (for the report and for naming
 * disagreements with the engine). */
#define GEN_TAGS(X)                                                                                   \
    X(CANON, "canonical block")                                                                       \
    X(CANON_DUP, "canonical block copy from another peer")                                          \
    X(CANON_FORGED, "forged copy (bad signature) before the genuine block")                         \
    X(CANON_EARLY, "block copy more than 500 ms early (future_slot)")                               \
    X(CANON_EDGE, "block copy exactly 500 ms early (accepted)")                                      \
    X(OOO_CHILD, "block delivered before its parent (held, then cleared)")                           \
    X(OOO_CHILD_DUP, "copy of a held orphan (duplicate)")                                             \
    X(OOO_PARENT, "parent delivered after its child")                                                 \
    X(FORK_SHORT, "short fork block")                                                                 \
    X(DEEP_FORK, "deep fork block, delivered in reverse, cleared by resolution")                     \
    X(DEEP_FORK_EVICTED, "deep fork block evicted from the orphan table")                            \
    X(WRONG_PROPOSER, "block by the wrong proposer")                                                  \
    X(BAD_BODY, "block whose body_root is not H(body)")                                               \
    X(BAD_SIG_BLOCK, "block with a bad signature")                                                    \
    X(DOUBLE_PROPOSAL, "second block of a proposer in one slot")                                      \
    X(CHILD_OF_INVALID, "descendant of an unviable block")                                            \
    X(ORPHAN_OF_INVALID, "orphan held, then its parent turned out invalid")                           \
    X(SLOT_NOT_AFTER, "block whose slot is not after its parent's")                                   \
    X(SLOT_ZERO, "block at the genesis slot")                                                         \
    X(FINALIZED_LATE, "block at or before the finalized slot")                                        \
    X(FAR_FUTURE, "block for a slot far in the future")                                               \
    X(ORPHAN_HELD_END, "orphan whose parent never comes (held at the end)")                           \
    X(ORPHAN_UNVIABLE, "orphan dropped by FINALIZE")                                                   \
    X(ATT, "attestation")                                                                             \
    X(ATT_HELD, "attestation that waited for its block")                                              \
    X(ATT_DUP, "attestation copy from another peer")                                                  \
    X(ATT_FORGED, "forged attestation copy before the genuine one")                                   \
    X(ATT_EARLY, "attestation copy more than 500 ms early (future_slot)")                             \
    X(ATT_BAD_TARGET_EPOCH, "attestation whose target epoch is not its slot's")                       \
    X(ATT_NOT_IN_COMMITTEE, "attestation off the attester's duty")                                    \
    X(ATT_BAD_SIG, "attestation signed by another key")                                               \
    X(ATT_TOO_OLD, "attestation rebroadcast two epochs late")                                         \
    X(ATT_DOUBLE_VOTE, "second vote for one target epoch")                                            \
    X(ATT_SURROUNDING, "vote that surrounds an earlier one")                                          \
    X(ATT_SURROUNDED, "vote surrounded by an earlier one")                                            \
    X(ATT_WIDE, "wide vote (source 0) kept before a surrounded one")                                  \
    X(ATT_BAD_TARGET_ROOT, "attestation with a wrong target root")                                    \
    X(ATT_BAD_SOURCE, "attestation whose source is after its target")                                 \
    X(ATT_BAD_BLOCK, "attestation for an unviable block")                                             \
    X(ATT_HELD_BAD_BLOCK, "attestation held on an orphan that turned out invalid")                    \
    X(ATT_EXPIRED, "attestation for a block that never comes (expires)")                              \
    X(ATT_HELD_END, "attestation for a block that never comes (held at the end)")                     \
    X(ATT_UNVIABLE, "attestation for a block that never comes (dropped by FINALIZE)")

#define GEN_TAG_ENUM(name, text) TAG_##name,
enum { GEN_TAGS(GEN_TAG_ENUM) TAG_COUNT };

/* The name (CANON, ...) and the description of each case, by TAG_*. */
extern const char *const q_gen_tag_name[TAG_COUNT];
extern const char *const q_gen_tag_text[TAG_COUNT];

/* ------------------------------------------------------------ outcomes */

/* One intended outcome of one received item copy, or one outcome the engine
 * reported (same shape, tag unused). */
typedef struct q_gen_outcome {
    q_root id;
    uint8_t kind;    /* q_item_kind */
    uint8_t verdict; /* q_verdict (CLEARED included) */
    uint8_t reason;  /* q_reason */
    uint8_t tag;
} q_gen_outcome;

/* One slashing, intended or reported. */
typedef struct q_gen_slash {
    uint8_t kind; /* q_slashing_kind */
    uint32_t validator;
    q_root first, second;
} q_gen_slash;

/* Grows *p (of *cap elements of size sz) to hold at least want, doubling;
 * prints "out of memory" and exits 1 when it cannot. */
void q_gen_grow(void **p, size_t *cap, size_t want, size_t sz);

/* Appends an outcome (id, kind, verdict, reason; tag 0) to the list *rows of
 * *n elements and room for *cap, growing it as q_gen_grow does; returns it. */
q_gen_outcome *q_gen_outcome_add(q_gen_outcome **rows, size_t *cap, size_t *n, q_item_kind kind,
                                 const q_root *id, q_verdict v, q_reason r);

/* ------------------------------------------------------------ the scenario */

/* What the scenario designed and wrote. */
typedef struct q_gen_design {
    q_gen_outcome *intents; /* one per item copy written */
    size_t nintents, capintents;
    q_gen_slash *slashes;
    size_t nslashes, capslashes;
    uint64_t tag_count[TAG_COUNT]; /* item copies per case */
    uint64_t frames, bytes;        /* written to the stream */
    bool write_failed;             /* a frame could not be written */
} q_gen_design;

/* Writes the scenario's stream for n (>= GEN_MIN_VALIDATORS) validators and
 * epochs (>= GEN_MIN_EPOCHS) epochs, deterministic from seed, to out (left
 * open: the caller closes it and checks that), and records into *d (zeroed
 * by the caller) what it intends. Returns 0, or -1 after printing why (out of
 * memory, a layout that does not fit) or with d->write_failed set. */
int q_gen_scenario_write(FILE *out, uint32_t n, uint64_t epochs, uint64_t seed, q_gen_design *d);

/* Frees what *d holds. */
void q_gen_design_free(q_gen_design *d);

/* ------------------------------------------------------------ the cross-check */

/* The engine's view of a stream: the FILE.expected records it wrote, and its
 * outcomes kept for the comparison with the intents. */
typedef struct q_gen_view {
    FILE *exp;         /* where the records go: the caller's, set before the run */
    bool write_failed; /* a record could not be written */
    q_gen_outcome *rows;
    size_t nrows, caprows;
    q_gen_slash *sl;
    size_t nsl, capsl;
    uint64_t counters[Q_C_COUNT]; /* final, when ended */
    bool ended;                   /* the engine reported END */
} q_gen_view;

/* Runs the serial engine (q_replay_file) over the stream file at path and
 * collects its events into *k (zeroed but for k->exp), writing one
 * FILE.expected record per event to k->exp. Returns 0, or -1 with the reason
 * in err when the engine could not read the stream to its END. */
int q_gen_view_run(q_gen_view *k, const char *path, char *err, size_t errlen);

/* Frees what *k holds (not k->exp). */
void q_gen_view_free(q_gen_view *k);

/* How many differences the comparison found, by what differs. */
typedef struct q_gen_diff {
    size_t items, slashings, counters;
} q_gen_diff;

/* Compares the design with the engine's view: item copy by item copy,
 * slashing by slashing, counter by counter (and that the engine reported
 * END). Sorts both sides' outcomes and slashings in place. Prints every
 * difference (the first 40 of items and of slashings) to stderr and counts
 * them in *out. */
void q_gen_compare(q_gen_design *d, q_gen_view *k, q_gen_diff *out);

/* ------------------------------------------------------------ floods */

/* Writes the hostile stream of `gen --flood KIND --count N` (gen_flood.c):
 * a valid stream with a flood of count items of kind "orphan", "attest" or
 * "badsig" to path, and the valid stream alone to path.valid, for n
 * validators and epochs epochs, deterministic from seed. Returns 0, 1 after
 * printing why (a write failed, out of memory), or 2 for an unknown kind or
 * too few validators (usage). */
int q_gen_flood_write(const char *path, uint32_t n, uint64_t epochs, uint64_t seed, const char *kind,
                      uint64_t count);

#endif /* Q_GEN_H */
