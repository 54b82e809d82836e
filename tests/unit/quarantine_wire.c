/* Unit tests of the quarantine's wire format (spec section 3) and chain model
 * (sections 1-2): every malformed-frame case gives its reason and byte
 * offset, frames round-trip through the encoder and the decoder whatever the
 * chunking (bytes, file, pipe), and the chain helpers match values computed
 * independently (Python hashlib) from the spec's formulas. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "quarantine/chain.h"
#include "quarantine/wire.h"

/* ------------------------------------------------------------ helpers */

/* A growable byte buffer that frames are encoded into. */
typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
} bytes;

static void put(bytes *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        cr_assert_not_null(b->p);
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

/* Appends frame f; returns the offset it starts at. */
static size_t put_frame(bytes *b, const q_frame *f)
{
    size_t off = b->n, sz = q_frame_size(f);
    uint8_t *tmp = malloc(sz);
    cr_assert_eq(q_frame_encode(f, tmp, sz), sz);
    put(b, tmp, sz);
    free(tmp);
    return off;
}

/* Appends a raw frame: len = 12 + n (or len_override when non-zero). */
static size_t put_raw(bytes *b, uint32_t len_override, uint8_t kind, uint8_t flags, uint64_t t,
                      const void *payload, size_t n)
{
    size_t off = b->n;
    uint8_t head[16];
    q_put_le32(head, len_override ? len_override : (uint32_t)(12 + n));
    head[4] = kind;
    head[5] = flags;
    q_put_le16(head + 6, 3);
    q_put_le64(head + 8, t);
    put(b, head, 16);
    if (n) put(b, payload, n);
    return off;
}

static q_frame hello(uint32_t n, uint64_t t)
{
    q_frame f = {.kind = Q_KIND_HELLO, .t_ms = t, .peer = 0};
    f.u.hello.n_validators = n;
    return f;
}

static q_frame simple(uint8_t kind, uint64_t t)
{
    q_frame f = {.kind = kind, .t_ms = t, .peer = 1};
    return f;
}

static uint8_t body_bytes[300];

static q_frame block(uint64_t slot, uint32_t body_len, uint64_t t)
{
    q_frame f = {.kind = Q_KIND_BLOCK, .t_ms = t, .peer = 7};
    f.u.block.hdr.slot = slot;
    f.u.block.hdr.proposer = 42;
    f.u.block.hdr.body_len = body_len;
    for (int i = 0; i < 32; i++) {
        f.u.block.hdr.parent_root.b[i] = (uint8_t)i;
        f.u.block.hdr.state_root.b[i] = (uint8_t)(100 + i);
        f.u.block.hdr.body_root.b[i] = (uint8_t)(200 + i);
    }
    for (int i = 0; i < 64; i++) f.u.block.sig[i] = (uint8_t)(i * 3);
    for (size_t i = 0; i < sizeof body_bytes; i++) body_bytes[i] = (uint8_t)(i * 7 + 1);
    f.u.block.body = body_len ? body_bytes : NULL;
    return f;
}

static q_frame attestation(uint64_t t)
{
    q_frame f = {.kind = Q_KIND_ATTESTATION, .t_ms = t, .peer = 65535};
    q_attestation *a = &f.u.att;
    a->attester = 123456;
    a->data.slot = 77;
    a->data.index = 3;
    a->data.source_epoch = 1;
    a->data.target_epoch = 2;
    for (int i = 0; i < 32; i++) {
        a->data.beacon_block_root.b[i] = (uint8_t)(i + 1);
        a->data.source_root.b[i] = (uint8_t)(i + 2);
        a->data.target_root.b[i] = (uint8_t)(i + 3);
    }
    for (int i = 0; i < 64; i++) a->sig[i] = (uint8_t)(255 - i);
    return f;
}

/* Decodes all of b (fed in chunks of `chunk` bytes), requiring END. Returns
 * the final status (Q_DEC_DONE or Q_DEC_ERROR); *nframes counts frames;
 * frames are stored into out[] when non-NULL (caller releases them). */
static int decode_all(const bytes *b, size_t chunk, q_wire_error *err, int *nframes, q_frame *out, int max)
{
    q_decoder d;
    cr_assert_eq(q_decoder_init(&d), 0);
    size_t pos = 0;
    int count = 0, rc;
    for (;;) {
        q_frame f;
        rc = q_decoder_next(&d, &f, err);
        if (rc == Q_DEC_FRAME) {
            if (out && count < max) out[count] = f;
            else q_frame_release(&f);
            count++;
            continue;
        }
        if (rc != Q_DEC_MORE) break;
        if (pos == b->n) {
            rc = q_decoder_finish(&d, true, err);
            break;
        }
        size_t n = b->n - pos < chunk ? b->n - pos : chunk;
        cr_assert_eq(q_decoder_feed(&d, b->p + pos, n), 0);
        pos += n;
    }
    q_decoder_destroy(&d);
    *nframes = count;
    return rc;
}

/* Asserts that b fails with `code` at byte offset `off` after `good` frames,
 * both fed whole and fed one byte at a time. */
static void expect_error(const bytes *b, q_wire_err code, size_t off, int good)
{
    size_t chunks[] = {1, 5, 1u << 24};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        q_wire_error err = {0};
        int n = -1;
        int rc = decode_all(b, chunks[i], &err, &n, NULL, 0);
        cr_assert_eq(rc, Q_DEC_ERROR, "chunk %zu: rc %d, wanted an error %s", chunks[i], rc, q_wire_err_word(code));
        cr_assert_eq(err.code, code, "chunk %zu: got %s (%s), wanted %s", chunks[i], q_wire_err_word(err.code),
                     err.detail, q_wire_err_word(code));
        cr_assert_eq(err.offset, off, "chunk %zu: %s at offset %llu, wanted %zu", chunks[i], q_wire_err_word(code),
                     (unsigned long long)err.offset, off);
        cr_assert_eq(n, good, "chunk %zu: %d frames before the error, wanted %d", chunks[i], n, good);
        cr_assert_neq(err.detail[0], '\0');
    }
}

