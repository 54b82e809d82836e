/* The runtime's settings from the WEFT_* environment variables, with their
 * defaults, checked in one place. Contracts in config.h. */
#include "runtime/config/config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/topology/topology.h"

/* The range of WEFT_DEQUE_FRAMES and weft_config.deque_frames. */
#define WEFT__FRAMES_LO 1024L
#define WEFT__FRAMES_HI (1L << 24)

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
    c->trace_from = NULL;
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
        c->trace_from = "WEFT_TRACE";
    }

    v = c->deque_frames;
    if (weft__config_env_int("WEFT_DEQUE_FRAMES", WEFT__FRAMES_LO, WEFT__FRAMES_HI, &v, err, errlen) < 0)
        return -1;
    c->deque_frames = v;
    return 0;
}

/* An on/off field of weft_config: 0 leaves *out, WEFT_ON sets 1, WEFT_OFF
 * sets 0, anything else is an error. */
static int weft__config_switch(const char *name, int v, int *out, char *err, size_t errlen)
{
    if (v == 0) return 0;
    if (v == WEFT_ON || v == WEFT_OFF) {
        *out = v == WEFT_ON;
        return 0;
    }
    weft__config_error(err, errlen, "weft_init: %s=%d: expected WEFT_ON (1), WEFT_OFF (-1) or 0",
                       name, v);
    return -1;
}

int weft__config_apply(weft__config *c, const weft_config *cfg, char *err, size_t errlen)
{
    if (cfg == NULL) return 0;
    if (cfg->num_threads != 0) {
        if (cfg->num_threads < 1 || cfg->num_threads > WEFT_MAX_WORKERS) {
            weft__config_error(err, errlen, "weft_init: num_threads=%d: expected an integer from 1 to %d",
                               cfg->num_threads, WEFT_MAX_WORKERS);
            return -1;
        }
        c->num_threads = cfg->num_threads;
    }
    if (weft__config_switch("pin", cfg->pin, &c->pin, err, errlen) < 0) return -1;
    if (weft__config_switch("metrics", cfg->metrics, &c->metrics, err, errlen) < 0) return -1;
    if (cfg->trace_path != NULL) {
        size_t len = strlen(cfg->trace_path);
        if (len >= sizeof c->trace_path) {
            char shown[WEFT__CONFIG_SHOW_MAX + 4];
            weft__config_show(cfg->trace_path, shown, sizeof shown);
            weft__config_error(err, errlen,
                               "weft_init: trace_path='%s': expected a path of at most %zu bytes, got %zu",
                               shown, sizeof c->trace_path - 1, len);
            return -1;
        }
        memcpy(c->trace_path, cfg->trace_path, len + 1);   /* "": no trace */
        c->trace_from = "weft_init: trace_path";
    }
    if (cfg->deque_frames != 0) {
        if (cfg->deque_frames < WEFT__FRAMES_LO || cfg->deque_frames > WEFT__FRAMES_HI) {
            weft__config_error(err, errlen, "weft_init: deque_frames=%ld: expected an integer from %ld to %ld",
                               cfg->deque_frames, WEFT__FRAMES_LO, WEFT__FRAMES_HI);
            return -1;
        }
        c->deque_frames = cfg->deque_frames;
    }
    return 0;
}
