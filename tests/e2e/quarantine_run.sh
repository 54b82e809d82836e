#!/usr/bin/env bash
# End-to-end test of `quarantine run` (the service on the weft runtime):
#   1. a generated stream run with 1, 2 and 4 workers gives byte-identical
#      stores (sqlite3 .dump), each equal to the store of the serial
#      `replay`, and each passes `quarantine check`; a run over a finished
#      store leaves it unchanged;
#   2. the stream delivered through a named pipe in two parts, with a pause
#      between them (the event loop idles, then wakes), gives the same store;
#   3. restart safety (spec section 6): runs killed with SIGKILL at several
#      points of an uninterrupted run's duration (then killed again, and
#      resumed with another number of workers) end with the same rows as the
#      uninterrupted run; at least one kill must land part-way (a store
#      holding some but not all of the rows);
#   4. a missing input file, a database folder that does not exist, an
#      unwritable database path and a folder given as the database are clear
#      errors naming the path, exit 1, before any work (no database created,
#      no summary);
#   5. bad flags exit 2 with the usage on stderr; --help exits 0.
# Usage: tests/e2e/quarantine_run.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
Q=$B/bin/quarantine
# The row events a store has committed (its restart marker), 0 when it has
# none yet (killed before the first commit, or before the schema).
committed() { sqlite3 "$1" "SELECT value FROM counters WHERE name = 'store_events'" 2>/dev/null || true; }
now_ms() { date +%s%3N; }
[ -x "$Q" ] || fail "$Q is not built"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed to compare stores"

# Sanitizer builds are several times slower: smaller streams there.
if [ -n "$(sanitizer "$Q")" ]; then
    V=256; E=4; KV=256; KE=5
else
    V=512; E=4; KV=1024; KE=6
fi

# ---------------------------------------------------------------- 1. 1, 2, 4 workers = replay
$Q gen --validators "$V" --epochs "$E" --seed 11 --out "$T/s.bin" >"$T/gen.log" 2>&1 ||
    { cat "$T/gen.log"; fail "gen"; }
$Q replay --input "$T/s.bin" --db "$T/replay.db" >"$T/replay.log" 2>&1 || { cat "$T/replay.log"; fail "replay"; }
sqlite3 "$T/replay.db" .dump >"$T/replay.sql"
items=$(sqlite3 "$T/replay.db" "SELECT value FROM counters WHERE name = 'received'")
cleared=$(sqlite3 "$T/replay.db" "SELECT (SELECT count(*) FROM blocks) + (SELECT count(*) FROM attestations)")
[ "${items:-0}" -gt 100 ] && [ "${cleared:-0}" -gt 50 ] || fail "replay stored too little: $items items, $cleared cleared"
for w in 1 2 4; do
    $Q run --input "$T/s.bin" --db "$T/w$w.db" --workers "$w" >"$T/run$w.log" 2>&1 ||
        { cat "$T/run$w.log"; fail "run --workers $w"; }
    grep -q "^run: $items items .* on $w worker" "$T/run$w.log" ||
        { head -3 "$T/run$w.log"; fail "run --workers $w: summary does not show $items items on $w workers"; }
    $Q check --db "$T/w$w.db" --expected "$T/s.bin.expected" >"$T/check$w.log" 2>&1 ||
        { tail -40 "$T/check$w.log"; fail "check of run --workers $w"; }
    [ "$(sqlite3 "$T/w$w.db" 'PRAGMA journal_mode')" = wal ] || fail "run --workers $w: the store is not in WAL mode"
    sqlite3 "$T/w$w.db" .dump >"$T/w$w.sql"
    cmp -s "$T/replay.sql" "$T/w$w.sql" ||
        { diff "$T/replay.sql" "$T/w$w.sql" | head; fail "run --workers $w and replay stored different rows"; }
    echo "workers $w: $(head -1 "$T/run$w.log")"
done
echo "1, 2, 4 workers and replay: identical stores ($items items, $cleared cleared), check clean"
# a run over a finished store changes nothing
$Q run --input "$T/s.bin" --db "$T/w2.db" --workers 2 >"$T/again.log" 2>&1 || { cat "$T/again.log"; fail "rerun over a finished store"; }
sqlite3 "$T/w2.db" .dump | cmp -s "$T/replay.sql" - || fail "a second run changed a finished store"

