#!/usr/bin/env python3
"""fuzz/seeds.py: cuts the seed corpus of the fuzz targets from a generated
stream (`quarantine gen`, spec section 3) and its FILE.expected.

Usage: fuzz/seeds.py STREAM OUTDIR
Writes OUTDIR/decoder, OUTDIR/items, OUTDIR/expected and OUTDIR/stream, one
file per seed (the fuzz targets' input formats: fuzz/README.md):
  decoder   stream prefixes cut at frame boundaries (with and without an END
            after them, and one cut inside a frame), and windows of whole
            frames from all over the stream behind its HELLO, up to 8 KiB
  items     one payload of each BLOCK, ATTESTATION and FINALIZE frame kind
            the stream's scenarios produce (a byte for the kind, then the
            payload), 24 of each at most
  expected  one line of FILE.expected of each record shape (type, kind,
            verdict, reason), and a comment
  stream    windows of whole frames behind the HELLO, ended by an END, up to
            4 KiB, starting at frames of every kind
Deterministic: the same stream gives the same corpus.
"""
import os
import struct
import sys

HELLO, BLOCK, ATT, TICK, FINALIZE, END = range(6)


def frames(b):
    """(offset, kind, t_ms, bytes) of every whole frame of b."""
    out, o = [], 0
    while o + 4 <= len(b):
        n = struct.unpack_from('<I', b, o)[0]
        if o + 4 + n > len(b):
            break
        kind = b[o + 4]
        t_ms = struct.unpack_from('<Q', b, o + 8)[0]
        out.append((o, kind, t_ms, b[o:o + 4 + n]))
        o += 4 + n
    return out


def end_frame(t_ms):
    return struct.pack('<IBBHQ', 12, END, 0, 0, t_ms)


def main():
    stream, outdir = sys.argv[1], sys.argv[2]
    b = open(stream, 'rb').read()
    fr = frames(b)
    if not fr or fr[0][1] != HELLO:
        sys.exit('seeds.py: %s does not start with a HELLO' % stream)
    hello = fr[0][3]
    dirs = {d: os.path.join(outdir, d) for d in ('decoder', 'items', 'expected', 'stream')}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    count = {d: 0 for d in dirs}

    def put(d, data):
        with open(os.path.join(dirs[d], '%04d' % count[d]), 'wb') as f:
            f.write(data)
        count[d] += 1

    def window(i, cap):
        """HELLO + the whole frames from index i on that fit in cap bytes."""
        w, j = hello, i
        while j < len(fr) and len(w) + len(fr[j][3]) + 16 <= cap:
            w += fr[j][3]
            j += 1
        return w, fr[j - 1][2] if j > i else 0

    # decoder: prefixes, windows, a cut frame
    o, k = 0, 1
    while k <= len(fr) and fr[k - 1][0] + len(fr[k - 1][3]) <= 8192:
        pre = b[:fr[k - 1][0] + len(fr[k - 1][3])]
        put('decoder', pre)
        put('decoder', pre + end_frame(fr[k - 1][2]))
        k = k * 2 if k > 2 else k + 1
    put('decoder', b[:fr[1][0] + len(fr[1][3]) // 2])
    step = max(1, len(fr) // 24)
    for i in range(1, len(fr), step):
        w, t = window(i, 8192)
        put('decoder', w + end_frame(t))

    # items: payloads, one shape per (kind, body length class) first
    seen = {}
    for _, kind, _, f in fr:
        if kind not in (BLOCK, ATT, FINALIZE):
            continue
        key = (kind, min(len(f), 400) // 100)
        n = seen.get(kind, 0)
        if n >= 24 or (key in seen and n >= 8):
            continue
        seen[key] = True
        seen[kind] = n + 1
        put('items', bytes([kind]) + f[16:])

    # expected: one line per record shape
    exp = stream + '.expected'
    shapes = set()
    if os.path.exists(exp):
        for line in open(exp, 'rb'):
            w = line.split()
            if not w:
                continue
            shape = tuple(w[:2]) if w[0] in (b'cleared', b'counter', b'slashing') else (w[0], w[1], w[3], w[4])
            if w[0] == b'#' or w[0].startswith(b'#'):
                shape = (b'#',)
            if shape in shapes:
                continue
            shapes.add(shape)
            put('expected', line)
    # regression: a record, then blanks past the parser's 511-byte buffer and
    # a field more (once cut at 511 bytes and taken as the record)
    put('expected', b'counter received 5' + b' ' * 495 + b' junk\n')

    # stream: windows behind the HELLO, ended, from every kind of frame
    kinds_seen = {}
    for i in range(1, len(fr)):
        kind = fr[i][1]
        if kinds_seen.get(kind, 0) >= 12 and i % 97:
            continue
        kinds_seen[kind] = kinds_seen.get(kind, 0) + 1
        w, t = window(i, 4096)
        put('stream', w + end_frame(t))
    put('stream', hello + end_frame(0))
    print('seeds: ' + ', '.join('%s %d' % (d, count[d]) for d in sorted(count)))


if __name__ == '__main__':
    main()
