/* quarantine/chain.c: the chain model of the spec (sections 1 and 2). */
#include "quarantine/chain.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>

int q_crypto_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void q_sha256(q_root *out, const void *data, size_t len)
{
    crypto_hash_sha256(out->b, (const unsigned char *)(data ? data : ""), len);
}

static q_root genesis;
static pthread_once_t genesis_once = PTHREAD_ONCE_INIT;

static void genesis_compute(void)
{
    static const char tag[] = "weft-quarantine genesis";
    q_sha256(&genesis, tag, sizeof tag - 1);
}

const q_root *q_genesis_root(void)
{
    pthread_once(&genesis_once, genesis_compute);
    return &genesis;
}

char *q_root_hex(const q_root *r, char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < Q_ROOT_BYTES; i++) {
        out[2 * i] = digits[r->b[i] >> 4];
        out[2 * i + 1] = digits[r->b[i] & 15];
    }
    out[64] = '\0';
    return out;
}

/* The value of one hex digit, or -1. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int q_root_from_hex(q_root *r, const char *s)
{
    for (unsigned i = 0; i < Q_ROOT_BYTES; i++) {
        int hi = hex_value(s[2 * i]);
        if (hi < 0) return -1;
        int lo = hex_value(s[2 * i + 1]);
        if (lo < 0) return -1;
        r->b[i] = (uint8_t)(hi << 4 | lo);
    }
    return (s[64] == '\0' || s[64] == ' ' || s[64] == '\n') ? 0 : -1;
}

/* ------------------------------------------------------------ validators */

void q_validator_seed(uint64_t i, uint8_t seed[32])
{
    static const char tag[] = "weft-quarantine validator";
    uint8_t msg[sizeof tag - 1 + 8];
    memcpy(msg, tag, sizeof tag - 1);
    q_put_le64(msg + sizeof tag - 1, i);
    q_root h;
    q_sha256(&h, msg, sizeof msg);
    memcpy(seed, h.b, 32);
}

void q_validator_keypair(uint64_t i, uint8_t pk[Q_PK_BYTES], uint8_t sk[Q_SK_BYTES])
{
    uint8_t seed[32], skbuf[Q_SK_BYTES];
    q_validator_seed(i, seed);
    crypto_sign_seed_keypair(pk, sk ? sk : skbuf, seed);
    sodium_memzero(skbuf, sizeof skbuf);
}

int q_registry_init(q_registry *reg, uint32_t n)
{
    reg->n = 0;
    reg->pk = calloc(n ? n : 1, Q_PK_BYTES);
    reg->state = calloc(n ? n : 1, sizeof *reg->state);
    if (!reg->pk || !reg->state) {
        q_registry_destroy(reg);
        return -1;
    }
    reg->n = n;
    return 0;
}

void q_registry_destroy(q_registry *reg)
{
    free(reg->pk);
    free((void *)reg->state);
    reg->pk = NULL;
    reg->state = NULL;
    reg->n = 0;
}

/* Derives key i into out; publishes it into the registry when this thread
 * wins the right to write pk[i]. */
static void registry_fill(q_registry *reg, uint32_t i, uint8_t out[Q_PK_BYTES])
{
    q_validator_keypair(i, out, NULL);
    uint8_t expect = 0;
    /* acq_rel CAS 0->1: claims the sole right to write pk[i]; the acquire
     * side is not needed for data (pk[i] is unwritten while 0), relaxed on
     * failure since the loser keeps its own copy and reads nothing. */
    if (atomic_compare_exchange_strong_explicit(&reg->state[i], &expect, 1,
                                                memory_order_acq_rel, memory_order_relaxed)) {
        memcpy(reg->pk[i], out, Q_PK_BYTES);
        /* release; pairs with the acquire load in q_registry_pk, so a reader
         * that sees 2 sees the whole key. */
        atomic_store_explicit(&reg->state[i], 2, memory_order_release);
    }
}

