#!/usr/bin/env bash
# make install into a temporary prefix, then check what a user of the library
# sees: the installed files; the version (one place, weft.h: pkg-config's
# version and the soname's major follow it); libweft.so exporting exactly the
# names weft.h declares with WEFT_API; and a ten-line program (a parallel
# fib) built the way a user would, pkg-config --cflags --libs weft against the
# installed header and libraries, linked statically (pkg-config --static)
# and dynamically (run with LD_LIBRARY_PATH), printing the right result.
# Usage: tests/e2e/install.sh BUILD_DIR   (runs `make install B=BUILD_DIR`
# from the repository root; a sanitizer build dir installs its sanitized
# library, so the program is then built with the same -fsanitize flags).
. "$(dirname "$0")/../common/e2e.sh"
prefix=$T/prefix

# The build's sanitizer and allocator, read from its static library, so that
# make does not rebuild objects of this build dir with other flags, and the
# program links against what was installed.
libweft_build   # san, sanflags, alloc (tests/common/e2e.sh)

if ! make -C "$root" --no-print-directory B="$B" ${san:+SAN=$san OPT="-O1 -g"} ALLOC=$alloc \
     PREFIX="$prefix" install >"$T/install.log" 2>&1; then
  echo "FAIL: make install PREFIX=$prefix failed:"; tail -n 30 "$T/install.log" | sed 's/^/     /'; exit 1
fi
version=$(sed -n 's/^#define WEFT_VERSION "\([0-9.]*\)"$/\1/p' "$root/include/weft.h")
major=${version%%.*}
[ -n "$version" ] || fail "no WEFT_VERSION in include/weft.h"
for f in include/weft.h lib/libweft.a lib/libweft.so "lib/libweft.so.$major" "lib/libweft.so.$version" \
         lib/pkgconfig/weft.pc; do
  [ -e "$prefix/$f" ] || bad "$f not installed"
done
[ $failed = 0 ] && echo "ok   installed header, libweft.a, libweft.so(.$major, .$version) and weft.pc under the prefix"
soname=$(readelf -d "$prefix/lib/libweft.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libweft.so.$major" ] && echo "ok   soname $soname follows WEFT_VERSION $version" ||
  bad "soname '$soname', want libweft.so.$major (WEFT_VERSION $version)"

# Exports: the names declared with WEFT_API in the installed weft.h (the
# functions, and the variable weft__tls), and the dynamic symbols libweft.so
# defines, must be the same two lists.
declared=$(sed -n 's/^WEFT_API[^(]*[^a-z_0-9]\(weft_[a-z_0-9]*\) *[(;].*/\1/p
                   s/^WEFT_API[^(]* \(weft_[a-z_0-9]*\) __attribute__.*/\1/p' "$prefix/include/weft.h" | sort -u)
exported=$(nm -D --defined-only "$prefix/lib/libweft.so" | awk '{print $NF}' | sort -u)
n=$(echo "$declared" | grep -c .)
[ "$n" -ge 20 ] || bad "only $n WEFT_API declarations found in weft.h"
extra=$(comm -13 <(echo "$declared") <(echo "$exported") | tr '\n' ' ')
missing=$(comm -23 <(echo "$declared") <(echo "$exported") | tr '\n' ' ')
[ -z "$extra" ] || bad "libweft.so exports names weft.h does not declare: $extra"
[ -z "$missing" ] || bad "weft.h declares names libweft.so does not export: $missing"
[ -z "$extra$missing" ] && echo "ok   libweft.so exports exactly the $n names weft.h declares with WEFT_API"

cat > "$T/fib.c" <<'EOF'
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

pkg-config --exists weft || fail "pkg-config does not find weft"
ver=$(pkg-config --modversion weft)
[ "$ver" = "$version" ] || bad "pkg-config --modversion weft = '$ver', weft.h says $version"
cflags=$(pkg-config --cflags weft)
case $cflags in *"-I$prefix/include"*) echo "ok   pkg-config weft $ver: cflags '$cflags'" ;;
  *) bad "pkg-config --cflags weft = '$cflags' does not point at $prefix/include" ;; esac
