#!/usr/bin/env bash
# End-to-end test of malformed input (spec section 3): every malformed-frame
# case stops a file run with exit 1 and a message naming the byte offset of
# the bad frame and the reason, and everything before it stays committed.
#
# The bad streams are cut from a generated one at a frame boundary: a valid
# prefix P (the first half of its frames), then the bad frame, then the rest
# of the valid stream (which must not be processed). For every case:
#   - `run` (1, 2 or 4 workers) exits 1 naming "byte offset N: REASON" with
#     N = the bad frame's first byte; `replay` says the same (under a
#     sanitizer, on every third case);
#   - the run's store equals (sqlite3 .dump) the store of a run on P alone,
#     which ends cleanly at a frame boundary without END (itself a case:
#     truncated), and the replay's store of the same bad stream;
# and the store of P holds a non-empty prefix, by seq, of the rows of the
# whole stream's store: exactly what P cleared, nothing of the rest.
# Cases at offset 0 (HELLO of the wrong size or magic, no HELLO, an empty
# file) leave no rows.
# Usage: tests/e2e/quarantine_malformed.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
Q=$B/bin/quarantine
[ -x "$Q" ] || fail "$Q is not built"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed to compare stores"
command -v python3 >/dev/null || fail "python3 is needed to cut frames"
# Sanitizer builds are several times slower: there the serial replay (no
# threads of its own but the store's) is compared on every third case only.
SAN=0
[ -n "$(sanitizer "$Q")" ] && SAN=1

$Q gen --validators 256 --epochs 4 --seed 21 --out "$T/s.bin" >"$T/gen.log" 2>&1 || { cat "$T/gen.log"; fail "gen"; }
$Q replay --input "$T/s.bin" --db "$T/full.db" >"$T/full.log" 2>&1 || { cat "$T/full.log"; fail "replay of the whole stream"; }

# Writes CASE.bin for every case into $T/cases and a list "CASE OFFSET REASON"
# on stdout. Frame: u32 len | u8 kind | u8 flags | u16 peer | u64 t_ms | payload.
cat >"$T/cut.py" <<'EOF'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
frames, off = [], 0
while off < len(data):
    n = struct.unpack_from('<I', data, off)[0]
    frames.append(data[off:off + 4 + n])
    off += 4 + n
assert off == len(data), "the stream does not end at a frame boundary"
kind = lambda f: f[4]
t_ms = lambda f: struct.unpack_from('<Q', f, 8)[0]
HELLO, BLOCK, ATT, TICK, FIN, END = range(6)
K = len(frames) // 2
# keep the cut where time has moved, so that "backwards" is possible
while t_ms(frames[K - 1]) == 0:
    K += 1
P, R = b''.join(frames[:K]), b''.join(frames[K:])
last_t = t_ms(frames[K - 1])
first = lambda k: next(f for f in frames[K:] if kind(f) == k)
blk, att = first(BLOCK), first(ATT)

def frame(k, payload=b'', flags=0, t=last_t, length=None):
    n = 12 + len(payload) if length is None else length
    return struct.pack('<IBBHQ', n, k, flags, 0, t) + payload

def resize(f, payload):  # same head, new payload
    return struct.pack('<I', 12 + len(payload)) + f[4:16] + payload

cases = []
def case(name, data, offset, reason):
    open(os.path.join(out, name + '.bin'), 'wb').write(data)
    cases.append((name, offset, reason))