void q_registry_derive(q_registry *reg, uint32_t lo, uint32_t hi)
{
    if (hi > reg->n) hi = reg->n;
    uint8_t tmp[Q_PK_BYTES];
    for (uint32_t i = lo; i < hi; i++) {
        /* relaxed: only a hint to skip done keys; registry_fill's CAS decides. */
        if (atomic_load_explicit(&reg->state[i], memory_order_relaxed) == 0)
            registry_fill(reg, i, tmp);
    }
}

void q_registry_pk(q_registry *reg, uint32_t i, uint8_t out[Q_PK_BYTES])
{
    /* acquire; pairs with the release store of 2 in registry_fill, so the
     * key bytes written before it are visible here. */
    if (atomic_load_explicit(&reg->state[i], memory_order_acquire) == 2) {
        memcpy(out, reg->pk[i], Q_PK_BYTES);
        return;
    }
    registry_fill(reg, i, out); /* empty or being written: derive our own copy */
}

/* ------------------------------------------------------------ duties */

uint32_t q_proposer(uint64_t slot, uint32_t n)
{
    uint8_t msg[8 + 8];
    memcpy(msg, "proposer", 8);
    q_put_le64(msg + 8, slot);
    q_root h;
    q_sha256(&h, msg, sizeof msg);
    return (uint32_t)(q_get_le64(h.b) % n);
}

uint64_t q_committee_count(uint32_t n)
{
    uint64_t c = n / (Q_SLOTS_PER_EPOCH * 128u);
    if (c > 64) c = 64;
    return c < 1 ? 1 : c;
}

void q_duty(uint64_t epoch, uint32_t v, uint32_t n, uint64_t *slot, uint64_t *index)
{
    uint8_t msg[4 + 8 + 4];
    memcpy(msg, "duty", 4);
    q_put_le64(msg + 4, epoch);
    q_put_le32(msg + 12, v);
    q_root d;
    q_sha256(&d, msg, sizeof msg);
    *slot = epoch * Q_SLOTS_PER_EPOCH + q_get_le64(d.b) % Q_SLOTS_PER_EPOCH;
    *index = q_get_le64(d.b + 8) % q_committee_count(n);
}

/* ------------------------------------------------------------ encodings */

void q_header_encode(const q_block_header *h, uint8_t out[Q_HEADER_BYTES])
{
    q_put_le64(out, h->slot);
    q_put_le32(out + 8, h->proposer);
    q_put_le32(out + 12, h->body_len);
    memcpy(out + 16, h->parent_root.b, 32);
    memcpy(out + 48, h->state_root.b, 32);
    memcpy(out + 80, h->body_root.b, 32);
}

void q_header_decode(const uint8_t in[Q_HEADER_BYTES], q_block_header *h)
{
    h->slot = q_get_le64(in);
    h->proposer = q_get_le32(in + 8);
    h->body_len = q_get_le32(in + 12);
    memcpy(h->parent_root.b, in + 16, 32);
    memcpy(h->state_root.b, in + 48, 32);
    memcpy(h->body_root.b, in + 80, 32);
}

void q_att_data_encode(const q_att_data *d, uint8_t out[Q_ATT_DATA_BYTES])
{
    q_put_le64(out, d->slot);
    q_put_le64(out + 8, d->index);
    memcpy(out + 16, d->beacon_block_root.b, 32);
    q_put_le64(out + 48, d->source_epoch);
    memcpy(out + 56, d->source_root.b, 32);
    q_put_le64(out + 88, d->target_epoch);
    memcpy(out + 96, d->target_root.b, 32);
}

void q_att_data_decode(const uint8_t in[Q_ATT_DATA_BYTES], q_att_data *d)
{
    d->slot = q_get_le64(in);
    d->index = q_get_le64(in + 8);
    memcpy(d->beacon_block_root.b, in + 16, 32);
    d->source_epoch = q_get_le64(in + 48);
    memcpy(d->source_root.b, in + 56, 32);
    d->target_epoch = q_get_le64(in + 88);
    memcpy(d->target_root.b, in + 96, 32);
}

