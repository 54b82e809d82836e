#!/usr/bin/env bash
# Restart safety over TCP (issue 11 item 6, spec section 6): a listening run
# (`run --listen --peers 1`) fed one stream over one connection is SIGKILLed
# part-way, started again on the same --db and fed the same stream again from
# its first byte; the store then equals, byte for byte (sqlite3 .dump, the
# stream binding included), the store of an uninterrupted listening run, which
# is also the file run's, and passes `quarantine check`. The kills:
#   1. once the first commit is in (a store holding a few rows);
#   2. about a third and two thirds of the way (by committed row events);
#   3. killed, then its resumed run killed again later, then resumed;
#   4. before any peer came (the store is left as it was: absent);
#   5. after the feeder had sent the whole stream (into the socket buffers;
#      the run's input queue is 1 frame) and the run's first commit, while
#      the rest of the stream waits in the buffers.
# The kills of 1-3 must land part-way (the store holds some, not all, of
# the rows), else the test says it did not test what it claims and fails.
# Usage: tests/e2e/quarantine_tcp_kill.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
Q=$B/bin/quarantine
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
committed() { sqlite3 "$1" "SELECT value FROM counters WHERE name = 'store_events'" 2>/dev/null || true; }
[ -x "$Q" ] || fail "$Q is not built"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed to compare stores"
cd "$T" || fail "cd $T"

# Sanitizer builds are several times slower: a smaller stream, a slower pace.
if [ -n "$(sanitizer "$Q")" ]; then V=256; PACE=x200; else V=512; PACE=x400; fi
$Q gen --validators "$V" --epochs 4 --seed 51 --out a.wq >gen.log 2>&1 || { cat gen.log; fail "gen"; }

. "$root/tests/common/listen.sh"   # listen NAME DB [FLAGS...], await NAME STATUS

# feed_bg [FLAGS...]: feeds a.wq to $port in the background; sets $feeder
feed_bg() {
    $Q feed a.wq --connect "127.0.0.1:$port" "$@" >feed.log 2>&1 &
    feeder=$!
    pids+=("$feeder")
}
# kill_at NAME WANT: SIGKILLs the run $pid once its store has committed WANT
# row events (or it exited); sets $got (committed at the kill) and $rc
kill_at() {
    while kill -0 "$pid" 2>/dev/null; do
        c=$(committed "$2")
        if [ "${c:-0}" -ge "$3" ]; then kill -KILL "$pid"; break; fi
        sleep 0.01
    done
    wait "$pid" 2>/dev/null
    rc=$?
    kill -KILL "$feeder" 2>/dev/null
    wait "$feeder" 2>/dev/null
    got=$(committed "$2")
    got=${got:-0}
    [ "$rc" = 137 ] && [ "$got" -gt 0 ] && [ "$got" -lt "$full" ] ||
        { cat "$1.err"; fail "$1: the kill did not land part-way (exit $rc, $got of $full row events committed)"; }
}
# resume NAME DB: a listening run on DB fed the whole stream at full speed
resume() {
    listen "$1" "$2" --peers 1
    $Q feed a.wq --connect "127.0.0.1:$port" >feed.log 2>&1 || { cat feed.log; fail "$1: the feed"; }
    await "$1" 0
}
same_as_ref() {
    sqlite3 "$1" .dump | cmp -s ref.sql - || { sqlite3 "$1" .dump | diff ref.sql - | head; fail "$2: the store differs from the uninterrupted run's"; }
    $Q check --db "$1" --expected a.wq.expected >check.log 2>&1 || { tail -20 check.log; fail "$2: check"; }
}

# ---------------------------------------------------------------- the uninterrupted runs
$Q run --input a.wq --db file.db --workers 2 >file.log 2>&1 || { cat file.log; fail "the file run"; }
listen ref ref.db --peers 1
$Q feed a.wq --connect "127.0.0.1:$port" --pace "$PACE" >feed.log 2>&1 || { cat feed.log; fail "the uninterrupted feed"; }
await ref 0
sqlite3 ref.db .dump >ref.sql
sqlite3 file.db .dump | cmp -s ref.sql - || fail "the uninterrupted listening run and the file run differ"
full=$(committed ref.db)
[ "${full:-0}" -gt 1000 ] || fail "the uninterrupted store holds only ${full:-0} row events"
echo "uninterrupted: $(head -1 ref.out) ($full row events; the file run's store)"

# ---------------------------------------------------------------- 1, 2. one kill, resumed
n=0
for want in 1 $((full / 3)) $((full * 2 / 3)); do
    n=$((n + 1))
    listen "k$n" "k$n.db" --peers 1
    feed_bg --pace "$PACE"
    kill_at "k$n" "k$n.db" "$want"
    resume "r$n" "k$n.db"
    grep -q "^  resumed: $got events" "r$n.out" || { head -3 "r$n.out"; fail "r$n: did not resume after $got row events"; }
    same_as_ref "k$n.db" "killed at $got row events"
    echo "SIGKILL at $got of $full row events committed, fed again: the uninterrupted store"
done

# ---------------------------------------------------------------- 3. killed twice
listen k4 k4.db --peers 1
feed_bg --pace "$PACE"
kill_at k4 k4.db $((full / 4))
first=$got
listen k4b k4.db --peers 1
feed_bg --pace "$PACE"
kill_at k4b k4.db $((full * 3 / 4))
[ "$got" -gt "$first" ] || fail "k4b: the second run committed nothing more ($first, then $got)"
grep -q "^  resumed" k4b.out && fail "k4b: a killed run printed a summary"
resume r4 k4.db
grep -q "^  resumed: $got events" r4.out || { head -3 r4.out; fail "r4: did not resume after $got row events"; }
same_as_ref k4.db "killed at $first, then at $got row events"
echo "SIGKILL at $first, resumed and killed again at $got row events, fed again: the uninterrupted store"

# ---------------------------------------------------------------- 4. before any peer
listen k5 k5.db --peers 1
kill -KILL "$pid"
wait "$pid" 2>/dev/null
[ ! -e k5.db ] || [ ! -s k5.db ] || fail "k5: a run killed before any peer left a store"
resume r5 k5.db
same_as_ref k5.db "killed before any peer"
echo "SIGKILL before any peer: the store is untouched, and a run then fed the stream gives the uninterrupted store"

# ---------------------------------------------------------------- 5. the whole stream sent, not yet applied
listen k6 k6.db --peers 1 --queue 1
feed_bg --pace max
for _ in $(seq 1000); do kill -0 "$feeder" 2>/dev/null || break; sleep 0.01; done
wait "$feeder" || { cat feed.log; fail "k6: the feed"; }
for _ in $(seq 1000); do [ "$(committed k6.db)" -gt 0 ] 2>/dev/null && break; sleep 0.01; done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
rc=$?
got=$(committed k6.db)
got=${got:-0}
[ "$rc" = 137 ] || { cat k6.err; fail "k6: the run exited $rc before the kill"; }
resume r6 k6.db
same_as_ref k6.db "killed with the whole stream sent ($got row events committed)"
echo "SIGKILL once the feeder had sent the whole stream ($got of $full row events committed): the uninterrupted store"
echo "ok"
