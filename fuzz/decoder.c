/* fuzz/decoder.c: the frame decoder and the stream reader of quarantine/wire.c
 * on arbitrary bytes, read as one stream (spec section 3).
 *
 * The input is decoded three times: fed whole to a q_decoder; fed to another
 * in chunks of pseudo-random sizes (1 byte to 4 KiB, from a hash of the
 * input), pulling frames between feeds; and through a q_reader whose read
 * callback hands out such chunks, to its end (require_end). Checked:
 *   - every frame decoded is well formed by the spec's rules, independently of
 *     the decoder: kind 0..5, flags 0, HELLO first and only first, with N >= 1,
 *     t_ms never decreasing, its offset the end of the frame before it;
 *   - it encodes back (q_frame_encode) to exactly the bytes it came from;
 *   - all three ways give the same frames and the same end: more bytes
 *     wanted, END, or the same error (code, byte offset, detail), which is
 *     the offset of the first frame not returned;
 *   - q_decoder_finish agrees: a clean end only after END or, without
 *     require_end, at a frame boundary; else the stream's own error, or
 *     truncated / no_hello;
 *   - q_head_validators (the binding of a listening run, head.h) sees a HELLO
 *     at the start exactly when the decoder's first frame is one, with its N.
 */
#include <string.h>

#include "fuzz/fuzz.h"
#include "quarantine/head.h"
#include "quarantine/wire.h"

/* One decoding of the input: what has been returned so far. */
typedef struct pass {
    const uint8_t *data;
    size_t size;
    uint64_t off;     /* offset of the next frame: the end of the last one */
    uint64_t frames;
    uint64_t last_t;
    uint32_t hello_n; /* the first frame's N */
} pass;

/* Checks frame f, the next one of pass p, against the input and releases it. */
static void take(pass *p, q_frame *f)
{
    FUZZ_CHECK(f->offset == p->off, "frame %llu at offset %llu, the previous one ended at %llu",
               (unsigned long long)p->frames, (unsigned long long)f->offset, (unsigned long long)p->off);
    FUZZ_CHECK(f->kind < Q_KIND_COUNT && f->flags == 0, "kind %u flags %u", f->kind, f->flags);
    FUZZ_CHECK((p->frames == 0) == (f->kind == Q_KIND_HELLO), "frame %llu is %s",
               (unsigned long long)p->frames, q_kind_word((q_kind)f->kind));
    FUZZ_CHECK(p->frames == 0 || f->t_ms >= p->last_t, "t_ms %llu after %llu", (unsigned long long)f->t_ms,
               (unsigned long long)p->last_t);
    if (f->kind == Q_KIND_HELLO) {
        FUZZ_CHECK(f->u.hello.n_validators >= 1, "HELLO with N = 0");
        p->hello_n = f->u.hello.n_validators;
    }
    size_t sz = q_frame_size(f);
    FUZZ_CHECK(sz == Q_FRAME_LEN_BYTES + (size_t)f->len, "size %zu, len field %u", sz, f->len);
    FUZZ_CHECK(f->offset + sz <= p->size, "frame ends at %llu, past the input's %zu bytes",
               (unsigned long long)(f->offset + sz), p->size);
    uint8_t *buf = malloc(sz);
    FUZZ_CHECK(buf, "out of memory");
    FUZZ_CHECK(q_frame_encode(f, buf, sz) == sz, "encode");
    FUZZ_CHECK(memcmp(buf, p->data + f->offset, sz) == 0, "the %s frame at %llu does not encode to its bytes",
               q_kind_word((q_kind)f->kind), (unsigned long long)f->offset);
    free(buf);
    p->off += sz;
    p->frames++;
    p->last_t = f->t_ms;
    q_frame_release(f);
}

/* How a decoding ended. */
typedef struct outcome {
    int rc;           /* Q_DEC_MORE, Q_DEC_DONE or Q_DEC_ERROR */
    q_wire_error err; /* for Q_DEC_ERROR */
    uint64_t frames;
} outcome;