/* A stream that starts well: HELLO(N=64) at t=0 and one TICK at t=1000. */
static bytes good_start(void)
{
    bytes b = {0};
    q_frame h = hello(64, 0), t = simple(Q_KIND_TICK, 1000);
    put_frame(&b, &h);
    put_frame(&b, &t);
    return b;
}

/* ------------------------------------------------------------ round trips */

Test(quarantine_wire, round_trip_every_kind)
{
    bytes b = {0};
    q_frame in[7];
    in[0] = hello(1024, 0);
    in[1] = block(5, 0, 100);
    in[2] = block(6, 300, 100);
    in[3] = attestation(4000);
    in[4] = simple(Q_KIND_TICK, 12000);
    in[5] = simple(Q_KIND_FINALIZE, 12000);
    in[5].u.fin.epoch = 9;
    memset(in[5].u.fin.root.b, 0xab, 32);
    in[6] = simple(Q_KIND_END, 13000);
    size_t offs[7];
    for (int i = 0; i < 7; i++) offs[i] = put_frame(&b, &in[i]);
    cr_assert_eq(b.n, 7 * 16 + 8 + 176 + 476 + 200 + 40);

    size_t chunks[] = {1, 3, 17, 4096, 1u << 24};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        q_frame out[7];
        q_wire_error err;
        int n;
        cr_assert_eq(decode_all(&b, chunks[c], &err, &n, out, 7), Q_DEC_DONE);
        cr_assert_eq(n, 7);
        for (int i = 0; i < 7; i++) {
            cr_assert_eq(out[i].kind, in[i].kind);
            cr_assert_eq(out[i].peer, in[i].peer);
            cr_assert_eq(out[i].t_ms, in[i].t_ms);
            cr_assert_eq(out[i].offset, offs[i]);
            cr_assert_eq(out[i].len, q_frame_size(&in[i]) - 4);
            /* re-encoding gives the same bytes */
            uint8_t buf[1024];
            size_t sz = q_frame_encode(&out[i], buf, sizeof buf);
            cr_assert_eq(sz, q_frame_size(&in[i]));
            cr_assert_eq(memcmp(buf, b.p + offs[i], sz), 0, "frame %d re-encodes differently", i);
        }
        cr_assert_eq(out[0].u.hello.n_validators, 1024);
        cr_assert_null(out[1].u.block.body);
        cr_assert_eq(out[2].u.block.hdr.body_len, 300);
        cr_assert_eq(memcmp(out[2].u.block.body, body_bytes, 300), 0);
        cr_assert_eq(out[3].u.att.attester, 123456);
        cr_assert_eq(out[3].u.att.data.target_epoch, 2);
        cr_assert_eq(out[5].u.fin.epoch, 9);
        for (int i = 0; i < 7; i++) q_frame_release(&out[i]);
    }
    free(b.p);
}

