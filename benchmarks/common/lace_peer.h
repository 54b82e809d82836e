/* lace_peer.h: what the Lace peers (NAME_lace.c, built when LACE_DIR names
 * a checkout of Lace 1.4.2; benchmarks/bench.mk) share. Include after lace.h
 * and bench.h, in the one file of the program (Lace's TASK macros define
 * functions with external linkage).
 *
 * A peer starts Lace with bench_threads() workers before the clock and runs
 * its root task with RUN from main, which is not a Lace worker: main sleeps
 * on a semaphore while the workers compute, so 1 worker means one thread
 * computing, as for the other runtimes. time_s covers the RUN only. */
#ifndef WEFT_BENCH_LACE_PEER_H
#define WEFT_BENCH_LACE_PEER_H

/* An empty task, run once so that the workers are up before the clock. */
VOID_TASK_0(bench_lace_nop)
{
}

/* Starts Lace with bench_threads() workers, each with Lace's default deque
 * (100,000 tasks, reserved with mmap and touched as used), and waits until
 * they run tasks. Returns the worker count. Stop with lace_stop(). */
static inline int bench_lace_start(void)
{
    int threads = bench_threads();
    lace_start((unsigned int)threads, 0);
    RUN(bench_lace_nop);
    return threads;
}

#endif
