/* quarantine/inq.c: the bounded input channel (contract in inq.h). A mutex
 * is fine here: one lock per frame is far below the cost of verifying it,
 * and it gives the blocking push (back-pressure) for free. */
#include "quarantine/inq.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarantine/wire.h"

int q_inq_init(q_inq *q, size_t cap, weft_idle *wake)
{
    memset(q, 0, sizeof *q);
    q->ring = calloc(cap, sizeof *q->ring);
    if (!q->ring) return -1;
    q->cap = cap;
    q->wake = wake;
    q->space_fd = -1;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_full, NULL);
    return 0;
}

void q_inq_destroy(q_inq *q)
{
    for (size_t i = 0; i < q->count; i++) {
        q_in *e = &q->ring[(q->head + i) % q->cap];
        if (e->type == Q_IN_FRAME) q_frame_release(&e->f);
    }
    free(q->ring);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_full);
}

bool q_inq_push(q_inq *q, q_in *e)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == q->cap && !q->closed) pthread_cond_wait(&q->not_full, &q->mu);
    if (q->closed) {
        pthread_mutex_unlock(&q->mu);
        if (e->type == Q_IN_FRAME) q_frame_release(&e->f);
        return false;
    }
    q->ring[(q->head + q->count) % q->cap] = *e;
    q->count++;
    pthread_mutex_unlock(&q->mu);
    weft_idle_notify(q->wake);
    return true;
}

int q_inq_try_push(q_inq *q, q_in *e)
{
    pthread_mutex_lock(&q->mu);
    if (q->closed) {
        pthread_mutex_unlock(&q->mu);
        if (e->type == Q_IN_FRAME) q_frame_release(&e->f);
        return -1;
    }
    if (q->count == q->cap) {
        pthread_mutex_unlock(&q->mu);
        return 0;
    }
    q->ring[(q->head + q->count) % q->cap] = *e;
    q->count++;
    pthread_mutex_unlock(&q->mu);
    weft_idle_notify(q->wake);
    return 1;
}

bool q_inq_pop(q_inq *q, q_in *out)
{
    pthread_mutex_lock(&q->mu);
    if (q->count == 0) {
        pthread_mutex_unlock(&q->mu);
        return false;
    }
    *out = q->ring[q->head];
    q->head = (q->head + 1) % q->cap;
    bool was_full = q->count-- == q->cap;
    pthread_mutex_unlock(&q->mu);
    if (was_full) {
        pthread_cond_broadcast(&q->not_full);
        /* eventfd: an 8-byte counter, one write never blocks in practice */
        if (q->space_fd >= 0) {
            uint64_t one = 1;
            ssize_t w = write(q->space_fd, &one, sizeof one);
            (void)w; /* a full counter (2^64 - 2) is already a wake-up */
        }
    }
    return true;
}

bool q_inq_nonempty(q_inq *q)
{
    pthread_mutex_lock(&q->mu);
    bool r = q->count > 0;
    pthread_mutex_unlock(&q->mu);
    return r;
}

size_t q_inq_depth(q_inq *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->count;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void q_inq_close(q_inq *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_mutex_unlock(&q->mu);
    pthread_cond_broadcast(&q->not_full);
}