/* Writes the bytes into a pipe from a thread while the reader reads them. */
typedef struct pipe_job {
    int fd;
    const bytes *b;
} pipe_job;

static void *pipe_writer(void *arg)
{
    pipe_job *j = arg;
    size_t pos = 0;
    while (pos < j->b->n) {
        size_t n = j->b->n - pos < 7 ? j->b->n - pos : 7; /* dribble */
        ssize_t w = write(j->fd, j->b->p + pos, n);
        if (w <= 0) break;
        pos += (size_t)w;
    }
    close(j->fd);
    return NULL;
}

Test(quarantine_wire, reader_over_file_and_pipe)
{
    bytes b = {0};
    q_frame h = hello(8, 0), e = simple(Q_KIND_END, 100);
    put_frame(&b, &h);
    for (int i = 0; i < 1000; i++) {
        q_frame a = attestation((uint64_t)i / 10);
        a.u.att.attester = (uint32_t)i;
        put_frame(&b, &a);
    }
    put_frame(&b, &e);
    put(&b, "trailing bytes after END are not read", 37);

    FILE *f = tmpfile();
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(b.p, 1, b.n, f), b.n);
    rewind(f);
    q_reader r;
    cr_assert_eq(q_reader_init_file(&r, f, true), 0);
    q_frame fr;
    q_wire_error err;
    int n = 0, rc;
    while ((rc = q_reader_next(&r, &fr, &err)) == Q_DEC_FRAME) {
        if (fr.kind == Q_KIND_ATTESTATION) cr_assert_eq(fr.u.att.attester, (uint32_t)(n - 1));
        q_frame_release(&fr);
        n++;
    }
    cr_assert_eq(rc, Q_DEC_DONE, "rc %d: %s", rc, err.detail);
    cr_assert_eq(n, 1002);
    q_reader_destroy(&r);
    fclose(f);

    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pipe_job job = {fds[1], &b};
    pthread_t th;
    pthread_create(&th, NULL, pipe_writer, &job);
    cr_assert_eq(q_reader_init_fd(&r, fds[0], true), 0);
    n = 0;
    while ((rc = q_reader_next(&r, &fr, &err)) == Q_DEC_FRAME) {
        q_frame_release(&fr);
        n++;
    }
    cr_assert_eq(rc, Q_DEC_DONE);
    cr_assert_eq(n, 1002);
    q_reader_destroy(&r);
    /* END stops the reader before the trailing bytes; they fit the pipe's
     * buffer, so the writer finishes: join before closing our end (SIGPIPE) */
    pthread_join(th, NULL);
    close(fds[0]);
    free(b.p);
}

Test(quarantine_wire, clean_eof_allowed_without_require_end)
{
    bytes b = good_start();
    FILE *f = tmpfile();
    fwrite(b.p, 1, b.n, f);
    rewind(f);
    q_reader r;
    q_reader_init_file(&r, f, false);
    q_frame fr;
    q_wire_error err;
    cr_assert_eq(q_reader_next(&r, &fr, &err), Q_DEC_FRAME);
    cr_assert_eq(q_reader_next(&r, &fr, &err), Q_DEC_FRAME);
    cr_assert_eq(q_reader_next(&r, &fr, &err), Q_DEC_DONE);
    q_reader_destroy(&r);
    fclose(f);
    free(b.p);
}

/* ------------------------------------------------------------ malformed */

