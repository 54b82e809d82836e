/* weft: a fine-grained task-parallel runtime in C11.
 *
 * Work-requesting: every worker owns a private deque of task frames that no
 * other thread touches; an idle worker sends a steal request to a victim, and
 * the victim ships tasks into the thief's mailbox. Futures ("flowvars") are
 * channels; a flowvar whose task is never shipped costs no allocation and no
 * atomic operation.
 *
 *   #include <weft.h>
 *
 *   int fib(int n);
 *   WEFT_TASK_1(int, fib, int)            // declares fib as a task
 *
 *   int fib(int n) {
 *       if (n < 2) return n;
 *       WEFT_FLOWVAR(fib) f = WEFT_SPAWN(fib, n - 1);
 *       int y = fib(n - 2);
 *       return WEFT_SYNC(f) + y;
 *   }
 *
 *   weft_init(NULL); ... fib(30) ... weft_exit();
 *
 * The fast form passes the worker's context as an argument instead
 * (WEFT_CTASK_1(long, fib, int) for long fib(weft_ctx c, int n), with
 * WEFT_CSPAWN(c, fib, n - 1), WEFT_CSYNC(c, fib, f), WEFT_CRUN(fib, 30)).
 *
 * This is the only header a program includes. Names with `weft__` are the
 * runtime's own, exposed here only because the fast paths are inline.
 * See docs/api.md for the whole contract.
 */
#ifndef WEFT_H
#define WEFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* C++ (C++11 and later; the typed macros need g++ or clang++, as they need
 * GNU C) sees the same declarations with C linkage. The two atomic fields
 * below are std::atomic there: the same size, alignment and lock-free
 * representation as C11's _Atomic on every target weft builds for (checked
 * below), and only the C runtime and the inline spawn test touch them. */
#ifdef __cplusplus
#include <atomic>
#include <type_traits>
#define WEFT__ATOMIC(T) std::atomic<T>
#define WEFT__LOAD_RELAXED(p) ((p)->load(std::memory_order_relaxed))
#define WEFT__ALIGNAS(n) alignas(n)
#define WEFT__STATIC_ASSERT static_assert
extern "C" {
#else
#include <stdatomic.h>
#define WEFT__ATOMIC(T) _Atomic T
#define WEFT__LOAD_RELAXED(p) atomic_load_explicit((p), memory_order_relaxed)
#define WEFT__ALIGNAS(n) _Alignas(n)
#define WEFT__STATIC_ASSERT _Static_assert
#endif

/* The version, in this one place: the Makefile reads it from this line, and
 * the soname (libweft.so.MAJOR) follows its major. */
#define WEFT_VERSION "0.1.0"

/* Marks what libweft exports. The library builds with -fvisibility=hidden, so
 * every other function and variable of it stays internal to it. */
#define WEFT_API __attribute__((visibility("default")))

/* ------------------------------------------------------------------ lifecycle */

/* The on/off fields of weft_config: WEFT_ON or WEFT_OFF (0: not set). */
enum { WEFT_OFF = -1, WEFT_ON = 1 };

/* Settings for weft_init: every setting the WEFT_* environment can make.
 * Precedence, field by field: a non-zero (non-NULL) field wins over the
 * environment variable, which wins over the default. So a zero-initialised
 * struct (`weft_config cfg = {0};`, or designated initialisers naming only
 * some fields) means "the environment, else the defaults". Fields are only
 * ever added at the end, and their zero always means "not set". */
typedef struct weft_config {
    int num_threads;        /* workers including the caller, 1..256;
                               0: WEFT_NUM_THREADS, else one per core */
    int pin;                /* pin workers to cores: WEFT_ON or WEFT_OFF;
                               0: WEFT_PIN, else on */
    int metrics;            /* print the counters at weft_exit: WEFT_ON or WEFT_OFF;
                               0: WEFT_METRICS, else off */
    const char *trace_path; /* write a trace at weft_exit to this file (at most
                               511 bytes; "": no trace); NULL: WEFT_TRACE, else none */
    long deque_frames;      /* task frames per worker, 1024..16777216;
                               0: WEFT_DEQUE_FRAMES, else 1048576 */
} weft_config;

/* Starts the runtime: the calling thread becomes worker 0 (the root worker,
 * which runs tasks too) and num_threads-1 more workers start, pinned to
 * cores. cfg may be NULL (every setting from the environment or its
 * default). Returns 0, or -1 when a setting is bad (a field or a WEFT_*
 * variable out of range, a trace file that cannot be opened for writing) or
 * a thread cannot start; weft_last_error() then says why. May be called
 * again after weft_exit. */
WEFT_API int weft_init(const weft_config *cfg);

/* Waits for every task (weft_sync_root), stops the workers and frees the
 * runtime. Called by the thread that called weft_init. Prints the metrics
 * and writes the trace (into the file weft_init opened) when configured. */
WEFT_API void weft_exit(void);

/* The reason the last weft_init failed ("" if it did not). */
WEFT_API const char *weft_last_error(void);

/* Number of workers of the running runtime (0 when not started). */
WEFT_API int weft_num_workers(void);

/* The calling thread's worker id, 0 .. weft_num_workers()-1, or -1 when the
 * caller is not a weft worker. */
WEFT_API int weft_worker_id(void);

/* ------------------------------------------------------------------ tasks */

/* Bytes of arguments a task carries inline in its frame (and the result
 * bytes a raw task writes back). */
#define WEFT_ARGS_MAX 40
/* Bytes of arguments (and of a typed task's result) a task may have at all:
 * above WEFT_ARGS_MAX they travel out of line, in a heap block that the run
 * of the task frees (see "Out-of-line arguments" in docs/architecture.md).
 * Beyond this, pass a pointer: every spawn copies its arguments. */
#define WEFT_ARGS_LARGE_MAX 256

/* A raw task: reads its arguments from buf, and writes its result (if any,
 * at most WEFT_ARGS_MAX bytes) back into buf. buf holds WEFT_ARGS_MAX bytes
 * (the frame's), or the arguments' size when they went out of line; 8-byte
 * aligned. */
typedef void (*weft_task_fn)(void *buf);

/* A task frame: 64 bytes in the owner's deque (internal layout). */
typedef struct weft__frame {
    weft_task_fn fn;         /* NULL once the frame is no longer pending */
    void *dest;              /* where the result goes (see runtime/deque) */
    WEFT__ATOMIC(uint32_t) full; /* \ an inline-bytes SPSC channel (flowvar/chan.h): */
    uint32_t len;            /*  | a thief sends the result of a shipped frame */
    WEFT__ALIGNAS(8) unsigned char buf[WEFT_ARGS_MAX]; /* / back into it */
} weft__frame;
WEFT__STATIC_ASSERT(sizeof(WEFT__ATOMIC(uint32_t)) == 4 && sizeof(WEFT__ATOMIC(int64_t)) == 8,
                    "weft: atomics of the frame and the hot state keep their plain size");
WEFT__STATIC_ASSERT(sizeof(weft__frame) == 64, "weft: a task frame is one cache line");

/* A worker's hot state, one per thread (internal layout). */
typedef struct weft__hot {
    weft__frame *frames;          /* the deque's storage */
    uint32_t top;                 /* next free frame (the head) */
    uint32_t limit;               /* spawn takes the slow path when top >= limit */
    weft__frame *end;             /* frames + limit, kept with it: the context
                                     spawn's test, on the frame's address */
    const WEFT__ATOMIC(int64_t) *reqs; /* approximate count of steal requests waiting */
    struct weft__worker *self;    /* NULL outside a worker */
    WEFT__ALIGNAS(8) unsigned char result[WEFT_ARGS_MAX]; /* weft_sync's result */
} weft__hot;

WEFT_API extern __thread weft__hot weft__tls __attribute__((tls_model("initial-exec")));

/* A lazy flowvar: the handle of a spawned task's result. Valid only on the
 * worker that spawned it, until synced (exactly once). */
typedef struct weft_flowvar {
    uint32_t idx; /* the frame's index in the owner's deque */
} weft_flowvar;

/* idx of a flowvar already synced; i + 1 never equals a deque's top. */
#define WEFT__SYNCED 0xFFFFFFFEu

WEFT_API weft_flowvar weft__spawn_slow(weft_task_fn fn, const void *args, size_t size);
/* task, caller: the task's name and the typed sync function's return
 * address, passed by the typed syncs (NULL, NULL from weft_sync) for the
 * misuse messages only: computed on the slow call, nothing on the fast path. */
WEFT_API void *weft__sync_slow(weft_flowvar *fv, const char *task, const void *caller);

/* The frame check of every spawn (weft_spawn and the typed spawns): true
 * when the next spawn may write frames[top] inline, false when the slow path
 * must run (deque full or a worker waiting to be fed, not a weft worker, or
 * a thief's request waiting: relaxed, only a hint; the request itself is
 * taken with acquire in weft__mpsc_try_recv). A test, not the frame's
 * address: the callers keep `top` in a register across the atomic load, and
 * a pointer result would cost them a NULL test. */
static inline bool weft__spawn_fits(const weft__hot *h)
{
    /* The expectation sits on the whole test, where the branch is made. */
    return !__builtin_expect(h->top >= h->limit ||
                             WEFT__LOAD_RELAXED(h->reqs) > 0, 0);
}

/* Writes a pending flowvar frame into f (the frame at the deque's head: the
 * caller bumps top): fn, no destination (the result stays in the slot; the
 * other meanings of `dest` and `len` are runtime/deque/deque.h's), and size
 * argument bytes from args (args may be NULL when size is 0). Every push
 * goes through here: the inline spawns, weft__spawn_slow, detached tasks,
 * futures and received frames. */
static inline void weft__frame_push(weft__frame *f, weft_task_fn fn, const void *args, size_t size)
{
    f->fn = fn;
    f->dest = NULL;
    if (size) memcpy(f->buf, args, size);
}

/* The fast-path test of every sync: the frame of flowvar index i is the
 * newest one (i + 1 == top) and still pending (fn set), so the sync pops it
 * and runs it here. Otherwise weft__sync_slow looks at its state. */
static inline bool weft__sync_pops(const weft__hot *h, uint32_t i)
{
    /* The expectation sits on the whole test, where the branch is made. */
    return __builtin_expect(i + 1 == h->top && h->frames[i].fn != NULL, 1);
}

/* Spawns fn with `size` bytes of arguments copied from args (size <=
 * WEFT_ARGS_LARGE_MAX; above WEFT_ARGS_MAX they go out of line, through
 * weft__spawn_slow). Must run on a weft worker. */
static inline weft_flowvar weft_spawn(weft_task_fn fn, const void *args, size_t size)
{
    weft__hot *h = &weft__tls;
    uint32_t t = h->top;
    if (__builtin_expect(size > WEFT_ARGS_MAX, 0) || !weft__spawn_fits(h))
        return weft__spawn_slow(fn, args, size);
    weft__frame_push(&h->frames[t], fn, args, size);
    h->top = t + 1;
    weft_flowvar fv = {t};
    return fv;
}

/* Waits for the task behind fv and returns a pointer to its result bytes,
 * valid until the calling worker's next sync. If the task was not shipped
 * to another worker it runs here and now; otherwise the worker keeps working
 * (its own tasks, stealing) until the result arrives. */
static inline void *weft_sync(weft_flowvar *fv)
{
    weft__hot *h = &weft__tls;
    uint32_t i = fv->idx;
    if (weft__sync_pops(h, i)) {
        weft__frame *f = &h->frames[i];
        unsigned char local[WEFT_ARGS_MAX] __attribute__((aligned(8)));
        weft_task_fn fn = f->fn;
        memcpy(local, f->buf, WEFT_ARGS_MAX);
        h->top = i;
        fv->idx = WEFT__SYNCED;
        fn(local);
        /* Not back into the slot: the task may have left a detached frame
         * there. */
        memcpy(h->result, local, WEFT_ARGS_MAX);
        return h->result;
    }
    return weft__sync_slow(fv, NULL, NULL);
}

/* ------------------------------------------------------------------ context */

/* A worker context (the fast form, docs/api.md "Context tasks, the fast
 * form"): the address of the deque's top frame, passed by value (one
 * register) from task to task, so that spawn and sync keep the top in a
 * register instead of a round trip through weft__tls.top. While a context
 * task runs, its context is the deque's top and weft__tls.top is stale; the
 * context writes the top back to weft__tls before every call into the
 * runtime (the slow spawn and sync) and before code of the thread-local
 * form (a thread-local task's function popped by a context sync,
 * WEFT_CTLS), and takes it up again after (weft__ctx_leave). A context task
 * returns with the top where it found it. Opaque: only the macros below
 * read or change it. */
typedef weft__frame *weft_ctx;  /* &frames[top]; a scalar, which the compiler
                                  keeps in a register and splits functions on */
/* A context's top as an index, and back. */
#define WEFT__CIDX(c) ((uint32_t)((c) - weft__tls.frames))
#define WEFT__CAT_IDX(i) (weft__tls.frames + (i))

/* The context of the calling worker, built from weft__tls (on a worker;
 * outside one the first spawn dies with a message, as WEFT_SPAWN does). */
static inline weft_ctx weft_ctx_get(void)
{
    return weft__tls.frames + weft__tls.top;
}

/* The runtime side of the context form (the design: docs/architecture.md
 * section 3, "Context tasks").
 * weft__ctx_leave: after code that used weft__tls (the slow spawn and sync,
 * a thread-local task's function, the statement of WEFT_CTLS), entered with
 * the context's top written back into weft__tls: runs here every frame that
 * code left pending above floor (detached tasks, futures, a batch of stolen
 * work received while it waited), pops the finished frames off the top,
 * and returns the top the context continues from (at most floor when every
 * flowvar spawned in that code was synced).
 * weft__ctx_reclaim: after a pop to top while frames synced out of order
 * may lie under it (limit 0): pops those and returns the new top.
 * weft__ctx_floor: sets the floor under which no reclaim pops (the top at
 * which thread-local code entered a context task, WEFT_CRUN, and which it
 * keeps; the frames under it are that code's) and returns the one before.
 * Pops stop at the frame under the entry top of a context called by
 * another context, since that frame is the caller's and not yet synced. */
WEFT_API uint32_t weft__ctx_leave(uint32_t floor);
WEFT_API uint32_t weft__ctx_reclaim(uint32_t top);
WEFT_API uint32_t weft__ctx_floor(uint32_t floor);
/* The slow paths of the context spawn and sync, out of line so that the
 * inlined fast paths stay small (the compiler then still splits a task's
 * leaf test off into its callers).
 * weft__ctx_spawn_slow: weft__spawn_slow at top c; returns the frame
 * spawned and the top after.
 * weft__ctx_sync_slow: weft__sync_slow of the frame f (NULL: already
 * synced, a misuse reported there) at top c; copies the result's size bytes
 * to res (NULL for a void task) before settling, and returns the top the
 * context continues from. task and caller are for the misuse messages. */
typedef struct weft__ctx_spawned { weft__frame *f, *top; } weft__ctx_spawned;
WEFT_API weft__ctx_spawned weft__ctx_spawn_slow(weft__frame *c, weft_task_fn fn,
                                                const void *args, size_t size);
WEFT_API weft__frame *weft__ctx_sync_slow(weft__frame *c, weft__frame *f, void *res, size_t size,
                                          const char *task, const void *caller);

/* WEFT_CTLS(c, statement): runs code of the thread-local form (WEFT_SPAWN,
 * weft_sync, weft_spawn_detached, futures, a function that uses them) inside
 * a context task: writes c's top back to weft__tls first and settles after. */
#define WEFT_CTLS(c, ...) do {                                                    \
        uint32_t weft__fl = WEFT__CIDX(c);                                        \
        weft__tls.top = weft__fl;                                                 \
        __VA_ARGS__;                                                              \
        (c) = WEFT__CAT_IDX(weft__ctx_leave(weft__fl));                           \
    } while (0)

