/* quarantine/expected.c: writing and parsing FILE.expected records. */
#include "quarantine/expected.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "quarantine/chain.h"

int q_exp_write(FILE *f, const q_exp_record *r)
{
    char a[65], b[65];
    int n;
    switch (r->type) {
    case Q_EXP_CLEARED:
        n = fprintf(f, "cleared %s %s %" PRIu64 "\n", q_item_kind_word(r->kind), q_root_hex(&r->id, a), r->seq);
        break;
    case Q_EXP_REJECT:
        n = fprintf(f, "reject %s %s %s %s\n", q_item_kind_word(r->kind), q_root_hex(&r->id, a),
                    q_verdict_word(r->verdict), q_reason_word(r->reason));
        break;
    case Q_EXP_SLASHING:
        n = fprintf(f, "slashing %s %" PRIu32 " %s %s\n", q_slashing_word(r->slashing), r->validator,
                    q_root_hex(&r->first, a), q_root_hex(&r->second, b));
        break;
    case Q_EXP_COUNTER:
        n = fprintf(f, "counter %s %" PRIu64 "\n", q_counter_word(r->counter), r->value);
        break;
    default:
        return -1;
    }
    return n < 0 ? -1 : 0;
}

/* Splits line into at most max space-separated fields (in buf, of cap
 * bytes). Returns the field count, max + 1 when there are more, or -1 when
 * the line does not fit in buf. */
static int split(const char *line, char *buf, size_t cap, char **fields, int max)
{
    size_t len = strcspn(line, "\r\n");
    if (len >= cap) return -1;
    memcpy(buf, line, len);
    buf[len] = '\0';
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (n == max) return max + 1;
        fields[n++] = t;
    }
    return n;
}

/* Parses a decimal u64. Returns 0 or -1. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!*s || *s < '0' || *s > '9') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

/* Parses "block" / "attestation". Returns 0 or -1. */
static int parse_kind(const char *s, q_item_kind *k)
{
    if (strcmp(s, "block") == 0) *k = Q_ITEM_BLOCK;
    else if (strcmp(s, "attestation") == 0) *k = Q_ITEM_ATTESTATION;
    else return -1;
    return 0;
}

int q_exp_parse(const char *line, q_exp_record *r, char *err, size_t errlen)
{
    char buf[512];
    char *f[8];
    memset(r, 0, sizeof *r);
    r->type = Q_EXP_NONE;
    if (line[0] == '#') return 0;
    int n = split(line, buf, sizeof buf, f, 7);
    if (n == 0) return 0;
#define BAD(...) (snprintf(err, errlen, __VA_ARGS__), -1)
    if (n < 0) return BAD("line longer than %zu bytes", sizeof buf - 1);
    if (strcmp(f[0], "cleared") == 0) {
        if (n != 4) return BAD("'cleared' wants 3 fields, got %d", n - 1);
        if (parse_kind(f[1], &r->kind) < 0) return BAD("unknown item kind '%s'", f[1]);
        if (q_root_from_hex(&r->id, f[2]) < 0) return BAD("bad id hex '%s'", f[2]);
        if (parse_u64(f[3], &r->seq) < 0) return BAD("bad seq '%s'", f[3]);
        r->type = Q_EXP_CLEARED;
        return 0;
    }
    if (strcmp(f[0], "reject") == 0) {
        if (n != 5) return BAD("'reject' wants 4 fields, got %d", n - 1);
        if (parse_kind(f[1], &r->kind) < 0) return BAD("unknown item kind '%s'", f[1]);
        if (q_root_from_hex(&r->id, f[2]) < 0) return BAD("bad id hex '%s'", f[2]);
        int v = q_verdict_parse(f[3]);
        if (v < 0 || v == Q_V_CLEARED || v == Q_V_HELD) return BAD("bad verdict '%s'", f[3]);
        int rs = q_reason_parse(f[4]);
        if (rs <= 0) return BAD("bad reason '%s'", f[4]);
        r->verdict = (q_verdict)v;
        r->reason = (q_reason)rs;
        r->type = Q_EXP_REJECT;
        return 0;
    }
    if (strcmp(f[0], "slashing") == 0) {
        if (n != 5) return BAD("'slashing' wants 4 fields, got %d", n - 1);
        int k = q_slashing_parse(f[1]);
        if (k < 0) return BAD("bad slashing kind '%s'", f[1]);
        uint64_t v;
        if (parse_u64(f[2], &v) < 0 || v > UINT32_MAX) return BAD("bad validator '%s'", f[2]);
        if (q_root_from_hex(&r->first, f[3]) < 0) return BAD("bad first hex '%s'", f[3]);
        if (q_root_from_hex(&r->second, f[4]) < 0) return BAD("bad second hex '%s'", f[4]);
        r->slashing = (q_slashing_kind)k;
        r->validator = (uint32_t)v;
        r->type = Q_EXP_SLASHING;
        return 0;
    }
    if (strcmp(f[0], "counter") == 0) {
        if (n != 3) return BAD("'counter' wants 2 fields, got %d", n - 1);
        int c = q_counter_parse(f[1]);
        if (c < 0) return BAD("unknown counter '%s'", f[1]);
        if (parse_u64(f[2], &r->value) < 0) return BAD("bad counter value '%s'", f[2]);
        r->counter = (q_counter)c;
        r->type = Q_EXP_COUNTER;
        return 0;
    }
    return BAD("unknown record '%s'", f[0]);
#undef BAD
}
