/* Unit tests of weft__sparseset against a reference model (a bool array),
 * plus the uniformity of pick(). Seeds are fixed: the runs are reproducible. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <string.h>

#include "runtime/util/sparseset.h"

typedef struct { bool in[WEFT_MAX_WORKERS]; uint32_t len; } model;

/* Checks every id and the length of s against m; also the sparse/dense
 * invariant for the members. */
static void check_all(const weft__sparseset *s, const model *m, uint64_t step)
{
    cr_assert_eq(weft__sparseset_len(s), m->len, "step %llu: len %u, model %u",
                 (unsigned long long)step, weft__sparseset_len(s), m->len);
    for (uint32_t id = 0; id < WEFT_MAX_WORKERS; id++)
        cr_assert_eq(weft__sparseset_contains(s, id), m->in[id],
                     "step %llu: contains(%u) = %d, model %d", (unsigned long long)step,
                     id, weft__sparseset_contains(s, id), m->in[id]);
    for (uint32_t i = 0; i < s->len; i++)
        cr_assert_eq(s->sparse[s->dense[i]], i, "step %llu: sparse[dense[%u]] != %u",
                     (unsigned long long)step, i, i);
}

Test(sparseset, clear_fill_basics)
{
    weft__sparseset s;
    memset(&s, 0xa5, sizeof s);          /* garbage: clear must initialise */
    weft__sparseset_clear(&s);
    cr_assert_eq(weft__sparseset_len(&s), 0);
    for (uint32_t id = 0; id < WEFT_MAX_WORKERS; id++) cr_assert(!weft__sparseset_contains(&s, id));

    memset(&s, 0x5a, sizeof s);          /* garbage: fill must initialise too */
    weft__sparseset_fill(&s, 10);
    cr_assert_eq(weft__sparseset_len(&s), 10);
    for (uint32_t id = 0; id < WEFT_MAX_WORKERS; id++)
        cr_assert_eq(weft__sparseset_contains(&s, id), id < 10, "id %u", id);

    weft__sparseset_fill(&s, WEFT_MAX_WORKERS);
    cr_assert_eq(weft__sparseset_len(&s), WEFT_MAX_WORKERS);
    for (uint32_t id = 0; id < WEFT_MAX_WORKERS; id++) cr_assert(weft__sparseset_contains(&s, id));
    weft__sparseset_fill(&s, 0);
    cr_assert_eq(weft__sparseset_len(&s), 0);
    cr_assert(!weft__sparseset_contains(&s, 0));
}

Test(sparseset, add_remove_return_values)
{
    weft__sparseset s;
    weft__sparseset_clear(&s);
    cr_assert(weft__sparseset_add(&s, 7));
    cr_assert(!weft__sparseset_add(&s, 7), "second add of 7 must say 'already there'");
    cr_assert(weft__sparseset_add(&s, WEFT_MAX_WORKERS - 1));
    cr_assert(weft__sparseset_add(&s, 0));
    cr_assert_eq(weft__sparseset_len(&s), 3);
    cr_assert(weft__sparseset_remove(&s, 7));
    cr_assert(!weft__sparseset_remove(&s, 7), "second remove of 7 must say 'not there'");
    cr_assert(!weft__sparseset_remove(&s, 8));
    cr_assert_eq(weft__sparseset_len(&s), 2);
    cr_assert(weft__sparseset_contains(&s, 0));
    cr_assert(weft__sparseset_contains(&s, WEFT_MAX_WORKERS - 1));
    cr_assert(!weft__sparseset_contains(&s, 7));
    /* a removed id leaves a stale sparse slot; re-adding must work */
    cr_assert(weft__sparseset_add(&s, 7));
    cr_assert(weft__sparseset_contains(&s, 7));
}

Test(sparseset, copy_is_independent)
{
    weft__sparseset a, b;
    weft__sparseset_fill(&a, 8);
    b = a;                                 /* travels by plain copy */
    cr_assert(weft__sparseset_remove(&b, 3));
    cr_assert(weft__sparseset_add(&b, 100));
    cr_assert(weft__sparseset_contains(&a, 3));
    cr_assert(!weft__sparseset_contains(&a, 100));
    cr_assert_eq(weft__sparseset_len(&a), 8);
    cr_assert_eq(weft__sparseset_len(&b), 8);
    cr_assert(!weft__sparseset_contains(&b, 3));
}

/* Random sequences of add/remove/contains/pick/fill/clear, compared with the
 * model after every operation (the whole set every 64 steps). Ids are drawn
 * from a small range half of the time so that adds and removes collide. */