/* True when the task behind fv has finished, so that sync returns at once
 * without running anything. A task not yet started is not ready. Answers
 * the steal requests waiting for this worker first, so that a loop that only
 * polls lets idle workers take its tasks. */
WEFT_API bool weft_is_ready(const weft_flowvar *fv);

/* Waits until every task spawned so far, anywhere, has finished. Root worker
 * only (the thread that called weft_init). */
WEFT_API void weft_sync_root(void);

/* Answers the steal requests waiting for this worker (and, under the
 * executor, hands a queued job to its children asleep at it). Long tasks
 * that spawn nothing call it now and then so that idle workers are not
 * starved. */
WEFT_API void weft_load_balance(void);

/* Runs one task waiting in this worker's deque or mailbox, if any, and answers
 * waiting steal requests. Returns true when it ran a task. For event loops on
 * a worker that must make progress on their own spawned work. */
WEFT_API bool weft_run_one(void);

/* Spawns fn as a detached task: no flowvar; weft_sync_root waits for it. */
WEFT_API void weft_spawn_detached(weft_task_fn fn, const void *args, size_t size);

/* ------------------------------------------------------------------ futures */

/* An eager flowvar: a heap channel that outlives the frame that spawned it.
 * Any thread may poll it; the worker that spawned it may wait on it. */
typedef struct weft_future weft_future;

/* Spawns fn and returns its future (never NULL). Must run on a weft worker. */
WEFT_API weft_future *weft_spawn_future(weft_task_fn fn, const void *args, size_t size);
/* True when the result has arrived (acquire: the result is then readable).
 * Any thread; on a worker it first answers the steal requests waiting for
 * that worker, so that a loop that only polls lets idle workers in. */
WEFT_API bool weft_future_ready(const weft_future *fut);
/* Waits for the result (working meanwhile when on a worker) and copies
 * min(size, WEFT_ARGS_MAX) result bytes into out (out may be NULL). */
