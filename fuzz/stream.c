/* fuzz/stream.c: the whole-stream reader on arbitrary bytes: the serial
 * driver of `quarantine replay` (q_replay_fd, quarantine/replay.c) reads the
 * input from a file descriptor, as `replay` and a file `run` do (its head
 * read first with q_head_read and handed back, head.h, for inputs of odd
 * length; straight from the fd otherwise), decodes every frame, runs the pure
 * checks (q_prepare) and applies it to a fresh verdict engine
 * (quarantine/engine.c), whose events go to a checking sink instead of the
 * store.
 *
 * Checked, on the events and against the spec (sections 4, 6 and 7):
 *   - the driver returns 0 exactly when the stream was read to its END (the
 *     END event came, q_engine_ended), else -1 with a message naming the
 *     input;
 *   - seq numbers are 0, 1, 2, ... in clearing order over both kinds; no
 *     block root and no attestation id clears twice; every cleared block's
 *     parent, and every cleared attestation's block, is the genesis root or
 *     a block cleared before it;
 *   - every rejects event has a final verdict and a reason word that goes
 *     with it (orphan for held blocks, pending for held attestations, a check's
 *     word for REJECT / IGNORE / SLASHABLE), and there is one slashing event
 *     per SLASHABLE verdict, just before it;
 *   - SLOT events never go back;
 *   - at END: the counters are those of the events (cleared, each final
 *     verdict), received is the number of BLOCK and ATTESTATION frames read
 *     and is the sum of the eight outcomes (section 7).
 * Inputs whose HELLO announces more than FUZZ_MAX_VALIDATORS validators are
 * skipped: N sizes the key registry, one calloc of 33 bytes a validator that
 * the service gets lazily backed (untouched keys cost nothing), but whose
 * shadow ASan writes whole, 4 bytes a validator, each run. 2^20 still takes
 * the committee count C of spec section 1 to its cap of 64.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "quarantine/engine.h"
#include "quarantine/head.h"
#include "quarantine/replay.h"

#define MAX_CLEARED 4096
#define FUZZ_MAX_VALIDATORS (1u << 20)

typedef struct checker {
    q_root blocks[MAX_CLEARED];
    size_t nblocks;
    q_root atts[MAX_CLEARED];
    size_t natts;
    uint64_t seq;                  /* the next seq */
    uint64_t verdicts[Q_V_COUNT];  /* rejects events by verdict */
    uint64_t slashings;
    bool slashing_open;            /* a slashing event waits for its SLASHABLE */
    uint64_t slot;
    bool ended;
    uint64_t counters[Q_C_COUNT];
} checker;

static bool has(const q_root *set, size_t n, const q_root *r)
{
    for (size_t i = 0; i < n; i++)
        if (q_root_eq(&set[i], r)) return true;
    return false;
}

static bool known_block(const checker *k, const q_root *r)
{
    return q_root_eq(r, q_genesis_root()) || has(k->blocks, k->nblocks, r);
}

