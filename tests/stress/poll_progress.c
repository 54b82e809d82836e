/* An event loop that only polls must still let idle workers take its work:
 * the root spawns 64 tasks and then calls nothing but the polling function
 * until all 64 are done. The second worker can get them only if the poll
 * answers the steal requests waiting in the root's channel (the check every
 * spawn makes). Two scenarios, each with 2 workers:
 *   futures   64 weft_spawn_future, then a loop of weft_future_ready;
 *   flowvars  64 weft_spawn (lazy flowvars), then a loop of weft_is_ready.
 * Each task spins 200 us. Before polling answered requests, no more than
 * the first batch ever finished (issue 8: 0 of 64 in 3 s). The bound here is
 * 20 s (a loaded machine, sanitizers); the poll takes milliseconds.
 * Exit 0 = pass. */
#include <stdio.h>
#include <string.h>
#include <weft.h>
#include "tests/common/weft_test.h"

enum { N = 64 };
#define BOUND_S 20.0
#define TASK_NS 200000u

static void spin_task(void *buf)
{
    long v;
    memcpy(&v, buf, sizeof v);
    weft_test_spin_ns(TASK_NS);
    v *= 2;
    memcpy(buf, &v, sizeof v);
}

static void futures(void)
{
    weft_future *fut[N];
    for (long i = 0; i < N; i++) fut[i] = weft_spawn_future(spin_task, &i, sizeof i);
    uint64_t t0 = weft__now_ns();
    int done = 0;
    while (done < N && weft_test_secs_since(t0) < BOUND_S) {
        done = 0;
        for (int i = 0; i < N; i++) done += weft_future_ready(fut[i]);
    }
    printf("futures: %d of %d ready after %.3f s of weft_future_ready\n", done, N,
           weft_test_secs_since(t0));
    CHECK(done == N, "only %d of %d futures finished within %.0f s of polling", done, N, BOUND_S);
    for (long i = 0; i < N; i++) {
        long r = -1;
        weft_future_get(fut[i], &r, sizeof r);
        CHECK(r == 2 * i, "future %ld: %ld", i, r);
        weft_future_free(fut[i]);
    }
}

static void flowvars(void)
{
    weft_flowvar fv[N];
    for (long i = 0; i < N; i++) fv[i] = weft_spawn(spin_task, &i, sizeof i);
    uint64_t t0 = weft__now_ns();
    int done = 0;
    while (done < N && weft_test_secs_since(t0) < BOUND_S) {
        done = 0;
        for (int i = 0; i < N; i++) done += weft_is_ready(&fv[i]);
    }
    printf("flowvars: %d of %d ready after %.3f s of weft_is_ready\n", done, N,
           weft_test_secs_since(t0));
    CHECK(done == N, "only %d of %d flowvars finished within %.0f s of polling", done, N, BOUND_S);
    for (int i = N - 1; i >= 0; i--) {
        long r;
        memcpy(&r, weft_sync(&fv[i]), sizeof r);
        CHECK(r == 2L * i, "flowvar %d: %ld", i, r);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    weft_test_watchdog("poll_progress", 120);
    weft_config cfg = {.num_threads = 2};
    for (int round = 0; round < 2; round++) {
        if (weft_init(&cfg) != 0) {
            fprintf(stderr, "poll_progress: weft_init: %s\n", weft_last_error());
            return 1;
        }
        if (round == 0) futures();
        else flowvars();
        weft_exit();
    }
    return weft_test_result("poll_progress");
}
