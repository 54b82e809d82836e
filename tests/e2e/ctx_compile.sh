#!/usr/bin/env bash
# The context form and the loop macros at compile time, in C (gcc, clang) and
# C++ (g++, clang++): a program of context tasks (valued and void, synced
# from an array), typed loop bodies, a reduction and a scope builds with
# -Wall -Wextra -Werror (C++: -std=c++17 and -std=c++11 -pedantic-errors),
# links against BUILD_DIR's libweft.a and prints what it promises; a
# WEFT_CSYNC that names another task than its flowvar's, and a WEFT_SYNC of
# a context flowvar, are refused.
# Usage: tests/e2e/ctx_compile.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
libweft_build   # sanflags and libs of this build (tests/common/e2e.sh)

cat > "$T/good.c" <<'SRC'
#include <stdio.h>
#include <weft.h>

long fib(weft_ctx c, int n);
WEFT_CTASK_1(long, fib, int)
long fib(weft_ctx c, int n)
{
    if (n < 2) return n;
    WEFT_CFLOWVAR(fib) f = WEFT_CSPAWN(c, fib, n - 1);
    long y = WEFT_CCALL(c, fib, n - 2);
    return WEFT_CSYNC(c, fib, f) + y;
}

static long leaves;
void count(weft_ctx c, int depth, int width);
WEFT_VOID_CTASK_2(count, int, int)
void count(weft_ctx c, int depth, int width)
{
    if (depth == 0) { __atomic_fetch_add(&leaves, 1, __ATOMIC_RELAXED); return; }
    WEFT_CFLOWVAR(count) f[4];
    for (int i = 0; i < width; i++) f[i] = WEFT_CSPAWN(c, count, depth - 1, width);
    for (int i = width - 1; i >= 0; i--) WEFT_CWAIT(c, count, f[i]);
}

typedef struct { double *x; } vec;
WEFT_FOR_BODY(fill, i, vec, v) { v->x[i] = (double)i; }
WEFT_REDUCE_BODY(total, i, vec, v, double, acc) { *acc += v->x[i]; }
static void zero(void *acc, void *ctx) { (void)ctx; *(double *)acc = 0; }
static void add(void *into, const void *from, void *ctx) { (void)ctx; *(double *)into += *(const double *)from; }

static long det;
void bump(int k);
WEFT_VOID_TASK_1(bump, int)
void bump(int k) { __atomic_fetch_add(&det, k, __ATOMIC_RELAXED); }

int main(void)
{
    if (weft_init(NULL) != 0) return 1;
    long f = WEFT_CRUN(fib, 25);
    WEFT_CRUN(count, 6, 4);
    static double xs[1000];
    vec v = {xs};
    WEFT_PARALLEL_FOR(fill, 0, 1000, 1, &v);
    double s = 0;
    weft_reducer red = {sizeof s, zero, add};
    WEFT_PARALLEL_REDUCE(total, 0, 1000, 1, &v, &red, &s);
    WEFT_SCOPE(sc) {
        for (int k = 1; k <= 10; k++) weft_spawn_detached(bump__weft_run, &k, sizeof k);
    }
    printf("fib(25) = %ld, leaves %ld, sum %.0f, detached %ld\n", f, leaves, s, det);
    weft_exit();
    return 0;
}
SRC
want="fib(25) = 75025, leaves 4096, sum 499500, detached 55"

cat > "$T/bad_name.c" <<'SRC'
#include <weft.h>
long fib(weft_ctx c, int n);
WEFT_CTASK_1(long, fib, int)
long other(weft_ctx c, int n);
WEFT_CTASK_1(long, other, int)
long fib(weft_ctx c, int n)
{
    WEFT_CFLOWVAR(fib) f = WEFT_CSPAWN(c, fib, n - 1);
    return WEFT_CSYNC(c, other, f);
}
long other(weft_ctx c, int n) { (void)c; return n; }
int main(void) { return 0; }
SRC
cat > "$T/bad_tls_sync.c" <<'SRC'
#include <weft.h>
long fib(weft_ctx c, int n);
WEFT_CTASK_1(long, fib, int)
long fib(weft_ctx c, int n)
{
    WEFT_CFLOWVAR(fib) f = WEFT_CSPAWN(c, fib, n - 1);
    return WEFT_SYNC(f);
}
int main(void) { return 0; }
SRC

builds=()
for cc in gcc clang; do command -v $cc >/dev/null 2>&1 && builds+=("$cc c -std=gnu11"); done
for cxx in g++ clang++; do
  command -v $cxx >/dev/null 2>&1 && builds+=("$cxx cpp -std=c++17" "$cxx cpp -std=c++11 -pedantic-errors")
done
[ ${#builds[@]} -gt 0 ] || fail "no C or C++ compiler"

for b in "${builds[@]}"; do
  read -r cc ext std <<<"$b"
  for src in good bad_name bad_tls_sync; do
    [ "$ext" = cpp ] && cp "$T/$src.c" "$T/$src.cpp"
    sed -i 's/<stdio.h>/<cstdio>/' "$T/$src.cpp" 2>/dev/null || true
  done
  [ "$ext" = cpp ] && sed -i 's/__atomic_fetch_add(&leaves, 1, __ATOMIC_RELAXED)/__atomic_fetch_add(\&leaves, 1L, __ATOMIC_RELAXED)/' "$T/good.cpp"
  # shellcheck disable=SC2086
  if ! $cc $std -Wall -Wextra -Werror $sanflags -I"$root/include" -o "$T/good" "$T/good.$ext" "$B/lib/libweft.a" $libs >"$T/good.log" 2>&1; then
    bad "good.$ext does not build with $cc $std:"; sed 's/^/     /' "$T/good.log"
  elif ! out=$(WEFT_NUM_THREADS=2 timeout 120 "$T/good" 2>&1); then
    bad "good ($cc $std) failed: $out"
  elif [ "$out" != "$want" ]; then
    bad "good ($cc $std) printed '$out', want '$want'"
  else
    echo "ok   $cc $std: $out"
  fi
  if $cc $std -I"$root/include" -c "$T/bad_name.$ext" -o "$T/bad.o" >"$T/bad_name.log" 2>&1; then
    bad "$cc $std compiled WEFT_CSYNC(c, other, f) of a WEFT_CFLOWVAR(fib)"
  elif grep -q "WEFT_CSYNC(c, other, f): f is not a WEFT_CFLOWVAR(other)" "$T/bad_name.log"; then
    echo "ok   $cc $std refuses WEFT_CSYNC naming another task"
  else
    bad "$cc $std refused the wrong name without the message:"; sed 's/^/     /' "$T/bad_name.log"
  fi
  if $cc $std -Werror -I"$root/include" -c "$T/bad_tls_sync.$ext" -o "$T/bad.o" >"$T/bad_tls.log" 2>&1; then
    bad "$cc $std compiled WEFT_SYNC of a context flowvar"
  else
    echo "ok   $cc $std refuses WEFT_SYNC of a context flowvar"
  fi
done
finish
