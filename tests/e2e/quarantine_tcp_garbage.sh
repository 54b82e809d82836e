#!/usr/bin/env bash
# End-to-end test of a listening quarantine (`run --listen`) under random
# bytes (issue 11 item 5): while a valid peer streams a generated stream
# (`feed --connect`, paced so that it lasts a while), GARBAGE connections
# throw random bytes at the listener, from a fixed seed, in random chunks
# with random pauses:
#   noise        random bytes from the first one (1 byte to 200 KiB);
#   long frame   a frame head whose len is legal (up to 1 MiB), then part of
#                it, then a hang-up, or silence until the idle timeout;
#   flipped      the stream's own bytes, one byte of the HELLO's len, kind,
#                flags, magic or N changed (so no frame of it is valid);
#   hello+noise  a HELLO with the service's N, then random bytes (or none),
#                or a block, attestation or FINALIZE frame of a wrong size;
#   wrong N      a HELLO with another N, then the rest of the stream.
# Half of them connect before the valid peer (they cannot bind the store:
# their heads are no stream), the rest once it is bound, all at the same
# time. None of them can carry a valid item or a t_ms, so the valid peer's
# result must be exactly the file run's: the store equals that of `run
# --input` of the same stream, byte for byte (sqlite3 .dump, the stream
# binding included). Checked besides: the run exits 0, every garbage
# connection is closed with one logged line (malformed, mismatched, idle, or
# a hang-up), the summary counts 1 ended and the GARBAGE others, and no
# sanitizer report.
# Usage: tests/e2e/quarantine_tcp_garbage.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
Q=$B/bin/quarantine
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
[ -x "$Q" ] || fail "$Q is not built"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed to compare stores"
command -v python3 >/dev/null || fail "python3 is needed for the garbage peers"
cd "$T" || fail "cd $T"

# Sanitizer builds are several times slower: a smaller stream, a longer idle timeout.
if [ -n "$(sanitizer "$Q")" ]; then V=256; IDLE=6000; PACE=x400; else V=512; IDLE=1500; PACE=x1000; fi
GARBAGE=16
SEED=${WEFT_GARBAGE_SEED:-5}
$Q gen --validators "$V" --epochs 4 --seed 43 --out a.wq >gen.log 2>&1 || { cat gen.log; fail "gen"; }
$Q run --input a.wq --db ref.db --workers 2 >ref.log 2>&1 || { cat ref.log; fail "the file run"; }
sqlite3 ref.db .dump >ref.sql

# the garbage peers: python3 garbage.py PORT FIRST COUNT SEED N BOUND connects
# COUNT of them (numbers FIRST..), all at once, and waits until each is done
cat >garbage.py <<'EOF'
import random, socket, struct, sys, threading, time
port, first, count, seed, v, bound = (int(a) for a in sys.argv[1:7])
stream = open('a.wq', 'rb').read()

def bad_frame_head(b):
    """True when the 16 bytes b cannot start a valid frame after a HELLO."""
    n, kind, flags = struct.unpack_from('<IBB', b)
    return not (12 <= n <= 1 << 20) or kind > 5 or flags != 0 or kind == 0

def hello(n):
    return struct.pack('<IBBHQ4sI', 20, 0, 0, 0, 0, b'WQ01', n)

def is_hello(b):
    """True when b starts with a well-formed HELLO (q_head_validators)."""
    return (len(b) >= 24 and struct.unpack_from('<I', b)[0] == 20 and b[4] == 0 and b[5] == 0
            and b[16:20] == b'WQ01' and struct.unpack_from('<I', b, 20)[0] != 0)

def garbage(i, r, bound):
    """(bytes, stay open until the server closes) of garbage peer i. Before
    the valid peer bound the store (not bound) only kinds whose head is no
    HELLO: a head that is one would bind the store itself."""
    k = i % 5 if bound else i % 3
    if k == 0:  # noise
        b = r.randbytes(r.choice([1, 15, 16, 23, 24, 100, 5000, 70000, 200000]))
        while is_hello(b):
            b = r.randbytes(len(b))
        return b, r.random() < 0.3
    if k == 1:  # a long frame, cut
        n = r.randrange(12, (1 << 20) + 1)
        b = struct.pack('<I', n) + r.randbytes(r.randrange(0, min(n, 300000)))
        while is_hello(b):
            b = struct.pack('<I', n) + r.randbytes(len(b) - 4)
        return b, r.random() < 0.5
    if k == 2:  # the stream, its HELLO flipped where it stops being one (N: mismatched)
        b = bytearray(stream[:r.randrange(24, 100000)])
        pos = r.choice([0, 1, 2, 3, 4, 5, 16, 17, 18, 19] + ([20, 21, 22, 23] if bound else []))
        b[pos] ^= r.randrange(1, 256)
        return bytes(b), False
    if k == 3:  # HELLO, then noise that is no frame, or an item of a wrong size
        if r.random() < 0.5:
            kind, n = r.choice([(1, r.randrange(0, 176)), (2, r.choice([0, 199, 201, 4000])), (4, r.choice([8, 39, 41]))])
            return hello(v) + struct.pack('<IBBHQ', 12 + n, kind, 0, 0, 0) + r.randbytes(n), r.random() < 0.3
        b = r.randbytes(r.choice([0, 16, 100, 5000, 70000]))  # 0: a hang-up after the HELLO
        while b and not bad_frame_head(b):
            b = r.randbytes(len(b))
        return hello(v) + b, r.random() < 0.3
    # another N, then the stream
    return hello(v + r.randrange(1, 1000)) + stream[24:24 + r.randrange(0, 50000)], False

