/* Starting and stopping the runtime; the worker threads' main loop. */
#include <assert.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/scheduler/worker.h"
#include "runtime/topology/topology.h"

__thread weft__hot weft__tls __attribute__((tls_model("initial-exec")));
weft__runtime *weft__rt;

static char last_error[600];
static cpu_set_t root_affinity;
static bool root_affinity_saved;

/* Events each worker's trace buffer holds (WEFT_TRACE). */
#define WEFT__TRACE_EVENTS (1u << 20)

const char *weft_last_error(void) { return last_error; }
void weft__set_last_error(const char *msg) { snprintf(last_error, sizeof last_error, "%s", msg); }
int weft_num_workers(void) { return weft__rt ? (int)weft__rt->n : 0; }
int weft_worker_id(void) { return weft__tls.self ? (int)weft__tls.self->id : -1; }

/* Sets up the owner-only half of w on the calling thread. Cannot fail:
 * weft_init took everything that can (the deque, the trace buffer) before
 * any thread started. */
static void worker_attach(weft__worker *w)
{
    weft__rng_seed(&w->rng, 0x9e3779b97f4a7c15ULL * (w->id + 1) ^ weft__now_ns());
    weft__backoff_reset(&w->backoff);
    weft__tls = (weft__hot){
        .frames = w->deque.frames,
        .top = 0,
        .limit = w->deque.cap,
        .end = w->deque.frames + w->deque.cap,
        .reqs = &w->requests.count,
        .self = w,
    };
    w->hot = &weft__tls;
    if (weft__rt->cfg.pin) weft__topology_pin_self((int)w->id);
}

static void worker_detach(weft__worker *w)
{
    (void)w;
    memset(&weft__tls, 0, sizeof weft__tls);
}

static void *worker_main(void *arg)
{
    weft__worker *w = arg;
    worker_attach(w);
    /* acquire: pairs with the release store of stop in stop_workers. */
    while (!atomic_load_explicit(&weft__rt->stop, memory_order_acquire)) {
        if (weft__run_top(w)) continue;
        weft__idle_round(w, true, NULL);
    }
    worker_detach(w);
    return NULL;
}

/* The WEFT_METRICS table and the WEFT_TRACE file (written into the file
 * weft_init opened, then closed), from every worker's
 * counters and trace buffer. After the join: nobody writes them any more. */
static void report(weft__runtime *rt)
{
    const weft__metrics *m[WEFT_MAX_WORKERS];
    const weft__trace *t[WEFT_MAX_WORKERS];
    assert(rt->n <= WEFT_MAX_WORKERS);
    for (uint32_t i = 0; i < rt->n; i++) {
        m[i] = &rt->workers[i]->m;
        t[i] = rt->workers[i]->trace;
    }
    if (rt->cfg.metrics) weft__metrics_print(m, rt->n, weft__now_ns() - rt->t_start_ns);
    if (rt->trace_file) {
        weft__trace_write(rt->trace_file, rt->cfg.trace_path, t, rt->n, rt->t_start_ns);
        rt->trace_file = NULL;
    }
}

/* Frees rt and everything weft_init took for it; a worker not set up yet is
 * NULL, and one set up halfway has a NULL deque or trace. After the join. */
static void free_runtime(weft__runtime *rt)
{
    for (uint32_t i = 0; rt->workers && i < rt->n; i++) {
        if (!rt->workers[i]) continue;
        weft__pool_destroy(&rt->workers[i]->pool);
        weft__deque_destroy(&rt->workers[i]->deque);
        free(rt->workers[i]->trace);
        free(rt->workers[i]);
    }
    free(rt->workers);
    if (rt->trace_file) fclose(rt->trace_file);
    free(rt);
}

/* Writes weft_init's error message; returns -1. */
__attribute__((format(printf, 1, 2)))
static int init_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return -1;
}

/* Stops worker threads 1..n-1 and joins them (nothing is left to run). */
static void stop_workers(weft__runtime *rt, uint32_t n)
{
    /* release: pairs with the acquire loads of stop in the workers' loops
     * and in weft__idle_round. */
    atomic_store_explicit(&rt->stop, 1, memory_order_release);
    for (uint32_t i = 1; i < n; i++) weft__notifier_notify(&rt->workers[i]->notifier);
    for (uint32_t i = 1; i < n; i++) pthread_join(rt->workers[i]->thread, NULL);
}

/* The root leaves the runtime (its affinity restored), then rt is freed.
 * After stop_workers. */
