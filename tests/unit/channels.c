/* Single-threaded contract tests of the channels: flowvar/chan.h (chanp,
 * chanb) and runtime/channels/mpsc.h. The concurrent behaviour is covered
 * by tests/stress/{spsc,mpsc}_stress.c. */
#include <criterion/criterion.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "flowvar/chan.h"
#include "runtime/channels/mpsc.h"

/* ---------------------------------------------------------------- chanp */

Test(chanp, starts_empty)
{
    weft__chanp ch;
    weft__chanp_init(&ch);
    cr_assert_not(weft__chanp_is_full(&ch));
    cr_assert_null(weft__chanp_try_recv(&ch));
}

Test(chanp, send_then_recv)
{
    weft__chanp ch;
    int x = 7;
    weft__chanp_init(&ch);
    cr_assert(weft__chanp_try_send(&ch, &x));
    cr_assert(weft__chanp_is_full(&ch));
    cr_assert_eq(weft__chanp_try_recv(&ch), &x);
    cr_assert_not(weft__chanp_is_full(&ch));
    cr_assert_null(weft__chanp_try_recv(&ch), "recv twice gave a pointer twice");
}

Test(chanp, send_on_full_fails_and_changes_nothing)
{
    weft__chanp ch;
    int a = 1, b = 2;
    weft__chanp_init(&ch);
    cr_assert(weft__chanp_try_send(&ch, &a));
    cr_assert_not(weft__chanp_try_send(&ch, &b));
    cr_assert(weft__chanp_is_full(&ch));
    cr_assert_eq(weft__chanp_try_recv(&ch), &a, "the rejected send overwrote the slot");
    cr_assert(weft__chanp_try_send(&ch, &b), "slot not reusable after recv");
    cr_assert_eq(weft__chanp_try_recv(&ch), &b);
}

/* ---------------------------------------------------------------- chanb */

/* A chanb with 32 bytes of capacity, as an owner would lay it out. */
typedef struct chanb32 {
    weft__chanb ch;
    unsigned char room[32];
} chanb32;

Test(chanb, starts_empty)
{
    chanb32 c;
    unsigned char dst[4] = {9, 9, 9, 9};
    weft__chanb_init(&c.ch);
    cr_assert_not(weft__chanb_is_full(&c.ch));
    cr_assert_not(weft__chanb_try_recv(&c.ch, dst, sizeof dst));
    cr_assert(dst[0] == 9 && dst[3] == 9, "recv on empty touched dst");
}

Test(chanb, round_trip_exact_bytes)
{
    chanb32 c;
    const char msg[] = "twenty-four bytes here!";  /* 24 with the NUL */
    char dst[32];
    weft__chanb_init(&c.ch);
    cr_assert(weft__chanb_try_send(&c.ch, msg, sizeof msg));
    cr_assert(weft__chanb_is_full(&c.ch));
    cr_assert_eq(c.ch.len, sizeof msg);
    memset(dst, 0x55, sizeof dst);
    cr_assert(weft__chanb_try_recv(&c.ch, dst, sizeof dst));
    cr_assert_str_eq(dst, msg);
    cr_assert_eq((unsigned char)dst[sizeof msg], 0x55, "wrote past len");
    cr_assert_not(weft__chanb_is_full(&c.ch));
}

Test(chanb, send_on_full_fails_and_changes_nothing)
{
    chanb32 c;
    uint64_t a = 0x1111111111111111ull, b[3] = {2, 2, 2}, got[3] = {0};
    weft__chanb_init(&c.ch);
    cr_assert(weft__chanb_try_send(&c.ch, &a, sizeof a));
    cr_assert_not(weft__chanb_try_send(&c.ch, b, sizeof b));
    cr_assert_eq(c.ch.len, sizeof a, "rejected send changed len");
    cr_assert(weft__chanb_try_recv(&c.ch, got, sizeof got));
    cr_assert_eq(got[0], a, "rejected send changed the bytes");
    cr_assert_eq(got[1], 0, "copied more than len");
}

