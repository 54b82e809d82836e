/* Unit tests of the public API's edges: misuse is caught with a message that
 * names the problem (spawn before weft_init, sync twice, arguments too big,
 * the wrong thread), bad configurations make weft_init return -1 with a
 * reason, and the small queries (weft_worker_id, weft_is_ready,
 * weft_load_balance outside a worker) behave as include/weft.h says.
 *
 * Criterion runs each test in its own process. A test that expects an abort
 * forks once more (expect_abort below): the child does the misuse with its
 * stderr on a pipe, the parent checks that it died of SIGABRT and reads what
 * it said. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <weft.h>
#include "tests/common/weft_test.h"

/* ------------------------------------------------------------ tasks used */

/* A task that takes a while and returns n * 3. */
long slow_triple(long n);
WEFT_TASK_1(long, slow_triple, long)
long slow_triple(long n)
{
    weft_test_spin_ns(2000000);
    return n * 3;
}

static void nop_task(void *buf) { (void)buf; }

/* A raw task: its long argument times 3. */
static void triple_task_(void *buf)
{
    long v;
    memcpy(&v, buf, sizeof v);
    v *= 3;
    memcpy(buf, &v, sizeof v);
}

/* ------------------------------------------------------------ abort helper */

/* Runs fn(arg) in a forked child whose stderr goes into a pipe. Returns the
 * wait status; the child's stderr (at most cap-1 bytes, NUL-terminated) is
 * left in out. A child that returns from fn exits 0. */
static int run_child(void (*fn)(void *), void *arg, char *out, size_t cap)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork failed");
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 2);
        close(p[1]);
        fn(arg);
        fflush(stderr);
        _exit(0);
    }
    close(p[1]);
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], out + n, cap - 1 - n)) > 0) {
        n += (size_t)r;
        if (n == cap - 1) break;
    }
    out[n] = '\0';
    close(p[0]);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return st;
}

/* Asserts that fn(arg) aborts and that what it wrote to stderr holds every
 * one of the NULL-terminated strings in `needles`. */
static void expect_abort_(const char *what, void (*fn)(void *), void *arg, const char *const *needles)
{
    char err[4096];
    int st = run_child(fn, arg, err, sizeof err);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
              "%s: expected an abort, got %s %d; stderr: '%s'", what,
              WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), err);
    for (; *needles; needles++)
        cr_expect(strstr(err, *needles) != NULL, "%s: message '%s' lacks '%s'", what, err, *needles);
}
#define expect_abort(what, fn, arg, ...) \
    expect_abort_(what, fn, arg, (const char *const[]){__VA_ARGS__, NULL})

/* Starts n workers or fails the test. */
static void init_n(int n)
{
    weft_config cfg = {.num_threads = n};
    cr_assert_eq(weft_init(&cfg), 0, "weft_init(%d): %s", n, weft_last_error());
}

/* Starts n workers in a forked child (no criterion assertions there): on
 * failure it says why and exits 99, which the parent reports as no abort. */
static void child_init(int n)
{
    weft_config cfg = {.num_threads = n};
    if (weft_init(&cfg) != 0) {
        fprintf(stderr, "child: weft_init(%d): %s\n", n, weft_last_error());
        _exit(99);
    }
}

/* ------------------------------------------------------------ misuse aborts */

static void do_typed_spawn(void *a) { (void)a; WEFT_FLOWVAR(fib) f = WEFT_SPAWN(fib, 3); (void)f; }
static void do_raw_spawn(void *a) { (void)a; int x = 1; (void)weft_spawn(nop_task, &x, sizeof x); }
static void do_detached(void *a) { (void)a; int x = 1; weft_spawn_detached(nop_task, &x, sizeof x); }
static void do_future(void *a) { (void)a; int x = 1; (void)weft_spawn_future(nop_task, &x, sizeof x); }
static void do_sync_root(void *a) { (void)a; weft_sync_root(); }
static void do_run_one(void *a) { (void)a; (void)weft_run_one(); }
static void do_sync_raw(void *a) { (void)a; weft_flowvar f = {0}; (void)weft_sync(&f); }
static void do_is_ready(void *a) { (void)a; weft_flowvar f = {0}; (void)weft_is_ready(&f); }

Test(api_misuse, spawn_before_init_aborts_naming_the_problem)
{
    expect_abort("WEFT_SPAWN", do_typed_spawn, NULL, "weft", "spawn", "before weft_init");
    expect_abort("weft_spawn", do_raw_spawn, NULL, "spawn", "before weft_init");
    expect_abort("weft_spawn_detached", do_detached, NULL, "weft_spawn_detached", "before weft_init");
    expect_abort("weft_spawn_future", do_future, NULL, "weft_spawn_future", "before weft_init");
    expect_abort("weft_sync", do_sync_raw, NULL, "SYNC", "before weft_init");
    expect_abort("weft_sync_root", do_sync_root, NULL, "weft_sync_root", "before weft_init");
    expect_abort("weft_run_one", do_run_one, NULL, "weft_run_one", "before weft_init");
    expect_abort("weft_is_ready", do_is_ready, NULL, "weft_is_ready", "before weft_init");
}

