/* quarantine/log.h: the one function that writes the service's log lines.
 *
 * A line is
 *     2026-12-01T11:14:17.123Z info quarantine run: listening on 127.0.0.1:7411
 * the wall-clock time in UTC, ISO-8601 with milliseconds (CLOCK_REALTIME:
 * the one place the quarantine reads the wall clock for output), the level
 * (info: what the service does; warn: a peer or an input misbehaved, or the
 * run was stopped, and the service goes on or stops cleanly; error: the run
 * or a command fails), then "quarantine CMD: " and the message. The message
 * keeps the words it had before the prefix came, so a line can still be
 * found by them.
 *
 * Who logs: `run` (its reader, net.h, the store and the metrics server) and
 * `replay`, from the moment their flags are parsed. Usage errors (exit 2)
 * stay plain lines beside the usage they come with, and the tools that print
 * a result (gen, check, feed) print it as they did.
 *
 * A line goes to stderr in one write(2), so that lines of different threads
 * never interleave; a message longer than Q_LOG_MAX is cut, ending "...".
 * Any thread.
 */
#ifndef Q_LOG_H
#define Q_LOG_H

typedef enum q_log_level { Q_INFO = 0, Q_WARN, Q_ERROR } q_log_level;

#define Q_LOG_MAX 2048 /* bytes of one line, the prefix and the newline included */

/* Sets CMD, the command named in every line ("run"); q_cmd_begin calls it.
 * cmd must outlive the logging (a string literal). */
void q_log_name(const char *cmd);

/* Writes one line: fmt and its arguments as printf, without the newline. */
void q_log(q_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* Q_LOG_H */