WEFT_API void weft_future_get(weft_future *fut, void *out, size_t size);
/* Frees a future whose result has arrived. A second free of it (while its
 * block is still free), or a free before the result arrived, aborts with a
 * message. */
WEFT_API void weft_future_free(weft_future *fut);

/* ------------------------------------------------------------------ executor */

/* The runtime as a service: it runs on threads of its own (worker 0 too), and
 * any thread, worker or not, submits jobs to it. A job is a raw task (fn
 * reads its arguments from buf and writes up to WEFT_ARGS_MAX result bytes
 * back) that runs as a task on a worker, so it may spawn, sync and wait
 * inside. Jobs are taken in submission order (FIFO; with one worker they
 * also start and finish in that order); tasks inside a job are LIFO as
 * usual. One executor per process at a time, and not together with
 * weft_init: while it runs, weft_init fails. See docs/api.md, "Executor". */
typedef struct weft_job weft_job;

/* What weft_wait reports: the job ran (its result was copied out), or it was
 * cancelled without running (submitted while no executor accepted jobs:
 * before the start, during or after weft_shutdown; the result is zeros). */
typedef enum weft_job_status { WEFT_JOB_DONE = 0, WEFT_JOB_CANCELLED = 1 } weft_job_status;

/* Starts the runtime on threads of its own: a new thread calls weft_init(cfg)
 * and becomes the root; returns 0 once the executor accepts jobs, or -1
 * (weft_last_error() says why: a bad setting, a thread that cannot start, an
 * executor or a weft_init runtime already running). Any thread that is not
 * a weft worker. */
WEFT_API int weft_run_in_background(const weft_config *cfg);

/* The same on the calling thread, which becomes the root and serves jobs
 * until weft_shutdown (called by another thread) has drained them; then the
 * runtime stops and weft_run_forever returns 0 (-1 when it could not start,
 * as above). Not on a weft worker. */
WEFT_API int weft_run_forever(const weft_config *cfg);

/* Stops the executor: from then on submits are cancelled; every job
 * submitted before runs to completion, with all the tasks it left; then the
 * workers stop and weft_shutdown returns. An executor still starting is
 * waited for, then stopped; a no-op when none runs; a second caller waits
 * for the first one's shutdown. Not on a weft worker (dies with a message). */
WEFT_API void weft_shutdown(void);

/* Submits fn with size bytes of arguments copied from args (size <=
 * WEFT_ARGS_LARGE_MAX; args may be NULL when size is 0) and returns its
 * handle (never NULL), pending until the job has run or was cancelled. Any
 * thread, at any time: a submit that finds no executor accepting jobs
 * returns a handle already cancelled. Free it with weft_job_free. */
WEFT_API weft_job *weft_submit(weft_task_fn fn, const void *args, size_t size);

/* True when the job has run or was cancelled (acquire: its result is then
 * readable). Any thread; never blocks. */
WEFT_API bool weft_is_done(const weft_job *job);

/* Waits until the job has run or was cancelled, copies min(size,
 * WEFT_ARGS_MAX) result bytes into out (out may be NULL) and returns the
 * status. A thread that is not a worker sleeps on the handle's futex word
 * until the completing worker wakes it; a worker (a job waiting for
 * another) keeps running tasks and jobs meanwhile. One waiter per handle at
 * a time (a second concurrent one dies with a message); waiting again after
 * the end returns at once. */
WEFT_API weft_job_status weft_wait(weft_job *job, void *out, size_t size);

/* Frees a handle, done or not (a job still pending runs; its result is then
 * dropped). Once per handle, and not while a weft_wait on it runs. */
WEFT_API void weft_job_free(weft_job *job);

/* ------------------------------------------------------------------ idling */

/* A futex-based notifier and log-log-iterated backoff for programs that poll
 * several sources (an event loop waiting for input, say): poll; when nothing
 * came, weft_idle_wait sleeps for a growing random slot and, after a long
 * idle, parks until another thread calls weft_idle_notify. */
typedef struct weft_idle weft_idle;

WEFT_API weft_idle *weft_idle_new(void);
WEFT_API void weft_idle_free(weft_idle *w);
/* Phase one: returns a ticket; then poll your sources once more. */
WEFT_API uint32_t weft_idle_prepare(weft_idle *w);
/* Found work after prepare: forget the ticket, reset the backoff. */
WEFT_API void weft_idle_found(weft_idle *w);
/* Nothing found after prepare: wait one backoff round (or park). */
WEFT_API void weft_idle_wait(weft_idle *w, uint32_t ticket);
/* Any thread: wakes the owner of w if it waits or is about to. */
WEFT_API void weft_idle_notify(weft_idle *w);

/* ------------------------------------------------------------------ typed tasks */

/* WEFT_TASK_n(ret, name, T1, ..., Tn), n = 0 .. 8, declares the task
 * wrappers of a function `ret name(T1, ..., Tn)` (declared before, defined
 * anywhere):
 *   WEFT_FLOWVAR(name)      the typed flowvar
 *   WEFT_SPAWN(name, ...)   spawns it, checking argument types like a call
 *   WEFT_SYNC(f)            its result, of type ret
 * WEFT_VOID_TASK_n(name, T...) does the same for void functions; WEFT_WAIT(f)
 * syncs them. Arguments (or a result) of more than WEFT_ARGS_MAX bytes go
 * out of line (a heap block; the test is on a constant, so a small task's
 * code has no trace of it); more than WEFT_ARGS_LARGE_MAX bytes fail at
 * compile time with the size. */
#define WEFT_FLOWVAR(name) name##__weft_fv
/* WEFT_SPAWN(name, ...) is written with the arity macros below: WEFT_SPAWN(name)
 * of an arity-0 task passes no empty variadic argument (ISO C refuses one). */
/* The flowvar is passed by value so that it never escapes: the compiler then
 * knows weft_sync is a constant and calls (or inlines) the task directly. */
#define WEFT_SYNC(f) __extension__({                                  \
        __typeof__((f).weft_sync((f).raw)) weft__r = (f).weft_sync((f).raw); \
        (f).raw.idx = WEFT__SYNCED;                                   \
        weft__r; })
#define WEFT_WAIT(f) __extension__({ (f).weft_sync((f).raw); (f).raw.idx = WEFT__SYNCED; })

/* The size check of a task's arguments and result: the assertion names the
 * task and the limit; its companion fails only with it and prints the size
 * in the type it shows, "weft_task_bytes (*)[SIZE]" (C has no way to put a
 * computed number in an assertion's message; C++'s static_assert shows the
 * comparison's values by itself). */
#define WEFT__STR(x) WEFT__STR_(x)
#define WEFT__STR_(x) #x
#define WEFT__SIZE_MSG(name, what, verb) "weft: " what " of task '" #name verb \
    " WEFT_ARGS_LARGE_MAX (" WEFT__STR(WEFT_ARGS_LARGE_MAX) " bytes)"
#ifdef __cplusplus
/* weft_task_bytes<SIZE> is incomplete when SIZE is over the limit. The
 * bytes are copied with memcpy, so they must be trivially copyable. */
extern "C++" {
template <size_t N, bool fits = (N <= WEFT_ARGS_LARGE_MAX)> struct weft_task_bytes { enum { ok = 1 }; };
template <size_t N> struct weft_task_bytes<N, false>;
}
#define WEFT__SIZE_ASSERT(name, tag, what, verb, ty) \
    static_assert(sizeof(ty) <= WEFT_ARGS_LARGE_MAX, WEFT__SIZE_MSG(name, what, verb)); \
    typedef char name##__weft_##tag##_size[weft_task_bytes<sizeof(ty)>::ok]; \
    static_assert(std::is_trivially_copyable<ty>::value, \
                  "weft: " what " of task '" #name "' must be trivially copyable (copied as bytes)");
#else
typedef unsigned char weft_task_bytes;
#define WEFT__SIZE_ASSERT(name, tag, what, verb, ty) \
    _Static_assert(sizeof(ty) <= WEFT_ARGS_LARGE_MAX, WEFT__SIZE_MSG(name, what, verb)); \
    typedef char name##__weft_##tag##_size[_Generic( \
        (weft_task_bytes (*)[sizeof(ty) <= WEFT_ARGS_LARGE_MAX ? 1 : sizeof(ty)])0, \
        weft_task_bytes (*)[1]: 1)];
#endif

/* A type of more than WEFT_ARGS_MAX bytes: a constant, so that the tests on
 * it fold away. */
#define WEFT__LARGE(ty) (sizeof(ty) > WEFT_ARGS_MAX)

/* A result's bytes into a task's buffer, and back out in the sync: inline
 * up to WEFT_ARGS_MAX, else boxed (weft__result_box stores the pointer of a
 * heap copy in buf; weft__result_unbox copies it out and frees it). size
 * is a constant at every call. */