/* The same through criterion's own signal check (its message is read above;
 * here it is only kept off the terminal). */
Test(api_misuse, spawn_before_init_is_sigabrt, .signal = SIGABRT, .init = cr_redirect_stderr)
{
    do_typed_spawn(NULL);
}

static void do_spawn_after_exit(void *a)
{
    (void)a;
    child_init(2);
    if (fib(10) != 55) fprintf(stderr, "wrong fib\n");
    weft_exit();
    do_typed_spawn(NULL);
}

Test(api_misuse, spawn_after_exit_aborts)
{
    expect_abort("spawn after weft_exit", do_spawn_after_exit, NULL, "spawn", "before weft_init");
}

static void *foreign_spawn(void *a) { do_typed_spawn(a); return NULL; }
static void do_foreign_spawn(void *a)
{
    (void)a;
    child_init(2);
    pthread_t t;
    pthread_create(&t, NULL, foreign_spawn, NULL);
    pthread_join(t, NULL);
}

Test(api_misuse, spawn_from_a_foreign_thread_aborts)
{
    expect_abort("foreign spawn", do_foreign_spawn, NULL, "spawn", "not a weft worker");
}

/* noinline: the message names the function the sync is in. */
static __attribute__((noinline)) void do_sync_twice_typed(void *a)
{
    (void)a;
    child_init(2);
    WEFT_FLOWVAR(fib) f = WEFT_SPAWN(fib, 10);
    long v = WEFT_SYNC(f);
    if (v != 55) fprintf(stderr, "wrong fib %ld\n", v);
    v = WEFT_SYNC(f); /* not a tail call: its return address is in this function */
    fprintf(stderr, "not reached: %ld\n", v);
}

static void do_sync_twice_raw(void *a)
{
    (void)a;
    child_init(1);
    int x = 1;
    weft_flowvar f = weft_spawn(nop_task, &x, sizeof x);
    (void)weft_sync(&f);
    (void)weft_sync(&f);
}

/* The first sync is out of order (slow path), the second of the same flowvar
 * must still be caught. */
static void do_sync_twice_out_of_order(void *a)
{
    (void)a;
    child_init(1);
    WEFT_FLOWVAR(fib) f1 = WEFT_SPAWN(fib, 5);
    WEFT_FLOWVAR(fib) f2 = WEFT_SPAWN(fib, 6);
    long v1 = WEFT_SYNC(f1);
    long v2 = WEFT_SYNC(f2);
    if (v1 != 5 || v2 != 8) fprintf(stderr, "wrong fib %ld %ld\n", v1, v2);
    (void)WEFT_SYNC(f1);
}

/* The context form: a second WEFT_CSYNC of one flowvar. */
long cfib(weft_ctx c, int n);
WEFT_CTASK_1(long, cfib, int)
long cfib(weft_ctx c, int n)
{
    if (n < 2) return n;
    WEFT_CFLOWVAR(cfib) f = WEFT_CSPAWN(c, cfib, n - 1);
    long y = WEFT_CCALL(c, cfib, n - 2);
    return WEFT_CSYNC(c, cfib, f) + y;
}
long csync_twice(weft_ctx c, int n);
WEFT_CTASK_1(long, csync_twice, int)
long csync_twice(weft_ctx c, int n)
{
    WEFT_CFLOWVAR(cfib) f = WEFT_CSPAWN(c, cfib, n);
    long v = WEFT_CSYNC(c, cfib, f);
    if (v != 55) fprintf(stderr, "wrong cfib %ld\n", v);
    return v + WEFT_CSYNC(c, cfib, f);
}
static void do_csync_twice(void *a)
{
    (void)a;
    child_init(1);
    (void)WEFT_CRUN(csync_twice, 10);
}

Test(api_misuse, sync_twice_aborts)
{
    expect_abort("WEFT_CSYNC twice", do_csync_twice, NULL, "synced twice", "task 'cfib'");
    /* The typed sync names its task, the worker and where the sync is (the
     * function, from the program's symbols, and the address in the file). */
    expect_abort("WEFT_SYNC twice", do_sync_twice_typed, NULL, "synced twice", "task 'fib'",
                 "on worker 0", "api_misuse+0x", "addr2line", "do_sync_twice_typed+0x");
    expect_abort("weft_sync twice", do_sync_twice_raw, NULL, "synced twice");
    expect_abort("out-of-order then again", do_sync_twice_out_of_order, NULL, "synced twice");
}

