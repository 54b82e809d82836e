#!/usr/bin/env bash
# make bench-quarantine: the quarantine service's figures (issue 4,
# docs/benchmarks.md "Quarantine"). Never asserts; prints and records.
#
#   (a) throughput: `quarantine run --workers 2` against its serial twin
#       `quarantine replay` (same decoding, verification, engine and store,
#       no runtime) on a signature-bound stream (many validators, so nearly
#       every item is an attestation needing one Ed25519 verify); ROUNDS
#       paired rounds (the order alternates), medians of items/s and of the
#       per-round ratio. Target: ratio >= 1.8. replay has a store thread,
#       which runs on a second CPU when there is one: each round also runs
#       replay held to one CPU (taskset), the single-core baseline.
#   (b) the single-core Ed25519 verify rate (benchmarks/quarantine/
#       ed25519_rate, libsodium, 36-byte messages), one run per round;
#       run's 2-worker items/s against twice that rate. Target: >= 0.9.
#   (c) memory: peak RSS (/usr/bin/time %M) of run --workers 2 and of replay
#       on a stream of E epochs and one of 10E epochs. Target: flat (the
#       10E figure within 1.25x of the E figure). E is large enough (about
#       25000 frames) for the bounded buffers (input queue 16384 frames,
#       window 4096 items) to fill on the short stream too: a shorter one
#       would show their first filling as growth.
#   (d) idle CPU: run --workers 2 reading a named pipe; a first part of a
#       stream is written, then the pipe is held open without writing; the
#       process's CPU time (utime + stime of /proc/PID/stat, and the sum of
#       the threads' /proc/PID/task/*/schedstat run times) over IDLE_S
#       seconds, as a share of one core. Target: < 1%. Then the rest is
#       written and the run must complete with every item.
#   (p) the serial part (issue 11 item 7): `quarantine profile` on the
#       stream of (a), QB_PROFILE_RUNS runs, medians of the CPU time per
#       item of each serial stage (decode, engine, emit, store thread;
#       ordered = decode + engine + emit). Targets: store < 3 us, ordered
#       < 2 us. Then the store's write calls: `strace -f -c` of one replay
#       (pwrite64, pread64, fdatasync counts), when strace is installed.
#   (t) over TCP (issue 11): the stream of (a) fed over QB_TCP_CONN [4]
#       connections at --pace max to `run --listen --peers K --workers W`,
#       against the file run, QB_TCP_ROUNDS [3] paired rounds; items/s of
#       each = items / wall time (file: the whole process; TCP: from the
#       feed's start to the run's exit). Target: TCP within 10% of the
#       file run. Then latency: the same feed paced at half the TCP rate
#       measured (--pace xN, N = half that rate over the stream's real-time
#       rate), the summary's arrival-to-verdict p50 and p99. Target: p99
#       under 5 ms.
#
# Usage: scripts/bench-quarantine.sh BUILD_DIR     (uses BUILD_DIR/bin/quarantine
#        and BUILD_DIR/bench/ed25519_rate; writes BUILD_DIR/bench/quarantine.csv,
#        quarantine-raw.csv and keeps the streams in BUILD_DIR/bench/quarantine/)
# Environment (defaults in brackets): QB_ROUNDS [5], QB_VALIDATORS [16384],
#   QB_EPOCHS [6] for (a)/(b); QB_MEM_VALIDATORS [2048], QB_MEM_EPOCHS [12]
#   and QB_MEM_RUNS [2] for (c) (10x the epochs for the long stream);
#   QB_IDLE_S [3]; QB_WORKERS [2]; QB_PROFILE_RUNS [3]; QB_TCP_ROUNDS [3];
#   QB_TCP_CONN [4]; QB_TIME [/usr/bin/time]; QB_PARTS ["a c d p t":
#   which of the measures above to take; b comes with a]. Prefix the make
#   command with `taskset -c 0,1` to hold a larger machine to two CPUs.
set -u
B=${1:-build}
Q=$B/bin/quarantine
RATE=$B/bench/ed25519_rate
OUT=$B/bench
S=$OUT/quarantine
ROUNDS=${QB_ROUNDS:-5}
V=${QB_VALIDATORS:-16384}
E=${QB_EPOCHS:-6}
MV=${QB_MEM_VALIDATORS:-2048}
ME=${QB_MEM_EPOCHS:-12}
MEM_RUNS=${QB_MEM_RUNS:-2}
IDLE_S=${QB_IDLE_S:-3}
W=${QB_WORKERS:-2}
PARTS=${QB_PARTS:-a c d p t}
TCP_ROUNDS=${QB_TCP_ROUNDS:-3}
TCP_CONN=${QB_TCP_CONN:-4}
PROFILE_RUNS=${QB_PROFILE_RUNS:-3}
part() { [[ " $PARTS " == *" $1 "* ]]; }
# figures of the parts not taken stay n/a
m_rp=n/a m_ru=n/a m_ratio=n/a m_rp1=n/a m_ratio1=n/a m_wall_ratio=n/a m_ed=n/a m_vs=n/a mem_run=n/a mem_replay=n/a
idle_pct=n/a idle_ok=n/a nall=n/a RAW=none
declare -A prof=([decode]=n/a [engine]=n/a [emit]=n/a [store]=n/a [ordered]=n/a)
pw_calls=n/a pr_calls=n/a fs_calls=n/a
m_tfile=n/a m_ttcp=n/a m_tratio=n/a lat_p50=n/a lat_p99=n/a lat_pace=n/a lat_rate=n/a
declare -A rss=([run,short]=n/a [run,long]=n/a [replay,short]=n/a [replay,long]=n/a)
TIME=${QB_TIME:-/usr/bin/time}
PRE=
die() { echo "bench-quarantine: $*" >&2; exit 1; }
[ -x "$Q" ] || die "no $Q (make B=$B)"
[ -x "$RATE" ] || die "no $RATE (make B=$B $RATE)"
[ -x "$TIME" ] || die "no $TIME (apt-get install time)"
mkdir -p "$S"
DB=$(mktemp -d "${TMPDIR:-/tmp}/bench-quarantine.XXXXXX")
trap 'rm -rf "$DB"' EXIT
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
echo "bench-quarantine: $(date -u '+%Y-%m-%d %H:%M UTC') on $cpu, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# stream VALIDATORS EPOCHS: sets F to S/vV-eE.bin, generated once (again
# when the binary is newer: gen is deterministic for a binary and a seed)
stream() {
    F=$S/v$1-e$2.bin
    if [ ! -s "$F" ] || [ ! -s "$F.expected" ] || [ "$Q" -nt "$F" ]; then
        echo "  gen: $1 validators, $2 epochs ..."
        "$Q" gen --validators "$1" --epochs "$2" --seed 4 --out "$F" >"$DB/gen.log" 2>&1 ||
            { cat "$DB/gen.log"; die "gen of $F failed"; }
    fi
}
# one CMD NAME ARGS...: runs `quarantine CMD ARGS` into a fresh store under
# /usr/bin/time (and under $PRE when set); sets R to "items secs items_per_s wall_s rss_kb" (secs and
# items/s from the summary: the processing, without start-up and the last
# commit; wall_s: the whole process)
one() {
    local cmd=$1 name=$2; shift 2
    rm -f "$DB/$name.db"*
    $PRE "$TIME" -f '%e %M' -o "$DB/time" "$Q" "$cmd" "$@" --db "$DB/$name.db" >"$DB/$name.log" 2>&1 ||
        { tail -5 "$DB/$name.log"; die "$cmd $* failed"; }
    local sum
    sum=$(sed -n "s/^$cmd: \([0-9]*\) items ([0-9]* frames) in \([0-9.]*\) s: \([0-9]*\) items\/s.*/\1 \2 \3/p" "$DB/$name.log")
    [ -n "$sum" ] || { head -3 "$DB/$name.log"; die "no summary line from $cmd"; }
    R="$sum $(tail -1 "$DB/time")"
}