Test(chanb, partial_recv_copies_min_of_n_and_len)
{
    chanb32 c;
    unsigned char src[16], dst[16];
    for (int i = 0; i < 16; i++)
        src[i] = (unsigned char)(i + 1);
    weft__chanb_init(&c.ch);
    cr_assert(weft__chanb_try_send(&c.ch, src, 16));
    memset(dst, 0, sizeof dst);
    cr_assert(weft__chanb_try_recv(&c.ch, dst, 5));
    cr_assert_eq(memcmp(dst, src, 5), 0);
    for (int i = 5; i < 16; i++)
        cr_assert_eq(dst[i], 0, "byte %d past n was written", i);
    /* The partial receive emptied the slot; the rest is dropped. */
    cr_assert_not(weft__chanb_is_full(&c.ch));
    cr_assert_not(weft__chanb_try_recv(&c.ch, dst, 16));
}

Test(chanb, zero_length_message)
{
    chanb32 c;
    unsigned char dst[1] = {42};
    weft__chanb_init(&c.ch);
    cr_assert(weft__chanb_try_send(&c.ch, NULL, 0));
    cr_assert(weft__chanb_is_full(&c.ch), "an empty message is still a message");
    cr_assert(weft__chanb_try_recv(&c.ch, dst, sizeof dst));
    cr_assert_eq(dst[0], 42);
}

Test(chanb, read_in_place_then_clear)
{
    chanb32 c;
    uint32_t v = 0xdeadbeefu, w;
    weft__chanb_init(&c.ch);
    cr_assert(weft__chanb_try_send(&c.ch, &v, sizeof v));
    cr_assert(weft__chanb_is_full(&c.ch));
    memcpy(&w, c.ch.buf, sizeof w);
    cr_assert_eq(w, v);
    weft__chanb_clear(&c.ch);
    cr_assert_not(weft__chanb_is_full(&c.ch));
    v = 7;
    cr_assert(weft__chanb_try_send(&c.ch, &v, sizeof v), "slot not reusable after clear");
}

Test(chanb, buf_alignment)
{
    cr_assert_eq(offsetof(weft__chanb, buf) % alignof(uint64_t), 0);
}

/* ---------------------------------------------------------------- mpsc */

typedef struct item {
    weft__mpsc_node node;  /* first: node <-> item by a cast */
    int value;
} item;

static item *as_item(weft__mpsc_node *n) { return (item *)n; }

static weft__mpsc q;   /* static: the header asks for 64-byte alignment */
static item items[16];

static void setup_q(void)
{
    weft__mpsc_init(&q);
    for (int i = 0; i < 16; i++)
        items[i].value = i;
}

TestSuite(mpsc, .init = setup_q);

Test(mpsc, starts_empty)
{
    weft__mpsc_node *f = (void *)1, *l = (void *)2;
    cr_assert_null(weft__mpsc_try_recv(&q));
    cr_assert_eq(weft__mpsc_try_recv_batch(&q, &f, &l, 4), 0);
    cr_assert(f == (void *)1 && l == (void *)2, "empty batch recv touched first/last");
    cr_assert_eq(weft__mpsc_count(&q), 0);
    cr_assert_not(weft__mpsc_maybe_nonempty(&q));
}

Test(mpsc, fifo_single)
{
    for (int i = 0; i < 5; i++)
        weft__mpsc_send(&q, &items[i].node);
    cr_assert_eq(weft__mpsc_count(&q), 5);
    cr_assert(weft__mpsc_maybe_nonempty(&q));
    for (int i = 0; i < 5; i++) {
        weft__mpsc_node *n = weft__mpsc_try_recv(&q);
        cr_assert_not_null(n, "node %d missing", i);
        cr_assert_eq(as_item(n)->value, i);
        cr_assert_eq(weft__mpsc_count(&q), 4 - i);
    }
    cr_assert_null(weft__mpsc_try_recv(&q));
    cr_assert_eq(weft__mpsc_count(&q), 0);
}

Test(mpsc, one_node_in_and_out_repeatedly)
{
    /* The last real node is taken through the stub re-insert every time. */
    for (int round = 0; round < 10; round++) {
        weft__mpsc_send(&q, &items[round % 2].node);
        weft__mpsc_node *n = weft__mpsc_try_recv(&q);
        cr_assert_eq(n, &items[round % 2].node, "round %d", round);
        cr_assert_null(weft__mpsc_try_recv(&q), "round %d: a second node", round);
    }
    cr_assert_eq(weft__mpsc_count(&q), 0);
}

