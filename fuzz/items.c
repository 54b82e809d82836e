/* fuzz/items.c: the item parsers (spec section 2) and the pure checks of one
 * item (q_prepare, quarantine/verify.c) on arbitrary payloads.
 *
 * The input is one payload: its first byte picks the frame kind (mod 6), the
 * rest is the payload, framed behind a HELLO of FUZZ_VALIDATORS validators
 * and decoded by the real decoder (quarantine/wire.c, which parses payloads
 * with quarantine/chain.c). Checked, against the spec's layouts and formulas
 * computed here from the raw bytes with libsodium, not with the code under
 * test:
 *   - the payload is accepted exactly when its size is right for its kind
 *     (BLOCK: 176 + body_len bytes with body_len <= 65536; ATTESTATION 200;
 *     FINALIZE 40; TICK and END 0; a second HELLO never), else the error is
 *     bad_size (repeated_hello) at the frame's offset;
 *   - every decoded field is the little-endian value at its spec offset, and
 *     q_frame_encode, q_header_encode, q_att_encode and q_att_data_encode give
 *     back the very bytes;
 *   - q_prepare: the block root is H(header bytes), the body hash H(body) and
 *     body_ok is its comparison with body_root; the attestation's item id is
 *     H(first 136 bytes), its data root H(bytes 8..136); duty_ok is the spec's
 *     proposer / attestation duty for that slot; sig_ok is Ed25519 verification
 *     under the validator's key derived from its seed, of "BLK\0" or "ATT\0"
 *     || the root, and false for an index >= N.
 */
#include <sodium.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "quarantine/verify.h"
#include "quarantine/wire.h"

static void sha(uint8_t out[32], const void *p, size_t n)
{
    crypto_hash_sha256(out, p, n);
}

/* proposer(slot) = LE64(H("proposer" || LE64(slot))[0..8]) mod N */
static uint32_t spec_proposer(uint64_t slot)
{
    uint8_t m[16], h[32];
    memcpy(m, "proposer", 8);
    q_put_le64(m + 8, slot);
    sha(h, m, sizeof m);
    return (uint32_t)(q_get_le64(h) % FUZZ_VALIDATORS);
}

/* validator v's duty in epoch e: slot e*32 + LE64(d[0..8]) mod 32, index
 * LE64(d[8..16]) mod C, d = H("duty" || LE64(e) || LE32(v)) */
static void spec_duty(uint64_t e, uint32_t v, uint64_t *slot, uint64_t *index)
{
    uint8_t m[16], d[32];
    memcpy(m, "duty", 4);
    q_put_le64(m + 4, e);
    q_put_le32(m + 12, v);
    sha(d, m, sizeof m);
    uint64_t c = FUZZ_VALIDATORS / (32 * 128);
    c = c < 1 ? 1 : c > 64 ? 64 : c;
    *slot = e * 32 + q_get_le64(d) % 32;
    *index = q_get_le64(d + 8) % c;
}

/* Validator i's public key: crypto_sign_seed_keypair(H("weft-quarantine
 * validator" || LE64(i))), derived once. */
static const uint8_t *spec_pk(uint32_t i)
{
    static uint8_t pk[FUZZ_VALIDATORS][32];
    static bool have[FUZZ_VALIDATORS];
    if (!have[i]) {
        uint8_t m[25 + 8], seed[32], sk[64];
        memcpy(m, "weft-quarantine validator", 25);
        q_put_le64(m + 25, i);
        sha(seed, m, sizeof m);
        crypto_sign_seed_keypair(pk[i], sk, seed);
        have[i] = true;
    }
    return pk[i];
}

/* Ed25519 of tag || root under validator i; false for i >= N. */
static bool spec_verify(uint32_t i, const char tag[4], const uint8_t root[32], const uint8_t sig[64])
{
    if (i >= FUZZ_VALIDATORS) return false;
    uint8_t m[36];
    memcpy(m, tag, 4);
    memcpy(m + 4, root, 32);
    return crypto_sign_verify_detached(sig, m, sizeof m, spec_pk(i)) == 0;
}

static void same(const void *a, const void *b, size_t n, const char *what)
{
    FUZZ_CHECK(memcmp(a, b, n) == 0, "%s differs", what);
}