# ---------------------------------------------------------------- (a) and (b)
if part a; then
echo "(a, b) throughput on a signature-bound stream, $ROUNDS paired rounds"
stream "$V" "$E"
sig=$F
nat=$(grep -c '^reject attestation\|^cleared attestation' "$sig.expected")
nall=$(grep -c '^reject \|^cleared ' "$sig.expected")
echo "  stream: $(stat -c %s "$sig") bytes, $nall items, $nat attestations ($(awk -v a="$nat" -v n="$nall" 'BEGIN { printf "%.1f", 100 * a / n }')%)"
RAW=$OUT/quarantine-raw.csv
# replay has a store thread of its own, which takes a second CPU when there
# is one; "replay on one CPU" holds the whole process to one (taskset).
cpu1=
if command -v taskset >/dev/null; then
    cpu1=$(taskset -pc $$ 2>/dev/null | sed -n 's/.*list: *\([0-9]*\).*/\1/p')
fi
PRE=
echo "round,replay_items_s,replay_wall_s,run_items_s,run_wall_s,ratio,ed25519_verifies_s,run_vs_2x_ed25519,replay_1cpu_items_s,run_vs_replay_1cpu" >"$RAW"
for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then
        one replay rp --input "$sig"; rp=$R; one run ru --input "$sig" --workers "$W"; ru=$R
    else
        one run ru --input "$sig" --workers "$W"; ru=$R; one replay rp --input "$sig"; rp=$R
    fi
    rp1_rate=n/a ratio1=n/a
    if [ -n "$cpu1" ]; then
        PRE="taskset -c $cpu1"
        one replay rp1 --input "$sig"
        PRE=
        read -r _ _ rp1_rate _ <<<"$R"
    fi
    ed=$("$RATE" 1 | sed -n 's/.* rate=\([0-9.]*\).*/\1/p')
    [ -n "$ed" ] || die "ed25519_rate printed no rate"
    read -r _ _ rp_rate rp_wall _ <<<"$rp"
    read -r _ _ ru_rate ru_wall _ <<<"$ru"
    ratio=$(awk -v a="$ru_rate" -v b="$rp_rate" 'BEGIN { printf "%.3f", a / b }')
    vs=$(awk -v a="$ru_rate" -v b="$ed" 'BEGIN { printf "%.3f", a / (2 * b) }')
    [ "$rp1_rate" = n/a ] || ratio1=$(awk -v a="$ru_rate" -v b="$rp1_rate" 'BEGIN { printf "%.3f", a / b }')
    echo "$r,$rp_rate,$rp_wall,$ru_rate,$ru_wall,$ratio,$ed,$vs,$rp1_rate,$ratio1" >>"$RAW"
    echo "  round $r: replay $rp_rate items/s (${rp_wall} s wall), run -w$W $ru_rate items/s (${ru_wall} s wall), ratio $ratio;" \
         "ed25519 $ed verifies/s, run / 2x = $vs; replay on CPU $cpu1 alone $rp1_rate items/s, run / that = $ratio1"
