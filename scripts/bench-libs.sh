#!/usr/bin/env bash
# Copies the shared libraries that benchmark programs load, other than
# glibc's own, into one folder, so that the programs (linked with an rpath of
# $ORIGIN/lib) run on a machine that lacks libgomp, libomp, libtbb, libhwloc,
# libjemalloc or libstdc++. Also copies the libraries TBB opens at run time
# (tbbmalloc, tbbbind) when they are installed.
# Usage: scripts/bench-libs.sh LIBDIR PROGRAM...
set -eu
dir=$1; shift
mkdir -p "$dir"
# glibc and the loader come with every Linux; never carry them.
skip='^(linux-vdso|ld-linux|libc\.so|libm\.so|libpthread|libdl\.so|librt\.so|libresolv|libutil)'
declare -A seen=()
copy() {  # PATH: copy one library (following the link) unless carried already
  local p=$1 base
  base=$(basename "$p")
  [ -n "${seen[$base]:-}" ] && return 0
  seen[$base]=1
  # a program already resolves to the copy (rpath) on a rebuild: keep it
  [ "$(realpath "$p")" = "$(realpath -m "$dir/$base")" ] && return 0
  cp -L "$p" "$dir/$base"
}
for prog in "$@"; do
  [ -x "$prog" ] || continue
  # ldd prints "name => /path (addr)"; take the resolved paths
  while read -r name path; do
    [[ $name =~ $skip ]] && continue
    [ -f "$path" ] && copy "$path"
  done < <(ldd "$prog" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}')
done
for extra in libtbbmalloc.so.2 libtbbbind_2_5.so.3; do
  p=$(ldconfig -p | awk -v n="$extra" '$1 == n {print $NF; exit}')
  if [ -n "$p" ] && [ -f "$p" ]; then
    copy "$p"
    while read -r name path; do
      [[ $name =~ $skip ]] && continue
      [ -f "$path" ] && copy "$path"
    done < <(ldd "$p" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}')
  fi
done
echo "bench-libs: $(ls "$dir" | wc -l) libraries in $dir ($(du -sh "$dir" | cut -f1))"
