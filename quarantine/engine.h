/* quarantine/engine.h: the verdict engine of spec section 4, in two halves.
 *
 *   q_prepare        the PURE checks of one item (verify.h): block root,
 *                    H(body), proposer duty, attestation id, data root,
 *                    committee duty, Ed25519. No engine state: any thread, any
 *                    order (the parallel `quarantine run` spawns one task per
 *                    item).
 *   q_engine_apply   the ORDERED checks (this header, engine.c): applies one
 *                    frame and its q_checked to the engine's state, strictly in
 *                    arrival order, on one thread. Time and expiries,
 *                    duplicates and seen copies, double proposals, unviable
 *                    roots, orphans and their recursive resolution,
 *                    attestations waiting on blocks, slashing detection,
 *                    target-root walks, FINALIZE and END. The containers of
 *                    held items it keeps are in held.h.
 *
 * Everything the engine decides goes out, in one deterministic order, as
 * q_events (event.h) to a q_sink (the store, the generator's expected-file
 * writer, a test's recorder). The order depends only on the stream, never on
 * workers or timing, so a rerun of the same stream emits the very same event
 * sequence; the store's restart safety relies on that (quarantine/store.h).
 * The one serial driver of a whole stream, prepare and apply on one thread, is
 * in replay.h.
 *
 * Bounds (spec section 5), all enforced here and never exceeded: at most
 * Q_ORPHAN_MAX orphan blocks (FIFO eviction, `orphan_evicted`), at most
 * Q_PENDING_MAX attestations waiting for a block (FIFO eviction,
 * `pending_evicted`; EXPIRED when current_slot > slot + 32), at most
 * Q_UNVIABLE_MAX unviable roots (FIFO, forgotten silently). The seen tables
 * (copies that reached check 3) hold at most 2 * Q_SEEN_*_GEN copies plus
 * the held ones, in two generations: when the newer one fills, the older is
 * forgotten (counted in q_engine_stats.seen_forgotten), held copies excepted;
 * a forgotten copy that comes again is judged afresh, as the spec judges a
 * dropped one. The other tables are pruned as virtual time moves: seen/cleared
 * attestation ids once they are older than the previous epoch (check 2 would
 * ignore them as too_old first), seen block copies and proposals at or before
 * the finalized slot (check 2 ignores them as finalized first), votes whose
 * target is older than the finalized epoch (spec: "may be pruned"), and
 * cleared blocks at or below min(finalized slot, first slot of the previous
 * epoch): their roots stay, 32 bytes each, in an archive (archive.h), which
 * is all the checks still need of them (engine.c gives the argument).
 */
#ifndef Q_ENGINE_H
#define Q_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quarantine/chain.h"
#include "quarantine/event.h"
#include "quarantine/spec.h"
#include "quarantine/verify.h"

/* Each generation of the seen tables (above): block copies, attestation
 * copies. Far above what an honest network sends in the window they are
 * pruned on (finality for blocks, two epochs for attestations). */
#define Q_SEEN_BLOCKS_GEN 8192u
#define Q_SEEN_ATTS_GEN 32768u

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
    size_t blocks_live, blocks_live_peak; /* cleared blocks above the prune line */
    size_t archived;                      /* roots of pruned cleared blocks */
    size_t seen_blocks, seen_atts;        /* copies in the seen tables now */
    uint64_t seen_forgotten;              /* copies forgotten by a generation change */
    uint64_t items;      /* BLOCK + ATTESTATION frames applied */
    uint64_t frames;     /* all frames applied */
    uint64_t events;     /* row events emitted */
} q_engine_stats;

/* Fills *out with the engine's statistics now. Cheap; the engine's thread
 * only (the progress line of `run` calls it between frames). */
void q_engine_get_stats(const q_engine *e, q_engine_stats *out);

#endif /* Q_ENGINE_H */
