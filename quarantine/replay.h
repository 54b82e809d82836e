/* quarantine/replay.h: the one serial driver of a whole stream. One thread
 * decodes every frame (wire.h), runs the pure checks (q_prepare, verify.h) and
 * applies it (q_engine_apply, engine.h), in order. `quarantine replay` runs it
 * into the store, `quarantine gen` into its FILE.expected writer (the
 * cross-check), the unit tests into a recorder. The parallel twin is run.c.
 */
#ifndef Q_REPLAY_H
#define Q_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "quarantine/engine.h"
#include "quarantine/head.h"

/* Reads the stream on fd (named `path` in messages; head, when not NULL, is
 * its first bytes, already read from fd, q_head_read) to its END and applies
 * every frame to e, which has had no frame yet, on the calling thread. When
 * kill_after > 0 the process sends itself SIGKILL once that many items are
 * applied (the restart tests' crash). fd stays open and e the caller's.
 * Returns 0 when the stream was read to END; -1 on a malformed frame, a frame
 * the engine cannot take or out of memory, with "path: byte offset N: reason"
 * (or "out of memory") in err: every frame before the bad one is applied. */
int q_replay_fd(q_engine *e, int fd, const q_head *head, const char *path, uint64_t kill_after, char *err,
                size_t errlen);

/* Runs the whole stream file at path through a fresh engine that sends its
 * events to *sink, with q_replay_fd; then fills *stats (when not NULL) and
 * frees the engine. Starts libsodium itself. Returns 0 or -1 as q_replay_fd
 * does, and -1 with "path: reason" in err when the file cannot be opened. */
int q_replay_file(const char *path, const q_sink *sink, q_engine_stats *stats, char *err, size_t errlen);

#endif /* Q_REPLAY_H */
