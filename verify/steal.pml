/* steal.pml: the steal-request protocol, work sharing with WAITING
 * children, and the root's termination check, with 3 workers.
 *
 * Mirrors (main as of b95cacd):
 *   weft__send_req_to          runtime/scheduler/steal.c:17-24
 *   ship, share_of             runtime/scheduler/steal.c:31-57
 *   weft__share_with_children  runtime/scheduler/steal.c:59-69
 *   relay_or_return            runtime/scheduler/steal.c:71-83
 *   weft__handle_requests      runtime/scheduler/steal.c:85-112
 *   weft__send_request         runtime/scheduler/steal.c:114-134
 *   weft__receive              runtime/scheduler/steal.c:163-183
 *   deliver, weft__run_top     runtime/scheduler/run.c:28-85
 *   weft__idle_round           runtime/scheduler/run.c:87-152
 *   weft__spawn_slow           runtime/scheduler/run.c:154-180 (its request handling)
 *   work_until_full, weft__sync_slow  runtime/scheduler/run.c:206-266
 *   weft_sync_root             runtime/scheduler/run.c:295-311
 *   worker_main, weft_exit     runtime/scheduler/init.c:50-64, weft_exit
 *
 * The program: worker 0 (the root; workers 1 and 2 are its children in the
 * worker tree) spawns two flowvar tasks T0 and T1, syncs T1 then T0, then
 * calls weft_sync_root and weft_exit. T0, when it runs (anywhere), spawns a
 * detached task T2 on the worker running it, so work can sit at a child
 * while the root reaches its quiescence check. Workers 1 and 2 run
 * worker_main: run_top, else an idle round that may go WAITING.
 *
 * Proves (safety, exhaustive): no task lost or run twice (each runs exactly
 * once: an assertion at run time, and at the root's return from
 * weft_sync_root every task has run and no deque or mailbox holds one: the
 * quiescence check is never fooled); both children are then WAITING at the
 * root; a request is in one place at a time (the ghost counter `away`:
 * its owner never reuses it, nor gets an answer, while a victim, a channel
 * or a parent still holds it); a shipment never finds the thief's mailbox
 * full (the abort in ship); nobody is left asleep (no invalid end state:
 * every park is ended by a notify from whoever holds the request, a
 * delivery, or weft_exit). With weak fairness (-a -f): the root eventually
 * returns and exits (ltl root_returns), so every request comes back to its
 * owner or is answered (the children's WAITING state needs their request
 * back from both other workers).
 *
 * Abstractions: a deque is the set of its pending task ids (ship takes the
 * oldest = lowest id, run_top the newest = highest; one task per request,
 * half, (p+1)/2, when sharing with a child); a request's adaptive `half` flag
 * is not modelled (at this size half of what a victim has is one task but
 * for a three-task deque). The MPSC request channels are Promela FIFO
 * channels, the mailbox a one-slot variable, the notifier an event flag
 * (prepare clears it, notify sets it, park blocks until set): the properties
 * models notifier.pml, mpsc.pml and chan.pml prove of the C code. A frame's
 * result slot is a ready flag (delivered by the thief, then notify). The
 * backoff is a nondeterministic choice at each idle round between "window
 * below the park size" (a timed wait: returns) and "at the park size"
 * (park with no timeout when the request is out), which covers every
 * sequence the real backoff takes. The relaxed request-count hint in spawn
 * may miss a request (nondeterministic). Each C step that touches shared
 * state (a channel, a mailbox, a notifier, a result flag, stop) is a
 * step of its own; worker-local work runs atomically with its neighbour.
 * Sequential consistency; the orders the channels need are proved in their
 * own models.
 *
 * Mutants:
 *   -DMUT_NO_MARK       relay_or_return forgets to mark tried workers (neither
 *                       itself nor the next victim leaves the untried set):
 *                       a request can circle forever, its thief never hears
 *                       "no work anywhere", never goes WAITING, and the root
 *                       never returns (liveness: acceptance cycle).
 *   -DMUT_NO_WAKE       weft__send_req_to does not notify the victim: a
 *                       relayed or returned request sits in the channel of a
 *                       parked worker (invalid end state).
 *   -DMUT_QUIESCE_EARLY weft_sync_root checks quiescence without first
 *                       receiving its mailbox: it returns while a shipped
 *                       task waits there, unrun (assertion).
 */
