/* steal.pml: the steal-request protocol, work sharing with WAITING
 * children, and the root's termination check, with 3 workers.
 *
 * Mirrors (main as of 0f1ade5, with the pointer comments added):
 *   weft__send_req_to          runtime/scheduler/steal.c:17-28
 *   ship, share_of             runtime/scheduler/steal.c:35-62
 *   weft__share_with_children  runtime/scheduler/steal.c:64-73
 *   relay_or_return            runtime/scheduler/steal.c:76-88
 *   weft__handle_requests      runtime/scheduler/steal.c:91-119
 *   weft__send_request         runtime/scheduler/steal.c:121-141
 *   weft__receive              runtime/scheduler/steal.c:170-191
 *   deliver, weft__run_top     runtime/scheduler/run.c:31-90
 *   weft__idle_round           runtime/scheduler/run.c:93-159
 *   weft__spawn_slow           runtime/scheduler/run.c:161-185 (its request handling)
 *   weft__work_until_full, weft__sync_slow  runtime/scheduler/run.c:208-217, 266-320
 *   weft_sync_root             runtime/scheduler/run.c:353-369
 *   worker_main, weft_exit     runtime/scheduler/init.c:50-61, 213-226
 *
 * The program: worker 0 (the root; workers 1 and 2 are its children in the
 * worker tree) spawns a flowvar task T0, syncs it, then calls weft_sync_root
 * and weft_exit. T0, when it runs (anywhere), spawns a detached task T1 on
 * the worker running it, so work can sit at a child while the root reaches
 * its quiescence check. Workers 1 and 2 run worker_main: run_top, else an
 * idle round that may go WAITING.
 *
 * Proves (safety, exhaustive): no task lost or run twice (each runs at most
 * once: an assertion at run time; at the root's return from weft_sync_root
 * both tasks have run, so no deque holds one, and no mailbox holds one: the
 * quiescence check is never fooled); both children are then WAITING at the
 * root; a request is in one place at a time (the ghost `away`: its owner
 * never reuses it, nor receives an answer, while a victim, a channel or a
 * parent still holds it); a request visits at most N-1 = 2 victims before it
 * goes back to its thief (the ghost `hops`); a shipment never finds the
 * thief's mailbox full (the abort in ship); nobody is left asleep (no
 * invalid end state: every park is ended by a notify from whoever holds the
 * request, a delivery, or weft_exit), so every request comes back to its
 * owner or is answered, and the root returns.
 * Not proved: termination under weak fairness alone. An adversarial
 * schedule can keep the root re-sending its request while a child relays it
 * inside one endless weft__handle_requests loop (in C the loop also takes
 * requests while any are waiting); the real backoff's timing ends that, the
 * model has no time. So this model has no ltl property.
 *
 * Abstractions: a deque is the set of its pending task ids (at most one is
 * pending per deque here, so ship's one-or-half is one task; the adaptive
 * `half` flag is not modelled). The MPSC request channels are Promela FIFO
 * channels, the mailbox a one-slot variable, the notifier an event flag
 * (prepare arms and clears it, notify sets it when armed, park blocks until
 * set): the properties notifier.pml, mpsc.pml and chan.pml prove of the C
 * code. T0's result slot is a ready flag (delivered by the thief, then
 * notify). The backoff is a nondeterministic choice at each idle round
 * between "window below the park size" (a timed wait: returns) and "at the
 * park size" (park with no timeout when the request is out), which covers
 * every sequence the real backoff takes. The relaxed request-count hint in
 * spawn may miss a request (nondeterministic).
 * Granularity: a worker's handling of one message (one request taken from
 * its channel, with the ship or relay it answers with, and its notify; or a
 * batch taken from its mailbox with the shares that follow) is one atomic
 * step; so is run_top (take the waiting requests, share, run one task to its
 * delivery). An idle round is three steps and a park: prepare plus the
 * watched-result re-check; the requests; receive, stop and the decision
 * (with the request it sends). Sequential consistency; the orders the
 * channels need are proved in their own models.
 *
 * Mutants:
 *   -DMUT_NO_MARK       relay_or_return forgets to mark tried workers (neither
 *                       itself nor the next victim leaves the untried set):
 *                       a request visits more than N-1 victims, here it is
 *                       relayed to the relaying worker itself (assertion on
 *                       hops; in C it would circle forever).
 *   -DMUT_NO_WAKE       weft__send_req_to does not notify the victim: a
 *                       request (or a returned one) sits in the channel of
 *                       a parked worker (invalid end state).
 *   -DMUT_QUIESCE_EARLY weft_sync_root checks quiescence without first
 *                       receiving its mailbox: it returns while a shipped
 *                       task waits there, unrun (assertion).
 */
