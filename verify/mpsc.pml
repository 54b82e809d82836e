/* mpsc.pml: the intrusive MPSC channel (Vyukov's queue with a stub node).
 *
 * Mirrors (main as of 0f1ade5, with the pointer comments added):
 *   weft__mpsc_link           runtime/channels/mpsc.c:54-74
 *   weft__mpsc_send           runtime/channels/mpsc.c:76-85
 *   weft__mpsc_send_batch     runtime/channels/mpsc.c:87-96
 *   weft__mpsc_take           runtime/channels/mpsc.c:99-155
 *   weft__mpsc_try_recv       runtime/channels/mpsc.c:157-166
 *   weft__mpsc_try_recv_batch runtime/channels/mpsc.c:168-199
 *
 * NPROD producers each send MSGS messages (the first one with send, the
 * next pairs as one pre-linked chain with send_batch); one consumer takes
 * them with try_recv or try_recv_batch(max 2), chosen nondeterministically
 * at every call, until it has all of them.
 *
 * Proves (safety, exhaustive): every message is received exactly once
 * (assertion on a duplicate; assertion at the end when the channel is
 * empty, every producer is done and a message is missing), in its
 * producer's order (each producer's sequence numbers arrive as 0, 1, 2..),
 * with the payload the producer wrote before sending; no producer writes a
 * node's `next` after the consumer took it (the header's "the user may
 * reuse it at once"); the consumer's wait at a cut always ends (no invalid
 * end state). With weak fairness (-a -f): the consumer eventually has every
 * message (ltl all_received).
 *
 * Modelled: node 0 is NULL, node 1 the stub, nodes 2.. the messages; the
 * exchange on tail is one atomic step, every other access a step of its own;
 * the consumer's spin at a cut is a blocking wait for the link (the spin
 * loop only re-reads); an empty try_recv blocks the consumer until a link
 * store or the last producer's end could change the answer (a retry in
 * between would read the same state). Orders: sequential consistency. The
 * acquire/release pairs the proof needs are the link store (release) with
 * the consumer's loads of next (acquire): the payload and the chain's inner
 * links are visible with the node. Not modelled: the approximate count
 * (a hint only, it carries no data); node reuse after the take (each
 * message is sent once; the `taken` assertion covers what reuse needs).
 *
 * Mutants:
 *   -DMUT_RELAXED_LINK  the link store is relaxed, so the producer's payload
 *                       write may land after it (nondeterministic order):
 *                       the consumer reads a stale payload (assertion).
 *   -DMUT_NO_STUB_WAIT  after putting the stub behind the last node, the
 *                       consumer assumes the stub is that node's successor
 *                       instead of re-loading next: a producer that swapped
 *                       tail in between has its node dropped (assertion:
 *                       a message lost, or out of its producer's order).
 */
#ifndef NPROD
#define NPROD 2
#endif
#ifndef MSGS
#define MSGS 3                     /* per producer: 1 single, then pairs */
#endif
#define NIL  0
#define STUB 1
#define NNODE (2 + NPROD * MSGS)
#define TOTAL (NPROD * MSGS)
#define NODE(p, k) (2 + (p) * MSGS + (k))
#define PROD(n)    (((n) - 2) / MSGS)
#define SEQ(n)     (((n) - 2) % MSGS)
#define VAL(n)     (100 + (n))     /* the payload a producer writes */

byte next[NNODE];
byte val[NNODE];
bool taken[NNODE];
byte tail = STUB;
byte head = STUB;                  /* consumer only */
byte pdone = 0;
byte received = 0;

/* weft__mpsc_link(first, last), by a producer or by the consumer (stub). */
inline link(first, last) {
    next[last] = NIL;                              /* relaxed */
    atomic { prev = tail; tail = last };           /* exchange, acq_rel */
    assert(prev == STUB || !taken[prev]);          /* nobody writes a taken node */
    next[prev] = first                             /* release */
}

