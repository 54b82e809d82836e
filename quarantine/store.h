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
 * The skip is by position in the event sequence (an extra counter
 * `store_events` is allowed by section 6: "counters holds at least ..."), so
 * it is only right for the stream the store was started on. Three guards
 * make a misuse an error, before anything in the store changes:
 *   - One holder: a store is held by one process at a time (lock.h); a
 *     second run, or a replay, on it fails naming the holder's pid and
 *     command.
 *   - One stream: the store keeps the head of its stream (its first
 *     Q_HEAD_BYTES bytes, head.h, HELLO and its validator count included) in
 *     the table `stream`, written with the schema in the store's first
 *     transaction. A store that holds row events takes only a stream with the
 *     same head (one head a prefix of the other: a stream shorter than the
 *     head is whole in it); a store that holds none takes any stream and is
 *     bound to it anew. A different stream is refused naming both heads.
 *     What comes after the head is not compared: two streams that share
 *     their first 16 KiB are taken for one.
 *   - Its own file: a file that is not empty and not a quarantine store (any
 *     table the schema lacks, or other columns) is refused unchanged; it is
 *     inspected read-only before it is locked, switched to WAL or given
 *     tables.
 * A write that fails (a full disk) names the database and what failed; the
 * rows committed before it stay, the rest of the run is not stored, and
 * q_store_close says how many row events are committed.
 */
#ifndef Q_STORE_H
#define Q_STORE_H

#include <stddef.h>

#include "quarantine/event.h"
#include "quarantine/head.h"

typedef struct q_store q_store;

/* The counter that records how many row events are committed. */
#define Q_STORE_EVENTS_COUNTER "store_events"

/* Opens the database at path (created when absent) for this process: checks
 * that its folder exists and is writable, that the file is absent, empty or a
 * quarantine store (read-only, changing nothing), and takes its lock (lock.h,
 * holder: the command, named to a second process). Writes nothing. Returns
 * the store, or NULL with a one-line reason naming the path in err. */
q_store *q_store_open(const char *path, const char *holder, char *err, size_t errlen);

/* Binds the opened store to the stream whose head is *head (input: the
 * stream's name, for messages), checking it against the stream the store was
 * started on; then sets WAL mode, creates what the schema lacks, reads the
 * restart marker and starts the store thread. Returns 0, or -1 with a reason
 * in err (another stream, a store with rows and no binding, a database
 * error), the store then closed, unchanged, and freed. */
int q_store_start(q_store *s, const q_head *head, const char *input, char *err, size_t errlen);

/* Frees a store opened and not started (its lock is dropped). */
void q_store_discard(q_store *s);

/* The sink that queues engine events for the store thread. emit blocks while
 * the queue is full (back-pressure; never drops). Call it from one thread. */
q_sink q_store_sink(q_store *s);

/* How many row events the store found committed when it started (the ones a
 * rerun skips); 0 for a fresh store. */
uint64_t q_store_resumed(const q_store *s);

/* What a started store did, for the summary. */
typedef struct q_store_end {
    uint64_t resumed;   /* row events found committed at the start, skipped */
    uint64_t taken;     /* row events the engine sent, the skipped ones included */
    uint64_t committed; /* row events committed: the store holds the first `committed` */
    bool failed;        /* some write failed: the events after `committed` are not stored */
    double cpu_s;       /* CPU time of the store thread (CLOCK_THREAD_CPUTIME_ID), for profiles */
} q_store_end;

/* Drains the queue, commits what is open, stops the thread and closes the
 * database. Fills *end (when not NULL). Returns 0, or -1 when some write
 * failed (err names the database, what failed and why; the rows committed
 * before the failure stay). Frees s either way. */
int q_store_close(q_store *s, q_store_end *end, char *err, size_t errlen);

#endif /* Q_STORE_H */
