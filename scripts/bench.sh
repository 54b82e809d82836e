#!/usr/bin/env bash
# make bench: every workload with 1 and 2 workers, 5 rounds, each round
# paired with the serial twins; prints medians, ratios to serial, per-spawn
# overhead and peak RSS; writes BIN_DIR/results.csv, results-raw.csv and
# results.png. Sized for the project's 2-core machine (10-13 minutes).
# Usage: scripts/bench.sh BIN_DIR        (BIN_DIR: build/bench)
# Environment: BENCH_ROUNDS, BENCH_THREADS, BENCH_LIMIT, BENCH_ONLY (labels),
# BENCH_OUT: see scripts/bench-run.sh.
set -u
BIN=${1:-build/bench}
here=$(cd "$(dirname "$0")" && pwd)
export BENCH_THREADS=${BENCH_THREADS:-1 2}
export BENCH_ROUNDS=${BENCH_ROUNDS:-5}
export BENCH_LIMIT=${BENCH_LIMIT:-30}
# A safety net for a loaded machine: stop starting runs after 13 minutes.
export BENCH_DEADLINE=${BENCH_DEADLINE:-780}
OUT=${BENCH_OUT:-$BIN}
P="weft omp_gcc omp_clang tbb"
L="$P lace"   # the workloads with a Lace peer (skipped when it is not built)
# ctx: weft's context form (PROGRAM_ctx, benchmarks/PROGRAM/PROGRAM_weft_ctx.c),
# next to weft where the workload has one.
echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC') on $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) CPUs"
"$here/bench-run.sh" "$BIN" results <<EOF_TABLE
# label|program|impls|arguments
fib|fib|weft ctx ${L#weft }|35|spawn-cost
dfs|dfs|weft ctx ${L#weft }|8 8|spawn-cost
nqueens|nqueens|$L|12|spawn-cost
bpc|bpc|$P|2000 49 2
spc|spc|$P|100000 2
# dataflow: a 200 x 200 grid of 2 us blocks, each waiting on its upper and
# left neighbours (weft's events, OpenMP depend clauses, a TBB flow graph)
wavefront|wavefront|$P|200 2
uts-t1|uts|$L|-t 1 -a 3 -d 10 -b 4 -r 19|spawn-cost
uts-t3|uts|$L|-t 0 -b 2000 -q 0.124875 -m 8 -r 42|spawn-cost
# tree-sum: a 10^7-node tree summed twice, and the 1,023-node tree summed
# 2 * 10^4 times (about 10^7 forks each)
treesum|treesum|$L|10000000 2|spawn-cost
tree1k|treesum|$L|1023 20000|spawn-cost
# weft and Lace alone: fib(38), and the issue's 10^8-node tree summed once
# (2.4 GB; the peers' 5 * 10^7 tasks would take minutes)
fib38|fib|weft ctx lace|38|spawn-cost
tree1e8|treesum|weft lace|100000000|spawn-cost
EOF_TABLE
rc=$?
BENCH_PLOT_TITLE="make bench ($(nproc) CPUs)" "$here/bench-plot.sh" "$OUT/results.csv" "$OUT/results.png" ratio
exit $rc