Test(quarantine_wire, bad_length)
{
    bytes b = good_start();
    size_t off = put_raw(&b, 11, Q_KIND_TICK, 0, 2000, NULL, 0);
    expect_error(&b, Q_WE_BAD_LENGTH, off, 2);
    free(b.p);

    b = good_start();
    off = put_raw(&b, Q_FRAME_LEN_MAX + 1, Q_KIND_BLOCK, 0, 2000, NULL, 0);
    expect_error(&b, Q_WE_BAD_LENGTH, off, 2);
    free(b.p);

    b = good_start(); /* 0 */
    off = put_raw(&b, 0, Q_KIND_TICK, 0, 2000, NULL, 0);
    q_put_le32(b.p + off, 0);
    expect_error(&b, Q_WE_BAD_LENGTH, off, 2);
    free(b.p);
}

Test(quarantine_wire, largest_length_is_legal_until_its_size_is_checked)
{
    /* len = 1 MiB passes the length check; a TICK that long is a bad size */
    bytes b = good_start();
    uint8_t *big = calloc(1, Q_FRAME_LEN_MAX - 12);
    size_t off = put_raw(&b, 0, Q_KIND_TICK, 0, 2000, big, Q_FRAME_LEN_MAX - 12);
    free(big);
    expect_error(&b, Q_WE_BAD_SIZE, off, 2);
    free(b.p);
}

Test(quarantine_wire, unknown_kind)
{
    bytes b = good_start();
    size_t off = put_raw(&b, 0, 6, 0, 2000, NULL, 0);
    expect_error(&b, Q_WE_UNKNOWN_KIND, off, 2);
    free(b.p);
    b = good_start();
    off = put_raw(&b, 0, 255, 0, 2000, NULL, 0);
    expect_error(&b, Q_WE_UNKNOWN_KIND, off, 2);
    free(b.p);
}

Test(quarantine_wire, non_zero_flags)
{
    bytes b = good_start();
    size_t off = put_raw(&b, 0, Q_KIND_TICK, 0x80, 2000, NULL, 0);
    expect_error(&b, Q_WE_BAD_FLAGS, off, 2);
    free(b.p);
}

