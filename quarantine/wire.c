/* quarantine/wire.c: frame encoding and the incremental, validating decoder. */
#include "quarantine/wire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "quarantine/chain.h"

/* ------------------------------------------------------------ errors */

const char *q_wire_err_word(q_wire_err e)
{
    static const char *const w[Q_WE_COUNT] = {
        "none", "bad_length", "unknown_kind", "bad_flags", "bad_size", "no_hello",
        "repeated_hello", "bad_hello", "time_backwards", "truncated", "io_error", "out_of_memory",
    };
    return (unsigned)e < Q_WE_COUNT ? w[e] : "?";
}

char *q_wire_error_format(const q_wire_error *e, char *buf, size_t cap)
{
    snprintf(buf, cap, "byte offset %" PRIu64 ": %s: %s", e->offset, q_wire_err_word(e->code), e->detail);
    return buf;
}

/* Records the decoder's sticky error (code at offset, printf-style detail),
 * copies it to *out when non-NULL, and returns Q_DEC_ERROR. */
__attribute__((format(printf, 5, 6))) static int fail(q_decoder *d, q_wire_error *out, q_wire_err code,
                                                      uint64_t offset, const char *fmt, ...)
{
    d->err.code = code;
    d->err.offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err.detail, sizeof d->err.detail, fmt, ap);
    va_end(ap);
    if (out) *out = d->err;
    return Q_DEC_ERROR;
}

/* ------------------------------------------------------------ encoding */

void q_frame_release(q_frame *f)
{
    if (f->kind == Q_KIND_BLOCK) {
        free((void *)f->u.block.body);
        f->u.block.body = NULL;
    }
}

/* Payload bytes of f, or SIZE_MAX for an unknown kind. */
static size_t payload_size(const q_frame *f)
{
    switch (f->kind) {
    case Q_KIND_HELLO: return Q_HELLO_BYTES;
    case Q_KIND_BLOCK: return Q_BLOCK_MIN_BYTES + f->u.block.hdr.body_len;
    case Q_KIND_ATTESTATION: return Q_ATT_BYTES;
    case Q_KIND_TICK: return 0;
    case Q_KIND_FINALIZE: return Q_FINALIZE_BYTES;
    case Q_KIND_END: return 0;
    default: return SIZE_MAX;
    }
}

size_t q_frame_size(const q_frame *f)
{
    size_t p = payload_size(f);
    return p == SIZE_MAX ? 0 : Q_FRAME_LEN_BYTES + Q_FRAME_HEAD_BYTES + p;
}

size_t q_frame_encode(const q_frame *f, uint8_t *buf, size_t cap)
{
    size_t total = q_frame_size(f);
    if (total == 0 || total > cap) return total;
    q_put_le32(buf, (uint32_t)(total - Q_FRAME_LEN_BYTES));
    buf[4] = f->kind;
    buf[5] = f->flags;
    q_put_le16(buf + 6, f->peer);
    q_put_le64(buf + 8, f->t_ms);
    uint8_t *p = buf + 16;
    switch (f->kind) {
    case Q_KIND_HELLO:
        memcpy(p, Q_HELLO_MAGIC, 4);
        q_put_le32(p + 4, f->u.hello.n_validators);
        break;
    case Q_KIND_BLOCK:
        q_header_encode(&f->u.block.hdr, p);
        memcpy(p + Q_HEADER_BYTES, f->u.block.sig, Q_SIG_BYTES);
        if (f->u.block.hdr.body_len)
            memcpy(p + Q_BLOCK_MIN_BYTES, f->u.block.body, f->u.block.hdr.body_len);
        break;
    case Q_KIND_ATTESTATION:
        q_att_encode(&f->u.att, p);
        break;
    case Q_KIND_FINALIZE:
        q_put_le64(p, f->u.fin.epoch);
        memcpy(p + 8, f->u.fin.root.b, Q_ROOT_BYTES);
        break;
    default:
        break;
    }
    return total;
}

