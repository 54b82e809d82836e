/* quarantine/net.h: peers over TCP (spec section 3, "Delivery over TCP"):
 * the listener and the one reader thread of `run --listen`.
 *
 * One thread reads every connection with poll(2), so that none blocks
 * another: each connection has its own q_decoder (wire.h), which keeps its
 * partial frame; a peer that sends half a frame and stalls, or nothing at
 * all, only ever waits itself, and is closed once idle for idle_ms. Each
 * connection is one stream: HELLO first, then frames with non-decreasing
 * t_ms (the decoder checks both), ending with END.
 *
 * The stream of a listening run. The store is bound (store.h) to the head
 * of one connection: the first connection whose head (its first
 * Q_HEAD_BYTES bytes, or all of it when it ends sooner) is complete and
 * starts with a well-formed HELLO. Until then nothing is decoded and each
 * connection is read up to its head only. That HELLO fixes the service's
 * validator count; it is the only HELLO that enters the input queue, and it
 * enters first. Every other connection's HELLO must carry the same count
 * (else it is closed, "mismatched") and is consumed by the reader, as are
 * the connections' ENDs. So one connection carrying a stream binds the
 * store to the very head a file run of it would, and gives the file run's
 * store; a store started on another stream refuses the run (q_net_bound).
 *
 * Virtual time is the largest t_ms the reader has queued (or seen in an
 * END); a frame with an older t_ms (a slower peer) is queued with t_ms set
 * to it, so the engine processes it at the current virtual time.
 *
 * Back-pressure and fairness: frames enter the input queue with
 * q_inq_try_push; when it is full the reader keeps the frame, reads no
 * socket (TCP flow control holds the peers) and waits on the queue's space
 * fd; it never drops. Connections take turns (serve_turn in net.c): in a
 * turn the buffered frames go oldest t_ms first, each connection at least 1
 * and at most Q_NET_TURN frames; a flooding peer gets at most Q_NET_TURN
 * frames for each one of every other peer, whatever its t_ms. A connection
 * is read again only once its buffered frames are all queued, so its buffer
 * stays one read (64 KiB) plus one partial frame.
 *
 * A connection closes for one of: END (ended), a hang-up at a frame
 * boundary without END (hung_up), a malformed frame or a cut one at the
 * hang-up (malformed: logged with the peer's address, the byte offset in
 * its stream and the reason), a HELLO with another validator count
 * (mismatched), idle_ms without a byte while the reader waits for one
 * (timed_out), or the run's end (cut). Each close is one line on stderr.
 * Frames queued before a close stay queued. A connection beyond max_peers
 * open ones is accepted, logged as refused and closed at once.
 *
 * The run ends (a synthetic END at the current virtual time is queued, then
 * the remaining connections are cut) once `peers` connections have closed,
 * for any of the reasons above, when peers > 0. On SIGINT or SIGTERM
 * (stop.h) the reader queues a Q_IN_STOP marker instead and cuts every
 * connection. The reader is the only thread that touches the sockets.
 */
#ifndef Q_NET_H
#define Q_NET_H

#include <stddef.h>
#include <stdint.h>

#include "quarantine/head.h"
#include "quarantine/inq.h"

/* Frames one connection may queue per turn of the round robin. */
#define Q_NET_TURN 16

typedef struct q_net_config {
    q_inq *q;           /* the input queue the reader fills (its space_fd is set here) */
    uint64_t peers;     /* 0: run until a signal; else end once this many connections closed */
    uint64_t max_peers; /* open connections at most (>= 1) */
    uint64_t idle_ms;   /* a connection waited on for this long without a byte is closed */
} q_net_config;

/* What the connections did, for the summary (final after q_net_join). */
typedef struct q_net_stats {
    uint64_t accepted, refused;                              /* connections taken / refused (max_peers) */
    uint64_t ended, hung_up, malformed, mismatched, timed_out, cut; /* closes, by reason */
    uint64_t frames;     /* frames decoded from the connections */
    uint64_t queued;     /* of them, entered the input queue (items and TICK/FINALIZE, the binding HELLO) */
    uint64_t items;      /* of the queued, BLOCK and ATTESTATION frames */
    uint64_t consumed;   /* of them, the HELLOs and ENDs of the connections, taken by the reader */
    uint64_t unqueued;   /* of them, decoded but waiting for room when the run ended (cut) */
    /* frames = queued + consumed + unqueued */
} q_net_stats;

typedef struct q_net q_net;

/* Binds and listens on hostport ("HOST:PORT", IPv4 address or name; port 0
 * picks a free one). Returns the listener, or NULL with a reason in err. */
q_net *q_net_listen(const char *hostport, const q_net_config *cfg, char *err, size_t errlen);

/* "ADDR:PORT" the listener got (the port filled in). */
const char *q_net_address(const q_net *n);

/* Starts the reader thread. 0, or -1 (it could not start). */
int q_net_start(q_net *n);

/* Waits until a connection's head binds the store: returns 1 with *head and
 * peer (its address) filled; the reader then waits for q_net_bound. Returns
 * 0 when the run ended before any head came (a signal, or `peers`
 * connections closed first). */
int q_net_wait_head(q_net *n, q_head *head, char *peer, size_t peerlen);

/* The store took the head (ok: the reader queues that connection's HELLO and
 * goes on) or refused it (the reader cuts every connection and ends). */
void q_net_bound(q_net *n, bool ok);

/* Waits for the reader thread to end (after its END or STOP is queued, or a
 * refused head; or, when the consumer closed the queue, at once), fills *st
 * and frees n. */
void q_net_join(q_net *n, q_net_stats *st);

#endif /* Q_NET_H */
