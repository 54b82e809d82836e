/* quarantine/log.c: the log line (log.h). */
#include "quarantine/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_cmd = "?"; /* set once before any thread starts (q_cmd_begin) */

void q_log_name(const char *cmd) { log_cmd = cmd; }

void q_log(q_log_level level, const char *fmt, ...)
{
    static const char *const words[] = {"info", "warn", "error"};
    char line[Q_LOG_MAX];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ %s quarantine %s: ", ts.tv_nsec / 1000000L,
                          words[(unsigned)level <= Q_ERROR ? level : Q_ERROR], log_cmd);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap); /* room kept for the newline */
    va_end(ap);
    if (m < 0) m = 0;
    if ((size_t)m >= sizeof line - n - 1) { /* cut: it ends "..." */
        n = sizeof line - 1;
        memcpy(line + n - 3, "...", 3);
    } else {
        n += (size_t)m;
    }
    line[n++] = '\n';
    const char *p = line;
    while (n) { /* one write in practice: stderr takes a line whole */
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* a closed stderr: nothing to tell anyone */
        p += w;
        n -= (size_t)w;
    }
}
