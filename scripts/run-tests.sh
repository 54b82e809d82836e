#!/usr/bin/env bash
# Runs the test groups of one build and prints one closing line
# 'tests: N passed, N failed'. Exit status 0 only when nothing failed.
# Usage: scripts/run-tests.sh BUILD_DIR GROUP...   (GROUP: units stress e2e soak-e2e)
# Each program runs in its own process under a timeout, so a hang is a failure
# with a name, not a stuck suite. WEFT_TEST_TIMEOUT overrides the limit (s).
set -u
B=$1; shift
export WEFT_BUILD=$B
limit=${WEFT_TEST_TIMEOUT:-300}
passed=0; failed=0; failures=()
log=$(mktemp); trap 'rm -f "$log"' EXIT

run_one() {  # NAME CMD...
  local name=$1; shift
  local t0=$SECONDS
  local rc=0
  timeout -k 5 "$limit" "$@" >"$log" 2>&1 || rc=$?
  if [ $rc -eq 0 ]; then
    echo "  ok    $name ($((SECONDS - t0))s)"
    return 0
  fi
  [ $rc -eq 124 ] && echo "  FAIL  $name: timed out after ${limit}s" || echo "  FAIL  $name (exit $rc)"
  tail -n 40 "$log" | sed 's/^/        /'
  return 1
}

for group in "$@"; do
  case $group in
    units)
      echo "== criterion units ($B)"
      for t in "$B"/tests/unit/*; do
        [ -x "$t" ] || continue
        if run_one "unit/$(basename "$t")" "$t" --jobs=2; then
          n=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' "$log" | tail -1); passed=$((passed + ${n:-1}))
        else
          read -r fl cr <<<"$(sed -n 's/.*Failing: \([0-9]*\).*Crashing: \([0-9]*\).*/\1 \2/p' "$log" | tail -1)"
          f=$(( ${fl:-0} + ${cr:-0} )); [ $f -gt 0 ] || f=1
          failed=$((failed + f)); failures+=("unit/$(basename "$t")")
        fi
      done ;;
    stress)
      echo "== stress programs ($B)"
      for t in "$B"/tests/stress/*; do
        [ -x "$t" ] || continue
        if run_one "stress/$(basename "$t")" "$t"; then passed=$((passed + 1))
        else failed=$((failed + 1)); failures+=("stress/$(basename "$t")"); fi
      done ;;
    e2e)
      echo "== end-to-end ($B)"
      for t in tests/e2e/*.sh; do
        [ -f "$t" ] || continue
        if run_one "e2e/$(basename "$t" .sh)" bash "$t" "$B"; then passed=$((passed + 1))
        else failed=$((failed + 1)); failures+=("e2e/$(basename "$t" .sh)"); fi
      done ;;
    soak-e2e)
      # the end-to-end tests with a longer version under WEFT_SOAK=1 (make soak)
      echo "== end-to-end, long versions (WEFT_SOAK=1) ($B)"
      for t in $(grep -l 'WEFT_SOAK' tests/e2e/*.sh); do
        if WEFT_SOAK=1 run_one "e2e/$(basename "$t" .sh) (soak)" bash "$t" "$B"; then passed=$((passed + 1))
        else failed=$((failed + 1)); failures+=("e2e/$(basename "$t" .sh)"); fi
      done ;;
    *) echo "run-tests: unknown group '$group'" >&2; exit 2 ;;
  esac
done
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
