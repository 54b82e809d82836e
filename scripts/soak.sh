#!/usr/bin/env bash
# make soak: 10^9 messages through the channels and the notifier and 10^8
# random spawn-tree tasks, in chunks, under ThreadSanitizer, every message
# and task counted (docs/verification.md, "The soak").
# Usage: scripts/soak.sh BUILD_DIR   (a SAN=thread build holding the programs)
#
# Each chunk is one run of a stress program with its count in the
# environment (WEFT_SOAK_MSGS or WEFT_SOAK_TASKS) and its own WEFT_SOAK_SEED.
# The program checks every message or task itself (exit 0 = pass) and ends
# with "PASS: N messages|tasks counted"; a chunk passes only when it exits 0,
# its N is exactly the count asked for, and its output holds no
# ThreadSanitizer report. Each chunk runs under a time limit of its own,
# derived from its size: LIMIT_BASE s + LIMIT_SLACK x its expected time at
# the program's reference rate below (TSan, the 2-vCPU development machine
# with other jobs on it), so a stuck chunk fails by name long before the hour.
# The programs' chunks are interleaved (next: the program least far along),
# so a soak stopped early has covered each in proportion. One progress line
# per chunk (chunk i/N, the totals so far, the rate, the ETA from the
# reference rates scaled by how fast the chunks so far ran); at the end the
# totals and each program's time. Exit status 0 only when every chunk passed.
# WEFT_SOAK_PERCENT=P (1..100, default 100) runs P% of each program's chunks,
# rounded up: the same chunks, a smaller soak.
set -u
cd "$(dirname "$0")/.."
B=${1:?usage: scripts/soak.sh BUILD_DIR}
percent=${WEFT_SOAK_PERCENT:-100}
if ! [[ $percent =~ ^[0-9]+$ ]] || [ "$percent" -lt 1 ] || [ "$percent" -gt 100 ]; then
  echo "soak: WEFT_SOAK_PERCENT=$percent: must be a whole number from 1 to 100" >&2; exit 2
fi
LIMIT_BASE=60
LIMIT_SLACK=10

#    program          kind      chunk size  chunks  reference rate (per s)
plan=(
  "spsc_stress      messages  2000000     26      50000"
  "mpsc_stress      messages  32000000    28      400000"
  "notifier_stress  messages  1300000     40      130000"
  "spawn_tree       tasks     5000000     20      400000"
)
# 2,000,000 x 26 + 32,000,000 x 28 + 1,300,000 x 40 = 10^9 messages;
# 5,000,000 x 20 = 10^8 tasks.

names=(); kinds=(); sizes=(); counts=(); rates=()
for row in "${plan[@]}"; do
  read -r name kind size chunks rate <<<"$row"
  [ -x "$B/tests/stress/$name" ] || { echo "soak: $B/tests/stress/$name is missing (make soak builds it)" >&2; exit 2; }
  names+=("$name"); kinds+=("$kind"); sizes+=("$size"); rates+=("$rate")
  counts+=($(( (chunks * percent + 99) / 100 )))
done
np=${#names[@]}

# A TSan report ends the chunk at once with exit status 66, and the output is
# searched for one too (TSAN_OPTIONS from the caller come after ours).
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"

logdir=$B/soak; mkdir -p "$logdir"
total_chunks=0; plan_cost=0   # plan_cost: expected seconds at the reference rates
want_msgs=0; want_tasks=0
for ((p = 0; p < np; p++)); do
  total_chunks=$((total_chunks + counts[p]))
  plan_cost=$((plan_cost + counts[p] * sizes[p] / rates[p]))
  if [ "${kinds[p]}" = messages ]; then want_msgs=$((want_msgs + counts[p] * sizes[p]))
  else want_tasks=$((want_tasks + counts[p] * sizes[p])); fi
done

commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }   # 1000000 -> 1,000,000
hms() { printf "%dm%02ds" $(($1 / 60)) $(($1 % 60)); }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
decimal() { printf "%d.%0${2}d" $(($1 / 10**$2)) $(($1 % 10**$2)); }  # N/10^D with D places

echo "soak: $total_chunks chunks ($percent%): $(commas $want_msgs) messages, $(commas $want_tasks) tasks, under TSan ($B)"
echo "soak: about $(hms $plan_cost) at the reference rates; chunk logs in $logdir"