WEFT_API void weft__result_box(void *buf, const void *r, size_t size);
WEFT_API void weft__result_unbox(void *out, const void *buf, size_t size);
static inline void weft__result_put(void *buf, const void *r, size_t size)
{
    if (size <= WEFT_ARGS_MAX) memcpy(buf, r, size);
    else weft__result_box(buf, r, size);
}
static inline void weft__result_get(void *out, const void *buf, size_t size)
{
    if (size <= WEFT_ARGS_MAX) memcpy(out, buf, size);
    else weft__result_unbox(out, buf, size);
}

#define WEFT__FN static inline __attribute__((unused))

/* The spawn wrapper every typed task shares: the same frame check as
 * weft_spawn (weft__spawn_fits), then the same frame write
 * (weft__frame_push) with the arguments stored one by one. Arguments too
 * large for the frame always take weft__spawn_slow, which puts them out of
 * line. */
#define WEFT__SPAWN_DEF(name, P, PACK, STORE)                                     \
    WEFT__FN name##__weft_fv name##__weft_spawn P                                 \
    {                                                                             \
        weft__hot *weft__h = &weft__tls;                                          \
        uint32_t weft__t = weft__h->top;                                          \
        if (WEFT__LARGE(name##__weft_args) || !weft__spawn_fits(weft__h)) {       \
            name##__weft_args weft__a = {WEFT__UNPAREN PACK};                     \
            weft__t = weft__spawn_slow(name##__weft_run, &weft__a, sizeof weft__a).idx; \
        } else {                                                                  \
            weft__frame *weft__f = &weft__h->frames[weft__t];                     \
            /* The fields go straight into the frame: a struct built on the  \
             * stack and copied would be read back by one wide load across   \
             * narrower stores, which the CPU cannot forward (measured: most \
             * of DFS's spawn cost). */                                       \
            weft__frame_push(weft__f, name##__weft_run, NULL, 0);                 \
            STORE                                                                 \
            weft__h->top = weft__t + 1;                                           \
        }                                                                         \
        name##__weft_fv weft__s = {{weft__t}, name##__weft_sync};                 \
        return weft__s;                                                           \
    }

/* The body shared by every arity, valued (K = R) and void (K = V) alike:
 * P = parameter list, A = struct fields, PACK = initialiser values in
 * parentheses, CALL = call from the unpacked struct `weft__a`, STORE = the
 * stores of the arguments into the frame. WEFT__IF_K((valued), (void)) picks
 * the code that differs. */
#define WEFT__TASK(KIND, K, ret, name, P, A, PACK, CALL, STORE, CP, CCALL, CPCALL) \
    typedef struct name##__weft_args { A } name##__weft_args;                     \
    WEFT__SIZE_ASSERT(name, args, "arguments", "' exceed", name##__weft_args)     \
    WEFT__IF_##K((WEFT__SIZE_ASSERT(name, ret, "the result", "' exceeds", ret)), ()) \
    typedef struct name##__weft_fv {                                              \
        weft_flowvar raw;                                                         \
        ret (*weft_sync)(weft_flowvar);                                           \
    } name##__weft_fv;                                                            \
    typedef struct name##__weft_cfv {                                             \
        weft__frame *weft_frame; /* the frame, NULL once synced */                \
    } name##__weft_cfv;                                                           \
    WEFT__CRUN_DEF_##KIND(K, ret, name, P, CPCALL)                                \
    WEFT__FN void name##__weft_run(void *weft__buf)                               \
    {                                                                             \
        name##__weft_args weft__a;                                                \
        memcpy(&weft__a, weft__buf, sizeof weft__a);                              \
        WEFT__IF_##K((ret weft__r = WEFT__CALLEE_##KIND(name) CALL;               \
                      weft__result_put(weft__buf, &weft__r, sizeof weft__r);),    \
                     (WEFT__CALLEE_##KIND(name) CALL;))                           \
    }                                                                             \
    WEFT__FN ret name##__weft_sync(weft_flowvar weft__fv)                         \
    {                                                                             \
        weft__hot *weft__h = &weft__tls;                                          \
        uint32_t weft__i = weft__fv.idx;                                          \
        /* Out-of-line arguments: the frame holds their block; the slow path \
         * runs it like any raw frame. */                                     \
        if (!WEFT__LARGE(name##__weft_args) && weft__sync_pops(weft__h, weft__i)) { \
            name##__weft_args weft__a;                                            \
            memcpy(&weft__a, weft__h->frames[weft__i].buf, sizeof weft__a);       \
            weft__h->top = weft__i;                                               \
            WEFT__IF_##K((return WEFT__CALLEE_##KIND(name) CALL;),                \
                         (WEFT__CALLEE_##KIND(name) CALL; return;))               \
        }                                                                         \
        WEFT__IF_##K((ret weft__r;                                                \
                      weft__result_get(&weft__r, weft__sync_slow(&weft__fv, #name, __builtin_return_address(0)), \
                                       sizeof weft__r);                             \
                      return weft__r;),                                           \
                     ((void)weft__sync_slow(&weft__fv, #name, __builtin_return_address(0));)) \
    }                                                                             \
    WEFT__SPAWN_DEF(name, P, PACK, STORE)                                         \
    WEFT__CSYNC_DEF(KIND, K, ret, name, CALL, CCALL)                              \
    WEFT__CSPAWN_DEF(name, CP, PACK, STORE)
#define WEFT__IF_R(valued, void_) WEFT__UNPAREN valued
#define WEFT__IF_V(valued, void_) WEFT__UNPAREN void_

/* How the run wrapper and the thread-local sync call the task's function
 * (KIND: T for WEFT_TASK_n, whose function takes the arguments alone; C for
 * WEFT_CTASK_n, whose function takes a context first: through its
 * name##__weft_crun, which builds the context from weft__tls and writes the
 * top back after). */
#define WEFT__CALLEE_T(name) name
#define WEFT__CALLEE_C(name) name##__weft_crun
#define WEFT__CRUN_DEF_T(K, ret, name, P, CPCALL)
#define WEFT__CRUN_DEF_C(K, ret, name, P, CPCALL)                                  \
    WEFT__FN ret name##__weft_crun P                                              \
    {                                                                             \
        uint32_t weft__e = weft__tls.top;                                         \
        weft_ctx weft__c0 = WEFT__CAT_IDX(weft__e);                               \
        weft_ctx *weft__c = &weft__c0;                                            \
        /* The frames under the entry top are the thread-local code's: no \
         * reclaim of the context's pops below it. A context task ends at \
         * its entry top. */                                                  \
        uint32_t weft__sv = weft__ctx_floor(weft__e);                             \
        WEFT__IF_##K((ret weft__r = name CPCALL; weft__ctx_floor(weft__sv);       \
                      weft__tls.top = weft__e; return weft__r;),                  \
                     (name CPCALL; weft__ctx_floor(weft__sv);                     \
                      weft__tls.top = weft__e;))                                  \
    }

/* The context spawn and sync are always inlined: they take the context's
 * address, and only inlined does the context stay in registers (a call
 * would put it on the stack, which is the round trip the form avoids). */
#define WEFT__CFN static inline __attribute__((unused, always_inline))

/* The frame check of a context spawn: weft__spawn_fits with the context's
 * top, tested against end (= frames + limit) so that neither the frames'
 * base nor an index is needed. */
static inline bool weft__ctx_fits(weft_ctx c)
{
    return !__builtin_expect(c >= weft__tls.end || WEFT__LOAD_RELAXED(weft__tls.reqs) > 0, 0);
}

/* The context sync (WEFT_CSYNC): the pop of weft__sync_pops with the
 * context's top; a thread-local task's function is called with the top
 * written back and the context settled after (KIND T); the slow path writes
 * the top back, copies the result out before settling (the settle may run
 * tasks, whose syncs reuse the result buffer), and settles. The context
 * goes in by value and its new top comes back with the result (a
 * name##__weft_cres), so that it stays in registers even where the sync is
 * not inlined (a flowvar read back from an array hides which sync it is). */
#define WEFT__CRET(K, name)                                                       \
    {                                                                             \
        name##__weft_cres weft__o;                                                \
        WEFT__IF_##K((weft__o.r = weft__r;), ())                                  \
        weft__o.top = *weft__c;                                                   \
        return weft__o;                                                           \
    }
#define WEFT__CINVOKE_C(K, ret, name, CALL, CCALL)                                \
    WEFT__IF_##K((ret weft__r = name CCALL;), (name CCALL;))                      \
    WEFT__CRET(K, name)
#define WEFT__CINVOKE_T(K, ret, name, CALL, CCALL)                                \
    weft__tls.top = weft__i;                                                      \
    WEFT__IF_##K((ret weft__r = name CALL;), (name CALL;))                        \
    *weft__c = WEFT__CAT_IDX(weft__ctx_leave(weft__i));                           \
    WEFT__CRET(K, name)
#define WEFT__CSYNC_DEF(KIND, K, ret, name, CALL, CCALL)                          \
    typedef struct name##__weft_cres {                                            \
        WEFT__IF_##K((ret r;), ())                                                \
        weft_ctx top;                                                             \
    } name##__weft_cres;                                                          \
    WEFT__CFN name##__weft_cres name##__weft_csync(weft_ctx weft__c0, weft__frame *weft__f) \
    {                                                                             \
        weft_ctx *weft__c = &weft__c0;                                            \
        if (!WEFT__LARGE(name##__weft_args) &&                                    \
            __builtin_expect(weft__c0 - 1 == weft__f && weft__f->fn != NULL, 1)) {   \
            uint32_t weft__i = WEFT__CIDX(weft__f);                               \
            name##__weft_args weft__a;                                            \
            memcpy(&weft__a, weft__f->buf, sizeof weft__a);                       \
            weft__c0 = weft__f;                                                   \
            if (__builtin_expect(weft__tls.limit == 0, 0))                        \
                weft__c0 = WEFT__CAT_IDX(weft__ctx_reclaim(weft__i));             \
            WEFT__CINVOKE_##KIND(K, ret, name, CALL, CCALL)                       \
        }                                                                         \
        WEFT__IF_##K((ret weft__r;                                                \
                      weft__c0 = weft__ctx_sync_slow(weft__c0, weft__f, &weft__r, sizeof weft__r, \
                                                     #name, __builtin_return_address(0));), \
                     (weft__c0 = weft__ctx_sync_slow(weft__c0, weft__f, NULL, 0, #name, \
                                                     __builtin_return_address(0));)) \
        WEFT__CRET(K, name)                                                       \
    }

/* The context spawn (WEFT_CSPAWN): WEFT__SPAWN_DEF with the context's top;
 * the slow path is weft__ctx_spawn_slow (weft__spawn_slow pushes at the top
 * and runs no task, so nothing needs settling). */
#define WEFT__CSPAWN_DEF(name, CP, PACK, STORE)                                   \
    WEFT__CFN name##__weft_cfv name##__weft_cspawn CP                             \
    {                                                                             \
        weft__frame *weft__f = *weft__c;                                          \
        if (WEFT__LARGE(name##__weft_args) || !weft__ctx_fits(weft__f)) {         \
            name##__weft_args weft__a = {WEFT__UNPAREN PACK};                     \
            weft__ctx_spawned weft__sp =                                          \
                weft__ctx_spawn_slow(weft__f, name##__weft_run, &weft__a, sizeof weft__a); \
            weft__f = weft__sp.f;                                                 \
            *weft__c = weft__sp.top;                                              \
        } else {                                                                  \
            weft__frame_push(weft__f, name##__weft_run, NULL, 0);                 \
            STORE                                                                 \
            *weft__c = weft__f + 1;                                               \
        }                                                                         \
        name##__weft_cfv weft__s = {weft__f};                                     \
        return weft__s;                                                           \
    }

/* The context form's names (docs/api.md "Context tasks"). c is a weft_ctx
 * lvalue: a spawn and a sync update its top. The sync names the task (as
 * Lace's SYNC(name) does), so that the compiler knows which sync it calls
 * wherever the flowvar comes from (one read back from an array included)
 * and inlines it; a flowvar of another task is a compile-time error. The
 * call goes through a function pointer in a local struct on purpose: gcc
 * resolves it only after its early passes, so it splits the task's leaf
 * test off into the callers first (fib.part.0) and inlines the sync after;
 * a plain call is inlined before and the split no longer happens (fib 27:
 * 17.1 M instructions this way, 20.8 M with the plain call, 18.8 M when the
 * pointer was stored in the flowvar, which dfs's array of flowvars hid:
 * 68.6 M against 46.6 M now; docs/architecture.md section 3). */
#define WEFT_CFLOWVAR(name) name##__weft_cfv
#ifdef __cplusplus
#define WEFT__CFV_CHECK(name, f)                                                  \
    static_assert(std::is_same<std::remove_cv<std::remove_reference<decltype(f)>::type>::type, \
                               name##__weft_cfv>::value,                          \
                  "WEFT_CSYNC(c, " #name ", f): f is not a WEFT_CFLOWVAR(" #name ")")
#else
#define WEFT__CFV_CHECK(name, f)                                                  \
    _Static_assert(__builtin_types_compatible_p(__typeof__(f), name##__weft_cfv), \
                   "WEFT_CSYNC(c, " #name ", f): f is not a WEFT_CFLOWVAR(" #name ")")
#endif
#define WEFT_CSYNC(c, name, f) __extension__({                                    \
        WEFT__CFV_CHECK(name, f);                                                 \
        struct { name##__weft_cres (*fn)(weft_ctx, weft__frame *); } weft__cs = {name##__weft_csync}; \
        name##__weft_cres weft__o = weft__cs.fn((c), (f).weft_frame);             \
        (c) = weft__o.top;                                                        \
        (f).weft_frame = NULL;                                                    \
        weft__o.r; })
#define WEFT_CWAIT(c, name, f) __extension__({                                    \
        WEFT__CFV_CHECK(name, f);                                                 \
        (c) = name##__weft_csync((c), (f).weft_frame).top;                        \
        (f).weft_frame = NULL; })

/* BEGIN arity macros: generated by scripts/gen-arity.py; edit the script, not this region */
/* An empty struct is not C11; arity 0 carries one unused byte. */
#define WEFT_TASK_0(ret, name) \
    WEFT__TASK(T, R, ret, name, (void), char unused;, (0), (), (void)0;, (weft_ctx *weft__c), (*weft__c), (*weft__c))
#define WEFT_TASK_1(ret, name, T1) \
    WEFT__TASK(T, R, ret, name, (T1 a1), T1 a1;, (a1), (weft__a.a1), WEFT__ST(name, a1), (weft_ctx *weft__c, T1 a1), (*weft__c, weft__a.a1), (*weft__c, a1))
#define WEFT_TASK_2(ret, name, T1, T2) \
    WEFT__TASK(T, R, ret, name, (T1 a1, T2 a2), T1 a1; T2 a2;, (a1, a2), (weft__a.a1, weft__a.a2), WEFT__ST(name, a1) WEFT__ST(name, a2), (weft_ctx *weft__c, T1 a1, T2 a2), (*weft__c, weft__a.a1, weft__a.a2), (*weft__c, a1, a2))
#define WEFT_TASK_3(ret, name, T1, T2, T3) \
    WEFT__TASK(T, R, ret, name, (T1 a1, T2 a2, T3 a3), T1 a1; T2 a2; T3 a3;, (a1, a2, a3), (weft__a.a1, weft__a.a2, weft__a.a3), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3), (*weft__c, a1, a2, a3))
#define WEFT_TASK_4(ret, name, T1, T2, T3, T4) \
    WEFT__TASK(T, R, ret, name, (T1 a1, T2 a2, T3 a3, T4 a4), T1 a1; T2 a2; T3 a3; T4 a4;, (a1, a2, a3, a4), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4), (*weft__c, a1, a2, a3, a4))
#define WEFT_TASK_5(ret, name, T1, T2, T3, T4, T5) \
    WEFT__TASK(T, R, ret, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5;, (a1, a2, a3, a4, a5), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5), (*weft__c, a1, a2, a3, a4, a5))
#define WEFT_TASK_6(ret, name, T1, T2, T3, T4, T5, T6) \
    WEFT__TASK(T, R, ret, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6;, (a1, a2, a3, a4, a5, a6), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6), (*weft__c, a1, a2, a3, a4, a5, a6))
#define WEFT_TASK_7(ret, name, T1, T2, T3, T4, T5, T6, T7) \
    WEFT__TASK(T, R, ret, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6; T7 a7;, (a1, a2, a3, a4, a5, a6, a7), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6) WEFT__ST(name, a7), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7), (*weft__c, a1, a2, a3, a4, a5, a6, a7))
#define WEFT_TASK_8(ret, name, T1, T2, T3, T4, T5, T6, T7, T8) \
    WEFT__TASK(T, R, ret, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6; T7 a7; T8 a8;, (a1, a2, a3, a4, a5, a6, a7, a8), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7, weft__a.a8), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6) WEFT__ST(name, a7) WEFT__ST(name, a8), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7, weft__a.a8), (*weft__c, a1, a2, a3, a4, a5, a6, a7, a8))
