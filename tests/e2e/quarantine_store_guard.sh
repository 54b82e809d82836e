#!/usr/bin/env bash
# End-to-end test of the store's guards against its operator (issue 11 item
# 6): each misuse is a clear error naming what was wrong, exit 1, and no
# change to the store or to data it had accepted.
#   1. one holder: while a run holds a store (fed through a named pipe, so it
#      stays mid-run), a second run and a replay on it fail naming the
#      holder's pid and command, before any work; `check` reads it meanwhile;
#      the holder then finishes to the uninterrupted store, with no row twice;
#   2. a stale lock: a replay SIGKILLed with its lock file left behind blocks
#      no restart, which resumes to the uninterrupted store;
#   3. one stream: a killed store and a finished store refuse another stream
#      (another seed, another validator count), naming both, with the store
#      byte-identical afterwards; the same stream still resumes; a stream
#      shorter than the kept head (cut short) is resumed by the whole one,
#      and the whole store takes its cut copy (all skipped); a store with no
#      rows takes any stream; a store with rows and no binding is refused;
#   4. a foreign SQLite file (other tables, or a table of the store's name
#      with other columns) is refused, byte-identical afterwards, journal
#      mode unchanged, no lock or WAL file beside it;
#   5. a full disk: a run whose database fills its file system fails naming
#      the database and what failed, exit 1; its summary says the store
#      failed and how many row events are committed, which is what the store
#      holds; given room, the run resumes to the uninterrupted store. Root: a
#      real full file system (a small tmpfs in a private mount namespace);
#      otherwise RLIMIT_FSIZE (ulimit -f, SIGXFSZ ignored), a real write
#      failure (EFBIG) of the database's files.
# Usage: tests/e2e/quarantine_store_guard.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
Q=$B/bin/quarantine
holder=
cleanup() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    exec 3>&- 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
committed() { sqlite3 "$1" "SELECT value FROM counters WHERE name = 'store_events'" 2>/dev/null || true; }
fingerprint() { md5sum <"$1"; sqlite3 "$1" .dump | md5sum; }
[ -x "$Q" ] || fail "$Q is not built"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed to compare stores"
cd "$T" || fail "cd $T"

if strings "$Q" 2>/dev/null | grep -q -m1 '__tsan_\|__asan_'; then V=256; else V=512; fi
$Q gen --validators "$V" --epochs 4 --seed 31 --out a.wq >gen.log 2>&1 || { cat gen.log; fail "gen a"; }
$Q gen --validators "$V" --epochs 4 --seed 32 --out b.wq >gen.log 2>&1 || { cat gen.log; fail "gen b"; }
$Q gen --validators $((V * 2)) --epochs 4 --seed 31 --out c.wq >gen.log 2>&1 || { cat gen.log; fail "gen c"; }
$Q replay --input a.wq --db ref.db >ref.log 2>&1 || { cat ref.log; fail "replay of a"; }
sqlite3 ref.db .dump >ref.sql
full=$(committed ref.db)
[ "${full:-0}" -gt 1000 ] || fail "the reference store holds only ${full:-0} row events"

# ---------------------------------------------------------------- 1. one holder
size=$(stat -c %s a.wq)
mkfifo pipe
$Q run --input pipe --db h.db --workers 2 >h.log 2>&1 &
holder=$!
exec 3>pipe
head -c $((size / 2)) a.wq >&3
for _ in $(seq 500); do [ "$(committed h.db)" -gt 0 ] 2>/dev/null && break; sleep 0.02; done
[ "$(committed h.db)" -gt 0 ] 2>/dev/null || fail "the holder committed nothing from half its stream"
# wait until the holder has stored what it was given (no commit for 0.5 s)
last=
for _ in $(seq 100); do
    c=$(committed h.db); [ "$c" = "$last" ] && break; last=$c; sleep 0.5
