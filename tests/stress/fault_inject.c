/* Fault injection: the runtime's calls into the system fail, for real.
 *
 * The Makefile links this program with -Wl,--wrap for pthread_create,
 * pthread_join, mmap, munmap, malloc, calloc, aligned_alloc, free (and
 * mallocx, dallocx with jemalloc), so every such call in libweft.a (and here)
 * goes through the __wrap_ functions below, which call the real one
 * (__real_) unless told to fail. --wrap renames symbols at link time only, so
 * the sanitizers' own interceptors still sit behind __real_ and the program
 * runs the same under TSan and ASan. While a check runs, the wrappers also
 * record every thread, mapping and heap block they hand out, and strike it
 * off when it is joined, unmapped or freed.
 *
 * Checked:
 *  - weft_init with 4 workers, failing in turn each call of each kind that
 *    it makes: every pthread_create (worker k of 4, k = 1..3), every deque
 *    mmap (4), every heap allocation (runtime, worker table, 4 workers, 4
 *    trace buffers with WEFT_TRACE set: 10). Each returns -1 with
 *    weft_last_error() naming what failed (the worker, the errno's text),
 *    and leaves nothing behind: every thread started is joined, every
 *    mapping unmapped, every block freed, no thread more than before,
 *    weft_num_workers() is 0, the caller is no worker and has its CPU
 *    affinity back. The call after the last one is not reached, so
 *    that weft_init succeeds, computes a correct fib and exits cleanly, again
 *    leaving nothing behind. The number of calls of each kind is checked too,
 *    so a new one must be added here (and undone in weft_init).
 *  - A pool chunk allocation failing mid-run (the third one of a run that
 *    holds 1024 futures at once) aborts with "weft: out of memory allocating
 *    a pool chunk (N bytes)" on stderr: a child process (this program run
 *    again with the argument pool-child) must die of SIGABRT with that
 *    message. The parent then starts the runtime again and computes fib.
 * A watchdog (alarm) turns a hang into a failure. Exit status 0 = pass. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <weft.h>
#include "tests/common/weft_test.h"

#define NW 4

/* ---- the wrappers ---- */

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __real_pthread_join(pthread_t t, void **ret);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_aligned_alloc(size_t align, size_t n);
void __real_free(void *p);
#ifndef WEFT_NO_JEMALLOC
void *__real_mallocx(size_t n, int flags);
void __real_dallocx(void *p, int flags);
#endif

enum kind { K_NONE, K_THREAD, K_MAP, K_HEAP };
static const char *const kind_name[] = {"none", "pthread_create", "mmap", "heap allocation"};

/* Which kind of call fails, and which one of them: the inject_at-th from
 * when it was set (counted down by every call of that kind). fired: it
 * happened. The main thread sets them; the wrappers, on any thread, read
 * them and count down. Each is read for itself and publishes nothing else,
 * so no access pairs with another: seq_cst (the default) only keeps the
 * count exact. */
static _Atomic int inject_kind = K_NONE;
static _Atomic long inject_at;
static _Atomic int fired;
/* Calls of each kind while counting (the main thread sets it). */
static _Atomic long calls[4];

static bool should_fail(enum kind k)
{
    if (atomic_load(&inject_kind) != (int)k) return false;
    atomic_fetch_add(&calls[k], 1);
    if (atomic_fetch_sub(&inject_at, 1) != 1) return false;
    atomic_store(&fired, 1);
    return true;
}

/* What the wrappers handed out while `tracking`, not yet given back: heap
 * blocks, mappings, threads (by pthread_t). Under the mutex. */
#define TRACK_MAX 4096
static pthread_mutex_t track_mu = PTHREAD_MUTEX_INITIALIZER;
static bool tracking;
typedef struct { uintptr_t id; int kind; } tracked_t;
static tracked_t tracked[TRACK_MAX];
static int ntracked;
static int track_overflow;

static void track(int kind, uintptr_t id)
{
    pthread_mutex_lock(&track_mu);
    if (tracking) {
        if (ntracked < TRACK_MAX) tracked[ntracked++] = (tracked_t){id, kind};
        else track_overflow = 1;
    }
    pthread_mutex_unlock(&track_mu);
}

