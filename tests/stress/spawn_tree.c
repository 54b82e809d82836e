/* Random spawn trees, every task counted: the scheduler's soak program
 * (scripts/soak.sh) and, at its default size, one of the suite's.
 *
 * A node (id, n) is one task whose subtree holds exactly n tasks: it hashes
 * its id, picks 1..4 cut points in 0..n-1 and spawns one child per non-empty
 * part (so its fan-out is 0..4 and the shape and depth of the tree follow
 * from the seed), syncs them (in reverse order, or every 7th node in spawn
 * order: out-of-order syncs) and returns its subtree's task count and a
 * checksum (its hash plus a mix of each child's). Each tree is run on a
 * fresh weft_init with 1..4 workers (more than the 2 cores here, on purpose)
 * and checked exactly against its serial twin: the returned count, the
 * checksum, and the tasks that ran (a per-worker counter, summed after the
 * root's sync), so a task lost, run twice or answered with another's result
 * fails.
 *
 * WEFT_SOAK_TASKS = tasks in all (default 1,000,000: 4 trees; 4,000,000
 * without WEFT_SANITIZE), in trees of at most TREE_MAX = 250,000 tasks; WEFT_SOAK_SEED picks
 * the trees (default 1). Prints "spawn_tree: PASS: N tasks counted".
 * A stall watchdog (tests/common/harness.h) turns a hang into a failure
 * (exit 3). Exit 0 = pass. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <weft.h>

#include "tests/common/weft_test.h"

#ifdef WEFT_SANITIZE
#define TASKS_DEFAULT 1000000ull   /* 4 trees */
#define STALL_S 60u
#else
#define TASKS_DEFAULT 4000000ull   /* 16 trees */
#define STALL_S 20u
#endif
#define TREE_MAX 250000ull    /* tasks per tree */
#define MAX_WORKERS 4

typedef struct { uint64_t count, sum; } counted;

static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
}

/* Tasks run, per worker: each slot written only by its worker's thread,
 * read by the root after the tree's sync, which orders those writes before
 * it (the results ride back on the flowvars' release/acquire). */
static struct { uint64_t n; char pad[56]; } ran[MAX_WORKERS];
static _Atomic uint64_t progress; /* tasks run, for the stall watchdog only */

/* The sizes of node (h, n)'s children: up to 4, in parts[], 0 = none. */
static void split(uint64_t h, uint64_t n, uint64_t parts[4])
{
    uint64_t rest = n - 1, cut[5];
    int k = 1 + (int)(h % 4);
    cut[0] = 0;
    for (int i = 1; i < k; i++) {
        uint64_t c = rest ? mix(h + (uint64_t)i) % (rest + 1) : 0;
        int j = i;                        /* insertion sort, k <= 4 */
        while (j > 1 && cut[j - 1] > c) { cut[j] = cut[j - 1]; j--; }
        cut[j] = c;
    }
    cut[k] = rest;
    for (int i = 0; i < 4; i++)
        parts[i] = i < k ? cut[i + 1] - cut[i] : 0;
}

static inline uint64_t child_id(uint64_t id, int k) { return mix(id ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(k + 1))); }

counted node(uint64_t id, uint64_t n);
WEFT_TASK_2(counted, node, uint64_t, uint64_t)
counted node(uint64_t id, uint64_t n)
{
    ran[weft_worker_id()].n++;
    /* relaxed RMW: a liveness figure for the watchdog, no data rides on it. */
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
    uint64_t h = mix(id);
    counted r = {1, h};
    if (n == 1) return r;
    uint64_t parts[4];
    split(h, n, parts);
    WEFT_FLOWVAR(node) f[4];
    for (int k = 0; k < 4; k++)
        if (parts[k]) f[k] = WEFT_SPAWN(node, child_id(id, k), parts[k]);
    counted got[4] = {{0, 0}};
    if (h % 7 == 0) {
        for (int k = 0; k < 4; k++) if (parts[k]) got[k] = WEFT_SYNC(f[k]);
    } else {
        for (int k = 3; k >= 0; k--) if (parts[k]) got[k] = WEFT_SYNC(f[k]);
    }
    for (int k = 0; k < 4; k++)
        if (parts[k]) { r.count += got[k].count; r.sum += mix(got[k].sum + (uint64_t)k); }
    return r;
}

static counted node_serial(uint64_t id, uint64_t n)
{
    uint64_t h = mix(id);
    counted r = {1, h};
    if (n == 1) return r;
    uint64_t parts[4];
    split(h, n, parts);
    for (int k = 0; k < 4; k++)
        if (parts[k]) {
            counted c = node_serial(child_id(id, k), parts[k]);
            r.count += c.count;
            r.sum += mix(c.sum + (uint64_t)k);
        }
    return r;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    uint64_t tasks = weft_test_env_count("WEFT_SOAK_TASKS", TASKS_DEFAULT, 1);
    uint64_t seed = weft_test_env_count("WEFT_SOAK_SEED", 1, 1);
    weft_test_stall_watchdog_start("spawn_tree", STALL_S, &progress, NULL);

    uint64_t done = 0, trees = 0, t0 = weft__now_ns();
    while (done < tasks) {
        uint64_t n = tasks - done < TREE_MAX ? tasks - done : TREE_MAX;
        uint64_t root = mix(seed * 0x100000001b3ULL + trees);
        int workers = 1 + (int)((seed + trees) % MAX_WORKERS);
        counted want = node_serial(root, n);
        weft_config cfg = {.num_threads = workers};
        if (weft_init(&cfg) != 0) {
            fprintf(stderr, "FAIL: weft_init(%d workers): %s\n", workers, weft_last_error());
            return 1;
        }
        for (int w = 0; w < MAX_WORKERS; w++) ran[w].n = 0;
        counted got = node(root, n);
        weft_sync_root();
        uint64_t ran_sum = 0;
        for (int w = 0; w < MAX_WORKERS; w++) ran_sum += ran[w].n;
        weft_exit();
        CHECK(want.count == n, "tree %llu: the serial twin counted %llu of %llu",
              (unsigned long long)trees, (unsigned long long)want.count, (unsigned long long)n);
        CHECK(got.count == n && got.sum == want.sum && ran_sum == n,
              "tree %llu (seed %llu, %d workers): count %llu sum %llx ran %llu, want %llu %llx",
              (unsigned long long)trees, (unsigned long long)seed, workers,
              (unsigned long long)got.count, (unsigned long long)got.sum,
              (unsigned long long)ran_sum, (unsigned long long)n, (unsigned long long)want.sum);
        if (weft_test_failures) break;
        done += n;
        trees++;
    }
    weft_test_stall_watchdog_stop();
    double dt = weft_test_secs_since(t0);
    if (weft_test_failures) return weft_test_result("spawn_tree");
    printf("spawn_tree: %llu trees, seed %llu, in %.2f s = %.2f M tasks/s (serial twins included)\n",
           (unsigned long long)trees, (unsigned long long)seed, dt, (double)done / dt / 1e6);
    printf("spawn_tree: PASS: %llu tasks counted\n", (unsigned long long)done);
    return 0;
}
