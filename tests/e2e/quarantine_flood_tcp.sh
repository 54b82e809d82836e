#!/usr/bin/env bash
# End-to-end test of a bad-signature flood over TCP (issue 11 item 4): a
# `gen --flood badsig` stream fed as two connections to a listening run
# (`feed --connections 2`: the valid peer with the stream's HELLO, TICKs,
# FINALIZEs and END on one, the flood on the other; 127.0.0.1, a port the
# run picked itself), paced at 2000x virtual time so that the two stay
# together in virtual time (at --pace max the valid peer, with far fewer
# frames per slot, runs ahead and most of the flood is then ignored as
# finalized or too old: the flood would not contend). The flood: forged copies of the valid peer's blocks
# and votes (sent before the genuine ones in the file's order) and blocks and
# votes of random slots and validators, all with random signatures.
#   1. the valid peer's items all clear: the blocks and attestations (seq
#      included) are those of the file run of the valid stream alone; every
#      item of both connections is accounted for (received = valid + flood,
#      the sum rule, each drop counter = its rejects rows); the forged
#      copies were rejected as bad_signature;
#   2. memory flat: a flood four times as long (items and epochs) peaks
#      within 1.25x of the resident set of the short one.
# make test: 20,000 and 80,000 flood items; WEFT_SOAK=1: 250,000 and
# 1,000,000.
# Usage: tests/e2e/quarantine_flood_tcp.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
. "$root/tests/common/flood.sh"
Q=$B/bin/quarantine
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
[ -x "$Q" ] || fail "$Q is not built"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed to read the stores"
if [ "${WEFT_SOAK:-0}" = 1 ]; then E=25; C=250000
elif [ -n "$(sanitizer "$Q")" ]; then E=6; C=4000
else E=6; C=20000; fi

# tcp EPOCHS COUNT NAME: gen, the file run of the valid part, the flooded
# stream over two connections; compares and accounts. Leaves $T/NAME.out.
tcp() {
    local e=$1 c=$2 name=$3 port= pid
    echo "$name: bad-signature flood of $c items in $e epochs, over TCP"
    gen_flood badsig 256 "$e" "$c" "$name"
    $Q run --input "$T/$name.wq.valid" --db "$T/$name.valid.db" --workers 2 >"$T/$name.valid.log" 2>&1 ||
        { tail -5 "$T/$name.valid.log"; fail "$name: the valid stream's run"; }
    $Q run --listen 127.0.0.1:0 --db "$T/$name.db" --workers 2 --peers 2 >"$T/$name.out" 2>"$T/$name.err" &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 200); do
        port=$(sed -n "s/^${LOGP}quarantine run: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p" "$T/$name.err")
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$port" ] || { cat "$T/$name.err"; fail "$name: the listening run logged no port"; }
    $Q feed "$T/$name.wq" --connect "127.0.0.1:$port" --connections 2 --pace x2000 >"$T/$name.feed" 2>&1 ||
        { cat "$T/$name.feed"; fail "$name: feed over 2 connections"; }
    wait "$pid" || { tail -5 "$T/$name.err"; fail "$name: the listening run failed"; }
    grep -E "^  (counters|peaks|memory|peers):|^    " "$T/$name.out"
    valid_rows_equal "$T/$name.valid.db" "$T/$name.db" "$name"
    accounted "$T/$name.valid.db" "$T/$name.db" "$flood_items" "$name"
    local forged
    forged=$(sqlite3 "$T/$name.db" "SELECT count(*) FROM rejects WHERE reason = 'bad_signature'")
    [ "$forged" -gt $((flood_items / 2)) ] || bad "$name: only $forged of $flood_items rejected as bad_signature"
    rm -f "$T/$name.wq" "$T/$name.wq.valid"
}

tcp "$E" "$C" short
tcp $((4 * E)) $((4 * C)) long
flat "$T/short.out" "$T/long.out" "bad-signature flood over TCP"
finish