static void emit(void *ctx, const q_event *ev)
{
    checker *k = ctx;
    FUZZ_CHECK(!k->ended, "event %d after END", (int)ev->type);
    FUZZ_CHECK(!k->slashing_open || ev->type == Q_EV_REJECT, "a slashing event not followed by its verdict");
    switch (ev->type) {
    case Q_EV_CLEARED_BLOCK: {
        const q_block_row *b = &ev->u.block;
        FUZZ_CHECK(b->seq == k->seq, "block seq %llu, wanted %llu", (unsigned long long)b->seq,
                   (unsigned long long)k->seq);
        FUZZ_CHECK(!known_block(k, &b->root), "a block root cleared twice (or the genesis root)");
        FUZZ_CHECK(known_block(k, &b->parent_root), "a block cleared before its parent");
        FUZZ_CHECK(k->nblocks < MAX_CLEARED, "more blocks than the input can hold");
        k->blocks[k->nblocks++] = b->root;
        k->seq++;
        break;
    }
    case Q_EV_CLEARED_ATT: {
        const q_att_row *a = &ev->u.att;
        FUZZ_CHECK(a->seq == k->seq, "attestation seq %llu, wanted %llu", (unsigned long long)a->seq,
                   (unsigned long long)k->seq);
        FUZZ_CHECK(!has(k->atts, k->natts, &a->id), "an attestation id cleared twice");
        FUZZ_CHECK(known_block(k, &a->block_root), "an attestation cleared before its block");
        FUZZ_CHECK(a->target_epoch == a->slot / Q_SLOTS_PER_EPOCH, "a cleared attestation's target epoch");
        FUZZ_CHECK(a->source_epoch <= a->target_epoch, "a cleared attestation's source after its target");
        FUZZ_CHECK(k->natts < MAX_CLEARED, "more attestations than the input can hold");
        k->atts[k->natts++] = a->id;
        k->seq++;
        break;
    }
    case Q_EV_REJECT: {
        const q_reject_row *r = &ev->u.reject;
        FUZZ_CHECK(r->kind == Q_ITEM_BLOCK || r->kind == Q_ITEM_ATTESTATION, "rejects kind %d", (int)r->kind);
        FUZZ_CHECK(r->verdict > Q_V_HELD && r->verdict < Q_V_COUNT, "verdict %d", (int)r->verdict);
        bool held = r->verdict >= Q_V_EVICTED; /* EVICTED EXPIRED UNVIABLE HELD_AT_END */
        q_reason want = r->kind == Q_ITEM_BLOCK ? Q_R_ORPHAN : Q_R_PENDING;
        FUZZ_CHECK(held ? r->reason == want : r->reason > Q_R_NONE && r->reason < Q_R_ORPHAN,
                   "verdict %s with reason %s for a %s", q_verdict_word(r->verdict), q_reason_word(r->reason),
                   q_item_kind_word(r->kind));
        FUZZ_CHECK((r->verdict == Q_V_SLASHABLE) == k->slashing_open, "a %s verdict %s a slashing event",
                   q_verdict_word(r->verdict), k->slashing_open ? "after" : "without");
        k->slashing_open = false;
        k->verdicts[r->verdict]++;
        break;
    }
    case Q_EV_SLASHING:
        FUZZ_CHECK(ev->u.slashing.kind < Q_S_COUNT, "slashing kind %d", (int)ev->u.slashing.kind);
        k->slashings++;
        k->slashing_open = true;
        break;
    case Q_EV_SLOT:
        FUZZ_CHECK(ev->u.slot >= k->slot, "SLOT %llu after %llu", (unsigned long long)ev->u.slot,
                   (unsigned long long)k->slot);
        k->slot = ev->u.slot;
        break;
    case Q_EV_END:
        k->ended = true;
        memcpy(k->counters, ev->u.counters, sizeof k->counters);
        break;
    default: FUZZ_CHECK(0, "event type %d", (int)ev->type);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static checker k;
    static q_head head;
    if (q_head_validators(data, size) > FUZZ_MAX_VALIDATORS) return 0;
    if (fd < 0) {
        fuzz_crypto_init();
        fd = memfd_create("fuzz-stream", MFD_CLOEXEC);
        FUZZ_CHECK(fd >= 0, "memfd_create");
    }
    FUZZ_CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0,
               "cannot write the input to the memfd");
    memset(&k, 0, sizeof k);

    q_sink sink = {.emit = emit, .ctx = &k};
    q_engine *e = q_engine_new(&sink);
    FUZZ_CHECK(e, "out of memory");
    char err[512] = "";
    bool with_head = size & 1;
    if (with_head) FUZZ_CHECK(q_head_read(&head, fd, "fuzz", err, sizeof err) == 0, "q_head_read: %s", err);
    int rc = q_replay_fd(e, fd, with_head ? &head : NULL, "fuzz", 0, err, sizeof err);

    FUZZ_CHECK((rc == 0) == k.ended && k.ended == q_engine_ended(e), "rc %d, END event %d, engine ended %d (%s)", rc,
               k.ended, q_engine_ended(e), err);
    if (rc != 0) FUZZ_CHECK(strncmp(err, "fuzz: ", 6) == 0 || strcmp(err, "out of memory") == 0, "message '%s'", err);
    FUZZ_CHECK(!k.slashing_open, "a slashing event without its verdict");
    if (k.ended) {
        const uint64_t *c = k.counters;
        q_engine_stats st;
        q_engine_get_stats(e, &st);
        FUZZ_CHECK(c[Q_C_RECEIVED] == st.items, "received %llu, %llu items read", (unsigned long long)c[Q_C_RECEIVED],
                   (unsigned long long)st.items);
        FUZZ_CHECK(c[Q_C_CLEARED] == k.nblocks + k.natts, "cleared %llu, %zu cleared events",
                   (unsigned long long)c[Q_C_CLEARED], k.nblocks + k.natts);
        uint64_t sum = c[Q_C_CLEARED];
        for (int v = Q_V_REJECT; v < Q_V_COUNT; v++) {
            int ci = q_verdict_counter((q_verdict)v);
            FUZZ_CHECK(c[ci] == k.verdicts[v], "counter %s %llu, %llu %s events", q_counter_word((q_counter)ci),
                       (unsigned long long)c[ci], (unsigned long long)k.verdicts[v], q_verdict_word((q_verdict)v));
            sum += c[ci];
        }
        FUZZ_CHECK(sum == c[Q_C_RECEIVED], "received %llu != the sum of the outcomes %llu",
                   (unsigned long long)c[Q_C_RECEIVED], (unsigned long long)sum);
        FUZZ_CHECK(k.slashings == c[Q_C_SLASHABLE], "%llu slashing events, slashable %llu",
                   (unsigned long long)k.slashings, (unsigned long long)c[Q_C_SLASHABLE]);
    }
    q_engine_free(e);
    return 0;
}
