/* quarantine/inq.h: the service's input channel.
 *
 * Reader threads (one per file today, one per TCP peer next) decode frames
 * and push them here; the event loop on the root worker pops them without
 * ever blocking. The queue is bounded (spec section 5: default 16384 frames):
 * a full queue blocks the pushing reader (back-pressure), it never drops.
 * A push wakes the event loop through its weft_idle notifier.
 *
 * Entries are frames, or a final marker: the end of the stream, or an error
 * with its message (a malformed frame: everything before it is still
 * processed, then the run stops with that message).
 */
#ifndef Q_INQ_H
#define Q_INQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <weft.h>

#include "quarantine/spec.h"

enum { Q_IN_FRAME = 0, Q_IN_EOF, Q_IN_ERROR };

typedef struct q_in {
    int type;          /* Q_IN_FRAME, Q_IN_EOF or Q_IN_ERROR */
    q_frame f;         /* FRAME: owned by whoever holds the entry */
    double arrival;    /* wall-clock seconds when the reader decoded it */
    char msg[300];     /* ERROR: what went wrong, with the byte offset */
} q_in;

typedef struct q_inq {
    pthread_mutex_t mu;
    pthread_cond_t not_full;
    q_in *ring;
    size_t cap, head, count;
    weft_idle *wake;   /* notified on every push (the event loop's) */
    bool closed;       /* the consumer left: pushes are refused */
} q_inq;

/* Initialises a queue of cap entries whose pushes notify wake. 0 or -1. */
int q_inq_init(q_inq *q, size_t cap, weft_idle *wake);
/* Frees the queue and the frames still in it. No thread may use it after. */
void q_inq_destroy(q_inq *q);

/* Producer: appends *e (moved in), blocking while the queue is full.
 * Returns false when the consumer closed the queue (e is then released). */
bool q_inq_push(q_inq *q, q_in *e);

/* Consumer: takes the oldest entry into *out; false when empty. Never blocks. */
bool q_inq_pop(q_inq *q, q_in *out);

/* Consumer: true when an entry is waiting. */
bool q_inq_nonempty(q_inq *q);

/* Consumer: refuses further pushes and wakes blocked producers. */
void q_inq_close(q_inq *q);

#endif /* Q_INQ_H */