#define NW 3
#define NT 2
#define NONE 255
#define STEALING 0
#define WAITING 1
#define BIT(i) (1 << (i))
#define ALL 7
#define LOWEST(x) ((x) & 1 -> 1 : ((x) & 2 -> 2 : 4))
#define NCHILDREN (me == 0 -> 2 : 0)
#define PARENT 0

/* Shared state. */
chan rq[NW] = [NW] of { byte };   /* each worker's request channel (MPSC) */
byte mbox[NW];                    /* the mailbox (chanp): shipped task ids, 0 = empty */
bool armed[NW];                   /* the notifier: between prepare and the end */
bool sig[NW];                     /* of the registration; notified since prepare */
bool ready[1];                    /* T0's result slot (a flowvar) */
bool stop = false;
bool root_done = false;
/* A request's fields, touched only by whoever holds the request. */
byte untried[NW];                 /* request r's untried set (bits) */
byte rstate[NW];                  /* request r's state */
/* Ghosts (checked, never decide anything). */
byte away[NW];                    /* 1 while request r is not home */
byte hops[NW];                    /* victims request r was sent to this round */
byte runs[NT];                    /* times each task ran */

/* Each worker's own state is local to its process (dq, req_out, req_back,
 * and for the root nwaiting, wlist); the inlines below use the caller's. */

/* A notify outside a registration is lost (it only moves the epoch past
 * tickets nobody holds); the flag is kept clear then, so it adds no states. */
inline notify(v_) { if :: armed[v_] -> sig[v_] = true :: else -> skip fi }

/* weft__send_req_to(v, r): the MPSC send, then notify the victim. (The
 * temporaries of every inline are reset once dead, so that stale values do
 * not multiply the states.) */
inline send_req_to(r_) {
    atomic {
        rq[v]!r_;
#ifndef MUT_NO_WAKE
        notify(v);
#endif
        v = 0
    }
}

/* ship(me, to, max) answering request rr: the oldest max pending tasks into
 * to's mailbox (chanp_try_send), then notify. Sets ok. */
inline ship(to_, max_, rr_) {
    atomic {
        ok = false;
        if
        :: dq == 0 -> skip
        :: else ->
            set = LOWEST(dq);                   /* at most one pending here */
            dq = dq & ~set;
            assert(mbox[to_] == 0);             /* the abort in ship */
            assert(away[rr_] == 1);
            away[rr_] = 0;                      /* the thief's again once sent */
            untried[rr_] = 0; hops[rr_] = 0;
            mbox[to_] = set;                    /* release */
            set = 0;
            ok = true
        fi
    };
    if :: ok -> notify(to_) :: else -> skip fi  /* the caller resets ok */
}

/* weft__share_with_children (share_of(w, true) = (p + 1) / 2) */
inline share() {
    do
    :: nwaiting > 0 ->
        c = wlist[nwaiting - 1];
        ship(c, 1, c);
        c = 0;
        if :: ok -> ok = false; nwaiting-- :: else -> break fi
    :: else -> break
    od
}

/* relay_or_return(me, request rr) */
inline relay_or_return(rr_) {
    atomic {
#ifndef MUT_NO_MARK
        untried[rr_] = untried[rr_] & ~BIT(me);
#endif
        if
        :: untried[rr_] == 0 -> v = rr_         /* tried by all: back to the thief */
        :: else ->
            if
            :: untried[rr_] & 1 -> v = 0
            :: untried[rr_] & 2 -> v = 1
            :: untried[rr_] & 4 -> v = 2
            fi;
#ifndef MUT_NO_MARK
            untried[rr_] = untried[rr_] & ~BIT(v)
#else
            skip
#endif
        fi;
        if
        :: v != rr_ -> hops[rr_]++;
            assert(hops[rr_] <= NW - 1)         /* back to the thief after N-1 tries */
        :: else -> skip
        fi;
        send_req_to(rr_)
    }
}