/* A stale copy of a flowvar, synced after the original: no spawn came in
 * between, so the slot is gone and the runtime must notice. */
static void do_sync_stale_copy(void *a)
{
    (void)a;
    child_init(1);
    WEFT_FLOWVAR(fib) f = WEFT_SPAWN(fib, 10);
    WEFT_FLOWVAR(fib) copy = f;
    (void)WEFT_SYNC(f);
    (void)WEFT_SYNC(copy);
}

Test(api_misuse, sync_of_a_stale_copy_aborts)
{
    expect_abort("stale copy", do_sync_stale_copy, NULL, "already synced");
}

/* A flowvar synced by a task on another worker: the root spawns the task
 * that will sync (a future, so that it is the oldest frame, the one a thief
 * takes first), then the flowvar, publishes it, and polls the future, which
 * answers worker 1's requests. Worker 1's deque never reaches the flowvar's
 * index, so its sync sees a flowvar that is not its own. */
static WEFT_FLOWVAR(fib) foreign_fv;
static _Atomic int foreign_fv_set;
static void sync_foreign(void *buf)
{
    (void)buf;
    /* acquire: pairs with the release store in do_sync_on_another_worker,
     * after foreign_fv was written. */
    while (!atomic_load_explicit(&foreign_fv_set, memory_order_acquire)) {}
    (void)WEFT_SYNC(foreign_fv);
}
static void do_sync_on_another_worker(void *a)
{
    (void)a;
    alarm(20);
    child_init(2);
    int x = 0;
    weft_future *fut = weft_spawn_future(sync_foreign, &x, sizeof x);
    WEFT_FLOWVAR(fib) pad[4];
    for (int i = 0; i < 4; i++) pad[i] = WEFT_SPAWN(fib, 2);
    foreign_fv = WEFT_SPAWN(fib, 3);
    atomic_store_explicit(&foreign_fv_set, 1, memory_order_release);
    while (!weft_future_ready(fut)) {}
    fprintf(stderr, "the foreign sync returned\n");
    (void)pad;
}

Test(api_misuse, sync_on_another_worker_names_the_task_and_the_worker)
{
    expect_abort("sync on worker 1", do_sync_on_another_worker, NULL, "not this worker's",
                 "task 'fib'", "on worker 1", "+0x");
}

/* Spawns n flowvars and never syncs them. Under the sanitizers they are
 * detached tasks instead (the same overflow message, from an out-of-line
 * push): gcc 12 -O1 -fsanitize=undefined reports "member access within null
 * pointer of type 'struct weft__hot'" at the first inline spawn of a loop
 * of weft_spawn or WEFT_SPAWN in a small function like this one, with the
 * code before this change too; &weft__tls is not null there. */
static void spawn_unsynced(int n)
{
    for (int i = 0; i < n; i++) {
#ifdef WEFT_SANITIZE
        weft_spawn_detached(nop_task, NULL, 0);
#else
        (void)WEFT_SPAWN(fib, 1);
#endif
    }
}

/* Spawns without syncing until the deque (1024 frames) is full. */
static void do_deque_overflow(void *a)
{
    (void)a;
    setenv("WEFT_DEQUE_FRAMES", "1024", 1);
    child_init(1);
    spawn_unsynced(2000);
}

Test(api_misuse, deque_overflow_names_unsynced_flowvars)
{
    expect_abort("deque overflow", do_deque_overflow, NULL, "task deque overflow", "1024 frames",
                 "never synced", "raise WEFT_DEQUE_FRAMES");
}

static void do_future_free_twice(void *a)
{
    (void)a;
    child_init(*(int *)a);
    long x = 5;
    weft_future *fut = weft_spawn_future(triple_task_, &x, sizeof x);
    long r = 0;
    weft_future_get(fut, &r, sizeof r);
    if (r != 15) fprintf(stderr, "wrong result %ld\n", r);
    weft_future_free(fut);
    weft_future_free(fut);
}
static void *free_future(void *fut) { weft_future_free(fut); return NULL; }
/* The second free from a thread that is not a worker (a remote free). */
static void do_future_free_twice_foreign(void *a)
{
    (void)a;
    child_init(2);
    long x = 5;
    weft_future *fut = weft_spawn_future(triple_task_, &x, sizeof x);
    weft_future_get(fut, NULL, 0);
    pthread_t t;
    pthread_create(&t, NULL, free_future, fut);
    pthread_join(t, NULL);
    free_future(fut);
}
static void do_future_free_early(void *a)
{
    (void)a;
    child_init(1);   /* nobody else runs the task: it is still pending */
    long x = 5;
    weft_future *fut = weft_spawn_future(triple_task_, &x, sizeof x);
    weft_future_free(fut);
}

