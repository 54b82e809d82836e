#!/usr/bin/env bash
# The arity macros of include/weft.h are what scripts/gen-arity.py writes:
# regenerate them into a copy of the header and fail if it differs (someone
# edited the generated region by hand, or changed the script without
# rerunning it).
# Usage: tests/e2e/arity_generated.sh BUILD_DIR   (the build dir is not needed)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$root/include/weft.h" "$tmp/weft.h"
if ! python3 "$root/scripts/gen-arity.py" "$tmp/weft.h"; then
  echo "FAIL scripts/gen-arity.py did not run"; exit 1
fi
if ! diff -u "$root/include/weft.h" "$tmp/weft.h"; then
  echo "FAIL include/weft.h differs from scripts/gen-arity.py's output (run scripts/gen-arity.py)"
  exit 1
fi
grep -q '^#define WEFT_VOID_TASK_6(' "$tmp/weft.h" || { echo "FAIL no WEFT_VOID_TASK_6 generated"; exit 1; }
echo "arity_generated: include/weft.h matches scripts/gen-arity.py"