# ---------------------------------------------------------------- 2. a named pipe, in two parts
mkfifo "$T/pipe"
size=$(stat -c %s "$T/s.bin")
$Q run --input "$T/pipe" --db "$T/pipe.db" --workers 2 >"$T/pipe.log" 2>&1 &
pid=$!
{ head -c $((size / 3)) "$T/s.bin"; sleep 0.5; tail -c +$((size / 3 + 1)) "$T/s.bin"; } >"$T/pipe"
wait $pid || { cat "$T/pipe.log"; fail "run on a named pipe"; }
sqlite3 "$T/pipe.db" .dump | cmp -s "$T/replay.sql" - || fail "run on a named pipe stored different rows"
echo "named pipe with a pause: identical store"

# ---------------------------------------------------------------- 3. restart safety
$Q gen --validators "$KV" --epochs "$KE" --seed 12 --out "$T/k.bin" >"$T/gen.log" 2>&1 ||
    { cat "$T/gen.log"; fail "gen of the kill stream"; }
t0=$(now_ms)
$Q run --input "$T/k.bin" --db "$T/kfull.db" --workers 2 >"$T/kfull.log" 2>&1 || { cat "$T/kfull.log"; fail "run of the kill stream"; }
dur=$(( $(now_ms) - t0 ))
sqlite3 "$T/kfull.db" .dump >"$T/kfull.sql"
full=$(committed "$T/kfull.db")
$Q replay --input "$T/k.bin" --db "$T/kreplay.db" >/dev/null 2>&1 || fail "replay of the kill stream"
sqlite3 "$T/kreplay.db" .dump | cmp -s "$T/kfull.sql" - || fail "run and replay of the kill stream differ"
echo "kill stream: $(head -1 "$T/kfull.log") ($dur ms wall, $full row events)"
partway=0
# timeout --foreground: without it, timeout sends the signal to its whole
# process group, SIGKILL included, so it dies at once and returns while the
# killed run may still be exiting (holding its store's lock); with it, timeout
# signals the run alone and returns once the run is gone. --preserve-status:
# the run's own status (137 killed, 0 finished), not 124 for a run that
# finished on its own as the deadline passed.
n=0
for pct in 10 30 50 75 90; do
    n=$((n + 1))
    rm -f "$T/k.db"*
    ms=$((dur * pct / 100))
    quiet timeout --foreground --preserve-status -s KILL "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))" \
        "$Q" run --input "$T/k.bin" --db "$T/k.db" --workers 2
    rc=$?
    got=$(committed "$T/k.db")
    got=${got:-0}
    [ $rc -eq 137 ] || [ $rc -eq 0 ] || fail "run killed at ${ms} ms exited $rc"
    [ $rc -eq 137 ] && [ "$got" -gt 0 ] && [ "$got" -lt "$full" ] && partway=$((partway + 1))
    # every other one is killed again, later, by its second run
    if [ $((n % 2)) -eq 0 ]; then
        quiet timeout --foreground --preserve-status -s KILL "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))" \
            "$Q" run --input "$T/k.bin" --db "$T/k.db" --workers 1
    fi
    # resumed with another worker count: the rows do not depend on it
    w=$(( (n % 3) == 0 ? 4 : (n % 3) ))
    $Q run --input "$T/k.bin" --db "$T/k.db" --workers "$w" >"$T/resume.log" 2>&1 ||
        { cat "$T/resume.log"; fail "resumed run (killed at ${ms} ms)"; }
    sqlite3 "$T/k.db" .dump >"$T/k.sql"
    cmp -s "$T/kfull.sql" "$T/k.sql" ||
        { diff "$T/kfull.sql" "$T/k.sql" | head; fail "rows differ after a kill at ${ms} ms (resumed on $w workers)"; }
    echo "killed at ${ms} ms (${pct}%, rc $rc, $got of $full row events committed), resumed on $w worker(s): identical rows"
done
# Kills that cannot miss: the run is watched (sqlite3 reads the WAL store
# beside it) and killed once a given number of row events is committed.
for frac in 1 2; do
    n=$((n + 1))
    want=$(( frac == 1 ? 1 : full / 2 ))
    rm -f "$T/k.db"*
    "$Q" run --input "$T/k.bin" --db "$T/k.db" --workers 2 >/dev/null 2>&1 &
    pid=$!
    while kill -0 $pid 2>/dev/null; do
        c=$(committed "$T/k.db")
        if [ "${c:-0}" -ge "$want" ]; then kill -KILL $pid; break; fi
        sleep 0.01
    done
    wait $pid 2>/dev/null
    rc=$?
    got=$(committed "$T/k.db")
    got=${got:-0}
    [ $rc -eq 137 ] && [ "$got" -gt 0 ] && [ "$got" -lt "$full" ] && partway=$((partway + 1))
    $Q run --input "$T/k.bin" --db "$T/k.db" --workers 1 >"$T/resume.log" 2>&1 ||
        { cat "$T/resume.log"; fail "resumed run (killed at $got row events)"; }
    sqlite3 "$T/k.db" .dump | cmp -s "$T/kfull.sql" - || fail "rows differ after a kill at $got row events"
    echo "killed once $want row events were committed (rc $rc, $got committed), resumed on 1 worker: identical rows"