Test(sparseset, random_ops_match_model)
{
    weft__rng r;
    weft__rng_seed(&r, 0x5eedULL);
    weft__sparseset s;
    model m;
    weft__sparseset_clear(&s);
    memset(&m, 0, sizeof m);
    const uint64_t steps = 400000;
    uint64_t picks = 0;
    for (uint64_t step = 0; step < steps; step++) {
        uint32_t id = weft__rng_below(&r, 2) ? weft__rng_below(&r, 16)
                                             : weft__rng_below(&r, WEFT_MAX_WORKERS);
        uint32_t op = weft__rng_below(&r, 1000);
        if (op < 400) {                                    /* add */
            bool added = weft__sparseset_add(&s, id);
            cr_assert_eq(added, !m.in[id], "step %llu: add(%u) returned %d",
                         (unsigned long long)step, id, added);
            if (!m.in[id]) { m.in[id] = true; m.len++; }
        } else if (op < 800) {                             /* remove */
            bool removed = weft__sparseset_remove(&s, id);
            cr_assert_eq(removed, m.in[id], "step %llu: remove(%u) returned %d",
                         (unsigned long long)step, id, removed);
            if (m.in[id]) { m.in[id] = false; m.len--; }
        } else if (op < 900) {                             /* contains */
            cr_assert_eq(weft__sparseset_contains(&s, id), m.in[id], "step %llu: contains(%u)",
                         (unsigned long long)step, id);
        } else if (op < 995) {                             /* pick */
            if (m.len > 0) {
                uint32_t p = weft__sparseset_pick(&s, &r);
                cr_assert(p < WEFT_MAX_WORKERS && m.in[p], "step %llu: pick gave %u, not a member",
                          (unsigned long long)step, p);
                picks++;
            }
        } else if (op < 998) {                             /* fill */
            uint32_t n = weft__rng_below(&r, WEFT_MAX_WORKERS + 1);
            weft__sparseset_fill(&s, n);
            for (uint32_t i = 0; i < WEFT_MAX_WORKERS; i++) m.in[i] = i < n;
            m.len = n;
        } else {                                           /* clear */
            weft__sparseset_clear(&s);
            memset(&m, 0, sizeof m);
        }
        cr_assert_eq(weft__sparseset_len(&s), m.len, "step %llu", (unsigned long long)step);
        if (step % 64 == 0) check_all(&s, &m, step);
    }
    check_all(&s, &m, steps);
    cr_assert_gt(picks, 10000);
}

/* chi-square statistic of counts against a uniform expectation. */
static double chi_square(const uint64_t *counts, uint32_t k, uint64_t total)
{
    double expect = (double)total / k, chi = 0;
    for (uint32_t i = 0; i < k; i++) {
        double d = (double)counts[i] - expect;
        chi += d * d / expect;
    }
    return chi;
}

/* pick() over a set built by adds and removes (so dense[] is shuffled):
 * each of k members must come up about total/k times. With k - 1 = 19
 * degrees of freedom, chi-square > 60 has probability below 1e-5; the seed
 * is fixed, so the test is deterministic anyway. Also checks that no
 * non-member is ever picked, and that a 1-member set always gives it. */
Test(sparseset, pick_is_uniform)
{
    weft__rng r;
    weft__rng_seed(&r, 42);
    weft__sparseset s;
    weft__sparseset_fill(&s, 64);
    /* keep ids 3, 6, 9, ... 60 (20 members) */
    for (uint32_t id = 0; id < 64; id++)
        if (id % 3 != 0 || id == 0 || id > 60) weft__sparseset_remove(&s, id);
    weft__sparseset_add(&s, 200);
    weft__sparseset_remove(&s, 30);
    cr_assert_eq(weft__sparseset_len(&s), 20);

    uint64_t counts[WEFT_MAX_WORKERS] = { 0 };
    const uint64_t total = 200000;
    for (uint64_t i = 0; i < total; i++) counts[weft__sparseset_pick(&s, &r)]++;

    uint64_t member_counts[20];
    uint32_t k = 0;
    for (uint32_t id = 0; id < WEFT_MAX_WORKERS; id++) {
        if (weft__sparseset_contains(&s, id)) member_counts[k++] = counts[id];
        else cr_assert_eq(counts[id], 0, "non-member %u was picked %llu times", id,
                          (unsigned long long)counts[id]);
    }
    cr_assert_eq(k, 20);
    double chi = chi_square(member_counts, k, total);
    cr_log_info("pick: chi-square %.2f over %u members (19 dof)", chi, k);
    cr_assert_lt(chi, 60.0, "pick is not uniform: chi-square %.2f (19 dof)", chi);

    weft__sparseset one;
    weft__sparseset_clear(&one);
    weft__sparseset_add(&one, 123);
    for (int i = 0; i < 100; i++) cr_assert_eq(weft__sparseset_pick(&one, &r), 123);
}
