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

int q_cmd_help(int argc, char **argv);
int q_cmd_gen(int argc, char **argv);    /* quarantine/gen.c */
int q_cmd_replay(int argc, char **argv); /* quarantine/replay.c */
int q_cmd_run(int argc, char **argv);    /* quarantine/run.c */
int q_cmd_check(int argc, char **argv);  /* quarantine/check.c */

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

#endif /* Q_CMD_H */
