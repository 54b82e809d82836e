/* quarantine/wire.h: the frame format of spec section 3, both ways.
 *
 * Decoding is split in two layers so that files, pipes and TCP share it:
 *
 *   q_decoder  push-style: feed it bytes as they come (any chunking), pull
 *              whole, validated frames out. Never blocks, never reads. A
 *              non-blocking socket loop uses this directly.
 *   q_reader   pull-style: a q_decoder plus a read callback (an fd, a FILE*,
 *              or any function); q_reader_next blocks in the callback until a
 *              frame, the end of the stream or an error.
 *
 * Every malformed case of section 3 is an error with the byte offset of the
 * frame's first byte (its len field) and a reason (q_wire_err, with a word and
 * a detail message). Errors are sticky: once a decoder failed it keeps
 * returning the same error.
 */
#ifndef Q_WIRE_H
#define Q_WIRE_H

#include <stdio.h>
#include <sys/types.h>

#include "quarantine/spec.h"

/* ------------------------------------------------------------ errors */

typedef enum q_wire_err {
    Q_WE_NONE = 0,
    Q_WE_BAD_LENGTH,      /* len < 12 or len > 1 MiB */
    Q_WE_UNKNOWN_KIND,    /* kind > 5 */
    Q_WE_BAD_FLAGS,       /* flags != 0 */
    Q_WE_BAD_SIZE,        /* payload of the wrong size for its kind (incl. block body_len) */
    Q_WE_NO_HELLO,        /* first frame is not HELLO (or the stream is empty) */
    Q_WE_REPEATED_HELLO,  /* a second HELLO */
    Q_WE_BAD_HELLO,       /* magic is not "WQ01" or N = 0 */
    Q_WE_TIME_BACKWARDS,  /* t_ms smaller than the previous frame's */
    Q_WE_TRUNCATED,       /* the stream ends inside a frame, or before END */
    Q_WE_IO,              /* the read callback failed */
    Q_WE_NOMEM,           /* out of memory */
    Q_WE_COUNT
} q_wire_err;

/* One error: what, where (byte offset of the offending frame), and a detail. */
typedef struct q_wire_error {
    q_wire_err code;
    uint64_t offset;
    char detail[160];
} q_wire_error;

/* The reason word of an error code ("bad_length", "unknown_kind", ...). */
const char *q_wire_err_word(q_wire_err e);

/* Formats "byte offset N: <word>: <detail>" into buf (cap bytes); returns buf. */
char *q_wire_error_format(const q_wire_error *e, char *buf, size_t cap);

/* ------------------------------------------------------------ frames */

/* Frees what a decoded frame owns (a block's body) and clears the pointer.
 * Safe on any frame, decoded or built by hand with body not owned by malloc
 * only when the caller never passes that frame here. */
void q_frame_release(q_frame *f);

/* Bytes the encoded frame takes, len field included. For a block the body
 * length is hdr.body_len. */
size_t q_frame_size(const q_frame *f);

/* Encodes f (kind, peer, t_ms, payload; flags and len are computed, f->flags
 * is written as given) into buf. Returns the frame's size; when that exceeds
 * cap nothing is written. */
size_t q_frame_encode(const q_frame *f, uint8_t *buf, size_t cap);

/* Writes f to out. Returns 0, or -1 on a write error or an unknown kind. */
int q_frame_write(FILE *out, const q_frame *f);

/* Writes an arbitrary frame: len = 12 + n, then kind, flags, peer, t_ms and
 * the n payload bytes, none of them checked (tests use it for malformed
 * frames). Returns 0 or -1. */
int q_frame_write_raw(FILE *out, uint8_t kind, uint8_t flags, uint16_t peer, uint64_t t_ms,
                      const void *payload, size_t n);

/* ------------------------------------------------------------ decoder */

typedef struct q_decoder {
    uint8_t *buf;          /* bytes fed, not yet decoded: buf[start..end) */
    size_t cap, start, end;
    uint64_t offset;       /* stream offset of buf[start] */
    uint64_t frames;       /* frames decoded so far */
    uint64_t last_t_ms;
    uint32_t n_validators; /* from HELLO, 0 before it */
    bool seen_hello;
    bool seen_end;
    q_wire_error err;      /* sticky error, code Q_WE_NONE while healthy */
} q_decoder;

/* Results of q_decoder_next / q_reader_next. */
enum {
    Q_DEC_ERROR = -1, /* malformed or failed: see the error */
    Q_DEC_MORE = 0,   /* decoder only: needs more bytes */
    Q_DEC_FRAME = 1,  /* a frame was written to *out */
    Q_DEC_DONE = 2,   /* END was already returned (or, reader only, a clean EOF) */
};

/* Initialises an empty decoder. Returns 0 or -1 (out of memory). */
int q_decoder_init(q_decoder *d);

/* Frees the decoder's buffer. */
void q_decoder_destroy(q_decoder *d);

/* Appends n bytes to the decoder. Returns 0, or -1 when out of memory (the
 * decoder then holds the sticky error Q_WE_NOMEM). Bytes fed after END are
 * ignored. */
int q_decoder_feed(q_decoder *d, const void *bytes, size_t n);

/* Takes the next whole frame out of the bytes fed so far. On Q_DEC_FRAME *out
 * holds the frame (the caller owns it: q_frame_release). On Q_DEC_ERROR *err
 * (when non-NULL) receives the error. Q_DEC_MORE: feed more bytes. Q_DEC_DONE:
 * END has been returned before; nothing more will come. */
int q_decoder_next(q_decoder *d, q_frame *out, q_wire_error *err);

/* The stream ended (EOF). Returns Q_DEC_DONE when it ended cleanly: after END,
 * or at a frame boundary when require_end is false (a TCP peer hanging up);
 * otherwise Q_DEC_ERROR with Q_WE_TRUNCATED (inside a frame, or no END when
 * require_end) or Q_WE_NO_HELLO (nothing at all). */
int q_decoder_finish(q_decoder *d, bool require_end, q_wire_error *err);

/* ------------------------------------------------------------ reader */

/* Reads up to cap bytes into buf. Returns the count (> 0), 0 at the end of the
 * stream, or -1 on an error (errno set). May block. */
typedef ssize_t (*q_read_fn)(void *ctx, void *buf, size_t cap);

typedef struct q_reader {
    q_decoder dec;
    q_read_fn read;
    void *ctx;
    bool require_end;
    bool eof;
    int fd; /* for q_reader_init_fd */
} q_reader;

/* Initialises a reader over a callback. require_end: the stream must end with
 * END (files); a clean EOF at a frame boundary is an error otherwise. Returns
 * 0 or -1 (out of memory). */
int q_reader_init(q_reader *r, q_read_fn fn, void *ctx, bool require_end);

/* Same, reading a file descriptor (file, pipe or socket; EINTR retried). The
 * fd stays the caller's. */
int q_reader_init_fd(q_reader *r, int fd, bool require_end);

/* Same, reading a stdio stream (the FILE stays the caller's). */
int q_reader_init_file(q_reader *r, FILE *f, bool require_end);

/* Blocks until the next frame (Q_DEC_FRAME, *out owned by the caller), the
 * clean end (Q_DEC_DONE) or an error (Q_DEC_ERROR, *err filled). */
int q_reader_next(q_reader *r, q_frame *out, q_wire_error *err);

/* Frees the reader (not the fd / FILE). */
void q_reader_destroy(q_reader *r);

#endif /* Q_WIRE_H */