#define WEFT_VOID_TASK_0(name) \
    WEFT__TASK(T, V, void, name, (void), char unused;, (0), (), (void)0;, (weft_ctx *weft__c), (*weft__c), (*weft__c))
#define WEFT_VOID_TASK_1(name, T1) \
    WEFT__TASK(T, V, void, name, (T1 a1), T1 a1;, (a1), (weft__a.a1), WEFT__ST(name, a1), (weft_ctx *weft__c, T1 a1), (*weft__c, weft__a.a1), (*weft__c, a1))
#define WEFT_VOID_TASK_2(name, T1, T2) \
    WEFT__TASK(T, V, void, name, (T1 a1, T2 a2), T1 a1; T2 a2;, (a1, a2), (weft__a.a1, weft__a.a2), WEFT__ST(name, a1) WEFT__ST(name, a2), (weft_ctx *weft__c, T1 a1, T2 a2), (*weft__c, weft__a.a1, weft__a.a2), (*weft__c, a1, a2))
#define WEFT_VOID_TASK_3(name, T1, T2, T3) \
    WEFT__TASK(T, V, void, name, (T1 a1, T2 a2, T3 a3), T1 a1; T2 a2; T3 a3;, (a1, a2, a3), (weft__a.a1, weft__a.a2, weft__a.a3), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3), (*weft__c, a1, a2, a3))