done
col() { tail -n +2 "$RAW" | cut -d, -f"$1" | median; }
m_rp=$(col 2); m_rpw=$(col 3); m_ru=$(col 4); m_ruw=$(col 5); m_ratio=$(col 6); m_ed=$(col 7); m_vs=$(col 8)
m_wall_ratio=$(tail -n +2 "$RAW" | awk -F, '{ printf "%.4f\n", $3 / $5 }' | median)
m_rp1=n/a m_ratio1=n/a
[ -n "$cpu1" ] && { m_rp1=$(col 9); m_ratio1=$(col 10); }
fi

# ---------------------------------------------------------------- (c) memory
if part c; then
echo "(c) peak RSS, $MV validators, $ME and $((10 * ME)) epochs"
stream "$MV" "$ME"
short=$F
stream "$MV" $((10 * ME))
long=$F
for f in short long; do
    p=${!f}
    for cmd in run replay; do
        vals=()
        for r in $(seq 1 "$MEM_RUNS"); do
            if [ $cmd = run ]; then one run m --input "$p" --workers "$W"; else one replay m --input "$p"; fi
            read -r items _ _ _ kb <<<"$R"
            vals+=("$kb")
        done
        rss[$cmd,$f]=$(printf '%s\n' "${vals[@]}" | median)
        echo "  $cmd on $(basename "$p") ($items items): peak RSS ${vals[*]} KiB, median ${rss[$cmd,$f]}"
    done
done
mem_run=$(awk -v a="${rss[run,long]}" -v b="${rss[run,short]}" 'BEGIN { printf "%.3f", a / b }')
mem_replay=$(awk -v a="${rss[replay,long]}" -v b="${rss[replay,short]}" 'BEGIN { printf "%.3f", a / b }')
fi

