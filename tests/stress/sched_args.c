/* Arguments and results of every size, with 1 to 4 workers (thieves take
 * frames of every kind): tasks of arity 8 (32 bytes inline, 48 and 64 out of
 * line), typed arguments of 48, 56, 100, 128 and 256 bytes (out of line:
 * more than WEFT_ARGS_MAX) valued and void, results of 64, 128 and 256 bytes
 * (boxed), and raw spawns, detached tasks and futures with 200 bytes of
 * arguments (out of line). Every result is checked against a
 * serial twin; an out-of-line block that is not freed is a leak that
 * AddressSanitizer's leak checker reports. Exit 0 = pass. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <weft.h>

#include "tests/common/weft_test.h"

#ifdef WEFT_SANITIZE
#define DEPTH 9
#else
#define DEPTH 12
#endif

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
}

/* ---- arity 8 inline: eight ints, 32 bytes ---- */
long small8(int depth, int a, int b, int c, int d, int e, int f, int g);
WEFT_TASK_8(long, small8, int, int, int, int, int, int, int, int)
_Static_assert(sizeof(small8__weft_args) == 32, "small8 stays inline");
long small8(int depth, int a, int b, int c, int d, int e, int f, int g)
{
    long here = a + 2L * b + 3L * c + 4L * d + 5L * e + 6L * f + 7L * g;
    if (depth == 0) return here;
    WEFT_FLOWVAR(small8) x = WEFT_SPAWN(small8, depth - 1, g, a, b, c, d, e, f + depth);
    long y = small8(depth - 1, a + 1, b, c, d, e, f, g);
    return WEFT_SYNC(x) * 3 + y + here;
}
static long small8_serial(int depth, int a, int b, int c, int d, int e, int f, int g)
{
    long here = a + 2L * b + 3L * c + 4L * d + 5L * e + 6L * f + 7L * g;
    if (depth == 0) return here;
    return small8_serial(depth - 1, g, a, b, c, d, e, f + depth) * 3 + small8_serial(depth - 1, a + 1, b, c, d, e, f, g) +
           here;
}

/* ---- arity 8, eight types: each argument at its own offset, 48 bytes
 * with the padding (out of line) ---- */
static long eight_leaf(char a, short b, int c, long d, unsigned e, double f, float g, char h)
{
    return a + 3L * b + 5L * c + 7L * d + 11L * (long)e + (long)(13 * f) + (long)(17 * g) + 19L * h;
}
long eight(int depth, char a, short b, int c, long d, unsigned e, double f, float g);
WEFT_TASK_8(long, eight, int, char, short, int, long, unsigned, double, float)
_Static_assert(sizeof(eight__weft_args) == 48, "eight goes out of line");
long eight(int depth, char a, short b, int c, long d, unsigned e, double f, float g)
{
    long here = eight_leaf(a, b, c, d, e, f, g, (char)depth);
    if (depth == 0) return here;
    WEFT_FLOWVAR(eight) x = WEFT_SPAWN(eight, depth - 1, (char)(a + 1), (short)(b - 2), c + 3, d * 2 + 1,
                                       e + 5u, f + 0.5, g + 0.25f);
    long y = eight(depth - 1, a, b, c, d, e, f, g);
    return WEFT_SYNC(x) + y + here;
}
static long eight_serial(int depth, char a, short b, int c, long d, unsigned e, double f, float g)
{
    long here = eight_leaf(a, b, c, d, e, f, g, (char)depth);
    if (depth == 0) return here;
    return eight_serial(depth - 1, (char)(a + 1), (short)(b - 2), c + 3, d * 2 + 1, e + 5u, f + 0.5, g + 0.25f) +
           eight_serial(depth - 1, a, b, c, d, e, f, g) + here;
}

/* ---- a void task of arity 8 whose arguments (64 bytes) go out of line ---- */
static _Atomic uint64_t void8_sum;
void void8(int depth, long a, long b, long c, long d, long e, long f, long g);
WEFT_VOID_TASK_8(void8, int, long, long, long, long, long, long, long)
_Static_assert(sizeof(void8__weft_args) == 64, "void8 goes out of line");
void void8(int depth, long a, long b, long c, long d, long e, long f, long g)
{
    if (depth == 0) {
        /* relaxed: read after the WEFT_WAIT that orders it. */
        atomic_fetch_add_explicit(&void8_sum, mix((uint64_t)(a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g)),
                                  memory_order_relaxed);
        return;
    }
    WEFT_FLOWVAR(void8) x = WEFT_SPAWN(void8, depth - 1, a * 2, b + 1, c, d, e, f, g);
    void8(depth - 1, a * 2 + 1, b, c + 1, d, e, f, g + depth);
    WEFT_WAIT(x);
}
static uint64_t void8_serial(int depth, long a, long b, long c, long d, long e, long f, long g)
{
    if (depth == 0) return mix((uint64_t)(a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g));
    return void8_serial(depth - 1, a * 2, b + 1, c, d, e, f, g) +
           void8_serial(depth - 1, a * 2 + 1, b, c + 1, d, e, f, g + depth);
}

