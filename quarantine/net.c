/* quarantine/net.c: the listener and the reader thread of `run --listen`
 * (contract and design in net.h). */
#include "quarantine/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
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
#include "quarantine/log.h"
#include "quarantine/metrics.h"
#include "quarantine/stop.h"
#include "quarantine/wire.h"

#define READ_CHUNK 65536

enum { BIND_WAITING = 0, BIND_READY, BIND_TAKEN, BIND_REFUSED, BIND_NONE };

typedef struct conn {
    int fd;               /* -1 once closed */
    char addr[64];
    q_decoder dec;
    uint8_t *head;        /* before the binding: its first bytes (Q_HEAD_BYTES) */
    size_t head_len;
    bool head_done;       /* the head is whole: Q_HEAD_BYTES, or the peer hung up */
    bool want;            /* the decoder needs bytes (its buffered frames are queued) */
    bool eof;
    bool has_next;        /* `next` is decoded, not yet queued (peeked, or the queue was full) */
    q_frame next;
    int served;           /* frames queued in this turn (serve_turn) */
    double last;          /* seconds: the last bytes, or since when it is waited on */
} conn;

struct q_net {
    q_net_config cfg;
    int lfd, space_fd, quit_fd; /* quit_fd: an eventfd q_net_join writes */
    char address[80];
    pthread_t thread;
    bool started;
    conn *c;              /* max_peers slots */
    size_t nc;            /* slots in use (open connections, packed) */
    size_t rr;            /* round robin: who goes first this turn */
    bool bound, full, done;
    uint32_t validators;
    uint64_t vt;          /* virtual time: the largest t_ms queued or ended */
    uint64_t closed;      /* connections closed for any reason */
    q_net_stats st;
    /* the binding hand-off with the run's thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int bind;             /* BIND_* */
    q_head head;
    char head_peer[64];
};

/* ------------------------------------------------------------ listening */

q_net *q_net_listen(const char *hostport, const q_net_config *cfg, char *err, size_t errlen)
{
    char address[80];
    int fd = q_listen_tcp("--listen", hostport, address, sizeof address, err, errlen);
    if (fd < 0) return NULL;
    q_net *n = calloc(1, sizeof *n);
    if (n) n->c = calloc((size_t)cfg->max_peers, sizeof *n->c);
    if (!n || !n->c) {
        if (n) free(n);
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    n->cfg = *cfg;
    n->lfd = fd;
    n->space_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    n->quit_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    cfg->q->space_fd = n->space_fd;
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->cv, NULL);
    snprintf(n->address, sizeof n->address, "%s", address);
    return n;
}

const char *q_net_address(const q_net *n) { return n->address; }

/* ------------------------------------------------------------ connections */


/* Closes connection c; `counter` is the reason's counter, the line already
 * logged. Its slot is compacted away by sweep(). */
static void conn_close(q_net *n, conn *c, uint64_t *counter)
{
    close(c->fd);
    c->fd = -1;
    q_decoder_destroy(&c->dec);
    free(c->head);
    c->head = NULL;
    if (c->has_next) {
        q_frame_release(&c->next);
        n->st.unqueued++;
    }
    c->has_next = false;
    (*counter)++;
    n->closed++;
}

/* Where c's stream stands: the offset of its next frame once decoding
 * started, else the bytes of its head read so far. */
static uint64_t conn_offset(const q_net *n, const conn *c) { return n->bound ? c->dec.offset : c->head_len; }

/* Removes the closed slots, keeping the order of the open ones. */
static void sweep(q_net *n)
{
    size_t k = 0;
    for (size_t i = 0; i < n->nc; i++)
        if (n->c[i].fd >= 0) n->c[k++] = n->c[i];
    n->nc = k;
    if (n->rr >= n->nc) n->rr = 0;
}

