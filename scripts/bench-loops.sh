#!/usr/bin/env bash
# make bench-loops (and the second half of make bench): the parallel-loop
# benchmarks of issue 9 against their serial twins, OpenMP loops (static,
# dynamic and guided schedules, taskloop; gcc + libgomp and clang + libomp)
# and TBB (auto_partitioner), interleaved rounds through scripts/bench-run.sh:
#   kernels  sum, logsumexp, blackscholes, histogram, heat, matmul,
#            transpose (benchmarks/NAME/; docs/benchmarks.md, "Parallel loops")
#   grain    the grain-size sweep: one loop whose iterations cost 10 to 10^5
#            cycles, the same total work at every grain
# Writes in OUT (BIN_DIR unless BENCH_OUT is set):
#   loops.csv, loops-raw.csv               the kernels (bench-run.sh's columns)
#   loops-1w.png, loops-2w.png             T / T serial per kernel and runtime
#   grain.csv, grain-raw.csv               the sweep, as bench-run.sh writes it
#   grain-sweep.csv, grain.png             the sweep against cycles per iteration
#   loops.md                               the tables for docs/benchmarks.md
#                                          (of the parts run), with the
#                                          command, date and machine
# Sized for the 2-core machine: one round took 8 minutes there under a load
# average of 13 (kernels 343 s, sweep 140 s); 5 rounds on the quiet machine
# should take about 10-12 minutes (an estimate; the OpenMP runs that time
# out cost 10 s once each, in the first round). Each part stops starting runs
# at its deadline (then the runs left are marked skipped): at most 20 minutes.
# Usage: scripts/bench-loops.sh BIN_DIR        (BIN_DIR: build/bench)
# Environment (besides bench-run.sh's BENCH_THREADS, BENCH_ROUNDS, BENCH_ONLY,
# BENCH_IMPLS, BENCH_OUT):
#   BENCH_LOOPS_PARTS   "kernels grain" (default both)
#   BENCH_LOOPS_SIZE    full (default) or small: every size about 10x
#                       smaller, a smoke check of the whole thing in ~2 minutes
#   BENCH_GRAINS        the grains in cycles (default 10 30 ... 100000)
#   BENCH_GRAIN_WORK    cycles of work per sweep run (default 3e8; small 3e7)
#   BENCH_LIMIT         seconds a run may take (default 10: OpenMP's dynamic
#                       schedule, chunk 1, takes minutes on the 10^8-iteration
#                       sum with 2 threads; it is recorded as a timeout)
#   BENCH_DEADLINE      seconds for each part (default 720 kernels, 480 grain)
set -u
BIN=${1:-build/bench}
here=$(cd "$(dirname "$0")" && pwd)
export BENCH_THREADS=${BENCH_THREADS:-1 2}
export BENCH_ROUNDS=${BENCH_ROUNDS:-5}
export BENCH_LIMIT=${BENCH_LIMIT:-10}
OUT=${BENCH_OUT:-$BIN}
export BENCH_OUT=$OUT
mkdir -p "$OUT"
PARTS=${BENCH_LOOPS_PARTS:-kernels grain}
SIZE=${BENCH_LOOPS_SIZE:-full}
case $SIZE in full|small) ;; *) echo "bench-loops: BENCH_LOOPS_SIZE is full or small, not '$SIZE'" >&2; exit 2 ;; esac
OMP=""
for cc in gcc clang; do for s in static dynamic guided taskloop; do OMP="$OMP omp_${s}_$cc"; done; done
I="weft$OMP tbb"
export BENCH_PLOT_IMPLS=$I
rc=0
started=$(date -u '+%Y-%m-%d %H:%M UTC')
machine="$(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) CPUs"
echo "bench-loops: $started on $machine; parts: $PARTS; size: $SIZE"
t_all=$SECONDS