/* ---- 56 bytes of arguments (48 and an int), a small result; every 5th node syncs its
 * children in spawn order (out of order) ---- */
typedef struct s48 { uint64_t v[6]; } s48;
static s48 s48_next(s48 x, uint64_t k)
{
    for (int i = 0; i < 6; i++) x.v[i] = mix(x.v[i] + k + (uint64_t)i);
    return x;
}
static uint64_t s48_hash(s48 x)
{
    uint64_t h = 0;
    for (int i = 0; i < 6; i++) h = mix(h ^ x.v[i]);
    return h;
}
uint64_t t48(s48 x, int depth);
WEFT_TASK_2(uint64_t, t48, s48, int)
_Static_assert(sizeof(t48__weft_args) == 56, "t48: 56 bytes");
uint64_t t48(s48 x, int depth)
{
    uint64_t h = s48_hash(x);
    if (depth == 0) return h;
    WEFT_FLOWVAR(t48) a = WEFT_SPAWN(t48, s48_next(x, 1), depth - 1);
    WEFT_FLOWVAR(t48) b = WEFT_SPAWN(t48, s48_next(x, 2), depth - 1);
    uint64_t ra, rb;
    if (h % 5 == 0) { ra = WEFT_SYNC(a); rb = WEFT_SYNC(b); }
    else { rb = WEFT_SYNC(b); ra = WEFT_SYNC(a); }
    return mix(h + ra) ^ rb;
}
static uint64_t t48_serial(s48 x, int depth)
{
    uint64_t h = s48_hash(x);
    if (depth == 0) return h;
    uint64_t ra = t48_serial(s48_next(x, 1), depth - 1), rb = t48_serial(s48_next(x, 2), depth - 1);
    return mix(h + ra) ^ rb;
}

/* ---- 100 bytes of arguments (96 and an int), void ---- */
typedef struct s100 { unsigned char b[96]; } s100;
static _Atomic uint64_t v100_sum;
static uint64_t s100_hash(const s100 *x)
{
    uint64_t h = 0;
    for (int i = 0; i < 96; i++) h = h * 131 + x->b[i];
    return h;
}
void v100(s100 x, int depth);
WEFT_VOID_TASK_2(v100, s100, int)
_Static_assert(sizeof(v100__weft_args) == 100, "v100: 100 bytes");
void v100(s100 x, int depth)
{
    if (depth == 0) {
        /* relaxed: read after the WEFT_WAIT that orders it. */
        atomic_fetch_add_explicit(&v100_sum, mix(s100_hash(&x)), memory_order_relaxed);
        return;
    }
    s100 l = x, r = x;
    l.b[depth % 96] ^= 0x5a;
    r.b[95 - depth % 96] += 3;
    WEFT_FLOWVAR(v100) a = WEFT_SPAWN(v100, l, depth - 1);
    WEFT_FLOWVAR(v100) b = WEFT_SPAWN(v100, r, depth - 1);
    WEFT_WAIT(b);
    WEFT_WAIT(a);
}
static uint64_t v100_serial(s100 x, int depth)
{
    if (depth == 0) return mix(s100_hash(&x));
    s100 l = x, r = x;
    l.b[depth % 96] ^= 0x5a;
    r.b[95 - depth % 96] += 3;
    return v100_serial(l, depth - 1) + v100_serial(r, depth - 1);
}

/* ---- 128 bytes of arguments and a 128-byte result (both out of line);
 * the depth rides in the struct, so the arguments are exactly 128 bytes */
typedef struct s128 { uint64_t v[16]; } s128;
s128 t128(s128 x);
WEFT_TASK_1(s128, t128, s128)
_Static_assert(sizeof(t128__weft_args) == 128, "t128: 128 bytes");
s128 t128(s128 x)
{
    uint64_t depth = x.v[0];
    s128 r;
    for (int i = 0; i < 16; i++) r.v[i] = mix(x.v[i] + (uint64_t)i);
    if (depth == 0) return r;
    s128 l = x, m = x;
    l.v[0] = m.v[0] = depth - 1;
    l.v[1 + depth % 15] += 1;
    m.v[15 - depth % 15] ^= 7;
    WEFT_FLOWVAR(t128) a = WEFT_SPAWN(t128, l);
    s128 rm = t128(m);
    s128 ra = WEFT_SYNC(a);
    for (int i = 0; i < 16; i++) r.v[i] += ra.v[i] * 3 + rm.v[i];
    return r;
}
static s128 t128_serial(s128 x)
{
    uint64_t depth = x.v[0];
    s128 r;
    for (int i = 0; i < 16; i++) r.v[i] = mix(x.v[i] + (uint64_t)i);
    if (depth == 0) return r;
    s128 l = x, m = x;
    l.v[0] = m.v[0] = depth - 1;
    l.v[1 + depth % 15] += 1;
    m.v[15 - depth % 15] ^= 7;
    s128 ra = t128_serial(l), rm = t128_serial(m);
    for (int i = 0; i < 16; i++) r.v[i] += ra.v[i] * 3 + rm.v[i];
    return r;
}