Test(api_misuse, future_freed_twice_or_early_aborts)
{
    int one = 1, two = 2;
    expect_abort("weft_future_free twice, 1 worker", do_future_free_twice, &one, "weft_future_free",
                 "already freed");
    expect_abort("weft_future_free twice, 2 workers", do_future_free_twice, &two, "weft_future_free",
                 "already freed");
    expect_abort("weft_future_free twice, the first from another thread",
                 do_future_free_twice_foreign, NULL, "weft_future_free", "already freed");
    expect_abort("weft_future_free before the result", do_future_free_early, NULL,
                 "weft_future_free", "not arrived");
}

static void do_raw_args_too_big(void *a)
{
    (void)a;
    child_init(1);
    unsigned char big[WEFT_ARGS_LARGE_MAX + 1] = {0};
    (void)weft_spawn(nop_task, big, sizeof big);
}
static void do_detached_args_too_big(void *a)
{
    (void)a;
    child_init(1);
    unsigned char big[WEFT_ARGS_LARGE_MAX + 1] = {0};
    weft_spawn_detached(nop_task, big, sizeof big);
}
static void do_future_args_too_big(void *a)
{
    (void)a;
    child_init(1);
    unsigned char big[WEFT_ARGS_LARGE_MAX + 8] = {0};
    (void)weft_spawn_future(nop_task, big, sizeof big);
}

Test(api_misuse, raw_arguments_too_big_abort)
{
    expect_abort("weft_spawn 257 bytes", do_raw_args_too_big, NULL, "of 257 bytes exceed WEFT_ARGS_LARGE_MAX");
    expect_abort("weft_spawn_detached 257 bytes", do_detached_args_too_big, NULL,
                 "of 257 bytes exceed WEFT_ARGS_LARGE_MAX");
    expect_abort("weft_spawn_future 264 bytes", do_future_args_too_big, NULL, "of 264 bytes exceed WEFT_ARGS_LARGE_MAX");
}

static void *foreign_exit(void *a) { (void)a; weft_exit(); return NULL; }
static void do_exit_from_foreign(void *a)
{
    (void)a;
    child_init(2);
    pthread_t t;
    pthread_create(&t, NULL, foreign_exit, NULL);
    pthread_join(t, NULL);
}

Test(api_misuse, exit_from_another_thread_aborts)
{
    expect_abort("foreign weft_exit", do_exit_from_foreign, NULL, "weft_exit", "other than");
}

/* ------------------------------------------------------------ init errors */

/* weft_init with WEFT_NUM_THREADS=value fails and names the variable and value. */
static void expect_env_rejected(const char *value)
{
    cr_assert_eq(setenv("WEFT_NUM_THREADS", value, 1), 0);
    cr_assert_eq(weft_init(NULL), -1, "WEFT_NUM_THREADS='%s' accepted", value);
    const char *e = weft_last_error();
    char quoted[64];
    snprintf(quoted, sizeof quoted, "'%s'", value);
    cr_expect(strstr(e, "WEFT_NUM_THREADS") != NULL, "message '%s' lacks the variable", e);
    cr_expect(strstr(e, quoted) != NULL, "message '%s' lacks the value %s", e, quoted);
    /* Nothing is left running. */
    cr_expect_eq(weft_num_workers(), 0);
    cr_expect_eq(weft_worker_id(), -1);
}

Test(api_misuse, bad_num_threads_env_fails_init_with_a_reason)
{
    expect_env_rejected("abc");
    expect_env_rejected("0");
    expect_env_rejected("100000");
    expect_env_rejected("-1");
    expect_env_rejected("");
    expect_env_rejected("2x");
    /* A failed init leaves no runtime behind: a good one works after it,
     * and a success clears the message. */
    cr_assert_eq(setenv("WEFT_NUM_THREADS", "3", 1), 0);
    cr_assert_eq(weft_init(NULL), 0, "%s", weft_last_error());
    cr_expect_str_empty(weft_last_error());
    cr_expect_eq(weft_num_workers(), 3);
    cr_expect_eq(fib(15), 610);
    weft_exit();
    cr_expect_eq(weft_num_workers(), 0);
}

Test(api_misuse, num_threads_out_of_range_fails_init)
{
    unsetenv("WEFT_NUM_THREADS");
    int bad[] = {-1, -1000, 257, 100000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        weft_config cfg = {.num_threads = bad[i]};
        cr_assert_eq(weft_init(&cfg), -1, "num_threads=%d accepted", bad[i]);
        const char *e = weft_last_error();
        char val[32];
        snprintf(val, sizeof val, "%d", bad[i]);
        cr_expect(strstr(e, "num_threads") != NULL, "message '%s' lacks num_threads", e);
        cr_expect(strstr(e, val) != NULL, "message '%s' lacks the value %s", e, val);
        cr_expect_eq(weft_num_workers(), 0);
    }
    /* The config overrides the environment. */
    cr_assert_eq(setenv("WEFT_NUM_THREADS", "3", 1), 0);
    init_n(2);
    cr_expect_eq(weft_num_workers(), 2);
    weft_exit();
}