# ------------------------------------------------------------------ kernels
if [[ " $PARTS " == *" kernels "* ]]; then
  if [ "$SIZE" = full ]; then
    A_SUM="100000000 1"; A_LSE="10000000 1"; A_BS="2000000 1"; A_HIST="4000 4000 4"
    A_HEAT="1024 100"; A_MM="768 1"; A_TR="1000 4000 4"
  else
    A_SUM="10000000 1"; A_LSE="1000000 1"; A_BS="200000 1"; A_HIST="1000 1000 4"
    A_HEAT="512 40"; A_MM="256 2"; A_TR="500 1000 4"
  fi
  BENCH_DEADLINE=${BENCH_DEADLINE:-720} "$here/bench-run.sh" "$BIN" loops <<EOF_TABLE || rc=1
# label|program|impls|arguments|spawn-cost (here: ns per loop iteration)
sum|sum|$I|$A_SUM|spawn-cost
logsumexp|logsumexp|$I|$A_LSE|spawn-cost
blackscholes|blackscholes|$I|$A_BS|spawn-cost
histogram|histogram|$I|$A_HIST|spawn-cost
heat|heat|$I|$A_HEAT|spawn-cost
matmul|matmul|$I|$A_MM|spawn-cost
transpose|transpose|$I|$A_TR|spawn-cost
EOF_TABLE
  # one PNG per worker count (ten runtimes a cluster are enough bars)
  for t in $BENCH_THREADS; do
    awk -F, -v t="$t" 'NR == 1 || $3 == t || $2 ~ /^serial/' "$OUT/loops.csv" >"$OUT/loops-${t}w.csv"
    BENCH_PLOT_TITLE="make bench-loops: kernels, $t worker(s) ($(nproc) CPUs)" \
      "$here/bench-plot.sh" "$OUT/loops-${t}w.csv" "$OUT/loops-${t}w.png" ratio
    rm -f "$OUT/loops-${t}w.csv"
  done
fi

# ------------------------------------------------------------------ grain sweep
if [[ " $PARTS " == *" grain "* ]]; then
  GRAINS=${BENCH_GRAINS:-10 30 100 300 1000 3000 10000 30000 100000}
  if [ "$SIZE" = full ]; then WORK=${BENCH_GRAIN_WORK:-3e8}; else WORK=${BENCH_GRAIN_WORK:-3e7}; fi
  cal=$(LD_LIBRARY_PATH="$BIN/lib" "$BIN/grain_serial" calibrate) || { echo "bench-loops: $BIN/grain_serial calibrate failed" >&2; exit 2; }
  cps=$(sed -n 's/.*cycles_per_step=\([0-9.]*\).*/\1/p' <<<"$cal")
  ghz=$(sed -n 's/.*tsc_ghz=\([0-9.]*\).*/\1/p' <<<"$cal")
  echo "bench-loops: a spin step takes $cps TSC cycles (TSC at $ghz GHz); $WORK cycles of work a run"
  table="# label|program|impls|N STEPS|spawn-cost (ns per iteration)"
  : >"$OUT/grain-params.txt"
  for g in $GRAINS; do
    read -r steps n < <(awk -v g="$g" -v c="$cps" -v w="$WORK" 'BEGIN {
      s = int(g / c + 0.5); if (s < 1) s = 1; n = int(w / g + 0.5); if (n < 1) n = 1; print s, n }')
    table="$table
