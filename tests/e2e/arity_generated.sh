#!/usr/bin/env bash
# The arity macros of include/weft.h are what scripts/gen-arity.py writes:
# regenerate them into a copy of the header and fail if it differs (someone
# edited the generated region by hand, or changed the script without
# rerunning it).
# Usage: tests/e2e/arity_generated.sh BUILD_DIR   (the build dir is not needed)
. "$(dirname "$0")/../common/e2e.sh"
cp "$root/include/weft.h" "$T/weft.h"
python3 "$root/scripts/gen-arity.py" "$T/weft.h" || fail "scripts/gen-arity.py did not run"
diff -u "$root/include/weft.h" "$T/weft.h" ||
  fail "include/weft.h differs from scripts/gen-arity.py's output (run scripts/gen-arity.py)"
grep -q "^#define WEFT_TASK_8(" "$T/weft.h" && grep -q "^#define WEFT_VOID_TASK_8(" "$T/weft.h" ||
  fail "no WEFT_TASK_8 and WEFT_VOID_TASK_8 generated"
finish
