/* Parallel loops and reductions against their serial twins, for every worker
 * count from 1 to 8 (more workers than cores here, on purpose): a sum over
 * 10^8 indices (10^7 under the sanitizers) in the range and index forms; min
 * and max; a strided loop that must touch each of its indices exactly once; a
 * nested transpose (an inner loop in the outer one's body); a histogram, a
 * user struct too big for a pool block; the staged form; a loop inside a
 * task inside a loop; the awaitable forms. Exit 0 = pass. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <weft.h>

#include "tests/common/weft_test.h"

#ifdef WEFT_SANITIZE
#define SUM_N 10000000LL
#define SMALL 1
#else
#define SUM_N 100000000LL
#define SMALL 4
#endif

static _Atomic uint64_t progress; /* rounds done, for the watchdog's message */

static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
}

static inline uint64_t val(int64_t i) { return (uint64_t)i * 2654435761u % 1000u; }

/* ---- sums ---- */
static void u64_zero(void *acc, void *ctx) { (void)ctx; *(uint64_t *)acc = 0; }
static void u64_add(void *into, const void *from, void *ctx)
{
    (void)ctx;
    *(uint64_t *)into += *(const uint64_t *)from;
}
static const weft_reducer u64_sum = {sizeof(uint64_t), u64_zero, u64_add};

WEFT_REDUCE_BODY(sum_body, i, void, ctx, uint64_t, acc) { *acc += val(i); }

static void sum_each(int64_t i, void *acc, void *ctx) { (void)ctx; *(uint64_t *)acc += val(i); }

static uint64_t sum_serial(int64_t lo, int64_t hi, int64_t st)
{
    uint64_t s = 0;
    for (int64_t i = lo; i < hi; i += st) s += val(i);
    return s;
}

/* ---- min and max ---- */
typedef struct { int64_t min, max; } minmax;
static void mm_init(void *acc, void *ctx) { (void)ctx; *(minmax *)acc = (minmax){INT64_MAX, INT64_MIN}; }
static void mm_merge(void *into, const void *from, void *ctx)
{
    (void)ctx;
    minmax *a = into;
    const minmax *b = from;
    if (b->min < a->min) a->min = b->min;
    if (b->max > a->max) a->max = b->max;
}
static const weft_reducer mm_red = {sizeof(minmax), mm_init, mm_merge};
static inline int64_t wave(int64_t i) { return (int64_t)(mix((uint64_t)i) % 2000001u) - 1000000; }
WEFT_REDUCE_BODY(mm_body, i, void, ctx, minmax, acc)
{
    int64_t v = wave(i);
    if (v < acc->min) acc->min = v;
    if (v > acc->max) acc->max = v;
}

/* ---- a strided loop: each index exactly once ---- */
typedef struct { unsigned char *mark; } strided_ctx;
static void strided_each(int64_t i, void *ctx) { ((strided_ctx *)ctx)->mark[i]++; }
WEFT_FOR_BODY(mark_range, i, strided_ctx, c) { c->mark[i]++; }

/* ---- nested transpose ---- */
typedef struct { const uint32_t *src; uint32_t *dst; int64_t rows, cols, row; } tr_ctx;
WEFT_FOR_BODY(tr_inner, j, tr_ctx, c) { c->dst[j * c->rows + c->row] = c->src[c->row * c->cols + j]; }
static void tr_outer(int64_t i, void *ctx)
{
    tr_ctx c = *(tr_ctx *)ctx;
    c.row = i;
    WEFT_PARALLEL_FOR(tr_inner, 0, c.cols, 1, &c);
}

/* ---- a histogram: a user struct of 8 KB (splits' accumulators on the heap) ---- */
#define BINS 1000
typedef struct { uint64_t bin[BINS]; } histo;
static void h_init(void *acc, void *ctx) { (void)ctx; memset(acc, 0, sizeof(histo)); }
static void h_merge(void *into, const void *from, void *ctx)
{
    (void)ctx;
    histo *a = into;
    const histo *b = from;
    for (int k = 0; k < BINS; k++) a->bin[k] += b->bin[k];
}
static const weft_reducer h_red = {sizeof(histo), h_init, h_merge};
WEFT_REDUCE_BODY(h_body, i, void, ctx, histo, acc) { acc->bin[mix((uint64_t)i) % BINS]++; }

/* ---- the staged form: per-range prologue and epilogue, a local state of
 * 512 bytes (above a pool block: the heap path of the first range and of the
 * splits) ---- */
typedef struct { uint64_t sum; uint64_t opened; unsigned char pad[496]; } staged_local;
static _Atomic uint64_t staged_total, staged_pro, staged_epi;
static void st_pro(void *local, void *ctx)
{
    (void)ctx;
    staged_local *l = local;
    l->sum = 0;
    l->opened = 1;
    atomic_fetch_add_explicit(&staged_pro, 1, memory_order_relaxed);
}
static void st_epi(void *local, void *ctx)
{
    (void)ctx;
    staged_local *l = local;
    /* relaxed: read after the loop returns, which orders every epilogue. */
    if (l->opened == 1) atomic_fetch_add_explicit(&staged_total, l->sum, memory_order_relaxed);
    atomic_fetch_add_explicit(&staged_epi, 1, memory_order_relaxed);
}
static const weft_stages st_stages = {sizeof(staged_local), st_pro, st_epi};
WEFT_REDUCE_BODY(st_body, i, void, ctx, staged_local, l) { l->sum += val(i); }