grain-$g|grain|$I|$n $steps|spawn-cost"
    echo "grain-$g $g $steps $n" >>"$OUT/grain-params.txt"
  done
  BENCH_DEADLINE=${BENCH_DEADLINE:-480} "$here/bench-run.sh" "$BIN" grain <<<"$table" || rc=1
  # grain-sweep.csv: one line per grain, runtime and worker count, with the
  # serial twin's measured cycles per iteration (median time x TSC rate / N).
  awk -F, -v ghz="$ghz" -v out="$OUT/grain-sweep.csv" '
    FNR == NR { g[$1] = $2; st[$1] = $3; n[$1] = $4; next }
    FNR == 1 { next }
    { key[++k] = $0; if ($2 == "serial" && $5 != "NA") ser[$1] = $5 }
    END {
      print "grain_cycles,steps,iterations,serial_cycles_per_iter,impl,threads,median_s,ratio_to_serial,overhead_ns_per_iter,status" > out
      for (j = 1; j <= k; j++) {
        split(key[j], f, ",")
        if (f[2] == "serial" || f[2] == "serial_clang" || !(f[1] in g)) continue
        cyc = (f[1] in ser && ghz > 0) ? sprintf("%.1f", ser[f[1]] * ghz * 1e9 / n[f[1]]) : (ghz > 0 ? "NA" : g[f[1]])
        printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", g[f[1]], st[f[1]], n[f[1]], cyc, f[2], f[3], f[5], f[9], f[10], f[16] > out
      }
    }' <(tr ' ' ',' <"$OUT/grain-params.txt") "$OUT/grain.csv"
  echo "bench-loops: the sweep in $OUT/grain-sweep.csv"
  BENCH_PLOT_TITLE="grain-size sweep ($(nproc) CPUs)" \
    "$here/bench-plot.sh" "$OUT/grain-sweep.csv" "$OUT/grain.png" grain
fi

