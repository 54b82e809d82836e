#!/usr/bin/env bash
# make demo: the main job, end to end, with numbers measured on this machine.
#  1. the runtime: parallel fib on 1 and 2 workers against its serial twin;
#  2. the quarantine: generate a stream of a few epochs (every case of the
#     spec), run it in parallel on weft into SQLite, check the store against
#     the generator's expected verdicts.
set -euo pipefail
B=${1:-build}
Q=$B/bin/quarantine
work=$(mktemp -d /tmp/weft-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== weft demo ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores: $(lscpu | sed -n 's/^Model name: *//p'))"
echo
echo "== 1. the runtime: fib(36), 24,157,816 spawns (median of 3 runs each)"
med() {  # CMD...: the median time_s of three runs
  for _ in 1 2 3; do "$@" | sed -n 's/.*time_s=\([0-9.]*\).*/\1/p'; done | sort -n | sed -n 2p
}
ts=$(med "$B"/bench/fib_serial 36)
t1=$(WEFT_NUM_THREADS=1 med "$B"/bench/fib 36)
t2=$(WEFT_NUM_THREADS=2 med "$B"/bench/fib 36)
awk -v s="$ts" -v a="$t1" -v b="$t2" 'BEGIN {
  printf "   serial twin (gcc -O3)  %.3f s\n", s
  printf "   weft, 1 worker         %.3f s   %.1f ns per spawn over the serial twin\n", a, (a - s) / 24157816 * 1e9
  printf "   weft, 2 workers        %.3f s   %.2fx the 1-worker time\n", b, a / b }'
echo
echo "== 2. the quarantine"
echo "-- quarantine gen --validators 2048 --epochs 4 --seed 7"
"$Q" gen --validators 2048 --epochs 4 --seed 7 --out "$work/stream.wq"
echo "-- quarantine run (2 workers)"
"$Q" run --input "$work/stream.wq" --db "$work/store.db" --workers 2
echo "-- quarantine check"
"$Q" check --db "$work/store.db" --expected "$work/stream.wq.expected"
