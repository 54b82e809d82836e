#!/usr/bin/env bash
# End-to-end test of the quarantine under floods (issue 11 item 4, spec
# section 5), file runs with 2 workers of `gen --flood` streams: a valid
# stream from one peer with a flood from another (docs/quarantine.md):
#   1. orphan flood: blocks correctly signed by their slot's proposer on
#      random parents; the orphan table fills to its bound (96) and evicts,
#      every other copy is a double proposal; the valid peer's blocks and
#      votes all clear, the same rows (seq included) as the valid stream
#      alone; every item accounted for (received = valid + flood, the sum
#      rule, each drop counter = its rejects rows);
#   2. attestation flood: correctly signed votes for blocks that never come,
#      held until they expire; the same checks, the pending table within its
#      bound;
#   3. memory flat: for each, a flood four times as long (items and epochs)
#      peaks within 1.25x of the resident set of the short one.
# make test: 15,000 and 60,000 orphans, 12,000 and 48,000 votes;
# WEFT_SOAK=1: 250,000 and 1,000,000 orphans, and votes dense enough to fill
# the pending table (90,000 in 5 epochs and 360,000 in 20).
# The bad-signature flood over TCP is quarantine_flood_tcp.sh.
# Usage: tests/e2e/quarantine_flood.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
. "$root/tests/common/flood.sh"
Q=$B/bin/quarantine
[ -x "$Q" ] || fail "$Q is not built"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed to read the stores"
if [ "${WEFT_SOAK:-0}" = 1 ]; then
    O_E=25; O_C=250000; A_E=5; A_C=90000
elif [ -n "$(sanitizer "$Q")" ]; then
    O_E=6; O_C=4000; A_E=5; A_C=3000
else
    O_E=6; O_C=15000; A_E=5; A_C=12000
fi

# one KIND VALIDATORS EPOCHS COUNT NAME: gen, run the valid part and the
# whole, compare, account; leaves $T/NAME.log (the flooded run's output).
one() {
    local kind=$1 v=$2 e=$3 c=$4 name=$5
    echo "$name: $kind flood of $c items in $e epochs"
    gen_flood "$kind" "$v" "$e" "$c" "$name"
    $Q run --input "$T/$name.wq.valid" --db "$T/$name.valid.db" --workers 2 >"$T/$name.valid.log" 2>&1 ||
        { tail -5 "$T/$name.valid.log"; fail "$name: the valid stream's run"; }
    $Q run --input "$T/$name.wq" --db "$T/$name.db" --workers 2 >"$T/$name.log" 2>&1 ||
        { tail -5 "$T/$name.log"; fail "$name: the flooded run"; }
    grep -E "^  (counters|peaks|memory):" "$T/$name.log"
    valid_rows_equal "$T/$name.valid.db" "$T/$name.db" "$name"
    accounted "$T/$name.valid.db" "$T/$name.db" "$flood_items" "$name"
    [ "$(summary_field "$T/$name.log" orphans)" -le 96 ] || bad "$name: more than 96 orphans held"
    [ "$(summary_field "$T/$name.log" pending)" -le 16384 ] || bad "$name: more than 16384 votes pending"
    rm -f "$T/$name.wq" "$T/$name.wq.valid"
}

# ---------------------------------------------------------------- 1. orphans
one orphan 256 "$O_E" "$O_C" orphan
[ "$(summary_field "$T/orphan.log" orphans)" = 96 ] || bad "orphan: the orphan table never filled"
[ "$(counter "$T/orphan.db" orphan_evicted)" -gt 0 ] || bad "orphan: no orphan evicted"
[ "$(counter "$T/orphan.db" slashable)" -gt 0 ] || bad "orphan: no double proposal"

# ---------------------------------------------------------------- 2. votes for blocks that never come
one attest 20480 "$A_E" "$A_C" attest
[ "$(counter "$T/attest.db" cleared)" = "$(counter "$T/attest.valid.db" cleared)" ] || bad "attest: a flood vote cleared"
if [ "${WEFT_SOAK:-0}" = 1 ]; then
    [ "$(summary_field "$T/attest.log" pending)" = 16384 ] || bad "attest: the pending table never filled"
    [ "$(counter "$T/attest.db" pending_evicted)" -gt 0 ] || bad "attest: no vote evicted"
else # sparse, they expire (32 slots); dense, the oldest are evicted before that
    [ "$(counter "$T/attest.db" expired)" -gt 0 ] || bad "attest: no vote expired"
fi

# ---------------------------------------------------------------- 3. four times as long: flat
one orphan 256 $((4 * O_E)) $((4 * O_C)) orphan4
flat "$T/orphan.log" "$T/orphan4.log" "orphan flood"
one attest 20480 $((4 * A_E)) $((4 * A_C)) attest4
flat "$T/attest.log" "$T/attest4.log" "attestation flood"
finish
