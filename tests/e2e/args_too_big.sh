#!/usr/bin/env bash
# Task arguments (or a result) larger than WEFT_ARGS_MAX must be a compile
# error naming the limit, and a task right at the limit must compile.
# Usage: tests/e2e/args_too_big.sh BUILD_DIR   (the build dir is not needed:
# this checks include/weft.h with the compilers at hand: $CC or gcc, and
# clang when installed).
. "$(dirname "$0")/../common/e2e.sh"

# One source per case: NAME, then the declarations after #include <weft.h>.
write_case() {  # NAME BODY
  printf '#include <weft.h>\n%s\nint main(void) { return 0; }\n' "$2" > "$T/$1.c"
}
write_case good_exact   'typedef struct { char b[WEFT_ARGS_MAX]; } exact_t;
exact_t f(exact_t x);
WEFT_TASK_1(exact_t, f, exact_t)
long g(long a, long b, long c, long d);
WEFT_TASK_4(long, g, long, long, long, long)
void hv(double a, long b, int c);
WEFT_VOID_TASK_3(hv, double, long, int)
long g6(long a, long b, long c, long d, int e, int f);
WEFT_TASK_6(long, g6, long, long, long, long, int, int)
void v6(long a, long b, long c, long d, int e, int f);
WEFT_VOID_TASK_6(v6, long, long, long, long, int, int)'
# Task names that are also common local names: the macros' own locals must
# not capture them (a task named h, i, a, r, f, fv or buf once failed).
write_case good_names   'int h(int x); WEFT_TASK_1(int, h, int)
int i(int x); WEFT_TASK_1(int, i, int)
int a(int x, int y); WEFT_TASK_2(int, a, int, int)
long r(long x); WEFT_TASK_1(long, r, long)
int f(int x); WEFT_TASK_1(int, f, int)
int fv(int x); WEFT_TASK_1(int, fv, int)
void buf(int x); WEFT_VOID_TASK_1(buf, int)
void top(int x); WEFT_VOID_TASK_1(top, int)
int use(void) {
    WEFT_FLOWVAR(h) x = WEFT_SPAWN(h, 1);
    WEFT_FLOWVAR(buf) y = WEFT_SPAWN(buf, 2);
    WEFT_WAIT(y);
    return WEFT_SYNC(x);
}'
write_case bad_arg      'typedef struct { char b[WEFT_ARGS_MAX + 1]; } big_t;
int f(big_t x);
WEFT_TASK_1(int, f, big_t)'
write_case bad_args_sum 'typedef struct { char b[16]; } s16;
int f(s16 a, s16 b, s16 c);
WEFT_TASK_3(int, f, s16, s16, s16)'
write_case bad_args_six 'int f(long a, long b, long c, long d, long e, int g);
WEFT_TASK_6(int, f, long, long, long, long, long, int)'
write_case bad_result   'typedef struct { char b[64]; } big_t;
big_t f(int x);
WEFT_TASK_1(big_t, f, int)'
write_case bad_void     'typedef struct { double d[6]; } six_t;
void f(six_t x);
WEFT_VOID_TASK_1(f, six_t)'

compilers=("${CC:-gcc}")
command -v clang >/dev/null 2>&1 && [ "${CC:-gcc}" != clang ] && compilers+=(clang)

for cc in "${compilers[@]}"; do
  for src in "$T"/*.c; do
    name=$(basename "$src" .c)
    log="$T/$name.$cc.log"
    if "$cc" -std=gnu11 -Wall -Wextra -Werror -I"$root/include" -c "$src" -o "$T/$name.o" >"$log" 2>&1; then
      ok=1
    else
      ok=0
    fi
    case $name in
      good_*)
        if [ $ok = 1 ]; then echo "ok   $cc $name compiles"
        else echo "FAIL $cc $name does not compile:"; sed 's/^/     /' "$log"; failed=1; fi ;;
      bad_*)
        if [ $ok = 1 ]; then echo "FAIL $cc $name compiled"; failed=1
        elif grep -q "exceed WEFT_ARGS_MAX" "$log"; then echo "ok   $cc $name: $(grep -m1 -o "arguments of task .* exceed WEFT_ARGS_MAX[a-z ]*" "$log")"
        else echo "FAIL $cc $name failed without the message 'exceed WEFT_ARGS_MAX':"; sed 's/^/     /' "$log"; failed=1; fi ;;
    esac
  done
done
finish
