/* quarantine/store.h: the durable store of spec section 6, SQLite in WAL mode,
 * written by one store thread fed over a bounded queue.
 *
 * The engine's events (quarantine/event.h) go in through q_store_sink(): the
 * row events become rows of blocks / attestations / rejects / slashings; a
 * SLOT event (virtual time entered a new slot) commits the open transaction,
 * END writes the counters and commits. Rows arrive in the engine's order, so
 * a block is always inserted (and committed) before its children and seq is
 * the clear order.
 *
 * Restart safety (a run killed, even by SIGKILL, then run again on the same
 * input with the same store ends with the same rows as an uninterrupted run):
 *   - The engine is deterministic: a rerun of the same stream emits the very
 *     same sequence of row events, with the same seq numbers, whatever the
 *     number of workers (verdicts are applied in arrival order).
 *   - Every commit also writes, in the same transaction, the counter
 *     `store_events` = the number of row events the store has taken so far.
 *     A killed run leaves a store whose rows are exactly the first K row
 *     events and whose `store_events` is K (SQLite's atomic commit: rows of
 *     an unfinished transaction are rolled back from the WAL on the next
 *     open).
 *   - On open the store reads K and then skips the first K row events the
 *     engine sends: they are already stored. Nothing is lost (the rerun sends
 *     everything after K), nothing is stored twice (the first K are skipped;
 *     blocks and attestations are also INSERT OR IGNORE on their primary keys
 *     as a second guard). The counters are written whole at END, from the
 *     rerun's engine, which has seen the whole stream.
 *   - A store whose run completed is thus left unchanged by a rerun.
 * A store must only be reused with the input it was started on: the skip is
 * by position in the event sequence (an extra counter `store_events` is
 * allowed by section 6: "counters holds at least ...").
 */
#ifndef Q_STORE_H
#define Q_STORE_H

#include <stddef.h>

#include "quarantine/event.h"

typedef struct q_store q_store;

/* The counter that records how many row events are committed. */
#define Q_STORE_EVENTS_COUNTER "store_events"

/* Opens (creating when absent) the database at path: checks that its folder
 * exists and is writable, sets WAL mode, creates the schema of section 6 and
 * reads the restart marker; then starts the store thread. Returns the store,
 * or NULL with a one-line reason in err (a missing folder, an unwritable path,
 * a file that is not a database or has another schema), before any work. */
q_store *q_store_open(const char *path, char *err, size_t errlen);

/* The sink that queues engine events for the store thread. emit blocks while
 * the queue is full (back-pressure; never drops). Call it from one thread. */
q_sink q_store_sink(q_store *s);

/* How many row events the store found committed when it opened (the ones a
 * rerun skips); 0 for a fresh store. */
uint64_t q_store_resumed(const q_store *s);

/* Drains the queue, commits what is open, stops the thread and closes the
 * database. Returns 0, or -1 when some write failed (err says which; rows
 * before the failure stay committed). Frees s either way. */
int q_store_close(q_store *s, char *err, size_t errlen);

#endif /* Q_STORE_H */
