/* flow.pml: dataflow events, one atomic word per event iteration.
 *
 * Mirrors runtime/scheduler/flow.c:
 *   enlist                the registrant's load, then CAS of the slot
 *   weft_spawn_on_events  the record's count (n + 1), the registration loop
 *                         and the registrant's final fetch_sub
 *   trigger_slot          the exchange to TRIGGERED and the walk of the list
 *   satisfy               a triggerer's fetch_sub of the record's count
 *
 * Two events e0 and e1 (one slot each), three tasks: A waits on e0 and e1,
 * B on e0, C on e1 twice (a dependency named twice counts twice). One
 * registrant spawns A then C, another spawns B, while one triggerer fires
 * e0 and another e1, in every interleaving. A task that becomes ready is
 * pushed and, at once, run and freed (the worst case for a late access).
 *
 * Proves (safety, exhaustive): every task is pushed exactly once, only once
 * all its dependencies were triggered; no record is touched (its links, its
 * count) after it was freed; every slot ends TRIGGERED; nobody is left
 * blocked.
 *
 * Modelled: sequential consistency, each atomic (load, CAS, exchange,
 * fetch_sub) one step, each plain store of a link's next one step. The
 * memory orders are TSan's business (tests/stress/flow_dag.c, whose plain
 * flags TSan reports when the exchange and CAS are planted relaxed). Not
 * modelled: the loop's records (one link per iteration, no count: a link
 * found in a list is pushed, the same walk), references, the executor path.
 *
 * Mutants:
 *   -DMUT_BLIND_LINK  the registrant publishes its link with a plain store
 *                     after its load instead of a CAS: a trigger (or another
 *                     link) in between is overwritten, a task is lost.
 *   -DMUT_NO_HOLD     the record's count starts at n, without the
 *                     registration's own hold: the last trigger pushes (and
 *                     frees) the task while the registrant still walks its
 *                     links.
 *   -DMUT_FLAG_QUEUE  a flag and a separate list per event, as Weave has
 *                     them without its in/out counts: the registrant checks
 *                     the flag, then links; the trigger sets the flag, then
 *                     takes the list. A link added after the take is lost.
 */
#define TRIG 255
#define NT 3                        /* tasks A, B, C */
#define NL 5                        /* links 1..5 */

byte slot[2];                       /* 0, TRIG, or the newest link */
byte next[NL + 1];
byte count[NT];
byte pushed[NT];
bool freed[NT];
bool trig[2];                       /* ghost: the event was triggered */
#ifdef MUT_FLAG_QUEUE
bool flag[2];
#endif

/* Link k: its task and its event. A: 1 (e0), 2 (e1); B: 3 (e0); C: 4, 5 (e1). */
inline task_of(k, t) { if :: k <= 2 -> t = 0 :: k == 3 -> t = 1 :: else -> t = 2 fi }
inline event_of(k, e) { if :: k == 1 || k == 3 -> e = 0 :: else -> e = 1 fi }

inline push(t)
{
    atomic {
        assert(t != 0 || (trig[0] && trig[1]));
        assert(t != 1 || trig[0]);
        assert(t != 2 || trig[1]);
        pushed[t]++;
        freed[t] = true             /* run and freed at once */
    }
}

/* Registers task t's links lo..hi (its record is unpublished until then). */
inline register(t, lo, hi)
{
#ifdef MUT_NO_HOLD
    count[t] = hi - lo + 1;
    done = 0;
#else
    count[t] = hi - lo + 2;
    done = 1;                       /* the registration's own count */
#endif
    k = lo;
    do
    :: k > hi -> break
    :: else ->
        assert(!freed[t]);          /* the registrant still writes the record */
        event_of(k, e);
#ifdef MUT_FLAG_QUEUE
        if
        :: flag[e] -> done++
        :: else ->
            v = slot[e];
            do
            :: next[k] = v;
               atomic { if :: slot[e] == v -> slot[e] = k; break :: else -> v = slot[e] fi }
            od
        fi;
#else
        v = slot[e];                /* acquire load */
        do
        :: v == TRIG -> done++; break
        :: else ->
            next[k] = v;
#ifdef MUT_BLIND_LINK
            slot[e] = k; break
#else
            /* CAS, release on success, acquire on failure */
            atomic { if :: slot[e] == v -> slot[e] = k; break :: else -> v = slot[e] fi }
#endif
        od;
#endif
        k++
    od;
    /* fetch_sub(count, done), acq_rel: the one that reaches 0 pushes */
    atomic { assert(!freed[t]); count[t] = count[t] - done; c = count[t] };
    if
    :: c == 0 -> push(t)
    :: else -> skip
    fi
}

proctype registrant_ac()
{
    byte k, e, v, done, c;
    register(0, 1, 2);
    register(2, 4, 5)
}

proctype registrant_b()
{
    byte k, e, v, done, c;
    register(1, 3, 3)
}

proctype triggerer(byte e)
{
    byte v, k, t, c;
#ifdef MUT_FLAG_QUEUE
    atomic { flag[e] = true; trig[e] = true };
    atomic { v = slot[e]; slot[e] = 0 };   /* take the list */
#else
    /* exchange, acq_rel */
    atomic { v = slot[e]; slot[e] = TRIG; trig[e] = true };
#endif
    assert(v != TRIG);
    do
    :: v == 0 -> break
    :: else ->
        k = v;
        v = next[k];                /* before satisfy: the record may go */
        task_of(k, t);
        atomic { assert(!freed[t]); count[t]--; c = count[t] };
        if
        :: c == 0 -> push(t)
        :: else -> skip
        fi
    od
}

init {
    atomic {
        run registrant_ac();
        run registrant_b();
        run triggerer(0);
        run triggerer(1)
    };
    (_nr_pr == 1);
    assert(pushed[0] == 1 && pushed[1] == 1 && pushed[2] == 1);
#ifndef MUT_FLAG_QUEUE
    assert(slot[0] == TRIG && slot[1] == TRIG);
#endif
}
