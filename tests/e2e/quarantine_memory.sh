#!/usr/bin/env bash
# End-to-end test of the quarantine's flat memory (issue 11 item 3): a run of
# a long stream peaks within 1.25x of the resident set of a short one.
#   1. two generated streams of one validator count, SHORT and LONG epochs
#      (make test: 20 and 60; WEFT_SOAK=1: 20 and 200), run with 2 workers;
#      both stores pass `quarantine check` against their FILE.expected (the
#      pruning below finality changes no verdict);
#   2. the summary's memory line: the long run's peak RSS (VmHWM) is at most
#      1.25x the short run's; the live cleared blocks peak the same (a few
#      epochs of them, whatever the length) while the roots pruned grow with
#      the stream.
# The validator count (640) makes even the short run's store larger than
# SQLite's default page cache (2000 KiB), so that the short run's resident set
# already holds that bounded cache whole. Under a sanitizer the resident set
# is the sanitizer's (shadow memory, quarantined frees): the streams are
# shorter and only the engine's figures are compared.
# Usage: tests/e2e/quarantine_memory.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
Q=$B/bin/quarantine
[ -x "$Q" ] || fail "$Q is not built"
SAN=$(sanitizer "$Q")
V=640; SHORT=20; LONG=60
[ "${WEFT_SOAK:-0}" = 1 ] && LONG=200
[ -n "$SAN" ] && { V=256; SHORT=8; LONG=24; }

# run_len E: generates and runs an E-epoch stream; leaves $T/eE.log.
run_len() {
    local e=$1
    echo "epochs $e: gen"
    $Q gen --validators "$V" --epochs "$e" --seed 5 --out "$T/e$e.bin" >"$T/gen$e.log" 2>&1 ||
        { tail -5 "$T/gen$e.log"; fail "gen --epochs $e"; }
    echo "epochs $e: run"
    $Q run --input "$T/e$e.bin" --db "$T/e$e.db" --workers 2 >"$T/e$e.log" 2>&1 ||
        { tail -5 "$T/e$e.log"; fail "run --epochs $e"; }
    $Q check --db "$T/e$e.db" --expected "$T/e$e.bin.expected" >"$T/check$e.log" 2>&1 ||
        { tail -5 "$T/check$e.log"; bad "check --epochs $e"; }
    rm -f "$T/e$e.bin"
}
# field E WORDS: the number after WORDS in the run's memory line.
field() { sed -n "s/^  memory: .*$2 \([0-9]*\).*/\1/p" "$T/e$1.log"; }

run_len "$SHORT"
run_len "$LONG"
grep "^  memory:" "$T/e$SHORT.log" "$T/e$LONG.log" | sed "s|$T/||"

rss_s=$(field "$SHORT" "peak RSS"); rss_l=$(field "$LONG" "peak RSS")
live_s=$(sed -n 's/^  memory: .*blocks live [0-9]* (peak \([0-9]*\)).*/\1/p' "$T/e$SHORT.log")
live_l=$(sed -n 's/^  memory: .*blocks live [0-9]* (peak \([0-9]*\)).*/\1/p' "$T/e$LONG.log")
pr_s=$(sed -n 's/^  memory: .*, \([0-9]*\) pruned to their roots.*/\1/p' "$T/e$SHORT.log")
pr_l=$(sed -n 's/^  memory: .*, \([0-9]*\) pruned to their roots.*/\1/p' "$T/e$LONG.log")
[ -n "$rss_s" ] && [ -n "$rss_l" ] && [ -n "$live_s" ] && [ -n "$live_l" ] && [ -n "$pr_s" ] && [ -n "$pr_l" ] ||
    fail "no memory line in the summaries"

# the live blocks do not grow with the stream: the same few epochs of them
[ "$live_l" -le $((live_s + 32)) ] || bad "live blocks peak $live_l at $LONG epochs, $live_s at $SHORT"
[ "$live_l" -le $((5 * 32)) ] || [ "$live_s" -ge "$live_l" ] || bad "live blocks peak $live_l: more than 5 epochs"
# the stream's cleared blocks were pruned: about 32 per epoch more
[ "$pr_l" -ge $((pr_s + 32 * (LONG - SHORT) / 2)) ] || bad "pruned $pr_l at $LONG epochs, $pr_s at $SHORT"
if [ -z "$SAN" ]; then
    echo "peak RSS: $rss_s KiB at $SHORT epochs, $rss_l KiB at $LONG epochs"
    [ $((4 * rss_l)) -le $((5 * rss_s)) ] || bad "peak RSS $rss_l KiB at $LONG epochs > 1.25 x $rss_s KiB at $SHORT"
fi
finish
