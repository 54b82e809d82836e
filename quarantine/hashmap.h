/* quarantine/hashmap.h: an open-addressing hash map with fixed-size byte keys
 * and fixed-size byte values, for the verdict engine's tables (cleared blocks,
 * seen copies, unviable roots, proposals, cleared attestation ids).
 *
 * Linear probing, load factor at most 1/2, backward-shift deletion (no
 * tombstones, so a table that churns forever stays as fast as a fresh one).
 * Keys are mostly SHA-256 outputs; the hash still mixes every 8-byte word so
 * that small integer keys (slots) spread too. Single-threaded: the engine that
 * owns a map is the only one to touch it.
 */
#ifndef Q_HASHMAP_H
#define Q_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct q_map {
    size_t ksz, vsz;   /* key and value sizes in bytes */
    size_t cap;        /* slots, a power of two (0 before the first insert) */
    size_t len;        /* keys present */
    uint8_t *used;     /* cap flags */
    uint8_t *keys;     /* cap * ksz */
    uint8_t *vals;     /* cap * vsz */
} q_map;

/* Makes an empty map for keys of ksz bytes (1..128) and values of vsz bytes
 * (0 allowed: a set). Allocates nothing until the first insert. */
void q_map_init(q_map *m, size_t ksz, size_t vsz);

/* Frees the map's storage; the map is then empty and may be reused. */
void q_map_destroy(q_map *m);

/* Returns a pointer to key's value (vsz bytes, inside the map: valid until the
 * next insert or delete), or NULL when key is absent. With vsz == 0 the pointer
 * is only a presence token. */
void *q_map_get(const q_map *m, const void *key);

/* Inserts key with the value copied from val (may be NULL: zero bytes), or
 * overwrites the value of a key already present. Returns a pointer to the
 * stored value as q_map_get does. Aborts the process when out of memory (the
 * engine has no way to go on without its tables). */
void *q_map_put(q_map *m, const void *key, const void *val);

/* Removes key. Returns true when it was present. */
bool q_map_del(q_map *m, const void *key);

/* Removes every entry for which keep(ctx, key, val) returns false. O(cap);
 * in place (no allocation) unless the table would shrink to a quarter or
 * less, then rebuilt smaller. keep must not change the map, and may be
 * called more than once on an entry (it must give the same answer). */
void q_map_filter(q_map *m, bool (*keep)(void *ctx, const void *key, const void *val), void *ctx);

static inline size_t q_map_len(const q_map *m) { return m->len; }

#endif /* Q_HASHMAP_H */
