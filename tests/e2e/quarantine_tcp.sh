#!/usr/bin/env bash
# End-to-end test of the quarantine over TCP (`run --listen`, `feed`; issue
# 11 item 1), on 127.0.0.1 only, each listening run on a port it picked
# itself (--listen 127.0.0.1:0 logs the one it got):
#   1. one connection carrying a stream gives the file run's store, byte for
#      byte (sqlite3 .dump, the stream binding included);
#   2. four connections give a store that passes `check --order any` (every
#      invariant of spec section 7, the items all received, each offence
#      reported once), and the run's summary accounts for every frame;
#   3. a peer that stalls inside a frame, a peer that never sends a byte and
#      a peer with another validator count hold up nobody: the valid peer's
#      stream completes first, to the file run's store; the stalled and
#      silent peers are closed when idle, the other one at its HELLO;
#   4. a malformed frame closes its peer with a line naming the address, the
#      byte offset and the reason, while another peer completes (the file
#      run's store); a stream cut and ended by a malformed frame keeps every
#      row it cleared before it (the rows of the file run of the same bytes);
#   5. a connection beyond --max-peers is refused with a logged reason, and
#      a peer after the slot came free is served;
#   6. SIGTERM stops a listening run mid-stream: exit 0, the summary, every
#      row it took committed; a second listening run fed the whole stream
#      resumes that store to the file run's; SIGTERM stops a file run the
#      same way (exit 1, rerun completes it);
#   7. a peer flooding TICKs as fast as it can does not starve a valid peer;
#   8. a bad --listen address or a port in use fails before the store is
#      touched; bad flags of run and feed are usage errors;
#   9. a store started on another stream refuses the listening run, unchanged.
# Section 1 also runs with an input queue of 4 frames (back-pressure at
# every turn): the same store, nothing dropped.
# Usage: tests/e2e/quarantine_tcp.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
Q=$B/bin/quarantine
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
committed() { sqlite3 "$1" "SELECT value FROM counters WHERE name = 'store_events'" 2>/dev/null || true; }
rows() { sqlite3 "$1" "SELECT (SELECT count(*) FROM blocks) + (SELECT count(*) FROM attestations) + (SELECT count(*) FROM rejects) + (SELECT count(*) FROM slashings)"; }
[ -x "$Q" ] || fail "$Q is not built"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed to compare stores"
cd "$T" || fail "cd $T"

# Sanitizer builds are several times slower: a smaller stream, longer waits.
if [ -n "$(sanitizer "$Q")" ]; then V=256; IDLE=10000; else V=512; IDLE=3000; fi
command -v python3 >/dev/null || fail "python3 is needed to write frames by hand"
$Q gen --validators "$V" --epochs 4 --seed 41 --out a.wq >gen.log 2>&1 || { cat gen.log; fail "gen a"; }
$Q gen --validators "$V" --epochs 4 --seed 42 --out b.wq >gen.log 2>&1 || { cat gen.log; fail "gen b"; }
# a HELLO (spec section 3) with twice the validators
python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<IBBHQ4sI", 20, 0, 0, 0, 0, b"WQ01", int(sys.argv[1])))' \
    $((V * 2)) >c.hello || fail "python3 could not write a HELLO"
$Q run --input a.wq --db ref.db --workers 2 >ref.log 2>&1 || { cat ref.log; fail "the file run of a"; }
sqlite3 ref.db .dump >ref.sql

. "$root/tests/common/listen.sh"   # listen NAME DB [FLAGS...], await NAME STATUS

# logged NAME PATTERN: waits (a few seconds at most) for a line of NAME.err
logged() {
    for _ in $(seq 200); do grep -q "$2" "$1.err" && return 0; sleep 0.05; done
    cat "$1.err"
    fail "$1: no line '$2' in the log"
}
# boundary FILE N: the offset of the frame of FILE that holds byte N (the
# last frame boundary at or before N)
boundary() {
    python3 - "$1" "$2" <<'EOF'
import struct, sys
b = open(sys.argv[1], 'rb').read(); o = 0; n = int(sys.argv[2])
while o + 4 <= len(b) and o + 4 + struct.unpack_from('<I', b, o)[0] <= n: o += 4 + struct.unpack_from('<I', b, o)[0]
print(o)
EOF
}
same_as_ref() { sqlite3 "$1" .dump | cmp -s ref.sql - || fail "$2: the store differs from the file run's"; }