case "$alloc $(pkg-config --static --libs weft)" in
  "jemalloc "*-ljemalloc*|libc*) ;;
  libc*-ljemalloc*) bad "ALLOC=libc build: weft.pc lists -ljemalloc" ;;
  *) bad "ALLOC=jemalloc build: weft.pc does not list -ljemalloc" ;;
esac

# Static: pkg-config --static gives every library libweft.a needs, hwloc's
# own private ones (libudev) included. Every library of that list that has
# an archive, but glibc's, is linked from it (-l:libX.a; libweft.a too, since
# the .so sits next to it and the linker would prefer it). When all have one
# the program is linked fully static (-static, glibc too); Debian ships no
# libudev.a (systemd does not support static linking), so there libudev and
# glibc stay shared, and the check is that the list of libweft.a's, hwloc's
# and jemalloc's needs is complete.
static_libs=
dynamic=
for l in $(pkg-config --static --libs weft); do
  case $l in
    -lc|-lm|-lpthread|-ldl|-lrt) static_libs+=" $l" ;;
    -l*) a=lib${l#-l}.a
         if [ "$l" = -lweft ] || [ "$($cc -print-file-name="$a")" != "$a" ]; then static_libs+=" -l:$a"
         else static_libs+=" $l"; dynamic+=" $l"; fi ;;
    *) static_libs+=" $l" ;;
  esac
done
full=; [ -z "$dynamic" ] && [ -z "$san" ] && full=-static
# shellcheck disable=SC2086
if $cc -std=gnu11 $sanflags $full -o "$T/fib_static" "$T/fib.c" $cflags $static_libs >"$T/cs.log" 2>&1; then
  out=$("$T/fib_static" 2>&1)
  shared=$(ldd "$T/fib_static" 2>&1 | grep -o 'lib\(weft\|hwloc\|jemalloc\)[^ ]*' | tr '\n' ' ')
  if [ "$out" = "$want" ] && [ -z "$shared" ]; then
    echo "ok   static${full:+ (-static)} ($static_libs): '$out'; shared:${dynamic:- nothing}"
  else bad "static program printed '$out' (want '$want') or needs $shared"; fi
  # docs/api.md: linked statically, jemalloc's malloc is the whole program's.
  if [ "$alloc" = jemalloc ]; then
    nm "$T/fib_static" | grep -q ' T malloc$' && echo "ok   static: malloc is jemalloc's (from libjemalloc.a)" ||
      bad "static ALLOC=jemalloc program: malloc is not jemalloc's"
  fi
else
  echo "FAIL: static build failed:"; sed 's/^/     /' "$T/cs.log"; failed=1
fi

# Shared: pkg-config --cflags --libs, run with LD_LIBRARY_PATH.
# shellcheck disable=SC2046
if $cc -std=gnu11 $sanflags -o "$T/fib_shared" "$T/fib.c" $(pkg-config --cflags --libs weft) >"$T/cd.log" 2>&1; then
  out=$(LD_LIBRARY_PATH=$prefix/lib "$T/fib_shared" 2>&1)
  lib=$(LD_LIBRARY_PATH=$prefix/lib ldd "$T/fib_shared" | awk '/libweft/ {print $3}')
  if [ "$out" = "$want" ] && [ "$lib" = "$prefix/lib/libweft.so.$major" ]; then
    echo "ok   shared (pkg-config --cflags --libs): '$out', libweft from $lib"
  else echo "FAIL: shared program printed '$out' (want '$want'), libweft from '$lib'"; failed=1; fi
else
  echo "FAIL: shared build failed:"; sed 's/^/     /' "$T/cd.log"; failed=1
fi

finish