int q_frame_write(FILE *out, const q_frame *f)
{
    uint8_t small[Q_FRAME_LEN_BYTES + Q_FRAME_HEAD_BYTES + Q_ATT_BYTES];
    size_t total = q_frame_size(f);
    if (total == 0) return -1;
    uint8_t *buf = total <= sizeof small ? small : malloc(total);
    if (!buf) return -1;
    q_frame_encode(f, buf, total);
    int rc = fwrite(buf, 1, total, out) == total ? 0 : -1;
    if (buf != small) free(buf);
    return rc;
}

int q_frame_write_raw(FILE *out, uint8_t kind, uint8_t flags, uint16_t peer, uint64_t t_ms,
                      const void *payload, size_t n)
{
    uint8_t head[16];
    q_put_le32(head, (uint32_t)(Q_FRAME_HEAD_BYTES + n));
    head[4] = kind;
    head[5] = flags;
    q_put_le16(head + 6, peer);
    q_put_le64(head + 8, t_ms);
    if (fwrite(head, 1, sizeof head, out) != sizeof head) return -1;
    if (n && fwrite(payload, 1, n, out) != n) return -1;
    return 0;
}

/* ------------------------------------------------------------ decoder */

#define DEC_INITIAL_CAP (64u * 1024u)

int q_decoder_init(q_decoder *d)
{
    memset(d, 0, sizeof *d);
    d->buf = malloc(DEC_INITIAL_CAP);
    if (!d->buf) return -1;
    d->cap = DEC_INITIAL_CAP;
    return 0;
}

void q_decoder_destroy(q_decoder *d)
{
    free(d->buf);
    d->buf = NULL;
    d->cap = d->start = d->end = 0;
}

/* Makes room for at least `want` bytes after buf[end]: moves the unconsumed
 * bytes to the front, then grows. Returns 0 or -1 (out of memory). */
static int dec_reserve(q_decoder *d, size_t want)
{
    if (d->cap - d->end >= want) return 0;
    if (d->start) {
        memmove(d->buf, d->buf + d->start, d->end - d->start);
        d->end -= d->start;
        d->start = 0;
        if (d->cap - d->end >= want) return 0;
    }
    size_t cap = d->cap;
    while (cap - d->end < want) cap *= 2;
    uint8_t *nb = realloc(d->buf, cap);
    if (!nb) return -1;
    d->buf = nb;
    d->cap = cap;
    return 0;
}

int q_decoder_feed(q_decoder *d, const void *bytes, size_t n)
{
    if (d->seen_end || d->err.code != Q_WE_NONE) return d->err.code == Q_WE_NOMEM ? -1 : 0;
    if (dec_reserve(d, n) < 0) {
        fail(d, NULL, Q_WE_NOMEM, d->offset + (d->end - d->start), "cannot buffer %zu more bytes", n);
        return -1;
    }
    memcpy(d->buf + d->end, bytes, n);
    d->end += n;
    return 0;
}

/* Decodes the payload p[0..n) of a frame of kind `kind` into out, checking its
 * size. Returns Q_DEC_FRAME or Q_DEC_ERROR (via fail, at offset off). */