# ---------------------------------------------------------------- (d) idle CPU
if part d; then
stream "$MV" "$ME"
short=$F
echo "(d) idle CPU while waiting for input on a named pipe (${IDLE_S} s)"
fifo=$DB/pipe
mkfifo "$fifo"
size=$(stat -c %s "$short")
first=$((size / 10))
rm -f "$DB/idle.db"*
"$Q" run --input "$fifo" --db "$DB/idle.db" --workers "$W" >"$DB/idle.log" 2>&1 &
pid=$!
exec 3>"$fifo"
head -c "$first" "$short" >&3
# process CPU: utime + stime in clock ticks; threads' run time in ns
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat"; }
# (schedstat may be missing, e.g. under gVisor: then the ticks alone)
runns() { cat /proc/"$pid"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { print NR ? s : "none" }'; }
sleep 1 # the first part is decoded, verified and applied; the loop goes idle
t1=$(date +%s.%N); k1=$(ticks); n1=$(runns)
sleep "$IDLE_S"
t2=$(date +%s.%N); k2=$(ticks); n2=$(runns)
threads=$(ls /proc/$pid/task | wc -l)
tail -c +$((first + 1)) "$short" >&3
exec 3>&-
wait $pid
rc=$?
hz=$(getconf CLK_TCK)
idle_pct_ticks=$(awk -v d="$((k2 - k1))" -v hz="$hz" -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", 100 * d / hz / (b - a) }')
if [ "$n1" = none ] || [ "$n2" = none ]; then
    idle_pct=$idle_pct_ticks
    dn="no schedstat"
else
    idle_pct=$(awk -v d="$((n2 - n1))" -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", 100 * d / 1e9 / (b - a) }')
    dn="$((n2 - n1)) ns run time"
fi
idle_items=$(sed -n 's/^run: \([0-9]*\) items.*/\1/p' "$DB/idle.log")
want_items=$(sed -n 's/^counter received //p' "$short.expected")
idle_ok=yes
[ $rc -eq 0 ] && [ "$idle_items" = "$want_items" ] || idle_ok=no
echo "  $threads threads; CPU over $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s idle:" \
     "$dn = ${idle_pct}% of a core (stat ticks: $((k2 - k1)) = ${idle_pct_ticks}%);" \
     "then the rest: exit $rc, $idle_items of $want_items items ($idle_ok)"
fi

# ---------------------------------------------------------------- (p) profile
if part p; then
echo "(p) the serial stages per item: quarantine profile, $PROFILE_RUNS runs; the store's write calls"
stream "$V" "$E"
declare -A pvals
for r in $(seq 1 "$PROFILE_RUNS"); do
    rm -f "$DB/p.db"*
    "$Q" profile --input "$F" --db "$DB/p.db" >"$DB/p.log" 2>&1 || { cat "$DB/p.log"; die "profile failed"; }
    line="  run $r:"
    for st in decode engine emit store ordered; do
        v=$(sed -n "s/^  $st *\([0-9.]*\) us\/item.*/\1/p" "$DB/p.log")
        [ -n "$v" ] || { cat "$DB/p.log"; die "profile printed no $st figure"; }
        pvals[$st]="${pvals[$st]:-} $v"
        line="$line $st $v"
    done
    echo "$line us/item"
done
for st in decode engine emit store ordered; do prof[$st]=$(printf '%s\n' ${pvals[$st]} | median); done
if command -v strace >/dev/null; then
    rm -f "$DB/s.db"*
    strace -f -c -o "$DB/strace.txt" "$Q" replay --input "$F" --db "$DB/s.db" >"$DB/s.log" 2>&1 ||
        { tail -5 "$DB/s.log"; die "replay under strace failed"; }
    calls() { awk -v c="$1" '$NF == c { print $4; f = 1 } END { if (!f) print 0 }' "$DB/strace.txt"; }
    pw_calls=$(calls pwrite64) pr_calls=$(calls pread64) fs_calls=$(calls fdatasync)
    echo "  replay under strace -f -c: pwrite64 $pw_calls, pread64 $pr_calls, fdatasync $fs_calls calls"
else
    echo "  (no strace: the write calls are not counted)"
fi
fi

# ---------------------------------------------------------------- (t) TCP
# listen_run NAME PACE: a listening run fed the stream over TCP_CONN
# connections at PACE; sets TR to "items wall_s" (wall: feed start to the
# run's exit) and leaves the run's log in $DB/NAME.log
listen_run() {
    local name=$1 pace=$2 port="" pid t1 t2 items
    rm -f "$DB/$name.db"*
    "$Q" run --listen 127.0.0.1:0 --peers "$TCP_CONN" --workers "$W" --db "$DB/$name.db" >"$DB/$name.log" 2>"$DB/$name.err" &
    pid=$!
    for _ in $(seq 1 200); do
        port=$(sed -n 's/.*quarantine run: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$DB/$name.err")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { kill $pid; cat "$DB/$name.err"; die "the listening run logged no port"; }
    t1=$(date +%s.%N)
    "$Q" feed "$F" --connect "127.0.0.1:$port" --connections "$TCP_CONN" --pace "$pace" >"$DB/$name.feed" 2>&1 ||
        { kill $pid; cat "$DB/$name.feed"; die "feed failed"; }
    wait $pid || { cat "$DB/$name.err"; die "the listening run failed"; }
    t2=$(date +%s.%N)
    items=$(sed -n 's/^run: \([0-9]*\) items.*/\1/p' "$DB/$name.log")
    TR="$items $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')"
}
if part t; then
echo "(t) over TCP: $TCP_CONN connections at --pace max against the file run, $TCP_ROUNDS paired rounds; then latency at half that rate"
stream "$V" "$E"
tf=() tt=() tr=()
for r in $(seq 1 "$TCP_ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then one run tf --input "$F" --workers "$W"; fr=$R; listen_run tt max; else listen_run tt max; one run tf --input "$F" --workers "$W"; fr=$R; fi
    read -r f_items _ _ f_wall _ <<<"$fr"
    read -r t_items t_wall <<<"$TR"
    [ "$t_items" = "$f_items" ] || die "TCP run stored $t_items items, the file run $f_items"
    a=$(awk -v n="$f_items" -v w="$f_wall" 'BEGIN { printf "%.0f", n / w }')
    b=$(awk -v n="$t_items" -v w="$t_wall" 'BEGIN { printf "%.0f", n / w }')
    tf+=("$a") tt+=("$b") tr+=("$(awk -v a="$b" -v b="$a" 'BEGIN { printf "%.3f", a / b }')")
    echo "  round $r: file $a items/s (${f_wall} s), TCP x$TCP_CONN $b items/s (${t_wall} s), TCP / file ${tr[-1]}"
done
m_tfile=$(printf '%s\n' "${tf[@]}" | median); m_ttcp=$(printf '%s\n' "${tt[@]}" | median)
m_tratio=$(printf '%s\n' "${tr[@]}" | median)
# the stream's real-time rate: items over its virtual span (the last t_ms)
span_s=$(awk -v e="$E" 'BEGIN { print e * 32 * 12 }')
lat_rate=$(awk -v r="$m_ttcp" 'BEGIN { printf "%.0f", r / 2 }')
lat_pace=$(awk -v r="$lat_rate" -v n="$f_items" -v s="$span_s" 'BEGIN { printf "%.2f", r / (n / s) }')
listen_run tl "x$lat_pace"
lat_p50=$(sed -n 's/.*arrival-to-verdict latency: p50 \([0-9.]*\) ms, p99.*/\1/p' "$DB/tl.log")
lat_p99=$(sed -n 's/.*arrival-to-verdict latency: p50 [0-9.]* ms, p99 \([0-9.]*\) ms.*/\1/p' "$DB/tl.log")
[ -n "$lat_p99" ] || { cat "$DB/tl.log"; die "no latency line"; }
echo "  paced at x$lat_pace (about $lat_rate items/s, half the TCP rate): arrival-to-verdict p50 $lat_p50 ms, p99 $lat_p99 ms"
fi

# ---------------------------------------------------------------- results
yn() { [ "$1" = n/a ] && { echo n/a; return; }; awk -v x="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == ">=") ? x >= t : (op == "<=") ? x <= t : x < t; print ok ? "yes" : "no" }'; }
CSV=$OUT/quarantine.csv
{
    echo "metric,value,unit,target,met"
    echo "replay_items_s,$m_rp,items/s,,"
    echo "run_items_s,$m_ru,items/s,,"
    echo "run_vs_replay,$m_ratio,ratio,>= 1.8,$(yn "$m_ratio" ">=" 1.8)"
    echo "run_vs_replay_wall,$m_wall_ratio,ratio,,"
    echo "replay_1cpu_items_s,$m_rp1,items/s,,"
    echo "run_vs_replay_1cpu,$m_ratio1,ratio,,"
    echo "ed25519_verifies_s,$m_ed,verifies/s,,"
    echo "run_vs_2x_ed25519,$m_vs,ratio,>= 0.9,$(yn "$m_vs" ">=" 0.9)"
    echo "rss_run_${ME}e_kb,${rss[run,short]},KiB,,"
    echo "rss_run_$((10 * ME))e_kb,${rss[run,long]},KiB,,"
    echo "rss_run_10x_ratio,$mem_run,ratio,<= 1.25,$(yn "$mem_run" "<=" 1.25)"
    echo "rss_replay_${ME}e_kb,${rss[replay,short]},KiB,,"
    echo "rss_replay_$((10 * ME))e_kb,${rss[replay,long]},KiB,,"
    echo "rss_replay_10x_ratio,$mem_replay,ratio,<= 1.25,$(yn "$mem_replay" "<=" 1.25)"
    echo "idle_cpu_pct,$idle_pct,% of a core,< 1,$(yn "$idle_pct" "<" 1)"
    echo "idle_then_complete,$idle_ok,,yes,$idle_ok"
    echo "profile_decode_us,${prof[decode]},us/item,,"
    echo "profile_engine_us,${prof[engine]},us/item,,"
    echo "profile_emit_us,${prof[emit]},us/item,,"
    echo "profile_store_us,${prof[store]},us/item,< 3,$(yn "${prof[store]}" "<" 3)"
    echo "profile_ordered_us,${prof[ordered]},us/item,< 2,$(yn "${prof[ordered]}" "<" 2)"
    echo "store_pwrite64_calls,$pw_calls,calls,,"
    echo "store_pread64_calls,$pr_calls,calls,,"
    echo "store_fdatasync_calls,$fs_calls,calls,,"
    echo "file_run_items_s,$m_tfile,items/s,,"
    echo "tcp_run_items_s,$m_ttcp,items/s,,"
    echo "tcp_vs_file,$m_tratio,ratio,>= 0.9,$(yn "$m_tratio" ">=" 0.9)"
    echo "tcp_paced_rate,$lat_rate,items/s,,"
    echo "tcp_latency_p50_ms,$lat_p50,ms,,"
    echo "tcp_latency_p99_ms,$lat_p99,ms,< 5,$(yn "$lat_p99" "<" 5)"
} >"$CSV"
echo
echo "quarantine: $nall items ($V validators, $E epochs), $W workers, medians of $ROUNDS paired rounds"
printf '  %-34s %s\n' \
    "replay (serial twin)" "$m_rp items/s" \
    "run --workers $W" "$m_ru items/s" \
    "run / replay" "$m_ratio (target >= 1.8: $(yn "$m_ratio" ">=" 1.8)); whole process: $m_wall_ratio" \
    "replay held to one CPU" "$m_rp1 items/s; run / that: $m_ratio1" \
    "Ed25519 verify, one core" "$m_ed verifies/s" \
    "run / (2 x Ed25519 rate)" "$m_vs (target >= 0.9: $(yn "$m_vs" ">=" 0.9))" \
    "peak RSS run, $ME -> $((10 * ME)) epochs" "${rss[run,short]} -> ${rss[run,long]} KiB, x$mem_run (flat: $(yn "$mem_run" "<=" 1.25))" \
    "peak RSS replay, $ME -> $((10 * ME)) epochs" "${rss[replay,short]} -> ${rss[replay,long]} KiB, x$mem_replay" \
    "idle CPU on a pipe" "${idle_pct}% of a core (target < 1%: $(yn "$idle_pct" "<" 1)), then completed: $idle_ok" \
    "store thread CPU per item" "${prof[store]} us (target < 3: $(yn "${prof[store]}" "<" 3))" \
    "ordered part CPU per item" "${prof[ordered]} us (decode ${prof[decode]} + engine ${prof[engine]} + emit ${prof[emit]}; target < 2: $(yn "${prof[ordered]}" "<" 2))" \
    "store write calls (replay)" "pwrite64 $pw_calls, pread64 $pr_calls, fdatasync $fs_calls" \
    "TCP x$TCP_CONN --pace max / file run" "$m_ttcp / $m_tfile items/s = $m_tratio (target >= 0.9: $(yn "$m_tratio" ">=" 0.9))" \
    "TCP latency at half that rate" "p50 $lat_p50 ms, p99 $lat_p99 ms at x$lat_pace (target p99 < 5 ms: $(yn "$lat_p99" "<" 5))"
echo "wrote $CSV and $RAW"
