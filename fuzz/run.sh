#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (make fuzz; fuzz/README.md).
# Usage: fuzz/run.sh BINDIR QUARANTINE WORKDIR [NAME...]
#   BINDIR      where fuzz-NAME are (make fuzz-build: build/fuzz/bin)
#   QUARANTINE  a quarantine binary, for `gen`: the seed corpus is cut from a
#               stream it generates now (fuzz/seeds.py), so it follows the format
#   WORKDIR     seeds/NAME (remade), corpus/NAME (kept: what the targets found
#               interesting grows from run to run), logs, the inputs of findings
#   NAME...     the targets to run (default: all four)
# Environment:
#   FUZZ_RUNS=N      executions per target (default: each its share of 10^7,
#                    below, by its speed: the whole-stream target, which
#                    builds an engine and verifies signatures for every
#                    input, is tens to hundreds of times slower than the
#                    parsers)
#   FUZZ_SECONDS=S   run each target S seconds instead (no run count)
# Prints libFuzzer's progress lines, then one line per target (executions,
# executions per second, corpus size) and the total. Exit 1 when a target
# crashed, leaked, hit a sanitizer report or a failed check (the input that
# did it is WORKDIR/NAME-crash-*, -leak-*, -timeout-* or -oom-*, the log
# WORKDIR/NAME.log), or did not run
# its executions.
set -u
if [ $# -lt 3 ]; then
  echo "usage: fuzz/run.sh BINDIR QUARANTINE WORKDIR [NAME...]" >&2
  exit 2
fi
bindir=$1 q=$2 work=$3
shift 3
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(decoder items expected stream)
here=$(cd "$(dirname "$0")" && pwd)

# NAME: default runs, -max_len (bytes)
declare -A runs=([decoder]=1500000 [items]=3000000 [expected]=5400000 [stream]=100000)
declare -A maxlen=([decoder]=8192 [items]=1024 [expected]=1024 [stream]=4096)

for n in "${names[@]}"; do
  [ -x "$bindir/fuzz-$n" ] || { echo "fuzz: $bindir/fuzz-$n is not built (make fuzz-build)" >&2; exit 1; }
done
[ -x "$q" ] || { echo "fuzz: $q is not built" >&2; exit 1; }
mkdir -p "$work" || exit 1

# the seed corpus, from a stream generated now (FUZZ_VALIDATORS in fuzz/fuzz.h)
rm -rf "$work/seeds" "$work/gen"
mkdir -p "$work/gen"
"$q" gen --validators 256 --epochs 4 --seed 11 --out "$work/gen/s.wq" >"$work/gen/gen.log" 2>&1 ||
  { cat "$work/gen/gen.log"; echo "fuzz: quarantine gen failed" >&2; exit 1; }
python3 "$here/seeds.py" "$work/gen/s.wq" "$work/seeds" | sed 's/^/fuzz: /' || exit 1

failed=0 total=0 summary=()
for n in "${names[@]}"; do
  mkdir -p "$work/corpus/$n"
  rm -f "$work/$n-"*
  if [ -n "${FUZZ_SECONDS:-}" ]; then limit=(-max_total_time="$FUZZ_SECONDS"); want=0; what="${FUZZ_SECONDS} s"
  else want=${FUZZ_RUNS:-${runs[$n]}}; limit=(-runs="$want"); what="$want runs"; fi
  echo "fuzz: $n: $what, inputs up to ${maxlen[$n]} bytes ($(ls "$work/seeds/$n" | wc -l) seeds, $(ls "$work/corpus/$n" | wc -l) in the corpus)"
  log=$work/$n.log
  t0=$SECONDS
  : >"$log"
  # progress: libFuzzer's INITED, pulse (at each power of two) and DONE lines
  # as they come, and every 60 s the executions so far
  ( while sleep 60; do
      last=$(grep -aoE '^#[0-9]+' "$log" | tail -1)
      echo "fuzz: $n: $((SECONDS - t0)) s, ${last:-#0} executions"
    done ) &
  beat=$!
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$bindir/fuzz-$n" "${limit[@]}" -max_len="${maxlen[$n]}" -timeout=60 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/$n-" "$work/corpus/$n" "$work/seeds/$n" 2>&1 |
    tee -a "$log" | grep --line-buffered -aE '^#[0-9]+[[:space:]]+(INITED|pulse|DONE)' | sed -u "s/^/fuzz: $n: /"
  rc=${PIPESTATUS[0]}
  kill "$beat" 2>/dev/null
  wait "$beat" 2>/dev/null
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corp=$(ls "$work/corpus/$n" | wc -l)
  if [ $rc -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|fuzz check failed' "$log"; then
    echo "FAIL: fuzz-$n (exit $rc) after $((SECONDS - t0)) s; its log is $log:"
    grep -E -A30 'ERROR:|runtime error:|fuzz check failed' "$log" | head -60 | sed 's/^/    /'
    ls "$work/$n-"* 2>/dev/null | sed 's/^/    input: /'
    failed=1
  elif [ "$want" -gt 0 ] && [ "${execs:-0}" -lt "$want" ]; then
    echo "FAIL: fuzz-$n ran ${execs:-0} of $want executions"
    failed=1
  fi
  total=$((total + ${execs:-0}))
  summary+=("$(printf 'fuzz: %-9s %11s execs  %8s execs/s  %5d s  corpus %d' "$n" "${execs:-?}" "${rate:-?}" $((SECONDS - t0)) "$corp")")
done
printf '%s\n' "${summary[@]}"
echo "fuzz: $total executions in all$([ $failed = 0 ] && echo ", no finding" || echo ", FAILED")"
exit $failed