static int decode_payload(q_decoder *d, q_frame *out, const uint8_t *p, size_t n, uint64_t off,
                          q_wire_error *err)
{
    const char *kw = q_kind_word((q_kind)out->kind);
    switch (out->kind) {
    case Q_KIND_HELLO:
        if (n != Q_HELLO_BYTES)
            return fail(d, err, Q_WE_BAD_SIZE, off, "HELLO payload is %zu bytes, wants %u", n, Q_HELLO_BYTES);
        if (memcmp(p, Q_HELLO_MAGIC, 4) != 0)
            return fail(d, err, Q_WE_BAD_HELLO, off, "HELLO magic is not \"%s\"", Q_HELLO_MAGIC);
        out->u.hello.n_validators = q_get_le32(p + 4);
        if (out->u.hello.n_validators == 0)
            return fail(d, err, Q_WE_BAD_HELLO, off, "HELLO announces 0 validators");
        return Q_DEC_FRAME;
    case Q_KIND_BLOCK: {
        if (n < Q_BLOCK_MIN_BYTES)
            return fail(d, err, Q_WE_BAD_SIZE, off, "BLOCK payload is %zu bytes, under the %u of header and signature",
                        n, Q_BLOCK_MIN_BYTES);
        q_signed_block *b = &out->u.block;
        q_header_decode(p, &b->hdr);
        if (b->hdr.body_len > Q_BODY_MAX)
            return fail(d, err, Q_WE_BAD_SIZE, off, "BLOCK body_len %" PRIu32 " exceeds %u", b->hdr.body_len,
                        Q_BODY_MAX);
        if (n != Q_BLOCK_MIN_BYTES + (size_t)b->hdr.body_len)
            return fail(d, err, Q_WE_BAD_SIZE, off, "BLOCK payload is %zu bytes, header body_len %" PRIu32 " wants %zu",
                        n, b->hdr.body_len, Q_BLOCK_MIN_BYTES + (size_t)b->hdr.body_len);
        memcpy(b->sig, p + Q_HEADER_BYTES, Q_SIG_BYTES);
        b->body = NULL;
        if (b->hdr.body_len) {
            uint8_t *body = malloc(b->hdr.body_len);
            if (!body) return fail(d, err, Q_WE_NOMEM, off, "cannot copy a %" PRIu32 "-byte body", b->hdr.body_len);
            memcpy(body, p + Q_BLOCK_MIN_BYTES, b->hdr.body_len);
            b->body = body;
        }
        return Q_DEC_FRAME;
    }
    case Q_KIND_ATTESTATION:
        if (n != Q_ATT_BYTES)
            return fail(d, err, Q_WE_BAD_SIZE, off, "%s payload is %zu bytes, wants %u", kw, n, Q_ATT_BYTES);
        q_att_decode(p, &out->u.att);
        return Q_DEC_FRAME;
    case Q_KIND_FINALIZE:
        if (n != Q_FINALIZE_BYTES)
            return fail(d, err, Q_WE_BAD_SIZE, off, "%s payload is %zu bytes, wants %u", kw, n, Q_FINALIZE_BYTES);
        out->u.fin.epoch = q_get_le64(p);
        memcpy(out->u.fin.root.b, p + 8, Q_ROOT_BYTES);
        return Q_DEC_FRAME;
    default: /* TICK, END */
        if (n != 0) return fail(d, err, Q_WE_BAD_SIZE, off, "%s payload is %zu bytes, wants 0", kw, n);
        return Q_DEC_FRAME;
    }
}

int q_decoder_next(q_decoder *d, q_frame *out, q_wire_error *err)
{
    if (d->err.code != Q_WE_NONE) {
        if (err) *err = d->err;
        return Q_DEC_ERROR;
    }
    if (d->seen_end) return Q_DEC_DONE;
    size_t have = d->end - d->start;
    if (have < Q_FRAME_LEN_BYTES) return Q_DEC_MORE;
    const uint8_t *f = d->buf + d->start;
    uint64_t off = d->offset;
    uint32_t len = q_get_le32(f);
    if (len < Q_FRAME_LEN_MIN || len > Q_FRAME_LEN_MAX)
        return fail(d, err, Q_WE_BAD_LENGTH, off, "frame len %" PRIu32 " outside [%u, %u]", len, Q_FRAME_LEN_MIN,
                    Q_FRAME_LEN_MAX);
    if (have < Q_FRAME_LEN_BYTES + (size_t)len) return Q_DEC_MORE;

    memset(out, 0, sizeof *out);
    out->kind = f[4];
    out->flags = f[5];
    out->peer = q_get_le16(f + 6);
    out->t_ms = q_get_le64(f + 8);
    out->len = len;
    out->offset = off;
    if (out->kind >= Q_KIND_COUNT) return fail(d, err, Q_WE_UNKNOWN_KIND, off, "frame kind %u is not 0..5", out->kind);
    if (out->flags != 0) return fail(d, err, Q_WE_BAD_FLAGS, off, "frame flags are 0x%02x, must be 0", out->flags);
    if (!d->seen_hello && out->kind != Q_KIND_HELLO)
        return fail(d, err, Q_WE_NO_HELLO, off, "first frame is %s, not HELLO", q_kind_word((q_kind)out->kind));
    if (d->seen_hello && out->kind == Q_KIND_HELLO)
        return fail(d, err, Q_WE_REPEATED_HELLO, off, "a second HELLO");
    if (d->seen_hello && out->t_ms < d->last_t_ms)
        return fail(d, err, Q_WE_TIME_BACKWARDS, off, "t_ms %" PRIu64 " is before the previous %" PRIu64, out->t_ms,
                    d->last_t_ms);
    int rc = decode_payload(d, out, f + 16, len - Q_FRAME_HEAD_BYTES, off, err);
    if (rc != Q_DEC_FRAME) return rc;

    if (out->kind == Q_KIND_HELLO) {
        d->seen_hello = true;
        d->n_validators = out->u.hello.n_validators;
    }
    if (out->kind == Q_KIND_END) d->seen_end = true;
    d->last_t_ms = out->t_ms;
    d->start += Q_FRAME_LEN_BYTES + len;
    d->offset += Q_FRAME_LEN_BYTES + len;
    d->frames++;
    if (d->start == d->end) d->start = d->end = 0;
    return Q_DEC_FRAME;
}