#define WEFT_VOID_TASK_4(name, T1, T2, T3, T4) \
    WEFT__TASK(T, V, void, name, (T1 a1, T2 a2, T3 a3, T4 a4), T1 a1; T2 a2; T3 a3; T4 a4;, (a1, a2, a3, a4), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4), (*weft__c, a1, a2, a3, a4))
#define WEFT_VOID_TASK_5(name, T1, T2, T3, T4, T5) \
    WEFT__TASK(T, V, void, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5;, (a1, a2, a3, a4, a5), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5), (*weft__c, a1, a2, a3, a4, a5))
#define WEFT_VOID_TASK_6(name, T1, T2, T3, T4, T5, T6) \
    WEFT__TASK(T, V, void, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6;, (a1, a2, a3, a4, a5, a6), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6), (*weft__c, a1, a2, a3, a4, a5, a6))
#define WEFT_VOID_TASK_7(name, T1, T2, T3, T4, T5, T6, T7) \
    WEFT__TASK(T, V, void, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6; T7 a7;, (a1, a2, a3, a4, a5, a6, a7), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6) WEFT__ST(name, a7), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7), (*weft__c, a1, a2, a3, a4, a5, a6, a7))
#define WEFT_VOID_TASK_8(name, T1, T2, T3, T4, T5, T6, T7, T8) \
    WEFT__TASK(T, V, void, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6; T7 a7; T8 a8;, (a1, a2, a3, a4, a5, a6, a7, a8), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7, weft__a.a8), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6) WEFT__ST(name, a7) WEFT__ST(name, a8), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7, weft__a.a8), (*weft__c, a1, a2, a3, a4, a5, a6, a7, a8))
#define WEFT_CTASK_0(ret, name) \
    WEFT__TASK(C, R, ret, name, (void), char unused;, (0), (), (void)0;, (weft_ctx *weft__c), (*weft__c), (*weft__c))
#define WEFT_CTASK_1(ret, name, T1) \
    WEFT__TASK(C, R, ret, name, (T1 a1), T1 a1;, (a1), (weft__a.a1), WEFT__ST(name, a1), (weft_ctx *weft__c, T1 a1), (*weft__c, weft__a.a1), (*weft__c, a1))
#define WEFT_CTASK_2(ret, name, T1, T2) \
    WEFT__TASK(C, R, ret, name, (T1 a1, T2 a2), T1 a1; T2 a2;, (a1, a2), (weft__a.a1, weft__a.a2), WEFT__ST(name, a1) WEFT__ST(name, a2), (weft_ctx *weft__c, T1 a1, T2 a2), (*weft__c, weft__a.a1, weft__a.a2), (*weft__c, a1, a2))
#define WEFT_CTASK_3(ret, name, T1, T2, T3) \
    WEFT__TASK(C, R, ret, name, (T1 a1, T2 a2, T3 a3), T1 a1; T2 a2; T3 a3;, (a1, a2, a3), (weft__a.a1, weft__a.a2, weft__a.a3), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3), (*weft__c, a1, a2, a3))
#define WEFT_CTASK_4(ret, name, T1, T2, T3, T4) \
    WEFT__TASK(C, R, ret, name, (T1 a1, T2 a2, T3 a3, T4 a4), T1 a1; T2 a2; T3 a3; T4 a4;, (a1, a2, a3, a4), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4), (*weft__c, a1, a2, a3, a4))
#define WEFT_CTASK_5(ret, name, T1, T2, T3, T4, T5) \
    WEFT__TASK(C, R, ret, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5;, (a1, a2, a3, a4, a5), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5), (*weft__c, a1, a2, a3, a4, a5))
#define WEFT_CTASK_6(ret, name, T1, T2, T3, T4, T5, T6) \
    WEFT__TASK(C, R, ret, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6;, (a1, a2, a3, a4, a5, a6), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6), (*weft__c, a1, a2, a3, a4, a5, a6))
#define WEFT_CTASK_7(ret, name, T1, T2, T3, T4, T5, T6, T7) \
    WEFT__TASK(C, R, ret, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6; T7 a7;, (a1, a2, a3, a4, a5, a6, a7), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6) WEFT__ST(name, a7), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7), (*weft__c, a1, a2, a3, a4, a5, a6, a7))
#define WEFT_CTASK_8(ret, name, T1, T2, T3, T4, T5, T6, T7, T8) \
    WEFT__TASK(C, R, ret, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6; T7 a7; T8 a8;, (a1, a2, a3, a4, a5, a6, a7, a8), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7, weft__a.a8), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6) WEFT__ST(name, a7) WEFT__ST(name, a8), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7, weft__a.a8), (*weft__c, a1, a2, a3, a4, a5, a6, a7, a8))
#define WEFT_VOID_CTASK_0(name) \
    WEFT__TASK(C, V, void, name, (void), char unused;, (0), (), (void)0;, (weft_ctx *weft__c), (*weft__c), (*weft__c))
#define WEFT_VOID_CTASK_1(name, T1) \
    WEFT__TASK(C, V, void, name, (T1 a1), T1 a1;, (a1), (weft__a.a1), WEFT__ST(name, a1), (weft_ctx *weft__c, T1 a1), (*weft__c, weft__a.a1), (*weft__c, a1))
#define WEFT_VOID_CTASK_2(name, T1, T2) \
    WEFT__TASK(C, V, void, name, (T1 a1, T2 a2), T1 a1; T2 a2;, (a1, a2), (weft__a.a1, weft__a.a2), WEFT__ST(name, a1) WEFT__ST(name, a2), (weft_ctx *weft__c, T1 a1, T2 a2), (*weft__c, weft__a.a1, weft__a.a2), (*weft__c, a1, a2))
#define WEFT_VOID_CTASK_3(name, T1, T2, T3) \
    WEFT__TASK(C, V, void, name, (T1 a1, T2 a2, T3 a3), T1 a1; T2 a2; T3 a3;, (a1, a2, a3), (weft__a.a1, weft__a.a2, weft__a.a3), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3), (*weft__c, a1, a2, a3))
#define WEFT_VOID_CTASK_4(name, T1, T2, T3, T4) \
    WEFT__TASK(C, V, void, name, (T1 a1, T2 a2, T3 a3, T4 a4), T1 a1; T2 a2; T3 a3; T4 a4;, (a1, a2, a3, a4), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4), (*weft__c, a1, a2, a3, a4))
#define WEFT_VOID_CTASK_5(name, T1, T2, T3, T4, T5) \
    WEFT__TASK(C, V, void, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5;, (a1, a2, a3, a4, a5), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5), (*weft__c, a1, a2, a3, a4, a5))
#define WEFT_VOID_CTASK_6(name, T1, T2, T3, T4, T5, T6) \
    WEFT__TASK(C, V, void, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6;, (a1, a2, a3, a4, a5, a6), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6), (*weft__c, a1, a2, a3, a4, a5, a6))
#define WEFT_VOID_CTASK_7(name, T1, T2, T3, T4, T5, T6, T7) \
    WEFT__TASK(C, V, void, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6; T7 a7;, (a1, a2, a3, a4, a5, a6, a7), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6) WEFT__ST(name, a7), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7), (*weft__c, a1, a2, a3, a4, a5, a6, a7))
#define WEFT_VOID_CTASK_8(name, T1, T2, T3, T4, T5, T6, T7, T8) \
    WEFT__TASK(C, V, void, name, (T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8), T1 a1; T2 a2; T3 a3; T4 a4; T5 a5; T6 a6; T7 a7; T8 a8;, (a1, a2, a3, a4, a5, a6, a7, a8), (weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7, weft__a.a8), WEFT__ST(name, a1) WEFT__ST(name, a2) WEFT__ST(name, a3) WEFT__ST(name, a4) WEFT__ST(name, a5) WEFT__ST(name, a6) WEFT__ST(name, a7) WEFT__ST(name, a8), (weft_ctx *weft__c, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8), (*weft__c, weft__a.a1, weft__a.a2, weft__a.a3, weft__a.a4, weft__a.a5, weft__a.a6, weft__a.a7, weft__a.a8), (*weft__c, a1, a2, a3, a4, a5, a6, a7, a8))
/* WEFT_SPAWN(name) or WEFT_SPAWN(name, a1, ...): WEFT__SPAWN_PICK reads the
 * kind after up to 16 arguments (0: the name alone, N: arguments follow). */
