/* Starting and stopping the runtime; the worker threads' main loop. */
#include <assert.h>
#include <errno.h>
#include <sched.h>
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

const char *weft_last_error(void) { return last_error; }
int weft_num_workers(void) { return weft__rt ? (int)weft__rt->n : 0; }
int weft_worker_id(void) { return weft__tls.self ? (int)weft__tls.self->id : -1; }

/* Sets up the owner-only half of w on the calling thread. Returns 0 or -1. */
static int worker_attach(weft__worker *w)
{
    if (weft__deque_init(&w->deque, (uint32_t)weft__rt->cfg.deque_frames) != 0) return -1;
    weft__pool_init(&w->pool);
    weft__rng_seed(&w->rng, 0x9e3779b97f4a7c15ULL * (w->id + 1) ^ weft__now_ns());
    weft__backoff_reset(&w->backoff);
    if (weft__rt->cfg.trace_path[0]) w->trace = weft__trace_new(1u << 20);
    weft__tls = (weft__hot){
        .frames = w->deque.frames,
        .top = 0,
        .limit = w->deque.cap,
        .reqs = &w->requests.count,
        .self = w,
    };
    w->hot = &weft__tls;
    if (weft__rt->cfg.pin) weft__topology_pin_self((int)w->id);
    return 0;
}

static void worker_detach(weft__worker *w)
{
    weft__deque_destroy(&w->deque);
    memset(&weft__tls, 0, sizeof weft__tls);
}

static void *worker_main(void *arg)
{
    weft__worker *w = arg;
    if (worker_attach(w) != 0) {
        fprintf(stderr, "weft: worker %u: cannot map its task deque\n", w->id);
        abort();
    }
    /* acquire: pairs with the release store of stop in weft_exit. */
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

static void free_runtime(weft__runtime *rt)
{
    for (uint32_t i = 0; rt->workers && i < rt->n; i++) {
        if (!rt->workers[i]) continue;
        weft__pool_destroy(&rt->workers[i]->pool);
        free(rt->workers[i]->trace);
        free(rt->workers[i]);
    }
    free(rt->workers);
    if (rt->trace_file) fclose(rt->trace_file);
    free(rt);
}

int weft_init(const weft_config *cfg)
{
    last_error[0] = '\0';
    if (weft__rt) {
        snprintf(last_error, sizeof last_error, "weft_init: the runtime is already running");
        return -1;
    }
    weft__runtime *rt = calloc(1, sizeof *rt);
    if (!rt) { snprintf(last_error, sizeof last_error, "weft_init: out of memory"); return -1; }
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
    if (!rt->workers) { free_runtime(rt); snprintf(last_error, sizeof last_error, "weft_init: out of memory"); return -1; }
    for (uint32_t i = 0; i < rt->n; i++) {
        weft__worker *w = aligned_alloc(64, (sizeof(weft__worker) + 63) & ~(size_t)63);
        if (!w) { free_runtime(rt); snprintf(last_error, sizeof last_error, "weft_init: out of memory"); return -1; }
        memset(w, 0, sizeof *w);
        w->id = i;
        w->parent = i == 0 ? 0 : (i - 1) / 2;
        w->nchildren = (2 * i + 1 < rt->n) + (2 * i + 2 < rt->n);
        weft__req_init_holder(w);
        weft__mpsc_init(&w->requests);
        weft__chanp_init(&w->mailbox);
        weft__notifier_init(&w->notifier);
        rt->workers[i] = w;
    }
    rt->t_start_ns = weft__now_ns();
    weft__rt = rt;

    root_affinity_saved = sched_getaffinity(0, sizeof root_affinity, &root_affinity) == 0;
    if (worker_attach(rt->workers[0]) != 0) {
        weft__rt = NULL;
        free_runtime(rt);
        snprintf(last_error, sizeof last_error, "weft_init: cannot map the task deque (%s)", strerror(errno));
        return -1;
    }
    for (uint32_t i = 1; i < rt->n; i++) {
        int e = pthread_create(&rt->workers[i]->thread, NULL, worker_main, rt->workers[i]);
        if (e != 0) {
            snprintf(last_error, sizeof last_error, "weft_init: cannot start worker %u: %s", i, strerror(e));
            /* Stop the ones already running. */
            rt->n = i;
            weft_exit();
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
    /* release: pairs with the acquire loads of stop in the workers' loops. */
    atomic_store_explicit(&rt->stop, 1, memory_order_release);
    for (uint32_t i = 1; i < rt->n; i++) weft__notifier_notify(&rt->workers[i]->notifier);
    for (uint32_t i = 1; i < rt->n; i++) pthread_join(rt->workers[i]->thread, NULL);
    report(rt);
    worker_detach(root);
    if (root_affinity_saved) sched_setaffinity(0, sizeof root_affinity, &root_affinity);
    weft__rt = NULL;
    free_runtime(rt);
}
