/* The WEFT_TRACE timeline (contract in trace.h), in the Chrome trace-event
 * JSON format (opens in Perfetto or chrome://tracing). The scheduler records
 * tasks it runs (stolen, received, detached, futures) and the time a worker
 * waits in a sync; tasks run inline by a sync are part of their parent's
 * span. */
#include "runtime/instrumentation/trace.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

weft__trace *weft__trace_new(uint32_t cap)
{
    weft__trace *t = malloc(sizeof *t + sizeof(weft__trace_ev) * cap);
    if (t) *t = (weft__trace){.n = 0, .cap = cap};
    return t;
}

void weft__trace_add(weft__trace *t, uint32_t kind, uint64_t t0, uint64_t t1)
{
    if (t->n >= t->cap) return; /* full: later events are dropped */
    t->ev[t->n++] = (weft__trace_ev){t0, t1, kind};
}

void weft__trace_write(FILE *f, const char *path, const weft__trace *const *tr, uint32_t n,
                       uint64_t t_start_ns)
{
    static const char *names[] = {"task", "sync-wait"};
    fprintf(f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    bool first = true;
    for (uint32_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"args\":{\"name\":\"worker %u\"}}",
                first ? "" : ",\n", i, i);
        first = false;
        for (uint32_t k = 0; tr[i] && k < tr[i]->n; k++) {
            const weft__trace_ev *e = &tr[i]->ev[k];
            fprintf(f, ",\n{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%u,\"ts\":%.3f,\"dur\":%.3f}",
                    names[e->kind], i, (e->t0 - t_start_ns) / 1e3, (e->t1 - e->t0) / 1e3);
        }
    }
    fprintf(f, "\n]}\n");
    if (fclose(f) != 0) fprintf(stderr, "weft: error writing trace '%s'\n", path);
}
