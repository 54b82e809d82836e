/* notifier.pml: the futex eventcount's two-phase park against notify.
 *
 * Mirrors (main as of 0f1ade5, with the pointer comments added):
 *   weft__notifier_prepare_park   runtime/parking/notifier.c:36-49
 *   weft__notifier_cancel_park    runtime/parking/notifier.c:51-59
 *   weft__notifier_park           runtime/parking/notifier.c:62-73
 *   weft__notifier_notify         runtime/parking/notifier.c:96-109
 * and the caller's protocol of runtime/parking/notifier.h:3-6 (prepare,
 * re-check the condition, park; publish, notify).
 *
 * NPARK parkers each wait for the condition "go == NNOT"; NNOT notifiers each
 * publish one step (go++) and call notify. Every parker must see the final
 * condition and finish.
 *
 * Proves: no lost wake-up and no deadlock (safety: no invalid end state, i.e.
 * no parker left asleep in FUTEX_WAIT once all notifies are done; the
 * assertion that waiters never underflows), and with weak fairness that
 * every parker eventually finishes (ltl all_done, run with -a -f).
 *
 * Modelled: the futex as one atomic compare-and-sleep (FUTEX_WAIT puts the
 * thread to sleep only if epoch == ticket, under the bucket lock) and a
 * FUTEX_WAKE that wakes every sleeper; park's loop over spurious returns
 * (a sleeper may also return spuriously: the FUTEX_WAIT step may return
 * without sleeping even when the word matches); seq_cst as Promela's
 * sequential consistency. The epoch wraps modulo 256 (the C word wraps at
 * 2^32; with at most NNOT notifies no ticket is fooled either way).
 * Not modelled: park_timeout (a timeout is one more way out of the wait, it
 * cannot lose a wake-up), EINTR (same as a spurious return).
 *
 * Mutants (each must be rejected by spin; verify.sh runs them):
 *   -DMUT_NO_RECHECK     the parker does not re-check its condition between
 *                        prepare_park and park: lost wake-up (deadlock).
 *   -DMUT_RELAXED_LOAD   notify's waiters load is relaxed, so it may be
 *                        performed before the epoch bump (and before the
 *                        publish, which a relaxed load may pass too; the
 *                        order is a nondeterministic choice): notify skips the FUTEX_WAKE for a waiter
 *                        that registered in between: lost wake-up.
 */
#ifndef NPARK
#define NPARK 3
#endif
#ifndef NNOT
#define NNOT 2
#endif

byte epoch = 0;            /* the futex word */
byte waiters = 0;
byte go = 0;               /* the published condition */
bool asleep[NPARK];        /* queued in FUTEX_WAIT */
byte finished = 0;

/* FUTEX_WAKE_PRIVATE, INT_MAX: wakes every queued sleeper. */
inline futex_wake_all() {
    d_step { i = 0; do :: i < NPARK -> asleep[i] = false; i++ :: else -> break od; i = 0 }
}

inline notify() {
    epoch = epoch + 1;                /* W2: seq_cst fetch_add */
#ifdef MUT_RELAXED_LOAD
    if :: !early -> w = waiters :: else -> skip fi;
#else
    w = waiters;                      /* R2: seq_cst load */
#endif
    if
    :: w != 0 -> futex_wake_all()
    :: else -> skip
    fi
}

proctype parker(byte me)
{
    byte t;
    do
    :: go == NNOT -> break            /* the caller's first look */
    :: else ->
        waiters++;                    /* W1: prepare_park, seq_cst fetch_add */
        t = epoch;                    /* R1: seq_cst load, the ticket */
#ifndef MUT_NO_RECHECK
        if
        :: go == NNOT ->              /* re-check: found, cancel_park */
            assert(waiters > 0); waiters--; break
        :: else -> skip
        fi;
#endif
        /* park(n, t): while (epoch == t) futex_wait(epoch, t) */
        do
        :: epoch == t ->
            if
            :: atomic { epoch == t -> asleep[me] = true }; !asleep[me]
            :: skip                   /* EAGAIN (word moved) or spurious */
            fi
        :: else -> break
        od;
        assert(waiters > 0); waiters--   /* park ends the registration */
    od;
    finished++
}

proctype notifier()
{
    byte w, i;
#ifdef MUT_RELAXED_LOAD
    bool early;
    if
    :: w = waiters; early = true      /* the relaxed load, hoisted above */
    :: early = false                  /* the bump and the publish */
    fi;
#endif
    go++;                             /* publish the work */
    notify()
}

init {
    byte k;
    atomic {
        k = 0; do :: k < NPARK -> run parker(k); k++ :: else -> break od;
        k = 0; do :: k < NNOT -> run notifier(); k++ :: else -> break od
    }
}

ltl all_done { <> (finished == NPARK) }