# ---------------------------------------------------------------- 1. one connection = the file run
listen one one.db --peers 1
$Q feed a.wq --connect "127.0.0.1:$port" >feed.log 2>&1 || { cat feed.log; fail "feed over one connection"; }
await one 0
same_as_ref one.db "one connection"
grep -q "^  peers: 1 connected, 0 refused; closed: 1 ended," one.out || { cat one.out; fail "one: the summary's peers"; }
echo "one connection: the store is the file run's, byte for byte ($(wc -l <ref.sql) lines of .dump)"
# an input queue of 4 frames: the reader stops reading at once and often (back-pressure), never drops
listen q4 q4.db --peers 1 --queue 4
$Q feed a.wq --connect "127.0.0.1:$port" >feed.log 2>&1 || { cat feed.log; fail "feed to --queue 4"; }
await q4 0
same_as_ref q4.db "one connection, --queue 4"
echo "one connection, --queue 4: the same store"

# ---------------------------------------------------------------- 2. four connections pass check
listen four four.db --peers 4
$Q feed a.wq --connect "127.0.0.1:$port" --connections 4 >feed.log 2>&1 || { cat feed.log; fail "feed over 4"; }
await four 0
$Q check --db four.db --expected a.wq.expected --order any >check.log 2>&1 || { cat check.log; fail "four: check --order any"; }
[ "$(grep -c "ended: END after" four.err)" = 4 ] || { cat four.err; fail "four: not 4 peers ended"; }
line=$(grep "^  frames from peers:" four.out)
read -r f q i c u <<<"$(echo "$line" | sed 's/[^0-9 ]//g')"
[ "$f" = $((q + c + u)) ] || fail "four: frames $f != queued $q + HELLO/END $c + unqueued $u"
[ "$c" = 7 ] && [ "$u" = 0 ] || fail "four: $c HELLO/END taken (3 HELLO and 4 END expected), $u unqueued"
received=$(sqlite3 four.db "SELECT value FROM counters WHERE name = 'received'")
[ "$i" = "$received" ] || fail "four: $i items queued but the store received $received"
frames=$(grep -o '^feed: [0-9]*' feed.log | cut -d' ' -f2)
[ "$f" = $((frames + 6)) ] || fail "four: $f frames decoded, the feed sent $frames (+3 HELLO, +3 END)"
echo "four connections: $(cat check.log)"
echo "  $(sed 's/^ *//' <<<"$line")"

# ---------------------------------------------------------------- 3. stalled, silent, mismatched peers
listen slow slow.db --peers 4 --idle-timeout "$IDLE"
exec 5<>"/dev/tcp/127.0.0.1/$port" 6<>"/dev/tcp/127.0.0.1/$port" 7<>"/dev/tcp/127.0.0.1/$port"
stall=$(boundary a.wq 60)
[ "$stall" -ge 24 ] && [ "$stall" -lt 60 ] || fail "no frame boundary between 24 and 60 in a.wq ($stall)"
head -c 60 a.wq >&5 # HELLO, whole frames up to $stall, part of the frame there, then nothing
cat c.hello >&7
t0=$(date +%s%3N)
$Q feed a.wq --connect "127.0.0.1:$port" >feed.log 2>&1 || { cat feed.log; fail "feed beside stalled peers"; }
logged slow "ended: END after"
t1=$(date +%s%3N)
await slow 0
exec 5>&- 6>&- 7>&-
same_as_ref slow.db "beside stalled peers"
[ "$(grep -c "closed: idle for $IDLE ms" slow.err)" = 2 ] || { cat slow.err; fail "slow: the stalled and silent peers were not closed as idle"; }
grep -q "closed: idle for $IDLE ms, at byte offset $stall$" slow.err || { cat slow.err; fail "slow: the stalled peer's offset"; }
grep -q "closed: byte offset 0: HELLO with $((V * 2)) validators, the service has $V$" slow.err ||
    { cat slow.err; fail "slow: the mismatched peer"; }
