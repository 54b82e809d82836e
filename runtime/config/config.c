/* The runtime's settings from the WEFT_* environment variables, with their
 * defaults, checked in one place. Contracts in config.h. */
#include "runtime/config/config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/topology/topology.h"

/* How many bytes of a bad value an error message shows. */
#define WEFT__CONFIG_SHOW_MAX 64

/* Writes a printable copy of `text` into out (size outlen >= 1): bytes
 * outside printable ASCII become '?', and a value longer than
 * WEFT__CONFIG_SHOW_MAX bytes is cut and ends in "...". */
static void weft__config_show(const char *text, char *out, size_t outlen)
{
    size_t o = 0, i = 0;
    for (; text[i] != '\0' && i < WEFT__CONFIG_SHOW_MAX && o + 1 < outlen; i++) {
        unsigned char ch = (unsigned char)text[i];
        out[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (text[i] != '\0')
        for (int k = 0; k < 3 && o + 1 < outlen; k++) out[o++] = '.';
    out[o] = '\0';
}

/* printf into err when there is room for a message (err may be NULL). */
__attribute__((format(printf, 3, 4)))
static void weft__config_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Parses a whole string as an optional '-' and one or more decimal digits
 * into *out. Returns 0, or -1 for anything else (empty, spaces, signs '+',
 * trailing bytes, a value outside long). */
static int weft__config_strict_long(const char *text, long *out)
{
    const char *p = text;
    int neg = 0;
    if (*p == '-') { neg = 1; p++; }
    if (*p < '0' || *p > '9') return -1;
    /* Accumulate as a magnitude; LONG_MIN's is one more than LONG_MAX's. */
    unsigned long limit = neg ? (unsigned long)LONG_MAX + 1u : (unsigned long)LONG_MAX;
    unsigned long v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (*p != '\0') return -1;
    if (neg) *out = v == (unsigned long)LONG_MAX + 1u ? LONG_MIN : -(long)v;
    else *out = (long)v;
    return 0;
}

int weft__config_parse_int(const char *name, const char *text, long lo, long hi,
                           long *out, char *err, size_t errlen)
{
    if (name == NULL) name = "(unnamed setting)";
    if (text == NULL) text = "";
    long v;
    if (weft__config_strict_long(text, &v) == 0 && v >= lo && v <= hi) {
        *out = v;
        return 0;
    }
    char shown[WEFT__CONFIG_SHOW_MAX + 4];
    weft__config_show(text, shown, sizeof shown);
    weft__config_error(err, errlen, "%s='%s': expected an integer from %ld to %ld",
                       name, shown, lo, hi);
    return -1;
}

/* Reads the integer variable `name` into *out when it is set (leaving *out
 * alone when it is not). Returns 0, or -1 with a message in err. */
static int weft__config_env_int(const char *name, long lo, long hi, long *out,
                                char *err, size_t errlen)
{
    const char *text = getenv(name);
    if (text == NULL) return 0;
    return weft__config_parse_int(name, text, lo, hi, out, err, errlen);
}

/* On -1, *c holds the defaults with the settings read before the bad one. */
int weft__config_from_env(weft__config *c, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0) err[0] = '\0';
    c->num_threads = 0;            /* filled below, from hwloc when unset */
    c->pin = 1;
    c->metrics = 0;
    c->trace_path[0] = '\0';
    c->deque_frames = 1L << 20;

    long v = 0;
    if (getenv("WEFT_NUM_THREADS") != NULL) {
        if (weft__config_env_int("WEFT_NUM_THREADS", 1, WEFT_MAX_WORKERS, &v, err, errlen) < 0)
            return -1;
        c->num_threads = (int)v;
    } else {
        int cores = weft__topology_num_cores();
        c->num_threads = cores < 1 ? 1 : cores > WEFT_MAX_WORKERS ? WEFT_MAX_WORKERS : cores;
    }

    v = c->pin;
    if (weft__config_env_int("WEFT_PIN", 0, 1, &v, err, errlen) < 0) return -1;
    c->pin = (int)v;

    v = c->metrics;
    if (weft__config_env_int("WEFT_METRICS", 0, 1, &v, err, errlen) < 0) return -1;
    c->metrics = (int)v;

    const char *trace = getenv("WEFT_TRACE");
    if (trace != NULL) {
        size_t len = strlen(trace);
        if (len >= sizeof c->trace_path) {
            char shown[WEFT__CONFIG_SHOW_MAX + 4];
            weft__config_show(trace, shown, sizeof shown);
            weft__config_error(err, errlen,
                               "WEFT_TRACE='%s': expected a path of at most %zu bytes, got %zu",
                               shown, sizeof c->trace_path - 1, len);
            return -1;
        }
        memcpy(c->trace_path, trace, len + 1);   /* "" keeps: no trace */
    }

    v = c->deque_frames;
    if (weft__config_env_int("WEFT_DEQUE_FRAMES", 1024, 1L << 24, &v, err, errlen) < 0)
        return -1;
    c->deque_frames = v;
    return 0;
}