done_chunks=0; done_cost=0; msgs=0; tasks=0
declare -a ran secs
for ((p = 0; p < np; p++)); do ran[p]=0; secs[p]=0; done
t_start=$(now_ms)

fail() {  # PROGRAM CHUNK LOG WHY
  echo "soak: FAIL $1 chunk $2: $4"
  tail -n 40 "$3" | sed 's/^/        /'
  echo "soak: stopped after $done_chunks of $total_chunks chunks: $(commas $msgs) messages, $(commas $tasks) tasks counted; the log is $3"
  exit 1
}
trap 'echo; echo "soak: interrupted after $done_chunks of $total_chunks chunks: $(commas $msgs) messages, $(commas $tasks) tasks counted, all passed"; exit 130' INT TERM

while [ $done_chunks -lt $total_chunks ]; do
  p=-1; best=0
  for ((q = 0; q < np; q++)); do
    [ "${ran[q]}" -lt "${counts[q]}" ] || continue
    f=$((ran[q] * 1000000 / counts[q]))
    if [ $p -lt 0 ] || [ $f -lt $best ]; then p=$q; best=$f; fi
  done
  name=${names[p]}; size=${sizes[p]}; i=$((ran[p] + 1))
  cost=$((size / rates[p])); [ $cost -gt 0 ] || cost=1
  limit=$((LIMIT_BASE + LIMIT_SLACK * cost))
  var=WEFT_SOAK_MSGS; [ "${kinds[p]}" = tasks ] && var=WEFT_SOAK_TASKS
  log=$logdir/$name.log
  t0=$(now_ms); rc=0
  env "$var=$size" WEFT_SOAK_SEED="$i" timeout -k 5 "$limit" "$B/tests/stress/$name" >"$log" 2>&1 || rc=$?
  dt=$(( $(now_ms) - t0 )); [ $dt -gt 0 ] || dt=1     # ms
  [ $rc -eq 124 ] && fail "$name" "$i/${counts[p]}" "$log" "timed out after ${limit}s (limit for $(commas $size) ${kinds[p]})"
  grep -q "ThreadSanitizer" "$log" && fail "$name" "$i/${counts[p]}" "$log" "ThreadSanitizer report (exit $rc)"
  [ $rc -eq 0 ] || fail "$name" "$i/${counts[p]}" "$log" "exit $rc"
  got=$(sed -n "s/.*PASS: \([0-9]*\) ${kinds[p]} counted.*/\1/p" "$log" | tail -1)
  [ "$got" = "$size" ] || fail "$name" "$i/${counts[p]}" "$log" "counted ${got:-nothing}, asked for $size ${kinds[p]}"
  if [ "${kinds[p]}" = messages ]; then msgs=$((msgs + got)); else tasks=$((tasks + got)); fi
  ran[p]=$i; secs[p]=$((secs[p] + dt))
  done_chunks=$((done_chunks + 1)); done_cost=$((done_cost + cost))
  elapsed=$(( $(now_ms) - t_start ))
  eta=$(( (plan_cost - done_cost) * elapsed / done_cost / 1000 ))
  printf "soak [%3d/%d] %-15s %2d/%-2d %s %s in %s s (%s M/s) | messages %s/%s, tasks %s/%s | %s, ETA %s\n" \
    $done_chunks $total_chunks "$name" $i "${counts[p]}" "$(commas $size)" "${kinds[p]}" \
    "$(decimal $((dt / 100)) 1)" "$(decimal $((size / dt / 10)) 2)" \
    "$(commas $msgs)" "$(commas $want_msgs)" "$(commas $tasks)" "$(commas $want_tasks)" \
    "$(hms $((elapsed / 1000)))" "$(hms $eta)"
done

elapsed=$(( $(now_ms) - t_start ))
echo "soak: per program:"
for ((p = 0; p < np; p++)); do
  n=$((counts[p] * sizes[p]))
  printf "  %-15s %3d chunks  %15s %-8s  %8s s  %6s M/s\n" "${names[p]}" "${counts[p]}" \
    "$(commas $n)" "${kinds[p]}" "$(decimal $((secs[p] / 100)) 1)" "$(decimal $((n / secs[p] / 10)) 2)"
done
echo "soak: PASS: messages: $(commas $msgs), tasks: $(commas $tasks), time: $(hms $((elapsed / 1000))) ($done_chunks chunks)"