/* weft__handle_requests: sets handled. */
inline handle_requests() {
    handled = 0;
    do
    :: atomic { rq[me]?r -> handled = 1;       /* mpsc_try_recv, acquire */
        if
        :: r == me ->                           /* my own, back: no work anywhere */
            assert(away[me] == 1); away[me] = 0; req_out = false; req_back = true; r = 0;
            hops[me] = 0
        :: r != me && rstate[r] == WAITING ->   /* a child going to sleep: keep it */
            wlist[nwaiting] = r; nwaiting++; r = 0;
            share()
        :: r != me && rstate[r] == STEALING ->
            ship(r, 1, r);
            if :: !ok -> relay_or_return(r) :: else -> ok = false fi;
            r = 0
        fi }
    :: empty(rq[me]) -> break
    od
}

/* weft__receive: sets rcv. */
inline receive() {
    atomic {
        rcv = false;
        if
        :: mbox[me] != 0 ->                     /* chanp_try_recv, acquire */
            assert(away[me] == 0);              /* nobody holds my request now */
            dq = dq | mbox[me]; mbox[me] = 0;
            req_out = false; req_back = false;
            rcv = true
        :: else -> skip
        fi;
        if :: rcv && nwaiting > 0 -> share() :: else -> skip fi
    }
}

/* Runs task t on me, then delivers its result (deliver). */
inline run_task(t_) {
    runs[t_]++;
    assert(runs[t_] == 1);                      /* never run twice */
    if
    :: t_ == 0 ->                               /* T0 spawns the detached T1 */
        dq = dq | BIT(1);
        if                                      /* push_detached's request handling */
        :: nwaiting > 0 || nempty(rq[me]) ->
            handle_requests(); handled = 0;
            if :: nwaiting > 0 -> share() :: else -> skip fi
        :: true -> skip                         /* the relaxed hint missed it */
        fi
    :: else -> skip
    fi;
    if
    :: t_ == 0 -> ready[0] = true;              /* chanb send, or DONE in place */
        if :: me != 0 -> notify(0) :: else -> skip fi
    :: else -> skip
    fi
}

/* weft__run_top: sets ran. One step (see the header). */
inline run_top() {
    atomic {
        if :: nempty(rq[me]) -> handle_requests(); handled = 0 :: empty(rq[me]) -> skip fi;
        if :: nwaiting > 0 -> share() :: else -> skip fi;
        ran = false;
        if
        :: dq != 0 ->
            if :: dq & 2 -> t = 1 :: else -> t = 0 fi;
            dq = dq & ~BIT(t);
            ran = true;
            run_task(t);
            t = 0
        :: else -> skip
        fi
    }
}

/* weft__send_request (inside an atomic step of idle_round) */
inline send_request() {
    assert(away[me] == 0);                      /* the request is mine to reuse */
    away[me] = 1;
    rstate[me] = STEALING;
    untried[me] = ALL & ~BIT(me);
    req_out = true;
    if
    :: untried[me] & 1 -> v = 0
    :: untried[me] & 2 -> v = 1
    :: untried[me] & 4 -> v = 2
    fi;
    untried[me] = untried[me] & ~BIT(v);
    hops[me] = 1;
    send_req_to(me)
}

inline park() { (sig[me]) }