Test(quarantine_wire, wrong_payload_size_per_kind)
{
    uint8_t zeros[Q_ATT_BYTES + 16] = {0};
    struct {
        uint8_t kind;
        size_t n;
    } cases[] = {
        {Q_KIND_ATTESTATION, Q_ATT_BYTES - 1}, {Q_KIND_ATTESTATION, Q_ATT_BYTES + 1},
        {Q_KIND_TICK, 1},                      {Q_KIND_END, 8},
        {Q_KIND_FINALIZE, Q_FINALIZE_BYTES - 1}, {Q_KIND_FINALIZE, 0},
        {Q_KIND_BLOCK, Q_BLOCK_MIN_BYTES - 1},  {Q_KIND_BLOCK, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bytes b = good_start();
        size_t off = put_raw(&b, 0, cases[i].kind, 0, 2000, zeros, cases[i].n);
        expect_error(&b, Q_WE_BAD_SIZE, off, 2);
        free(b.p);
    }
}

Test(quarantine_wire, block_body_len_too_big_or_not_matching)
{
    uint8_t pl[Q_BLOCK_MIN_BYTES + 10] = {0};
    /* body_len says 10 and 10 bytes follow: fine */
    bytes b = good_start();
    q_put_le32(pl + 12, 10);
    put_raw(&b, 0, Q_KIND_BLOCK, 0, 2000, pl, sizeof pl);
    q_frame e = simple(Q_KIND_END, 2000);
    put_frame(&b, &e);
    q_wire_error err;
    int n;
    cr_assert_eq(decode_all(&b, 1, &err, &n, NULL, 0), Q_DEC_DONE);
    cr_assert_eq(n, 4);
    free(b.p);

    /* body_len 11 but 10 bytes follow */
    b = good_start();
    q_put_le32(pl + 12, 11);
    size_t off = put_raw(&b, 0, Q_KIND_BLOCK, 0, 2000, pl, sizeof pl);
    expect_error(&b, Q_WE_BAD_SIZE, off, 2);
    free(b.p);

    /* body_len 9 but 10 bytes follow */
    b = good_start();
    q_put_le32(pl + 12, 9);
    off = put_raw(&b, 0, Q_KIND_BLOCK, 0, 2000, pl, sizeof pl);
    expect_error(&b, Q_WE_BAD_SIZE, off, 2);
    free(b.p);

    /* body_len 65537 with that many bytes: over the body bound */
    size_t n2 = Q_BLOCK_MIN_BYTES + Q_BODY_MAX + 1;
    uint8_t *big = calloc(1, n2);
    q_put_le32(big + 12, Q_BODY_MAX + 1);
    b = good_start();
    off = put_raw(&b, 0, Q_KIND_BLOCK, 0, 2000, big, n2);
    expect_error(&b, Q_WE_BAD_SIZE, off, 2);
    free(b.p);

    /* exactly 65536 is legal */
    q_put_le32(big + 12, Q_BODY_MAX);
    b = good_start();
    put_raw(&b, 0, Q_KIND_BLOCK, 0, 2000, big, n2 - 1);
    put_frame(&b, &e);
    cr_assert_eq(decode_all(&b, 4096, &err, &n, NULL, 0), Q_DEC_DONE, "%s", err.detail);
    free(b.p);
    free(big);
}

Test(quarantine_wire, hello_missing_repeated_or_bad)
{
    bytes b = {0};
    q_frame t = simple(Q_KIND_TICK, 5), h = hello(4, 0);
    put_frame(&b, &t);
    expect_error(&b, Q_WE_NO_HELLO, 0, 0);
    free(b.p);

    b = good_start();
    size_t off = put_frame(&b, &h);
    expect_error(&b, Q_WE_REPEATED_HELLO, off, 2);
    free(b.p);

    b = (bytes){0};
    h = hello(0, 0);
    put_frame(&b, &h);
    expect_error(&b, Q_WE_BAD_HELLO, 0, 0);
    free(b.p);

    b = (bytes){0};
    put_raw(&b, 0, Q_KIND_HELLO, 0, 0, "WQ02\x01\x00\x00\x00", 8);
    expect_error(&b, Q_WE_BAD_HELLO, 0, 0);
    free(b.p);

    b = (bytes){0};
    put_raw(&b, 0, Q_KIND_HELLO, 0, 0, "WQ01\x01\x00\x00", 7);
    expect_error(&b, Q_WE_BAD_SIZE, 0, 0);
    free(b.p);

    b = (bytes){0}; /* empty stream */
    expect_error(&b, Q_WE_NO_HELLO, 0, 0);
}

Test(quarantine_wire, time_going_backwards)
{
    bytes b = good_start(); /* last t = 1000 */
    q_frame same = simple(Q_KIND_TICK, 1000), back = simple(Q_KIND_TICK, 999);
    put_frame(&b, &same); /* equal time is fine */
    size_t off = put_frame(&b, &back);
    expect_error(&b, Q_WE_TIME_BACKWARDS, off, 3);
    free(b.p);
}

Test(quarantine_wire, truncated_stream)
{
    /* cut inside the len field, inside the head, inside the payload */
    q_frame a = attestation(2000);
    size_t cuts[] = {2, 10, 100, 215};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        bytes b = good_start();
        size_t off = put_frame(&b, &a);
        b.n = off + cuts[i];
        expect_error(&b, Q_WE_TRUNCATED, off, 2);
        free(b.p);
    }
    /* whole frames but no END */
    bytes b = good_start();
    expect_error(&b, Q_WE_TRUNCATED, b.n, 2);
    free(b.p);
}

