/* Machine topology through hwloc: the cores this process may use, found once
 * and cached, and pinning the calling thread to one of them. Contracts in
 * topology.h. */
#include "runtime/topology/topology.h"

#include <hwloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* Filled once by weft__topology_load, read-only afterwards. */
static pthread_once_t weft__topology_once = PTHREAD_ONCE_INIT;
static hwloc_topology_t weft__topology;       /* NULL when hwloc failed */
static hwloc_bitmap_t *weft__topology_cores;  /* usable PUs of each core */
static int weft__topology_ncores = 1;

/* How many processors sysconf says are online, at least 1: the count when
 * hwloc gives us nothing. */
static int weft__topology_sysconf_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) return 1;
    return n > 1 << 20 ? 1 << 20 : (int)n;
}

/* Records, in weft__topology_cores, the usable part of every object of
 * `type` that has some usable PU; returns how many (0: none, or no memory). */
static int weft__topology_collect(hwloc_obj_type_t type, hwloc_const_bitmap_t usable)
{
    int n = 0;
    hwloc_obj_t o = NULL;
    while ((o = hwloc_get_next_obj_by_type(weft__topology, type, o)) != NULL)
        if (o->cpuset != NULL && hwloc_bitmap_intersects(o->cpuset, usable)) n++;
    if (n == 0) return 0;
    weft__topology_cores = calloc((size_t)n, sizeof *weft__topology_cores);
    if (weft__topology_cores == NULL) return 0;
    int i = 0;
    while ((o = hwloc_get_next_obj_by_type(weft__topology, type, o)) != NULL && i < n) {
        if (o->cpuset == NULL || !hwloc_bitmap_intersects(o->cpuset, usable)) continue;
        hwloc_bitmap_t s = hwloc_bitmap_alloc();
        if (s == NULL || hwloc_bitmap_and(s, o->cpuset, usable) < 0) {
            hwloc_bitmap_free(s);
            while (i > 0) hwloc_bitmap_free(weft__topology_cores[--i]);
            free(weft__topology_cores);
            weft__topology_cores = NULL;
            return 0;
        }
        weft__topology_cores[i++] = s;
    }
    return i;
}

/* Runs once (pthread_once): loads the topology and works out the usable
 * cores: those with a PU in the allowed cpuset that is also in the process's
 * binding at that moment (so `taskset` is honoured). Falls back to PUs when
 * hwloc reports no cores, and to sysconf without pinning when hwloc fails. */
static void weft__topology_load(void)
{
    weft__topology_ncores = weft__topology_sysconf_count();
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) < 0) return;
    if (hwloc_topology_load(t) < 0) {
        hwloc_topology_destroy(t);
        return;
    }
    weft__topology = t;

    hwloc_bitmap_t usable = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(t));
    hwloc_bitmap_t bound = hwloc_bitmap_alloc();
    if (usable == NULL || bound == NULL) goto fail;
    if (hwloc_get_cpubind(t, bound, HWLOC_CPUBIND_PROCESS) == 0 &&
        hwloc_bitmap_intersects(bound, usable))
        hwloc_bitmap_and(usable, usable, bound);

    int n = weft__topology_collect(HWLOC_OBJ_CORE, usable);
    if (n == 0) n = weft__topology_collect(HWLOC_OBJ_PU, usable);
    if (n == 0) goto fail;
    weft__topology_ncores = n;
    hwloc_bitmap_free(usable);
    hwloc_bitmap_free(bound);
    return;

fail:
    /* Keep the sysconf count; pinning then reports failure. */
    hwloc_bitmap_free(usable);
    hwloc_bitmap_free(bound);
    weft__topology_cores = NULL;
    weft__topology = NULL;
    hwloc_topology_destroy(t);
}

int weft__topology_num_cores(void)
{
    pthread_once(&weft__topology_once, weft__topology_load);
    return weft__topology_ncores;
}

/* Pins to one PU of core `index % n`: the ((index / n) % k)-th of its k usable
 * PUs, so that a first round of workers (index < n) takes the first PU of
 * every core and further rounds spread over the hyperthreads instead of
 * piling onto the same PU. */
int weft__topology_pin_self(int index)
{
    pthread_once(&weft__topology_once, weft__topology_load);
    if (weft__topology == NULL || weft__topology_cores == NULL) return -1;
    long n = weft__topology_ncores;
    long i = index;
    long core = ((i % n) + n) % n;
    long round = i >= 0 ? i / n : 0;
    hwloc_const_bitmap_t pus = weft__topology_cores[core];
    int k = hwloc_bitmap_weight(pus);
    if (k <= 0) return -1;
    int pu = hwloc_bitmap_first(pus);
    for (long skip = round % k; skip > 0; skip--) pu = hwloc_bitmap_next(pus, pu);
    if (pu < 0) return -1;

    hwloc_bitmap_t one = hwloc_bitmap_alloc();
    if (one == NULL) return -1;
    int rc = -1;
    if (hwloc_bitmap_only(one, (unsigned)pu) == 0 &&
        hwloc_set_cpubind(weft__topology, one, HWLOC_CPUBIND_THREAD) == 0)
        rc = 0;
    hwloc_bitmap_free(one);
    return rc;
}
