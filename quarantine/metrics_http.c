/* quarantine/metrics_http.c: the HTTP server of `run --metrics` (contract in
 * metrics.h).
 *
 * One thread, one poll(2) loop over the listening socket, a quit eventfd and
 * at most MAX_CLIENTS connections, all non-blocking. A connection is read
 * until its request line and headers end (a blank line), answered, written
 * as the socket takes it, then its write side is shut and what the client
 * still sends is read and dropped until it hangs up (DRAIN_S at most), so
 * that closing never resets a response the client has not read yet. One
 * request per connection. The run's threads never wait on this one: the
 * server reads the series' atomics and, once per scrape, takes the input
 * queue's mutex for its depth.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "quarantine/cmd.h"
#include "quarantine/listen.h"
#include "quarantine/metrics.h"

#define MAX_CLIENTS 16
#define SPARE 8           /* connections beyond MAX_CLIENTS answered 503 */
#define REQ_MAX 8192      /* request line and headers */
#define REQ_TIMEOUT_S 5.0 /* from the connection to the end of its headers */
#define DRAIN_S 1.0       /* after the response, waiting for the client's hang-up */

typedef struct client {
    int fd;
    char req[REQ_MAX];
    size_t len;
    char *out;            /* the response, once the request is whole */
    size_t out_len, out_off;
    bool draining;        /* the response is written and the write side shut */
    double deadline;
} client;

struct q_metrics_server {
    int lfd, quit_fd;
    char address[80];
    pthread_t thread;
    bool started;
    q_inq *in;
    client c[MAX_CLIENTS + SPARE];
    size_t nc;
    char *body; /* the exposition, rebuilt at each scrape (the buffer is kept) */
    size_t body_len, body_cap;
};

q_metrics_server *q_metrics_listen(const char *hostport, char *err, size_t errlen)
{
    q_metrics_server *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->lfd = q_listen_tcp("--metrics", hostport, m->address, sizeof m->address, err, errlen);
    m->quit_fd = m->lfd < 0 ? -1 : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m->lfd < 0 || m->quit_fd < 0) {
        if (m->lfd >= 0) {
            snprintf(err, errlen, "--metrics %s: %s", hostport, strerror(errno));
            close(m->lfd);
        }
        free(m);
        return NULL;
    }
    return m;
}

const char *q_metrics_address(const q_metrics_server *m) { return m->address; }

/* ------------------------------------------------------------ responses */

static const struct {
    int code;
    const char *text, *body;
} statuses[Q_HTTP_COUNT] = {
    [Q_HTTP_200] = {200, "OK", NULL},
    [Q_HTTP_400] = {400, "Bad Request", "bad request: this server answers GET /metrics\n"},
    [Q_HTTP_404] = {404, "Not Found", "not found: the metrics are at /metrics\n"},
    [Q_HTTP_405] = {405, "Method Not Allowed", "method not allowed: GET or HEAD /metrics\n"},
    [Q_HTTP_408] = {408, "Request Timeout", "request timeout: no whole request within 5 s\n"},
    [Q_HTTP_431] = {431, "Request Header Fields Too Large", "request too large: 8 KiB of request line and headers at most\n"},
    [Q_HTTP_503] = {503, "Service Unavailable", "too many clients: try again\n"},
};

/* Builds c's response (status st; for 200 the exposition, without it for
 * HEAD) and counts it. Out of memory: the client is closed unanswered. */
static void respond(q_metrics_server *m, client *c, q_http_code st, bool head)
{
    const char *body = statuses[st].body;
    size_t blen = body ? strlen(body) : 0;
    const char *type = "text/plain; charset=utf-8";
    if (st == Q_HTTP_200) {
        m->body_len = 0;
        if (q_metrics_text(&m->body, &m->body_len, &m->body_cap, m->in) < 0) {
            c->out = NULL;
            return;
        }
        body = m->body;
        blen = m->body_len;
        type = "text/plain; version=0.0.4; charset=utf-8";
    }
    char hdr[512];
    int h = snprintf(hdr, sizeof hdr,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
                     statuses[st].code, statuses[st].text, type, blen,
                     st == Q_HTTP_405 ? "Allow: GET, HEAD\r\n" : "");
    if (head) blen = 0;
    c->out = malloc((size_t)h + blen);
    if (!c->out) return;
    memcpy(c->out, hdr, (size_t)h);
    if (blen) memcpy(c->out + h, body, blen);
    c->out_len = (size_t)h + blen;
    c->out_off = 0;
    q_metric_add(&q_metrics_g.http[st], 1);
}