Test(mpsc, node_reusable_right_after_recv)
{
    weft__mpsc_send(&q, &items[0].node);
    weft__mpsc_send(&q, &items[1].node);
    cr_assert_eq(weft__mpsc_try_recv(&q), &items[0].node);
    weft__mpsc_send(&q, &items[0].node);  /* resend the node just taken */
    cr_assert_eq(weft__mpsc_try_recv(&q), &items[1].node);
    cr_assert_eq(weft__mpsc_try_recv(&q), &items[0].node);
    cr_assert_null(weft__mpsc_try_recv(&q));
}

/* Links items[from..from+n) and sends them as one batch. */
static void send_chain(int from, int n)
{
    for (int i = from; i < from + n - 1; i++)
        atomic_store_explicit(&items[i].node.next, &items[i + 1].node, memory_order_relaxed);
    /* last->next is garbage on purpose: the contract says it is ignored. */
    atomic_store_explicit(&items[from + n - 1].node.next, (weft__mpsc_node *)&q,
                          memory_order_relaxed);
    weft__mpsc_send_batch(&q, &items[from].node, &items[from + n - 1].node, (size_t)n);
}

Test(mpsc, batch_send_then_singles)
{
    send_chain(0, 6);
    cr_assert_eq(weft__mpsc_count(&q), 6);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(as_item(weft__mpsc_try_recv(&q))->value, i);
    cr_assert_null(weft__mpsc_try_recv(&q));
}

Test(mpsc, batch_recv_max_smaller_than_available)
{
    weft__mpsc_node *f, *l;
    send_chain(0, 4);
    for (int i = 4; i < 10; i++)
        weft__mpsc_send(&q, &items[i].node);
    cr_assert_eq(weft__mpsc_count(&q), 10);

    size_t n = weft__mpsc_try_recv_batch(&q, &f, &l, 3);
    cr_assert_eq(n, 3);
    cr_assert_eq(weft__mpsc_count(&q), 7);
    cr_assert_eq(f, &items[0].node);
    cr_assert_eq(l, &items[2].node);
    weft__mpsc_node *it = f;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(as_item(it)->value, i, "chain position %d", i);
        it = atomic_load_explicit(&it->next, memory_order_relaxed);
    }
    cr_assert_null(it, "last->next is not NULL");

    n = weft__mpsc_try_recv_batch(&q, &f, &l, 100);
    cr_assert_eq(n, 7, "the rest, no more");
    cr_assert_eq(as_item(f)->value, 3);
    cr_assert_eq(as_item(l)->value, 9);
    cr_assert_null(atomic_load_explicit(&l->next, memory_order_relaxed));
    cr_assert_eq(weft__mpsc_count(&q), 0);
    cr_assert_eq(weft__mpsc_try_recv_batch(&q, &f, &l, 100), 0);
}

Test(mpsc, batch_recv_of_exactly_one)
{
    weft__mpsc_node *f = NULL, *l = NULL;
    weft__mpsc_send(&q, &items[3].node);
    cr_assert_eq(weft__mpsc_try_recv_batch(&q, &f, &l, 1), 1);
    cr_assert(f == l && f == &items[3].node);
    cr_assert_null(atomic_load_explicit(&f->next, memory_order_relaxed));
    cr_assert_eq(weft__mpsc_count(&q), 0);
}

Test(mpsc, interleaved_sends_and_receives_keep_fifo)
{
    /* A queue model: values come out in the order they went in, across
     * stub re-inserts, batches on both sides and an emptied queue. */
    int next_in = 0, next_out = 0;
    weft__mpsc_node *f, *l;
    for (int step = 0; step < 40; step++) {
        int k = step % 4 + 1;
        if (next_in + k <= 16 && step % 3 != 2) {
            if (k == 1)
                weft__mpsc_send(&q, &items[next_in].node);
            else
                send_chain(next_in, k);
            next_in += k;
        }
        size_t n = weft__mpsc_try_recv_batch(&q, &f, &l, (size_t)(step % 5 + 1));
        cr_assert_eq(n, (size_t)(next_in - next_out < step % 5 + 1 ? next_in - next_out
                                                                   : step % 5 + 1));
        for (size_t i = 0; i < n; i++, next_out++) {
            cr_assert_eq(as_item(f)->value, next_out);
            f = atomic_load_explicit(&f->next, memory_order_relaxed);
        }
        cr_assert_eq(weft__mpsc_count(&q), next_in - next_out);
        if (next_in == 16 && next_out == 16) {
            next_in = next_out = 0;  /* all taken: the items may be resent */
        }
    }
}
