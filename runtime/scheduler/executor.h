/* The executor's hook into the scheduler (executor.c; the public API is in
 * include/weft.h, "executor"). */
#ifndef WEFT_RUNTIME_EXECUTOR_H
#define WEFT_RUNTIME_EXECUTOR_H

#include <stdbool.h>
#include "runtime/scheduler/worker.h"

/* Worker w takes the oldest submitted job, if there is one, and pushes it
 * on its deque as a detached task (answering waiting thieves and feeding
 * waiting children, so the job may be shipped at once). Returns true when
 * it took one, and also when jobs wait but another worker is taking one at
 * this moment (the caller looks again at once: the lock is held for one
 * try_recv). Takes
 * nothing when no executor runs, or when w is WAITING at its parent (a
 * WAITING worker's deque stays empty: weft_sync_root's quiescence rests on
 * it). Called by weft__idle_round after registering on w's notifier, and
 * by weft_load_balance when children wait at w and nothing is pending. */
bool weft__exec_take(weft__worker *w);

#endif
