/* quarantine/archive.h: the roots of the cleared blocks that the verdict
 * engine pruned below finality (engine.c), kept so that a late block whose
 * parent was pruned, or an attestation for a pruned block, is still judged as
 * the spec says ("a block is known when it is the genesis block or has
 * cleared": known forever, whatever its age).
 *
 * An exact, append-only set of 32-byte roots that holds nothing but the roots:
 * a sorted array (binary search) and a small hash set of the newest roots,
 * merged into the array when it holds Q_ARCHIVE_RECENT of them. 32 bytes per
 * root and under 2x that while the array grows; at most one block clears per
 * slot (spec check 7), so the set grows by at most 32 bytes per 12 s of
 * virtual time (about 84 MB a year) and by nothing else.
 * Single-threaded, like the engine that owns it.
 */
#ifndef Q_ARCHIVE_H
#define Q_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "quarantine/hashmap.h"
#include "quarantine/spec.h"

#define Q_ARCHIVE_RECENT 4096u /* roots in the hash set before a merge */

typedef struct q_archive {
    q_root *sorted;   /* n roots in memcmp order */
    size_t n, cap;
    q_map recent;     /* root -> (set), at most Q_ARCHIVE_RECENT */
} q_archive;

/* An empty archive (allocates on the first add). */
void q_archive_init(q_archive *a);

/* Frees the archive's storage. */
void q_archive_destroy(q_archive *a);

/* Adds root r (no effect when it is in already). Amortised O(1) hashing plus
 * an O(n) merge every Q_ARCHIVE_RECENT adds; aborts when out of memory. */
void q_archive_add(q_archive *a, const q_root *r);

/* True when r was added. O(log n). */
bool q_archive_has(const q_archive *a, const q_root *r);

/* Roots held. */
static inline size_t q_archive_len(const q_archive *a) { return a->n + q_map_len(&a->recent); }

#endif /* Q_ARCHIVE_H */
