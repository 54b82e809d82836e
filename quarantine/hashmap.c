/* quarantine/hashmap.c: see hashmap.h. */
#include "quarantine/hashmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A 64-bit hash of ksz bytes: the 8-byte words folded in with a
 * multiply-xorshift step, alternately into two lanes (independent chains,
 * so a long key such as a root and a signature is hashed at twice the
 * speed of one chain), the tail into the first; the lanes combined and
 * finished with the splitmix64 finaliser. */
static uint64_t hash_key(const void *key, size_t ksz)
{
    const uint8_t *p = key;
    uint64_t a = 0x9E3779B97F4A7C15ull ^ ksz, b = 0xC2B2AE3D27D4EB4Full;
    size_t i = 0;
    for (; i + 16 <= ksz; i += 16) {
        uint64_t w0, w1;
        memcpy(&w0, p + i, 8);
        memcpy(&w1, p + i + 8, 8);
        a = (a ^ w0) * 0xBF58476D1CE4E5B9ull;
        a ^= a >> 31;
        b = (b ^ w1) * 0x94D049BB133111EBull;
        b ^= b >> 29;
    }
    if (i + 8 <= ksz) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        a = (a ^ w) * 0xBF58476D1CE4E5B9ull;
        a ^= a >> 31;
        i += 8;
    }
    if (i < ksz) {
        uint64_t w = 0;
        memcpy(&w, p + i, ksz - i);
        b = (b ^ w) * 0x94D049BB133111EBull;
        b ^= b >> 29;
    }
    uint64_t h = a ^ (b * 0xFF51AFD7ED558CCDull);
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 31;
    return h;
}

static void *map_xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) {
        fprintf(stderr, "quarantine: out of memory (hash map of %zu entries)\n", n);
        abort();
    }
    return p;
}

void q_map_init(q_map *m, size_t ksz, size_t vsz)
{
    memset(m, 0, sizeof *m);
    m->ksz = ksz;
    m->vsz = vsz;
}

void q_map_destroy(q_map *m)
{
    free(m->used);
    free(m->keys);
    free(m->vals);
    size_t ksz = m->ksz, vsz = m->vsz;
    q_map_init(m, ksz, vsz);
}

/* used[i]: 0 for an empty slot, else the tag of its key's hash (the top 7
 * bits, with the high bit set so that it is never 0): a probe compares keys
 * only when the tags agree, so a miss rarely touches the keys array. */
static inline uint8_t hash_tag(uint64_t h) { return (uint8_t)(0x80u | (h >> 57)); }

/* The slot holding key, or the empty slot where it would go; *tagp (when
 * not NULL) receives key's tag. cap > 0. */
static size_t find_slot(const q_map *m, const void *key, bool *found, uint8_t *tagp)
{
    size_t mask = m->cap - 1;
    uint64_t h = hash_key(key, m->ksz);
    uint8_t tag = hash_tag(h);
    if (tagp) *tagp = tag;
    size_t i = (size_t)h & mask;
    for (uint8_t u; (u = m->used[i]) != 0; i = (i + 1) & mask) {
        if (u == tag && memcmp(m->keys + i * m->ksz, key, m->ksz) == 0) {
            *found = true;
            return i;
        }
    }
    *found = false;
    return i;
}

void *q_map_get(const q_map *m, const void *key)
{
    if (m->len == 0) return NULL;
    bool found;
    size_t i = find_slot(m, key, &found, NULL);
    return found ? m->vals + i * m->vsz : NULL;
}

void *q_map_put(q_map *m, const void *key, const void *val);

/* Rebuilds m into a table of cap slots with the entries keep accepts (all
 * when keep is NULL). */
static void map_rebuild(q_map *m, size_t cap, bool (*keep)(void *ctx, const void *key, const void *val), void *ctx)
{
    q_map old = *m;
    m->cap = cap;
    m->len = 0;
    m->used = map_xcalloc(cap, 1);
    m->keys = map_xcalloc(cap, m->ksz);
    m->vals = map_xcalloc(cap, m->vsz);
    for (size_t i = 0; i < old.cap; i++)
        if (old.used[i] && (!keep || keep(ctx, old.keys + i * old.ksz, old.vals + i * old.vsz)))
            q_map_put(m, old.keys + i * old.ksz, old.vals + i * old.vsz);
    free(old.used);
    free(old.keys);
    free(old.vals);
}

void *q_map_put(q_map *m, const void *key, const void *val)
{
    if (2 * (m->len + 1) > m->cap) map_rebuild(m, m->cap ? 2 * m->cap : 16, NULL, NULL);
    bool found;
    uint8_t tag;
    size_t i = find_slot(m, key, &found, &tag);
    if (!found) {
        m->used[i] = tag;
        memcpy(m->keys + i * m->ksz, key, m->ksz);
        m->len++;
    }
    uint8_t *v = m->vals + i * m->vsz;
    if (m->vsz) {
        if (val) memcpy(v, val, m->vsz);
        else memset(v, 0, m->vsz);
    }
    return v;
}

/* Empties slot i and shifts later members of its probe run back, so that no
 * lookup ever stops early at the hole (Knuth's algorithm R for linear probing). */
static void remove_at(q_map *m, size_t i)
{
    size_t mask = m->cap - 1;
    size_t hole = i;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->used[j]) break;
        size_t home = (size_t)hash_key(m->keys + j * m->ksz, m->ksz) & mask;
        /* j may move into the hole only when its home is not in (hole, j]. */
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays) continue;
        memcpy(m->keys + hole * m->ksz, m->keys + j * m->ksz, m->ksz);
        memcpy(m->vals + hole * m->vsz, m->vals + j * m->vsz, m->vsz);
        m->used[hole] = m->used[j];
        hole = j;
    }
    m->used[hole] = 0;
    m->len--;
}

bool q_map_del(q_map *m, const void *key)
{
    if (m->len == 0) return false;
    bool found;
    size_t i = find_slot(m, key, &found, NULL);
    if (!found) return false;
    remove_at(m, i);
    return true;
}

void q_map_filter(q_map *m, bool (*keep)(void *ctx, const void *key, const void *val), void *ctx)
{
    if (m->len == 0) return;
    size_t live = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->used[i] && keep(ctx, m->keys + i * m->ksz, m->vals + i * m->vsz)) live++;
    if (live == m->len) return;
    size_t cap = 16;
    while (cap < 2 * live + 2) cap *= 2;
    if (4 * cap <= m->cap) { /* shrink: a table that has emptied (flat memory on a long stream) */
        map_rebuild(m, cap, keep, ctx);
        return;
    }
    /* In place, deleting as the scan goes: no allocation, no rehash of the
     * entries kept. The scan starts just after an empty slot (there is one:
     * the load is at most 1/2), so a backward shift never moves an entry
     * over the start; after a deletion at i the scan looks at i again (an
     * entry not yet scanned may have moved there), and every entry is judged
     * once here (and once in the count above). */
    size_t mask = m->cap - 1, start = 0;
    while (m->used[start]) start++;
    for (size_t n = 1; n < m->cap;) {
        size_t i = (start + n) & mask;
        if (m->used[i] && !keep(ctx, m->keys + i * m->ksz, m->vals + i * m->vsz)) {
            remove_at(m, i); /* look at i again */
            continue;
        }
        n++;
    }
}
