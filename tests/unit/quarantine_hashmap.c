/* Unit tests of quarantine/hashmap.{h,c}: the engine's open-addressing map
 * against a plain reference array, under random puts, gets, deletes and
 * filters (in place and shrinking), with key spaces small enough that probe
 * runs are long, wrap around the table's end and churn. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "quarantine/hashmap.h"

#define NKEYS 3000 /* the key space: key k is the bytes of k spread over ksz bytes */

typedef struct ref {
    bool present[NKEYS];
    uint64_t val[NKEYS];
    size_t len;
} ref;

static uint64_t rng_state = 0x243F6A8885A308D3ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Key k in ksz bytes: small keys (ksz <= 8) are k itself, like the engine's
 * slots and validator indexes; larger ones repeat k's bytes with a twist,
 * like the engine's roots and (root, signature) pairs. */
static void mk_key(uint8_t *key, size_t ksz, uint32_t k)
{
    memset(key, 0, ksz);
    for (size_t i = 0; i < ksz; i++) key[i] = (uint8_t)(ksz <= 8 ? (i < 4 ? k >> (8 * i) : 0) : (k >> (8 * (i % 2))) ^ i);
}

static bool keep_odd_val(void *ctx, const void *key, const void *val)
{
    (void)key;
    uint64_t v;
    memcpy(&v, val, 8);
    return (v % (uint64_t)(uintptr_t)ctx) != 0;
}

static void expect_same(const q_map *m, const ref *r, size_t ksz)
{
    cr_assert_eq(q_map_len(m), r->len, "len %zu, reference %zu", q_map_len(m), r->len);
    uint8_t key[128];
    for (uint32_t k = 0; k < NKEYS; k++) {
        mk_key(key, ksz, k);
        const uint64_t *v = q_map_get(m, key);
        cr_assert_eq(v != NULL, r->present[k], "key %u: %s in the map, %s in the reference", k, v ? "present" : "absent",
                     r->present[k] ? "present" : "absent");
        if (v) cr_assert_eq(*v, r->val[k], "key %u: value %llu, reference %llu", k, (unsigned long long)*v,
                            (unsigned long long)r->val[k]);
    }
}

static void churn(size_t ksz)
{
    q_map m;
    q_map_init(&m, ksz, sizeof(uint64_t));
    static ref r;
    memset(&r, 0, sizeof r);
    uint8_t key[128];
    for (int round = 0; round < 40; round++) {
        /* a burst of puts and deletes, biased to fill in some rounds and to
         * empty in others (the table grows, then shrinks through filters) */
        int fill = round % 8 < 5;
        for (int op = 0; op < 4000; op++) {
            uint32_t k = (uint32_t)(rnd() % NKEYS);
            mk_key(key, ksz, k);
            if ((int)(rnd() % 4) < (fill ? 3 : 1)) {
                uint64_t v = rnd();
                q_map_put(&m, key, &v);
                if (!r.present[k]) r.len++;
                r.present[k] = true;
                r.val[k] = v;
            } else {
                bool had = q_map_del(&m, key);
                cr_assert_eq(had, r.present[k], "del of key %u said %d", k, had);
                if (r.present[k]) r.len--;
                r.present[k] = false;
            }
        }
        expect_same(&m, &r, ksz);
        /* a filter: drops every value divisible by d (d = 2 keeps about
         * half: in place; d large after an emptying round keeps most) */
        uintptr_t d = round % 3 == 2 ? 1 : (uintptr_t)(2 + round % 5);
        q_map_filter(&m, keep_odd_val, (void *)d);
        for (uint32_t k = 0; k < NKEYS; k++)
            if (r.present[k] && r.val[k] % d == 0) {
                r.present[k] = false;
                r.len--;
            }
        expect_same(&m, &r, ksz);
    }
    q_map_destroy(&m);
}

Test(hashmap, churn_with_4_byte_keys) { churn(4); }
Test(hashmap, churn_with_32_byte_keys) { churn(32); }
Test(hashmap, churn_with_96_byte_keys) { churn(96); }

/* A filter that keeps nothing empties the table and shrinks it; one that
 * keeps everything changes nothing; the map is usable after both. */
static bool keep_none(void *ctx, const void *key, const void *val) { return false; }
static bool keep_all(void *ctx, const void *key, const void *val) { return true; }

Test(hashmap, filter_all_and_none)
{
    q_map m;
    q_map_init(&m, 32, sizeof(uint64_t));
    uint8_t key[32];
    for (uint32_t k = 0; k < 1000; k++) {
        mk_key(key, 32, k);
        uint64_t v = k;
        q_map_put(&m, key, &v);
    }
    size_t cap = m.cap;
    q_map_filter(&m, keep_all, NULL);
    cr_assert_eq(q_map_len(&m), 1000);
    cr_assert_eq(m.cap, cap, "a filter that keeps all changed the table");
    q_map_filter(&m, keep_none, NULL);
    cr_assert_eq(q_map_len(&m), 0);
    cr_assert_lt(m.cap, cap / 4, "an emptied table kept its %zu slots", m.cap);
    for (uint32_t k = 0; k < 1000; k++) {
        mk_key(key, 32, k);
        cr_assert_null(q_map_get(&m, key));
    }
    mk_key(key, 32, 7);
    uint64_t v = 77;
    q_map_put(&m, key, &v);
    cr_assert_eq(*(uint64_t *)q_map_get(&m, key), 77);
    q_map_destroy(&m);
}
