/* quarantine/main.c: the `quarantine` binary's subcommand dispatcher.
 *
 * To add a subcommand: write `int q_cmd_NAME(int argc, char **argv)` in its own
 * file (argv[0] is the subcommand's name, it prints its own usage for --help
 * and returns the exit status: 0 ok, 1 failure, 2 usage error), declare it in
 * quarantine/cmd.h and add one line to `commands` below.
 */
#include <stdio.h>
#include <string.h>

#include "quarantine/cmd.h"

typedef struct q_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help; /* one line */
} q_command;

static const q_command commands[] = {
    {"help", q_cmd_help, "show this list, or `help CMD` for one subcommand's usage"},
    {"gen", q_cmd_gen, "write a stream that shows every case of the spec, and its expected verdicts"},
    {"run", q_cmd_run, "verify a stream in parallel on weft, apply verdicts in order, store what clears"},
    {"replay", q_cmd_replay, "run the engine serially on a stream file into a store (the serial twin of run)"},
    {"feed", q_cmd_feed, "send a stream file to a listening run over TCP, as K peers, paced"},
    {"profile", q_cmd_profile, "CPU time per item of each serial stage (decode, engine, store) on a stream file"},
    {"check", q_cmd_check, "compare a store with the expected verdicts of a stream; check the invariants"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* Prints the top-level usage to f. */
static void usage(FILE *f)
{
    fprintf(f, "usage: quarantine COMMAND [OPTIONS]   (quarantine COMMAND --help for its options)\n\n"
               "The weft quarantine: verifies beacon blocks and attestations in parallel.\n\n"
               "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
}

/* Returns the command named name, or NULL. */
static const q_command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

int q_cmd_help(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    const q_command *c = find(argv[1]);
    if (!c || c->fn == q_cmd_help) {
        if (!c) fprintf(stderr, "quarantine help: unknown command '%s'\n\n", argv[1]);
        usage(c ? stdout : stderr);
        return c ? 0 : 2;
    }
    char *sub[] = {argv[1], "--help", NULL};
    return c->fn(2, sub);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    const q_command *c = find(argv[1]);
    if (!c) {
        fprintf(stderr, "quarantine: unknown command '%s'\n\n", argv[1]);
        usage(stderr);
        return 2;
    }
    return c->fn(argc - 1, argv + 1);
}
