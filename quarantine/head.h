/* quarantine/head.h: the head of a stream, its first bytes, read before the
 * store opens. A store is bound to the head of the stream it was started on
 * (store.h), so that a store is never resumed with another stream: resuming
 * skips the row events already stored by their position, which is only right
 * for the same stream.
 *
 * The head is read from the input fd (a file or a pipe alike, so it is
 * consumed) and then handed to the stream's reader ahead of the rest
 * (q_head_feed), so nothing is read twice and a pipe loses nothing.
 */
#ifndef Q_HEAD_H
#define Q_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quarantine/wire.h"

/* Bytes of a stream kept as its head: HELLO and about 75 frames after it. A
 * live source's first frames wait until this much (or the end) has come. */
#define Q_HEAD_BYTES 16384

typedef struct q_head {
    uint8_t bytes[Q_HEAD_BYTES];
    size_t len; /* Q_HEAD_BYTES, or fewer when the stream is shorter */
} q_head;

/* Reads the first Q_HEAD_BYTES bytes of fd (fewer at its end), blocking
 * until they have come. Returns 0, or -1 with "path: reason" in err. */
int q_head_read(q_head *h, int fd, const char *path, char *err, size_t errlen);

/* The validator count of a well-formed HELLO frame at the start of bytes
 * (spec section 3), 0 when they do not start with one. */
uint32_t q_head_validators(const uint8_t *bytes, size_t len);

/* Feeds the head to a reader initialised over the same fd before its first
 * q_reader_next. Returns 0, or -1 when out of memory. */
int q_head_feed(const q_head *h, q_reader *r);

#endif /* Q_HEAD_H */
