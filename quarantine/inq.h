/* quarantine/inq.h: the service's input channel.
 *
 * A reader thread (the file reader of run.c, or the one TCP reader of net.h
 * for all connections) decodes frames and pushes them here; the event loop
 * on the root worker pops them without ever blocking. The queue is bounded
 * (spec section 5: default 16384 frames): a full queue blocks the file
 * reader (q_inq_push) or makes the TCP reader stop reading its sockets
 * (q_inq_try_push, then a wait on the space fd), it never drops. A push
 * wakes the event loop through its weft_idle notifier.
 *
 * Entries are frames, or a final marker: the end of the stream, an error
 * with its message (a malformed frame: everything before it is still
 * processed, then the run stops with that message), or a stop (SIGINT or
 * SIGTERM: what came before is applied and committed, then the run stops).
 */
#ifndef Q_INQ_H
#define Q_INQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <weft.h>

#include "quarantine/spec.h"

enum { Q_IN_FRAME = 0, Q_IN_EOF, Q_IN_ERROR, Q_IN_STOP };

typedef struct q_in {
    int type;          /* Q_IN_FRAME, Q_IN_EOF, Q_IN_ERROR or Q_IN_STOP */
    q_frame f;         /* FRAME: owned by whoever holds the entry */
    double arrival;    /* wall-clock seconds when the reader decoded it */
    char msg[300];     /* ERROR: what went wrong, with the byte offset; STOP: why */
} q_in;

typedef struct q_inq {
    pthread_mutex_t mu;
    pthread_cond_t not_full;
    q_in *ring;
    size_t cap, head, count;
    weft_idle *wake;   /* notified on every push (the event loop's) */
    bool closed;       /* the consumer left: pushes are refused */
    int space_fd;      /* -1, or an eventfd written when a pop makes room in a full queue */
} q_inq;

/* Initialises a queue of cap entries whose pushes notify wake, with no
 * space fd (set q->space_fd before the first push to have one). 0 or -1. */
int q_inq_init(q_inq *q, size_t cap, weft_idle *wake);
/* Frees the queue and the frames still in it. No thread may use it after. */
void q_inq_destroy(q_inq *q);

/* Producer: appends *e (moved in), blocking while the queue is full.
 * Returns false when the consumer closed the queue (e is then released). */
bool q_inq_push(q_inq *q, q_in *e);

/* Producer, never blocking: appends *e (moved in) and returns 1; returns 0
 * when the queue is full (e stays the caller's; a pop that makes room then
 * writes to space_fd), -1 when the consumer closed it (e is released). */
int q_inq_try_push(q_inq *q, q_in *e);

/* Consumer: takes the oldest entry into *out; false when empty. Never blocks. */
bool q_inq_pop(q_inq *q, q_in *out);

/* Consumer: true when an entry is waiting. */
bool q_inq_nonempty(q_inq *q);

/* Any thread: the entries in the queue now (the metrics' gauge). */
size_t q_inq_depth(q_inq *q);

/* Consumer: refuses further pushes and wakes blocked producers. */
void q_inq_close(q_inq *q);

#endif /* Q_INQ_H */
