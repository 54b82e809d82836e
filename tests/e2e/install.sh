#!/usr/bin/env bash
# make install into a temporary prefix, then build a ten-line program (a
# parallel fib) the way a user would: pkg-config --cflags --libs weft against
# the installed header and libraries, linked statically (pkg-config --static)
# and dynamically (run with LD_LIBRARY_PATH), and check what it prints.
# Usage: tests/e2e/install.sh BUILD_DIR   (runs `make install B=BUILD_DIR`
# from the repository root; a sanitizer build dir installs its sanitized
# library, so the program is then built with the same -fsanitize flags).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:?usage: install.sh BUILD_DIR}
case $B in /*) ;; *) B=$PWD/$B ;; esac
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail=0

# The build's sanitizer, read from its static library, so that make does
# not rebuild objects of this build dir with other flags, and the program
# links against what was installed.
san=; sanflags=
if [ -f "$B/lib/libweft.a" ]; then
  syms=$(nm -A "$B/lib/libweft.a" 2>/dev/null | grep -E -m1 -o '__(tsan|asan)_[a-z_]*' || true)
  case $syms in
    __tsan*) san=thread;  sanflags="-fsanitize=thread" ;;
    __asan*) san=address; sanflags="-fsanitize=address,undefined" ;;
  esac
fi

if ! make -C "$root" --no-print-directory B="$B" ${san:+SAN=$san OPT="-O1 -g"} PREFIX="$prefix" install \
     >"$tmp/install.log" 2>&1; then
  echo "FAIL: make install PREFIX=$prefix failed:"; tail -n 30 "$tmp/install.log" | sed 's/^/     /'; exit 1
fi
for f in include/weft.h lib/libweft.a lib/libweft.so lib/libweft.so.0 lib/pkgconfig/weft.pc; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f not installed"; fail=1; }
done
[ $fail = 0 ] && echo "ok   installed header, libweft.a, libweft.so(.0) and weft.pc under the prefix"

cat > "$tmp/fib.c" <<'EOF'
#include <stdio.h>
#include <weft.h>
long fib(int n);
WEFT_TASK_1(long, fib, int)
long fib(int n) {
    if (n < 2) return n;
    WEFT_FLOWVAR(fib) f = WEFT_SPAWN(fib, n - 1);
    long y = fib(n - 2);
    return WEFT_SYNC(f) + y;
}
int main(void) {
    weft_config cfg = {.num_threads = 2};
    if (weft_init(&cfg) != 0) { fprintf(stderr, "%s\n", weft_last_error()); return 1; }
    printf("fib(25)=%ld workers=%d\n", fib(25), weft_num_workers());
    weft_exit();
    return 0;
}
EOF
want="fib(25)=75025 workers=2"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
cc=${CC:-gcc}

if ! pkg-config --exists weft; then echo "FAIL: pkg-config does not find weft"; exit 1; fi
ver=$(pkg-config --modversion weft)
cflags=$(pkg-config --cflags weft)
case $cflags in *"-I$prefix/include"*) echo "ok   pkg-config weft $ver: cflags '$cflags'" ;;
  *) echo "FAIL: pkg-config --cflags weft = '$cflags' does not point at $prefix/include"; fail=1 ;; esac

# Static: pkg-config --static (the private libraries libweft.a needs),
# with -lweft pointed at the archive (-l:libweft.a), since the .so sits next
# to it and the linker would prefer it.
static_libs=$(pkg-config --static --libs weft | sed 's/-lweft\b/-l:libweft.a/')
# shellcheck disable=SC2086
if $cc -std=gnu11 $sanflags -o "$tmp/fib_static" "$tmp/fib.c" $cflags $static_libs >"$tmp/cs.log" 2>&1; then
  out=$("$tmp/fib_static" 2>&1)
  if [ "$out" = "$want" ] && ! ldd "$tmp/fib_static" | grep -q libweft; then
    echo "ok   static ($static_libs): '$out', no libweft.so needed"
  else echo "FAIL: static program printed '$out' (want '$want') or needs libweft.so"; fail=1; fi
else
  echo "FAIL: static build failed:"; sed 's/^/     /' "$tmp/cs.log"; fail=1
fi

# Shared: pkg-config --cflags --libs, run with LD_LIBRARY_PATH.
# shellcheck disable=SC2046
if $cc -std=gnu11 $sanflags -o "$tmp/fib_shared" "$tmp/fib.c" $(pkg-config --cflags --libs weft) >"$tmp/cd.log" 2>&1; then
  out=$(LD_LIBRARY_PATH=$prefix/lib "$tmp/fib_shared" 2>&1)
  lib=$(LD_LIBRARY_PATH=$prefix/lib ldd "$tmp/fib_shared" | awk '/libweft/ {print $3}')
  if [ "$out" = "$want" ] && [ "$lib" = "$prefix/lib/libweft.so.0" ]; then
    echo "ok   shared (pkg-config --cflags --libs): '$out', libweft from $lib"
  else echo "FAIL: shared program printed '$out' (want '$want'), libweft from '$lib'"; fail=1; fi
else
  echo "FAIL: shared build failed:"; sed 's/^/     /' "$tmp/cd.log"; fail=1
fi

[ $fail = 0 ] && echo "install: all checks passed"
exit $fail