#define WEFT_SPAWN(...) WEFT__SPAWN_PICK(__VA_ARGS__, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, 0, ~)(__VA_ARGS__)
#define WEFT__SPAWN_PICK(name, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, kind, ...) WEFT__SPAWN_##kind
#define WEFT__SPAWN_0(name) name##__weft_spawn()
#define WEFT__SPAWN_N(name, ...) name##__weft_spawn(__VA_ARGS__)
/* The context form's, told apart by the same count (WEFT__PICK pastes the
 * kind onto a prefix): WEFT_CSPAWN(c, name, ...) spawns in context c,
 * WEFT_CCALL(c, name, ...) calls a context task as a function, and
 * WEFT_CRUN(name, ...) calls one from thread-local code. */
#define WEFT__PICK(pre, name, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, kind, ...) pre##kind
#define WEFT_CSPAWN(c, ...) WEFT__PICK(WEFT__CSPAWN_, __VA_ARGS__, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, 0, ~)(c, __VA_ARGS__)
#define WEFT__CSPAWN_0(c, name) name##__weft_cspawn(&(c))
#define WEFT__CSPAWN_N(c, name, ...) name##__weft_cspawn(&(c), __VA_ARGS__)
#define WEFT_CCALL(c, ...) WEFT__PICK(WEFT__CCALL_, __VA_ARGS__, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, 0, ~)(c, __VA_ARGS__)
#define WEFT__CCALL_0(c, name) name(c)
#define WEFT__CCALL_N(c, name, ...) name(c, __VA_ARGS__)
#define WEFT_CRUN(...) WEFT__PICK(WEFT__CRUN_, __VA_ARGS__, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, 0, ~)(__VA_ARGS__)
#define WEFT__CRUN_0(name) name##__weft_crun()
#define WEFT__CRUN_N(name, ...) name##__weft_crun(__VA_ARGS__)
/* END arity macros */
/* Stores one argument straight into the frame being spawned (weft__f). */
#define WEFT__ST(name, x) \
    memcpy(weft__f->buf + offsetof(name##__weft_args, x), &(x), sizeof(x));
/* A parenthesised list, unwrapped where it is used (PACK keeps its commas
 * inside parentheses while it is passed from macro to macro). */
#define WEFT__UNPAREN(...) __VA_ARGS__

/* ------------------------------------------------------------------ parallel loops */

/* A parallel loop runs the indices start, start+stride, ... below stop
 * (stride > 0) as one task carrying its range. The worker running it splits
 * the range only when a thief asks for work: the thief gets remaining/(k+1)
 * iterations from the end, k being the number of thieves waiting. There is no
 * grain size. Loops run on any worker and nest (an inner loop splits too).
 * See docs/api.md, "Parallel loops", for the contract. */

/* The index form: body(i, ctx) for each index; the worker looks for thieves
 * between iterations. */
typedef void (*weft_for_fn)(int64_t i, void *ctx);
/* The range form: body(lo, hi, stride, ctx) runs the indices lo, lo+stride,
 * ... below hi as a plain loop; the runtime sizes the chunks itself (a few
 * microseconds each) and looks for thieves between them. */
typedef void (*weft_range_fn)(int64_t lo, int64_t hi, int64_t stride, void *ctx);
/* Reductions: the same two forms with the split's accumulator. */
typedef void (*weft_fold_fn)(int64_t i, void *acc, void *ctx);
typedef void (*weft_fold_range_fn)(int64_t lo, int64_t hi, int64_t stride, void *acc, void *ctx);

/* How partial results combine: every split folds into its own accumulator of
 * `size` bytes, set to the neutral element by init; a split's partial is
 * merged into its splitter's accumulator by merge(into, from) once the split
 * has finished, on the splitter's worker. No lock is involved; merge order
 * follows the splits, so merge must be associative (and commutative up to
 * what the caller accepts). */
typedef struct weft_reducer {
    size_t size;
    void (*init)(void *acc, void *ctx);
    void (*merge)(void *into, const void *from, void *ctx);
} weft_reducer;

/* Run the loop on the calling worker (splitting as thieves ask) and return
 * once every split has finished. Must run on a weft worker. */
WEFT_API void weft_parallel_for(int64_t start, int64_t stop, int64_t stride, weft_for_fn body, void *ctx);
WEFT_API void weft_parallel_for_range(int64_t start, int64_t stop, int64_t stride, weft_range_fn body,
                                      void *ctx);
/* The same, folding into *out: init(out), the loop, then the splits' merges.
 * out must hold red->size bytes. */
WEFT_API void weft_parallel_reduce(int64_t start, int64_t stop, int64_t stride, weft_fold_fn body,
                                   void *ctx, const weft_reducer *red, void *out);
WEFT_API void weft_parallel_reduce_range(int64_t start, int64_t stop, int64_t stride,
                                         weft_fold_range_fn body, void *ctx, const weft_reducer *red,
                                         void *out);

/* The staged form: every range of the loop (the first one and each split)
 * runs prologue(local) on its worker before its first iteration, the body
 * with that local state, and epilogue(local) after its last iteration; local
 * holds `size` bytes, 64-byte aligned, owned by that range. Nothing is
 * merged: the epilogue publishes what it must (an atomic add, say). Returns
 * once every range's epilogue has run. */
typedef struct weft_stages {
    size_t size;
    void (*prologue)(void *local, void *ctx);
    void (*epilogue)(void *local, void *ctx);
} weft_stages;
WEFT_API void weft_parallel_for_staged(int64_t start, int64_t stop, int64_t stride,
                                       weft_fold_range_fn body, void *ctx, const weft_stages *stages);

/* The awaitable form: the loop is pushed as a task (run later by this
 * worker, or stolen) and the call returns at once. weft_loop_wait waits
 * (working meanwhile) until every split has finished, then frees the handle;
 * only the spawning worker may call it, exactly once. A reduction's *out
 * holds the result once weft_loop_wait has returned. */
typedef struct weft_loop weft_loop;
WEFT_API weft_loop *weft_parallel_for_async(int64_t start, int64_t stop, int64_t stride,
                                            weft_range_fn body, void *ctx);
WEFT_API weft_loop *weft_parallel_reduce_async(int64_t start, int64_t stop, int64_t stride,
                                               weft_fold_range_fn body, void *ctx,
                                               const weft_reducer *red, void *out);
WEFT_API void weft_loop_wait(weft_loop *loop);

/* Typed loop bodies. At file scope,
 *     WEFT_FOR_BODY(name, i, T, ctx) { ... uses int64_t i and T *ctx ... }
 * defines `name`, a weft_range_fn whose plain inner loop has the block
 * inlined; WEFT_PARALLEL_FOR(name, start, stop, stride, c) runs it, c being a
 * T * (checked like a call). Likewise
 *     WEFT_REDUCE_BODY(name, i, T, ctx, A, acc) { ... A *acc ... }
 * and WEFT_PARALLEL_REDUCE(name, start, stop, stride, c, red, out), out an
 * A *. */
#define WEFT_FOR_BODY(name, i, T, ctx)                                              \
    static inline void name##__weft_each(int64_t i, T *ctx);                        \
    static inline T *name##__weft_ctx(T *weft__c) { return weft__c; }                \
    static void name(int64_t weft__lo, int64_t weft__hi, int64_t weft__st, void *weft__c) \
    {                                                                               \
        if (weft__st == 1) /* a unit-stride loop of its own, for the vectoriser */ \
            for (int64_t weft__i = weft__lo; weft__i < weft__hi; weft__i++)         \
                name##__weft_each(weft__i, (T *)weft__c);                           \
        else                                                                        \
            for (int64_t weft__i = weft__lo; weft__i < weft__hi; weft__i += weft__st) \
                name##__weft_each(weft__i, (T *)weft__c);                           \
    }                                                                               \
    static inline void name##__weft_each(int64_t i, T *ctx)
#define WEFT_PARALLEL_FOR(name, start, stop, stride, c) \
    weft_parallel_for_range((start), (stop), (stride), name, (void *)name##__weft_ctx(c))

#define WEFT_REDUCE_BODY(name, i, T, ctx, A, acc)                                   \
    static inline void name##__weft_each(int64_t i, T *ctx, A *acc);                \
    static inline T *name##__weft_ctx(T *weft__c) { return weft__c; }                \
    static inline A *name##__weft_acc(A *weft__a) { return weft__a; }                \
    static void name(int64_t weft__lo, int64_t weft__hi, int64_t weft__st, void *weft__a, \
                     void *weft__c)                                                 \
    {                                                                               \
        if (weft__st == 1)                                                          \
            for (int64_t weft__i = weft__lo; weft__i < weft__hi; weft__i++)         \
                name##__weft_each(weft__i, (T *)weft__c, (A *)weft__a);             \
        else                                                                        \
            for (int64_t weft__i = weft__lo; weft__i < weft__hi; weft__i += weft__st) \
                name##__weft_each(weft__i, (T *)weft__c, (A *)weft__a);             \
    }                                                                               \
    static inline void name##__weft_each(int64_t i, T *ctx, A *acc)
#define WEFT_PARALLEL_REDUCE(name, start, stop, stride, c, red, out)                 \
    weft_parallel_reduce_range((start), (stop), (stride), name, (void *)name##__weft_ctx(c), (red), \
                               (void *)name##__weft_acc(out))

/* ------------------------------------------------------------------ scoped barriers */

/* A scope waits for every task spawned inside it and all their descendants,
 * wherever they run: weft_scope_end returns once the detached tasks,
 * futures' tasks and awaitable loops spawned between begin and end (by the
 * code between them, or by any task that code started, transitively) have
 * finished; the worker keeps working meanwhile. Scopes nest (end the inner
 * one first) and must begin and end on the same worker, in the same
 * function. Flowvars spawned inside a scope must be synced inside it. The
 * struct is opaque; keep it alive (on the stack) until end returns. */
typedef struct weft_scope {
    union { unsigned char bytes[64]; int64_t align_i; void *align_p; } weft__opaque;
} weft_scope;
WEFT_API void weft_scope_begin(weft_scope *scope);
WEFT_API void weft_scope_end(weft_scope *scope);
/* WEFT_SCOPE(s) { ... }: begin before the block, end after it (do not leave
 * the block with break, goto or return: end would not run). */
#define WEFT_SCOPE(s)                                                               \
    for (weft_scope s, *s##__weft_once = (weft_scope_begin(&s), &s); s##__weft_once; \
         weft_scope_end(s##__weft_once), s##__weft_once = NULL)

/* ------------------------------------------------------------------ dataflow events */

/* A dataflow event: tasks spawned on it wait until it is triggered (Weave's
 * flow events). A single event is triggered once; a range event has one
 * event per iteration start, start+stride, ... below stop, each triggered
 * once. A task may wait on several events (or iterations); it becomes ready
 * when the last of them is triggered, and runs as a detached task on the
 * worker that made it ready (or a thief): everything written before each
 * trigger is visible to it. Order does not matter: a spawn on an event
 * triggered already makes the task ready at once. See docs/api.md,
 * "Dataflow events". Reference-counted: the creator holds one reference;
 * every thread that triggers, spawns on or polls an event must hold one
 * (weft_event_ref) for the duration of the call. */
typedef struct weft_event weft_event;

/* A dependency: iteration `index` of `event` (0 for a single event). */
typedef struct weft_dep {
    weft_event *event;
    int64_t index;
} weft_dep;

/* A new single event, untriggered, with one reference, or NULL when out of
 * memory. Any thread, with or without a running runtime. */
WEFT_API weft_event *weft_event_new(void);
/* A new range event: iterations start, start+stride, ... below stop, each
 * untriggered (8 bytes each), with one reference; NULL when out of memory.
 * Dies with a message when stop <= start or stride <= 0. Any thread. */
WEFT_API weft_event *weft_event_new_range(int64_t start, int64_t stop, int64_t stride);
/* One more reference to e (returns e); the caller holds one already. */
WEFT_API weft_event *weft_event_ref(weft_event *e);
/* Drops a reference (NULL: nothing); the last one frees the event. Dies with
 * a message when tasks still wait on an iteration never triggered (they could
 * never run). Any thread. */
WEFT_API void weft_event_release(weft_event *e);

/* Triggers the single event e (weft_event_trigger) or iteration i of a range
 * event (weft_event_trigger_at; i must be one of its iterations): every task
 * waiting on it whose other dependencies are triggered too is pushed on the
 * calling worker's deque, ready. Once only per event or iteration (a second
 * trigger dies with a message). On a worker the trigger is done when the
 * call returns; returns 0. On a thread that is not a worker it goes through
 * the executor: the trigger is submitted as a job (weft_submit), which
 * triggers on a worker soon after (holding its own reference); returns 0
 * when submitted, -1 when no executor accepts jobs (nothing triggered; a
 * weft_init runtime does not count). In a context task, call it inside
 * WEFT_CTLS. */
WEFT_API int weft_event_trigger(weft_event *e);
WEFT_API int weft_event_trigger_at(weft_event *e, int64_t i);
/* True once e (iteration i) has been triggered (acquire: the triggerer's
 * writes before the trigger are then visible). Any thread. */
WEFT_API bool weft_event_is_triggered(const weft_event *e);
WEFT_API bool weft_event_is_triggered_at(const weft_event *e, int64_t i);

/* Spawns fn with size bytes of arguments (copied now; size <=
 * WEFT_ARGS_LARGE_MAX) to run once every dependency is triggered: the single
 * event e, iteration i of e, or all n of deps (n may be 0: ready at once; a
 * dependency named twice counts twice). It runs as a detached task (no
 * result: a raw task's result bytes are dropped), is counted in the scope
 * the spawn is made in (weft_scope_end waits for it, so trigger its events
 * before the end), and weft_sync_root waits for it once it is ready. Must
 * run on a weft worker (from a foreign thread, submit a job that spawns).
 * Bad dependencies (NULL, an index outside the range) die with a message
 * before anything is registered. */
WEFT_API void weft_spawn_on_event(weft_event *e, weft_task_fn fn, const void *args, size_t size);
WEFT_API void weft_spawn_on_event_at(weft_event *e, int64_t i, weft_task_fn fn, const void *args, size_t size);
WEFT_API void weft_spawn_on_events(const weft_dep *deps, size_t n, weft_task_fn fn, const void *args,
                                   size_t size);

/* A parallel loop whose iteration i waits on iteration i of the range event
 * e: registers every index start, start+stride, ... below stop (each must be
 * an iteration of e) and returns at once; body(i, ctx) runs as a detached
 * task as soon as e's iteration i is triggered (at once when it was
 * already). Waiting for the iterations is a scope's business (the loop is
 * counted in the scope it starts in, until its last iteration ends) or
 * weft_sync_root's. Registration costs 16 bytes and one CAS per iteration:
 * tile the range (one event per block of iterations) for fine loops. Must
 * run on a weft worker. */
WEFT_API void weft_parallel_for_on_event(weft_event *e, int64_t start, int64_t stop, int64_t stride,
                                         weft_for_fn body, void *ctx);

/* The typed forms, for tasks declared with WEFT_TASK_n, WEFT_VOID_TASK_n or
 * their context forms: WEFT_SPAWN_ON_EVENT(e, name, args...),
 * WEFT_SPAWN_ON_EVENT_AT(e, i, name, args...) and
 * WEFT_SPAWN_ON_EVENTS(deps, n, name, args...) check the arguments like a
 * call (through the task's spawn wrapper, not evaluated) and spawn as above.
 * Statements, not expressions: a result is dropped (one over WEFT_ARGS_MAX
 * bytes fails at compile time). deps must not hold a bare comma (pass an
 * array, or parenthesise a compound literal). */
#define WEFT_SPAWN_ON_EVENT(e, ...) \
    WEFT__PICK(WEFT__ON_, __VA_ARGS__, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, 0, ~)(weft_spawn_on_event, (e), __VA_ARGS__)
#define WEFT_SPAWN_ON_EVENT_AT(e, i, ...) \
    WEFT__PICK(WEFT__ON_, __VA_ARGS__, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, 0, ~)(weft_spawn_on_event_at, (e, i), __VA_ARGS__)
#define WEFT_SPAWN_ON_EVENTS(deps, n, ...) \
    WEFT__PICK(WEFT__ON_, __VA_ARGS__, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, 0, ~)(weft_spawn_on_events, (deps, n), __VA_ARGS__)
/* The result check: name##__weft_cres is {ret r; weft_ctx top;} ({top;} for
 * void), at most WEFT_ARGS_MAX + 8 bytes exactly when ret fits the frame. */
#define WEFT__ON_CHECK(name) \
    WEFT__STATIC_ASSERT(sizeof(name##__weft_cres) <= WEFT_ARGS_MAX + sizeof(weft_ctx), \
                        "weft: the result of task '" #name "' spawned on events exceeds WEFT_ARGS_MAX (it is dropped: return void)")
#define WEFT__ON_0(call, lead, name) do {                                            \
        WEFT__ON_CHECK(name);                                                     \
        (void)sizeof(name##__weft_spawn());                                       \
        call(WEFT__UNPAREN lead, name##__weft_run, NULL, 0);                      \
    } while (0)
#define WEFT__ON_N(call, lead, name, ...) do {                                       \
        WEFT__ON_CHECK(name);                                                     \
        (void)sizeof(name##__weft_spawn(__VA_ARGS__)); /* the type check only */  \
        name##__weft_args weft__a = {__VA_ARGS__};                                \
        call(WEFT__UNPAREN lead, name##__weft_run, &weft__a, sizeof weft__a);     \
    } while (0)

#ifdef __cplusplus
}
#endif

#endif
