/* Machine topology through hwloc: how many cores, and pinning a thread. */
#ifndef WEFT_RUNTIME_TOPOLOGY_H
#define WEFT_RUNTIME_TOPOLOGY_H

/* Number of physical cores the process may run on (at least 1). Falls back to
 * the number of online processing units when hwloc sees no cores. Cached
 * after the first call; thread-safe. */
int weft__topology_num_cores(void);

/* Pins the calling thread to core `index` (taken modulo the core count).
 * Returns 0 on success, -1 when the system refused (the thread then runs
 * unpinned; the caller may report it). */
int weft__topology_pin_self(int index);

#endif
