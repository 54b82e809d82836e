/* quarantine/expected.h: FILE.expected, the expected outcome of a generated
 * stream, written by `quarantine gen` beside the stream and read by
 * `quarantine check`.
 *
 * Format: text, one record per line, fields separated by one space, no
 * leading or trailing blanks, '\n' line ends. Hex is 64 lowercase digits.
 * Lines starting with '#' are comments; empty lines are ignored.
 *
 *   cleared block <root hex> <seq>
 *   cleared attestation <item id hex> <seq>
 *   reject block <root hex> <VERDICT> <reason>
 *   reject attestation <item id hex> <VERDICT> <reason>
 *   slashing <kind> <validator> <first hex> <second hex>
 *   counter <name> <value>
 *
 * - `cleared` lines: one per item that cleared, in clearing order; <seq> is
 *   the `seq` column of the store (0, 1, 2, ... shared by blocks and
 *   attestations).
 * - `reject` lines: one per received copy that did not clear, i.e. one per
 *   `rejects` row: <VERDICT> is a final verdict word other than CLEARED
 *   (REJECT IGNORE SLASHABLE EVICTED EXPIRED UNVIABLE HELD_AT_END) and
 *   <reason> its reason word (q_verdict_word / q_reason_word in spec.h). The
 *   same id can appear on several lines (duplicates from several peers, a
 *   forged copy before the genuine one) and also on a `cleared` line.
 * - `slashing` lines: one per `slashings` row: <kind> is double_proposal,
 *   double_vote or surround_vote; <first> the root / data root kept, <second>
 *   the one not passed on.
 * - `counter` lines: every counter of spec.h (q_counter_word), after END.
 *
 * The record order is the engine's event order (deterministic); a checker
 * must not depend on it except for `seq`.
 */
#ifndef Q_EXPECTED_H
#define Q_EXPECTED_H

#include <stdio.h>

#include "quarantine/spec.h"

typedef enum q_exp_type {
    Q_EXP_CLEARED = 0, /* kind, id, seq */
    Q_EXP_REJECT,      /* kind, id, verdict, reason */
    Q_EXP_SLASHING,    /* slashing, validator, first, second */
    Q_EXP_COUNTER,     /* counter, value */
    Q_EXP_NONE,        /* a comment or empty line */
} q_exp_type;

/* One record of FILE.expected. */
typedef struct q_exp_record {
    q_exp_type type;
    q_item_kind kind;
    q_root id;
    uint64_t seq;
    q_verdict verdict;
    q_reason reason;
    q_slashing_kind slashing;
    uint32_t validator;
    q_root first, second;
    q_counter counter;
    uint64_t value;
} q_exp_record;

/* Writes r as one line (with '\n') to f. Returns 0, or -1 on a write error or
 * when r->type is Q_EXP_NONE. */
int q_exp_write(FILE *f, const q_exp_record *r);

/* Parses one line (with or without its '\n') into *r. Returns 0 (r->type is
 * Q_EXP_NONE for a comment or empty line) or -1 with a message in err (errlen
 * bytes) saying which field is wrong, or that the line is longer than 511
 * bytes. */
int q_exp_parse(const char *line, q_exp_record *r, char *err, size_t errlen);

#endif /* Q_EXPECTED_H */