static void accept_all(q_net *n)
{
    for (;;) {
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        int fd = accept4(n->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return; /* EAGAIN, or a connection gone before it was taken */
        char addr[64], ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
        snprintf(addr, sizeof addr, "%s:%u", ip, (unsigned)ntohs(sa.sin_port));
        if (n->nc >= n->cfg.max_peers) {
            q_log(Q_WARN, "peer %s refused: %zu peers are connected (--max-peers %" PRIu64 ")", addr, n->nc,
                n->cfg.max_peers);
            close(fd);
            n->st.refused++;
            continue;
        }
        conn *c = &n->c[n->nc];
        memset(c, 0, sizeof *c);
        c->fd = fd;
        snprintf(c->addr, sizeof c->addr, "%s", addr);
        c->want = true;
        c->last = q_now_s();
        if (q_decoder_init(&c->dec) < 0 || (!n->bound && !(c->head = malloc(Q_HEAD_BYTES)))) {
            q_log(Q_WARN, "peer %s refused: out of memory", addr);
            q_decoder_destroy(&c->dec);
            close(fd);
            n->st.refused++;
            continue;
        }
        n->nc++;
        n->st.accepted++;
        q_log(Q_INFO, "peer %s connected", addr);
    }
}

/* Reads once from c (at most one chunk, or what its head still lacks). */
static void conn_read(q_net *n, conn *c)
{
    static uint8_t buf[READ_CHUNK]; /* the reader thread's only */
    size_t cap = n->bound ? sizeof buf : Q_HEAD_BYTES - c->head_len;
    ssize_t r = read(c->fd, n->bound ? buf : c->head + c->head_len, cap);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    c->last = q_now_s();
    if (r <= 0) { /* a reset reads as a hang-up: what came before it stands */
        c->eof = true;
        c->want = false; /* its turn decodes what is left, then finishes */
        if (!n->bound) c->head_done = true;
        return;
    }
    if (!n->bound) {
        c->head_len += (size_t)r;
        if (c->head_len == Q_HEAD_BYTES) c->head_done = true;
        return;
    }
    if (q_decoder_feed(&c->dec, buf, (size_t)r) < 0) c->eof = true; /* the sticky NOMEM is reported next */
    c->want = false;
}

/* Queues c's next frame without blocking; it gets the virtual time. 1
 * queued, 0 the queue is full (the frame stays c's next), -1 the consumer
 * left. */
static int queue_next(q_net *n, conn *c)
{
    q_frame *f = &c->next;
    if (f->t_ms < n->vt) f->t_ms = n->vt; /* a slower peer: processed now */
    q_in e;
    memset(&e, 0, sizeof e);
    e.type = Q_IN_FRAME;
    e.f = *f;
    e.arrival = q_now_s();
    int r = q_inq_try_push(n->cfg.q, &e);
    if (r == 0) {
        n->full = true;
        return 0;
    }
    c->has_next = false;
    if (r < 0) {
        n->done = true;
        return -1;
    }
    n->vt = e.f.t_ms;
    n->st.queued++;
    n->st.items += e.f.kind == Q_KIND_BLOCK || e.f.kind == Q_KIND_ATTESTATION;
    return 1;
}

/* Pushes a marker (END at the virtual time, or STOP), blocking: the run is
 * over, nothing else waits on the reader. */
static void queue_final(q_net *n, int type, const char *msg)
{
    q_in e;
    memset(&e, 0, sizeof e);
    e.type = type;
    if (type == Q_IN_FRAME) {
        e.f.kind = Q_KIND_END;
        e.f.t_ms = n->vt;
        e.arrival = q_now_s();
    }
    snprintf(e.msg, sizeof e.msg, "%s", msg ? msg : "");
    q_inq_push(n->cfg.q, &e);
    n->done = true;
}

/* Makes sure c has its next frame to queue decoded (c->next), taking the
 * connection's HELLO and END on the way (an END closes c). Returns true when
 * c has one; false when it needs bytes (want) or was closed. */
static bool conn_peek(q_net *n, conn *c)
{
    while (!c->has_next) {
        if (c->fd < 0 || c->want) return false;
        q_frame f;
        q_wire_error we;
        int r = q_decoder_next(&c->dec, &f, &we);
        if (r == Q_DEC_MORE && c->eof) r = q_decoder_finish(&c->dec, false, &we);
        if (r == Q_DEC_MORE) {
            c->want = true;
            return false;
        }
        if (r == Q_DEC_DONE) {
            q_log(Q_WARN, "peer %s hung up without END after %" PRIu64 " frames", c->addr, c->dec.frames);
            conn_close(n, c, &n->st.hung_up);
            return false;
        }
        if (r == Q_DEC_ERROR) {
            char buf[256];
            q_log(Q_WARN, "peer %s closed: %s", c->addr, q_wire_error_format(&we, buf, sizeof buf));
            conn_close(n, c, &n->st.malformed);
            return false;
        }
        n->st.frames++;
        if (f.kind == Q_KIND_HELLO) {
            n->st.consumed++;
            if (f.u.hello.n_validators != n->validators) {
                q_log(Q_WARN, "peer %s closed: byte offset %" PRIu64 ": HELLO with %" PRIu32
                    " validators, the service has %" PRIu32,
                    c->addr, f.offset, f.u.hello.n_validators, n->validators);
                conn_close(n, c, &n->st.mismatched);
                return false;
            }
            continue;
        }
        if (f.kind == Q_KIND_END) {
            n->st.consumed++;
            if (f.t_ms > n->vt) n->vt = f.t_ms;
            q_log(Q_INFO, "peer %s ended: END after %" PRIu64 " frames, %" PRIu64 " bytes", c->addr, c->dec.frames,
                c->dec.offset);
            conn_close(n, c, &n->st.ended);
            return false;
        }
        c->next = f;
        c->has_next = true;
    }
    return true;
}

/* One turn of the connections with frames decoded: their frames are queued
 * oldest t_ms first (so that connections read in bulk interleave as their
 * peers sent them, and none drifts ahead in virtual time), each connection
 * at most Q_NET_TURN frames. The turn ends when the connection with the
 * oldest frame has had its Q_NET_TURN, or when the one just served ran out
 * of buffered bytes (it is read before the others' later frames go ahead of
 * its next one); then every other connection with a frame waiting that had
 * none in this turn gets one. So each gets at least 1 and at most
 * Q_NET_TURN per turn: a peer that floods, whatever its t_ms, starves
 * nobody. Returns true when frames are still decoded and waiting (another
 * turn follows without waiting for bytes). */
static bool serve_turn(q_net *n)
{
    size_t cnt = n->nc;
    for (size_t i = 0; i < cnt; i++) n->c[i].served = 0;
    while (!n->full && !n->done) {
        conn *x = NULL;
        for (size_t k = 0; k < cnt; k++) {
            conn *c = &n->c[(n->rr + k) % cnt];
            if (c->served < Q_NET_TURN && conn_peek(n, c) && (!x || c->next.t_ms < x->next.t_ms)) x = c;
        }
        if (!x || queue_next(n, x) != 1) break;
        x->served++;
        if (!conn_peek(n, x) && x->fd >= 0) break; /* dry: read it first */
        if (x->served == Q_NET_TURN) break;        /* the oldest had its turn */
    }
    for (size_t k = 0; k < cnt && !n->full && !n->done; k++) {
        conn *c = &n->c[(n->rr + k) % cnt];
        if (c->served == 0 && conn_peek(n, c) && queue_next(n, c) == 1) c->served = 1;
    }
    n->rr = cnt ? (n->rr + 1) % cnt : 0;
    bool waiting = false;
    for (size_t i = 0; i < cnt; i++) waiting |= n->c[i].fd >= 0 && (n->c[i].has_next || !n->c[i].want);
    return waiting && !n->full;
}

/* ------------------------------------------------------------ the binding */

/* Before the binding: closes the connections whose whole head cannot start
 * a stream, and offers the first good head to the run's thread. */
static void try_bind(q_net *n)
{
    for (size_t i = 0; i < n->nc && !n->bound && !n->done; i++) {
        conn *c = &n->c[i];
        if (c->fd < 0 || !c->head_done) continue;
        uint32_t v = q_head_validators(c->head, c->head_len);
        if (v == 0) { /* the decoder words the reason */
            q_wire_error we;
            q_frame f;
            q_decoder_feed(&c->dec, c->head, c->head_len);
            int r = q_decoder_next(&c->dec, &f, &we);
            if (r == Q_DEC_MORE) r = q_decoder_finish(&c->dec, false, &we);
            if (r == Q_DEC_FRAME) q_frame_release(&f); /* not reached: v == 0 means no HELLO */
            if (r != Q_DEC_ERROR) { /* nothing at all: a hang-up at offset 0 */
                q_log(Q_WARN, "peer %s hung up before its HELLO", c->addr);
                conn_close(n, c, &n->st.hung_up);
                continue;
            }
            char buf[256];
            q_log(Q_WARN, "peer %s closed: %s", c->addr, q_wire_error_format(&we, buf, sizeof buf));
            conn_close(n, c, &n->st.malformed);
            continue;
        }
        pthread_mutex_lock(&n->mu);
        memcpy(n->head.bytes, c->head, c->head_len);
        n->head.len = c->head_len;
        snprintf(n->head_peer, sizeof n->head_peer, "%s", c->addr);
        n->bind = BIND_READY;
        pthread_cond_broadcast(&n->cv);
        while (n->bind == BIND_READY) pthread_cond_wait(&n->cv, &n->mu);
        bool ok = n->bind == BIND_TAKEN;
        pthread_mutex_unlock(&n->mu);
        if (!ok) {
            n->done = true;
            return;
        }
        n->bound = true;
        n->validators = v;
        /* every connection's head goes to its decoder; the binding one's
         * HELLO is queued first, before any other frame */
        for (size_t k = 0; k < n->nc; k++) {
            conn *o = &n->c[k];
            if (o->fd < 0) continue;
            if (o->head_len) q_decoder_feed(&o->dec, o->head, o->head_len);
            free(o->head);
            o->head = NULL;
            o->want = false;
        }
        q_frame f;
        q_wire_error we;
        int r = q_decoder_next(&c->dec, &f, &we); /* a HELLO: q_head_validators said so */
        if (r == Q_DEC_FRAME) {
            n->st.frames++;
            q_in e;
            memset(&e, 0, sizeof e);
            e.type = Q_IN_FRAME;
            e.f = f;
            e.arrival = q_now_s();
            n->vt = f.t_ms;
            if (q_inq_push(n->cfg.q, &e)) n->st.queued++;
        }
        n->rr = i;
    }
}

/* No head will come: tells a run's thread waiting in q_net_wait_head. */
static void bind_none(q_net *n)
{
    pthread_mutex_lock(&n->mu);
    if (n->bind == BIND_WAITING) n->bind = BIND_NONE;
    pthread_cond_broadcast(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

/* ------------------------------------------------------------ the thread */

static void cut_all(q_net *n, const char *why)
{
    for (size_t i = 0; i < n->nc; i++) {
        conn *c = &n->c[i];
        if (c->fd < 0) continue;
        q_log(Q_INFO, "peer %s closed: %s, at byte offset %" PRIu64, c->addr, why, conn_offset(n, c));
        conn_close(n, c, &n->st.cut);
    }
    sweep(n);
}

/* Copies the connections' counters to the metrics (metrics.h: the reader
 * is their one writer), once per turn of the loop. */
static void publish(const q_net *n)
{
    q_metrics *m = &q_metrics_g;
    const uint64_t closed[Q_CLOSE_COUNT] = {
        [Q_CLOSE_ENDED] = n->st.ended,         [Q_CLOSE_HUNG_UP] = n->st.hung_up,
        [Q_CLOSE_MALFORMED] = n->st.malformed, [Q_CLOSE_MISMATCHED] = n->st.mismatched,
        [Q_CLOSE_TIMED_OUT] = n->st.timed_out, [Q_CLOSE_CUT] = n->st.cut,
    };
    q_metric_set(&m->peers_accepted, n->st.accepted);
    q_metric_set(&m->peers_refused, n->st.refused);
    for (int r = 0; r < Q_CLOSE_COUNT; r++) q_metric_set(&m->peers_closed[r], closed[r]);
    size_t open = 0;
    for (size_t i = 0; i < n->nc; i++) open += n->c[i].fd >= 0;
    q_metric_set(&m->peers_connected, open);
}

static void *reader_main(void *arg)
{
    q_net *n = arg;
    struct pollfd *p = calloc(n->cfg.max_peers + 4, sizeof *p);
    size_t *who = calloc(n->cfg.max_peers + 4, sizeof *who);
    bool busy = false;
    while (!n->done && p && who) {
        size_t np = 0;
        p[np++] = (struct pollfd){.fd = n->lfd, .events = POLLIN};
        p[np++] = (struct pollfd){.fd = q_stop_fd(), .events = POLLIN};
        p[np++] = (struct pollfd){.fd = n->quit_fd, .events = POLLIN};
        p[np++] = (struct pollfd){.fd = n->full ? n->space_fd : -1, .events = POLLIN};
        double now = q_now_s(), idle = 1e-3 * (double)n->cfg.idle_ms, next = now + 1.0;
        for (size_t i = 0; i < n->nc; i++) {
            conn *c = &n->c[i];
            bool reading = n->bound ? c->want && !c->eof && !n->full : !c->head_done;
            if (!reading) continue;
            if (c->last + idle < next) next = c->last + idle;
            who[np] = i;
            p[np++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
        }
        int timeout = busy ? 0 : next <= now ? 0 : (int)((next - now) * 1e3) + 1;
        int r = poll(p, (nfds_t)np, timeout);
        if (r < 0 && errno != EINTR) break;
        if (p[1].revents) {
            const char *sig = q_stop_signal();
            char msg[64];
            snprintf(msg, sizeof msg, "%s", sig ? sig : "a signal");
            cut_all(n, msg);
            if (n->bound) queue_final(n, Q_IN_STOP, msg);
            n->done = true;
            break;
        }
        if (p[2].revents) break; /* q_net_join: the run is over */
        if (p[3].revents & POLLIN) {
            uint64_t v;
            ssize_t rd = read(n->space_fd, &v, sizeof v);
            (void)rd; /* EAGAIN: already drained */
            n->full = false;
            now = q_now_s();
            for (size_t i = 0; i < n->nc; i++) n->c[i].last = now; /* not idle: held by us */
        }
        if (p[0].revents & POLLIN) accept_all(n);
        for (size_t k = 4; k < np; k++)
            if (p[k].revents) conn_read(n, &n->c[who[k]]);
        if (!n->bound) try_bind(n);
        busy = false;
        if (n->bound && !n->full) busy = serve_turn(n);
        /* idle: waited on for idle_ms without a byte */
        now = q_now_s();
        for (size_t i = 0; i < n->nc; i++) {
            conn *c = &n->c[i];
            bool reading = n->bound ? c->want && !c->eof && !n->full : !c->head_done;
            if (c->fd < 0 || !reading || now - c->last < idle) continue;
            q_log(Q_WARN, "peer %s closed: idle for %" PRIu64 " ms, at byte offset %" PRIu64, c->addr, n->cfg.idle_ms,
                conn_offset(n, c));
            conn_close(n, c, &n->st.timed_out);
        }
        sweep(n);
        if (n->cfg.peers && n->closed >= n->cfg.peers && !n->done) {
            char msg[64];
            snprintf(msg, sizeof msg, "the run ended (--peers %" PRIu64 ")", n->cfg.peers);
            cut_all(n, msg);
            if (n->bound) queue_final(n, Q_IN_FRAME, NULL);
            n->done = true;
        }
        publish(n);
    }
    if (!p || !who) {
        q_log(Q_ERROR, "the reader is out of memory");
        if (n->bound) queue_final(n, Q_IN_ERROR, "the TCP reader is out of memory");
    }
    cut_all(n, "the run ended");
    publish(n);
    bind_none(n);
    free(p);
    free(who);
    return NULL;
}

int q_net_start(q_net *n)
{
    if (pthread_create(&n->thread, NULL, reader_main, n) != 0) return -1;
    n->started = true;
    return 0;
}

int q_net_wait_head(q_net *n, q_head *head, char *peer, size_t peerlen)
{
    pthread_mutex_lock(&n->mu);
    while (n->bind == BIND_WAITING) pthread_cond_wait(&n->cv, &n->mu);
    int r = n->bind == BIND_READY;
    if (r) {
        *head = n->head;
        snprintf(peer, peerlen, "%s", n->head_peer);
    }
    pthread_mutex_unlock(&n->mu);
    return r;
}

void q_net_bound(q_net *n, bool ok)
{
    pthread_mutex_lock(&n->mu);
    n->bind = ok ? BIND_TAKEN : BIND_REFUSED;
    pthread_cond_broadcast(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

void q_net_join(q_net *n, q_net_stats *st)
{
    if (n->started) {
        uint64_t one = 1;
        ssize_t w = write(n->quit_fd, &one, sizeof one);
        (void)w; /* a fresh eventfd takes it */
        pthread_join(n->thread, NULL);
    }
    if (st) *st = n->st;
    n->cfg.q->space_fd = -1;
    close(n->lfd);
    close(n->space_fd);
    close(n->quit_fd);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cv);
    free(n->c);
    free(n);
}