# the valid peer ended before the idle ones were closed: nobody held it up
[ "$(grep -n "ended: END after" slow.err | cut -d: -f1)" -lt "$(grep -n "idle for" slow.err | head -1 | cut -d: -f1)" ] ||
    { cat slow.err; fail "slow: the valid peer ended after the idle peers were closed"; }
grep -q "^  peers: 4 connected, 0 refused; closed: 1 ended, 0 hung_up, 0 malformed, 1 mismatched, 2 timed_out, 0 cut$" slow.out ||
    { cat slow.out; fail "slow: the summary's peers"; }
echo "stalled, silent and mismatched peers: the valid one ended in $((t1 - t0)) ms, the file run's store"
grep "closed:" slow.err | sed 's/^/  /'

# ---------------------------------------------------------------- 4. a malformed peer
listen bad bad.db --peers 2
exec 5<>"/dev/tcp/127.0.0.1/$port"
{ head -c 24 a.wq; printf '\x0c\x00\x00\x00\x03\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'; } >&5 # TICK, flags 1
$Q feed a.wq --connect "127.0.0.1:$port" >feed.log 2>&1 || { cat feed.log; fail "feed beside a malformed peer"; }
await bad 0
exec 5>&-
grep -q "^${LOGP}quarantine run: peer 127\.0\.0\.1:[0-9]* closed: byte offset 24: bad_flags: " bad.err ||
    { cat bad.err; fail "bad: no line with the peer, the offset and the reason"; }
grep -q "closed: 1 ended, 0 hung_up, 1 malformed," bad.out || { cat bad.out; fail "bad: the summary's peers"; }
same_as_ref bad.db "beside a malformed peer"
echo "malformed peer: $(grep 'bad_flags' bad.err | sed "s/^${LOGP}quarantine run: //")"
# a stream cut at a frame boundary and ended by a malformed frame, alone
half=$(boundary a.wq $(($(stat -c %s a.wq) / 2)))
[ -n "$half" ] || fail "no frame boundary found in a.wq"
{
    { head -c "$half" a.wq; printf '\x0c\x00\x00\x00\x03\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'; } >cut.wq
    $Q run --input cut.wq --db cutf.db --workers 2 >cutf.log 2>&1
    [ $? = 1 ] || { cat cutf.log; fail "the file run of the cut stream did not exit 1"; }
    listen cut cutt.db --peers 1
    exec 5<>"/dev/tcp/127.0.0.1/$port"
    cat cut.wq >&5
    await cut 0
    exec 5>&-
    grep -q "closed: byte offset $half: bad_flags: " cut.err || { cat cut.err; fail "cut: no line at byte offset $half"; }
    for tab in blocks attestations; do
        [ "$(sqlite3 cutf.db "SELECT * FROM $tab ORDER BY seq" | md5sum)" = "$(sqlite3 cutt.db "SELECT * FROM $tab ORDER BY seq" | md5sum)" ] ||
            fail "cut: the $tab cleared before the malformed frame differ from the file run's"
    done
    echo "a stream ended by a malformed frame at byte $half: its $(sqlite3 cutt.db 'SELECT count(*) FROM blocks') blocks and $(sqlite3 cutt.db 'SELECT count(*) FROM attestations') attestations cleared before it are kept"
}

