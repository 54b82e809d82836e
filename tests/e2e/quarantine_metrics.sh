#!/usr/bin/env bash
# End-to-end test of `quarantine run --metrics HOST:PORT` (issue 11 item 2)
# and of the log lines' form, on 127.0.0.1 only:
#   1. a listening run fed at a pace is scraped during the run: every series
#      the issue names is there, with its type; each scrape parses as text
#      exposition 0.0.4 (a strict reading in tests/common/prom.py, then the
#      prometheus_client parser); counters and histograms never go down from
#      one scrape to the next, and some go up; bad requests get their 4xx
#      and 6 clients scraping at once 150 times all get their 200 (each
#      counted by the server) while the run goes on; once every frame is applied the last scrape
#      equals the run's summary (stopped by SIGTERM, which applies no END:
#      nothing changes between that scrape and the summary), and the store,
#      fed again, is the file run's: the scrapes did not touch the run;
#   2. the same for a file run (a named pipe holding the stream but its END);
#   3. a bad --metrics value, an unknown host and a port in use fail with
#      exit 1 and a message naming the flag, before the store is touched;
#   4. every line the runs logged has the timestamp and a level.
# Usage: tests/e2e/quarantine_metrics.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
Q=$B/bin/quarantine
# the parser is Debian's python3-prometheus-client (DEPS_TEST), installed for
# the system's python3: take that one when another python3 comes first in PATH
PY=python3
$PY -c 'import prometheus_client' 2>/dev/null || PY=/usr/bin/python3
P="$PY $root/tests/common/prom.py"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    exec 3>&- 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
committed() { sqlite3 "$1" "SELECT value FROM counters WHERE name = 'store_events'" 2>/dev/null || true; }
[ -x "$Q" ] || fail "$Q is not built"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed to compare stores"
$PY -c 'import prometheus_client' 2>/dev/null || fail "python3-prometheus-client is needed (the Makefile's DEPS_TEST)"
cd "$T" || fail "cd $T"

if [ -n "$(sanitizer "$Q")" ]; then V=256; PACE=x100; else V=512; PACE=x200; fi
$Q gen --validators "$V" --epochs 4 --seed 61 --out a.wq >gen.log 2>&1 || { cat gen.log; fail "gen"; }
$Q run --input a.wq --db ref.db --workers 2 >ref.log 2>&1 || { cat ref.log; fail "the file run"; }
sqlite3 ref.db .dump >ref.sql
# the stream's frames, and the bytes before its END (the last frame, 16 bytes)
read -r frames noend <<<"$(python3 - <<'EOF'
import struct
b = open('a.wq', 'rb').read(); o = n = 0; last = 0
while o < len(b): last = o; o += 4 + struct.unpack_from('<I', b, o)[0]; n += 1
assert b[last + 4] == 5 and o - last == 16, 'the last frame is not an END'
print(n, last)
EOF
)"
[ -n "$noend" ] || fail "cannot read the frames of a.wq"

# start NAME ARGS...: a run in the background (stdout NAME.out, log NAME.err)
# with --metrics 127.0.0.1:0; waits for its metrics port ($mport), and for
# the listening port ($port) when it listens. Sets $pid.
start() {
    local name=$1
    shift
    : >"$name.err"
    $Q run --metrics 127.0.0.1:0 --workers 2 "$@" >"$name.out" 2>"$name.err" &
    pid=$!
    pids+=("$pid")
    mport= port=
    for _ in $(seq 200); do
        mport=$(sed -n "s|^${LOGP}quarantine run: metrics on http://127\.0\.0\.1:\([0-9][0-9]*\)/metrics$|\1|p" "$name.err")
        port=$(sed -n "s/^${LOGP}quarantine run: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p" "$name.err")
        [ -n "$mport" ] && { [ -n "$port" ] || [ "$1" != --listen ]; } && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    cat "$name.err"
    fail "$name: the run logged no metrics address"
}
# applied FILE: frames the engine applied, from a scrape
applied() { $P value "$1" quarantine_frames_total; }
# settle NAME WANT: scrapes until WANT frames are applied; the last scrape is NAME.last
settle() {
    for _ in $(seq 600); do
        $P scrape "$mport" "$1.last" >/dev/null || fail "$1: a scrape failed"
        [ "$(applied "$1.last")" = "$2" ] && return 0
        sleep 0.05
    done
    fail "$1: $(applied "$1.last") of $2 frames applied"
}

# ---------------------------------------------------------------- 1. a listening run
start net --listen 127.0.0.1:0 --db net.db
$P scrape "$mport" s0 >/dev/null || fail "the scrape before any peer"
[ "$($P value s0 quarantine_received_total)" = 0 ] || fail "items received before any peer"
$Q feed a.wq --connect "127.0.0.1:$port" --pace "$PACE" >feed.log 2>&1 &
feeder=$!
pids+=("$feeder")
for _ in $(seq 400); do
    $P scrape "$mport" s1 >/dev/null || fail "scrape 1"
    [ "$($P value s1 quarantine_received_total)" -gt 0 ] && break
    sleep 0.05
