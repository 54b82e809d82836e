#!/usr/bin/env bash
# make bench-latency (and the end of make bench): the executor's latency and
# the idle strategies (issue 10, item 4; docs/benchmarks.md, "Executor
# latency" and "Idle strategies"). Never asserts; prints and records.
#
#   (1) exec_latency WORKERS parked|busy PROBES for WORKERS in
#       BENCH_LAT_THREADS: p50 and p99 of submit-to-start and
#       submit-to-result, from a parked runtime (a 10 ms gap before each
#       probe) and on a busy one (a load thread keeps a 2 us job in flight;
#       probes every 20-120 us); after the parked probes, the process's CPU
#       over 1 s of idle. Targets (issue 10): p50 submit-to-start under 20 us
#       parked, under 5 us busy; idle under 1% of a core.
#   (2) idle_strategies WAKES GAP_MIN_MS GAP_MAX_MS: exponential backoff 1 to
#       CAP ms, log-log-iterated backoff capped at 2^CAP 1-us slots, park on
#       the notifier, and weft's own backoff-then-park, as wake latency
#       against wake-ups per idle second.
#
# Usage: scripts/bench-latency.sh BIN_DIR         (BIN_DIR: build/bench)
# Writes BIN_DIR/latency.csv, latency.png, idle-strategies.csv and
# idle-strategies.png (gnuplot; without it the CSVs only). About 2 minutes.
# Environment (defaults in brackets): BENCH_LAT_THREADS ["1 2 4"],
#   BENCH_LAT_PARKED [1000 probes], BENCH_LAT_BUSY [20000 probes],
#   BENCH_IDLE_WAKES [20], BENCH_IDLE_GAP ["100 300" ms], BENCH_OUT [BIN_DIR].
set -u
BIN=${1:-build/bench}
OUT=${BENCH_OUT:-$BIN}
THREADS=${BENCH_LAT_THREADS:-1 2 4}
NPARK=${BENCH_LAT_PARKED:-1000}
NBUSY=${BENCH_LAT_BUSY:-20000}
WAKES=${BENCH_IDLE_WAKES:-20}
GAP=${BENCH_IDLE_GAP:-100 300}
mkdir -p "$OUT"
rc=0
t0=$SECONDS
echo "bench-latency: $(date -u '+%Y-%m-%d %H:%M UTC') on $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) CPUs"

lat=$OUT/latency.csv
echo "threads,mode,probes,start_p50_us,start_p99_us,result_p50_us,result_p99_us,lost,idle_cpu_pct" >"$lat"
n=0; total=$(( $(wc -w <<<"$THREADS") * 2 ))
for t in $THREADS; do
  for mode in parked busy; do
    n=$((n + 1))
    probes=$NPARK; [ "$mode" = busy ] && probes=$NBUSY
    printf '[%2d/%d %4ds] exec_latency %d worker(s) %-6s %6d probes ... ' "$n" "$total" $((SECONDS - t0)) "$t" "$mode" "$probes"
    line=$("$BIN/exec_latency" "$t" "$mode" "$probes"); r=$?
    if [ $r -ne 0 ] || [ -z "$line" ]; then echo "FAILED (exit $r)"; rc=1; continue; fi
    # key=value -> the CSV's columns
    awk -v line="$line" 'BEGIN { n = split(line, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
      printf "%s,%s,%s,%s,%s,%s,%s,%s,%s\n", v["threads"], v["mode"], v["probes"], v["start_p50_us"], v["start_p99_us"],
             v["result_p50_us"], v["result_p99_us"], v["lost"], v["idle_cpu_pct"] }' >>"$lat"
    tail -n 1 "$lat" | awk -F, '{ printf "start p50 %s us p99 %s us, result p50 %s us p99 %s us, lost %s, idle CPU %s\n", $4, $5, $6, $7, $8, ($9 == "NA" ? "NA" : $9 "%") }'
  done
done

idle=$OUT/idle-strategies.csv
echo "[    $((SECONDS - t0))s] idle_strategies: $WAKES wake-ups per strategy after idle gaps of $GAP ms"
# shellcheck disable=SC2086 # GAP is two numbers
if ! "$BIN/idle_strategies" "$WAKES" $GAP >"$idle"; then echo "idle_strategies FAILED"; rc=1; fi

echo
echo "Executor latency (us; targets: start p50 < 20 parked, < 5 busy; idle CPU < 1% of a core)"
column -s, -t <"$lat"
echo
echo "Idle strategies (wake latency against wake-ups per idle second)"
column -s, -t <"$idle"

if command -v gnuplot >/dev/null 2>&1; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  awk -F, 'NR > 1 { printf "\"%sw %s\" %s %s %s %s\n", $1, $2, $4, $5, $6, $7 }' "$lat" >"$tmp/lat"
  for s in exp loglog park weft; do
    awk -F, -v s="$s" 'NR > 1 && $1 == s { print $6, $7, $8, $2 }' "$idle" >"$tmp/$s"
  done
  gnuplot <<GP
set terminal pngcairo size 1100,600 font ",10" noenhanced
set output "$OUT/latency.png"
set title "weft executor: submit-to-start and submit-to-result (log scale; targets: start p50 < 20 us parked, < 5 us busy)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set ylabel "microseconds"
set key outside right top
set arrow from graph 0, first 20 to graph 1, first 20 nohead dt 2 lc rgb "black"
set arrow from graph 0, first 5 to graph 1, first 5 nohead dt 3 lc rgb "black"
plot "$tmp/lat" using 2:xtic(1) title "start p50", "" using 3 title "start p99", \
     "" using 4 title "result p50", "" using 5 title "result p99"
set output "$OUT/idle-strategies.png"
unset arrow
unset style
set style data linespoints
set title "idle strategies: wake latency against wake-ups per idle second (log-log; lower left is better)"
set logscale xy
set grid
set xlabel "wake-ups per idle second"
set ylabel "wake latency p50 (us; bars to p99)"
set key top right box opaque
plot "$tmp/exp" using 1:2:2:3 with yerrorlines lw 2 title "exp backoff 1..CAP ms", \
     "" using 1:2:4 with labels offset 1.5,0.8 notitle, \
     "$tmp/loglog" using 1:2:2:3 with yerrorlines lw 2 title "log-log backoff, 2^CAP us", \
     "" using 1:2:4 with labels offset 1.5,-0.8 notitle, \
     "$tmp/park" using 1:2:2:3 with yerrorbars pt 7 ps 2 lw 2 title "park on notifier", \
     "$tmp/weft" using 1:2:2:3 with yerrorbars pt 5 ps 2 lw 2 title "weft (log-log + notify, then park)"
GP
  echo "bench-latency: wrote $OUT/latency.png and $OUT/idle-strategies.png"
else
  echo "bench-latency: no gnuplot here; the CSVs hold everything"
fi
echo "bench-latency: $lat, $idle ($((SECONDS - t0)) s)"
exit $rc
