/* quarantine/cmd.h: the subcommands of the `quarantine` binary, and a small
 * flag parser they share.
 *
 * Each subcommand takes (argc, argv) with argv[0] its own name, prints its
 * usage for --help/-h (exit 0), and returns the process exit status: 0 ok,
 * 1 failure, 2 usage error (message naming the bad flag, then the usage, on
 * stderr). Add one here and one line to the table in quarantine/main.c.
 */
#ifndef Q_CMD_H
#define Q_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "runtime/util/prim.h"

int q_cmd_help(int argc, char **argv);
int q_cmd_gen(int argc, char **argv);    /* quarantine/gen.c */
int q_cmd_replay(int argc, char **argv); /* quarantine/replay.c */
int q_cmd_run(int argc, char **argv);    /* quarantine/run.c */
int q_cmd_check(int argc, char **argv);  /* quarantine/check.c */
int q_cmd_feed(int argc, char **argv);   /* quarantine/feed.c */
int q_cmd_profile(int argc, char **argv); /* quarantine/profile.c */

/* ------------------------------------------------------------ flag parsing */

/* One flag a subcommand accepts: --name VALUE (or --name=VALUE). For an
 * integer flag, *u64 receives the value and [min, max] bounds it; for a string
 * flag *str receives a pointer into argv. `set` is raised when given. */
typedef struct q_flag {
    const char *name; /* without the leading "--" */
    uint64_t *u64;    /* integer flag, or NULL */
    const char **str; /* string flag, or NULL */
    uint64_t min, max;
    bool required;
    bool set;
} q_flag;

/* Parses argv[1..argc) against flags[0..nflags). Returns 0 when every flag was
 * known, well formed and every required one given; 1 when --help/-h was asked
 * (the caller prints its usage, exit 0); -1 on an error, after printing
 * "quarantine CMD: <what is wrong>" to stderr (the caller prints its usage to
 * stderr and exits 2). */
int q_flags_parse(int argc, char **argv, q_flag *flags, int nflags);

/* ------------------------------------------------------------ shared steps */

struct q_store;
struct q_head;

/* The start every subcommand shares: parses its flags (q_flags_parse), prints
 * `usage` to stdout for --help or to stderr after a flag error, and starts
 * libsodium. Returns -1 to go on, or the exit status the subcommand returns
 * (0 after --help, 2 on a flag error, 1 when libsodium cannot start). */
int q_cmd_begin(const char *cmd, int argc, char **argv, q_flag *flags, int nflags,
                void (*usage)(FILE *));

/* Opens the input stream (read-only), then the store (holding its lock), reads
 * the stream's head (head.h; consumed from fd: the caller's reader takes it
 * first, q_head_feed) and binds the store to it; in that order, so that a bad
 * path, a store in use, a foreign file or another stream fail before any
 * work. Returns 0 with *fd, *head and *store set, or 1 after printing
 * "quarantine CMD: <reason naming the path>" (nothing left open). */
int q_cmd_open(const char *cmd, const char *input, const char *dbpath, int *fd, struct q_head *head,
               struct q_store **store);

/* Seconds on the one monotonic clock (weft__now_ns, runtime/util/prim.h), for
 * the timings and the progress line that the subcommands print. Any thread. */
static inline double q_now_s(void) { return 1e-9 * (double)weft__now_ns(); }

#endif /* Q_CMD_H */
