#!/usr/bin/env bash
# make verify: runs spin exhaustively on every model in verify/ and on every
# planted-bug mutant of it (docs/verification.md).
# Usage: scripts/verify.sh [BUILD_DIR] [NAME...]   (default build/verify, all)
#
# Each row of the table below is one run: a model must verify with 0 errors;
# a mutant must be rejected with the kind of error it was planted for
# (assert: an assertion, end: an invalid end state i.e. a deadlock or a
# thread left asleep, cycle: an acceptance cycle of the liveness property).
# A run whose search was cut short (depth limit, memory limit) fails, even
# with 0 errors. One line per run: name, result, states stored, seconds.
set -u
cd "$(dirname "$0")/.."
out=${1:-build/verify}
shift || true
DEPTH=${WEFT_VERIFY_DEPTH:-1000000}  # pan -m: deeper than any model's search
MEMLIM=${WEFT_VERIFY_MEMLIM:-2048}   # MB per pan run

#    name                     model                mode    expect  defines (comma-separated)
runs=(
  "notifier                   verify/notifier.pml  safety  pass    -"
  "notifier-live              verify/notifier.pml  live    pass    -"
  "notifier-no-recheck        verify/notifier.pml  safety  end     -DMUT_NO_RECHECK"
  "notifier-relaxed-load      verify/notifier.pml  safety  end     -DMUT_RELAXED_LOAD"
  "notifier-relaxed-load-live verify/notifier.pml  live    cycle   -DMUT_RELAXED_LOAD"
  "mpsc                       verify/mpsc.pml      safety  pass    -"
  "mpsc-3prod                 verify/mpsc.pml      safety  pass    -DNPROD=3,-DMSGS=1"
  "mpsc-live                  verify/mpsc.pml      live    pass    -"
  "mpsc-relaxed-link          verify/mpsc.pml      safety  assert  -DMUT_RELAXED_LINK"
  "mpsc-no-stub-wait          verify/mpsc.pml      safety  assert  -DMUT_NO_STUB_WAIT"
  "chan                       verify/chan.pml      safety  pass    -"
  "chan-live                  verify/chan.pml      live    pass    -"
  "chan-relaxed-send          verify/chan.pml      safety  assert  -DMUT_RELAXED_SEND"
  "chan-early-clear           verify/chan.pml      safety  assert  -DMUT_EARLY_CLEAR"
  "steal                      verify/steal.pml     safety  pass    -"
  "steal-no-mark              verify/steal.pml     safety  assert  -DMUT_NO_MARK"
  "steal-no-wake              verify/steal.pml     safety  end     -DMUT_NO_WAKE"
  "steal-quiesce-early        verify/steal.pml     safety  assert  -DMUT_QUIESCE_EARLY"
  "flow                       verify/flow.pml      safety  pass    -"
  "flow-blind-link            verify/flow.pml      safety  assert  -DMUT_BLIND_LINK"
  "flow-no-hold               verify/flow.pml      safety  assert  -DMUT_NO_HOLD"
  "flow-flag-queue            verify/flow.pml      safety  assert  -DMUT_FLAG_QUEUE"
)

want=("$@")
mkdir -p "$out"
fails=0; n=0
for row in "${runs[@]}"; do
  read -r name model mode expect defs <<<"$row"
  if [ ${#want[@]} -gt 0 ]; then
    hit=0; for w in "${want[@]}"; do [ "$w" = "$name" ] && hit=1; done
    [ $hit -eq 1 ] || continue
  fi
  n=$((n + 1))
  [ "$defs" = "-" ] && defs=""
  defs=${defs//,/ }                  # several defines: -DA=1,-DB=2
  dir="$out/$name"; rm -rf "$dir"; mkdir -p "$dir"
  cp "$model" "$dir/model.pml"
  t0=$(date +%s.%N)
  # spin -a writes pan.c; the mode picks the checker: safety (assertions,
  # invalid end states) or liveness (the model's ltl claim, weak fairness).
  if ! (cd "$dir" && spin -a $defs model.pml >spin.log 2>&1); then
    echo "verify: $name: FAIL (spin could not translate the model, see $dir/spin.log)"
    fails=$((fails + 1)); continue
  fi
  if [ "$mode" = safety ]; then
    cflags="-DSAFETY -DNOCLAIM -DCOLLAPSE"; pflags=""
  else
    cflags="-DNFAIR=8 -DCOLLAPSE"; pflags="-a -f"
  fi
  # -O2 pays for itself on a model's full search; a mutant stops at its
  # first error, and -O0 compiles the larger pan.c files ten times faster.
  opt=-O2; [ "$expect" = pass ] || opt=-O0
  if ! (cd "$dir" && gcc $opt -w $cflags -DMEMLIM=$MEMLIM -o pan pan.c >cc.log 2>&1); then
    echo "verify: $name: FAIL (pan.c did not compile, see $dir/cc.log)"
    fails=$((fails + 1)); continue
  fi
  (cd "$dir" && ./pan $pflags -m$DEPTH >pan.log 2>&1)
  t1=$(date +%s.%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  log="$dir/pan.log"
  states=$(awk '/states, stored/ { print $1; exit }' "$log")
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$log" | head -1)
  cut=""
  grep -q "max search depth too small" "$log" && cut="depth limit reached"
  grep -qi "out of memory\|memory limit\|MEMLIM bound" "$log" && cut="memory limit reached"
  grep -q "search not completed" "$log" && cut="search not completed"
  [ -n "$errors" ] || cut="no result (pan did not finish)"
  kind="none"
  grep -q "^pan:1: assertion violated" "$log" && kind=assert
  grep -q "^pan:1: invalid end state" "$log" && kind=end
  grep -q "^pan:1: acceptance cycle" "$log" && kind=cycle
  grep -q "^pan:1: non-progress cycle" "$log" && kind=cycle
  if [ "$expect" = pass ]; then
    if [ -z "$cut" ] && [ "$errors" = 0 ]; then res="ok (0 errors)"
    elif [ -n "$cut" ]; then res="FAIL ($cut)"
    else res="FAIL ($errors errors: $kind; trail in $dir)"; fi
  else
    if [ -n "$errors" ] && [ "$errors" != 0 ] && [ "$kind" = "$expect" ]; then
      res="ok (rejected: $kind)"
    elif [ -n "$errors" ] && [ "$errors" != 0 ]; then
      res="FAIL (rejected for the wrong reason: $kind, expected $expect)"
    else res="FAIL (mutant NOT rejected${cut:+; $cut})"; fi
  fi
  case "$res" in FAIL*) fails=$((fails + 1));; esac
  printf 'verify: %-28s %-7s %-34s %10s states %6ss\n' "$name" "$mode" "$res" "${states:-?}" "$secs"
done
[ $n -gt 0 ] || { echo "verify: no run matches: ${want[*]}"; exit 2; }
if [ $fails -eq 0 ]; then echo "verify: $n runs, all as expected"; exit 0; fi
echo "verify: $n runs, $fails FAILED"
exit 1