/* A trace file that cannot be opened fails weft_init, naming who set the
 * path and the path, and leaves no runtime behind. */
Test(api_misuse, bad_trace_path_fails_init_naming_it)
{
    unsetenv("WEFT_NUM_THREADS");
    const char *bad = "/nonexistent-weft-dir/t.json";
    cr_assert_eq(setenv("WEFT_TRACE", bad, 1), 0);
    cr_assert_eq(weft_init(NULL), -1, "WEFT_TRACE=%s accepted", bad);
    cr_expect(strstr(weft_last_error(), "WEFT_TRACE='/nonexistent-weft-dir/t.json'") != NULL &&
                  strstr(weft_last_error(), "cannot open") != NULL,
              "message '%s'", weft_last_error());
    cr_expect_eq(weft_num_workers(), 0);
    /* The field wins over the variable: "" means no trace. */
    weft_config off = {.num_threads = 1, .trace_path = ""};
    cr_assert_eq(weft_init(&off), 0, "%s", weft_last_error());
    weft_exit();
    unsetenv("WEFT_TRACE");
    weft_config cfg = {.num_threads = 1, .trace_path = bad};
    cr_assert_eq(weft_init(&cfg), -1, "trace_path=%s accepted", bad);
    cr_expect(strstr(weft_last_error(), "trace_path='/nonexistent-weft-dir/t.json'") != NULL &&
                  strstr(weft_last_error(), "cannot open") != NULL,
              "message '%s'", weft_last_error());
    cr_expect_eq(weft_num_workers(), 0);
}

/* The fields do what the variables do: metrics (the table at exit), trace
 * (the file, opened at init), deque_frames (the overflow names the size). */
static void do_config_fields(void *a)
{
    char *path = a;
    unsetenv("WEFT_METRICS");
    weft_config cfg = {.num_threads = 2, .metrics = WEFT_ON, .trace_path = path, .pin = WEFT_OFF};
    if (weft_init(&cfg) != 0) { fprintf(stderr, "child: %s\n", weft_last_error()); _exit(99); }
    if (access(path, F_OK) != 0) fprintf(stderr, "child: the trace file is not there after weft_init\n");
    if (fib(15) != 610) fprintf(stderr, "child: wrong fib\n");
    weft_exit();
}

static void do_config_deque_frames(void *a)
{
    (void)a;
    unsetenv("WEFT_DEQUE_FRAMES");
    weft_config cfg = {.num_threads = 1, .deque_frames = 1024};
    if (weft_init(&cfg) != 0) { fprintf(stderr, "child: %s\n", weft_last_error()); _exit(99); }
    spawn_unsynced(2000);
}

Test(api_misuse, config_fields_take_effect)
{
    char path[] = "/tmp/weft-api-misuse-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    unlink(path);
    char err[4096];
    int st = run_child(do_config_fields, path, err, sizeof err);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child failed: '%s'", err);
    cr_expect(strstr(err, "weft metrics: 2 workers") != NULL, "no metrics table: '%s'", err);
    cr_expect(strstr(err, "child:") == NULL, "%s", err);
    FILE *f = fopen(path, "r");
    cr_assert(f != NULL, "no trace file %s", path);
    char head[64] = "";
    cr_expect(fgets(head, sizeof head, f) != NULL && strstr(head, "traceEvents") != NULL,
              "trace starts '%s'", head);
    fclose(f);
    unlink(path);
    expect_abort("deque_frames = 1024", do_config_deque_frames, NULL, "task deque overflow (1024 frames)");
}

Test(api_misuse, init_twice_fails_and_the_runtime_goes_on)
{
    init_n(2);
    weft_config cfg = {.num_threads = 3};
    cr_assert_eq(weft_init(&cfg), -1);
    cr_expect(strstr(weft_last_error(), "already") != NULL, "message '%s'", weft_last_error());
    cr_expect_eq(weft_num_workers(), 2, "the second init changed the runtime");
    cr_expect_eq(fib(18), 2584);
    weft_exit();
    /* And a new one starts after exit. */
    init_n(3);
    cr_expect_eq(weft_num_workers(), 3);
    cr_expect_eq(fib(18), 2584);
    weft_exit();
}