done
before=$(sqlite3 h.db .dump | md5sum)
for cmd in run replay; do
    $Q $cmd --input a.wq --db h.db >second.out 2>second.err
    rc=$?
    [ $rc -eq 1 ] || { cat second.err; fail "a second $cmd on a held store exited $rc, not 1"; }
    grep -qF "database h.db is in use by pid $holder (quarantine run --input pipe --db h.db)" second.err ||
        { cat second.err; fail "a second $cmd does not name the holder (pid $holder)"; }
    [ ! -s second.out ] || { cat second.out; fail "a second $cmd did work (a summary)"; }
    echo "second $cmd: $(cat second.err)"
done
[ "$(sqlite3 h.db .dump | md5sum)" = "$before" ] || fail "a refused second run changed the held store"
# check takes no lock: it reads the last committed snapshot of the held store
$Q check --db h.db --expected a.wq.expected >check.log 2>&1
[ $? -eq 1 ] || fail "check of an unfinished store did not exit 1"
grep -q "lacks some of the counters" check.log || { tail -3 check.log; fail "check of a held store: no word of the missing counters"; }
grep -q "in use" check.log && fail "check refused a held store"
tail -c +$((size / 2 + 1)) a.wq >&3
exec 3>&-
wait "$holder" || { cat h.log; fail "the holder failed"; }
holder=
sqlite3 h.db .dump | cmp -s ref.sql - || fail "the holder's store differs from the uninterrupted one"
$Q check --db h.db --expected a.wq.expected >/dev/null 2>&1 || fail "check of the holder's store"
echo "one holder: the second run and replay were refused, check read a snapshot, the holder's store is whole"

# ---------------------------------------------------------------- 2. a stale lock
quiet $Q replay --input a.wq --db s.db --kill-after-items 500
[ $? -eq 137 ] || fail "replay --kill-after-items was not killed"
grep -q "^[0-9]* quarantine replay --input a.wq --db s.db" s.db.lock || { cat s.db.lock; fail "the killed replay left no holder line"; }
stale=$(cut -d' ' -f1 s.db.lock)
$Q run --input a.wq --db s.db --workers 2 >s.log 2>&1 || { cat s.log; fail "a restart after a SIGKILL (lock file of pid $stale left)"; }
sqlite3 s.db .dump | cmp -s ref.sql - || fail "the restart after a SIGKILL stored other rows"
[ ! -s s.db.lock ] || fail "a finished run left its holder line in s.db.lock"
echo "stale lock of a SIGKILLed pid $stale: the restart resumed to the uninterrupted store"

