/* A timeline of tasks per worker in the Chrome trace-event JSON format
 * (opens in Perfetto or chrome://tracing), written at weft_exit when
 * WEFT_TRACE=file.json. Records tasks the scheduler runs (stolen, received,
 * detached, futures) and the time a worker waits in a sync; tasks run inline
 * by a sync are part of their parent's span. */
#include <stdio.h>
#include "runtime/scheduler/worker.h"

void weft__trace_add(weft__worker *w, uint32_t kind, uint64_t t0, uint64_t t1)
{
    if (w->ntrace >= w->trace_cap) return; /* full: later events are dropped */
    w->trace[w->ntrace++] = (weft__trace_ev){t0, t1, kind};
}

void weft__trace_write(void)
{
    weft__runtime *rt = weft__rt;
    FILE *f = fopen(rt->cfg.trace_path, "w");
    if (!f) {
        fprintf(stderr, "weft: cannot write trace '%s'\n", rt->cfg.trace_path);
        return;
    }
    static const char *names[] = {"task", "sync-wait"};
    fprintf(f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    bool first = true;
    for (uint32_t i = 0; i < rt->n; i++) {
        weft__worker *w = rt->workers[i];
        fprintf(f, "%s{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"args\":{\"name\":\"worker %u\"}}",
                first ? "" : ",\n", i, i);
        first = false;
        for (uint32_t k = 0; k < w->ntrace; k++) {
            weft__trace_ev *e = &w->trace[k];
            fprintf(f, ",\n{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%u,\"ts\":%.3f,\"dur\":%.3f}",
                    names[e->kind], i, (e->t0 - rt->t_start_ns) / 1e3, (e->t1 - e->t0) / 1e3);
        }
    }
    fprintf(f, "\n]}\n");
    if (fclose(f) != 0) fprintf(stderr, "weft: error writing trace '%s'\n", rt->cfg.trace_path);
}
