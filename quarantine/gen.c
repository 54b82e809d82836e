/* quarantine/gen.c: the command `quarantine gen` (gen.h): its flags, the
 * order of its steps (the scenario's stream, the engine's FILE.expected, the
 * cross-check of the two), its files and its report.
 *
 * FILE.expected is written to FILE.expected.tmp and renamed only once the
 * cross-check agrees, and a stale FILE.expected is removed first, so a
 * FILE.expected beside a stream always belongs to it.
 */
#include "quarantine/gen.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarantine/chain.h"
#include "quarantine/cmd.h"

#define GEN_TAG_NAME(name, text) #name,
#define GEN_TAG_TEXT(name, text) text,
const char *const q_gen_tag_name[TAG_COUNT] = {GEN_TAGS(GEN_TAG_NAME)};
const char *const q_gen_tag_text[TAG_COUNT] = {GEN_TAGS(GEN_TAG_TEXT)};

/* ------------------------------------------------------------ report */

/* Prints the intended verdicts by kind and reason, the slashings and the cases. */
static void report(const q_gen_design *d, const char *out, uint32_t validators, uint64_t epochs, uint64_t seed,
                   double t_gen, double t_engine)
{
    size_t blocks = 0, atts = 0;
    for (size_t i = 0; i < d->nintents; i++) *(d->intents[i].kind == Q_ITEM_BLOCK ? &blocks : &atts) += 1;
    printf("quarantine gen: %s: %" PRIu64 " frames, %" PRIu64 " bytes, %zu blocks + %zu attestations received; "
           "%" PRIu32 " validators, %" PRIu64 " epochs, seed %" PRIu64 "\n",
           out, d->frames, d->bytes, blocks, atts, validators, epochs, seed);
    printf("  generated in %.2f s, engine cross-check in %.2f s: every designed verdict agrees\n", t_gen, t_engine);
    printf("  verdicts (item copies):\n");
    for (int kind = 0; kind < 2; kind++)
        for (int v = 0; v < Q_V_COUNT; v++)
            for (int r = 0; r < Q_R_COUNT; r++) {
                size_t n = 0;
                for (size_t i = 0; i < d->nintents; i++)
                    n += d->intents[i].kind == kind && d->intents[i].verdict == v && d->intents[i].reason == r;
                if (n)
                    printf("    %-12s %-11s %-22s %zu\n", q_item_kind_word((q_item_kind)kind),
                           q_verdict_word((q_verdict)v), r ? q_reason_word((q_reason)r) : "", n);
            }
    size_t sk[Q_S_COUNT] = {0};
    for (size_t i = 0; i < d->nslashes; i++) sk[d->slashes[i].kind]++;
    printf("  slashings: %zu double_proposal, %zu double_vote, %zu surround_vote\n", sk[0], sk[1], sk[2]);
    printf("  cases:\n");
    for (int t = 0; t < TAG_COUNT; t++)
        printf("    %-22s %8" PRIu64 "  %s\n", q_gen_tag_name[t], d->tag_count[t], q_gen_tag_text[t]);
}

/* ------------------------------------------------------------ command */

static void gen_usage(FILE *f)
{
    fprintf(f,
            "usage: quarantine gen --validators N --epochs E [--seed S] --out FILE\n\n"
            "Writes a stream of E epochs for N validators to FILE (deterministic from S,\n"
            "default 1) that shows every case of the quarantine spec, and FILE.expected,\n"
            "the expected verdict of every item copy, the slashings and the counters.\n"
            "The expected outcome comes from the serial verdict engine and is checked\n"
            "against the verdict the generator designed for every item: gen fails\n"
            "(exit 1, differences on stderr, no FILE.expected) when they disagree.\n\n"
            "  --validators N   %u .. 4000000\n"
            "  --epochs E       %u .. 10000 (32 slots of 12 s each)\n"
            "  --seed S         any 64-bit number (default 1)\n"
            "  --out FILE       the stream; FILE.expected is written beside it\n"
            "  --flood KIND     instead: a valid stream (peer 2) with a flood (peer 1) of\n"
            "                   orphan (signed blocks on random parents), attest (signed votes\n"
            "                   for blocks that never come, by validators 256..N-1) or badsig\n"
            "                   (forged copies and random items); FILE.valid is the valid\n"
            "                   stream alone, no FILE.expected (docs/quarantine.md)\n"
            "  --count N        the flood's items (default 10000)\n\n"
            "exit status: 0 written and cross-checked, 1 failure, 2 usage error\n",
            GEN_MIN_VALIDATORS, GEN_MIN_EPOCHS);
}