done
$Q check --db "$T/k.db" --expected "$T/k.bin.expected" >/dev/null 2>&1 || fail "check after the kills"
[ $partway -ge 2 ] || fail "only $partway kills landed part-way through a run ($dur ms); the restart test did not test enough"
echo "restart: $partway of $n kills landed part-way; all resumed to identical rows"

# ---------------------------------------------------------------- 4. bad paths, before any work
# expect_error NAME PATH_IN_MESSAGE ARGS...: exit 1, the message names the
# path, no summary on stdout, no database created under $T/bad.
expect_error() {
    local what=$1 path=$2; shift 2
    $Q run "$@" >"$T/out.log" 2>"$T/err.log"
    local rc=$?
    [ $rc -eq 1 ] || { cat "$T/err.log"; fail "$what: exit $rc, not 1"; }
    grep -qF -- "$path" "$T/err.log" || { cat "$T/err.log"; fail "$what: the error does not name $path"; }
    [ ! -s "$T/out.log" ] || { cat "$T/out.log"; fail "$what: work was done (a summary)"; }
    echo "$what: $(head -1 "$T/err.log")"
}
mkdir "$T/bad"
expect_error "missing input" "$T/no-such.bin" --input "$T/no-such.bin" --db "$T/bad/x.db"
[ -z "$(ls -A "$T/bad")" ] || fail "missing input: a database was created"
expect_error "missing db folder" "$T/no/such/dir" --input "$T/s.bin" --db "$T/no/such/dir/x.db"
[ ! -e "$T/no" ] || fail "missing db folder: something was created"
expect_error "db path is a folder" "$T/bad" --input "$T/s.bin" --db "$T/bad"
expect_error "db folder is a file" "$T/s.bin" --input "$T/s.bin" --db "$T/s.bin/x.db"
if [ "$(id -u)" -ne 0 ]; then
    mkdir "$T/ro"; chmod 555 "$T/ro"
    expect_error "unwritable db folder" "$T/ro" --input "$T/s.bin" --db "$T/ro/x.db"
    chmod 755 "$T/ro"
    [ -z "$(ls -A "$T/ro")" ] || fail "unwritable db folder: a database was created"
fi
# root may write anywhere permissions allow; /proc refuses new files to everyone
expect_error "unwritable db path" "/proc/quarantine-test.db" --input "$T/s.bin" --db /proc/quarantine-test.db
echo "garbage, not a database" >"$T/bad/junk.db"
expect_error "db not a database" "$T/bad/junk.db" --input "$T/s.bin" --db "$T/bad/junk.db"

# ---------------------------------------------------------------- 5. usage
$Q run --help >"$T/help.log" 2>&1 || fail "run --help exited $?"
grep -q "^usage: quarantine run" "$T/help.log" || fail "run --help printed no usage"
$Q help run >/dev/null 2>&1 || fail "help run exited $?"
# expect_usage NAME FLAG_IN_MESSAGE ARGS...: exit 2, usage on stderr naming the flag
expect_usage() {
    local what=$1 flag=$2; shift 2
    $Q run "$@" >"$T/out.log" 2>"$T/err.log"
    local rc=$?
    [ $rc -eq 2 ] || { cat "$T/err.log"; fail "$what: exit $rc, not 2"; }
    grep -q "^usage: quarantine run" "$T/err.log" || fail "$what: no usage on stderr"
    grep -qF -- "$flag" "$T/err.log" || { cat "$T/err.log"; fail "$what: the message does not name $flag"; }
    [ ! -e "$T/u.db" ] || fail "$what: a database was created"
}
expect_usage "unknown flag" "--bogus" --input "$T/s.bin" --db "$T/u.db" --bogus 1
expect_usage "missing --db" "--db" --input "$T/s.bin"
expect_usage "missing --input" "--input" --db "$T/u.db"
expect_usage "--workers 0" "--workers" --input "$T/s.bin" --db "$T/u.db" --workers 0
expect_usage "--workers 257" "--workers" --input "$T/s.bin" --db "$T/u.db" --workers 257
expect_usage "--workers two" "--workers" --input "$T/s.bin" --db "$T/u.db" --workers two
expect_usage "--workers without a value" "--workers" --input "$T/s.bin" --db "$T/u.db" --workers
echo "usage: --help 0, bad flags 2 with the usage"
echo "ok"