proctype producer(byte p)
{
    byte k = 0, prev, f, l;
    do
    :: k >= MSGS -> break
    :: k == 0 ->                                   /* weft__mpsc_send */
        f = NODE(p, 0);
#ifdef MUT_RELAXED_LINK
        if
        :: val[f] = VAL(f); link(f, f)
        :: link(f, f); val[f] = VAL(f)             /* payload after the link */
        fi;
#else
        val[f] = VAL(f);
        link(f, f);
#endif
        k = 1
    :: k > 0 && k < MSGS ->                        /* weft__mpsc_send_batch */
        f = NODE(p, k);
        if :: k + 1 < MSGS -> l = NODE(p, k + 1) :: else -> l = f fi;
        val[f] = VAL(f);
        next[f] = l;                               /* the caller's chain */
#ifdef MUT_RELAXED_LINK
        if
        :: val[l] = VAL(l); link(f, l)
        :: link(f, l); val[l] = VAL(l)
        fi;
#else
        val[l] = VAL(l);
        link(f, l);
#endif
        k = k + 2
    od;
    pdone++
}

/* weft__mpsc_take(wait): sets got to the node taken, or NIL. (A one-pass
 * do-loop stands for the C function's early returns.) */
inline take(wait) {
    got = NIL;
    do
    :: true ->
        h = head;
        nx = next[h];                              /* acquire */
        if
        :: h == STUB && nx == NIL -> break         /* empty, or first send in flight */
        :: h == STUB && nx != NIL -> head = nx; h = nx; nx = next[h]
        :: else -> skip
        fi;
        if
        :: nx != NIL -> head = nx; got = h; break
        :: else -> skip
        fi;
        t = tail;                                  /* relaxed */
        if
        :: t != h && !wait -> break                /* a cut: a link is coming */
        :: t != h && wait ->
            (next[h] != NIL); nx = next[h]; head = nx; got = h; break
        :: else -> skip
        fi;
        link(STUB, STUB);                          /* the stub behind the last node */
#ifdef MUT_NO_STUB_WAIT
        nx = STUB;
#else
        nx = next[h];
        if
        :: nx == NIL && !wait -> break
        :: nx == NIL && wait -> (next[h] != NIL); nx = next[h]
        :: else -> skip
        fi;
#endif
        head = nx; got = h; break
    od
}

/* What the consumer checks on every node it takes. */
inline accept(n) {
    assert(n >= 2 && n < NNODE);
    assert(!taken[n]);                             /* no duplicate */
    taken[n] = true;
    assert(val[n] == VAL(n));                      /* the payload written before the send */
    assert(SEQ(n) == last[PROD(n)]);               /* the producer's order, no gap */
    last[PROD(n)]++;
    received++
}

proctype consumer()
{
    byte h, nx, t, got, prev, n, g;
    byte last[NPROD];
    bool wait;
    do
    :: received == TOTAL -> break
    :: else ->
        n = 0;
        if
        :: take(true);                             /* weft__mpsc_try_recv */
           if :: got != NIL -> accept(got); n = 1 :: else -> skip fi
        :: take(true);                             /* weft__mpsc_try_recv_batch, max 2 */
           if
           :: got != NIL ->
               g = got; accept(g); n = 1;
               take(false);
               if :: got != NIL -> accept(got); n = 2 :: else -> skip fi
           :: else -> skip
           fi
        fi;
        if
        :: n == 0 ->
            /* empty: only a link into the stub or the producers' end changes that */
            (next[head] != NIL || pdone == NPROD);
            if
            :: next[head] == NIL && pdone == NPROD ->
                assert(received == TOTAL)          /* all producers done: nothing lost */
            :: else -> skip
            fi
        :: else -> skip
        fi
    od
}

init {
    byte p;
    atomic {
        p = 0; do :: p < NPROD -> run producer(p); p++ :: else -> break od;
        run consumer()
    }
}

ltl all_received { <> (received == TOTAL) }