/* ---- splits happen: slow iterations, which workers ran them ---- */
static _Atomic uint64_t ran_on; /* bit w: worker w ran an iteration */
static _Atomic uint64_t slow_done;
static void slow_each(int64_t i, void *ctx)
{
    (void)i;
    (void)ctx;
    weft_test_spin_ns(20000);
    atomic_fetch_or_explicit(&ran_on, 1u << weft_worker_id(), memory_order_relaxed);
    atomic_fetch_add_explicit(&slow_done, 1, memory_order_relaxed);
}
/* An outer loop of one iteration: only its inner loop can be split. */
static void one_outer(int64_t i, void *ctx)
{
    (void)i;
    weft_parallel_for(0, 1000, 1, slow_each, ctx);
}

/* ---- a loop inside a task inside a loop ---- */
uint64_t inner_task(int64_t k);
WEFT_TASK_1(uint64_t, inner_task, int64_t)
uint64_t inner_task(int64_t k)
{
    uint64_t s;
    weft_parallel_reduce_range(k, k + 20000 * SMALL, 3, sum_body, NULL, &u64_sum, &s);
    return s;
}
typedef struct { uint64_t *out; } lt_ctx;
static void lt_each(int64_t k, void *ctx)
{
    WEFT_FLOWVAR(inner_task) f = WEFT_SPAWN(inner_task, k);
    uint64_t mine = sum_serial(k, k + 100, 1);
    ((lt_ctx *)ctx)->out[k] = WEFT_SYNC(f) + mine;
}