/* ---- small arguments, a 64-byte result (boxed by the run wrapper) ---- */
typedef struct s64 { uint64_t v[8]; } s64;
s64 r64(int depth, uint64_t seed);
WEFT_TASK_2(s64, r64, int, uint64_t)
s64 r64(int depth, uint64_t seed)
{
    s64 r;
    for (int i = 0; i < 8; i++) r.v[i] = mix(seed + (uint64_t)i);
    if (depth == 0) return r;
    WEFT_FLOWVAR(r64) a = WEFT_SPAWN(r64, depth - 1, seed * 3 + 1);
    WEFT_FLOWVAR(r64) b = WEFT_SPAWN(r64, depth - 1, seed * 3 + 2);
    s64 ra = WEFT_SYNC(a), rb = WEFT_SYNC(b);
    for (int i = 0; i < 8; i++) r.v[i] ^= ra.v[i] + 2 * rb.v[i];
    return r;
}
static s64 r64_serial(int depth, uint64_t seed)
{
    s64 r;
    for (int i = 0; i < 8; i++) r.v[i] = mix(seed + (uint64_t)i);
    if (depth == 0) return r;
    s64 ra = r64_serial(depth - 1, seed * 3 + 1), rb = r64_serial(depth - 1, seed * 3 + 2);
    for (int i = 0; i < 8; i++) r.v[i] ^= ra.v[i] + 2 * rb.v[i];
    return r;
}

/* ---- the largest: 256 bytes in, 256 bytes out ---- */
typedef struct s256 { uint64_t v[32]; } s256;
s256 t256(s256 x);
WEFT_TASK_1(s256, t256, s256)
s256 t256(s256 x)
{
    for (int i = 0; i < 32; i++) x.v[i] = mix(x.v[i] ^ (uint64_t)(31 - i));
    return x;
}

/* ---- raw tasks with out-of-line arguments: fn gets the whole block and
 * writes its (at most WEFT_ARGS_MAX bytes) result at its start ---- */
