#!/usr/bin/env bash
# The benchmark engine behind scripts/bench.sh and scripts/bench-scaling.sh.
#
# Usage: scripts/bench-run.sh BIN_DIR TAG < TABLE
#
# TABLE has one workload a line, fields separated by '|':
#     LABEL|PROGRAM|IMPLS|ARGS[|spawn-cost]
# e.g.  fib|fib|weft omp_gcc omp_clang tbb|35|spawn-cost
# spawn-cost: report (T on 1 worker - T twin) / spawns in ns (for workloads
# whose tasks are fine-grained; for the microsecond payloads it is noise).
# IMPLS name programs in BIN_DIR: weft is BIN_DIR/PROGRAM, any other impl X is
# BIN_DIR/PROGRAM_X. Each impl is compared with its serial twin: PROGRAM_serial
# (same compiler and flags as weft, omp_gcc and tbb) or PROGRAM_serial_clang
# (for omp_clang and every other impl whose name ends in clang, as the loop
# benchmarks' omp_static_clang; lace's twin is PROGRAM_serial, as Lace peers
# are built with its compiler and flags). A missing program is skipped with a note (for
# lace, one note that says how to build the Lace peers).
#
# The runs are interleaved so that the machine's slow and fast phases hit the
# parallel programs and their twins alike: round by round, each workload runs
# its twins and then every (impl, worker count) once. Ratios are taken run
# against the twin run of the same round, then the median is reported.
#
# Environment:
#   BENCH_THREADS   worker counts, e.g. "1 2"            (default "1 2")
#   BENCH_ROUNDS    rounds                                (default 5)
#   BENCH_LIMIT     seconds one run may take; a run that overruns is killed,
#                   recorded as a timeout, and that config is not run again (60)
#   BENCH_DEADLINE  seconds for the whole run; after it, runs left are
#                   recorded as skipped (0: none)         (default 0)
#   BENCH_ONLY      labels to run (space separated; default all)
#   BENCH_IMPLS     runtimes to run, e.g. "weft" (default: the table's)
#   BENCH_OUT       folder for the results                (default BIN_DIR)
#
# Writes OUT/TAG.csv (one line per workload, impl and worker count),
# OUT/TAG-raw.csv (every run) and prints the summary. Exit status 1 when a
# program printed a wrong result or failed, else 0.
set -u
BIN=$1
TAG=$2
THREADS=${BENCH_THREADS:-1 2}
ROUNDS=${BENCH_ROUNDS:-5}
LIMIT=${BENCH_LIMIT:-60}
DEADLINE=${BENCH_DEADLINE:-0}
ONLY=${BENCH_ONLY:-}
IMPLS=${BENCH_IMPLS:-}
OUT=${BENCH_OUT:-$BIN}
mkdir -p "$OUT"
RAW=$OUT/$TAG-raw.csv
CSV=$OUT/$TAG.csv
export LD_LIBRARY_PATH="$BIN/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# ------------------------------------------------------------------ the table
labels=(); progs=(); implss=(); argss=(); costs=(); no_lace=""
while IFS='|' read -r label prog impls args flags; do
  [[ -z $label || $label == \#* ]] && continue
  if [ -n "$ONLY" ] && ! [[ " $ONLY " == *" $label "* ]]; then continue; fi
  have=()
  for i in $impls; do
    if [ -n "$IMPLS" ] && ! [[ " $IMPLS " == *" $i "* ]]; then continue; fi
    exe=$prog; [ "$i" = weft ] || exe=${prog}_$i
    if [ -x "$BIN/$exe" ]; then have+=("$i")
    elif [ "$i" = lace ]; then no_lace="$no_lace $label"
    else echo "bench: no $BIN/$exe; $label/$i skipped" >&2; fi
  done
  labels+=("$label"); progs+=("$prog"); implss+=("${have[*]}"); argss+=("$args")
  [[ ${flags:-} == *spawn-cost* ]] && costs+=(1) || costs+=(0)
done

if [ -n "$no_lace" ]; then
  echo "bench: lace skipped for$no_lace: its peers are not in $BIN. Lace (1.4.2) is not a Debian package:" >&2
  echo "bench:   git clone https://github.com/trolando/lace DIR && git -C DIR checkout v1.4.2" >&2
  echo "bench:   make bench LACE_DIR=DIR   (or bench-scaling, bench-build; docs/benchmarks.md, \"Lace\")" >&2
fi

twin_of() { [[ $1 == *clang ]] && echo serial_clang || echo serial; }

# The twins each workload needs, and the number of runs planned.
total=0
declare -a twinss
for w in "${!labels[@]}"; do
  tw=""
  for i in ${implss[$w]}; do
    t=$(twin_of "$i")
    [[ " $tw " == *" $t "* ]] || tw="$tw $t"
  done
  twinss[$w]=$tw
  for t in $tw; do
    if [ ! -x "$BIN/${progs[$w]}_$t" ]; then
      echo "bench: the twin $BIN/${progs[$w]}_$t is missing" >&2; exit 2
    fi
  done
  n_i=$(wc -w <<<"${implss[$w]}"); n_t=$(wc -w <<<"$THREADS"); n_w=$(wc -w <<<"$tw")
  total=$((total + ROUNDS * (n_w + n_i * n_t)))
done

# ------------------------------------------------------------------ one run
# run_one EXE THREADS ARGS: runs it; sets R_STATUS (ok|timeout|fail), R_TIME,
# R_RESULT, R_SPAWNS, R_RSS.
run_one() {
  local exe=$1 t=$2 args=$3 out rc line kv
  R_TIME=NA; R_RESULT=NA; R_SPAWNS=0; R_RSS=NA
  # shellcheck disable=SC2086  # ARGS is a word list on purpose
  out=$(WEFT_NUM_THREADS=$t OMP_NUM_THREADS=$t timeout -k 5 "$LIMIT" "$BIN/$exe" $args 2>&1)
  rc=$?
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then R_STATUS=timeout; return; fi
  line=$(grep '^bench=' <<<"$out" | tail -n 1)
  if [ $rc -ne 0 ] || [ -z "$line" ]; then
    R_STATUS=fail
    echo "bench: $exe $args (threads $t) exited $rc:" >&2
    tail -n 5 <<<"$out" | sed 's/^/    /' >&2
    return
  fi
  R_STATUS=ok
  for kv in $line; do
    case $kv in
      time_s=*) R_TIME=${kv#time_s=} ;;
      result=*) R_RESULT=${kv#result=} ;;
      spawns=*) R_SPAWNS=${kv#spawns=} ;;
      rss_kb=*) R_RSS=${kv#rss_kb=} ;;
    esac
  done
}

# ------------------------------------------------------------------ the rounds
echo "label,round,impl,threads,time_s,result,spawns,rss_kb,status,twin,twin_time_s,spawn_cost" >"$RAW"
declare -A dead=()      # "w/impl/threads" -> timeout|fail: not run again
declare -A twin_res=()  # "w" -> the result the twins agreed on
declare -A twin_spawns=()
bad=0; done_runs=0; start=$SECONDS
echo "bench: $total runs planned (${#labels[@]} workloads, threads: $THREADS, rounds: $ROUNDS, limit ${LIMIT}s per run$([ "$DEADLINE" -gt 0 ] && echo ", deadline ${DEADLINE}s"))"

progress() {  # LABEL IMPL THREADS ROUND STATUS TIME NOTE
  printf '[%4d/%d %4ds] %-8s %-13s t=%-2s round %d/%d  %-7s %10s s  %s\n' \
    "$done_runs" "$total" $((SECONDS - start)) "$1" "$2" "$3" "$4" "$ROUNDS" "$5" "$6" "$7"
}

over_deadline() { [ "$DEADLINE" -gt 0 ] && [ $((SECONDS - start)) -ge "$DEADLINE" ]; }

for ((r = 1; r <= ROUNDS; r++)); do
  for w in "${!labels[@]}"; do
    label=${labels[$w]}; prog=${progs[$w]}; args=${argss[$w]}
    declare -A tt=()
    for tw in ${twinss[$w]}; do
      done_runs=$((done_runs + 1))
      if over_deadline; then R_STATUS=skipped; R_TIME=NA; R_RESULT=NA; R_SPAWNS=0; R_RSS=NA
      else run_one "${prog}_$tw" 1 "$args"; fi
      tt[$tw]=$R_TIME
      note=""
      if [ "$R_STATUS" = ok ]; then
        if [ -z "${twin_res[$w]:-}" ]; then twin_res[$w]=$R_RESULT; twin_spawns[$w]=$R_SPAWNS
        elif [ "${twin_res[$w]}" != "$R_RESULT" ]; then
          R_STATUS=wrong; bad=1; note="WRONG RESULT $R_RESULT, expected ${twin_res[$w]}"
        fi
      elif [ "$R_STATUS" != skipped ]; then bad=1
      fi
      [ "$R_STATUS" = ok ] && note="result=$R_RESULT $note"
      echo "$label,$r,$tw,1,$R_TIME,$R_RESULT,$R_SPAWNS,$R_RSS,$R_STATUS,$tw,$R_TIME,${costs[$w]}" >>"$RAW"
      progress "$label" "$tw" 1 "$r" "$R_STATUS" "$R_TIME" "$note"
    done
    for impl in ${implss[$w]}; do
      exe=$prog; [ "$impl" = weft ] || exe=${prog}_$impl
      tw=$(twin_of "$impl")
      for t in $THREADS; do
        done_runs=$((done_runs + 1))
        key="$w/$impl/$t"
        if [ -n "${dead[$key]:-}" ] || over_deadline; then
          R_STATUS=skipped; R_TIME=NA; R_RESULT=NA; R_SPAWNS=0; R_RSS=NA
        else
          run_one "$exe" "$t" "$args"
        fi
        note=""
        case $R_STATUS in
          ok)
            if [ -n "${twin_res[$w]:-}" ] && [ "${twin_res[$w]}" != "$R_RESULT" ]; then
              R_STATUS=wrong; bad=1; note="WRONG RESULT $R_RESULT, expected ${twin_res[$w]}"
            elif [ "${tt[$tw]}" != NA ]; then
              note=$(awk -v a="$R_TIME" -v b="${tt[$tw]}" 'BEGIN { printf "%.2fx %s", a / b, "serial" }')
            fi ;;
          timeout) dead[$key]=timeout; note="over ${LIMIT}s: not run again" ;;
          fail) dead[$key]=fail; bad=1 ;;
        esac
        [ "$R_SPAWNS" = 0 ] && R_SPAWNS=${twin_spawns[$w]:-0}
        echo "$label,$r,$impl,$t,$R_TIME,$R_RESULT,$R_SPAWNS,$R_RSS,$R_STATUS,$tw,${tt[$tw]},${costs[$w]}" >>"$RAW"
        progress "$label" "$impl" "$t" "$r" "$R_STATUS" "$R_TIME" "$note"
      done
    done
    unset tt
  done