#define NW 3
#define NT 3
#define NONE 255
#define STEALING 0
#define WAITING 1
#define BIT(i) (1 << (i))
#define ALL 7

chan rq[NW] = [NW] of { byte };   /* each worker's request channel (MPSC) */
byte untried[NW];                 /* request r's untried set (bits) */
byte rstate[NW];                  /* request r's state */
byte away[NW];                    /* ghost: 1 while request r is not home */
bool req_out[NW], req_back[NW];   /* the owner's view of its request */
byte dq[NW];                      /* pending task ids (bits) of each deque */
byte mbox[NW];                    /* the mailbox: shipped task ids, 0 = empty */
bool sig[NW];                     /* the notifier: notified since prepare */
byte nwaiting = 0;                /* the root's waiting children (only the */
byte wlist[2];                    /* root has children with 3 workers) */
byte runs[NT];                    /* ghost: times each task ran */
bool ready[NT];                   /* T0, T1's result slots (flowvars) */
bool stop = false;
bool root_done = false;

#define nchildren(w) ((w) == 0 -> 2 : 0)
#define parent(w)    0

inline notify(no_v) { sig[no_v] = true }

/* weft__send_req_to: MPSC send, then notify the victim. */
inline send_req_to(se_v, se_r) {
    rq[se_v]!se_r;
#ifndef MUT_NO_WAKE
    notify(se_v)
#endif
}

/* ship(w, to, max) for request r: the oldest `max` pending tasks into to's
 * mailbox. Sets ok. */
inline ship(sh_w, sh_to, sh_max, sh_r) {
    atomic {
        ok = false;
        if
        :: dq[sh_w] == 0 -> skip
        :: else ->
            if
            :: dq[sh_w] & 1 -> set = 1
            :: else -> if :: dq[sh_w] & 2 -> set = 2 :: else -> set = 4 fi
            fi;
            if                                  /* a second one for (p+1)/2 of 3 */
            :: sh_max == 2 && (dq[sh_w] & ~set) != 0 && (dq[sh_w] & ~set) != (dq[sh_w] & ~set & -(dq[sh_w] & ~set)) ->
                set = set | ((dq[sh_w] & ~set) & -(dq[sh_w] & ~set))
            :: else -> skip
            fi;
            dq[sh_w] = dq[sh_w] & ~set;
            assert(mbox[sh_to] == 0);              /* the abort in ship */
            assert(away[sh_r] == 1);
            away[sh_r] = 0;                        /* the thief's again once sent */
            mbox[sh_to] = set;                     /* chanp_try_send, release */
            ok = true
        fi
    };
    if :: ok -> notify(sh_to) :: else -> skip fi
}

/* share_of(w, true): (p + 1) / 2 of p pending */
inline half_of(ha_w) {
    pend = (dq[ha_w] & 1) + ((dq[ha_w] >> 1) & 1) + ((dq[ha_w] >> 2) & 1);
    hmax = (pend + 1) / 2
}

/* weft__share_with_children */
inline share(sh_w) {
    do
    :: nwaiting > 0 ->
        c = wlist[nwaiting - 1];
        half_of(sh_w);
        ship(sh_w, c, hmax, c);
        if :: ok -> nwaiting-- :: else -> break fi
    :: else -> break
    od
}

/* relay_or_return */
inline relay_or_return(re_w, re_r) {
    atomic {
#ifndef MUT_NO_MARK
        untried[re_r] = untried[re_r] & ~BIT(re_w);
#endif
        if
        :: untried[re_r] == 0 -> v = re_r
        :: else ->
            if
            :: untried[re_r] & 1 -> v = 0
            :: untried[re_r] & 2 -> v = 1
            :: untried[re_r] & 4 -> v = 2
            fi;
#ifndef MUT_NO_MARK
            untried[re_r] = untried[re_r] & ~BIT(v)
#else
            skip
#endif
        fi
    };
    send_req_to(v, re_r)
}

