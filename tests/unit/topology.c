/* Unit tests of runtime/topology: the core count agrees with hwloc, and
 * pinning leaves the thread on PUs of exactly the core asked for (index taken
 * modulo the core count). Each test runs in its own process (criterion), so
 * pinning one does not affect the next. */
#include <criterion/criterion.h>
#include <hwloc.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "runtime/topology/topology.h"

/* The test's own view of the machine, computed independently of the
 * library: the usable cpuset (allowed by hwloc, and in the process's
 * binding) and the usable part of each core that has some of it. */
typedef struct expected_topo {
    hwloc_topology_t topo;
    int ncores;
    hwloc_bitmap_t cores[1024];
} expected_topo;

static void expected_load(expected_topo *e)
{
    cr_assert_eq(hwloc_topology_init(&e->topo), 0);
    cr_assert_eq(hwloc_topology_load(e->topo), 0);
    hwloc_bitmap_t usable = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(e->topo));
    hwloc_bitmap_t bound = hwloc_bitmap_alloc();
    if (hwloc_get_cpubind(e->topo, bound, HWLOC_CPUBIND_PROCESS) == 0 &&
        hwloc_bitmap_intersects(bound, usable))
        hwloc_bitmap_and(usable, usable, bound);
    hwloc_obj_type_t types[2] = { HWLOC_OBJ_CORE, HWLOC_OBJ_PU };
    e->ncores = 0;
    for (int t = 0; t < 2 && e->ncores == 0; t++) {
        int n = hwloc_get_nbobjs_by_type(e->topo, types[t]);
        for (int i = 0; i < n && e->ncores < 1024; i++) {
            hwloc_obj_t o = hwloc_get_obj_by_type(e->topo, types[t], (unsigned)i);
            if (!hwloc_bitmap_intersects(o->cpuset, usable)) continue;
            hwloc_bitmap_t s = hwloc_bitmap_alloc();
            hwloc_bitmap_and(s, o->cpuset, usable);
            e->cores[e->ncores++] = s;
        }
    }
    hwloc_bitmap_free(usable);
    hwloc_bitmap_free(bound);
}

/* The calling thread's affinity (sched_getaffinity), as an hwloc bitmap. */
static hwloc_bitmap_t current_affinity(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
    hwloc_bitmap_t b = hwloc_bitmap_alloc();
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &set)) hwloc_bitmap_set(b, (unsigned)cpu);
    return b;
}

/* Asserts that the calling thread runs on exactly one PU, of core `core`. */
static void expect_on_core(const expected_topo *e, int core, int index)
{
    hwloc_bitmap_t aff = current_affinity();
    char *a = NULL, *c = NULL;
    hwloc_bitmap_asprintf(&a, aff);
    hwloc_bitmap_asprintf(&c, e->cores[core]);
    cr_expect_eq(hwloc_bitmap_weight(aff), 1, "pin_self(%d): affinity %s is not one PU",
                 index, a);
    cr_expect(hwloc_bitmap_isincluded(aff, e->cores[core]),
              "pin_self(%d): affinity %s not within core %d's PUs %s", index, a, core, c);
    free(a);
    free(c);
    hwloc_bitmap_free(aff);
}

Test(topology, num_cores_matches_hwloc)
{
    expected_topo e;
    expected_load(&e);
    int n = weft__topology_num_cores();
    cr_expect_geq(n, 1);
    cr_expect_eq(n, e.ncores, "library says %d cores, hwloc %d", n, e.ncores);
    cr_expect_eq(weft__topology_num_cores(), n, "not stable across calls");
}

Test(topology, pin_zero)
{
    expected_topo e;
    expected_load(&e);
    cr_assert_eq(weft__topology_pin_self(0), 0);
    expect_on_core(&e, 0, 0);
}

Test(topology, pin_every_core)
{
    expected_topo e;
    expected_load(&e);
    for (int i = 0; i < e.ncores; i++) {
        cr_assert_eq(weft__topology_pin_self(i), 0, "pin_self(%d)", i);
        expect_on_core(&e, i, i);
    }
}

Test(topology, pin_out_of_range_wraps)
{
    expected_topo e;
    expected_load(&e);
    int n = e.ncores;
    int idx[] = { n, n + 1, 2 * n + 1, 7 * n + n - 1, -1, -n - 1, INT_MAX, INT_MIN };
    for (size_t k = 0; k < sizeof idx / sizeof idx[0]; k++) {
        int i = idx[k];
        int core = (int)((((long)i % n) + n) % n);
        cr_assert_eq(weft__topology_pin_self(i), 0, "pin_self(%d)", i);
        expect_on_core(&e, core, i);
    }
}

/* The second round of indices goes to a core's second PU when it has one. */
Test(topology, second_round_spreads_over_hyperthreads)
{
    expected_topo e;
    expected_load(&e);
    int n = e.ncores;
    for (int core = 0; core < n; core++) {
        cr_assert_eq(weft__topology_pin_self(core), 0);
        hwloc_bitmap_t first = current_affinity();
        cr_assert_eq(weft__topology_pin_self(core + n), 0);
        hwloc_bitmap_t second = current_affinity();
        if (hwloc_bitmap_weight(e.cores[core]) >= 2)
            cr_expect(!hwloc_bitmap_isequal(first, second), "core %d: same PU twice", core);
        else
            cr_expect(hwloc_bitmap_isequal(first, second), "core %d has one PU", core);
        hwloc_bitmap_free(first);
        hwloc_bitmap_free(second);
    }
}

static expected_topo shared_e;
static int thread_bad[8];   /* failures seen by each pin_thread */

/* Thread body: pins itself 50 times, to indices arg, arg+1, ..., and counts
 * in thread_bad[arg] the pins that failed or left it off the core asked for.
 * Criterion's asserts stay on the test's own thread. */
static void *pin_thread(void *arg)
{
    int i = (int)(intptr_t)arg;
    for (int rep = 0; rep < 50; rep++) {
        int idx = i + rep;
        if (weft__topology_pin_self(idx) != 0) { thread_bad[i]++; continue; }
        cpu_set_t set;
        CPU_ZERO(&set);
        if (sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) != 1) {
            thread_bad[i]++;
            continue;
        }
        int cpu = -1;
        for (int c = 0; c < CPU_SETSIZE && cpu < 0; c++)
            if (CPU_ISSET(c, &set)) cpu = c;
        if (!hwloc_bitmap_isset(shared_e.cores[idx % shared_e.ncores], (unsigned)cpu))
            thread_bad[i]++;
    }
    return NULL;
}

/* Several threads load (first call) and pin at once. */
Test(topology, concurrent_first_use_and_pin)
{
    expected_load(&shared_e);
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, pin_thread, (void *)(intptr_t)i), 0);
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        cr_expect_eq(thread_bad[i], 0, "thread %d: %d bad pins", i, thread_bad[i]);
    }
    cr_expect_eq(weft__topology_num_cores(), shared_e.ncores);
}
