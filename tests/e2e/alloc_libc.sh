#!/usr/bin/env bash
# make ALLOC=libc: the library builds without jemalloc and the pool still
# works. Builds the library and tests/stress/pool_stress into BUILD_DIR/libc
# (with BUILD_DIR's sanitizer, if any), checks that neither libweft nor the
# program references jemalloc, runs pool_stress (blocks recycled across four
# threads, every block counted), and checks that the weft.pc this build
# installs does not list -ljemalloc.
# Usage: tests/e2e/alloc_libc.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
L=$B/libc
san=
[ -f "$B/lib/libweft.a" ] && san=$(sanitizer "$B/lib/libweft.a")
mk() { make -C "$root" --no-print-directory -j2 B="$L" ALLOC=libc ${san:+SAN=$san OPT="-O1 -g"} "$@"; }

mk lib "$L/tests/stress/pool_stress" >"$T/build.log" 2>&1 ||
  { tail -n 30 "$T/build.log"; fail "make ALLOC=libc B=$L lib pool_stress"; }
nm "$L/lib/libweft.a" | grep -q 'mallocx' && bad "libweft.a (ALLOC=libc) calls mallocx"
readelf -d "$L/lib/libweft.so" | grep -q 'NEEDED.*jemalloc' && bad "libweft.so (ALLOC=libc) needs libjemalloc"
ldd "$L/tests/stress/pool_stress" | grep -q jemalloc && bad "pool_stress (ALLOC=libc) loads libjemalloc"
[ $failed = 0 ] && echo "ok   ALLOC=libc: no jemalloc in libweft.a, libweft.so or pool_stress"

if "$L/tests/stress/pool_stress" >"$T/pool.log" 2>&1; then echo "ok   $(tail -n 1 "$T/pool.log")"
else sed 's/^/     /' "$T/pool.log"; bad "pool_stress failed on the libc allocator"; fi

mk PREFIX="$T/prefix" install >"$T/install.log" 2>&1 || { tail -n 30 "$T/install.log"; fail "make ALLOC=libc install"; }
libs=$(PKG_CONFIG_PATH=$T/prefix/lib/pkgconfig pkg-config --static --libs weft)
case $libs in
  *-ljemalloc*) bad "the ALLOC=libc weft.pc lists -ljemalloc: $libs" ;;
  *-lhwloc*) echo "ok   ALLOC=libc weft.pc: pkg-config --static --libs weft = $libs" ;;
  *) bad "the ALLOC=libc weft.pc does not bring hwloc: $libs" ;;
esac
finish