# ---------------------------------------------------------------- 3. one stream
# expect_refused DB INPUT PATTERN: run and replay exit 1 naming both, DB unchanged
expect_refused() {
    local db=$1 in=$2 pat=$3 fp cmd
    fp=$(fingerprint "$db")
    for cmd in run replay; do
        $Q $cmd --input "$in" --db "$db" >o.log 2>e.log
        local rc=$?
        [ $rc -eq 1 ] || { cat e.log; fail "$cmd of $in on $db exited $rc, not 1"; }
        grep -qF "database $db $pat" e.log || { cat e.log; fail "$cmd of $in on $db: not '$pat'"; }
        grep -qF "$in" e.log || { cat e.log; fail "$cmd of $in on $db: the message does not name $in"; }
        [ ! -s o.log ] || { cat o.log; fail "$cmd of $in on $db did work (a summary)"; }
        [ "$(fingerprint "$db")" = "$fp" ] || fail "$cmd of $in changed $db"
    done
    echo "$in on $db: $(cat e.log)"
}
quiet $Q replay --input a.wq --db k.db --kill-after-items 300
[ $? -eq 137 ] || fail "replay --kill-after-items 300 was not killed"
# as the kill left it (its WAL not yet checkpointed), refused: not a byte changes
[ -s k.db-wal ] || fail "the killed replay left no WAL"
raw=$(md5sum k.db k.db-wal)
$Q run --input b.wq --db k.db >/dev/null 2>e.log
[ $? -eq 1 ] || { cat e.log; fail "another stream on a freshly killed store was not refused"; }
[ "$(md5sum k.db k.db-wal)" = "$raw" ] || fail "a refused run changed the killed store's database or WAL file"
k=$(committed k.db)
[ "${k:-0}" -gt 0 ] && [ "$k" -lt "$full" ] || fail "the killed store holds ${k:-0} of $full row events"
expect_refused k.db b.wq "was started on another stream than b.wq"
grep -qF "the store's stream: $V validators" e.log || fail "the message does not give the validator count"
expect_refused k.db c.wq "was started on another stream than c.wq"
grep -q "c.wq: $((V * 2)) validators" e.log || fail "the message does not give the other validator count"
expect_refused ref.db b.wq "was started on another stream than b.wq"
$Q run --input a.wq --db k.db --workers 2 >k.log 2>&1 || { cat k.log; fail "the same stream did not resume"; }
grep -q "resumed: $k events" k.log || fail "the resume skipped other than $k events"
sqlite3 k.db .dump | cmp -s ref.sql - || fail "the resumed store differs"
echo "same stream: resumed after $k row events to the uninterrupted store"
# a stream shorter than the head: cut short, then resumed by the whole stream
head -c 9000 a.wq >short.wq
$Q run --input short.wq --db short.db >short.log 2>&1
[ $? -eq 1 ] || fail "a run of a cut stream did not exit 1"
[ "$(sqlite3 short.db 'SELECT length(head) FROM stream')" = 9000 ] || fail "the cut stream's head is not its 9000 bytes"
$Q run --input a.wq --db short.db >short2.log 2>&1 || { cat short2.log; fail "the whole stream did not resume the cut one"; }
sqlite3 short.db .dump | cmp -s ref.sql - || fail "cut, then whole: the store differs"
# and the whole store takes its cut copy: everything is skipped, nothing changes
fp=$(sqlite3 ref.db .dump | md5sum)
$Q run --input short.wq --db ref.db >short3.log 2>&1
[ $? -eq 1 ] || fail "the cut copy on the whole store did not exit 1 (truncated)"
grep -q "truncated" short3.log || { cat short3.log; fail "the cut copy: not refused for being truncated"; }
[ "$(sqlite3 ref.db .dump | md5sum)" = "$fp" ] || fail "the cut copy changed the whole store"
echo "a stream shorter than the head: resumed by the whole stream; its cut copy changes nothing"
# a store with no rows takes any stream
: >empty.wq
$Q run --input empty.wq --db e.db >/dev/null 2>&1
[ "$(committed e.db)" = "" ] || [ "$(committed e.db)" = 0 ] || fail "an empty stream committed rows"
$Q run --input a.wq --db e.db >e2.log 2>&1 || { cat e2.log; fail "a store with no rows refused a stream"; }
sqlite3 e.db .dump | cmp -s ref.sql - || fail "a store with no rows, then a: the store differs"
# a store with rows that records no stream (its binding deleted, or never made)
cp k.db nb.db
sqlite3 nb.db "DELETE FROM stream"
expect_refused nb.db a.wq "holds $full row events but records no stream"
sqlite3 nb.db "DROP TABLE stream"
expect_refused nb.db a.wq "holds $full row events but records no stream"
echo "one stream: refused with both heads named, the store unchanged"

# ---------------------------------------------------------------- 4. a foreign SQLite file
# expect_foreign NAME SQL: a db made by sqlite3 with SQL is refused, unchanged
expect_foreign() {
    local name=$1 sql=$2 fp jm
    rm -f "$name"*
    sqlite3 "$name" "$sql" || fail "sqlite3 could not make $name"
    fp=$(md5sum <"$name")
    jm=$(sqlite3 "$name" "PRAGMA journal_mode")
    for cmd in run replay; do
        $Q $cmd --input a.wq --db "$name" >o.log 2>e.log
        local rc=$?
        [ $rc -eq 1 ] || { cat e.log; fail "$cmd on the foreign $name exited $rc, not 1"; }
        grep -qF "database $name: not a quarantine store" e.log || { cat e.log; fail "$cmd on $name: no clear error"; }
        [ ! -s o.log ] || fail "$cmd on $name did work"
        [ "$(md5sum <"$name")" = "$fp" ] || fail "$cmd changed the foreign $name"
        [ "$(sqlite3 "$name" "PRAGMA journal_mode")" = "$jm" ] || fail "$cmd changed the journal mode of $name"
        [ "$(ls "$name"?* 2>/dev/null)" = "" ] || fail "$cmd left files beside $name: $(ls "$name"?*)"
    done
    echo "foreign $name ($jm): $(cat e.log)"
}
expect_foreign other.db "CREATE TABLE accounts(id INTEGER PRIMARY KEY, owner TEXT); INSERT INTO accounts VALUES(1, 'x')"
expect_foreign mixed.db "CREATE TABLE blocks(root BLOB PRIMARY KEY, height INTEGER)"
expect_foreign extra.db "CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER); CREATE TABLE users(name TEXT)"