/* A request line or header line is bad when it holds a control character
 * (a tab is allowed in a header). */
static bool has_ctl(const char *s, size_t n, bool tab_ok)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && !(tab_ok && ch == '\t')) || ch == 0x7f) return true;
    }
    return false;
}

/* The status for the whole request req[0..n) (its blank line included). */
static q_http_code judge(const char *req, size_t n, bool *head)
{
    *head = false;
    const char *end = memchr(req, '\n', n);
    size_t ll = (size_t)(end - req);
    if (ll && req[ll - 1] == '\r') ll--;
    if (has_ctl(req, ll, false)) return Q_HTTP_400;
    /* METHOD SP TARGET SP HTTP/1.x */
    const char *sp1 = memchr(req, ' ', ll);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', ll - (size_t)(sp1 + 1 - req)) : NULL;
    if (!sp1 || !sp2 || sp1 == req || sp2 == sp1 + 1) return Q_HTTP_400;
    size_t vlen = ll - (size_t)(sp2 + 1 - req);
    const char *ver = sp2 + 1;
    if (memchr(ver, ' ', vlen) || vlen != 8 || memcmp(ver, "HTTP/1.", 7) != 0 || ver[7] < '0' || ver[7] > '9')
        return Q_HTTP_400;
    for (const char *p = req; p < sp1; p++)
        if (*p < 'A' || *p > 'Z') return Q_HTTP_400;
    if (sp1[1] != '/') return Q_HTTP_400;
    /* the headers: NAME: VALUE lines up to the blank one */
    const char *p = end + 1, *stop = req + n;
    while (p < stop) {
        const char *e = memchr(p, '\n', (size_t)(stop - p));
        size_t hl = (size_t)(e - p);
        if (hl && p[hl - 1] == '\r') hl--;
        if (hl == 0) break;
        const char *colon = memchr(p, ':', hl);
        if (!colon || colon == p || has_ctl(p, hl, true)) return Q_HTTP_400;
        p = e + 1;
    }
    size_t mlen = (size_t)(sp1 - req);
    bool get = mlen == 3 && memcmp(req, "GET", 3) == 0;
    *head = mlen == 4 && memcmp(req, "HEAD", 4) == 0;
    if (!get && !*head) return Q_HTTP_405;
    size_t tlen = (size_t)(sp2 - sp1 - 1);
    const char *q = memchr(sp1 + 1, '?', tlen);
    size_t plen = q ? (size_t)(q - sp1 - 1) : tlen;
    if (plen != 8 || memcmp(sp1 + 1, "/metrics", 8) != 0) return Q_HTTP_404;
    return Q_HTTP_200;
}

/* Does req[0..n) hold the blank line that ends the headers? */
static bool whole(const char *req, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (req[i] == '\n' && (req[i + 1] == '\n' || (req[i + 1] == '\r' && i + 2 < n && req[i + 2] == '\n')))
            return true;
    return false;
}

/* ------------------------------------------------------------ connections */

static void client_close(client *c)
{
    close(c->fd);
    c->fd = -1;
    free(c->out);
    c->out = NULL;
}