# ---------------------------------------------------------------- 5. --max-peers
listen max max.db --peers 2 --max-peers 1
exec 6<>"/dev/tcp/127.0.0.1/$port"
logged max "connected"
exec 7<>"/dev/tcp/127.0.0.1/$port"
logged max "refused: 1 peers are connected (--max-peers 1)"
exec 7>&- 6>&- # the first one hangs up without a byte
logged max "hung up before its HELLO"
$Q feed a.wq --connect "127.0.0.1:$port" >feed.log 2>&1 || { cat feed.log; fail "feed after the slot came free"; }
await max 0
same_as_ref max.db "after a refusal"
grep -q "^  peers: 2 connected, 1 refused;" max.out || { cat max.out; fail "max: the summary's peers"; }
echo "max-peers: $(grep refused max.err | sed "s/^${LOGP}quarantine run: //")"

# ---------------------------------------------------------------- 6. SIGTERM
listen term term.db
# its port is taken: a second listening run on it fails before touching its store
$Q run --listen "127.0.0.1:$port" --db busy.db >busy.out 2>busy.err
[ $? = 1 ] || { cat busy.err; fail "a second run on a port in use did not exit 1"; }
grep -q "^${LOGP}quarantine run: --listen 127.0.0.1:$port: Address already in use$" busy.err || { cat busy.err; fail "busy: the message"; }
[ ! -e busy.db ] && [ ! -e busy.db.lock ] || fail "a run on a port in use created its store"
$Q feed a.wq --connect "127.0.0.1:$port" --pace x400 >feed.log 2>&1 &
feeder=$!
pids+=("$feeder")
for _ in $(seq 400); do [ "$(committed term.db)" -gt 0 ] 2>/dev/null && break; sleep 0.02; done
kill -TERM "$pid"
await term 0
kill "$feeder" 2>/dev/null
wait "$feeder" 2>/dev/null
logged term "SIGTERM; everything taken before it is applied and committed"
grep -q "^run: [0-9]* items" term.out || { cat term.out; fail "term: no summary"; }
k=$(committed term.db)
full=$(committed ref.db)
[ "${k:-0}" -gt 0 ] && [ "$k" -lt "$full" ] || fail "term: $k of $full row events committed, not part-way"
[ "$(rows term.db)" = "$k" ] || fail "term: the store holds $(rows term.db) rows, its marker says $k"
listen term2 term.db --peers 1
$Q feed a.wq --connect "127.0.0.1:$port" >feed.log 2>&1 || { cat feed.log; fail "feed to resume"; }
await term2 0
grep -q "resumed: $k events" term2.out || { head -3 term2.out; fail "term2: did not resume after $k row events"; }
same_as_ref term.db "SIGTERM, then the whole stream again"
echo "SIGTERM: a listening run committed $k of $full row events and printed its summary; fed again, the store is whole"
# a file run, through a named pipe that stays open mid-stream
mkfifo pipe
$Q run --input pipe --db fterm.db --workers 2 >fterm.out 2>fterm.err &
pid=$!
pids+=("$pid")
exec 3>pipe
size=$(stat -c %s a.wq)
head -c $((size / 2)) a.wq >&3
for _ in $(seq 400); do [ "$(committed fterm.db)" -gt 0 ] 2>/dev/null && break; sleep 0.02; done
kill -TERM "$pid"
await fterm 1
exec 3>&-
grep -q "SIGTERM: stopped reading pipe at byte offset" fterm.err || { cat fterm.err; fail "fterm: no word of the signal"; }
grep -q "^run: [0-9]* items" fterm.out || { cat fterm.out; fail "fterm: no summary"; }
k=$(committed fterm.db)
[ "$(rows fterm.db)" = "$k" ] && [ "${k:-0}" -gt 0 ] || fail "fterm: $(rows fterm.db) rows, marker $k"
$Q run --input a.wq --db fterm.db --workers 2 >fterm2.log 2>&1 || { cat fterm2.log; fail "fterm: the rerun"; }
same_as_ref fterm.db "a file run stopped by SIGTERM, then rerun"
echo "SIGTERM: a file run committed $k row events, exit 1; the rerun completed the store"