done

# ------------------------------------------------------------------ summary
# Per (label, impl, threads): runs ok, median/min/max time, the median of the
# paired ratios to the twin, per-spawn overhead on 1 worker (median of
# (T - Ttwin) / spawns), speedup over the same impl on 1 worker and over the
# twin, peak RSS.
awk -F, -v csv="$CSV" '
function sortn(a, n,    i, j, v) {   # insertion sort of a[1..n], numeric
  for (i = 2; i <= n; i++) {
    v = a[i]; j = i - 1
    while (j >= 1 && a[j] + 0 > v + 0) { a[j + 1] = a[j]; j-- }
    a[j + 1] = v
  }
}
function median(s,    a, n) {        # s: numbers separated by spaces
  n = split(s, a, " "); if (n == 0) return "NA"
  sortn(a, n)
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function extreme(s, want_min,    a, n, i, m) {
  n = split(s, a, " "); if (n == 0) return "NA"
  m = a[1]
  for (i = 2; i <= n; i++) if (want_min ? a[i] + 0 < m + 0 : a[i] + 0 > m + 0) m = a[i]
  return m
}
function fmt(x, f) { return x == "NA" ? "NA" : sprintf(f, x) }
NR == 1 { next }
{
  key = $1 SUBSEP $3 SUBSEP $4
  if (!(key in seen)) { seen[key] = 1; order[++nk] = key; twin[key] = $10 }
  if ($9 != "ok") {
    if (!((key, $9) in cnt)) others[key] = others[key] " " $9
    cnt[key, $9]++
    next
  }
  n[key]++
  times[key] = times[key] " " $5
  if ($11 != "NA" && $11 > 0) ratios[key] = ratios[key] " " ($5 / $11)
  if ($12 == 1 && $4 == 1 && $7 > 0 && $11 != "NA" && $3 != $10) ovh[key] = ovh[key] " " (($5 - $11) / $7 * 1e9)
  if ($8 != "NA" && $8 + 0 > rss[key] + 0) rss[key] = $8
  res[key] = $6; sp[key] = $7
}
END {
  print "workload,impl,threads,runs,median_s,min_s,max_s,twin,ratio_to_serial,overhead_ns_per_spawn,speedup_vs_1,speedup_vs_serial,rss_kb_max,result,spawns,status" > csv
  for (k = 1; k <= nk; k++) med[order[k]] = median(times[order[k]])
  printf "\n%-8s %-13s %3s %4s %10s %9s %9s %8s %9s %9s  %s\n", "workload", "impl", "thr", "runs", "median_s", "x serial", "ns/spawn", "vs 1 thr", "vs serial", "rss_kb", "status"
  for (k = 1; k <= nk; k++) {
    key = order[k]; split(key, p, SUBSEP)
    one = p[1] SUBSEP p[2] SUBSEP 1
    tkey = p[1] SUBSEP twin[key] SUBSEP 1
    r = median(ratios[key]); o = median(ovh[key])
    s1 = ((one in med) && med[one] != "NA" && med[key] != "NA" && med[key] > 0) ? med[one] / med[key] : "NA"
    ss = ((tkey in med) && med[tkey] != "NA" && med[key] != "NA" && med[key] > 0) ? med[tkey] / med[key] : "NA"
    status = "ok"
    if (others[key] != "") {
      status = ""
      m = split(others[key], q, " ")
      for (i = 1; i <= m; i++) status = status (i > 1 ? "+" : "") q[i] "x" cnt[key, q[i]]
    }
    rk = (key in rss) ? rss[key] : "NA"
    printf "%s,%s,%s,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", p[1], p[2], p[3], n[key], med[key], extreme(times[key], 1), extreme(times[key], 0), twin[key], r, o, s1, ss, rk, ((key in res) ? res[key] : "NA"), ((key in sp) ? sp[key] : "NA"), status > csv
    printf "%-8s %-13s %3s %4d %10s %9s %9s %8s %9s %9s  %s\n", p[1], p[2], p[3], n[key], fmt(med[key], "%.4f"), fmt(r, "%.2f"), fmt(o, "%.1f"), fmt(s1, "%.2f"), fmt(ss, "%.2f"), rk, status
  }
}
' "$RAW"
echo
echo "bench: $done_runs runs in $((SECONDS - start)) s; results in $CSV (every run: $RAW)"
exit $bad
