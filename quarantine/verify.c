/* quarantine/verify.c: q_prepare, the pure checks of one item (verify.h).
 * Runs on the weft workers; reads the frame and the registry, writes only
 * *out. */
#include "quarantine/verify.h"

#include <string.h>

void q_prepare(q_registry *reg, const q_frame *f, q_checked *out)
{
    memset(out, 0, sizeof *out);
    if (f->kind == Q_KIND_BLOCK) {
        const q_signed_block *b = &f->u.block;
        out->sig_ok = q_block_pure(reg, b, &out->ids);
        out->body_ok = q_root_eq(&out->ids.aux, &b->hdr.body_root);
        out->duty_ok = b->hdr.proposer < reg->n && b->hdr.proposer == q_proposer(b->hdr.slot, reg->n);
    } else if (f->kind == Q_KIND_ATTESTATION) {
        const q_attestation *a = &f->u.att;
        out->sig_ok = q_att_pure(reg, a, &out->ids);
        out->body_ok = true;
        if (a->attester < reg->n) {
            uint64_t slot, index;
            q_duty(q_epoch(a->data.slot), a->attester, reg->n, &slot, &index);
            out->duty_ok = slot == a->data.slot && index == a->data.index;
        }
    }
}
