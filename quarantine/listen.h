/* quarantine/listen.h: a TCP listening socket from a HOST:PORT flag value,
 * for `run --listen` (net.h) and `run --metrics` (metrics.h) alike, with the
 * same messages for a bad value or a port in use.
 */
#ifndef Q_LISTEN_H
#define Q_LISTEN_H

#include <stddef.h>

/* Binds and listens on hostport ("HOST:PORT": an IPv4 address or a name;
 * port 0 picks a free one), non-blocking and close-on-exec. Returns the
 * socket with "ADDR:PORT" (the port filled in) in addr, or -1 with a reason
 * in err that starts "FLAG HOSTPORT: " (flag: "--listen", "--metrics"):
 * "wants HOST:PORT", the resolver's reason, or the system's
 * ("Address already in use"). */
int q_listen_tcp(const char *flag, const char *hostport, char *addr, size_t addrlen, char *err, size_t errlen);

#endif /* Q_LISTEN_H */
