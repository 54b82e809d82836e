/* quarantine/archive.c: the pruned cleared roots (archive.h). */
#include "quarantine/archive.h"

#include <stdlib.h>
#include <string.h>

#include "quarantine/held.h"

void q_archive_init(q_archive *a)
{
    *a = (q_archive){0};
    q_map_init(&a->recent, Q_ROOT_BYTES, 0);
}

void q_archive_destroy(q_archive *a)
{
    free(a->sorted);
    q_map_destroy(&a->recent);
    *a = (q_archive){0};
}

static int root_cmp(const void *x, const void *y) { return memcmp(x, y, Q_ROOT_BYTES); }

/* Context of the merge's walk over the hash set. */
typedef struct collect {
    q_root *out;
    size_t n;
} collect;

static bool collect_one(void *ctx, const void *key, const void *val)
{
    collect *c = ctx;
    memcpy(c->out[c->n++].b, key, Q_ROOT_BYTES);
    return false; /* every entry leaves the hash set */
}

/* Moves the hash set's roots into the sorted array: sort them, then merge
 * from the back so that the array is rewritten in place. */
static void merge_recent(q_archive *a)
{
    size_t k = q_map_len(&a->recent);
    if (a->n + k > a->cap) {
        a->cap = a->cap ? a->cap : 4096;
        while (a->cap < a->n + k) a->cap *= 2;
        a->sorted = q_xrealloc(a->sorted, a->cap * sizeof *a->sorted);
    }
    q_root *tmp = q_xrealloc(NULL, k * sizeof *tmp);
    collect c = {.out = tmp};
    q_map_filter(&a->recent, collect_one, &c);
    qsort(tmp, k, sizeof *tmp, root_cmp);
    size_t i = a->n, j = k, w = a->n + k;
    while (j > 0) {
        if (i > 0 && root_cmp(&a->sorted[i - 1], &tmp[j - 1]) > 0) a->sorted[--w] = a->sorted[--i];
        else a->sorted[--w] = tmp[--j];
    }
    a->n += k;
    free(tmp);
}

static bool sorted_has(const q_archive *a, const q_root *r)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = root_cmp(&a->sorted[mid], r);
        if (c == 0) return true;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return false;
}

bool q_archive_has(const q_archive *a, const q_root *r)
{
    return q_map_get(&a->recent, r) != NULL || sorted_has(a, r);
}

void q_archive_add(q_archive *a, const q_root *r)
{
    if (q_archive_has(a, r)) return;
    q_map_put(&a->recent, r, NULL);
    if (q_map_len(&a->recent) >= Q_ARCHIVE_RECENT) merge_recent(a);
}