/* Reads what c sent; answers once the request is whole (or too large). */
static void client_read(q_metrics_server *m, client *c)
{
    if (c->draining) {
        char sink[4096];
        ssize_t r = recv(c->fd, sink, sizeof sink, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) client_close(c);
        return;
    }
    if (c->out) return; /* answered: writing */
    ssize_t r = recv(c->fd, c->req + c->len, REQ_MAX - c->len, MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (r <= 0) { /* hung up before a whole request: nobody to answer */
        client_close(c);
        return;
    }
    c->len += (size_t)r;
    if (whole(c->req, c->len)) {
        bool head;
        q_http_code st = judge(c->req, c->len, &head);
        respond(m, c, st, head);
    } else if (c->len == REQ_MAX) {
        respond(m, c, Q_HTTP_431, false);
    } else {
        return;
    }
    if (!c->out) client_close(c); /* out of memory */
}

/* Writes what c's socket takes of its response; then shuts the write side. */
static void client_write(client *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) return;
        if (w <= 0) {
            client_close(c);
            return;
        }
        c->out_off += (size_t)w;
    }
    shutdown(c->fd, SHUT_WR);
    free(c->out);
    c->out = NULL;
    c->draining = true;
    c->deadline = q_now_s() + DRAIN_S;
}

/* Takes the waiting connections: up to MAX_CLIENTS are served; up to SPARE
 * more are answered 503 at once (then drained like any other, so that the
 * answer is not reset by a close before the client's request is read);
 * beyond those, closed. */
static void accept_all(q_metrics_server *m)
{
    for (;;) {
        int fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        if (m->nc == MAX_CLIENTS + SPARE) {
            close(fd);
            continue;
        }
        client *c = &m->c[m->nc++];
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->deadline = q_now_s() + REQ_TIMEOUT_S;
        if (m->nc > MAX_CLIENTS) {
            respond(m, c, Q_HTTP_503, false);
            if (c->out) client_write(c);
            else client_close(c);
        }
    }
}

static void *server_main(void *arg)
{
    q_metrics_server *m = arg;
    struct pollfd p[MAX_CLIENTS + SPARE + 2];
    for (;;) {
        double now = q_now_s(), next = now + 60;
        p[0] = (struct pollfd){.fd = m->lfd, .events = POLLIN};
        p[1] = (struct pollfd){.fd = m->quit_fd, .events = POLLIN};
        for (size_t i = 0; i < m->nc; i++) {
            client *c = &m->c[i];
            p[i + 2] = (struct pollfd){.fd = c->fd, .events = (short)(c->out ? POLLOUT : POLLIN)};
            if (c->deadline < next) next = c->deadline;
        }
        int timeout = next <= now ? 0 : (int)((next - now) * 1e3) + 1;
        size_t np = m->nc + 2;
        if (poll(p, (nfds_t)np, timeout) < 0 && errno != EINTR) break;
        if (p[1].revents) break; /* q_metrics_stop */
        for (size_t i = 0; i + 2 < np; i++) {
            client *c = &m->c[i];
            short ev = p[i + 2].revents;
            if (c->fd < 0 || !ev) continue;
            if (c->out) client_write(c);
            else client_read(m, c);
            if (c->fd >= 0 && c->out && !c->draining) client_write(c); /* answered just now */
        }
        now = q_now_s();
        for (size_t i = 0; i < m->nc; i++) {
            client *c = &m->c[i];
            if (c->fd < 0 || now < c->deadline) continue;
            if (c->draining || c->out) { /* done, or a client that does not read its answer */
                client_close(c);
                continue;
            }
            respond(m, c, Q_HTTP_408, false);
            if (c->out) client_write(c);
            if (c->fd >= 0 && !c->draining) client_close(c); /* it takes no answer: gone */
        }
        size_t k = 0; /* compact, keeping the order */
        for (size_t i = 0; i < m->nc; i++)
            if (m->c[i].fd >= 0) m->c[k++] = m->c[i];
        m->nc = k;
        if (p[0].revents & POLLIN) accept_all(m);
    }
    for (size_t i = 0; i < m->nc; i++) client_close(&m->c[i]);
    m->nc = 0;
    return NULL;
}

int q_metrics_start(q_metrics_server *m, q_inq *in)
{
    m->in = in;
    if (pthread_create(&m->thread, NULL, server_main, m) != 0) return -1;
    m->started = true;
    return 0;
}

void q_metrics_stop(q_metrics_server *m)
{
    if (m->started) {
        uint64_t one = 1;
        ssize_t w = write(m->quit_fd, &one, sizeof one);
        (void)w; /* a fresh eventfd takes it */
        pthread_join(m->thread, NULL);
    }
    close(m->lfd);
    close(m->quit_fd);
    free(m->body);
    free(m);
}