typedef struct raw_args { uint64_t v[25]; } raw_args; /* 200 bytes */
static uint64_t raw_sum(const raw_args *a)
{
    uint64_t s = 0;
    for (int i = 0; i < 25; i++) s = mix(s + a->v[i]);
    return s;
}
static void raw_task(void *buf)
{
    raw_args a;
    memcpy(&a, buf, sizeof a);
    uint64_t r[5] = {raw_sum(&a), a.v[0], a.v[24], 5, 40};
    memcpy(buf, r, sizeof r);
}
static _Atomic uint64_t raw_detached_sum;
static void raw_detached(void *buf)
{
    raw_args a;
    memcpy(&a, buf, sizeof a);
    /* relaxed: read after weft_sync_root, which orders it. */
    atomic_fetch_add_explicit(&raw_detached_sum, raw_sum(&a), memory_order_relaxed);
}
static raw_args raw_make(uint64_t k)
{
    raw_args a;
    for (int i = 0; i < 25; i++) a.v[i] = k * 1000 + (uint64_t)i;
    return a;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    weft_test_watchdog("sched_args", getenv("WEFT_TEST_ALARM") ? (unsigned)atoi(getenv("WEFT_TEST_ALARM")) : 240);

    const long small8_want = small8_serial(DEPTH, 1, 2, 3, 4, 5, 6, 7);
    const long eight_want = eight_serial(DEPTH, 1, 2, 3, 4, 5, 6.0, 7.0f);
    const uint64_t void8_want = void8_serial(DEPTH, 1, 2, 3, 4, 5, 6, 7);
    s48 x48 = {{1, 2, 3, 4, 5, 6}};
    const uint64_t t48_want = t48_serial(x48, DEPTH);
    s100 x100;
    for (int i = 0; i < 96; i++) x100.b[i] = (unsigned char)(i * 7);
    const uint64_t v100_want = v100_serial(x100, DEPTH);
    s128 x128 = {{DEPTH}};
    for (int i = 1; i < 16; i++) x128.v[i] = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
    const s128 t128_want = t128_serial(x128);
    const s64 r64_want = r64_serial(DEPTH - 2, 42);
    enum { NRAW = 300 };

    for (int n = 1; n <= 4; n++) {
        weft_config cfg = {.num_threads = n};
        if (weft_init(&cfg) != 0) { fprintf(stderr, "FAIL: weft_init: %s\n", weft_last_error()); return 1; }
        for (int rep = 0; rep < 3; rep++) {
            long e8 = small8(DEPTH, 1, 2, 3, 4, 5, 6, 7);
            CHECK(e8 == small8_want, "workers=%d arity 8 inline: %ld want %ld", n, e8, small8_want);
            long e = eight(DEPTH, 1, 2, 3, 4, 5, 6.0, 7.0f);
            CHECK(e == eight_want, "workers=%d arity 8: %ld want %ld", n, e, eight_want);

            atomic_store(&void8_sum, 0);
            WEFT_FLOWVAR(void8) fv8 = WEFT_SPAWN(void8, DEPTH, 1, 2, 3, 4, 5, 6, 7);
            WEFT_WAIT(fv8);
            CHECK(atomic_load(&void8_sum) == void8_want, "workers=%d void arity 8 (64 bytes): %llx want %llx", n,
                  (unsigned long long)atomic_load(&void8_sum), (unsigned long long)void8_want);

            uint64_t h48 = t48(x48, DEPTH);
            CHECK(h48 == t48_want, "workers=%d 48-byte arguments: %llx want %llx", n, (unsigned long long)h48,
                  (unsigned long long)t48_want);

            atomic_store(&v100_sum, 0);
            v100(x100, DEPTH);
            CHECK(atomic_load(&v100_sum) == v100_want, "workers=%d 100-byte void: %llx want %llx", n,
                  (unsigned long long)atomic_load(&v100_sum), (unsigned long long)v100_want);

            s128 r128 = t128(x128);
            CHECK(memcmp(&r128, &t128_want, sizeof r128) == 0, "workers=%d 128-byte arguments and result differ",
                  n);

            s64 r = r64(DEPTH - 2, 42);
            CHECK(memcmp(&r, &r64_want, sizeof r) == 0, "workers=%d 64-byte result differs", n);
        }

        /* 256 bytes both ways, many at once (some shipped, synced in spawn order) */
        enum { N256 = 64 };
        WEFT_FLOWVAR(t256) f256[N256];
        for (int i = 0; i < N256; i++) {
            s256 x;
            for (int j = 0; j < 32; j++) x.v[j] = (uint64_t)(i * 32 + j);
            f256[i] = WEFT_SPAWN(t256, x);
        }
        for (int i = 0; i < N256; i++) {
            s256 got = WEFT_SYNC(f256[i]), x;
            for (int j = 0; j < 32; j++) x.v[j] = (uint64_t)(i * 32 + j);
            s256 want = t256(x);
            CHECK(memcmp(&got, &want, sizeof got) == 0, "workers=%d 256-byte task %d differs", n, i);
        }

        /* raw: flowvars (synced newest first), detached tasks and futures */
        static weft_flowvar raw[NRAW];
        static weft_future *fut[NRAW];
        atomic_store(&raw_detached_sum, 0);
        uint64_t detached_want = 0;
        for (int i = 0; i < NRAW; i++) {
            raw_args a = raw_make((uint64_t)i);
            raw[i] = weft_spawn(raw_task, &a, sizeof a);
            weft_spawn_detached(raw_detached, &a, sizeof a);
            detached_want += raw_sum(&a);
            fut[i] = weft_spawn_future(raw_task, &a, sizeof a);
        }
        for (int i = NRAW - 1; i >= 0; i--) {
            raw_args a = raw_make((uint64_t)i);
            uint64_t r[5], fr[5];
            memcpy(r, weft_sync(&raw[i]), sizeof r);
            weft_future_get(fut[i], fr, sizeof fr);
            weft_future_free(fut[i]);
            CHECK(r[0] == raw_sum(&a) && r[1] == a.v[0] && r[2] == a.v[24] && r[3] == 5 && r[4] == 40,
                  "workers=%d raw task %d: %llx", n, i, (unsigned long long)r[0]);
            CHECK(memcmp(r, fr, sizeof r) == 0, "workers=%d raw future %d differs", n, i);
        }
        weft_sync_root();
        CHECK(atomic_load(&raw_detached_sum) == detached_want, "workers=%d raw detached sum %llx want %llx", n,
              (unsigned long long)atomic_load(&raw_detached_sum), (unsigned long long)detached_want);
        weft_exit();
        printf("workers=%d ok\n", n);
    }
    return weft_test_result("sched_args");
}
