/* A timeline of spans per worker (WEFT_TRACE=file.json), written as Chrome
 * trace-event JSON at weft_exit.
 *
 * Instrumentation sits below the scheduler: it knows nothing of workers.
 * Each worker owns one buffer and records into it; the scheduler hands the
 * buffers of all workers in once they are joined.
 */
#ifndef WEFT_RUNTIME_TRACE_H
#define WEFT_RUNTIME_TRACE_H

#include <stdint.h>
#include <stdio.h>

/* Event kinds: a task the scheduler ran, the time a worker waited in a sync. */
enum { WEFT__TR_TASK = 0, WEFT__TR_WAIT = 1 };

/* One span, t0..t1 in weft__now_ns() time; fn: the task's frame function
 * (a TASK span's name is its task's, symbols.h), NULL for a WAIT. */
typedef struct weft__trace_ev { uint64_t t0, t1; const void *fn; uint32_t kind; } weft__trace_ev;

/* One worker's buffer: room for cap events, the first n recorded. */
typedef struct weft__trace {
    uint32_t n, cap;
    weft__trace_ev ev[];
} weft__trace;

/* An empty buffer with room for cap events, or NULL when out of memory (the
 * worker then records nothing). Release it with free(). */
weft__trace *weft__trace_new(uint32_t cap);

/* Records the span [t0, t1] of `kind` (fn as in weft__trace_ev). Once the
 * buffer is full, later events are dropped. The owner's thread only. */
void weft__trace_add(weft__trace *t, uint32_t kind, const void *fn, uint64_t t0, uint64_t t1);

/* Writes the JSON into f, the file `path` opened for writing (weft_init
 * opens it, so that a bad path fails there), and closes f: one thread per
 * worker, tr[i] being worker i's buffer (NULL: none, no events), times in µs
 * since t_start_ns; a task span is named after its task (its category is
 * "task"), or "task" where the symbols give no name. An error while writing is reported on stderr (naming
 * path) and is not an error. Call once no worker records any more (after
 * the join). */
void weft__trace_write(FILE *f, const char *path, const weft__trace *const *tr, uint32_t n,
                       uint64_t t_start_ns);

#endif