int q_decoder_finish(q_decoder *d, bool require_end, q_wire_error *err)
{
    if (d->err.code != Q_WE_NONE) {
        if (err) *err = d->err;
        return Q_DEC_ERROR;
    }
    if (d->seen_end) return Q_DEC_DONE;
    size_t have = d->end - d->start;
    if (have > 0) {
        uint64_t want = Q_FRAME_LEN_BYTES;
        if (have >= Q_FRAME_LEN_BYTES) want += q_get_le32(d->buf + d->start);
        return fail(d, err, Q_WE_TRUNCATED, d->offset, "stream ends inside a frame: %zu of %" PRIu64 " bytes", have,
                    want);
    }
    if (!require_end) return Q_DEC_DONE;
    if (d->frames == 0) return fail(d, err, Q_WE_NO_HELLO, d->offset, "empty stream, no HELLO");
    return fail(d, err, Q_WE_TRUNCATED, d->offset, "stream ends after %" PRIu64 " frames without END", d->frames);
}

/* ------------------------------------------------------------ reader */

#define READ_CHUNK (64u * 1024u)

/* q_read_fn over a file descriptor (ctx points at the int), retrying EINTR. */
static ssize_t read_fd(void *ctx, void *buf, size_t cap)
{
    int fd = *(int *)ctx;
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n >= 0 || errno != EINTR) return n;
    }
}

/* q_read_fn over a stdio stream. */
static ssize_t read_file(void *ctx, void *buf, size_t cap)
{
    FILE *f = ctx;
    size_t n = fread(buf, 1, cap, f);
    if (n == 0 && ferror(f)) return -1;
    return (ssize_t)n;
}

int q_reader_init(q_reader *r, q_read_fn fn, void *ctx, bool require_end)
{
    memset(r, 0, sizeof *r);
    r->read = fn;
    r->ctx = ctx;
    r->require_end = require_end;
    r->fd = -1;
    return q_decoder_init(&r->dec);
}

int q_reader_init_fd(q_reader *r, int fd, bool require_end)
{
    int rc = q_reader_init(r, read_fd, NULL, require_end);
    r->fd = fd;
    r->ctx = &r->fd;
    return rc;
}

int q_reader_init_file(q_reader *r, FILE *f, bool require_end)
{
    return q_reader_init(r, read_file, f, require_end);
}

int q_reader_next(q_reader *r, q_frame *out, q_wire_error *err)
{
    q_decoder *d = &r->dec;
    for (;;) {
        int rc = q_decoder_next(d, out, err);
        if (rc != Q_DEC_MORE) return rc;
        if (r->eof) return q_decoder_finish(d, r->require_end, err);
        if (dec_reserve(d, READ_CHUNK) < 0)
            return fail(d, err, Q_WE_NOMEM, d->offset, "cannot grow the read buffer");
        ssize_t n = r->read(r->ctx, d->buf + d->end, READ_CHUNK);
        if (n < 0)
            return fail(d, err, Q_WE_IO, d->offset + (d->end - d->start), "read failed: %s", strerror(errno));
        if (n == 0) r->eof = true;
        d->end += (size_t)n;
    }
}

void q_reader_destroy(q_reader *r)
{
    q_decoder_destroy(&r->dec);
}
