/* fuzz/expected.c: the parser of FILE.expected lines (quarantine/expected.c,
 * read by `quarantine check`) and the hex parser under it (q_root_from_hex) on
 * arbitrary text.
 *
 * The input is one line (cut at 1 KiB; a NUL ends it early, as for a C
 * string). Checked:
 *   - q_exp_parse either fails with a worded message, or gives a record whose
 *     words are all legal (item kind, a final verdict other than CLEARED, a
 *     reason other than none, a slashing kind, a counter) from a line of
 *     exactly that record's fields (expected.h), however long the line;
 *   - a record written back (q_exp_write) is one '\n'-ended line that parses
 *     to the very same record, and writing that gives the same line again
 *     (lowercase hex, plain decimals: the canonical form);
 *   - comments and blank lines are records of no type, which q_exp_write
 *     refuses.
 */
#include <string.h>

#include "fuzz/fuzz.h"
#include "quarantine/expected.h"

/* Writes r into buf (cap bytes) through a stdio stream; returns its length. */
static size_t write_record(const q_exp_record *r, char *buf, size_t cap)
{
    FILE *f = fmemopen(buf, cap, "w");
    FUZZ_CHECK(f, "fmemopen");
    FUZZ_CHECK(q_exp_write(f, r) == 0, "q_exp_write of a parsed record");
    FUZZ_CHECK(fclose(f) == 0, "fclose");
    size_t n = strlen(buf);
    FUZZ_CHECK(n > 1 && n < cap - 1 && buf[n - 1] == '\n' && memchr(buf, '\n', n) == buf + n - 1,
               "not one line: '%s'", buf);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char line[1025];
    if (size > sizeof line - 1) size = sizeof line - 1;
    memcpy(line, data, size);
    line[size] = '\0';

    q_exp_record r;
    char err[200];
    err[0] = '\0';
    if (q_exp_parse(line, &r, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err), "a parse error without a message");
        return 0;
    }
    if (r.type == Q_EXP_NONE) {
        FUZZ_CHECK(q_exp_write(stderr, &r) == -1, "q_exp_write took a record of no type");
        return 0;
    }
    switch (r.type) {
    case Q_EXP_CLEARED: FUZZ_CHECK(r.kind == Q_ITEM_BLOCK || r.kind == Q_ITEM_ATTESTATION, "kind"); break;
    case Q_EXP_REJECT:
        FUZZ_CHECK(r.kind == Q_ITEM_BLOCK || r.kind == Q_ITEM_ATTESTATION, "kind");
        FUZZ_CHECK(r.verdict > Q_V_HELD && r.verdict < Q_V_COUNT, "verdict %d", (int)r.verdict);
        FUZZ_CHECK(r.reason > Q_R_NONE && r.reason < Q_R_COUNT, "reason %d", (int)r.reason);
        break;
    case Q_EXP_SLASHING: FUZZ_CHECK(r.slashing < Q_S_COUNT, "slashing kind %d", (int)r.slashing); break;
    case Q_EXP_COUNTER: FUZZ_CHECK(r.counter < Q_C_COUNT, "counter %d", (int)r.counter); break;
    default: FUZZ_CHECK(0, "record type %d", (int)r.type);
    }

    /* the format's field count, on the line as it came (to its end) */
    int want = r.type == Q_EXP_COUNTER ? 3 : r.type == Q_EXP_CLEARED ? 4 : 5, fields = 0;
    size_t len = strcspn(line, "\r\n");
    for (size_t i = 0; i < len; i++) fields += line[i] != ' ' && (i == 0 || line[i - 1] == ' ');
    FUZZ_CHECK(fields == want, "a line of %d fields (%zu bytes) parsed as a record of %d", fields, len, want);

    char a[512], b[512];
    write_record(&r, a, sizeof a);
    q_exp_record r2;
    FUZZ_CHECK(q_exp_parse(a, &r2, err, sizeof err) == 0, "the written line '%s' does not parse: %s", a, err);
    FUZZ_CHECK(memcmp(&r, &r2, sizeof r) == 0, "'%s' parses to another record than '%s'", a, line);
    write_record(&r2, b, sizeof b);
    FUZZ_CHECK(strcmp(a, b) == 0, "written twice: '%s' then '%s'", a, b);
    return 0;
}