static void same_outcome(const outcome *a, const outcome *b, const char *what)
{
    FUZZ_CHECK(a->rc == b->rc && a->frames == b->frames, "%s: rc %d / %d after %llu / %llu frames", what, a->rc,
               b->rc, (unsigned long long)a->frames, (unsigned long long)b->frames);
    if (a->rc == Q_DEC_ERROR)
        FUZZ_CHECK(a->err.code == b->err.code && a->err.offset == b->err.offset &&
                       strcmp(a->err.detail, b->err.detail) == 0,
                   "%s: error %s at %llu (%s) / %s at %llu (%s)", what, q_wire_err_word(a->err.code),
                   (unsigned long long)a->err.offset, a->err.detail, q_wire_err_word(b->err.code),
                   (unsigned long long)b->err.offset, b->err.detail);
}

/* An error is the stream's (never out of memory or I/O here), worded, and at
 * the first frame not returned. */
static void check_error(const pass *p, const q_wire_error *e)
{
    FUZZ_CHECK(e->code > Q_WE_NONE && e->code < Q_WE_COUNT && e->code != Q_WE_IO && e->code != Q_WE_NOMEM,
               "error code %d", (int)e->code);
    FUZZ_CHECK(e->offset == p->off, "%s at %llu, the last frame ended at %llu", q_wire_err_word(e->code),
               (unsigned long long)e->offset, (unsigned long long)p->off);
    FUZZ_CHECK(e->detail[0] != '\0' && memchr(e->detail, '\0', sizeof e->detail), "no detail");
    char buf[256];
    q_wire_error_format(e, buf, sizeof buf);
}

/* Pulls frames out of d until it wants more bytes, ended or failed. */
static int drain(q_decoder *d, pass *p, q_wire_error *err)
{
    for (;;) {
        q_frame f;
        int rc = q_decoder_next(d, &f, err);
        if (rc != Q_DEC_FRAME) {
            if (rc == Q_DEC_ERROR) check_error(p, err);
            return rc;
        }
        take(p, &f);
    }
}

/* Chunk sizes: xorshift64 seeded from the input, 1..4096 bytes, mostly small. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t chunk(uint64_t *s)
{
    uint64_t r = next_rand(s);
    return (size_t)(r % ((r >> 32) % 4 == 0 ? 4096 : 32)) + 1;
}

/* The q_reader's source: the input, in chunks. */
typedef struct source {
    const uint8_t *data;
    size_t size, pos;
    uint64_t rng;
} source;

