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
echo "== 1. the runtime: fib(36), 24 million spawns"
for n in serial 1 2; do
  if [ $n = serial ]; then out=$("$B"/bench/fib_serial 36); else out=$(WEFT_NUM_THREADS=$n "$B"/bench/fib 36); fi
  echo "   $( [ $n = serial ] && echo 'serial twin ' || echo "weft, $n worker$( [ $n = 1 ] || echo s)") : $out"
done
echo
echo "== 2. the quarantine"
echo "-- quarantine gen --validators 2048 --epochs 4 --seed 7"
"$Q" gen --validators 2048 --epochs 4 --seed 7 --out "$work/stream.wq"
echo "-- quarantine run (2 workers)"
"$Q" run --input "$work/stream.wq" --db "$work/store.db" --workers 2
echo "-- quarantine check"
"$Q" check --db "$work/store.db" --expected "$work/stream.wq.expected"