int q_cmd_gen(int argc, char **argv)
{
    uint64_t n = 0, epochs = 0, seed = 1, count = 10000;
    const char *out = NULL, *flood = NULL;
    q_flag flags[] = {
        {.name = "validators", .u64 = &n, .min = GEN_MIN_VALIDATORS, .max = 4000000, .required = true},
        {.name = "epochs", .u64 = &epochs, .min = GEN_MIN_EPOCHS, .max = 10000, .required = true},
        {.name = "seed", .u64 = &seed, .min = 0, .max = UINT64_MAX},
        {.name = "out", .str = &out, .required = true},
        {.name = "flood", .str = &flood},
        {.name = "count", .u64 = &count, .min = 0, .max = UINT64_MAX / 4096},
    };
    int begin = q_cmd_begin("gen", argc, argv, flags, (int)(sizeof flags / sizeof flags[0]), gen_usage);
    if (begin >= 0) return begin;
    if (flood) return q_gen_flood_write(out, (uint32_t)n, epochs, seed, flood, count);
    size_t plen = strlen(out);
    char *exp_path = malloc(plen + 16), *tmp_path = malloc(plen + 24);
    if (!exp_path || !tmp_path) return 1;
    snprintf(exp_path, plen + 16, "%s.expected", out);
    snprintf(tmp_path, plen + 24, "%s.expected.tmp", out);
    unlink(exp_path); /* never leave a stale one beside a new stream */

    q_gen_design d = {0};
    q_gen_view k = {0};
    int rc = 1;
    double t0 = q_now_s(), t1 = 0, t2 = 0;
    FILE *stream = fopen(out, "wb");
    if (!stream) {
        fprintf(stderr, "quarantine gen: cannot write '%s': %s\n", out, strerror(errno));
        goto done;
    }
    setvbuf(stream, NULL, _IOFBF, 1 << 20);
    int grc = q_gen_scenario_write(stream, (uint32_t)n, epochs, seed, &d);
    if (fclose(stream) != 0) grc = -1;
    if (grc < 0) {
        if (d.write_failed) fprintf(stderr, "quarantine gen: writing '%s' failed: %s\n", out, strerror(errno));
        goto done;
    }
    for (int t = 0; t < TAG_COUNT; t++) {
        if (!d.tag_count[t]) {
            fprintf(stderr, "quarantine gen: case %s (%s) did not appear in the stream\n", q_gen_tag_name[t],
                    q_gen_tag_text[t]);
            goto done;
        }
    }
    t1 = q_now_s();

    /* the engine's outcome of the stream, written as FILE.expected */
    k.exp = fopen(tmp_path, "w");
    if (!k.exp) {
        fprintf(stderr, "quarantine gen: cannot write '%s': %s\n", tmp_path, strerror(errno));
        goto done;
    }
    setvbuf(k.exp, NULL, _IOFBF, 1 << 20);
    fprintf(k.exp, "# quarantine gen --validators %" PRIu64 " --epochs %" PRIu64 " --seed %" PRIu64
                   " (format: quarantine/expected.h)\n", n, epochs, seed);
    char err[512];
    if (q_gen_view_run(&k, out, err, sizeof err) < 0) {
        fprintf(stderr, "quarantine gen: the engine could not read the stream: %s\n", err);
        goto done;
    }
    if (fclose(k.exp) != 0 || k.write_failed) {
        k.exp = NULL;
        fprintf(stderr, "quarantine gen: writing '%s' failed\n", tmp_path);
        goto done;
    }
    k.exp = NULL;
    t2 = q_now_s();

    /* designed vs engine */
    q_gen_diff diff;
    q_gen_compare(&d, &k, &diff);
    if (diff.items || diff.slashings || diff.counters) {
        fprintf(stderr,
                "quarantine gen: the engine disagrees with the design on %zu items, %zu slashings, %zu counters "
                "(above); %s kept, no %s written\n",
                diff.items, diff.slashings, diff.counters, out, exp_path);
        goto done;
    }
    if (rename(tmp_path, exp_path) != 0) {
        fprintf(stderr, "quarantine gen: cannot rename '%s' to '%s': %s\n", tmp_path, exp_path, strerror(errno));
        goto done;
    }
    report(&d, out, (uint32_t)n, epochs, seed, t1 - t0, t2 - t1);
    rc = 0;
done:
    if (k.exp) fclose(k.exp);
    if (rc != 0) unlink(tmp_path);
    q_gen_view_free(&k);
    q_gen_design_free(&d);
    free(exp_path);
    free(tmp_path);
    return rc;
}