# ---------------------------------------------------------------- 7. a flooding peer
# NF TICKs at t_ms 0 (valid: t_ms never decreases; processed at the virtual
# time, they change nothing) and END, sent as fast as the socket takes them,
# beside a valid peer: the valid one is not starved, it ends first, and the
# rows are the file run's (the store is bound to whichever head came first)
if [ -n "$(sanitizer "$Q")" ]; then NF=100000; else NF=300000; fi
python3 -c 'import struct, sys
t = struct.pack("<IBBHQ", 12, 3, 0, 0, 0); e = struct.pack("<IBBHQ", 12, 5, 0, 0, 0)
sys.stdout.buffer.write(open("a.wq", "rb").read(24) + t * int(sys.argv[1]) + e)' "$NF" >flood.wq || fail "python3: flood.wq"
listen flood flood.db --peers 2
cat flood.wq >"/dev/tcp/127.0.0.1/$port" &
pids+=("$!")
$Q feed a.wq --connect "127.0.0.1:$port" >feed.log 2>&1 || { cat feed.log; fail "feed beside a flooding peer"; }
await flood 0
valid=$(grep -n "ended: END after" flood.err | grep -v "after $((NF + 2)) frames" | cut -d: -f1)
flooder=$(grep -n "ended: END after $((NF + 2)) frames" flood.err | cut -d: -f1)
[ -n "$valid" ] && [ -n "$flooder" ] && [ "$valid" -lt "$flooder" ] || { cat flood.err; fail "flood: the valid peer did not end first"; }
sqlite3 flood.db .dump | grep -v '^INSERT INTO stream' >flood.sql
grep -v '^INSERT INTO stream' ref.sql | cmp -s - flood.sql || fail "flood: the rows differ from the file run's"
echo "a peer flooding $NF TICKs: the valid peer ended first, with the file run's rows"

# ---------------------------------------------------------------- 8. bad addresses and flags
$Q run --listen nosuchhost.invalid:1 --db nh.db >/dev/null 2>nh.err
[ $? = 1 ] && grep -q "^${LOGP}quarantine run: --listen nosuchhost.invalid:1: " nh.err || { cat nh.err; fail "a bad --listen host"; }
[ ! -e nh.db ] && [ ! -e nh.db.lock ] || fail "a bad --listen host created the store"
for args in "--db x.db" "--db x.db --input a.wq --listen 127.0.0.1:0" "--db x.db --input a.wq --peers 2"; do
    # shellcheck disable=SC2086
    $Q run $args >/dev/null 2>u.err
    rc=$?
    [ "$rc" = 2 ] && grep -q "^usage: quarantine run" u.err || { cat u.err; fail "run $args: exit $rc, not a usage error"; }
done
$Q run --db x.db --listen 7411 >/dev/null 2>u.err
[ $? = 1 ] && grep -q "^${LOGP}quarantine run: --listen 7411: wants HOST:PORT$" u.err || { cat u.err; fail "--listen 7411"; }
[ ! -e x.db ] || fail "a bad --listen created the store"
$Q feed --connect 127.0.0.1:1 >/dev/null 2>&1; [ $? = 2 ] || fail "feed without FILE did not exit 2"
$Q feed a.wq --connect 127.0.0.1:1 --pace x0 >/dev/null 2>&1; [ $? = 2 ] || fail "feed --pace x0 did not exit 2"
echo "bad addresses and flags: exit 1 or 2, nothing created"

# ---------------------------------------------------------------- 9. another stream
fp=$(sqlite3 ref.db .dump | md5sum)
listen other ref.db --peers 1
$Q feed b.wq --connect "127.0.0.1:$port" >feed.log 2>&1
await other 1
grep -q "database ref.db was started on another stream than the stream of peer 127\.0\.0\.1:[0-9]*" other.err ||
    { cat other.err; fail "other: not refused naming the peer's stream"; }
[ "$(sqlite3 ref.db .dump | md5sum)" = "$fp" ] || fail "other: the refused run changed the store"
echo "another stream: $(grep 'another stream' other.err | sed "s/^${LOGP}quarantine run: //" | cut -c1-120)..."
echo "ok"