o = len(P)
case('len_small', P + struct.pack('<I', 8) + bytes(8) + R, o, 'bad_length')
case('len_zero', P + struct.pack('<I', 0) + R, o, 'bad_length')
case('len_big', P + frame(TICK, length=(1 << 20) + 1) + R, o, 'bad_length')
case('kind_6', P + frame(6) + R, o, 'unknown_kind')
case('kind_255', P + frame(255, b'x' * 8) + R, o, 'unknown_kind')
case('flags_tick', P + frame(TICK, flags=1) + R, o, 'bad_flags')
case('flags_att', P + att[:5] + b'\x80' + att[6:] + R, o, 'bad_flags')
case('hello_size', frame(HELLO, b'WQ01', t=0) + b''.join(frames[1:]), 0, 'bad_size')
case('hello_long', frame(HELLO, frames[0][16:] + b'\0', t=0) + b''.join(frames[1:]), 0, 'bad_size')
case('hello_magic', frame(HELLO, b'WQ02' + frames[0][20:24], t=0) + b''.join(frames[1:]), 0, 'bad_hello')
case('hello_zero', frame(HELLO, b'WQ01' + bytes(4), t=0) + b''.join(frames[1:]), 0, 'bad_hello')
case('att_short', P + resize(att, att[16:-1]) + R, o, 'bad_size')
case('att_long', P + resize(att, att[16:] + b'\0') + R, o, 'bad_size')
hdr_body_len = 16 + 12  # frame head, then u64 slot | u32 proposer | u32 body_len
bl = struct.unpack_from('<I', blk, hdr_body_len)[0]
wrong = bytearray(blk); struct.pack_into('<I', wrong, hdr_body_len, bl + 1)
case('block_body_len_more', P + bytes(wrong) + R, o, 'bad_size')
case('block_extra_byte', P + resize(blk, blk[16:] + b'\0') + R, o, 'bad_size')
if bl > 0:
    case('block_missing_byte', P + resize(blk, blk[16:-1]) + R, o, 'bad_size')