static void release_runtime(weft__runtime *rt)
{
    worker_detach(rt->workers[0]);
    if (root_affinity_saved) sched_setaffinity(0, sizeof root_affinity, &root_affinity);
    weft__rt = NULL;
    free_runtime(rt);
}

/* Every failure returns -1 with last_error naming it, after undoing all it
 * did: threads started are stopped and joined, everything taken is freed, so
 * a later weft_init starts from nothing. tests/stress/fault_inject fails each
 * step in turn. */
int weft_init(const weft_config *cfg)
{
    last_error[0] = '\0';
    if (weft__rt) {
        snprintf(last_error, sizeof last_error, "weft_init: the runtime is already running");
        return -1;
    }
    weft__runtime *rt = calloc(1, sizeof *rt);
    if (!rt) return init_error("weft_init: out of memory (%zu bytes for the runtime)", sizeof *rt);
    /* The environment over the defaults, then cfg's fields over both. */
    if (weft__config_from_env(&rt->cfg, last_error, sizeof last_error) != 0 ||
        weft__config_apply(&rt->cfg, cfg, last_error, sizeof last_error) != 0) {
        free(rt);
        return -1;
    }
    /* Opened now, so that a bad path fails here rather than at exit. */
    if (rt->cfg.trace_path[0]) {
        rt->trace_file = fopen(rt->cfg.trace_path, "w");
        if (!rt->trace_file) {
            snprintf(last_error, sizeof last_error, "%s='%s': cannot open it for writing: %s",
                     rt->cfg.trace_from, rt->cfg.trace_path, strerror(errno));
            free(rt);
            return -1;
        }
    }
    rt->n = (uint32_t)rt->cfg.num_threads;
    rt->workers = calloc(rt->n, sizeof *rt->workers);
    if (!rt->workers) {
        init_error("weft_init: out of memory (%zu bytes for the worker table)", rt->n * sizeof *rt->workers);
        free_runtime(rt);
        return -1;
    }
    const size_t wbytes = (sizeof(weft__worker) + 63) & ~(size_t)63;
    for (uint32_t i = 0; i < rt->n; i++) {
        weft__worker *w = aligned_alloc(64, wbytes);
        if (!w) {
            init_error("weft_init: out of memory for worker %u of %u (%zu bytes)", i, rt->n, wbytes);
            free_runtime(rt);
            return -1;
        }
        memset(w, 0, sizeof *w);
        w->id = i;
        w->parent = i == 0 ? 0 : (i - 1) / 2;
        w->nchildren = (2 * i + 1 < rt->n) + (2 * i + 2 < rt->n);
        weft__req_init_holder(w);
        weft__mpsc_init(&w->requests);
        weft__chanp_init(&w->mailbox);
        weft__notifier_init(&w->notifier);
        weft__pool_init(&w->pool);
        rt->workers[i] = w;
        if (weft__deque_init(&w->deque, (uint32_t)rt->cfg.deque_frames) != 0) {
            init_error("weft_init: cannot map the task deque of worker %u of %u (%zu bytes): %s", i, rt->n,
                       (size_t)rt->cfg.deque_frames * sizeof(weft__frame), strerror(errno));
            free_runtime(rt);
            return -1;
        }
        if (rt->cfg.trace_path[0] && !(w->trace = weft__trace_new(WEFT__TRACE_EVENTS))) {
            init_error("weft_init: out of memory for the trace buffer of worker %u of %u (%zu bytes)", i, rt->n,
                       sizeof(weft__trace) + WEFT__TRACE_EVENTS * sizeof(weft__trace_ev));
            free_runtime(rt);
            return -1;
        }
    }
    rt->t_start_ns = weft__now_ns();
    weft__rt = rt;

    root_affinity_saved = sched_getaffinity(0, sizeof root_affinity, &root_affinity) == 0;
    worker_attach(rt->workers[0]);
    for (uint32_t i = 1; i < rt->n; i++) {
        int e = pthread_create(&rt->workers[i]->thread, NULL, worker_main, rt->workers[i]);
        if (e != 0) {
            init_error("weft_init: cannot start worker %u of %u: %s", i, rt->n, strerror(e));
            stop_workers(rt, i);
            release_runtime(rt);
            return -1;
        }
    }
    return 0;
}

void weft_exit(void)
{
    weft__runtime *rt = weft__rt;
    if (!rt) return;
    weft__worker *root = rt->workers[0];
    if (weft__tls.self != root) {
        fprintf(stderr, "weft: weft_exit called from a thread other than the one that called weft_init\n");
        abort();
    }
    weft_sync_root();
    stop_workers(rt, rt->n);
    report(rt);
    release_runtime(rt);
}