/* weft__handle_requests: sets handled. */
inline handle_requests(ha_w) {
    handled = 0;
    do
    :: rq[ha_w]?r ->                               /* mpsc_try_recv, acquire */
        handled++;
        if
        :: r == ha_w ->                            /* my own, back: no work anywhere */
            atomic { assert(away[ha_w] == 1); away[ha_w] = 0; req_out[ha_w] = false; req_back[ha_w] = true }
        :: r != ha_w && rstate[r] == WAITING ->    /* a child going to sleep */
            wlist[nwaiting] = r; nwaiting++;
            share(ha_w)
        :: r != ha_w && rstate[r] == STEALING ->
            ship(ha_w, r, 1, r);
            if :: !ok -> relay_or_return(ha_w, r) :: else -> skip fi
        fi
    :: empty(rq[ha_w]) -> break
    od
}

/* weft__receive: sets rcv. */
inline receive(re_w) {
    atomic {
        rcv = false;
        if
        :: mbox[re_w] != 0 ->                      /* chanp_try_recv, acquire */
            assert(away[re_w] == 0);               /* nobody holds my request now */
            dq[re_w] = dq[re_w] | mbox[re_w]; mbox[re_w] = 0;
            req_out[re_w] = false; req_back[re_w] = false;
            rcv = true
        :: else -> skip
        fi
    };
    if :: rcv && nwaiting > 0 && re_w == 0 -> share(re_w) :: else -> skip fi
}

/* Runs task t on worker w, then delivers its result (deliver). */
inline run_task(ru_w, ru_t) {
    runs[ru_t]++;
    assert(runs[ru_t] == 1);                       /* never run twice */
    if
    :: ru_t == 0 ->                                /* T0 spawns the detached T2 */
        dq[ru_w] = dq[ru_w] | BIT(2);
        if                                      /* the spawn's request handling */
        :: (ru_w == 0 && nwaiting > 0) || nempty(rq[ru_w]) ->
            handle_requests(ru_w);
            if :: ru_w == 0 && nwaiting > 0 -> share(ru_w) :: else -> skip fi
        :: true -> skip                         /* the relaxed hint missed it */
        fi
    :: else -> skip
    fi;
    if
    :: ru_t < 2 -> ready[ru_t] = true;                /* chanb send (or DONE in place) */
        if :: ru_w != 0 -> notify(0) :: else -> skip fi
    :: else -> skip
    fi
}

/* weft__run_top: sets ran. */
inline run_top(ru_w) {
    if :: nempty(rq[ru_w]) -> handle_requests(ru_w) :: empty(rq[ru_w]) -> skip fi;
    if :: ru_w == 0 && nwaiting > 0 -> share(ru_w) :: else -> skip fi;
    ran = false;
    if
    :: dq[ru_w] != 0 ->
        atomic {
            if
            :: dq[ru_w] & 4 -> t = 2
            :: else -> if :: dq[ru_w] & 2 -> t = 1 :: else -> t = 0 fi
            fi;
            dq[ru_w] = dq[ru_w] & ~BIT(t)
        };
        run_task(ru_w, t);
        ran = true
    :: else -> skip
    fi
}

/* weft__send_request */
inline send_request(se_w) {
    atomic {
        assert(away[se_w] == 0);                   /* the request is mine to reuse */
        away[se_w] = 1;
        rstate[se_w] = STEALING;
        untried[se_w] = ALL & ~BIT(se_w);
        req_out[se_w] = true;
        if
        :: untried[se_w] & 1 -> v = 0
        :: untried[se_w] & 2 -> v = 1
        :: untried[se_w] & 4 -> v = 2
        fi;
        untried[se_w] = untried[se_w] & ~BIT(v)
    };
    send_req_to(v, se_w)
}