Test(api_misuse, exit_without_init_is_harmless)
{
    weft_exit();
    weft_exit();
    cr_expect_eq(weft_num_workers(), 0);
    init_n(2);
    weft_exit();
    weft_exit(); /* twice */
    cr_expect_eq(weft_num_workers(), 0);
    cr_expect_eq(weft_worker_id(), -1);
}

/* ------------------------------------------------------------ queries */

static void *foreign_id(void *out)
{
    *(int *)out = weft_worker_id();
    weft_load_balance(); /* harmless off a worker */
    return NULL;
}

static _Atomic uint64_t ids_seen;     /* bit i: a task ran on worker i */
static _Atomic int bad_id = -2;       /* an id out of range, if any */
static void record_id(void *buf)
{
    (void)buf;
    int id = weft_worker_id();
    if (id < 0 || id >= weft_num_workers()) {
        /* relaxed: read after weft_sync_root, which orders it. */
        atomic_store_explicit(&bad_id, id, memory_order_relaxed);
        return;
    }
    weft_test_spin_ns(50000);
    /* relaxed: read after weft_sync_root, which orders it. */
    atomic_fetch_or_explicit(&ids_seen, 1ull << id, memory_order_relaxed);
}

Test(api_misuse, worker_id_is_minus_one_off_workers_and_in_range_in_tasks, .timeout = 60)
{
    cr_expect_eq(weft_worker_id(), -1, "before init");
    enum { N = 4 };
    init_n(N);
    cr_expect_eq(weft_worker_id(), 0, "the root is worker 0");
    int fid = 7;
    pthread_t t;
    pthread_create(&t, NULL, foreign_id, &fid);
    pthread_join(t, NULL);
    cr_expect_eq(fid, -1, "a foreign thread while running");
    /* Rounds of detached tasks until tasks ran on at least two workers (ten
     * seconds at most: other workers steal within milliseconds). */
    uint64_t t0 = weft__now_ns();
    int rounds = 0;
    do {
        for (int i = 0; i < 400; i++) weft_spawn_detached(record_id, &i, sizeof i);
        weft_sync_root();
        rounds++;
        /* seq_cst load after weft_sync_root, which orders the tasks'
         * relaxed updates before it. */
    } while (__builtin_popcountll(atomic_load(&ids_seen)) < 2 && weft_test_secs_since(t0) < 10);
    cr_expect_eq(atomic_load(&bad_id), -2, "a task saw worker id %d", atomic_load(&bad_id));
    uint64_t seen = atomic_load(&ids_seen);
    cr_expect_eq(seen >> N, 0u, "ids beyond %d seen: %#llx", N - 1, (unsigned long long)seen);
    cr_expect_geq(__builtin_popcountll(seen), 2, "tasks ran on only one worker after %d rounds (%#llx)",
                  rounds, (unsigned long long)seen);
    weft_exit();
    cr_expect_eq(weft_worker_id(), -1, "after exit");
}

Test(api_misuse, is_ready_semantics, .timeout = 60)
{
    init_n(1);
    /* Not started: not ready. */
    WEFT_FLOWVAR(fib) f = WEFT_SPAWN(fib, 12);
    cr_expect_not(weft_is_ready(&f.raw), "a task not yet started is ready");
    /* Run in place by the scheduler (weft_sync_root runs what is pending):
     * ready, and sync then returns its result without running it again. */
    weft_sync_root();
    cr_expect(weft_is_ready(&f.raw), "a task the scheduler ran is not ready");
    cr_expect_eq(WEFT_SYNC(f), 144);
    cr_expect(weft_is_ready(&f.raw), "a synced flowvar is not ready");

    /* Out of order: the older synced first (runs in place), the newer is
     * still pending. */
    WEFT_FLOWVAR(fib) a = WEFT_SPAWN(fib, 7);
    WEFT_FLOWVAR(fib) b = WEFT_SPAWN(fib, 8);
    cr_expect_not(weft_is_ready(&a.raw));
    cr_expect_not(weft_is_ready(&b.raw));
    cr_expect_eq(WEFT_SYNC(a), 13);
    cr_expect(weft_is_ready(&a.raw));
    cr_expect_not(weft_is_ready(&b.raw), "the newer one ran with the older");
    cr_expect_eq(WEFT_SYNC(b), 21);
    weft_exit();

    /* Shipped to another worker: becomes ready by itself while the root
     * only answers steal requests (weft_load_balance runs no task here). */
    init_n(2);
    for (long k = 0; k < 5; k++) {
        WEFT_FLOWVAR(slow_triple) s = WEFT_SPAWN(slow_triple, k + 100);
        cr_expect_not(weft_is_ready(&s.raw));
        long polls = 0;
        while (!weft_is_ready(&s.raw)) {
            weft_load_balance();
            polls++;
        }
        cr_expect_eq(WEFT_SYNC(s), 3 * (k + 100));
        cr_expect(weft_is_ready(&s.raw));
        cr_log_info("round %ld: ready after %ld polls", k, polls);
    }
    weft_exit();
}

