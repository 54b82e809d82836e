/* quarantine/event.h: what the verdict engine tells the world. Every decision
 * of the ordered checks (engine.h) goes out as one q_event, in one
 * deterministic order, to a q_sink: the store (store.h), the tally of a run
 * (report.h), the generator's FILE.expected writer (gen.h), a test's recorder.
 *
 * Types only, no code: a consumer of events (store.c) includes this header and
 * not the engine. The row events are the rows of spec section 6.
 */
#ifndef Q_EVENT_H
#define Q_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "quarantine/spec.h"

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

/* A `blocks` row: a block that cleared, seq its place in the clear order. */
typedef struct q_block_row {
    q_root root;
    uint64_t slot;
    uint32_t proposer;
    q_root parent_root;
    uint64_t seq;
} q_block_row;

/* An `attestations` row: an attestation that cleared. */
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

/* A `rejects` row: the final verdict of an item that did not clear. */
typedef struct q_reject_row {
    q_item_kind kind;
    q_root id;
    q_verdict verdict;
    q_reason reason;
} q_reject_row;

/* A `slashings` row: one slashable offence. */
typedef struct q_slashing_row {
    q_slashing_kind kind;
    uint32_t validator;
    q_root first;  /* the root / data root kept */
    q_root second; /* the one not passed on */
} q_slashing_row;

/* One event: the member of u that type names. */
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

#endif /* Q_EVENT_H */
