#!/usr/bin/env bash
# Every example of docs/api.md, and the first program of README.md (each
# ```c block with a main), compiles as the documents say, with gcc -std=gnu11 -Wall -Wextra (here with -Werror too),
# and also as ISO C (-std=c11 -pedantic-errors), links against BUILD_DIR's
# libweft.a and runs: exit status 0 and the output its comments promise. A
# task of arity 0 (WEFT_SPAWN(name), which passes no variadic argument) does
# the same under -pedantic-errors, since api.md says the typed macros accept
# it.
# Usage: tests/e2e/api_examples.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
libweft_build   # sanflags and libs of this build (tests/common/e2e.sh)

# ex1.c, ex2.c, ...: the blocks in document order; exN.what: the document
# and section.
awk -v dir="$T" '
  FNR == 1 { section = ""; doc = FILENAME; sub(".*/", "", doc) }
  /^## / { section = substr($0, 4); next }
  /^```c$/ { inblock = 1; text = ""; next }
  inblock && /^```$/ {
    inblock = 0
    if (text ~ /int main\(/) {
      n++; printf "%s", text > (dir "/ex" n ".c"); print doc ", " section > (dir "/ex" n ".what")
    }
    next }
  inblock { text = text $0 "\n" }
  END { print n + 0 > (dir "/count") }' "$root/docs/api.md" "$root/README.md"
n=$(cat "$T/count")
[ "$n" -ge 8 ] || fail "found $n examples with a main in docs/api.md and README.md (expected at least 8)"

cat > "$T/arity0.c" <<'EOF'
#include <stdio.h>
#include <weft.h>

int answer(void);
WEFT_TASK_0(int, answer)
int answer(void) { return 42; }

static int calls;
void tick(void);
WEFT_VOID_TASK_0(tick)
void tick(void) { calls++; }

int main(void)
{
    if (weft_init(NULL) != 0) return 1;
    WEFT_FLOWVAR(answer) a = WEFT_SPAWN(answer);
    WEFT_FLOWVAR(tick) t = WEFT_SPAWN(tick);
    WEFT_WAIT(t);
    printf("arity 0: %d, ticks %d\n", WEFT_SYNC(a), calls);
    weft_exit();
    return 0;
}
EOF

# $CC (or gcc) builds the program that runs; clang, when installed, must
# accept the source too.
compilers=("${CC:-gcc}")
command -v clang >/dev/null 2>&1 && [ "${CC:-gcc}" != clang ] && compilers+=(clang)

for src in "$T"/ex*.c "$T/arity0.c"; do
  name=$(basename "$src" .c)
  what="the arity-0 typed task"
  [ -f "$T/$name.what" ] && what="the example of '$(cat "$T/$name.what")'"
  ok=1
  for cc in "${compilers[@]}"; do
    for std in "-std=gnu11 -Wall -Wextra -Werror" "-std=c11 -pedantic-errors -Wall -Wextra -Werror"; do
      [ "$cc" = "${compilers[0]}" ] && out=(-o "$T/$name" "$src" "$B/lib/libweft.a" $libs) ||
        out=(-fsyntax-only "$src")
      # shellcheck disable=SC2086
      if ! "$cc" $std $sanflags -I"$root/include" "${out[@]}" >"$T/$name.cc.log" 2>&1; then
        bad "$what does not compile with $cc $std:"; sed 's/^/     /' "$T/$name.cc.log"; ok=0; break 2
      fi
    done
  done
  [ $ok = 1 ] || continue
  if WEFT_NUM_THREADS=2 timeout 120 "$T/$name" >"$T/$name.out" 2>&1; then
    echo "ok   $what compiles (${compilers[*]}; gnu11, c11 -pedantic-errors) and runs: $(head -n 1 "$T/$name.out")"
  else
    bad "$what exited $?:"; sed 's/^/     /' "$T/$name.out"
  fi
done

# What the examples print (their comments and arithmetic).
cat "$T"/*.out > "$T/all.out"
for want in "4 workers, I am worker 0" "sum of squares: 384306618446643200" "touched 3" \
            "40 + 2 = 42, ready after: 1" "sum of cubes below 100: 24502500" "500500" \
            "received 5" "fib(30) = 832040 on 2 workers" "arity 0: 42, ticks 1" \
            "a*a: 1 4, sum8: 36" \
            "y[10] = 14, 349526 indices marked" "sum of i*i: 333332833333500000" \
            "bin 3: 10000, max 999" "inner scope done: 1" "56 grandchildren" \
            "total 72" "after the single event" "the waiting task saw 42"; do
  grep -qF -- "$want" "$T/all.out" || bad "no example printed '$want'"
done
finish
