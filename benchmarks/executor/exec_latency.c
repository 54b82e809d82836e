/* exec_latency: how long a job submitted from a foreign thread takes to start
 * and to come back, on an executor that is parked and on one that is busy
 * (issue 10, item 4; docs/benchmarks.md, "Executor latency").
 *
 *   exec_latency WORKERS MODE PROBES     MODE: parked | busy
 *
 * A probe is one job submitted by the main thread (not a worker): it stamps
 * the clock just before weft_submit, the job stamps it first thing when it
 * starts and returns that stamp and a check word, and the main thread stamps
 * it again when weft_wait returns. submit-to-start = start - submit,
 * submit-to-result = wait's return - submit, both CLOCK_MONOTONIC.
 *
 *   parked   before each probe the main thread sleeps PARK_GAP_US (10 ms, a
 *            little more at random), time for every worker and the root to
 *            park (the root parks as soon as the others wait: a few hundred
 *            microseconds), so each probe wakes a parked runtime.
 *   busy     a second foreign thread keeps one load job of LOAD_US (2 us of
 *            work) in flight the whole time (it submits the next as soon as
 *            the last one's result is in); the probes come every 20-120 us
 *            (random), between load jobs. A probe may wait for the one load
 *            job ahead of it (at most 2 us): that is in the figure.
 *
 * After the parked probes, the executor idles: 300 ms to settle, then the
 * process's CPU time (CLOCK_PROCESS_CPUTIME_ID) over 1 s of wall time, as a
 * share of one core (idle_cpu_pct; target under 1%; NA for busy).
 *
 * Every probe's result is checked (its start stamp and check word); a probe
 * not done, or wrong, is counted and makes the program exit 1. Prints one
 * line:
 *   bench=exec_latency impl=weft threads=2 mode=parked probes=2000
 *   start_p50_us=... start_p99_us=... result_p50_us=... result_p99_us=...
 *   lost=0 load_jobs=0 idle_cpu_pct=0.01
 * Workers: WORKERS (the weft_config; WEFT_NUM_THREADS is not read). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <weft.h>

#include "../common/bench.h"

#define PARK_GAP_US 10000
#define LOAD_US 2.0

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_us(long us)
{
    struct timespec t = {us / 1000000, (us % 1000000) * 1000L};
    while (nanosleep(&t, &t) != 0) {}
}

static uint64_t check_word(uint64_t i) { return (i + 1) * 0x9e3779b97f4a7c15ULL; }

/* The probe: args {index}; result {start stamp, check word}. */
static void probe_job(void *buf)
{
    uint64_t t = now_ns(), i;
    memcpy(&i, buf, sizeof i);
    uint64_t r[2] = {t, check_word(i)};
    memcpy(buf, r, sizeof r);
}

/* ---- the busy load ---- */

static _Atomic bool load_stop;
static uint64_t load_done;

static void load_job(void *buf)
{
    uint64_t v = bench_busy_us(LOAD_US);
    memcpy(buf, &v, sizeof v);
}

static void *load_main(void *arg)
{
    (void)arg;
    /* relaxed: a stop flag; the join orders load_done. */
    while (!atomic_load_explicit(&load_stop, memory_order_relaxed)) {
        weft_job *j = weft_submit(load_job, NULL, 0);
        if (weft_wait(j, NULL, 0) == WEFT_JOB_DONE) load_done++;
        weft_job_free(j);
    }
    return NULL;
}

static double process_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The process's CPU over 1 s of idle wall time, after 300 ms to settle, in
 * percent of one core. */
static double idle_cpu_pct(void)
{
    sleep_us(300000);
    double w0 = bench_now(), c0 = process_cpu_s();
    sleep_us(1000000);
    return 100.0 * (process_cpu_s() - c0) / (bench_now() - w0);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(uint64_t *v, size_t n, int pct)
{
    size_t k = n * (size_t)pct / 100;
    if (k >= n) k = n - 1;
    return (double)v[k] / 1000.0;
}

int main(int argc, char **argv)
{
    bench_usage(argc, 4, 4, "exec_latency WORKERS parked|busy PROBES");
    int workers = atoi(argv[1]);
    const char *mode = argv[2];
    long probes = atol(argv[3]);
    bool busy = strcmp(mode, "busy") == 0;
    if (workers < 1 || probes < 1 || (!busy && strcmp(mode, "parked") != 0)) {
        fprintf(stderr, "usage: exec_latency WORKERS parked|busy PROBES\n");
        return 2;
    }
    weft_config cfg = {.num_threads = workers};
    if (weft_run_in_background(&cfg) != 0) {
        fprintf(stderr, "exec_latency: %s\n", weft_last_error());
        return 1;
    }
    pthread_t load;
    if (busy) pthread_create(&load, NULL, load_main, NULL);
    uint64_t *start = malloc((size_t)probes * sizeof *start);
    uint64_t *result = malloc((size_t)probes * sizeof *result);
    unsigned seed = 12345;
    long lost = 0;
    enum { WARMUP = 20 };
    for (long k = -WARMUP; k < probes; k++) {
        if (busy) sleep_us(20 + (long)(rand_r(&seed) % 101));
        else sleep_us(PARK_GAP_US + (long)(rand_r(&seed) % 2000));
        uint64_t i = (uint64_t)(k + WARMUP), r[2] = {0, 0};
        uint64_t t0 = now_ns();
        weft_job *j = weft_submit(probe_job, &i, sizeof i);
        weft_job_status st = weft_wait(j, r, sizeof r);
        uint64_t t1 = now_ns();
        weft_job_free(j);
        if (st != WEFT_JOB_DONE || r[1] != check_word(i) || r[0] < t0 || r[0] > t1) {
            lost++;
            continue;
        }
        if (k < 0) continue;
        start[k] = r[0] - t0;
        result[k] = t1 - t0;
    }
    char idle[32] = "NA";
    if (busy) {
        atomic_store_explicit(&load_stop, true, memory_order_relaxed);
        pthread_join(load, NULL);
    } else {
        snprintf(idle, sizeof idle, "%.2f", idle_cpu_pct());
    }
    weft_shutdown();
    long n = probes - lost > 0 ? probes - lost : 0;
    if (n == 0) {
        fprintf(stderr, "exec_latency: every probe lost\n");
        return 1;
    }
    qsort(start, (size_t)n, sizeof *start, cmp_u64);
    qsort(result, (size_t)n, sizeof *result, cmp_u64);
    printf("bench=exec_latency impl=weft threads=%d mode=%s probes=%ld start_p50_us=%.2f start_p99_us=%.2f "
           "result_p50_us=%.2f result_p99_us=%.2f lost=%ld load_jobs=%llu idle_cpu_pct=%s\n",
           workers, mode, probes, pct_us(start, (size_t)n, 50), pct_us(start, (size_t)n, 99),
           pct_us(result, (size_t)n, 50), pct_us(result, (size_t)n, 99), lost, (unsigned long long)load_done, idle);
    free(start);
    free(result);
    return lost ? 1 : 0;
}
