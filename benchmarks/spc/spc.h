/* spc.h: what the single-task-producer programs share.
 *
 * SPC (tasking-2.0, Weave): one producer spawns N detached consumer tasks in
 * a loop, each spinning for `us` microseconds; the other workers can only
 * get work from that one producer. The result is the number of consumers run. */
#ifndef WEFT_BENCH_SPC_H
#define WEFT_BENCH_SPC_H

#include "../common/tally.h"

typedef struct spc_params {
    int n;     /* consumer tasks */
    double us; /* a consumer's payload in microseconds */
} spc_params;

/* Parses "N US" or exits with a usage line. */
static inline spc_params spc_args(int argc, char **argv, const char *prog)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TASKS MICROSECONDS   (e.g. 100000 5)\n", prog);
        exit(2);
    }
    spc_params p = {atoi(argv[1]), atof(argv[2])};
    if (p.n < 0 || p.us < 0) {
        fprintf(stderr, "%s: arguments must not be negative\n", prog);
        exit(2);
    }
    return p;
}

#endif