static void untrack(int kind, uintptr_t id)
{
    pthread_mutex_lock(&track_mu);
    for (int i = 0; i < ntracked; i++)
        if (tracked[i].id == id && tracked[i].kind == kind) {
            tracked[i] = tracked[--ntracked];
            break;
        }
    pthread_mutex_unlock(&track_mu);
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    if (should_fail(K_THREAD)) return EAGAIN;
    int e = __real_pthread_create(t, a, fn, arg);
    if (e == 0) track(K_THREAD, (uintptr_t)*t);
    return e;
}

int __wrap_pthread_join(pthread_t t, void **ret)
{
    int e = __real_pthread_join(t, ret);
    if (e == 0) untrack(K_THREAD, (uintptr_t)t);
    return e;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if (should_fail(K_MAP)) { errno = ENOMEM; return MAP_FAILED; }
    void *p = __real_mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED) track(K_MAP, (uintptr_t)p);
    return p;
}

int __wrap_munmap(void *addr, size_t len)
{
    int r = __real_munmap(addr, len);
    if (r == 0) untrack(K_MAP, (uintptr_t)addr);
    return r;
}

/* A heap block from a real allocator: tracked when there is one. */
static void *heap_out(void *p)
{
    if (p) track(K_HEAP, (uintptr_t)p);
    return p;
}

