/* The WEFT_TRACE timeline (contract in trace.h), in the Chrome trace-event
 * JSON format (opens in Perfetto or chrome://tracing). The scheduler records
 * tasks it runs (stolen, received, detached, futures) and the time a worker
 * waits in a sync; tasks run inline by a sync are part of their parent's
 * span. */
#include "runtime/instrumentation/trace.h"

#include "runtime/instrumentation/symbols.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

weft__trace *weft__trace_new(uint32_t cap)
{
    weft__trace *t = malloc(sizeof *t + sizeof(weft__trace_ev) * cap);
    if (t) *t = (weft__trace){.n = 0, .cap = cap};
    return t;
}

void weft__trace_add(weft__trace *t, uint32_t kind, const void *fn, uint64_t t0, uint64_t t1)
{
    if (t->n >= t->cap) return; /* full: later events are dropped */
    t->ev[t->n++] = (weft__trace_ev){t0, t1, fn, kind};
}

/* Task names by function, looked up once each: a trace holds up to 2^20
 * spans a worker but few distinct tasks. */
typedef struct name_cache {
    weft__symbols sym;
    uint32_t n;
    struct { const void *fn; char name[96]; } e[64];
} name_cache;

static const char *task_name(name_cache *c, const void *fn)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (c->e[i].fn == fn) return c->e[i].name;
    uint32_t i = c->n < 64 ? c->n++ : 63; /* past 64 tasks the last slot turns over */
    c->e[i].fn = fn;
    weft__symbols_task_name(&c->sym, fn, c->e[i].name, sizeof c->e[i].name, "task");
    /* A JSON string: keep what a C identifier holds, no quote or backslash. */
    for (char *p = c->e[i].name; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) *p = '_';
    return c->e[i].name;
}

void weft__trace_write(FILE *f, const char *path, const weft__trace *const *tr, uint32_t n,
                       uint64_t t_start_ns)
{
    name_cache *names = calloc(1, sizeof *names); /* NULL: spans named "task" */
    fprintf(f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    bool first = true;
    for (uint32_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"args\":{\"name\":\"worker %u\"}}",
                first ? "" : ",\n", i, i);
        first = false;
        for (uint32_t k = 0; tr[i] && k < tr[i]->n; k++) {
            const weft__trace_ev *e = &tr[i]->ev[k];
            bool task = e->kind == WEFT__TR_TASK;
            const char *name = !task ? "sync-wait" : names && e->fn ? task_name(names, e->fn) : "task";
            fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%u,\"ts\":%.3f,\"dur\":%.3f}",
                    name, task ? "task" : "wait", i, (e->t0 - t_start_ns) / 1e3, (e->t1 - e->t0) / 1e3);
        }
    }
    fprintf(f, "\n]}\n");
    if (names) {
        weft__symbols_close(&names->sym);
        free(names);
    }
    if (fclose(f) != 0) fprintf(stderr, "weft: error writing trace '%s'\n", path);
}