void q_att_encode(const q_attestation *a, uint8_t out[Q_ATT_BYTES])
{
    q_put_le32(out, a->attester);
    q_put_le32(out + 4, a->zero);
    q_att_data_encode(&a->data, out + 8);
    memcpy(out + 8 + Q_ATT_DATA_BYTES, a->sig, Q_SIG_BYTES);
}

void q_att_decode(const uint8_t in[Q_ATT_BYTES], q_attestation *a)
{
    a->attester = q_get_le32(in);
    a->zero = q_get_le32(in + 4);
    q_att_data_decode(in + 8, &a->data);
    memcpy(a->sig, in + 8 + Q_ATT_DATA_BYTES, Q_SIG_BYTES);
}

/* ------------------------------------------------------------ identities */

void q_block_root(const q_block_header *h, q_root *root)
{
    uint8_t buf[Q_HEADER_BYTES];
    q_header_encode(h, buf);
    q_sha256(root, buf, sizeof buf);
}

void q_att_data_root(const q_att_data *d, q_root *root)
{
    uint8_t buf[Q_ATT_DATA_BYTES];
    q_att_data_encode(d, buf);
    q_sha256(root, buf, sizeof buf);
}

void q_att_item_id(const q_attestation *a, q_root *id)
{
    uint8_t buf[Q_ATT_BYTES];
    q_att_encode(a, buf);
    q_sha256(id, buf, Q_ATT_ID_BYTES);
}

void q_block_msg(const q_root *root, uint8_t out[Q_SIGNED_MSG_BYTES])
{
    memcpy(out, "BLK\0", 4);
    memcpy(out + 4, root->b, 32);
}

void q_att_msg(const q_root *data_root, uint8_t out[Q_SIGNED_MSG_BYTES])
{
    memcpy(out, "ATT\0", 4);
    memcpy(out + 4, data_root->b, 32);
}

void q_sign_block(const uint8_t sk[Q_SK_BYTES], const q_root *root, uint8_t sig[Q_SIG_BYTES])
{
    uint8_t m[Q_SIGNED_MSG_BYTES];
    q_block_msg(root, m);
    crypto_sign_detached(sig, NULL, m, sizeof m, sk);
}

void q_sign_att(const uint8_t sk[Q_SK_BYTES], const q_root *data_root, uint8_t sig[Q_SIG_BYTES])
{
    uint8_t m[Q_SIGNED_MSG_BYTES];
    q_att_msg(data_root, m);
    crypto_sign_detached(sig, NULL, m, sizeof m, sk);
}

bool q_verify_block(const uint8_t pk[Q_PK_BYTES], const q_root *root, const uint8_t sig[Q_SIG_BYTES])
{
    uint8_t m[Q_SIGNED_MSG_BYTES];
    q_block_msg(root, m);
    return crypto_sign_verify_detached(sig, m, sizeof m, pk) == 0;
}

bool q_verify_att(const uint8_t pk[Q_PK_BYTES], const q_root *data_root, const uint8_t sig[Q_SIG_BYTES])
{
    uint8_t m[Q_SIGNED_MSG_BYTES];
    q_att_msg(data_root, m);
    return crypto_sign_verify_detached(sig, m, sizeof m, pk) == 0;
}

bool q_block_pure(q_registry *reg, const q_signed_block *b, q_item_ids *ids)
{
    q_block_root(&b->hdr, &ids->id);
    q_sha256(&ids->aux, b->body, b->hdr.body_len);
    if (b->hdr.proposer >= reg->n) return false;
    uint8_t pk[Q_PK_BYTES];
    q_registry_pk(reg, b->hdr.proposer, pk);
    return q_verify_block(pk, &ids->id, b->sig);
}

bool q_att_pure(q_registry *reg, const q_attestation *a, q_item_ids *ids)
{
    q_att_item_id(a, &ids->id);
    q_att_data_root(&a->data, &ids->aux);
    if (a->attester >= reg->n) return false;
    uint8_t pk[Q_PK_BYTES];
    q_registry_pk(reg, a->attester, pk);
    return q_verify_att(pk, &ids->aux, a->sig);
}