done
[ "$($P value s1 quarantine_peers_connected)" = 1 ] || fail "scrape 1: not 1 peer connected"
sleep 0.5
$P scrape "$mport" s2 >/dev/null || fail "scrape 2"
kill -0 "$feeder" 2>/dev/null || fail "the feed ended before the second scrape: a slower --pace is needed"
$P mono s1 s2 || fail "from scrape 1 to scrape 2"
$P bad "$mport" || fail "bad requests" # the run goes on meanwhile (no --peers: until SIGTERM)
$P storm "$mport" 6 25 || fail "many scrapes at once"
wait "$feeder" || { cat feed.log; fail "the feed"; }
settle net $((frames - 1)) # all but the END, which the reader takes
$P mono s2 net.last || fail "from scrape 2 to the last one"
[ "$($P value net.last quarantine_peers_connected)" = 0 ] || fail "a peer still connected after its END"
[ "$($P value net.last quarantine_input_queue_depth)" = 0 ] || fail "frames in the input queue at the end"
[ "$($P value net.last quarantine_metrics_requests_total code=405)" = 1 ] || fail "the 405 was not counted"
[ "$($P value net.last quarantine_metrics_requests_total code=503)" = 1 ] || fail "the 503 was not counted"
kill -TERM "$pid"
wait "$pid" || { cat net.err; fail "the listening run stopped by SIGTERM"; }
$P summary net.last net.out || fail "the listening run's last scrape and its summary"
[ "$($P value net.last quarantine_store_events_committed)" -le "$(committed net.db)" ] || fail "the committed gauge"
start net2 --listen 127.0.0.1:0 --db net.db --peers 1
$Q feed a.wq --connect "127.0.0.1:$port" >feed.log 2>&1 || { cat feed.log; fail "the feed to complete the store"; }
wait "$pid" || { cat net2.err; fail "the run completing the store"; }
sqlite3 net.db .dump | cmp -s ref.sql - || fail "the listening run's store, completed, differs from the file run's"
echo "listening run: $($P value net.last quarantine_received_total) items, $(grep -c '' net.last) lines of exposition; the store is the file run's"

# ---------------------------------------------------------------- 2. a file run
mkfifo pipe
start file --input pipe --db file.db
exec 3>pipe
half=$((noend / 2))
head -c "$half" a.wq >&3
for _ in $(seq 400); do
    $P scrape "$mport" f1 >/dev/null || fail "the file run's first scrape"
    [ "$($P value f1 quarantine_received_total)" -gt 0 ] && break
    sleep 0.05
done
tail -c +$((half + 1)) a.wq | head -c $((noend - half)) >&3 # the rest but its END: the run waits for more
settle file $((frames - 1))
$P mono f1 file.last || fail "the file run's counters"
kill -TERM "$pid"
wait "$pid"
rc=$?
exec 3>&-
[ "$rc" = 1 ] || { cat file.err; fail "the file run stopped by SIGTERM exited $rc, not 1"; }
$P summary file.last file.out || fail "the file run's last scrape and its summary"
$Q run --input a.wq --db file.db --workers 2 >file2.log 2>&1 || { cat file2.log; fail "the file run's rerun"; }
sqlite3 file.db .dump | cmp -s ref.sql - || fail "the file run's store, completed, differs"
echo "file run: the last scrape equals the summary; the store, completed, is the uninterrupted one"

# ---------------------------------------------------------------- 3. bad values
start busy --listen 127.0.0.1:0 --db busy.db
for v in 7411 nosuchhost.invalid:1 "127.0.0.1:$mport" "127.0.0.1:$port"; do
    $Q run --input a.wq --db x.db --metrics "$v" >x.out 2>x.err
    rc=$?
    [ "$rc" = 1 ] || { cat x.err; fail "--metrics $v: exit $rc, not 1"; }
    grep -q "^${LOGP}quarantine run: --metrics $v: " x.err || { cat x.err; fail "--metrics $v: the message"; }
    [ ! -e x.db ] && [ ! -e x.db.lock ] || fail "--metrics $v: the store was created"
    case $v in 127.0.0.1:*) grep -q ": Address already in use$" x.err || { cat x.err; fail "--metrics $v: not in use"; } ;; esac
    echo "bad value: $(sed "s/^${LOGP}quarantine run: //" x.err)"
done
kill -TERM "$pid"
wait "$pid" || fail "the idle listening run stopped by SIGTERM"

# ---------------------------------------------------------------- 4. the log lines
n=0
for f in net.err net2.err file.err busy.err; do
    bad_lines=$(grep -vc "^${LOGP}quarantine run: " "$f")
    [ "$bad_lines" = 0 ] || { grep -v "^${LOGP}quarantine run: " "$f"; fail "$f: $bad_lines lines without the timestamp and level"; }
    n=$((n + $(grep -c '' "$f")))
done
grep -q "^${LOGP}" x.err || fail "an error line without the prefix"
grep -q " warn quarantine run: SIGTERM; everything taken" net.err || { cat net.err; fail "the SIGTERM line is not a warning"; }
grep -q " info quarantine run: peer .* ended: END after" net2.err || { cat net2.err; fail "the END line is not info"; }
echo "log lines: all $n carry the timestamp and a level, e.g. $(head -1 net.err)"
finish
