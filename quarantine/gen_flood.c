/* quarantine/gen_flood.c: `quarantine gen --flood KIND --count N`, hostile
 * streams for the bounds of spec section 5 (gen.h): a valid stream from one
 * peer with a flood from another, written as FILE, and the valid stream
 * alone as FILE.valid (the same frames less the flood's), so that a test can
 * check that the flood changes nothing for the valid peer: the stores of the
 * two hold the same blocks and attestations, seq included.
 *
 * The valid stream (peer 2; HELLO, TICK, FINALIZE and END are peer 0, so that
 * `feed --connections 2` sends them with the valid peer, on connection 0,
 * and the flood, peer 1, on connection 1): E epochs; a TICK at every slot's
 * start; a canonical block at every fourth slot (slot % 4 == 0) at +1 s, on
 * the previous one; the votes of validators 0..255 at +4 s, each for the
 * newest canonical block, source the previous epoch, target the canonical
 * block of the epoch's first slot (genesis in epoch 0); FINALIZE(e - 4) at
 * the start of epoch e >= 5 (so that the orphans of five epochs of skipped
 * slots can outnumber the orphan table); END after the last slot. Every item
 * clears, in arrival order, none is ever held.
 *
 * The flood (peer 1), N items spread evenly over the slots, at random times
 * after the slot's canonical block unless said otherwise:
 *   orphan  blocks correctly signed by the proposer of a random slot between
 *           the finalized slot and now, on a random (never delivered)
 *           parent: the first one at a skipped slot is held as an orphan
 *           (evicted when 96 are held, dropped as UNVIABLE by FINALIZE),
 *           every other is a double proposal (SLASHABLE, unviable).
 *   attest  votes correctly signed by validators 256..V-1, each at its own
 *           duty slot, once per epoch (a second vote would be a double
 *           vote), for a random block root that never comes: held until
 *           they expire or are evicted (16384 held at most).
 *   badsig  items with random signatures: forged copies of the slot's
 *           canonical block (sent before it) and of its votes (sent before
 *           them), and blocks of random slots since finality and votes of
 *           random validators at their duty: all REJECT bad_signature, and
 *           the forged copies never shadow the genuine ones.
 * Deterministic from the seed, like the scenario.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "quarantine/chain.h"
#include "quarantine/gen.h"
#include "quarantine/wire.h"

#define FLOOD_VALID_PEER 2u
#define FLOOD_PEER 1u
#define FLOOD_VALID_ATTESTERS 256u /* validators 0..255 vote in the valid stream */
#define FLOOD_FINALITY_LAG 4u      /* FINALIZE(e - 4) at the start of epoch e */

typedef struct frng {
    uint64_t s;
} frng;

static uint64_t frnd(frng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void frnd_bytes(frng *r, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)frnd(r);
}

/* One frame of a slot, before the slot's frames are sorted by time. */
typedef struct sframe {
    q_frame f;
    uint8_t body[32];
    bool flood;
    uint64_t order; /* ties keep the order of making */
} sframe;

typedef struct flood {
    FILE *out, *valid;
    bool failed;
    uint32_t n;
    frng r;
    uint8_t (*sk)[Q_SK_BYTES]; /* secret keys, derived on first use */
    uint8_t *have_sk;
    sframe *fr;
    size_t nfr, capfr;
    uint64_t written, flood_written;
} flood;

static const uint8_t *sk_of(flood *g, uint32_t v)
{
    if (!g->have_sk[v]) {
        uint8_t pk[Q_PK_BYTES];
        q_validator_keypair(v, pk, g->sk[v]);
        g->have_sk[v] = 1;
    }
    return g->sk[v];
}

static sframe *add_frame(flood *g, uint8_t kind, uint16_t peer, uint64_t t, bool is_flood)
{
    q_gen_grow((void **)&g->fr, &g->capfr, g->nfr + 1, sizeof *g->fr);
    sframe *s = &g->fr[g->nfr];
    memset(s, 0, sizeof *s);
    s->f.kind = kind;
    s->f.peer = peer;
    s->f.t_ms = t;
    s->flood = is_flood;
    s->order = g->nfr++;
    return s;
}