static ssize_t read_chunks(void *ctx, void *buf, size_t cap)
{
    source *s = ctx;
    size_t n = chunk(&s->rng);
    if (n > cap) n = cap;
    if (n > s->size - s->pos) n = s->size - s->pos;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t seed = 1469598103934665603ull; /* FNV-1a of the input: the chunking */
    for (size_t i = 0; i < size; i++) seed = (seed ^ data[i]) * 1099511628211ull;
    seed |= 1;

    /* 1. whole */
    q_decoder d1;
    FUZZ_CHECK(q_decoder_init(&d1) == 0, "out of memory");
    pass p1 = {.data = data, .size = size};
    outcome o1 = {0};
    FUZZ_CHECK(q_decoder_feed(&d1, data, size) == 0, "feed");
    o1.rc = drain(&d1, &p1, &o1.err);
    o1.frames = p1.frames;
    FUZZ_CHECK((o1.rc == Q_DEC_DONE) == d1.seen_end, "DONE %d, END seen %d", o1.rc == Q_DEC_DONE, d1.seen_end);

    /* 2. in chunks */
    q_decoder d2;
    FUZZ_CHECK(q_decoder_init(&d2) == 0, "out of memory");
    pass p2 = {.data = data, .size = size};
    outcome o2 = {0};
    uint64_t rng = seed;
    size_t pos = 0;
    o2.rc = Q_DEC_MORE;
    while (o2.rc == Q_DEC_MORE && pos < size) {
        size_t n = chunk(&rng);
        if (n > size - pos) n = size - pos;
        FUZZ_CHECK(q_decoder_feed(&d2, data + pos, n) == 0, "feed");
        pos += n;
        o2.rc = drain(&d2, &p2, &o2.err);
    }
    o2.frames = p2.frames;
    if (o2.rc == Q_DEC_DONE) { /* bytes after END are ignored */
        FUZZ_CHECK(q_decoder_feed(&d2, data, size) == 0, "a feed after END");
        FUZZ_CHECK(drain(&d2, &p2, &o2.err) == Q_DEC_DONE, "not DONE after END");
    }
    same_outcome(&o1, &o2, "whole / chunked");

    /* the end of the bytes */
    bool ended = d1.seen_end;
    q_wire_error e1, e2;
    int f1 = q_decoder_finish(&d1, true, &e1);
    int f2 = q_decoder_finish(&d2, false, &e2);
    size_t rest = size - p1.off;
    if (ended) {
        FUZZ_CHECK(f1 == Q_DEC_DONE && f2 == Q_DEC_DONE, "finish after END: %d %d", f1, f2);
    } else if (o1.rc == Q_DEC_ERROR) {
        FUZZ_CHECK(f1 == Q_DEC_ERROR && f2 == Q_DEC_ERROR && e1.code == o1.err.code && e2.code == o1.err.code &&
                       e1.offset == o1.err.offset,
                   "finish after an error: %d %d", f1, f2);
    } else if (rest > 0) {
        FUZZ_CHECK(f1 == Q_DEC_ERROR && e1.code == Q_WE_TRUNCATED && e1.offset == p1.off, "finish inside a frame");
        FUZZ_CHECK(f2 == Q_DEC_ERROR && e2.code == Q_WE_TRUNCATED && e2.offset == p1.off, "finish inside a frame");
    } else {
        FUZZ_CHECK(f1 == Q_DEC_ERROR && e1.code == (p1.frames ? Q_WE_TRUNCATED : Q_WE_NO_HELLO),
                   "finish without END, require_end: %d %s", f1, q_wire_err_word(e1.code));
        FUZZ_CHECK(f2 == Q_DEC_DONE, "finish at a frame boundary, no require_end: %d", f2);
    }
    q_decoder_destroy(&d1);
    q_decoder_destroy(&d2);

    /* 3. the reader, to its end */
    q_reader rd;
    source src = {.data = data, .size = size, .rng = seed * 31 + 7};
    FUZZ_CHECK(q_reader_init(&rd, read_chunks, &src, true) == 0, "out of memory");
    pass p3 = {.data = data, .size = size};
    int r3;
    q_wire_error e3;
    for (;;) {
        q_frame f;
        r3 = q_reader_next(&rd, &f, &e3);
        if (r3 != Q_DEC_FRAME) break;
        take(&p3, &f);
    }
    q_reader_destroy(&rd);
    FUZZ_CHECK(p3.frames == p1.frames, "reader: %llu frames, decoder %llu", (unsigned long long)p3.frames,
               (unsigned long long)p1.frames);
    FUZZ_CHECK(r3 == f1, "reader ends with %d, decoder + finish with %d", r3, f1);
    if (r3 == Q_DEC_ERROR)
        FUZZ_CHECK(e3.code == e1.code && e3.offset == e1.offset, "reader: %s at %llu, decoder: %s at %llu",
                   q_wire_err_word(e3.code), (unsigned long long)e3.offset, q_wire_err_word(e1.code),
                   (unsigned long long)e1.offset);

    /* the binding's view of the head */
    uint32_t v = q_head_validators(data, size);
    bool hello = p1.frames > 0;
    FUZZ_CHECK((v != 0) == hello && (!hello || v == p1.hello_n), "q_head_validators %u, decoder: %s N %u", v,
               hello ? "HELLO" : "no HELLO", p1.hello_n);
    return 0;
}
