/* A background executor with no jobs must not burn CPU: under 1% of one core
 * for the whole process, measured with the process CPU clock (weft_test_process_cpu_s) over one
 * second of wall time while the main thread sleeps. Checked for 4 workers
 * (more than this machine's cores) and for 1, right after the start and
 * after a burst of 2000 jobs (fib inside) has run, each after a settling time
 * of 300 ms (the workers' backoff ramps down for tens of milliseconds before
 * they park: tests/stress/sched_idle.c says why). The root parks on the
 * executor's notifier, with no timeout, once every other worker sleeps.
 * Exit 0 = pass; prints every percentage it measured. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <weft.h>
#include "tests/common/weft_test.h"

#define LIMIT_PCT 1.0
#define SETTLE_NS 300000000L
#define WINDOW_NS 1000000000L

static void fib_job(void *buf)
{
    int n;
    memcpy(&n, buf, sizeof n);
    long v = fib(n);
    memcpy(buf, &v, sizeof v);
}

static void measure(const char *name, int workers)
{
    weft_test_sleep_ns(SETTLE_NS);
    uint64_t w0 = weft__now_ns();
    double c0 = weft_test_process_cpu_s();
    weft_test_sleep_ns(WINDOW_NS);
    double pct = 100.0 * (weft_test_process_cpu_s() - c0) / weft_test_secs_since(w0);
    printf("  %-11s workers=%d: process CPU %.2f%% of one core (limit %.0f%%)\n", name, workers, pct, LIMIT_PCT);
    CHECK(pct <= LIMIT_PCT, "%s with %d workers: an idle executor used %.2f%% of a core", name, workers, pct);
}

static void idle_case(int workers)
{
    weft_config cfg = {.num_threads = workers};
    CHECK(weft_run_in_background(&cfg) == 0, "start: %s", weft_last_error());
    measure("after start", workers);
    enum { N = 2000 };
    static weft_job *h[N];
    for (int i = 0; i < N; i++) {
        int n = 10 + i % 8;
        h[i] = weft_submit(fib_job, &n, sizeof n);
    }
    for (int i = 0; i < N; i++) {
        long v = 0;
        CHECK(weft_wait(h[i], &v, sizeof v) == WEFT_JOB_DONE && v == fib_serial(10 + i % 8), "job %d", i);
        weft_job_free(h[i]);
    }
    measure("after jobs", workers);
    weft_shutdown();
}

int main(void)
{
    weft_test_watchdog("exec_idle", 120);
    idle_case(4);
    idle_case(1);
    return weft_test_result("exec_idle");
}
