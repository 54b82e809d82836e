#!/usr/bin/env bash
# Observability end to end: a weft program (tests/stress/sched_env: fib and
# detached tasks, checked) run with WEFT_METRICS=1 prints the per-worker
# table at exit, one row per worker; with WEFT_TRACE=FILE it writes valid
# Chrome trace-event JSON holding a thread name for every worker and task
# events (named after their task) for every worker the table says ran tasks. Without the variables it
# prints and writes nothing extra; an unwritable trace path makes weft_init
# fail with a message naming it.
# Usage: tests/e2e/metrics_trace.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
prog=$B/tests/stress/sched_env
[ -x "$prog" ] || { echo "FAIL: $prog not built"; exit 1; }

for n in 1 3 4; do
  if ! WEFT_NUM_THREADS=$n WEFT_METRICS=1 WEFT_TRACE=$T/t$n.json "$prog" >"$T/out$n" 2>"$T/err$n"; then
    echo "FAIL: workers=$n: the program failed:"; sed 's/^/     /' "$T/out$n" "$T/err$n"; failed=1; continue
  fi
  # The checks, in one Python script: the table from stderr, the JSON file.
  if ! python3 - "$n" "$T/err$n" "$T/t$n.json" <<'EOF'
import json, re, sys
n, err_path, trace_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
err = open(err_path).read().splitlines()
bad = []
head = [i for i, l in enumerate(err) if l.startswith("weft metrics:")]
if len(head) != 1:
    print(f"FAIL: workers={n}: expected one 'weft metrics:' line, found {len(head)}"); sys.exit(1)
m = re.match(r"weft metrics: (\d+) workers", err[head[0]])
if not m or int(m.group(1)) != n:
    bad.append(f"metrics header says '{err[head[0]]}', want {n} workers")
cols = err[head[0] + 1].split()
for c in ("worker", "tasks_run", "spawns_slow", "req_sent", "relayed", "declined", "shipped", "half%", "parks"):
    if c not in cols:
        bad.append(f"column '{c}' missing from the table header: {cols}")
rows = []
for l in err[head[0] + 2:]:
    f = l.split()
    if len(f) != len(cols) or not f[0].isdigit():
        break
    rows.append(dict(zip(cols, f)))
if [int(r["worker"]) for r in rows] != list(range(n)):
    bad.append(f"table rows are workers {[r['worker'] for r in rows]}, want 0..{n-1}")
ran = {int(r["worker"]): int(r["tasks_run"]) for r in rows if "tasks_run" in r}
try:
    doc = json.load(open(trace_path))
except Exception as e:
    print(f"FAIL: workers={n}: the trace is not valid JSON: {e}"); sys.exit(1)
evs = doc["traceEvents"] if isinstance(doc, dict) else doc
names = {e["tid"] for e in evs if e.get("ph") == "M" and e.get("name") == "thread_name"}
if names != set(range(n)):
    bad.append(f"thread names for workers {sorted(names)}, want 0..{n-1}")
tasks, task_names = {}, {}
for e in evs:
    if e.get("ph") != "X":
        continue
    if not isinstance(e.get("ts"), (int, float)) or not isinstance(e.get("dur"), (int, float)) or e["dur"] < 0 or e["ts"] < 0:
        bad.append(f"bad event {e}"); break
    if e.get("cat") == "task":
        tasks[e["tid"]] = tasks.get(e["tid"], 0) + 1
        task_names[e["name"]] = task_names.get(e["name"], 0) + 1
for w, k in ran.items():
    if k > 0 and tasks.get(w, 0) == 0:
        bad.append(f"worker {w} ran {k} tasks (metrics) but has no task event in the trace")
if n > 1 and sum(1 for w in tasks if tasks[w] > 0) < 2:
    bad.append(f"task events from fewer than two workers: {tasks}")
# Spans carry the task's name: sched_env's detached tasks are spread_task
# (a raw task function), its typed fib the run wrapper fib__weft_run.
if task_names.get("spread_task", 0) != 200:
    bad.append(f"{task_names.get('spread_task', 0)} spans named spread_task, want its 200 detached tasks: {task_names}")
if set(task_names) - {"spread_task", "fib"}:
    bad.append(f"spans named other than spread_task and fib (stolen fibs): {task_names}")
for b in bad:
    print(f"FAIL: workers={n}: {b}")
print(f"{'ok  ' if not bad else 'FAIL'} workers={n}: table rows {len(rows)}, tasks_run {[ran.get(w, 0) for w in range(n)]}, "
      f"trace: {len(evs)} events, task events per worker {[tasks.get(w, 0) for w in range(n)]}, names {task_names}")
sys.exit(1 if bad else 0)
EOF
  then failed=1; fi
done

# Off by default: no table, no file.
if ! WEFT_NUM_THREADS=2 "$prog" >"$T/out" 2>"$T/err"; then echo "FAIL: plain run failed"; failed=1; fi
if grep -q "weft metrics" "$T/err"; then echo "FAIL: metrics printed without WEFT_METRICS"; failed=1
else echo "ok   no table without WEFT_METRICS"; fi
if ! WEFT_NUM_THREADS=2 WEFT_METRICS=0 "$prog" >/dev/null 2>"$T/err0" || grep -q "weft metrics" "$T/err0"; then
  echo "FAIL: WEFT_METRICS=0 printed a table or failed"; failed=1
else echo "ok   no table with WEFT_METRICS=0"; fi

# An unwritable trace path fails at weft_init (the program's own message
# then carries weft_last_error, which names the variable and the path),
# not silently at exit.
bad=$T/no/such/dir/t.json
if WEFT_NUM_THREADS=2 WEFT_TRACE=$bad "$prog" >/dev/null 2>"$T/errw"; then
  echo "FAIL: the program ran with an unwritable trace path"; sed 's/^/     /' "$T/errw"; failed=1
elif grep -q "weft_init(NULL): WEFT_TRACE='$bad': cannot open it for writing" "$T/errw"; then
  echo "ok   unwritable trace path fails weft_init, naming it"
else echo "FAIL: unwritable trace path not reported by weft_init:"; sed 's/^/     /' "$T/errw"; failed=1; fi

finish
