/* An idle runtime must not burn CPU: once work ends, idle workers back off
 * and then park on their notifiers, so the process uses under 5% of one
 * core. Checked for 4 workers (more than this machine's cores) and for the
 * default count, in three situations:
 *   sync_root  the root ran fib, then weft_sync_root, then sleeps 1 s;
 *   no_sync    the root returned from its last sync and sleeps, without
 *              weft_sync_root (thieves' requests wait unanswered in its
 *              channel: the thieves must park anyway);
 *   busy_root  the root runs 1 s of plain serial code: every other worker
 *              must stay under 5% of a core (per thread).
 * Measured with the process CPU clock (weft_test_process_cpu_s) over one second
 * of wall time, and per worker thread with the thread's CPU clock.
 *
 * A settling time of 200 ms comes before each measurement: an idle worker
 * first polls with a growing backoff window (log-log-iterated, 1 us slots up
 * to 2^14) and its request makes a round of the other workers before it
 * parks; that takes tens of milliseconds by design (a worker that parked
 * at once would answer new work slowly), so the test measures the steady
 * idle state, not the ramp down.
 * Exit 0 = pass; prints every percentage it measured. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <weft.h>
#include "tests/common/weft_test.h"

#define LIMIT_PCT 5.0
#define SETTLE_NS 200000000L
#define WINDOW_NS 1000000000L

/* The CPU-time clock of thread `tid` of this process: the encoding Linux
 * uses for per-thread CPU clocks (what pthread_getcpuclockid returns),
 * ~tid << 3 | CPUCLOCK_PERTHREAD (4) | CPUCLOCK_SCHED (2), nanosecond
 * resolution. The workers' pthread_t are the runtime's, so the test names
 * them by their kernel thread ids. */
static clockid_t thread_clock(pid_t tid) { return (clockid_t)((~(unsigned)tid << 3) | 4 | 2); }

/* The kernel ids of this process's threads, into tids (at most max);
 * returns how many. */
static int list_tids(pid_t *tids, int max)
{
    DIR *d = opendir("/proc/self/task");
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max)
        if (e->d_name[0] != '.') tids[n++] = (pid_t)atoi(e->d_name);
    closedir(d);
    return n;
}

/* Plain serial work for `ns` of wall time; returns a value so it is not
 * optimised away. */
static volatile uint64_t sink;
static void spin_ns(long ns)
{
    uint64_t end = weft__now_ns() + (uint64_t)ns, x = 1;
    while (weft__now_ns() < end)
        for (int i = 0; i < 1000; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    sink = x;
}

enum { MAXT = 512 };
static pid_t before[MAXT], workers[MAXT];
static int nbefore, nworkers;

/* After weft_init: the threads that were not there before are the workers. */
static void find_workers(void)
{
    pid_t now[MAXT];
    int n = list_tids(now, MAXT);
    nworkers = 0;
    for (int i = 0; i < n; i++) {
        int old = 0;
        for (int k = 0; k < nbefore; k++) old |= now[i] == before[k];
        if (!old) workers[nworkers++] = now[i];
    }
}

/* Runs some parallel work, so that every worker has been busy and goes idle. */
static void work(void)
{
    long v = fib(27);
    CHECK(v == 196418, "fib(27) = %ld", v);
}

/* Process CPU over one second of root sleep, after settling. */
static void idle_case(const char *name, int with_sync_root)
{
    work();
    if (with_sync_root) weft_sync_root();
    weft_test_sleep_ns(SETTLE_NS);
    uint64_t w0 = weft__now_ns();
    double c0 = weft_test_process_cpu_s();
    weft_test_sleep_ns(WINDOW_NS);
    double c1 = weft_test_process_cpu_s();
    double wall = weft_test_secs_since(w0);
    double pct = 100.0 * (c1 - c0) / wall;
    printf("  %-10s workers=%d: process CPU %.2f%% of one core over %.2f s (limit %.0f%%)\n", name,
           weft_num_workers(), pct, wall, LIMIT_PCT);
    CHECK(pct <= LIMIT_PCT, "%s with %d workers: an idle runtime used %.2f%% of a core", name,
          weft_num_workers(), pct);
}

/* The root busy in serial code: each other worker's CPU over one second. */
static void busy_root_case(void)
{
    work();
    uint64_t t0[MAXT];
    spin_ns(SETTLE_NS);
    for (int i = 0; i < nworkers; i++) t0[i] = weft_test_clock_ns(thread_clock(workers[i]));
    uint64_t w0 = weft__now_ns();
    spin_ns(WINDOW_NS);
    double wall = weft_test_secs_since(w0);
    double sum = 0, worst = 0;
    printf("  busy_root  workers=%d: per worker CPU while the root computes:", weft_num_workers());
    for (int i = 0; i < nworkers; i++) {
        double pct = 100.0 * (double)(weft_test_clock_ns(thread_clock(workers[i])) - t0[i]) / 1e9 / wall;
        printf(" %.2f%%", pct);
        sum += pct;
        if (pct > worst) worst = pct;
    }
    printf(" (sum %.2f%%, limit %.0f%% each)\n", sum, LIMIT_PCT);
    CHECK(nworkers == weft_num_workers() - 1, "found %d worker threads, expected %d", nworkers,
          weft_num_workers() - 1);
    CHECK(worst <= LIMIT_PCT, "busy_root with %d workers: an idle worker used %.2f%% of a core",
          weft_num_workers(), worst);
}

static void *nothing(void *arg) { return arg; }

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int reps = weft_test_soak() ? 10 : 1;
    weft_test_watchdog("sched_idle", 60 * (unsigned)reps);
    /* A first thread started and joined before any snapshot: sanitizer
     * runtimes start their own helper thread at the first pthread_create
     * (TSan's background thread), which must not be taken for a worker. */
    pthread_t t;
    pthread_create(&t, NULL, nothing, NULL);
    pthread_join(t, NULL);
    int counts[] = {4, 0}; /* 0: the default (one per core, or WEFT_NUM_THREADS) */
    for (int rep = 0; rep < reps; rep++) {
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            nbefore = list_tids(before, MAXT);
            weft_config cfg = {.num_threads = counts[c]};
            if (weft_init(&cfg) != 0) {
                fprintf(stderr, "FAIL: weft_init: %s\n", weft_last_error());
                return 1;
            }
            find_workers();
            idle_case("sync_root", 1);
            idle_case("no_sync", 0);
            if (weft_num_workers() > 1) busy_root_case();
            weft_exit();
        }
    }
    return weft_test_result("sched_idle");
}