Test(quarantine_wire, error_is_sticky_and_formatted)
{
    bytes b = good_start();
    size_t off = put_raw(&b, 0, 9, 0, 2000, NULL, 0);
    q_decoder d;
    q_decoder_init(&d);
    q_decoder_feed(&d, b.p, b.n);
    q_frame f;
    q_wire_error err;
    cr_assert_eq(q_decoder_next(&d, &f, &err), Q_DEC_FRAME);
    cr_assert_eq(q_decoder_next(&d, &f, &err), Q_DEC_FRAME);
    cr_assert_eq(q_decoder_next(&d, &f, &err), Q_DEC_ERROR);
    memset(&err, 0, sizeof err);
    cr_assert_eq(q_decoder_next(&d, &f, &err), Q_DEC_ERROR);
    cr_assert_eq(err.code, Q_WE_UNKNOWN_KIND);
    char msg[256], want[64];
    q_wire_error_format(&err, msg, sizeof msg);
    snprintf(want, sizeof want, "byte offset %zu: unknown_kind: ", off);
    cr_assert_eq(strncmp(msg, want, strlen(want)), 0, "%s", msg);
    q_decoder_destroy(&d);
    free(b.p);
}

/* ------------------------------------------------------------ chain model */

Test(quarantine_chain, hashes_match_the_spec_formulas)
{
    char hex[65];
    /* values from Python: hashlib.sha256(...) over the spec's byte strings */
    cr_assert_str_eq(q_root_hex(q_genesis_root(), hex),
                     "8b2b79b4654b2d5c62ddb45fad147f4d7f81ed69357ecf645554c22f502a0ccf");
    uint8_t seed[32];
    q_validator_seed(7, seed);
    q_root s;
    memcpy(s.b, seed, 32);
    cr_assert_str_eq(q_root_hex(&s, hex), "87cea63709dbfa4524c5c72c2e3e773e88c6736c3ae7cfb371c3e08d9a62058e");
    cr_assert_eq(q_proposer(0, 1024), 969);
    cr_assert_eq(q_proposer(1, 1024), 13);
    cr_assert_eq(q_proposer(5, 1024), 794);
    cr_assert_eq(q_proposer(1000, 1024), 637);
    uint64_t slot, idx;
    q_duty(0, 0, 1024, &slot, &idx);
    cr_assert(slot == 1 && idx == 0);
    q_duty(3, 17, 1024, &slot, &idx);
    cr_assert(slot == 116 && idx == 0);
    q_duty(2, 5, 200000, &slot, &idx);
    cr_assert(slot == 71 && idx == 13);
    cr_assert_eq(q_committee_count(1), 1);
    cr_assert_eq(q_committee_count(4095), 1);
    cr_assert_eq(q_committee_count(8192), 2);
    cr_assert_eq(q_committee_count(1u << 30), 64);
    q_root r;
    cr_assert_eq(q_root_from_hex(&r, hex), 0);
    cr_assert(q_root_eq(&r, &s));
    cr_assert_eq(q_root_from_hex(&r, "zz"), -1);
}

Test(quarantine_chain, duties_are_deterministic_and_in_range)
{
    for (uint32_t n = 1; n < 20000; n = n * 3 + 1) {
        for (uint64_t e = 0; e < 4; e++) {
            for (uint32_t v = 0; v < n && v < 200; v++) {
                uint64_t s1, i1, s2, i2;
                q_duty(e, v, n, &s1, &i1);
                q_duty(e, v, n, &s2, &i2);
                cr_assert(s1 == s2 && i1 == i2);
                cr_assert(q_epoch(s1) == e);
                cr_assert(i1 < q_committee_count(n));
            }
            for (uint64_t s = e * 32; s < e * 32 + 32; s++) {
                cr_assert(q_proposer(s, n) < n);
                cr_assert_eq(q_proposer(s, n), q_proposer(s, n));
            }
        }
    }
}

Test(quarantine_chain, keys_sign_and_verify)
{
    cr_assert_eq(q_crypto_init(), 0);
    q_registry reg;
    cr_assert_eq(q_registry_init(&reg, 50), 0);
    q_registry_derive(&reg, 10, 20);
    for (uint32_t v = 0; v < 50; v += 7) {
        uint8_t pk[32], sk[64], rpk[32];
        q_validator_keypair(v, pk, sk);
        q_registry_pk(&reg, v, rpk);
        cr_assert_eq(memcmp(pk, rpk, 32), 0);
        q_root root, other;
        q_sha256(&root, &v, sizeof v);
        q_sha256(&other, "x", 1);
        uint8_t sig[64];
        q_sign_block(sk, &root, sig);
        cr_assert(q_verify_block(rpk, &root, sig));
        cr_assert(!q_verify_block(rpk, &other, sig));
        cr_assert(!q_verify_att(rpk, &root, sig), "domain separation BLK/ATT");
        sig[5] ^= 1;
        cr_assert(!q_verify_block(rpk, &root, sig));
        q_sign_att(sk, &root, sig);
        cr_assert(q_verify_att(rpk, &root, sig));
        uint8_t wrong[32];
        q_registry_pk(&reg, (v + 1) % 50, wrong);
        cr_assert(!q_verify_att(wrong, &root, sig));
    }
    q_registry_destroy(&reg);
}

