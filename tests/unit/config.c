/* Unit tests of runtime/config: every WEFT_* variable parses its good values,
 * rejects bad ones with a message naming the variable, the value and the
 * range, and falls back to its default when unset. Criterion runs each test
 * in its own process, so setenv here does not leak into other tests. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/config/config.h"
#include "runtime/topology/topology.h"

static const char *const all_vars[] = {
    "WEFT_NUM_THREADS", "WEFT_PIN", "WEFT_METRICS", "WEFT_TRACE", "WEFT_DEQUE_FRAMES",
};

/* Fixture: start every test from an environment without WEFT_* settings. */
static void clear_env(void)
{
    for (size_t i = 0; i < sizeof all_vars / sizeof all_vars[0]; i++) unsetenv(all_vars[i]);
}

/* Sets `var` to each of the n values in turn and checks that
 * weft__config_from_env fails with a message holding the variable, the value
 * and the bounds lo_text/hi_text. */
static void expect_rejected(const char *var, const char *const *values, size_t n,
                            const char *lo_text, const char *hi_text)
{
    for (size_t i = 0; i < n; i++) {
        clear_env();
        cr_assert_eq(setenv(var, values[i], 1), 0);
        weft__config c;
        char err[256];
        memset(err, 0, sizeof err);
        int rc = weft__config_from_env(&c, err, sizeof err);
        cr_expect_eq(rc, -1, "%s='%s' was accepted", var, values[i]);
        cr_expect(strstr(err, var) != NULL, "message '%s' lacks the name %s", err, var);
        char quoted[128];
        snprintf(quoted, sizeof quoted, "'%s'", values[i]);
        cr_expect(strstr(err, quoted) != NULL, "message '%s' lacks the value %s", err, quoted);
        cr_expect(strstr(err, lo_text) != NULL && strstr(err, hi_text) != NULL,
                  "message '%s' lacks the range %s..%s", err, lo_text, hi_text);
    }
}

/* Sets `var` to `value` and returns the parsed configuration (asserting
 * success and an empty message). */
