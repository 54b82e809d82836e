#!/usr/bin/env bash
# Draws a benchmark summary (the CSV that scripts/bench-run.sh writes) as a PNG.
# Usage: scripts/bench-plot.sh CSV PNG ratio|scaling|grain
#   ratio    one group of bars per workload: time / serial twin for each
#            runtime and worker count (log scale; under 1 is faster than serial)
#   scaling  one panel per workload: speedup over the serial twin against the
#            number of workers, one line per runtime
#   grain    the grain-size sweep (CSV: the grain-sweep.csv of
#            scripts/bench-loops.sh): one panel per worker count, time /
#            serial twin against the cycles an iteration costs, one line per
#            runtime and OpenMP schedule (log-log)
# BENCH_PLOT_IMPLS: the runtimes to draw, in order (default: the task
# benchmarks' weft omp_gcc omp_clang tbb lace).
# Needs gnuplot; without it, says so and exits 0 (the CSV holds everything).
set -eu
csv=$1; png=$2; mode=$3
if ! command -v gnuplot >/dev/null 2>&1; then
  echo "bench-plot: no gnuplot here; draw it elsewhere with: scripts/bench-plot.sh $csv $png $mode"
  exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
impls=${BENCH_PLOT_IMPLS:-weft ctx omp_gcc omp_clang tbb lace}   # those absent from the CSV are left out
title=${BENCH_PLOT_TITLE:-weft benchmarks}

case $mode in
ratio)
  # rows: workloads; columns: impl@threads
  threads=$(awk -F, 'NR > 1 && $2 != "serial" && $2 != "serial_clang" {print $3}' "$csv" | sort -n | uniq | tr '\n' ' ')
  cols=""; for i in $impls; do for t in $threads; do cols="$cols $i/${t}w"; done; done
  awk -F, -v cols="$cols" '
    NR == 1 { next }
    { if (!($1 in seen)) { seen[$1] = 1; w[++nw] = $1 }
      if ($9 != "NA" && $9 != "") { v[$1, $2 "/" $3 "w"] = $9; has[$2 "/" $3 "w"] = 1 } }
    END {
      n = split(cols, all, " "); nc = 0
      for (j = 1; j <= n; j++) if (all[j] in has) c[++nc] = all[j]
      printf "workload"; for (j = 1; j <= nc; j++) printf " %s", c[j]; printf "\n"
      for (i = 1; i <= nw; i++) {
        printf "%s", w[i]
        for (j = 1; j <= nc; j++) printf " %s", ((w[i], c[j]) in v) ? v[w[i], c[j]] : "NaN"
        printf "\n"
      }
    }' "$csv" >"$tmp/data"
  ncols=$(($(head -n 1 "$tmp/data" | wc -w) - 1))
  cat >"$tmp/plot" <<GP
set terminal pngcairo size 1400,700 font ",10" noenhanced
set output "$png"
set title "$title: time / serial twin (median of paired runs; log scale, lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set ylabel "T / T serial"
set key outside right top
set xtics rotate by -30
set datafile missing "NaN"
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 lc rgb "black"
GP
  if [ "$ncols" -gt 8 ]; then  # more bars than gnuplot's 8 colours: spread hues
    echo 'set palette model HSV defined (0 0 0.85 0.9, 1 0.85 0.85 0.9); unset colorbox' >>"$tmp/plot"
    lc="lc palette frac (i - 2.0) / $((ncols - 1))"
  else
    lc=""
  fi
  echo "plot for [i=2:$((ncols + 1))] \"$tmp/data\" using i:xtic(1) title columnheader(i) $lc" >>"$tmp/plot"
  ;;
scaling)
  workloads=$(awk -F, 'NR > 1 && !s[$1]++ {print $1}' "$csv" | tr '\n' ' ')
  n=$(wc -w <<<"$workloads")
  rows=$(( (n + 2) / 3 ))
  for w in $workloads; do
    for i in $impls; do
      awk -F, -v w="$w" -v i="$i" 'NR > 1 && $1 == w && $2 == i && $12 != "NA" {print $3, $12}' "$csv" | sort -n >"$tmp/$w.$i"
    done
  done
  maxt=$(awk -F, 'NR > 1 {if ($3 + 0 > m) m = $3 + 0} END {print m}' "$csv")
  {
    echo "set terminal pngcairo size 1500,$((rows * 420)) font \",10\" noenhanced"
    echo "set output \"$png\""
    echo "set multiplot layout $rows,3 title \"$title: speedup over the serial twin (higher is better)\""
    echo "set logscale x 2; set logscale y 2; set format y \"%.3g\"; set grid; set key top left box opaque"
    echo "set xrange [0.8:$((maxt + maxt / 4 + 1))]; set xlabel 'workers'; set ylabel 'T serial / T'"
    for w in $workloads; do
      echo "set title \"$w\""
      line="plot x title 'linear' dt 2 lc rgb 'gray'"
      for i in $impls; do
        [ -s "$tmp/$w.$i" ] && line="$line, \"$tmp/$w.$i\" using 1:2 with linespoints lw 2 title '$i'"
      done
      echo "$line"
    done
    echo "unset multiplot"
  } >"$tmp/plot"
  ;;
grain)
  # columns: grain_cycles,steps,iterations,serial_cycles_per_iter,impl,threads,
  # median_s,ratio_to_serial,overhead_ns_per_iter,status
  threads=$(awk -F, 'NR > 1 {print $6}' "$csv" | sort -n | uniq | tr '\n' ' ')
  n=$(wc -w <<<"$threads")
  for t in $threads; do
    for i in $impls; do
      awk -F, -v t="$t" -v i="$i" 'NR > 1 && $5 == i && $6 == t && $8 != "NA" && $4 != "NA" {print $4, $8}' \
        "$csv" | sort -g >"$tmp/$t.$i"
    done
  done
  {
    echo "set terminal pngcairo size 1500,$((n * 560)) font \",10\" noenhanced"
    echo "set output \"$png\""
    echo "set multiplot layout $n,1 title \"$title: time / serial twin against grain (lower is better)\""
    echo "set logscale x 10; set logscale y 2; set format y \"%.3g\"; set grid"
    echo "set key outside right top"
    echo "set xlabel 'cycles per iteration (serial twin, TSC cycles)'; set ylabel 'T / T serial'"
    for t in $threads; do
      echo "set title \"$t worker(s)\""
      line="plot 1.0/$t title 'ideal (1/$t)' dt 2 lw 2 lc rgb 'gray'"
      k=0
      for i in $impls; do
        k=$((k + 1))
        w=2; [ "$i" = weft ] && w=4
        [ -s "$tmp/$t.$i" ] && line="$line, \"$tmp/$t.$i\" using 1:2 with linespoints lw $w pt $k title '$i'"
      done
      echo "$line"
    done
    echo "unset multiplot"
  } >"$tmp/plot"
  ;;
*) echo "bench-plot: mode is ratio, scaling or grain" >&2; exit 2 ;;
esac
gnuplot "$tmp/plot"
echo "bench-plot: wrote $png"