/* A pending flowvar frame buried under one the scheduler already ran in
 * place (DONE): weft_sync_root must still run it, even with no other worker
 * to steal it. The child exits 0 when it got through, or dies by SIGALRM.
 * (weft__run_top once looked only at the top frame, and these hung.) */
static void do_sync_root_buried(void *arg)
{
    int how = *(int *)arg;
    alarm(5);
    child_init(1);
    WEFT_FLOWVAR(fib) a = WEFT_SPAWN(fib, 10);
    WEFT_FLOWVAR(fib) b = WEFT_SPAWN(fib, 11);
    if (how == 0) {
        weft_sync_root();   /* runs b in place (DONE), then must run a too */
        if (!weft_is_ready(&a.raw) || !weft_is_ready(&b.raw)) fprintf(stderr, "not ready after weft_sync_root\n");
        long y = WEFT_SYNC(b), x = WEFT_SYNC(a);
        if (x != 55 || y != 89) fprintf(stderr, "wrong results %ld %ld\n", x, y);
    } else if (how == 1) {
        /* weft_run_one, event-loop style: two tasks wait, it must run both. */
        int ran = weft_run_one() + weft_run_one();
        if (ran != 2) fprintf(stderr, "weft_run_one ran %d of 2 waiting tasks\n", ran);
        long y = WEFT_SYNC(b), x = WEFT_SYNC(a);
        if (x != 55 || y != 89) fprintf(stderr, "wrong results %ld %ld\n", x, y);
    }
    weft_exit();            /* how == 2: never synced; weft_exit waits for them */
}

Test(api_misuse, sync_root_runs_a_pending_frame_under_a_done_one, .timeout = 30)
{
    static const char *what[] = {"weft_sync_root", "weft_run_one", "weft_exit with unsynced flowvars"};
    for (int how = 0; how < 3; how++) {
        char err[4096];
        int st = run_child(do_sync_root_buried, &how, err, sizeof err);
        cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0 && err[0] == '\0',
                  "%s, one worker, flowvars a then b spawned: %s; stderr: '%s' "
                  "(weft__run_top only looks at the top frame: once b is DONE there, a is never run)",
                  what[how], WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? "hung (5 s alarm)" : "failed", err);
    }
}

static void *foreign_load_balance(void *a)
{
    (void)a;
    weft_load_balance();
    return NULL;
}

Test(api_misuse, load_balance_off_a_worker_is_harmless)
{
    weft_load_balance(); /* before init */
    init_n(2);
    pthread_t t;
    pthread_create(&t, NULL, foreign_load_balance, NULL);
    pthread_join(t, NULL);
    weft_load_balance(); /* on the root, with nothing to do */
    cr_expect_eq(fib(16), 987);
    weft_exit();
    weft_load_balance(); /* after exit */
}

/* A future may be waited on by a foreign thread (timed backoff) while the
 * root keeps working. */
static void triple_task(void *buf)
{
    long v;
    memcpy(&v, buf, sizeof v);
    weft_test_spin_ns(1000000);
    v *= 3;
    memcpy(buf, &v, sizeof v);
}
static void *foreign_get(void *fut)
{
    static long r;
    weft_future_get(fut, &r, sizeof r);
    return &r;
}

Test(api_misuse, future_waited_on_by_a_foreign_thread, .timeout = 60)
{
    init_n(2);
    long x = 14;
    weft_future *fut = weft_spawn_future(triple_task, &x, sizeof x);
    pthread_t t;
    pthread_create(&t, NULL, foreign_get, fut);
    weft_sync_root();
    void *res;
    pthread_join(t, &res);
    cr_expect_eq(*(long *)res, 42);
    cr_expect(weft_future_ready(fut));
    weft_future_free(fut);
    weft_exit();
}

/* ------------------------------------------------------------ loops and scopes */

static void nop_each(int64_t i, void *ctx) { (void)i; (void)ctx; }
static void nop_fold(int64_t i, void *acc, void *ctx) { (void)i; (void)acc; (void)ctx; }
static void do_loop_before_init(void *a) { (void)a; weft_parallel_for(0, 10, 1, nop_each, NULL); }
static void do_zero_stride(void *a)
{
    (void)a;
    child_init(2);
    weft_parallel_for(0, 10, 0, nop_each, NULL);
}
static void do_reducer_without_merge(void *a)
{
    (void)a;
    child_init(2);
    weft_reducer red = {sizeof(long), NULL, NULL};
    long out;
    weft_parallel_reduce(0, 10, 1, nop_fold, NULL, &red, &out);
}
static void do_staged_without_epilogue(void *a)
{
    (void)a;
    child_init(2);
    weft_stages st = {8, NULL, NULL};
    weft_parallel_for_staged(0, 10, 1, NULL, NULL, &st);
}
static void do_scopes_out_of_order(void *a)
{
    (void)a;
    child_init(2);
    weft_scope outer, inner;
    weft_scope_begin(&outer);
    weft_scope_begin(&inner);
    weft_scope_end(&outer);
}

