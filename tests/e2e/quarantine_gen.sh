#!/usr/bin/env bash
# End-to-end test of `quarantine gen`: the same seed gives the very same
# stream and FILE.expected, another seed another stream; every reason of spec
# section 4 and every drop verdict appears in FILE.expected; the command's
# errors (bad flags, unknown command, unwritable output) have the documented
# exit codes. Usage: tests/e2e/quarantine_gen.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
Q=$B/bin/quarantine
[ -x "$Q" ] || { echo "no $Q"; exit 1; }

# 1. determinism
"$Q" gen --validators 256 --epochs 4 --seed 42 --out "$T/a.bin" >"$T/a.log" 2>&1 || { cat "$T/a.log"; bad "gen seed 42 failed"; }
"$Q" gen --validators 256 --epochs 4 --seed 42 --out "$T/b.bin" >/dev/null 2>&1 || bad "second gen seed 42 failed"
"$Q" gen --validators 256 --epochs 4 --seed 43 --out "$T/c.bin" >/dev/null 2>&1 || bad "gen seed 43 failed"
cmp -s "$T/a.bin" "$T/b.bin" || bad "same seed, different streams"
cmp -s "$T/a.bin.expected" "$T/b.bin.expected" || bad "same seed, different FILE.expected"
cmp -s "$T/a.bin" "$T/c.bin" && bad "seeds 42 and 43 gave the same stream"
echo "stream: $(stat -c %s "$T/a.bin") bytes, $(grep -c . "$T/a.bin.expected") expected records"

# 2. every reason and drop verdict of the spec is in FILE.expected
exp=$T/a.bin.expected
for r in future_slot finalized duplicate wrong_proposer bad_body bad_signature double_proposal \
         bad_ancestor slot_not_after_parent; do
  grep -q "^reject block [0-9a-f]\{64\} [A-Z_]* $r\$" "$exp" || bad "no block rejected as $r"
done
for r in bad_target_epoch future_slot too_old duplicate not_in_committee bad_signature double_vote \
         surround_vote bad_block bad_target_root bad_source; do
  grep -q "^reject attestation [0-9a-f]\{64\} [A-Z_]* $r\$" "$exp" || bad "no attestation rejected as $r"
done
for v in "block [0-9a-f]\{64\} EVICTED orphan" "block [0-9a-f]\{64\} UNVIABLE orphan" \
         "block [0-9a-f]\{64\} HELD_AT_END orphan" "attestation [0-9a-f]\{64\} EXPIRED pending" \
         "attestation [0-9a-f]\{64\} UNVIABLE pending" "attestation [0-9a-f]\{64\} HELD_AT_END pending"; do
  grep -q "^reject $v\$" "$exp" || bad "no '$v'"
done
for k in double_proposal double_vote surround_vote; do
  grep -q "^slashing $k " "$exp" || bad "no $k slashing"
done
[ "$(grep -c '^counter ' "$exp")" -ge 9 ] || bad "counters missing"
received=$(sed -n 's/^counter received //p' "$exp")
rows=$(grep -c '^\(cleared\|reject\) ' "$exp")
[ "$received" = "$rows" ] || bad "received $received but $rows cleared/reject records"
# seq is 0.. in order of the cleared records
awk '$1 == "cleared" { if ($4 != n) { print "seq " $4 " where " n " was due"; exit 1 } n++ }' "$exp" || bad "seq not 0,1,2,..."

# 3. errors and help
"$Q" gen --help >/dev/null || bad "gen --help"
"$Q" help gen >/dev/null || bad "help gen"
"$Q" gen --validators 256 --epochs 4 --out "$T/x.bin" --bogus 1 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--bogus" "$T/err" || bad "unknown flag: rc $rc, $(head -1 "$T/err")"
"$Q" gen --validators 10 --epochs 4 --out "$T/x.bin" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--validators" "$T/err" || bad "too few validators: rc $rc"
"$Q" gen --validators 256 --epochs 3 --out "$T/x.bin" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--epochs" "$T/err" || bad "too few epochs: rc $rc"
"$Q" gen --validators 256 --epochs 4 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--out" "$T/err" || bad "missing --out: rc $rc"
"$Q" gen --validators 256 --epochs 4 --out "$T/no/such/dir/x.bin" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "cannot write" "$T/err" || bad "unwritable output: rc $rc"
"$Q" frobnicate 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "frobnicate" "$T/err" || bad "unknown command: rc $rc"

finish
