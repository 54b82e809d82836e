/* Machine topology through hwloc: how many cores, and pinning a thread.
 *
 * The topology is loaded once, on the first call of either function
 * (pthread_once), and kept for the life of the process. The usable cores are
 * those with a processing unit (PU) in hwloc's allowed cpuset that is also in
 * the process's CPU binding at that first call, so `taskset` and cgroup
 * cpusets are honoured. */
#ifndef WEFT_RUNTIME_TOPOLOGY_H
#define WEFT_RUNTIME_TOPOLOGY_H

/* Number of physical cores the process may run on (at least 1). Falls back to
 * the number of usable PUs when hwloc sees no cores, and to sysconf's count
 * of online processors when hwloc fails. Cached after the first call;
 * thread-safe. */
int weft__topology_num_cores(void);

/* Pins the calling thread to one PU of core `index` (taken modulo the core
 * count; any int, negative included). The first round of indices
 * (0..cores-1) takes each core's first usable PU; index + cores takes its
 * second PU, if it has one, and so on, so more workers than cores spread over
 * the hyperthreads. Thread-safe. Returns 0 on success, -1 when the system
 * refused or hwloc is unavailable (the thread then runs unpinned; the caller
 * may report it). Never aborts. */
int weft__topology_pin_self(int index);

#endif
