/* Every tunable of the runtime, its default and the environment variable that
 * overrides it, read in one place.
 *
 *   WEFT_NUM_THREADS   workers, 1..WEFT_MAX_WORKERS   default: cores (hwloc),
 *                                                   at most WEFT_MAX_WORKERS
 *   WEFT_PIN           0|1 pin workers to cores        default: 1
 *   WEFT_METRICS       0|1 print per-worker counters   default: 0
 *   WEFT_TRACE         path of a Chrome trace JSON     default: none
 *                      (at most 511 bytes; set but empty: none)
 *   WEFT_DEQUE_FRAMES  task frames per worker, 2^10..2^24   default: 2^20
 *
 * Each has a field in weft_config (include/weft.h), which wins over the
 * variable when set (weft__config_apply).
 */
#ifndef WEFT_RUNTIME_CONFIG_H
#define WEFT_RUNTIME_CONFIG_H

#include <stddef.h>
#include <weft.h>
#include "runtime/config/limits.h"

typedef struct weft__config {
    int num_threads;        /* 1 .. WEFT_MAX_WORKERS */
    int pin;                /* 0 or 1 */
    int metrics;            /* 0 or 1 */
    char trace_path[512];   /* "" = no trace */
    const char *trace_from; /* who set trace_path, for messages: "WEFT_TRACE"
                               or "weft_init: trace_path" (NULL: nobody) */
    long deque_frames;      /* power of two not required; 1024 .. 1<<24 */
} weft__config;

/* Fills *c with the defaults overridden by the WEFT_* environment variables.
 * Returns 0, or -1 with a message naming the variable, its value and what is
 * allowed written to err (e.g. "WEFT_NUM_THREADS='abc': expected an integer
 * from 1 to 256"); err may be NULL. On -1 *c holds the defaults plus the
 * settings read before the bad one; do not use it. Never exits, never
 * crashes on any input. Integers are strict: decimal digits with an optional
 * '-', nothing else (no spaces, '+', hex or suffix). A value is shown in a
 * message cut to 64 bytes, with unprintable bytes as '?'. */
int weft__config_from_env(weft__config *c, char *err, size_t errlen);

/* Overrides *c (filled by weft__config_from_env) with the fields of cfg that
 * are set (non-zero, non-NULL; cfg may be NULL): the precedence of
 * include/weft.h, field over environment over default. Returns 0, or -1
 * with a message naming the field and its value ("weft_init: pin=5:
 * expected WEFT_ON (1), WEFT_OFF (-1) or 0") in err, and *c partly
 * overridden; do not use it then. */
int weft__config_apply(weft__config *c, const weft_config *cfg, char *err, size_t errlen);

/* Parses one integer setting: the whole string must be a decimal integer in
 * [lo, hi]. Returns 0 and sets *out, or -1 with a message in err (NULL or
 * errlen 0: none) and *out untouched. `name` is the variable for messages. */
int weft__config_parse_int(const char *name, const char *text, long lo, long hi,
                           long *out, char *err, size_t errlen);

#endif