static void check_block(q_registry *reg, const q_frame *f, const uint8_t *p, size_t n)
{
    const q_signed_block *b = &f->u.block;
    FUZZ_CHECK(b->hdr.slot == q_get_le64(p) && b->hdr.proposer == q_get_le32(p + 8) &&
                   b->hdr.body_len == q_get_le32(p + 12),
               "block slot / proposer / body_len");
    same(b->hdr.parent_root.b, p + 16, 32, "parent_root");
    same(b->hdr.state_root.b, p + 48, 32, "state_root");
    same(b->hdr.body_root.b, p + 80, 32, "body_root");
    same(b->sig, p + 112, 64, "block signature");
    FUZZ_CHECK(n == Q_BLOCK_MIN_BYTES + b->hdr.body_len, "body length");
    if (b->hdr.body_len) same(b->body, p + 176, b->hdr.body_len, "body");
    uint8_t hb[Q_HEADER_BYTES];
    q_header_encode(&b->hdr, hb);
    same(hb, p, sizeof hb, "q_header_encode");

    q_checked c;
    q_prepare(reg, f, &c);
    uint8_t root[32], body[32];
    sha(root, p, Q_HEADER_BYTES);
    sha(body, p + 176, b->hdr.body_len);
    same(c.ids.id.b, root, 32, "block root");
    same(c.ids.aux.b, body, 32, "H(body)");
    q_root r;
    q_block_root(&b->hdr, &r);
    same(r.b, root, 32, "q_block_root");
    FUZZ_CHECK(c.body_ok == (memcmp(body, p + 80, 32) == 0), "body_ok %d", c.body_ok);
    uint32_t prop = b->hdr.proposer;
    FUZZ_CHECK(c.duty_ok == (prop < FUZZ_VALIDATORS && prop == spec_proposer(b->hdr.slot)), "block duty_ok %d",
               c.duty_ok);
    FUZZ_CHECK(c.sig_ok == spec_verify(prop, "BLK\0", root, p + 112), "block sig_ok %d", c.sig_ok);
}

