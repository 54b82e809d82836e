#!/usr/bin/env bash
# make bench-scaling: the scaling run for a larger machine: weft, its serial
# twins and the peers (Lace among them when built) with 1, 2, 4, 8 and 16
# workers (those up to the CPU count), 3 rounds, finishing within about 10
# minutes on 16 cores (a global deadline stops it at 600 s whatever happens;
# runs left are marked skipped).
# Writes BIN_DIR/scaling.csv, scaling-raw.csv, scaling.png (when gnuplot is
# there; else draw it later with scripts/bench-plot.sh ... scaling) and
# scaling-machine.txt.
#
# It needs nothing but a built BIN_DIR: the programs carry an rpath to
# BIN_DIR/lib, which holds every shared library they use beyond glibc, so the
# folder can be copied to a machine without network or packages:
#     make bench-build              # here: build/bench with build/bench/lib
#     scripts/bench-scaling.sh build/bench    # there
# Usage: scripts/bench-scaling.sh BIN_DIR
# fib and DFS run smaller here than in make bench: OpenMP's task queues slow
# down so much with many workers that fib(35) would take minutes; weft and
# Lace also run fib(40), DFS 9x8 and the 10^8-node tree-sum alone.
# Environment: BENCH_THREADS (default "1 2 4 8 16" cut to the CPU count),
# BENCH_ROUNDS (3), BENCH_LIMIT (15 s a run), BENCH_DEADLINE (600 s),
# BENCH_ONLY, BENCH_OUT: see scripts/bench-run.sh.
set -u
BIN=${1:-build/bench}
here=$(cd "$(dirname "$0")" && pwd)
OUT=${BENCH_OUT:-$BIN}
mkdir -p "$OUT"
ncpu=$(nproc)
if [ -z "${BENCH_THREADS:-}" ]; then
  BENCH_THREADS=""
  for t in 1 2 4 8 16; do [ "$t" -le "$ncpu" ] && BENCH_THREADS="$BENCH_THREADS $t"; done
fi
export BENCH_THREADS
export BENCH_ROUNDS=${BENCH_ROUNDS:-3}
export BENCH_LIMIT=${BENCH_LIMIT:-15}
export BENCH_DEADLINE=${BENCH_DEADLINE:-600}
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpus: $ncpu"
  lscpu 2>/dev/null | grep -E '^(Model name|Socket|Core|Thread|NUMA node\(s\)|CPU\(s\)|L3)' || true
  echo "threads: $BENCH_THREADS; rounds: $BENCH_ROUNDS; limit: ${BENCH_LIMIT}s; deadline: ${BENCH_DEADLINE}s"
} | tee "$OUT/scaling-machine.txt"
# Every program must find its libraries before anything runs.
missing=$(for f in "$BIN"/*; do
  [ -f "$f" ] && [ -x "$f" ] || continue
  LD_LIBRARY_PATH="$BIN/lib" ldd "$f" 2>/dev/null | awk -v f="$f" '/not found/ {print f ": " $1}'
done)
if [ -n "$missing" ]; then
  echo "bench-scaling: libraries not found:" >&2; echo "$missing" >&2; exit 2
fi
P="weft omp_gcc omp_clang tbb"
L="$P lace"   # the workloads with a Lace peer (skipped when it is not built)
"$here/bench-run.sh" "$BIN" scaling <<EOF_TABLE
# label|program|impls|arguments
fib|fib|$L|34|spawn-cost
dfs|dfs|$L|7 8|spawn-cost
nqueens|nqueens|$L|12|spawn-cost
uts-t1|uts|$L|-t 1 -a 3 -d 10 -b 4 -r 19|spawn-cost
uts-t3|uts|$L|-t 0 -b 2000 -q 0.124875 -m 8 -r 42|spawn-cost
bpc|bpc|$P|2000 49 2
spc|spc|$P|100000 2
wavefront|wavefront|$P|200 2
treesum|treesum|$L|10000000 1|spawn-cost
tree1k|treesum|$L|1023 20000|spawn-cost
# weft and Lace alone at sizes where 16 workers still have seconds of work
# (the other peers would need minutes at these sizes on one worker), and the
# issue's 10^8-node tree summed once (2.4 GB)
fib40|fib|weft lace|40|spawn-cost
dfs98|dfs|weft lace|9 8|spawn-cost
tree1e8|treesum|weft lace|100000000|spawn-cost
EOF_TABLE
rc=$?
BENCH_PLOT_TITLE="bench-scaling ($ncpu CPUs)" "$here/bench-plot.sh" "$OUT/scaling.csv" "$OUT/scaling.png" scaling
exit $rc
