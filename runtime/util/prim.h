/* The low-level layer: the one monotonic clock, a cpu relax that builds on
 * every target, and the futex wrappers. Everything above the operating system
 * and the instruction set that weft touches goes through here, so a port to
 * another architecture or kernel changes this file and nothing else.
 *
 * Header only, static inline: the clock is read on the hot path of tracing
 * and adaptive stealing, and the relax sits in spin loops.
 */
#ifndef WEFT_RUNTIME_PRIM_H
#define WEFT_RUNTIME_PRIM_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Nanoseconds on CLOCK_MONOTONIC: the clock FUTEX_WAIT's timeouts measure
 * with, so a deadline taken here and a timed park agree. Any thread. */
static inline uint64_t weft__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One spin-wait hint to the core (x86 pause, Arm yield); on any other target
 * a compiler barrier only, so a spin loop still re-reads memory. */
static inline void weft__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* FUTEX_WAIT_PRIVATE on *word while it holds `expected`, for at most *rel
 * (NULL: no limit). Returns 0 when woken (or spuriously), otherwise the
 * errno: EAGAIN (the word no longer held expected), EINTR, ETIMEDOUT. The
 * kernel compares and sleeps under its bucket lock, which is what makes a
 * two-phase park (runtime/parking/notifier.c) free of lost wake-ups. */
static inline int weft__futex_wait(_Atomic uint32_t *word, uint32_t expected,
                                   const struct timespec *rel)
{
    long rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, rel, NULL, 0);
    return rc == 0 ? 0 : errno;
}

/* FUTEX_WAKE_PRIVATE: wakes every thread sleeping on *word. */
static inline void weft__futex_wake_all(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

#endif
