/* quarantine/flags.c: the --name VALUE flag parser and the first steps the
 * subcommands share (cmd.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarantine/chain.h"
#include "quarantine/cmd.h"
#include "quarantine/log.h"
#include "quarantine/store.h"

/* Parses a decimal u64 from s into *out. Returns 0, or -1 when s is empty,
 * not all digits, or overflows. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

int q_flags_parse(int argc, char **argv, q_flag *flags, int nflags)
{
    const char *cmd = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return 1;
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "quarantine %s: unexpected argument '%s'\n", cmd, a);
            return -1;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        q_flag *f = NULL;
        for (int k = 0; k < nflags; k++)
            if (strlen(flags[k].name) == nlen && strncmp(flags[k].name, name, nlen) == 0) f = &flags[k];
        if (!f) {
            fprintf(stderr, "quarantine %s: unknown option '%.*s'\n", cmd, (int)(nlen + 2), a);
            return -1;
        }
        const char *val;
        if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            fprintf(stderr, "quarantine %s: option '--%s' needs a value\n", cmd, f->name);
            return -1;
        }
        if (f->u64) {
            uint64_t v;
            if (parse_u64(val, &v) < 0 || v < f->min || v > f->max) {
                fprintf(stderr, "quarantine %s: option '--%s' wants an integer in [%" PRIu64 ", %" PRIu64 "], got '%s'\n",
                        cmd, f->name, f->min, f->max, val);
                return -1;
            }
            *f->u64 = v;
        } else {
            if (!*val) {
                fprintf(stderr, "quarantine %s: option '--%s' needs a non-empty value\n", cmd, f->name);
                return -1;
            }
            *f->str = val;
        }
        f->set = true;
    }
    for (int k = 0; k < nflags; k++) {
        if (flags[k].required && !flags[k].set) {
            fprintf(stderr, "quarantine %s: missing required option '--%s'\n", cmd, flags[k].name);
            return -1;
        }
    }
    return 0;
}

int q_cmd_begin(const char *cmd, int argc, char **argv, q_flag *flags, int nflags,
                void (*usage)(FILE *))
{
    q_log_name(cmd);
    int pr = q_flags_parse(argc, argv, flags, nflags);
    if (pr == 1) {
        usage(stdout);
        return 0;
    }
    if (pr < 0) {
        fprintf(stderr, "\n");
        usage(stderr);
        return 2;
    }
    if (q_crypto_init() < 0) {
        q_log(Q_ERROR, "libsodium cannot start");
        return 1;
    }
    return -1;
}

int q_cmd_open(const char *cmd, const char *input, const char *dbpath, int *fd, q_head *head, q_store **store)
{
    *fd = open(input, O_RDONLY | O_CLOEXEC);
    if (*fd < 0) {
        q_log(Q_ERROR, "%s: %s", input, strerror(errno));
        return 1;
    }
    char err[1024], holder[512];
    snprintf(holder, sizeof holder, "quarantine %s --input %s --db %s", cmd, input, dbpath);
    *store = q_store_open(dbpath, holder, err, sizeof err);
    if (*store && q_head_read(head, *fd, input, err, sizeof err) < 0) {
        q_store_discard(*store);
        *store = NULL;
    } else if (*store && q_store_start(*store, head, input, err, sizeof err) < 0) {
        *store = NULL;
    }
    if (!*store) {
        q_log(Q_ERROR, "%s", err);
        close(*fd);
        return 1;
    }
    return 0;
}
