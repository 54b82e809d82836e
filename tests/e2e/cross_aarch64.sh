#!/usr/bin/env bash
# The aarch64 compile check: every .c file of runtime/ and flowvar/ compiles
# with Debian's cross compiler (aarch64-linux-gnu-gcc, package
# gcc-aarch64-linux-gnu) through the Makefile's own rule and flags, warnings
# as errors, so that nothing x86-only (an unguarded __builtin_ia32_pause,
# say) slips into the runtime. Compile only: nothing is linked or run.
# Usage: tests/e2e/cross_aarch64.sh BUILD_DIR   (the build dir is not used:
# the objects go to a temporary folder).
#
# hwloc: Debian keeps hwloc.h in /usr/include but its configure output,
# hwloc/autogen/config.h, in the host's multiarch folder, which the cross
# compiler does not search. That file holds only hwloc's version, the OS
# (Linux: pid_t, pthread_t, cpu_set_t) and the symbol prefix, nothing of the
# CPU, so the host's copy serves the target. It is added with -idirafter,
# after the target's own headers (an installed libhwloc-dev:arm64 wins).
. "$(dirname "$0")/../common/e2e.sh"
cc=aarch64-linux-gnu-gcc
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "FAIL: $cc not found; install the package gcc-aarch64-linux-gnu"
  echo "      (as root: scripts/deps.sh gcc-aarch64-linux-gnu; make test does this)"
  exit 1
fi
hwloc_config=/usr/include/$(gcc -print-multiarch)/hwloc/autogen/config.h
if [ ! -f "$hwloc_config" ]; then
  echo "FAIL: $hwloc_config not found (is libhwloc-dev installed?)"
  exit 1
fi
tmp=$T
mkdir -p "$tmp/inc/hwloc/autogen"
cp "$hwloc_config" "$tmp/inc/hwloc/autogen/config.h"

cd "$root" || exit 1
srcs=(flowvar/*.c runtime/*/*.c)   # the Makefile's LIB_SRC
objs=()
for s in "${srcs[@]}"; do objs+=("$tmp/obj/${s%.c}.o"); done
# -k: every file gets its try. SAN= and WERROR=1 whatever the caller's make
# passed down: the check is of the plain build.
make -k --no-print-directory B="$tmp" SAN= WERROR=1 CC="$cc -idirafter $tmp/inc" "${objs[@]}" \
     >"$tmp/make.log" 2>&1

nfail=0; ok=0
for s in "${srcs[@]}"; do
  o=$tmp/obj/${s%.c}.o
  if [ -f "$o" ] && readelf -h "$o" 2>/dev/null | grep -q 'Machine:.*AArch64'; then ok=$((ok + 1))
  else echo "FAIL: $s does not compile for aarch64"; nfail=1; fi
done
if [ $nfail != 0 ]; then
  echo "     the compiler said:"
  grep -v -F "$cc -idirafter" "$tmp/make.log" | sed 's/^/     /'
else
  echo "ok   $ok files of runtime/ and flowvar/ compile with $cc -Werror"
  echo "cross_aarch64: all checks passed"
fi
exit $nfail