static weft__config accept(const char *var, const char *value)
{
    clear_env();
    cr_assert_eq(setenv(var, value, 1), 0);
    weft__config c;
    char err[256] = "untouched";
    int rc = weft__config_from_env(&c, err, sizeof err);
    cr_assert_eq(rc, 0, "%s='%s' was rejected: %s", var, value, err);
    cr_expect_str_empty(err);
    return c;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

TestSuite(config, .init = clear_env);

Test(config, defaults_when_unset)
{
    weft__config c;
    char err[128] = "untouched";
    cr_assert_eq(weft__config_from_env(&c, err, sizeof err), 0, "%s", err);
    int cores = weft__topology_num_cores();
    int want = cores > WEFT_MAX_WORKERS ? WEFT_MAX_WORKERS : cores;
    cr_expect_eq(c.num_threads, want);
    cr_expect_eq(c.pin, 1);
    cr_expect_eq(c.metrics, 0);
    cr_expect_str_empty(c.trace_path);
    cr_expect_eq(c.deque_frames, 1L << 20);
    cr_expect_str_empty(err);
}

Test(config, defaults_with_null_err)
{
    weft__config c;
    cr_assert_eq(weft__config_from_env(&c, NULL, 0), 0);
    cr_expect_eq(c.pin, 1);
}

Test(config, num_threads_bad)
{
    static const char *const bad[] = {
        "abc", "", "0", "100000", "12abc", " 4", "4 ", "-1", "+4", "0x10", "257",
        "99999999999999999999", "-99999999999999999999", "4.0", "1e2",
    };
    expect_rejected("WEFT_NUM_THREADS", bad, N(bad), "1", "256");
}

Test(config, num_threads_good)
{
    cr_expect_eq(accept("WEFT_NUM_THREADS", "1").num_threads, 1);
    cr_expect_eq(accept("WEFT_NUM_THREADS", "7").num_threads, 7);
    cr_expect_eq(accept("WEFT_NUM_THREADS", "256").num_threads, 256);
    cr_expect_eq(accept("WEFT_NUM_THREADS", "007").num_threads, 7);
}

/* WEFT_PIN and WEFT_METRICS are both 0|1 flags. */
Test(config, flags_bad)
{
    static const char *const bad[] = {
        "abc", "", "2", "100000", "12abc", " 1", "1 ", "-1", "true", "yes",
        "99999999999999999999",
    };
    expect_rejected("WEFT_PIN", bad, N(bad), "0", "1");
    expect_rejected("WEFT_METRICS", bad, N(bad), "0", "1");
}

Test(config, flags_good)
{
    cr_expect_eq(accept("WEFT_PIN", "0").pin, 0);
    cr_expect_eq(accept("WEFT_PIN", "1").pin, 1);
    cr_expect_eq(accept("WEFT_METRICS", "0").metrics, 0);
    cr_expect_eq(accept("WEFT_METRICS", "1").metrics, 1);
}

Test(config, deque_frames_bad)
{
    static const char *const bad[] = {
        "abc", "", "0", "1023", "16777217", "12abc", " 4096", "-1", "-1024",
        "99999999999999999999", "9223372036854775808",
    };
    expect_rejected("WEFT_DEQUE_FRAMES", bad, N(bad), "1024", "16777216");
}

Test(config, deque_frames_good)
{
    cr_expect_eq(accept("WEFT_DEQUE_FRAMES", "1024").deque_frames, 1024);
    cr_expect_eq(accept("WEFT_DEQUE_FRAMES", "100000").deque_frames, 100000);
    cr_expect_eq(accept("WEFT_DEQUE_FRAMES", "16777216").deque_frames, 1L << 24);
}

Test(config, trace_good)
{
    cr_expect_str_eq(accept("WEFT_TRACE", "/tmp/weft trace.json").trace_path,
                     "/tmp/weft trace.json");
    cr_expect_str_empty(accept("WEFT_TRACE", "").trace_path);
    char path[512];
    memset(path, 'p', 511);
    path[511] = '\0';
    cr_expect_str_eq(accept("WEFT_TRACE", path).trace_path, path);
}

Test(config, trace_too_long)
{
    char path[4096];
    memset(path, 'q', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    size_t lens[] = { 512, 513, sizeof path - 1 };
    for (size_t i = 0; i < N(lens); i++) {
        path[lens[i]] = '\0';
        cr_assert_eq(setenv("WEFT_TRACE", path, 1), 0);
        weft__config c;
        char err[256] = "";
        cr_expect_eq(weft__config_from_env(&c, err, sizeof err), -1, "length %zu accepted",
                     lens[i]);
        cr_expect(strstr(err, "WEFT_TRACE='qqqq") != NULL, "message: %s", err);
        cr_expect(strstr(err, "511") != NULL, "message lacks the limit: %s", err);
        path[lens[i]] = 'q';
    }
}

/* A bad value after good ones is still caught, and names the bad variable. */
Test(config, first_bad_variable_is_named)
{
    cr_assert_eq(setenv("WEFT_NUM_THREADS", "2", 1), 0);
    cr_assert_eq(setenv("WEFT_PIN", "0", 1), 0);
    cr_assert_eq(setenv("WEFT_DEQUE_FRAMES", "lots", 1), 0);
    weft__config c;
    char err[256] = "";
    cr_expect_eq(weft__config_from_env(&c, err, sizeof err), -1);
    cr_expect(strstr(err, "WEFT_DEQUE_FRAMES='lots'") != NULL, "message: %s", err);
    cr_expect(strstr(err, "WEFT_PIN") == NULL, "message: %s", err);
}

Test(config, all_good_together)
{
    cr_assert_eq(setenv("WEFT_NUM_THREADS", "3", 1), 0);
    cr_assert_eq(setenv("WEFT_PIN", "0", 1), 0);
    cr_assert_eq(setenv("WEFT_METRICS", "1", 1), 0);
    cr_assert_eq(setenv("WEFT_TRACE", "t.json", 1), 0);
    cr_assert_eq(setenv("WEFT_DEQUE_FRAMES", "2048", 1), 0);
    weft__config c;
    char err[128] = "";
    cr_assert_eq(weft__config_from_env(&c, err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.num_threads, 3);
    cr_expect_eq(c.pin, 0);
    cr_expect_eq(c.metrics, 1);
    cr_expect_str_eq(c.trace_path, "t.json");
    cr_expect_eq(c.deque_frames, 2048);
}

/* weft_config over the environment over the defaults, field by field
 * (weft__config_apply after weft__config_from_env, as weft_init does). */
static weft__config env_then(const weft_config *cfg)
{
    weft__config c;
    char err[256] = "";
    cr_assert_eq(weft__config_from_env(&c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(weft__config_apply(&c, cfg, err, sizeof err), 0, "%s", err);
    cr_expect_str_empty(err);
    return c;
}

/* c holds these settings (trace_from: who set the trace path). */
static void expect_config(weft__config c, int threads, int pin, int metrics, const char *trace,
                          const char *trace_from, long frames)
{
    cr_expect_eq(c.num_threads, threads);
    cr_expect_eq(c.pin, pin);
    cr_expect_eq(c.metrics, metrics);
    cr_expect_str_eq(c.trace_path, trace);
    cr_expect_str_eq(c.trace_from, trace_from);
    cr_expect_eq(c.deque_frames, frames);
}

Test(config, precedence_field_over_env_over_default)
{
    /* Zero fields (or no cfg): the environment, else the defaults. */
    weft_config zero = {0};
    weft__config d = env_then(&zero), n = env_then(NULL);
    cr_expect_eq(d.pin, 1);
    cr_expect_eq(d.metrics, 0);
    cr_expect_str_empty(d.trace_path);
    cr_expect_eq(d.deque_frames, 1L << 20);
    cr_expect_eq(d.num_threads, n.num_threads);
    cr_assert_eq(setenv("WEFT_NUM_THREADS", "3", 1), 0);
    cr_assert_eq(setenv("WEFT_PIN", "0", 1), 0);
    cr_assert_eq(setenv("WEFT_METRICS", "1", 1), 0);
    cr_assert_eq(setenv("WEFT_TRACE", "env.json", 1), 0);
    cr_assert_eq(setenv("WEFT_DEQUE_FRAMES", "2048", 1), 0);
    expect_config(env_then(&zero), 3, 0, 1, "env.json", "WEFT_TRACE", 2048);
    /* Set fields win over the environment. */
    weft_config all = {.num_threads = 2, .pin = WEFT_ON, .metrics = WEFT_OFF,
                       .trace_path = "cfg.json", .deque_frames = 4096};
    expect_config(env_then(&all), 2, 1, 0, "cfg.json", "weft_init: trace_path", 4096);
    /* The opposite switches, and "" turns off a trace the environment asked for. */
    weft_config flip = {.pin = WEFT_OFF, .metrics = WEFT_ON, .trace_path = ""};
    cr_assert_eq(setenv("WEFT_PIN", "1", 1), 0);
    cr_assert_eq(setenv("WEFT_METRICS", "0", 1), 0);
    weft__config g = env_then(&flip);
    cr_expect_eq(g.pin, 0);
    cr_expect_eq(g.metrics, 1);
    cr_expect_str_empty(g.trace_path);
    cr_expect_eq(g.num_threads, 3, "an unset field keeps the environment's value");
    cr_expect_eq(g.deque_frames, 2048, "an unset field keeps the environment's value");
}

/* A bad field fails with a message naming the field and the value. */
static void expect_field_rejected(const weft_config *cfg, const char *field, const char *value)
{
    weft__config c;
    char err[256] = "";
    cr_assert_eq(weft__config_from_env(&c, err, sizeof err), 0, "%s", err);
    cr_expect_eq(weft__config_apply(&c, cfg, err, sizeof err), -1, "%s=%s accepted", field, value);
    cr_expect(strstr(err, field) != NULL, "message '%s' lacks the field %s", err, field);
    cr_expect(strstr(err, value) != NULL, "message '%s' lacks the value %s", err, value);
}

Test(config, config_fields_bad)
{
    expect_field_rejected(&(weft_config){.num_threads = 257}, "num_threads", "257");
    expect_field_rejected(&(weft_config){.num_threads = -3}, "num_threads", "-3");
    expect_field_rejected(&(weft_config){.pin = 2}, "pin", "2");
    expect_field_rejected(&(weft_config){.metrics = -2}, "metrics", "-2");
    expect_field_rejected(&(weft_config){.deque_frames = 1023}, "deque_frames", "1023");
    expect_field_rejected(&(weft_config){.deque_frames = (1L << 24) + 1}, "deque_frames", "16777217");
    char long_path[600];
    memset(long_path, 'p', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    expect_field_rejected(&(weft_config){.trace_path = long_path}, "trace_path", "at most 511");
}

/* parse_int alone: bounds at the edges of long, odd buffers, no crash. */
Test(config, parse_int_edges)
{
    long v = 42;
    char err[128];
    cr_expect_eq(weft__config_parse_int("X", "9223372036854775807", 0, __LONG_MAX__, &v,
                                        err, sizeof err), 0);
    cr_expect_eq(v, __LONG_MAX__);
    cr_expect_eq(weft__config_parse_int("X", "-9223372036854775808", -__LONG_MAX__ - 1, 0,
                                        &v, err, sizeof err), 0);
    cr_expect_eq(v, -__LONG_MAX__ - 1);
    v = 42;
    cr_expect_eq(weft__config_parse_int("X", "9223372036854775808", 0, __LONG_MAX__, &v,
                                        err, sizeof err), -1);
    cr_expect_eq(v, 42, "out was written on failure");
    cr_expect_eq(weft__config_parse_int("X", "-", 0, 1, &v, err, sizeof err), -1);
    cr_expect_eq(weft__config_parse_int("X", "--1", -5, 1, &v, err, sizeof err), -1);
    cr_expect_eq(weft__config_parse_int("X", "-0", 0, 1, &v, err, sizeof err), 0);
    cr_expect_eq(v, 0);
    /* No message buffer, a one-byte buffer, a tiny buffer: no crash. */
    cr_expect_eq(weft__config_parse_int("X", "bad", 0, 1, &v, NULL, 0), -1);
    char one[1] = { 'z' };
    cr_expect_eq(weft__config_parse_int("X", "bad", 0, 1, &v, one, sizeof one), -1);
    cr_expect_eq(one[0], '\0');
    char tiny[8];
    cr_expect_eq(weft__config_parse_int("WEFT_LONG_NAME", "bad", 0, 1, &v, tiny, sizeof tiny),
                 -1);
    cr_expect_str_eq(tiny, "WEFT_LO");
    cr_expect_eq(weft__config_parse_int(NULL, NULL, 0, 1, &v, err, sizeof err), -1);
}

/* Long and unprintable values are shown cut and cleaned, never overrun. */
Test(config, parse_int_shows_bad_bytes_safely)
{
    long v;
    char err[256];
    char big[10000];
    memset(big, '7', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_expect_eq(weft__config_parse_int("WEFT_N", big, 1, 8, &v, err, sizeof err), -1);
    cr_expect(strstr(err, "WEFT_N='7777") != NULL && strstr(err, "...'") != NULL,
              "message: %s", err);
    cr_expect(strlen(err) < 200, "message too long: %zu", strlen(err));
    cr_expect_eq(weft__config_parse_int("WEFT_N", "1\n\x01\xff", 1, 8, &v, err, sizeof err),
                 -1);
    cr_expect(strstr(err, "WEFT_N='1?" "?" "?'") != NULL, "message: %s", err);
}