static void round_of(int n)
{
    weft_config cfg = {.num_threads = n};
    if (weft_init(&cfg) != 0) {
        fprintf(stderr, "weft_init: %s\n", weft_last_error());
        exit(2);
    }

    uint64_t s = 1, want = sum_serial(0, SUM_N, 1);
    WEFT_PARALLEL_REDUCE(sum_body, 0, SUM_N, 1, NULL, &u64_sum, &s);
    CHECK(s == want, "n=%d: range sum %llu, serial %llu", n, (unsigned long long)s, (unsigned long long)want);

    int64_t m = SUM_N / 20;
    want = sum_serial(5, m, 1);
    weft_parallel_reduce(5, m, 1, sum_each, NULL, &u64_sum, &s);
    CHECK(s == want, "n=%d: index sum %llu, serial %llu", n, (unsigned long long)s, (unsigned long long)want);

    minmax mm, mm_want = {INT64_MAX, INT64_MIN};
    for (int64_t i = 0; i < 1000000 * SMALL; i++) {
        int64_t v = wave(i);
        if (v < mm_want.min) mm_want.min = v;
        if (v > mm_want.max) mm_want.max = v;
    }
    WEFT_PARALLEL_REDUCE(mm_body, 0, 1000000 * SMALL, 1, NULL, &mm_red, &mm);
    CHECK(mm.min == mm_want.min && mm.max == mm_want.max, "n=%d: min/max %lld/%lld, serial %lld/%lld", n,
          (long long)mm.min, (long long)mm.max, (long long)mm_want.min, (long long)mm_want.max);

    /* strided, odd bounds */
    int64_t slo = 3, shi = 300001 * SMALL, sst = 7;
    strided_ctx sc = {calloc((size_t)shi, 1)};
    weft_parallel_for(slo, shi, sst, strided_each, &sc);
    int64_t bad = 0;
    for (int64_t i = 0; i < shi; i++) bad += sc.mark[i] != (i >= slo && (i - slo) % sst == 0);
    CHECK(bad == 0, "n=%d: strided loop: %lld indices touched wrongly", n, (long long)bad);
    free(sc.mark);
    /* a strided reduction whose last index is stop - 1 */
    want = sum_serial(11, 1000000, 13);
    WEFT_PARALLEL_REDUCE(sum_body, 11, 1000000, 13, NULL, &u64_sum, &s);
    CHECK(s == want, "n=%d: strided sum %llu, serial %llu", n, (unsigned long long)s, (unsigned long long)want);
    /* empty and one-iteration loops */
    WEFT_PARALLEL_REDUCE(sum_body, 10, 10, 1, NULL, &u64_sum, &s);
    CHECK(s == 0, "n=%d: empty loop sum %llu", n, (unsigned long long)s);
    WEFT_PARALLEL_REDUCE(sum_body, 10, 11, 5, NULL, &u64_sum, &s);
    CHECK(s == val(10), "n=%d: one-iteration loop sum %llu", n, (unsigned long long)s);

    /* Splits do happen: with more than one worker, thieves run some of a
     * loop of slow iterations, also when it is the inner loop of an outer
     * loop with nothing left to split. */
    atomic_store(&ran_on, 0);
    atomic_store(&slow_done, 0);
    weft_parallel_for(0, 1, 1, one_outer, NULL);
    uint64_t on = atomic_load(&ran_on);
    CHECK(atomic_load(&slow_done) == 1000, "n=%d: %llu of 1000 slow iterations", n,
          (unsigned long long)atomic_load(&slow_done));
    CHECK(n == 1 || (on & (on - 1)) != 0, "n=%d: a loop of 1000 slow iterations ran on workers %#llx only",
          n, (unsigned long long)on);

    /* staged */
    atomic_store(&staged_total, 0);
    atomic_store(&staged_pro, 0);
    atomic_store(&staged_epi, 0);
    weft_parallel_for_staged(0, SUM_N / 10, 1, st_body, NULL, &st_stages);
    want = sum_serial(0, SUM_N / 10, 1);
    CHECK(atomic_load(&staged_total) == want, "n=%d: staged sum %llu, serial %llu", n,
          (unsigned long long)atomic_load(&staged_total), (unsigned long long)want);
    CHECK(atomic_load(&staged_pro) == atomic_load(&staged_epi) && atomic_load(&staged_pro) >= 1,
          "n=%d: staged: %llu prologues, %llu epilogues", n, (unsigned long long)atomic_load(&staged_pro),
          (unsigned long long)atomic_load(&staged_epi));

    /* nested transpose */
    int64_t rows = 300 * SMALL, cols = 257;
    uint32_t *src = malloc((size_t)(rows * cols) * sizeof *src), *dst = calloc((size_t)(rows * cols), sizeof *dst);
    for (int64_t k = 0; k < rows * cols; k++) src[k] = (uint32_t)mix((uint64_t)k);
    tr_ctx tc = {src, dst, rows, cols, 0};
    weft_parallel_for(0, rows, 1, tr_outer, &tc);
    bad = 0;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) bad += dst[j * rows + i] != src[i * cols + j];
    CHECK(bad == 0, "n=%d: transpose: %lld elements wrong", n, (long long)bad);
    free(src);
    free(dst);

    /* histogram */
    histo *hg = malloc(sizeof *hg), *hw = calloc(1, sizeof *hw);
    int64_t hn = 2000000 * SMALL;
    for (int64_t i = 0; i < hn; i++) hw->bin[mix((uint64_t)i) % BINS]++;
    WEFT_PARALLEL_REDUCE(h_body, 0, hn, 1, NULL, &h_red, hg);
    CHECK(memcmp(hg, hw, sizeof *hg) == 0, "n=%d: histogram differs from the serial one", n);
    free(hg);
    free(hw);

    /* a loop inside a task inside a loop */
    enum { K = 64 };
    uint64_t out[K];
    lt_ctx lc = {out};
    weft_parallel_for(0, K, 1, lt_each, &lc);
    bad = 0;
    for (int64_t k = 0; k < K; k++) bad += out[k] != sum_serial(k, k + 20000 * SMALL, 3) + sum_serial(k, k + 100, 1);
    CHECK(bad == 0, "n=%d: loop in a task in a loop: %lld results wrong", n, (long long)bad);

    /* awaitable forms: two loops in flight while the worker does other work */
    uint64_t a = 7, b = 7;
    weft_loop *la = weft_parallel_reduce_async(0, 3000000, 1, sum_body, NULL, &u64_sum, &a);
    weft_loop *lb = weft_parallel_reduce_async(1, 3000000, 2, sum_body, NULL, &u64_sum, &b);
    long f = fib(18);
    weft_loop_wait(lb);
    weft_loop_wait(la);
    CHECK(f == fib_serial(18), "n=%d: fib beside the loops", n);
    CHECK(a == sum_serial(0, 3000000, 1) && b == sum_serial(1, 3000000, 2),
          "n=%d: awaitable sums %llu %llu", n, (unsigned long long)a, (unsigned long long)b);
    strided_ctx ac = {calloc(100000, 1)};
    weft_loop *lp = weft_parallel_for_async(0, 100000, 1, mark_range, &ac);
    weft_loop_wait(lp);
    bad = 0;
    for (int64_t i = 0; i < 100000; i++) bad += ac.mark[i] != 1;
    CHECK(bad == 0, "n=%d: awaitable for: %lld indices touched wrongly", n, (long long)bad);
    free(ac.mark);

    weft_exit();
    /* relaxed: a progress figure for the watchdog only. */
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

int main(void)
{
    weft_test_watchdog_count("sched_loops", 600, "rounds done:", &progress);
    uint64_t t0 = weft__now_ns();
    for (int n = 1; n <= 8; n++) round_of(n);
    printf("sched_loops: 8 rounds in %.1f s\n", weft_test_secs_since(t0));
    return weft_test_result("sched_loops");
}