Test(quarantine_chain, pure_checks_of_items)
{
    q_crypto_init();
    q_registry reg;
    q_registry_init(&reg, 16);
    uint8_t pk[32], sk[64];
    q_signed_block b = {0};
    b.hdr.slot = 9;
    b.hdr.proposer = 3;
    b.hdr.body_len = 5;
    b.body = (const uint8_t *)"hello";
    q_sha256(&b.hdr.body_root, "hello", 5);
    q_root root;
    q_block_root(&b.hdr, &root);
    q_validator_keypair(3, pk, sk);
    q_sign_block(sk, &root, b.sig);
    q_item_ids ids;
    cr_assert(q_block_pure(&reg, &b, &ids));
    cr_assert(q_root_eq(&ids.id, &root));
    cr_assert(q_root_eq(&ids.aux, &b.hdr.body_root));
    b.hdr.proposer = 16; /* out of range: no signature check, false */
    cr_assert(!q_block_pure(&reg, &b, &ids));

    q_attestation a = {0};
    a.attester = 3;
    a.data.slot = 40;
    a.data.target_epoch = 1;
    q_root dr;
    q_att_data_root(&a.data, &dr);
    q_sign_att(sk, &dr, a.sig);
    cr_assert(q_att_pure(&reg, &a, &ids));
    cr_assert(q_root_eq(&ids.aux, &dr));
    /* the item id ignores the signature */
    q_root id1 = ids.id;
    a.sig[0] ^= 0xff;
    cr_assert(!q_att_pure(&reg, &a, &ids));
    cr_assert(q_root_eq(&ids.id, &id1));
    q_registry_destroy(&reg);
}

/* Several threads look keys up (and derive ranges) in one registry at once,
 * in different orders: every key they get is the right one. */
#define REG_N 1200u
#define REG_THREADS 4

typedef struct reg_job {
    q_registry *reg;
    int id;
    int wrong;
} reg_job;

static uint8_t reg_ref[REG_N][32];

static void *reg_worker(void *arg)
{
    reg_job *j = arg;
    for (uint32_t k = 0; k < REG_N; k++) {
        uint32_t i = j->id % 2 ? REG_N - 1 - k : (k * 7 + (uint32_t)j->id * 131) % REG_N;
        if (j->id == 3 && k % 100 == 0) q_registry_derive(j->reg, i, i + 50);
        uint8_t pk[32];
        q_registry_pk(j->reg, i, pk);
        if (memcmp(pk, reg_ref[i], 32) != 0) j->wrong++;
    }
    return NULL;
}

Test(quarantine_chain, registry_is_shared_safely)
{
    q_crypto_init();
    for (uint32_t i = 0; i < REG_N; i++) q_validator_keypair(i, reg_ref[i], NULL);
    q_registry reg;
    cr_assert_eq(q_registry_init(&reg, REG_N), 0);
    pthread_t th[REG_THREADS];
    reg_job jobs[REG_THREADS];
    for (int t = 0; t < REG_THREADS; t++) {
        jobs[t] = (reg_job){&reg, t, 0};
        pthread_create(&th[t], NULL, reg_worker, &jobs[t]);
    }
    for (int t = 0; t < REG_THREADS; t++) {
        pthread_join(th[t], NULL);
        cr_assert_eq(jobs[t].wrong, 0, "thread %d got %d wrong keys", t, jobs[t].wrong);
    }
    for (uint32_t i = 0; i < REG_N; i++) cr_assert_eq(atomic_load(&reg.state[i]), 2);
    q_registry_destroy(&reg);
}