inline park(pa_w) { (sig[pa_w]) }

/* weft__idle_round(w, may_wait, watch) */
inline idle_round(id_w, id_may_wait, id_watch) {
    sig[id_w] = false;                             /* prepare_park */
    do
    :: true ->
        if :: id_watch != NONE && ready[id_watch] -> break :: else -> skip fi;
        handle_requests(id_w);
        receive(id_w);
        if :: rcv || stop -> break :: else -> skip fi;
        if :: handled > 0 -> break :: else -> skip fi;
        if :: req_out[id_w] && rstate[id_w] == WAITING -> park(id_w); break :: else -> skip fi;
        if
        :: req_back[id_w] ->
            req_back[id_w] = false;
            if
            :: id_may_wait && id_w != 0 && nwaiting == nchildren(id_w) ->
                atomic {
                    assert(away[id_w] == 0);
                    away[id_w] = 1;
                    rstate[id_w] = WAITING;
                    req_out[id_w] = true
                };
                send_req_to(parent(id_w), id_w);
                park(id_w); break
            :: else -> break                    /* a timed wait (park_timeout or a slot) */
            fi
        :: !req_back[id_w] && !req_out[id_w] ->
            send_request(id_w); break              /* poll for the answer next round */
        :: else -> skip
        fi;
        /* weft__backoff_wait, my request out */
        if
        :: park(id_w)                              /* at the park size */
        :: true                                 /* below it: a timed slot */
        fi;
        break
    od
}

proctype worker(byte me)
{
    byte r, v, c, set, t, pend, hmax, handled;
    bool ok, rcv, ran;
    do
    :: stop -> break
    :: !stop ->
        run_top(me);
        if :: !ran -> idle_round(me, true, NONE) :: else -> skip fi
    od
}

/* weft__sync_slow of flowvar task k on the root */
inline sync(sy_k) {
    if
    :: dq[0] & BIT(sy_k) -> dq[0] = dq[0] & ~BIT(sy_k); run_task(0, sy_k)
    :: else ->                                  /* STOLEN or DONE: work_until_full */
        do
        :: ready[sy_k] -> break
        :: !ready[sy_k] ->
            run_top(0);
            if :: !ran -> idle_round(0, false, sy_k) :: else -> skip fi
        od
    fi
}

/* weft_spawn of flowvar task k on the root: the fast path, or the slow one
 * when children wait (limit 0) or the request hint is seen. */
inline spawn(sp_k) {
    dq[0] = dq[0] | BIT(sp_k);
    if
    :: nwaiting > 0 || nempty(rq[0]) ->
        handle_requests(0);
        if :: nwaiting > 0 -> share(0) :: else -> skip fi
    :: nwaiting == 0 -> skip
    fi
}

proctype root()
{
    byte r, v, c, set, t, pend, hmax, handled;
    bool ok, rcv, ran;
    spawn(0);
    spawn(1);
    sync(1);
    sync(0);
    /* weft_sync_root */
    do
    :: true ->
        run_top(0);
        if :: ran -> goto again :: else -> skip fi;
        handle_requests(0);
#ifndef MUT_QUIESCE_EARLY
        receive(0);
        if :: rcv -> goto again :: else -> skip fi;
#endif
        if :: nwaiting == 2 && dq[0] == 0 -> break :: else -> skip fi;
        idle_round(0, false, NONE);
again:  skip
    od;
    /* the quiescence check was right */
    assert(runs[0] == 1 && runs[1] == 1 && runs[2] == 1);
    assert(dq[1] == 0 && dq[2] == 0 && mbox[0] == 0 && mbox[1] == 0 && mbox[2] == 0);
    assert(rstate[1] == WAITING && rstate[2] == WAITING && away[1] == 1 && away[2] == 1);
    /* weft_exit */
    stop = true;
    notify(0); notify(1); notify(2);
    root_done = true
}

init {
    atomic { run root(); run worker(1); run worker(2) }
}

ltl root_returns { <> root_done }