# ---------------------------------------------------------------- 5. a full disk
# full_disk_run DIR: runs a on DIR/f.db (DIR too small for it), then checks
# the failure; the caller then gives room and resumes.
cat >full.sh <<'EOF'
# $1: quarantine, $2: the folder of the database, $3: how to make it full ("mount" or "ulimit")
Q=$1; M=$2; how=$3
if [ "$how" = mount ]; then
    mount -t tmpfs -o size=160k tmpfs "$M" || exit 3
    $Q run --input a.wq --db "$M/f.db" --workers 2 >full.out 2>full.err
    echo $? >full.rc
    sqlite3 "$M/f.db" "SELECT value FROM counters WHERE name = 'store_events'" >full.committed 2>&1
    mount -o remount,size=64m "$M" || exit 3
else
    ( trap '' XFSZ; ulimit -f 192; $Q run --input a.wq --db "$M/f.db" --workers 2 >full.out 2>full.err; echo $? >full.rc )
    sqlite3 "$M/f.db" "SELECT value FROM counters WHERE name = 'store_events'" >full.committed 2>&1
fi
$Q run --input a.wq --db "$M/f.db" --workers 2 >resume.out 2>&1
echo $? >resume.rc
sqlite3 "$M/f.db" .dump >full.sql
EOF
mkdir full
how=ulimit
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2>/dev/null &&
    unshare -m --propagation private sh -c "mount -t tmpfs -o size=64k tmpfs '$T/full'" 2>/dev/null; then
    how=mount
fi
if [ $how = mount ]; then
    unshare -m --propagation private bash full.sh "$Q" "$T/full" mount || fail "the full-disk script failed ($?)"
else
    bash full.sh "$Q" "$T/full" ulimit || fail "the full-disk script failed"
fi
[ "$(cat full.rc)" = 1 ] || { cat full.err; fail "a run on a full disk exited $(cat full.rc), not 1"; }
grep -qF "database $T/full/f.db: " full.err || { cat full.err; fail "the full-disk error does not name the database"; }
if [ $how = mount ]; then
    grep -q "failed: database or disk is full" full.err || { cat full.err; fail "the full-disk error does not say the disk is full"; }
else
    grep -q "failed: " full.err || { cat full.err; fail "the write-failure error does not say what failed"; }
fi
got=$(cat full.committed)
[ "${got:-0}" -gt 0 ] 2>/dev/null && [ "$got" -lt "$full" ] || fail "the full disk left ${got:-?} of $full row events (not part-way)"
grep -q "^  STORE FAILED: only $got of the $full row events decided are stored" full.out ||
    { head -3 full.out; fail "the summary does not say the store failed with $got row events stored"; }
grep -q "^  counters (decided, not stored):" full.out || fail "the summary's counters look stored"
[ "$(cat resume.rc)" = 0 ] || { cat resume.out; fail "the resume after the full disk failed"; }
grep -q "resumed: $got events" resume.out || { head -3 resume.out; fail "the resume did not skip the $got stored events"; }
cmp -s ref.sql full.sql || fail "the full disk then the resume: the store differs from the uninterrupted one"
echo "full disk ($how): $(cat full.err)"
echo "  summary: $(sed -n 2p full.out | sed 's/^ *//')"
echo "  given room, resumed after $got row events to the uninterrupted store"
echo "ok"
