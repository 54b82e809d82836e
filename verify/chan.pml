/* chan.pml: the single-slot SPSC channels, both flavours.
 *
 * Mirrors (main as of 0f1ade5, with the pointer comments added):
 *   weft__chanp_try_send   flowvar/chan.c:25-39
 *   weft__chanp_try_recv   flowvar/chan.c:41-55
 *   weft__chanb_try_send   flowvar/chan.c:78-96
 *   weft__chanb_try_recv   flowvar/chan.c:98-113
 *   weft__chanb_is_full / weft__chanb_clear (the read-in-place path)
 *                          flowvar/chan.c:115-131
 *
 * One producer sends the values 1..NVAL through each channel, retrying while
 * the slot is full; one consumer receives until it has them all (chanb:
 * try_recv or is_full + read in place + clear, chosen nondeterministically).
 * The chanb payload is two bytes and a length, written by the producer as
 * plain stores before the release of `full`; the chanp payload is the
 * pointed-to object (box[p]) the producer fills before publishing p.
 *
 * Proves (safety, exhaustive): the value read is the value written (both
 * payload bytes and the length, never a torn or stale mix), every value is
 * read exactly once and in order (no double read, none skipped), and
 * neither side is left blocked (no invalid end state). With weak fairness
 * (-a -f): the consumer eventually has every value (ltl all_read).
 *
 * Modelled: each plain byte store and load is a step of its own; the
 * atomic flag's load and store are single steps; sequential consistency
 * everywhere except where a mutant says otherwise. A failed try (slot
 * full, or empty) blocks until the flag changes (a retry would read the
 * same state). Not modelled: the memcpy length clamp min(n, len) (the
 * consumer always asks for the full size).
 *
 * Mutants:
 *   -DMUT_RELAXED_SEND  chanb_try_send's store of bfull = 1 is relaxed, so
 *                       the payload stores may land after it
 *                       (nondeterministic order): a torn/stale read.
 *   -DMUT_EARLY_CLEAR   chanb_try_recv's reads of buf are not ordered before
 *                       the store bfull = 0 (a relaxed clear): the producer
 *                       overwrites bytes still being read (a wrong value).
 */
#ifndef NVAL
#define NVAL 3
#endif

/* chanb */
byte bfull = 0;
byte buf[2];
byte blen = 0;
/* chanp */
byte slot = 0;                      /* 0 = NULL: empty */
byte box[NVAL + 1];                 /* box[p]: what pointer p points to */

byte nb = 0, np = 0;                /* values received */

proctype bproducer()
{
    byte v = 1;
    do
    :: v > NVAL -> break
    :: else ->
        (bfull == 0);                /* acquire load: the slot is empty */
#ifdef MUT_RELAXED_SEND
        if
        :: buf[0] = v; buf[1] = v + 10; blen = 2; bfull = 1
        :: bfull = 1; buf[0] = v; buf[1] = v + 10; blen = 2
        :: buf[0] = v; bfull = 1; buf[1] = v + 10; blen = 2
        fi;
#else
        buf[0] = v; buf[1] = v + 10; blen = 2;
        bfull = 1;                   /* release */
#endif
        v++
    od
}

proctype bconsumer()
{
    byte a, b, l;
    do
    :: nb == NVAL -> break
    :: else ->
        (bfull != 0);                /* acquire load: full */
        if
        :: true ->                  /* weft__chanb_try_recv */
#ifdef MUT_EARLY_CLEAR
            bfull = 0;
#endif
            l = blen; a = buf[0]; b = buf[1];
#ifndef MUT_EARLY_CLEAR
            bfull = 0                /* release */
#endif
        :: true ->                  /* is_full, read in place, clear */
            l = blen; a = buf[0]; b = buf[1];
            bfull = 0                /* release (weft__chanb_clear) */
        fi;
        nb++;
        assert(l == 2 && a == nb && b == nb + 10)
    od
}

proctype pproducer()
{
    byte v = 1;
    do
    :: v > NVAL -> break
    :: else ->
        box[v] = v + 20;            /* fill the object, then publish it */
        (slot == 0);                /* acquire load: empty */
        slot = v;                   /* release */
        v++
    od
}

proctype pconsumer()
{
    byte p;
    do
    :: np == NVAL -> break
    :: else ->
        (slot != 0);                /* acquire load */
        p = slot;
        slot = 0;                   /* release */
        np++;
        assert(p == np && box[p] == p + 20)
    od
}

init {
    atomic { run bproducer(); run bconsumer(); run pproducer(); run pconsumer() }
}

ltl all_read { <> (nb == NVAL && np == NVAL) }
