/* quarantine/engine.h: the verdict engine of spec section 4, in two halves.
 *
 *   q_prepare        the PURE checks of one item: block root, H(body), proposer
 *                    duty, attestation id, data root, committee duty, Ed25519.
 *                    No engine state: it runs on any thread, in any order (the
 *                    parallel `quarantine run` spawns one task per item).
 *   q_engine_apply   the ORDERED half: applies one frame and its q_checked to
 *                    the engine's state, strictly in arrival order, on one
 *                    thread. Time and expiries, duplicates and seen copies,
 *                    double proposals, unviable roots, orphans and their
 *                    recursive resolution, attestations waiting on blocks,
 *                    slashing detection, target-root walks, FINALIZE and END.
 *
 * Everything the engine decides goes out, in one deterministic order, as
 * q_events to a q_sink (the store, the generator's expected-file writer, a
 * test's recorder). The order depends only on the stream, never on workers or
 * timing, so a rerun of the same stream emits the very same event sequence;
 * the store's restart safety relies on that (quarantine/store.h).
 *
 * Bounds (spec section 5), all enforced here and never exceeded: at most
 * Q_ORPHAN_MAX orphan blocks (FIFO eviction, `orphan_evicted`), at most
 * Q_PENDING_MAX attestations waiting for a block (FIFO eviction,
 * `pending_evicted`; EXPIRED when current_slot > slot + 32), at most
 * Q_UNVIABLE_MAX unviable roots (FIFO, forgotten silently). The other tables
 * are pruned as virtual time moves: seen/cleared attestation ids once they are
 * older than the previous epoch (check 2 would ignore them as too_old first),
 * seen block copies and proposals at or before the finalized slot (check 2
 * ignores them as finalized first), votes whose target is older than the
 * finalized epoch (spec: "may be pruned"). Cleared blocks are kept (one per
 * slot at most on the canonical chain) for parent lookups and target walks.
 */
#ifndef Q_ENGINE_H
#define Q_ENGINE_H

#include "quarantine/chain.h"
#include "quarantine/hashmap.h"
#include "quarantine/spec.h"

/* ------------------------------------------------------------ pure half */

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

/* ------------------------------------------------------------ events */

typedef enum q_event_type {
    Q_EV_CLEARED_BLOCK = 0, /* a block cleared: u.block (a `blocks` row) */
    Q_EV_CLEARED_ATT,       /* an attestation cleared: u.att (an `attestations` row) */
    Q_EV_REJECT,            /* an item's final verdict other than CLEARED: u.reject */
    Q_EV_SLASHING,          /* a slashable offence: u.slashing (before its REJECT event) */
    Q_EV_SLOT,              /* virtual time entered slot u.slot: a commit point */
    Q_EV_END,               /* END was handled: u.counters are final */
} q_event_type;

/* The row events (CLEARED_*, REJECT, SLASHING) are the ones a store writes;
 * SLOT and END carry no row. */
static inline bool q_event_is_row(int type) { return type <= Q_EV_SLASHING; }

typedef struct q_block_row {
    q_root root;
    uint64_t slot;
    uint32_t proposer;
    q_root parent_root;
    uint64_t seq;
} q_block_row;

typedef struct q_att_row {
    q_root id;
    uint32_t attester;
    uint64_t slot;
    uint64_t idx;
    q_root block_root;
    uint64_t source_epoch;
    uint64_t target_epoch;
    q_root data_root;
    uint64_t seq;
} q_att_row;

typedef struct q_reject_row {
    q_item_kind kind;
    q_root id;
    q_verdict verdict;
    q_reason reason;
} q_reject_row;

typedef struct q_slashing_row {
    q_slashing_kind kind;
    uint32_t validator;
    q_root first;  /* the root / data root kept */
    q_root second; /* the one not passed on */
} q_slashing_row;

typedef struct q_event {
    q_event_type type;
    union {
        q_block_row block;
        q_att_row att;
        q_reject_row reject;
        q_slashing_row slashing;
        uint64_t slot;
        uint64_t counters[Q_C_COUNT];
    } u;
} q_event;

/* Where the engine's events go. emit is called on the engine's thread, in
 * order; ev is only valid during the call (copy what you keep). */
typedef struct q_sink {
    void (*emit)(void *ctx, const q_event *ev);
    void *ctx;
} q_sink;

/* ------------------------------------------------------------ ordered half */

typedef struct q_engine q_engine;

/* Creates an engine that sends its events to *sink (copied). The engine
 * waits for its HELLO (through q_engine_apply) before any item. Returns NULL
 * when out of memory. */
q_engine *q_engine_new(const q_sink *sink);

/* Frees the engine and everything it holds (held items are dropped silently:
 * call after END, or when abandoning a run). */
void q_engine_free(q_engine *e);

/* Applies frame f in arrival order. For BLOCK and ATTESTATION frames c is
 * q_prepare's result for f (computed with this engine's registry); for the
 * other kinds c may be NULL. f stays the caller's (the engine copies what it
 * holds and never keeps f->u.block.body). The decoder has already rejected
 * malformed frames; a HELLO sets N (and the registry) and must come first.
 * Returns 0, or -1 for a frame the engine cannot take (a second HELLO, an item
 * before HELLO, anything after END). */
int q_engine_apply(q_engine *e, const q_frame *f, const q_checked *c);

/* The engine's key registry (valid after HELLO, NULL before): q_prepare's
 * first argument. Shared read-mostly with the verification tasks. */
q_registry *q_engine_registry(q_engine *e);

/* True once END has been applied. */
bool q_engine_ended(const q_engine *e);

/* The counters so far (final after END), Q_C_COUNT values. */
const uint64_t *q_engine_counters(const q_engine *e);

/* Occupancy of the bounded tables now and at their peak, for tests and the
 * run summary. */
typedef struct q_engine_stats {
    size_t orphans, orphans_peak;
    size_t pending, pending_peak;
    size_t unviable, unviable_peak;
    uint64_t items;      /* BLOCK + ATTESTATION frames applied */
    uint64_t frames;     /* all frames applied */
    uint64_t events;     /* row events emitted */
} q_engine_stats;

void q_engine_get_stats(const q_engine *e, q_engine_stats *out);

/* ------------------------------------------------------------ whole streams */

/* Decodes, prepares and applies a whole stream file serially on the calling
 * thread, sending events to *sink: the generator's source of expected verdicts
 * and the serial baseline of the benchmark. stats may be NULL. Returns 0 when
 * the stream was read to its END; -1 on a malformed frame or an I/O error,
 * with "path: byte offset N: reason: detail" in err (everything applied
 * before the bad frame has been emitted). */
int q_engine_run_serial(const char *path, const q_sink *sink, q_engine_stats *stats, char *err,
                        size_t errlen);

#endif /* Q_ENGINE_H */
