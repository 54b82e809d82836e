/* quarantine/feed.c: `quarantine feed FILE --connect HOST:PORT
 * [--connections K] [--pace max|real|xN]`, a stream file sent to a
 * listening `run` as K peers.
 *
 * The file is decoded (wire.h) to find and check its frames, and each frame
 * is sent as the very bytes of the file (mapped), so one connection carries
 * the file byte for byte and binds the store to the head a file run would
 * (net.h). With K connections, frame f goes to connection f.peer mod K; each
 * connection gets its own copy of HELLO first and of END last. The writes
 * block: a service that stops reading (its input queue full) holds the
 * feeder, which is TCP back-pressure at work.
 *
 * Pacing: max sends as fast as the sockets take it; real sends frame f at
 * (f.t_ms - HELLO's t_ms) ms after the start, xN N times faster.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quarantine/cmd.h"
#include "quarantine/wire.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: quarantine feed FILE --connect HOST:PORT [--connections K] [--pace max|real|xN]\n\n"
               "Sends a stream file to a listening `quarantine run --listen`, as K peers: frame\n"
               "f goes to connection (f.peer mod K), each connection with its own HELLO and END.\n"
               "Frames are sent as the file's bytes.\n\n"
               "  --connect HOST:PORT  the service's address\n"
               "  --connections K      connections, 1..256 (default 1)\n"
               "  --pace P             max: as fast as the service takes them (default);\n"
               "                       real: each frame at its t_ms after HELLO's, in real time;\n"
               "                       xN: N times faster than real (N > 0, e.g. x10, x0.5)\n\n"
               "exit status: 0 every frame to END was sent; 1 the file is malformed (the frames\n"
               "before the error are sent, the connections then closed without END), a\n"
               "connection failed or was closed by the service; 2 usage.\n");
}

/* Connects to host:port (blocking). Returns the socket or -1 with err. */
static int connect_to(const char *hostport, char *err, size_t errlen)
{
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport || !colon[1]) {
        snprintf(err, errlen, "--connect %s: wants HOST:PORT", hostport);
        return -1;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
    int g = getaddrinfo(host, colon + 1, &hints, &ai);
    if (g != 0) {
        snprintf(err, errlen, "%s: %s", hostport, gai_strerror(g));
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        snprintf(err, errlen, "%s: %s", hostport, strerror(errno));
        if (fd >= 0) close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* Writes all n bytes; 0 or -1 (errno set). */
static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Sleeps until q_now_s() reaches t. */
static void sleep_until(double t)
{
    double d = t - q_now_s();
    if (d <= 0) return;
    struct timespec ts = {.tv_sec = (time_t)d, .tv_nsec = (long)((d - (double)(time_t)d) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int q_cmd_feed(int argc, char **argv)
{
    const char *file = NULL, *hostport = NULL, *pace = "max";
    uint64_t k = 1;
    char *args[argc + 1];
    int n = 0;
    args[n++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (!file && argv[i][0] != '-' && (i == 1 || argv[i - 1][0] != '-' || strchr(argv[i - 1], '='))) {
            file = argv[i]; /* the one positional argument */
            continue;
        }
        args[n++] = argv[i];
    }
    args[n] = NULL;
    q_flag flags[] = {
        {.name = "connect", .str = &hostport, .required = true},
        {.name = "connections", .u64 = &k, .min = 1, .max = 256},
        {.name = "pace", .str = &pace},
    };
    int begin = q_cmd_begin("feed", n, args, flags, 3, usage);
    if (begin >= 0) return begin;
    double speed = 0; /* 0: max */
    char *end = NULL;
    if (strcmp(pace, "real") == 0) speed = 1;
    else if (pace[0] == 'x') speed = strtod(pace + 1, &end);
    if (!file || (strcmp(pace, "max") != 0 && !(speed > 0 && (!end || !*end)))) {
        fprintf(stderr, "quarantine feed: %s\n\n", !file ? "missing the stream FILE" : "--pace wants max, real or xN");
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a closed connection is a write error, reported */
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        fprintf(stderr, "quarantine feed: %s: %s\n", file, strerror(errno));
        return 1;
    }
    const uint8_t *bytes = NULL;
    if (sb.st_size > 0) {
        bytes = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (bytes == MAP_FAILED) {
            fprintf(stderr, "quarantine feed: %s: %s\n", file, strerror(errno));
            close(fd);
            return 1;
        }
    }
    q_reader rd;
    if (q_reader_init_fd(&rd, fd, true) < 0) {
        fprintf(stderr, "quarantine feed: out of memory\n");
        return 1;
    }
    int *socks = calloc((size_t)k, sizeof *socks);
    char err[512];
    int rc = 0;
    for (uint64_t i = 0; i < k; i++) {
        socks[i] = connect_to(hostport, err, sizeof err);
        if (socks[i] < 0) {
            fprintf(stderr, "quarantine feed: connection %" PRIu64 ": %s\n", i, err);
            for (uint64_t j = 0; j < i; j++) close(socks[j]);
            free(socks);
            return 1;
        }
        if (speed > 0) setsockopt(socks[i], IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
    }
    double t0 = q_now_s();
    uint64_t t0_ms = 0, frames = 0, items = 0;
    bool ended = false;
    for (;;) {
        q_frame f;
        q_wire_error we;
        int r = q_reader_next(&rd, &f, &we);
        if (r == Q_DEC_DONE) break;
        if (r == Q_DEC_ERROR) {
            char buf[256];
            fprintf(stderr, "quarantine feed: %s: %s\n", file, q_wire_error_format(&we, buf, sizeof buf));
            rc = 1;
            break;
        }
        const uint8_t *raw = bytes + f.offset;
        size_t size = 4 + (size_t)f.len;
        if (f.kind == Q_KIND_HELLO) t0_ms = f.t_ms;
        if (speed > 0) sleep_until(t0 + 1e-3 * (double)(f.t_ms - t0_ms) / speed);
        bool all = f.kind == Q_KIND_HELLO || f.kind == Q_KIND_END;
        for (uint64_t i = 0; i < k; i++) {
            if (!all && i != f.peer % k) continue;
            if (write_all(socks[i], raw, size) < 0) {
                fprintf(stderr, "quarantine feed: connection %" PRIu64 ": write failed at frame %" PRIu64 ": %s\n", i,
                        frames, strerror(errno));
                rc = 1;
            }
        }
        frames++;
        items += f.kind == Q_KIND_BLOCK || f.kind == Q_KIND_ATTESTATION;
        ended = f.kind == Q_KIND_END;
        q_frame_release(&f);
        if (rc || ended) break;
    }
    for (uint64_t i = 0; i < k; i++) close(socks[i]);
    free(socks);
    q_reader_destroy(&rd);
    if (bytes) munmap((void *)bytes, (size_t)sb.st_size);
    close(fd);
    printf("feed: %" PRIu64 " frames (%" PRIu64 " items) of %s over %" PRIu64 " connections in %.3f s, pace %s%s\n",
           frames, items, file, k, q_now_s() - t0, pace, ended ? "" : ", not to END");
    return rc;
}