Test(api_misuse, loop_and_scope_misuse_aborts)
{
    expect_abort("loop before init", do_loop_before_init, NULL, "weft_parallel_for called before weft_init");
    expect_abort("stride 0", do_zero_stride, NULL, "parallel loop with a stride that is not positive");
    expect_abort("reducer without merge", do_reducer_without_merge, NULL,
                 "parallel reduce needs a reducer with a size, init and merge");
    expect_abort("staged without epilogue", do_staged_without_epilogue, NULL,
                 "a staged parallel loop needs a prologue and an epilogue");
    expect_abort("scopes ended out of order", do_scopes_out_of_order, NULL,
                 "weft_scope_end of a scope that is not the innermost one begun on this worker");
}

/* ------------------------------------------------------------ dataflow events */

static void do_trigger_twice(void *a)
{
    (void)a;
    child_init(2);
    weft_event *e = weft_event_new();
    weft_event_trigger(e);
    weft_event_trigger(e);
}
static void do_trigger_twice_foreign(void *a)
{
    (void)a;
    weft_event *e = weft_event_new_range(0, 4, 1);
    child_init(1);
    weft_event_trigger_at(e, 2);
    weft_exit();
    (void)weft_event_trigger_at(e, 2); /* no worker: refused or not, it says so */
}
static void do_trigger_out_of_range(void *a)
{
    (void)a;
    child_init(1);
    weft_event *e = weft_event_new_range(10, 20, 3);
    weft_event_trigger_at(e, 11);
}
static void do_single_call_on_range(void *a)
{
    (void)a;
    child_init(1);
    weft_event *e = weft_event_new_range(0, 4, 1);
    weft_spawn_on_event(e, nop_task, NULL, 0);
}
static void do_bad_range(void *a) { (void)a; (void)weft_event_new_range(5, 5, 1); }
static void do_release_with_waiters(void *a)
{
    (void)a;
    child_init(2);
    weft_event *e = weft_event_new_range(0, 8, 1);
    weft_spawn_on_event_at(e, 3, nop_task, NULL, 0);
    weft_event_release(e);
}
static void do_spawn_on_event_before_init(void *a)
{
    (void)a;
    weft_event *e = weft_event_new();
    weft_spawn_on_event(e, nop_task, NULL, 0);
}
static void do_spawn_on_event_args_too_big(void *a)
{
    (void)a;
    child_init(1);
    weft_event *e = weft_event_new();
    unsigned char big[WEFT_ARGS_LARGE_MAX + 1] = {0};
    weft_spawn_on_event(e, nop_task, big, sizeof big);
}
static void do_loop_on_event_misfit(void *a)
{
    (void)a;
    child_init(1);
    weft_event *e = weft_event_new_range(0, 100, 2);
    weft_parallel_for_on_event(e, 0, 100, 3, nop_each, NULL);
}

Test(api_misuse, event_misuse_aborts)
{
    expect_abort("trigger twice", do_trigger_twice, NULL, "weft_event_trigger: iteration 0 of the event was triggered twice");
    expect_abort("trigger twice, the second off the runtime", do_trigger_twice_foreign, NULL,
                 "iteration 2 of the event was triggered twice");
    expect_abort("trigger out of range", do_trigger_out_of_range, NULL,
                 "weft_event_trigger_at: index 11 is not an iteration of the event's range [10, 22) with stride 3");
    expect_abort("a single-event call on a range event", do_single_call_on_range, NULL,
                 "weft_spawn_on_event on a range event");
    expect_abort("an empty range", do_bad_range, NULL, "weft_event_new_range: empty range or stride not positive");
    expect_abort("the last release with a task waiting", do_release_with_waiters, NULL,
                 "tasks still wait on 1 of its iterations, never triggered");
    expect_abort("spawn on an event before init", do_spawn_on_event_before_init, NULL,
                 "weft_spawn_on_events called before weft_init");
    expect_abort("spawn on an event, 257 bytes", do_spawn_on_event_args_too_big, NULL,
                 "of 257 bytes exceed WEFT_ARGS_LARGE_MAX");
    expect_abort("a loop index that is not an iteration", do_loop_on_event_misfit, NULL,
                 "weft_parallel_for_on_event: index 3 is not an iteration");
}