big = bytearray(resize(blk, blk[16:16 + 176] + bytes(65537)))
struct.pack_into('<I', big, hdr_body_len, 65537)
case('block_body_over_max', P + bytes(big) + R, o, 'bad_size')
case('block_short', P + resize(blk, blk[16:16 + 100]) + R, o, 'bad_size')
case('tick_payload', P + frame(TICK, b'\0') + R, o, 'bad_size')
case('finalize_short', P + frame(FIN, bytes(39)) + R, o, 'bad_size')
case('finalize_long', P + frame(FIN, bytes(41)) + R, o, 'bad_size')
case('finalize_empty', P + frame(FIN) + R, o, 'bad_size')
case('end_payload', P + frame(END, b'\0') + R, o, 'bad_size')
case('no_hello', b''.join(frames[1:]), 0, 'no_hello')
case('empty_file', b'', 0, 'no_hello')
case('hello_repeated', P + frames[0] + R, o, 'repeated_hello')
case('time_backwards', P + frame(TICK, t=last_t - 1) + R, o, 'time_backwards')
case('time_backwards_att', P + att[:8] + struct.pack('<Q', last_t - 1) + att[16:] + R, o, 'time_backwards')
nxt = frames[K]
case('truncated_mid_frame', P + nxt[:len(nxt) // 2], o, 'truncated')
case('truncated_in_len', P + nxt[:2], o, 'truncated')
case('truncated_in_head', P + nxt[:9], o, 'truncated')
case('truncated_no_end', P, o, 'truncated')  # the reference: P alone
case('truncated_no_end_full', data[:-len(frames[-1])], len(data) - len(frames[-1]), 'truncated')
for c in cases:
    print(*c)
print('prefix', K, len(P), file=sys.stderr)
EOF
mkdir "$T/cases"
python3 "$T/cut.py" "$T/s.bin" "$T/cases" >"$T/cases.txt" 2>"$T/cut.log" || { cat "$T/cut.log"; fail "cutting the streams"; }
read -r _ K PLEN <"$T/cut.log"
echo "prefix: $K frames, $PLEN bytes; $(grep -c . "$T/cases.txt") malformed cases"

# the reference: the store of P alone (ends without END at a frame boundary)
ref=$T/cases/truncated_no_end
$Q run --input "$ref.bin" --db "$ref.ref.db" --workers 2 >/dev/null 2>&1
[ $? -eq 1 ] || fail "a run of the prefix without END did not exit 1"
sqlite3 "$ref.ref.db" .dump >"$T/ref.sql"
# P's rows must be exactly the first rows, by seq, of the whole stream's store
rows() {  # DB: every cleared row "seq kind id", in seq order
    sqlite3 "$1" "SELECT seq, 'b', hex(root) FROM blocks UNION ALL SELECT seq, 'a', hex(id) FROM attestations ORDER BY 1"
}
rows "$ref.ref.db" >"$T/ref.rows"
nref=$(grep -c . "$T/ref.rows")
[ "$nref" -gt 100 ] || fail "the prefix cleared only $nref items"
rows "$T/full.db" | head -n "$nref" | cmp -s "$T/ref.rows" - ||
    fail "the prefix's store is not a seq-prefix of the whole stream's store"
nfull=$(rows "$T/full.db" | grep -c .)
[ "$nfull" -gt "$nref" ] || fail "the prefix cleared everything ($nref of $nfull)"
nrej=$(sqlite3 "$ref.ref.db" "SELECT count(*) FROM rejects")
echo "prefix store: $nref of $nfull cleared items, $nrej rejects rows"

n=0
while read -r name off reason; do
    n=$((n + 1))
    w=$(( (n % 3) == 0 ? 4 : (n % 3) ))
    f=$T/cases/$name
    $Q run --input "$f.bin" --db "$f.db" --workers "$w" >"$f.out" 2>"$f.err"
    rc=$?
    [ $rc -eq 1 ] || { cat "$f.err"; fail "$name: run exited $rc, not 1"; }
    grep -qF "$f.bin: byte offset $off: $reason" "$f.err" ||
        { cat "$f.err"; fail "$name: the message does not name '$f.bin: byte offset $off: $reason'"; }
    sqlite3 "$f.db" .dump >"$f.sql"
    if [ $SAN -eq 0 ] || [ $((n % 3)) -eq 0 ]; then
        $Q replay --input "$f.bin" --db "$f.replay.db" >/dev/null 2>"$f.rerr"
        rc=$?
        [ $rc -eq 1 ] || { cat "$f.rerr"; fail "$name: replay exited $rc, not 1"; }
        grep -qF "byte offset $off: $reason" "$f.rerr" || { cat "$f.rerr"; fail "$name: replay names another error"; }
        sqlite3 "$f.replay.db" .dump | cmp -s "$f.sql" - ||
            { diff "$f.sql" <(sqlite3 "$f.replay.db" .dump) | head; fail "$name: run and replay stored different rows"; }
    fi
    if [ "$off" -eq 0 ]; then
        left=$(sqlite3 "$f.db" "SELECT (SELECT count(*) FROM blocks) + (SELECT count(*) FROM attestations)
                                      + (SELECT count(*) FROM rejects) + (SELECT count(*) FROM slashings)" 2>/dev/null)
        [ "${left:-0}" -eq 0 ] || fail "$name: a stream that fails at offset 0 left $left rows"
        what="no rows"
    elif [ "$name" = truncated_no_end_full ]; then
        # everything but END: at least every row of P, fewer than the whole run
        nc=$(rows "$f.db" | grep -c .)
        [ "$nc" -ge "$nref" ] && [ "$nc" -le "$nfull" ] || fail "$name: $nc cleared items"
        what="$nc cleared"
    else
        cmp -s "$T/ref.sql" "$f.sql" ||
            { diff "$T/ref.sql" "$f.sql" | head; fail "$name: the store differs from the prefix's store"; }
        what="= prefix store"
    fi
    printf '  %-24s %d worker(s): exit 1, %s\n' "$name" "$w" "$(sed -n "s/^${LOGP}quarantine run: [^:]*: //p" "$f.err" | head -1) ($what)"
done <"$T/cases.txt"
[ "$n" -ge 30 ] || fail "only $n cases ran"
echo "ok: $n malformed streams stopped at the right offset, with what came before committed"