void *__wrap_malloc(size_t n)
{
    if (should_fail(K_HEAP)) { errno = ENOMEM; return NULL; }
    return heap_out(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (should_fail(K_HEAP)) { errno = ENOMEM; return NULL; }
    return heap_out(__real_calloc(n, size));
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    if (should_fail(K_HEAP)) { errno = ENOMEM; return NULL; }
    return heap_out(__real_aligned_alloc(align, n));
}

void __wrap_free(void *p)
{
    if (p) untrack(K_HEAP, (uintptr_t)p);
    __real_free(p);
}

#ifndef WEFT_NO_JEMALLOC
void *__wrap_mallocx(size_t n, int flags)
{
    if (should_fail(K_HEAP)) return NULL;
    return heap_out(__real_mallocx(n, flags));
}

void __wrap_dallocx(void *p, int flags)
{
    untrack(K_HEAP, (uintptr_t)p);
    __real_dallocx(p, flags);
}
#endif

/* ---- checks ---- */

/* Threads of this process now (/proc/self/status), or -1. */
static int threads_now(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    fclose(f);
    return n;
}

#ifdef WEFT_SANITIZE
#define FIB_N 18
#else
#define FIB_N 22
#endif

static int baseline_threads;
static cpu_set_t baseline_affinity;

/* weft_init(NW) with the k-th call of `kind` failing (k = 0: none), and when
 * it succeeds fib and weft_exit, all while tracking. Checks that nothing is
 * left behind. Returns 1 when the k-th call was reached (so it failed), 0
 * when it was not; *msg gets weft_last_error() of a failed init. */
static int attempt(enum kind kind, long k, char *msg, size_t msgsz)
{
    pthread_mutex_lock(&track_mu);
    ntracked = 0;
    track_overflow = 0;
    tracking = true;
    pthread_mutex_unlock(&track_mu);
    atomic_store(&fired, 0);
    atomic_store(&calls[kind], 0);
    atomic_store(&inject_at, k);
    atomic_store(&inject_kind, kind);

    weft_config cfg = {.num_threads = NW};
    int r = weft_init(&cfg);
    /* Only weft_init's own calls are failed and counted. */
    atomic_store(&inject_kind, K_NONE);
    snprintf(msg, msgsz, "%s", weft_last_error());
    int hit = atomic_load(&fired);
    if (r == 0) {
        CHECK(!hit, "%s %ld of weft_init failed but weft_init returned 0", kind_name[kind], k);
        CHECK(weft_num_workers() == NW, "%d workers after weft_init, want %d", weft_num_workers(), NW);
        long got = fib(FIB_N);
        CHECK(got == fib_serial(FIB_N), "fib(%d) = %ld after the failures, want %ld", FIB_N, got,
              fib_serial(FIB_N));
        weft_exit();
    } else {
        CHECK(r == -1, "weft_init returned %d", r);
        CHECK(hit, "weft_init failed (%s) with no injected failure", msg);
        CHECK(msg[0] != '\0', "weft_init failed with an empty weft_last_error()");
        CHECK(weft_num_workers() == 0, "weft_num_workers() = %d after a failed weft_init", weft_num_workers());
        CHECK(weft_worker_id() == -1, "the caller is still worker %d after a failed weft_init", weft_worker_id());
    }
    cpu_set_t now;
    CHECK(sched_getaffinity(0, sizeof now, &now) == 0 && CPU_EQUAL(&now, &baseline_affinity),
          "the caller's affinity is not restored after %s (%s %ld failed)", r == 0 ? "weft_exit" : "weft_init",
          kind_name[kind], k);

    pthread_mutex_lock(&track_mu);
    tracking = false;
    int left[4] = {0};
    for (int i = 0; i < ntracked; i++) left[tracked[i].kind]++;
    int overflow = track_overflow;
    pthread_mutex_unlock(&track_mu);
    const char *when = r == 0 ? "weft_exit" : "the failed weft_init";
    CHECK(!overflow, "more than %d things to track", TRACK_MAX);
    CHECK(left[K_THREAD] == 0, "%d threads not joined after %s (%s %ld failed)", left[K_THREAD], when,
          kind_name[kind], k);
    CHECK(left[K_MAP] == 0, "%d mappings not unmapped after %s (%s %ld failed)", left[K_MAP], when,
          kind_name[kind], k);
    CHECK(left[K_HEAP] == 0, "%d heap blocks not freed after %s (%s %ld failed)", left[K_HEAP], when,
          kind_name[kind], k);
    /* pthread_join returns when the kernel clears the thread's tid, which
     * it does before it takes the thread out of the process's list; so a
     * joined thread may still be counted for a moment on a loaded machine.
     * Wait up to 2 s for the count to settle (a thread really left running
     * never does; left[K_THREAD] above counts the joins themselves). */
    int th = threads_now();
    for (int tries = 0; th != baseline_threads && tries < 200; tries++) {
        usleep(10000);
        th = threads_now();
    }
    CHECK(th == baseline_threads, "%d threads after %s, %d before (%s %ld failed)", th, when,
          baseline_threads, kind_name[kind], k);
    return hit;
}

/* Fails each call of `kind` weft_init makes in turn; `want` of them. Each
 * failure's message must satisfy expect(k, message), which says what it
 * wanted when it does not. */
static void fail_each(enum kind kind, long want, const char *(*expect)(long, const char *))
{
    char msg[600];
    long k = 1;
    for (; k <= want + 1; k++) {
        if (!attempt(kind, k, msg, sizeof msg)) break;
        const char *why = expect(k, msg);
        CHECK(why == NULL, "%s %ld failed: message '%s', want %s", kind_name[kind], k, msg, why);
        printf("  %s %ld failed: %s\n", kind_name[kind], k, msg);
    }
    CHECK(k - 1 == want, "weft_init made %ld %s calls, want %ld (update the test with weft_init)", k - 1,
          kind_name[kind], want);
    CHECK(atomic_load(&calls[kind]) == want, "the successful weft_init made %ld %s calls, want %ld",
          atomic_load(&calls[kind]), kind_name[kind], want);
}

static char want_buf[300];

/* pthread_create k failed: worker k, with EAGAIN's text. */
static const char *expect_thread(long k, const char *msg)
{
    snprintf(want_buf, sizeof want_buf, "'weft_init: cannot start worker %ld of %d: %s'", k, NW, strerror(EAGAIN));
    size_t n = strlen(want_buf) - 2;
    return strlen(msg) == n && strncmp(msg, want_buf + 1, n) == 0 ? NULL : want_buf;
}

/* mmap k failed: the deque of worker k-1, its size, ENOMEM's text. */
static const char *expect_map(long k, const char *msg)
{
    snprintf(want_buf, sizeof want_buf, "'weft_init: cannot map the task deque of worker %ld of %d (N bytes): %s'",
             k - 1, NW, strerror(ENOMEM));
    long w;
    int nw, end = 0;
    size_t bytes;
    if (sscanf(msg, "weft_init: cannot map the task deque of worker %ld of %d (%zu bytes): %n", &w, &nw, &bytes,
               &end) != 3 || end == 0)
        return want_buf;
    return w == k - 1 && nw == NW && bytes > 0 && strcmp(msg + end, strerror(ENOMEM)) == 0 ? NULL : want_buf;
}

/* A heap allocation failed: out of memory, and for what. */
static const char *expect_heap(long k, const char *msg)
{
    (void)k;
    const char *p = "weft_init: out of memory ";
    return strncmp(msg, p, strlen(p)) == 0 && strstr(msg, " bytes") ? NULL : "'weft_init: out of memory ... (N bytes ...)'";
}

/* ---- the pool chunk, mid-run ---- */

#define NFUT 1024

static void one(void *buf) { *(long *)buf += 1; }

/* In the child: 1024 futures at once from the root need 16 pool chunks; the
 * third chunk allocation fails. Returns only when nothing failed. */
static int pool_child(void)
{
    weft_config cfg = {.num_threads = NW};
    if (weft_init(&cfg) != 0) { fprintf(stderr, "pool-child: weft_init: %s\n", weft_last_error()); return 1; }
    atomic_store(&inject_at, 3);
    atomic_store(&inject_kind, K_HEAP);
    static weft_future *f[NFUT];
    for (long i = 0; i < NFUT; i++) f[i] = weft_spawn_future(one, &i, sizeof i);
    long sum = 0;
    for (long i = 0; i < NFUT; i++) {
        long v;
        weft_future_get(f[i], &v, sizeof v);
        weft_future_free(f[i]);
        sum += v;
    }
    weft_exit();
    fprintf(stderr, "pool-child: no allocation failed (sum %ld)\n", sum);
    return 1;
}

/* Runs this program as pool-child; checks it dies of SIGABRT with the
 * message as its only output on stderr. */
static void check_pool_abort(void)
{
    int fd[2];
    if (pipe(fd) != 0) { CHECK(0, "pipe: %s", strerror(errno)); return; }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) { CHECK(0, "fork: %s", strerror(errno)); return; }
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        execl("/proc/self/exe", "fault_inject", "pool-child", (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char out[8192];
    size_t len = 0;
    ssize_t r;
    while ((r = read(fd[0], out + len, sizeof out - 1 - len)) > 0) len += (size_t)r;
    out[len] = '\0';
    close(fd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "pool-child: %s %d, want SIGABRT; its stderr:\n%s",
          WIFSIGNALED(st) ? "signal" : "exit status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), out);
    /* Nothing else on stderr: no sanitizer report, no other message. */
    size_t bytes = 0;
    int end = 0;
    CHECK(sscanf(out, "weft: out of memory allocating a pool chunk (%zu bytes)\n%n", &bytes, &end) == 1 &&
              bytes > 0 && end > 0 && out[end] == '\0',
          "pool-child's stderr is not the one line 'weft: out of memory allocating a pool chunk (N bytes)':\n%s",
          out);
    printf("  pool chunk failed: %.*s\n", (int)strcspn(out, "\n"), out);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* The child's deadline comes first, so that the parent reports it. */
    weft_test_watchdog(argc > 1 ? "fault_inject pool-child" : "fault_inject", argc > 1 ? 60 : 240);
    if (argc > 1 && strcmp(argv[1], "pool-child") == 0) return pool_child();
    if (argc > 1) { fprintf(stderr, "usage: fault_inject\n"); return 2; }
    unsetenv("WEFT_TRACE");
    char msg[600];

    /* A first start and stop, untracked: the topology (hwloc) is loaded
     * here, once for the process, and kept; ThreadSanitizer starts its
     * background thread at the first pthread_create. */
    weft_config cfg = {.num_threads = NW};
    CHECK(weft_init(&cfg) == 0, "the first weft_init: %s", weft_last_error());
    weft_exit();
    baseline_threads = threads_now();
    CHECK(sched_getaffinity(0, sizeof baseline_affinity, &baseline_affinity) == 0, "sched_getaffinity: %s",
          strerror(errno));
    puts("no failure:");
    attempt(K_NONE, 0, msg, sizeof msg);

    puts("pthread_create:");
    fail_each(K_THREAD, NW - 1, expect_thread);
    puts("mmap (the task deques):");
    fail_each(K_MAP, NW, expect_map);

    puts("heap (runtime, worker table, workers, trace buffers):");
    char trace[] = "/tmp/weft_fault_inject_XXXXXX";
    int tfd = mkstemp(trace);
    CHECK(tfd >= 0, "mkstemp: %s", strerror(errno));
    if (tfd >= 0) {
        close(tfd);
        setenv("WEFT_TRACE", trace, 1);
        fail_each(K_HEAP, 2 + 2 * NW, expect_heap);
        unsetenv("WEFT_TRACE");
        unlink(trace);
    }

    puts("a pool chunk, mid-run:");
    check_pool_abort();
    attempt(K_NONE, 0, msg, sizeof msg);

    return weft_test_result("fault_inject");
}