def peer(i):
    r = random.Random(seed * 1000 + i)
    b, stay = garbage(i, r, bound)
    s = socket.create_connection(('127.0.0.1', port))
    try:
        o = 0
        while o < len(b):
            n = min(len(b) - o, r.choice([1, 7, 100, 1500, 65536]))
            s.sendall(b[o:o + n])
            o += n
            if r.random() < 0.05:
                time.sleep(r.random() * 0.05)
        if stay:  # until the server closes it (idle timeout, or the error)
            s.settimeout(120)
            while s.recv(65536):
                pass
    except OSError:
        pass  # the server closed it while we were writing: the point
    finally:
        s.close()

ts = [threading.Thread(target=peer, args=(i,)) for i in range(first, first + count)]
for t in ts:
    t.start()
for t in ts:
    t.join()
EOF

: >run.err
$Q run --listen 127.0.0.1:0 --db tcp.db --workers 2 --peers $((GARBAGE + 1)) --idle-timeout "$IDLE" \
    >run.out 2>run.err &
pid=$!
pids+=("$pid")
port=
for _ in $(seq 200); do
    port=$(sed -n "s/^${LOGP}quarantine run: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p" run.err)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
[ -n "$port" ] || { cat run.err; fail "the listening run logged no port"; }

half=$((GARBAGE / 2))
python3 garbage.py "$port" 0 "$half" "$SEED" "$V" 0 2>before.err &
before=$!
pids+=("$before")
$Q feed a.wq --connect "127.0.0.1:$port" --pace "$PACE" >feed.log 2>&1 &
feeder=$!
pids+=("$feeder")
for _ in $(seq 400); do grep -q "bound to the head of peer" run.err && break; sleep 0.025; done
grep -q "bound to the head of peer" run.err || { cat run.err; fail "the valid peer did not bind the store"; }
python3 garbage.py "$port" "$half" $((GARBAGE - half)) "$SEED" "$V" 1 2>after.err
wait "$before" || { cat before.err; fail "the garbage peers before the binding"; }
wait "$feeder" || { cat feed.log; fail "the valid peer's feed"; }
wait "$pid"
rc=$?
[ "$rc" = 0 ] || { cat run.err; fail "the listening run exited $rc"; }

sqlite3 tcp.db .dump | cmp -s ref.sql - || {
    sqlite3 tcp.db .dump | diff ref.sql - | head -20
    fail "the valid peer's store differs from the file run's"
}
ended=$(grep -c "ended: END after" run.err)
closed=$(grep -c "closed: \|hung up" run.err)
[ "$ended" = 1 ] || { cat run.err; fail "$ended peers ended with END, not 1"; }
[ "$closed" = "$GARBAGE" ] || { cat run.err; fail "$closed garbage peers closed with a logged line, not $GARBAGE"; }
line=$(grep "^  peers:" run.out)
read -r conn refused e h m mm to cut <<<"$(echo "$line" | sed 's/[^0-9 ]//g')"
[ "$conn" = $((GARBAGE + 1)) ] && [ "$refused" = 0 ] && [ "$e" = 1 ] && [ "$cut" = 0 ] &&
    [ $((h + m + mm + to)) = "$GARBAGE" ] || { echo "$line"; fail "the summary's peers"; }
! grep -q "Sanitizer\|runtime error" run.err || { cat run.err; fail "a sanitizer report"; }
echo "$GARBAGE garbage peers (seed $SEED): $h hung up, $m malformed, $mm mismatched, $to idle; the valid peer's store is the file run's ($(wc -l <ref.sql) lines of .dump)"
grep "closed: \|hung up" run.err | sed "s/^${LOGP}quarantine run: /  /" | cut -c1-150
finish
