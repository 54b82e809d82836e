#!/usr/bin/env bash
# End-to-end test of the quarantine's serial path: gen -> replay -> check.
#   1. a small generated stream replayed into a fresh store checks clean
#      (exit 0), and check notices a tampered copy of that store (exit 1);
#   2. restart safety (spec section 6): replays killed with SIGKILL part-way
#      (at chosen items, and by a timer at an arbitrary point), then run again
#      on the same input and store, end with exactly the rows (sqlite3 .dump)
#      of an uninterrupted replay;
#   3. a database path whose folder is missing is a clear error, non-zero
#      exit, before any work (no file created);
#   4. quarantine profile prints every stage and fills a store identical to
#      replay's.
# Usage: tests/e2e/quarantine_replay.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
Q=$B/bin/quarantine
[ -x "$Q" ] || fail "$Q is not built"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed to compare stores"

# Sanitizer builds are several times slower: smaller streams there.
if [ -n "$(sanitizer "$Q")" ]; then V=256; E=4; else V=512; E=6; fi

# ---------------------------------------------------------------- 1. gen, replay, check
$Q gen --validators "$V" --epochs "$E" --seed 7 --out "$T/s.bin" >"$T/gen.log" 2>&1 ||
    { cat "$T/gen.log"; fail "gen"; }
[ -s "$T/s.bin.expected" ] || fail "gen wrote no $T/s.bin.expected"
$Q replay --input "$T/s.bin" --db "$T/full.db" >"$T/replay.log" 2>&1 || { cat "$T/replay.log"; fail "replay"; }
head -1 "$T/replay.log"
$Q check --db "$T/full.db" --expected "$T/s.bin.expected" >"$T/check.log" 2>&1 ||
    { tail -40 "$T/check.log"; fail "check of an uninterrupted replay"; }
tail -1 "$T/check.log"
[ "$(sqlite3 "$T/full.db" 'PRAGMA journal_mode')" = wal ] || fail "the store is not in WAL mode"
items=$(sqlite3 "$T/full.db" "SELECT value FROM counters WHERE name = 'received'")
[ "${items:-0}" -gt 100 ] || fail "only '${items}' items received"

# check must notice differences: a missing block, a changed reason
cp "$T/full.db" "$T/tamper.db"
sqlite3 "$T/tamper.db" "DELETE FROM blocks WHERE seq = (SELECT max(seq) FROM blocks);
                         UPDATE rejects SET reason = 'bad_body' WHERE rowid = (SELECT min(rowid) FROM rejects)"
if $Q check --db "$T/tamper.db" --expected "$T/s.bin.expected" >"$T/tamper.log" 2>&1; then
    fail "check passed a tampered store"
fi
grep -q '^missing: cleared block' "$T/tamper.log" || fail "check did not name the missing block"
grep -q '^verdict: ' "$T/tamper.log" || fail "check did not name the changed reason"

# ---------------------------------------------------------------- 2. restart safety
sqlite3 "$T/full.db" .dump >"$T/full.sql"
for cut in 1 $((items / 3)) $((2 * items / 3)); do
    rm -f "$T/k.db"*
    quiet "$Q" replay --input "$T/s.bin" --db "$T/k.db" --kill-after-items "$cut"
    rc=$?
    [ $rc -eq 137 ] || fail "replay --kill-after-items $cut exited $rc, not 137 (SIGKILL)"
    # killed again later in the second run, then completed by a third
    quiet "$Q" replay --input "$T/s.bin" --db "$T/k.db" --kill-after-items $((cut + items / 4 + 1))
    $Q replay --input "$T/s.bin" --db "$T/k.db" >"$T/resume.log" 2>&1 || { cat "$T/resume.log"; fail "resumed replay"; }
    sqlite3 "$T/k.db" .dump >"$T/k.sql"
    cmp -s "$T/full.sql" "$T/k.sql" || { diff "$T/full.sql" "$T/k.sql" | head; fail "rows differ after a kill at item $cut"; }
    $Q check --db "$T/k.db" --expected "$T/s.bin.expected" >/dev/null || fail "check after a kill at item $cut"
done
# a timer kill at whatever point the run has reached (maybe before any
# commit, maybe after the end), then a rerun
rm -f "$T/k.db"*
quiet timeout --foreground --preserve-status -s KILL 0.3 "$Q" replay --input "$T/s.bin" --db "$T/k.db"
$Q replay --input "$T/s.bin" --db "$T/k.db" >/dev/null 2>&1 || fail "rerun after a timer kill"
sqlite3 "$T/k.db" .dump >"$T/k.sql"
cmp -s "$T/full.sql" "$T/k.sql" || fail "rows differ after a timer kill"
# a finished store replayed again is unchanged
$Q replay --input "$T/s.bin" --db "$T/full.db" >/dev/null 2>&1 || fail "replay over a finished store"
sqlite3 "$T/full.db" .dump | cmp -s "$T/full.sql" - || fail "a second replay changed a finished store"
echo "restart: 4 killed runs resumed to identical rows"

# ---------------------------------------------------------------- 3. bad database paths
if $Q replay --input "$T/s.bin" --db "$T/no/such/dir/x.db" >"$T/err.log" 2>&1; then
    fail "replay into a missing folder succeeded"
fi
grep -q "no/such/dir" "$T/err.log" || { cat "$T/err.log"; fail "the error does not name the missing folder"; }
[ ! -e "$T/no" ] || fail "something was created"
if $Q replay --input "$T/s.bin" --db "$T" >"$T/err.log" 2>&1; then fail "replay into a folder path succeeded"; fi
grep -q "folder" "$T/err.log" || { cat "$T/err.log"; fail "unclear error for a folder path"; }
echo "bad paths: clear errors: $(head -1 "$T/err.log")"

# ---------------------------------------------------------------- 4. profile
# quarantine profile fills its store as replay does and prints every stage
$Q profile --input "$T/s.bin" --db "$T/p.db" >"$T/p.log" 2>&1 || { cat "$T/p.log"; fail "profile"; }
for st in decode engine emit store ordered verify; do
    grep -Eq "^  $st +[0-9]+\.[0-9]+ us/item" "$T/p.log" || { cat "$T/p.log"; fail "profile printed no $st figure"; }
done
grep -q "^profile: .*: $items items," "$T/p.log" || { cat "$T/p.log"; fail "profile did not count the $items items"; }
sqlite3 "$T/p.db" .dump | cmp -s "$T/full.sql" - || fail "profile's store differs from replay's"
echo "profile: $(grep '^  store ' "$T/p.log" | tr -s ' ')"
echo "ok"