# ------------------------------------------------------------------ loops.md
# Markdown for docs/benchmarks.md: T / T serial per kernel and runtime for
# each worker count, weft against the issue's targets, and the sweep.
{
  echo "Command: \`make bench-loops\` (scripts/bench-loops.sh $BIN; parts: $PARTS; size: $SIZE;" \
    "rounds: $BENCH_ROUNDS; threads: $BENCH_THREADS; limit ${BENCH_LIMIT}s a run)," \
    "$started, $((SECONDS - t_all)) s. Machine: $machine; $(gcc --version | head -n 1);" \
    "$(clang --version 2>/dev/null | head -n 1); oneTBB $(dpkg-query -W -f='${Version}' libtbb-dev 2>/dev/null || echo '?')."
  echo
  cols="$I"
  hdr() {  # the header of a kernel x runtime table
    printf '| %s |' "$1"; for c in $cols; do printf ' %s |' "${c#omp_}"; done; echo
    printf '|---|'; for c in $cols; do printf -- '---|'; done; echo
  }
  if [ -f "$OUT/loops.csv" ] && [[ " $PARTS " == *" kernels "* ]]; then
    for t in $BENCH_THREADS; do
      echo "Kernels, T / T serial twin with $t worker(s) (median of paired rounds; lower is better; omp_ columns without the prefix):"
      echo
      hdr kernel
      awk -F, -v t="$t" -v cols="$cols" '
        NR == 1 { next }
        { if (!($1 in seen)) { seen[$1] = 1; w[++nw] = $1 }
          if ($3 == t) { v[$1, $2] = ($9 == "NA" ? ($16 ~ /timeout/ ? "timeout" : "-") : sprintf("%.2f", $9)) } }
        END {
          nc = split(cols, c, " ")
          for (i = 1; i <= nw; i++) {
            printf "| %s |", w[i]
            for (j = 1; j <= nc; j++) printf " %s |", ((w[i], c[j]) in v) ? v[w[i], c[j]] : "-"
            printf "\n"
          }
        }' "$OUT/loops.csv"
      echo
    done
    tmax=$(tr ' ' '\n' <<<"$BENCH_THREADS" | sort -n | tail -n 1)
    echo "Weft against the issue's targets ($tmax workers against 1; the best peer is the fastest OpenMP or TBB at $tmax; ns/iter: (T weft 1 worker - T serial) / iterations):"
    echo
    echo "| kernel | serial (s) | weft 1w (s) | weft ${tmax}w (s) | ${tmax}w vs 1w | best peer ${tmax}w | its time (s) | weft / best | ns/iter (1w) |"
    echo "|---|---|---|---|---|---|---|---|---|"
    awk -F, -v t="$tmax" '
      NR == 1 { next }
      { if (!($1 in seen)) { seen[$1] = 1; w[++nw] = $1 }
        if ($2 == "serial") ser[$1] = $5
        if ($2 == "weft" && $3 == 1) { w1[$1] = $5; ov[$1] = $10 }
        if ($2 == "weft" && $3 == t) wt[$1] = $5
        if ($2 != "weft" && $2 !~ /^serial/ && $3 == t && $5 != "NA" && (!($1 in best) || $5 + 0 < best[$1] + 0)) { best[$1] = $5; who[$1] = $2 } }
      function f(x, p) { return (x == "" || x == "NA") ? "-" : sprintf(p, x) }
      END {
        for (i = 1; i <= nw; i++) {
          k = w[i]
          sp = (w1[k] != "" && w1[k] != "NA" && wt[k] != "" && wt[k] != "NA" && wt[k] > 0) ? w1[k] / wt[k] : ""
          rb = (best[k] != "" && wt[k] != "" && wt[k] != "NA" && best[k] > 0) ? wt[k] / best[k] : ""
          printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", k, f(ser[k], "%.4f"), f(w1[k], "%.4f"), f(wt[k], "%.4f"),
            f(sp, "%.2fx"), (k in who ? who[k] : "-"), f(best[k], "%.4f"), f(rb, "%.2f"), f(ov[k], "%.2f")
        }
      }' "$OUT/loops.csv"
    echo
  fi
  if [ -f "$OUT/grain-sweep.csv" ] && [[ " $PARTS " == *" grain "* ]]; then
    for t in $BENCH_THREADS; do
      echo "Grain-size sweep, T / T serial twin with $t worker(s) (cycles: the serial twin's per iteration, TSC):"
      echo
      hdr "grain (cycles)"
      awk -F, -v t="$t" -v cols="$cols" '
        NR == 1 { next }
        { if (!($1 in seen)) { seen[$1] = 1; g[++ng] = $1; cyc[$1] = $4 }
          if ($6 == t) v[$1, $5] = ($8 == "NA" ? ($10 ~ /timeout/ ? "timeout" : "-") : sprintf("%.2f", $8)) }
        END {
          nc = split(cols, c, " ")
          for (i = 1; i <= ng; i++) {
            printf "| %s (%s) |", g[i], cyc[g[i]]
            for (j = 1; j <= nc; j++) printf " %s |", ((g[i], c[j]) in v) ? v[g[i], c[j]] : "-"
            printf "\n"
          }
        }' "$OUT/grain-sweep.csv"
      echo
      echo "Weft against the best OpenMP schedule at each grain, $t worker(s) (target: within 5% everywhere, ahead of every schedule under 1,000 cycles):"
      echo
      echo "| grain (cycles) | weft T/Tserial | best OpenMP | its T/Tserial | weft / best OpenMP | weft ahead of every OpenMP schedule | weft ns/iter over serial |"
      echo "|---|---|---|---|---|---|---|"
      awk -F, -v t="$t" '
        NR == 1 { next }
        $6 != t { next }
        { if (!($1 in seen)) { seen[$1] = 1; g[++ng] = $1 }
          if ($5 == "weft") { wr[$1] = $8; ov[$1] = $9 }
          else if ($5 ~ /^omp_/) {
            if ($8 == "NA") { lost[$1] = 1 }
            else if (!($1 in best) || $8 + 0 < best[$1] + 0) { best[$1] = $8; who[$1] = $5 } } }
        function f(x, p) { return (x == "" || x == "NA") ? "-" : sprintf(p, x) }
        END {
          for (i = 1; i <= ng; i++) {
            k = g[i]
            r = (wr[k] != "" && wr[k] != "NA" && best[k] > 0) ? wr[k] / best[k] : ""
            ahead = (r == "") ? "-" : (r < 1 ? "yes" : "no")
            printf "| %s | %s | %s | %s | %s | %s | %s |\n", k, f(wr[k], "%.3f"), (k in who ? who[k] : "-"),
              f(best[k], "%.3f"), f(r, "%.3f"), ahead, f(ov[k], "%.2f")
          }
        }' "$OUT/grain-sweep.csv"
      echo
    done
  fi
} >"$OUT/loops.md"
echo "bench-loops: done in $((SECONDS - t_all)) s; tables for docs/benchmarks.md in $OUT/loops.md"
exit $rc
