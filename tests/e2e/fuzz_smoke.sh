#!/usr/bin/env bash
# make test's smoke run of the libFuzzer targets (fuzz/, fuzz/README.md):
# builds them (make fuzz-build: clang, libFuzzer, ASan + UBSan, into
# BUILD_DIR/fuzz) and runs each FUZZ_SMOKE_RUNS executions (default 3000)
# from the seed corpus that fuzz/run.sh cuts from a stream BUILD_DIR's
# quarantine generates, so that the targets keep building, every seed passes
# their checks, and a few thousand mutations of them do too. No finding, no
# leak, no sanitizer report. The long run is `make fuzz` (10^7 executions).
# Usage: tests/e2e/fuzz_smoke.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
Q=$B/bin/quarantine
[ -x "$Q" ] || fail "$Q is not built"
command -v clang >/dev/null ||
  fail "clang not found; install DEPS_FUZZ (as root: scripts/deps.sh clang libclang-rt-dev llvm; make test does this)"
cd "$root" || fail "cd $root"
make --no-print-directory B="$B" fuzz-build >"$T/make.log" 2>&1 || { tail -40 "$T/make.log"; fail "make B=$B fuzz-build"; }
FUZZ_RUNS=${FUZZ_SMOKE_RUNS:-3000} fuzz/run.sh "$B/fuzz/bin" "$Q" "$T/work" >"$T/fuzz.log" 2>&1
rc=$?
grep -v ' pulse ' "$T/fuzz.log"
[ $rc = 0 ] || fail "fuzz/run.sh exited $rc (above)"
finish