static void check_att(q_registry *reg, const q_frame *f, const uint8_t *p)
{
    const q_attestation *a = &f->u.att;
    const q_att_data *d = &a->data;
    FUZZ_CHECK(a->attester == q_get_le32(p) && a->zero == q_get_le32(p + 4), "attester / zero");
    FUZZ_CHECK(d->slot == q_get_le64(p + 8) && d->index == q_get_le64(p + 16), "slot / index");
    same(d->beacon_block_root.b, p + 24, 32, "beacon_block_root");
    FUZZ_CHECK(d->source_epoch == q_get_le64(p + 56), "source_epoch");
    same(d->source_root.b, p + 64, 32, "source_root");
    FUZZ_CHECK(d->target_epoch == q_get_le64(p + 96), "target_epoch");
    same(d->target_root.b, p + 104, 32, "target_root");
    same(a->sig, p + 136, 64, "attestation signature");
    uint8_t ab[Q_ATT_BYTES], db[Q_ATT_DATA_BYTES];
    q_att_encode(a, ab);
    same(ab, p, sizeof ab, "q_att_encode");
    q_att_data_encode(d, db);
    same(db, p + 8, sizeof db, "q_att_data_encode");
    q_att_data back;
    q_att_data_decode(db, &back);
    FUZZ_CHECK(memcmp(&back, d, sizeof back) == 0, "q_att_data_decode"); /* 128 bytes, no padding */

    q_checked c;
    q_prepare(reg, f, &c);
    uint8_t id[32], droot[32];
    sha(id, p, Q_ATT_ID_BYTES);
    sha(droot, p + 8, Q_ATT_DATA_BYTES);
    same(c.ids.id.b, id, 32, "attestation item id");
    same(c.ids.aux.b, droot, 32, "data root");
    q_root r;
    q_att_item_id(a, &r);
    same(r.b, id, 32, "q_att_item_id");
    q_att_data_root(d, &r);
    same(r.b, droot, 32, "q_att_data_root");
    FUZZ_CHECK(c.body_ok, "an attestation's body_ok");
    bool duty = false;
    if (a->attester < FUZZ_VALIDATORS) {
        uint64_t slot, index;
        spec_duty(d->slot / 32, a->attester, &slot, &index);
        duty = slot == d->slot && index == d->index;
    }
    FUZZ_CHECK(c.duty_ok == duty, "attestation duty_ok %d", c.duty_ok);
    FUZZ_CHECK(c.sig_ok == spec_verify(a->attester, "ATT\0", droot, p + 136), "attestation sig_ok %d", c.sig_ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static q_registry reg;
    if (!reg.n) {
        fuzz_crypto_init();
        FUZZ_CHECK(q_registry_init(&reg, FUZZ_VALIDATORS) == 0, "out of memory");
    }
    if (size < 1 || size - 1 > Q_FRAME_LEN_MAX - Q_FRAME_HEAD_BYTES) return 0;
    uint8_t kind = data[0] % Q_KIND_COUNT;
    const uint8_t *p = data + 1;
    size_t n = size - 1;

    /* HELLO(N) | frame(kind, payload) */
    size_t total = 24 + 16 + n;
    uint8_t *bytes = malloc(total);
    FUZZ_CHECK(bytes, "out of memory");
    fuzz_frame_head(bytes, Q_KIND_HELLO, 0, 8);
    memcpy(bytes + 16, "WQ01", 4);
    q_put_le32(bytes + 20, FUZZ_VALIDATORS);
    fuzz_frame_head(bytes + 24, kind, 0, n);
    if (n) memcpy(bytes + 40, p, n);

    bool ok;
    switch (kind) {
    case Q_KIND_BLOCK:
        ok = n >= Q_BLOCK_MIN_BYTES && q_get_le32(p + 12) <= Q_BODY_MAX && n == Q_BLOCK_MIN_BYTES + q_get_le32(p + 12);
        break;
    case Q_KIND_ATTESTATION: ok = n == Q_ATT_BYTES; break;
    case Q_KIND_FINALIZE: ok = n == Q_FINALIZE_BYTES; break;
    case Q_KIND_HELLO: ok = false; break;
    default: ok = n == 0; break; /* TICK, END */
    }

    q_decoder d;
    FUZZ_CHECK(q_decoder_init(&d) == 0, "out of memory");
    FUZZ_CHECK(q_decoder_feed(&d, bytes, total) == 0, "feed");
    q_frame hello, f;
    q_wire_error err;
    FUZZ_CHECK(q_decoder_next(&d, &hello, &err) == Q_DEC_FRAME && hello.kind == Q_KIND_HELLO, "the HELLO");
    int rc = q_decoder_next(&d, &f, &err);
    if (!ok) {
        q_wire_err want = kind == Q_KIND_HELLO ? Q_WE_REPEATED_HELLO : Q_WE_BAD_SIZE;
        FUZZ_CHECK(rc == Q_DEC_ERROR && err.code == want && err.offset == 24, "a %zu-byte %s payload: rc %d, %s at %llu",
                   n, q_kind_word((q_kind)kind), rc, q_wire_err_word(err.code), (unsigned long long)err.offset);
    } else {
        FUZZ_CHECK(rc == Q_DEC_FRAME && f.kind == kind, "a %zu-byte %s payload: rc %d (%s: %s)", n,
                   q_kind_word((q_kind)kind), rc, q_wire_err_word(err.code), err.detail);
        uint8_t *back = malloc(total - 24);
        FUZZ_CHECK(back && q_frame_encode(&f, back, total - 24) == total - 24, "encode");
        same(back, bytes + 24, total - 24, "q_frame_encode");
        free(back);
        if (kind == Q_KIND_BLOCK) check_block(&reg, &f, p, n);
        if (kind == Q_KIND_ATTESTATION) check_att(&reg, &f, p);
        if (kind == Q_KIND_FINALIZE) {
            FUZZ_CHECK(f.u.fin.epoch == q_get_le64(p), "FINALIZE epoch");
            same(f.u.fin.root.b, p + 8, 32, "FINALIZE root");
        }
        q_frame_release(&f);
    }
    q_decoder_destroy(&d);
    free(bytes);
    return 0;
}