static int sframe_cmp(const void *a, const void *b)
{
    const sframe *x = a, *y = b;
    if (x->f.t_ms != y->f.t_ms) return x->f.t_ms < y->f.t_ms ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Writes the slot's frames in time order: all to FILE, the valid ones to
 * FILE.valid too. */
static void flush_slot(flood *g)
{
    qsort(g->fr, g->nfr, sizeof *g->fr, sframe_cmp);
    for (size_t i = 0; i < g->nfr; i++) {
        sframe *s = &g->fr[i];
        if (s->f.kind == Q_KIND_BLOCK) s->f.u.block.body = s->body;
        if (q_frame_write(g->out, &s->f) < 0) g->failed = true;
        if (!s->flood && q_frame_write(g->valid, &s->f) < 0) g->failed = true;
        g->written++;
        g->flood_written += s->flood;
    }
    g->nfr = 0;
}

/* A block at slot on parent, body random, signed by the slot's proposer (a
 * random signature when forged). Returns its root. */
static q_root make_block(flood *g, sframe *s, uint64_t slot, const q_root *parent, bool forged)
{
    q_block_header *h = &s->f.u.block.hdr;
    h->slot = slot;
    h->proposer = q_proposer(slot, g->n);
    h->body_len = sizeof s->body;
    h->parent_root = *parent;
    frnd_bytes(&g->r, h->state_root.b, Q_ROOT_BYTES);
    frnd_bytes(&g->r, s->body, sizeof s->body);
    q_sha256(&h->body_root, s->body, sizeof s->body);
    q_root root;
    q_block_root(h, &root);
    if (forged) frnd_bytes(&g->r, s->f.u.block.sig, Q_SIG_BYTES);
    else q_sign_block(sk_of(g, h->proposer), &root, s->f.u.block.sig);
    return root;
}

/* Validator v's vote at its duty in epoch (slot and index filled), signed
 * (random signature when forged). */
static void make_att(flood *g, sframe *s, uint32_t v, uint64_t epoch, const q_root *block, const q_root *target,
                     bool forged)
{
    q_attestation *a = &s->f.u.att;
    a->attester = v;
    q_duty(epoch, v, g->n, &a->data.slot, &a->data.index);
    a->data.beacon_block_root = *block;
    a->data.source_epoch = epoch ? epoch - 1 : 0;
    a->data.target_epoch = epoch;
    a->data.target_root = *target;
    if (forged) {
        frnd_bytes(&g->r, a->sig, Q_SIG_BYTES);
        return;
    }
    q_root dr;
    q_att_data_root(&a->data, &dr);
    q_sign_att(sk_of(g, v), &dr, a->sig);
}

/* Validators >= FLOOD_VALID_ATTESTERS by duty slot within one epoch. */
typedef struct duties {
    uint32_t *v;     /* grouped by slot in the epoch */
    uint32_t at[33]; /* v[at[k] .. at[k+1]) have duty slot epoch*32 + k */
    uint32_t used[32];
} duties;

static void duties_fill(flood *g, duties *d, uint64_t epoch)
{
    uint32_t cnt[32] = {0};
    for (uint32_t v = FLOOD_VALID_ATTESTERS; v < g->n; v++) {
        uint64_t slot, idx;
        q_duty(epoch, v, g->n, &slot, &idx);
        cnt[slot % 32]++;
    }
    d->at[0] = 0;
    for (int k = 0; k < 32; k++) d->at[k + 1] = d->at[k] + cnt[k];
    uint32_t pos[32];
    memcpy(pos, d->at, sizeof pos);
    for (uint32_t v = FLOOD_VALID_ATTESTERS; v < g->n; v++) {
        uint64_t slot, idx;
        q_duty(epoch, v, g->n, &slot, &idx);
        d->v[pos[slot % 32]++] = v;
    }
    memset(d->used, 0, sizeof d->used);
}

int q_gen_flood_write(const char *path, uint32_t n, uint64_t epochs, uint64_t seed, const char *kind,
                      uint64_t count)
{
    int k = strcmp(kind, "orphan") == 0 ? 0 : strcmp(kind, "attest") == 0 ? 1 : strcmp(kind, "badsig") == 0 ? 2 : -1;
    if (k < 0) {
        fprintf(stderr, "quarantine gen: --flood %s: wants orphan, attest or badsig\n", kind);
        return 2;
    }
    if (k == 1 && n <= FLOOD_VALID_ATTESTERS) {
        fprintf(stderr, "quarantine gen: --flood attest: wants --validators above %u (the flood's voters)\n",
                FLOOD_VALID_ATTESTERS);
        return 2;
    }
    size_t plen = strlen(path);
    char *vpath = malloc(plen + 8);
    if (!vpath) return 1;
    snprintf(vpath, plen + 8, "%s.valid", path);
    flood g = {.n = n, .r = {seed ^ 0x666c6f6f64ull}};
    g.out = fopen(path, "wb");
    g.valid = fopen(vpath, "wb");
    g.sk = calloc(n, sizeof *g.sk);
    g.have_sk = calloc(n, 1);
    duties du = {.v = calloc(n, sizeof *du.v)};
    int rc = 1;
    if (!g.out || !g.valid) {
        fprintf(stderr, "quarantine gen: cannot write '%s': %s\n", !g.out ? path : vpath, strerror(errno));
        goto done;
    }
    if (!g.sk || !g.have_sk || !du.v) {
        fprintf(stderr, "quarantine gen: out of memory\n");
        goto done;
    }
    setvbuf(g.out, NULL, _IOFBF, 1 << 20);
    setvbuf(g.valid, NULL, _IOFBF, 1 << 20);

    const uint64_t S = epochs * Q_SLOTS_PER_EPOCH;
    q_root head = *q_genesis_root(), target = head;
    q_root *canon = calloc(S, sizeof *canon); /* canonical root by slot (zero: none) */
    if (!canon) {
        fprintf(stderr, "quarantine gen: out of memory\n");
        goto done;
    }
    sframe *hello = add_frame(&g, Q_KIND_HELLO, 0, 0, false);
    hello->f.u.hello.n_validators = n;
    flush_slot(&g);
    uint64_t fslot = 0, made = 0, skipped_votes = 0;
    for (uint64_t slot = 1; slot < S; slot++) {
        uint64_t t0 = slot * Q_SLOT_MS, epoch = q_epoch(slot);
        add_frame(&g, Q_KIND_TICK, 0, t0, false);
        if (k == 1 && (slot == 1 || slot % Q_SLOTS_PER_EPOCH == 0)) duties_fill(&g, &du, epoch);
        if (slot % Q_SLOTS_PER_EPOCH == 0) {
            if (epoch > FLOOD_FINALITY_LAG) {
                sframe *f = add_frame(&g, Q_KIND_FINALIZE, 0, t0, false);
                f->f.u.fin.epoch = epoch - FLOOD_FINALITY_LAG;
                f->f.u.fin.root = canon[q_epoch_start_slot(epoch - FLOOD_FINALITY_LAG)];
                fslot = q_epoch_start_slot(epoch - FLOOD_FINALITY_LAG);
            }
        }
        size_t blk = SIZE_MAX; /* the canonical block's frame (an index: g.fr moves) */
        if (slot % 4 == 0) {
            blk = g.nfr;
            sframe *b = add_frame(&g, Q_KIND_BLOCK, FLOOD_VALID_PEER, t0 + 1000, false);
            head = canon[slot] = make_block(&g, b, slot, &head, false);
        }
        if (slot == q_epoch_start_slot(epoch)) target = epoch ? canon[slot] : *q_genesis_root();
        size_t first_vote = g.nfr;
        for (uint32_t v = 0; v < FLOOD_VALID_ATTESTERS && v < n; v++) {
            uint64_t ds, di;
            q_duty(epoch, v, n, &ds, &di);
            if (ds != slot) continue;
            sframe *a = add_frame(&g, Q_KIND_ATTESTATION, FLOOD_VALID_PEER, t0 + 4000 + v % 1000, false);
            make_att(&g, a, v, epoch, &head, &target, false);
        }
        size_t end_vote = g.nfr;

        /* the flood's share of this slot */
        uint64_t want = count * slot / (S - 1) - count * (slot - 1) / (S - 1);
        for (uint64_t i = 0; i < want; i++) {
            uint64_t t = t0 + 1001 + frnd(&g.r) % (Q_SLOT_MS - 1001);
            if (k == 0) {
                uint64_t lo = fslot + 1, s = lo + frnd(&g.r) % (slot - lo + 1);
                q_root parent;
                frnd_bytes(&g.r, parent.b, Q_ROOT_BYTES);
                make_block(&g, add_frame(&g, Q_KIND_BLOCK, FLOOD_PEER, t, true), s, &parent, false);
            } else if (k == 1) {
                uint32_t ks = (uint32_t)(slot % 32);
                if (du.at[ks] + du.used[ks] >= du.at[ks + 1]) {
                    skipped_votes++; /* every flood voter of this slot has voted */
                    continue;
                }
                uint32_t v = du.v[du.at[ks] + du.used[ks]++];
                q_root blockr, targetr;
                frnd_bytes(&g.r, blockr.b, Q_ROOT_BYTES);
                frnd_bytes(&g.r, targetr.b, Q_ROOT_BYTES);
                sframe *a = add_frame(&g, Q_KIND_ATTESTATION, FLOOD_PEER, t0 + 500 + frnd(&g.r) % 11000, true);
                make_att(&g, a, v, epoch, &blockr, &targetr, false);
            } else {
                uint64_t pick = frnd(&g.r) % 4;
                if (pick == 0 && blk != SIZE_MAX) { /* a forged copy of the canonical block, before it */
                    sframe *f = add_frame(&g, Q_KIND_BLOCK, FLOOD_PEER, t0 + frnd(&g.r) % 1000, true);
                    f->f.u.block = g.fr[blk].f.u.block;
                    memcpy(f->body, g.fr[blk].body, sizeof f->body);
                    frnd_bytes(&g.r, f->f.u.block.sig, Q_SIG_BYTES);
                } else if (pick == 1 && end_vote > first_vote) { /* a forged copy of a vote, before it */
                    q_attestation copy = g.fr[first_vote + frnd(&g.r) % (end_vote - first_vote)].f.u.att;
                    sframe *f = add_frame(&g, Q_KIND_ATTESTATION, FLOOD_PEER, t0 + 1001 + frnd(&g.r) % 2999, true);
                    f->f.u.att = copy;
                    frnd_bytes(&g.r, f->f.u.att.sig, Q_SIG_BYTES);
                } else if (pick == 2) { /* a vote of a random validator at its duty, if not future */
                    uint32_t v = (uint32_t)(frnd(&g.r) % n);
                    uint64_t ds, di;
                    q_duty(epoch, v, n, &ds, &di);
                    uint64_t e = ds <= slot ? epoch : epoch ? epoch - 1 : epoch;
                    q_duty(e, v, n, &ds, &di);
                    if (ds > slot) {
                        i--; /* epoch 0, a duty still to come: pick again */
                        continue;
                    }
                    q_root blockr;
                    frnd_bytes(&g.r, blockr.b, Q_ROOT_BYTES);
                    make_att(&g, add_frame(&g, Q_KIND_ATTESTATION, FLOOD_PEER, t, true), v, e, &blockr, &head, true);
                } else { /* a block of a random slot since finality */
                    uint64_t lo = fslot + 1, s = lo + frnd(&g.r) % (slot - lo + 1);
                    make_block(&g, add_frame(&g, Q_KIND_BLOCK, FLOOD_PEER, t, true), s, &head, true);
                }
            }
            made++;
        }
        flush_slot(&g);
        if (slot % (8 * Q_SLOTS_PER_EPOCH) == 0)
            fprintf(stderr, "quarantine gen: flood %s: epoch %" PRIu64 " of %" PRIu64 ", %" PRIu64 " flood items\n",
                    kind, epoch, epochs, made);
    }
    add_frame(&g, Q_KIND_END, 0, S * Q_SLOT_MS, false);
    flush_slot(&g);
    free(canon);
    if (fclose(g.out) != 0) g.failed = true;
    if (fclose(g.valid) != 0) g.failed = true;
    g.out = g.valid = NULL;
    if (g.failed) {
        fprintf(stderr, "quarantine gen: writing '%s' or '%s' failed\n", path, vpath);
        goto done;
    }
    printf("quarantine gen: %s: %" PRIu64 " frames, %" PRIu64 " of them the flood (%s, peer %u)", path, g.written,
           g.flood_written, kind, FLOOD_PEER);
    if (skipped_votes)
        printf(", %" PRIu64 " votes short (every flood voter of their slot had voted)", skipped_votes);
    printf("; %s: the valid stream alone (peer %u)\n", vpath, FLOOD_VALID_PEER);
    rc = 0;
done:
    if (g.out) fclose(g.out);
    if (g.valid) fclose(g.valid);
    free(g.fr);
    free(g.sk);
    free(g.have_sk);
    free(du.v);
    free(vpath);
    return rc;
}