/* weft__idle_round(me, may_wait, watch): three steps and a park. */
inline idle_round(may_wait_, watch_) {
    atomic {
        armed[me] = true; sig[me] = false;      /* prepare_park */
        if                                      /* the watched result came */
        :: watch_ != NONE && ready[watch_] -> rcv = true
        :: else -> rcv = false
        fi
    };
    if
    :: !rcv ->
        handle_requests();                      /* one step per request */
        atomic {
            receive();
            if
            :: rcv || stop -> skip              /* cancel_park, return */
            :: !(rcv || stop) && handled != 0 -> skip
            :: !(rcv || stop) && handled == 0 && req_out && rstate[me] == WAITING ->
                park()                          /* asleep at my parent */
            :: !(rcv || stop) && handled == 0 && !(req_out && rstate[me] == WAITING) ->
                if
                :: req_back ->
                    req_back = false;
                    if
                    :: may_wait_ && me != 0 && nwaiting == NCHILDREN ->
                        assert(away[me] == 0);  /* go WAITING at my parent */
                        away[me] = 1;
                        rstate[me] = WAITING; hops[me] = 0;
                        req_out = true;
                        v = PARENT;
                        send_req_to(me);
                        park()
                    :: may_wait_ && me != 0 && nwaiting == NCHILDREN ->
                        skip                    /* window below WEFT_BACKOFF_TREE_LG: a slot, then ask again */
                    :: else -> skip             /* a timed wait (park_timeout or a slot) */
                    fi
                :: !req_back && !req_out ->
                    send_request()              /* poll for the answer next round */
                :: !req_back && req_out ->      /* weft__backoff_wait, my request out */
                    if
                    :: true -> park()           /* at the park size */
                    :: true -> skip             /* below it: a timed slot */
                    fi
                fi
            fi;
            rcv = false; handled = 0;
            armed[me] = false; sig[me] = false  /* the registration ends */
        }
    :: else -> atomic { rcv = false; armed[me] = false; sig[me] = false }
    fi
}

#define LOCALS \
    byte dq, nwaiting, r, v, c, set, t, handled; \
    byte wlist[2]; \
    bool req_out, req_back, ok, rcv, ran

proctype worker(byte me)
{
    LOCALS;
    do
    :: stop -> break
    :: !stop ->
        run_top();
        if :: !ran -> idle_round(true, NONE) :: else -> ran = false fi
    od
}

/* WEFT_SPAWN of the root's flowvar task k: the fast path, or the slow one
 * when children wait (limit 0) or the request hint is seen. */
inline spawn(k_) {
    dq = dq | BIT(k_);
    if
    :: nwaiting > 0 || nempty(rq[0]) ->
        handle_requests(); handled = 0;
        if :: nwaiting > 0 -> share() :: else -> skip fi
    :: nwaiting == 0 -> skip
    fi
}

/* The root's program, as one loop (one copy of run_top and idle_round, so
 * that the same state is not reached at many program counters): phase 0
 * syncs T0 (weft__sync_slow: run it if still pending here, else
 * weft__work_until_full on its result slot), phase 1 is weft_sync_root. */
proctype root()
{
    byte me = 0;
    LOCALS;
    byte phase = 0, k = 0, watch;
    do
    :: k < 1 -> spawn(k); k++
    :: else -> k = 0; break
    od;
    do
    :: true ->
        atomic {
            if
            :: phase == 0 -> k = 0
            :: else -> k = NONE
            fi;
            if                                  /* sync_slow: still pending here */
            :: k != NONE && (dq & BIT(k)) -> dq = dq & ~BIT(k); t = k
            :: else -> t = NONE
            fi
        };
        if
        :: t != NONE -> run_task(t); t = 0; phase++; k = 0
        :: else ->
            if
            :: k != NONE && ready[k] -> phase++; k = 0     /* work_until_full sees full */
            :: k != NONE && !ready[k] ->
                run_top();
                if :: !ran -> idle_round(false, k) :: else -> ran = false fi;
                k = 0
            :: k == NONE ->                     /* weft_sync_root */
                run_top();
                if
                :: !ran ->
                    handle_requests(); handled = 0;
#ifndef MUT_QUIESCE_EARLY
                    receive();
#else
                    rcv = false;
#endif
                    if
                    :: !rcv && nwaiting == 2 && dq == 0 -> break
                    :: !rcv && !(nwaiting == 2 && dq == 0) -> idle_round(false, NONE)
                    :: else -> rcv = false
                    fi
                :: else -> ran = false
                fi
            fi
        fi
    od;
    /* the quiescence check was right: every task ran, once (so no deque
     * holds one), no mailbox holds one, both children wait here */
    assert(runs[0] == 1 && runs[1] == 1);
    assert(mbox[0] == 0 && mbox[1] == 0 && mbox[2] == 0);
    assert(rstate[1] == WAITING && rstate[2] == WAITING && away[1] == 1 && away[2] == 1);
    stop = true;                                /* weft_exit */
    notify(0); notify(1); notify(2);
    root_done = true
}

init {
    atomic { run root(); run worker(1); run worker(2) }
}

