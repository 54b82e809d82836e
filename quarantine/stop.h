/* quarantine/stop.h: SIGINT and SIGTERM end a run gracefully.
 *
 * q_stop_start blocks both signals in the calling thread, before it starts
 * any other (the weft workers, the readers and the store thread inherit the
 * mask, so no thread is interrupted in a system call), and starts one thread
 * that takes them with sigwait. On the first signal that thread records its
 * name and makes the stop fd readable; a reader polls the fd beside its
 * input, stops taking input and pushes a Q_IN_STOP marker (inq.h), so that
 * everything taken before it is applied and committed and the summary is
 * printed. A second signal is ignored (the first one's work is under way).
 * q_stop_end stops the thread; the signals stay blocked until the process
 * exits (one that comes after the stop is ignored).
 */
#ifndef Q_STOP_H
#define Q_STOP_H

#include <stdbool.h>

/* Starts the signal thread. Returns 0, or -1 (it could not start). */
int q_stop_start(void);

/* The fd a reader polls for POLLIN: readable once a signal came (it stays
 * readable). -1 before q_stop_start. */
int q_stop_fd(void);

/* The signal's name ("SIGTERM", "SIGINT") once one came, else NULL. Any
 * thread; call after the stop fd was seen readable. */
const char *q_stop_signal(void);

/* Stops the signal thread (the signals stay blocked). */
void q_stop_end(void);

#endif /* Q_STOP_H */
