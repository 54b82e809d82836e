#!/usr/bin/env bash
# Task arguments (or a result) of more than WEFT_ARGS_LARGE_MAX bytes must be
# a compile error naming the task and the limit and showing the size; tasks
# up to the limit (inline up to WEFT_ARGS_MAX, out of line above it) and of
# every arity up to 8 must compile.
# Usage: tests/e2e/args_too_big.sh BUILD_DIR   (the build dir is not needed:
# this checks include/weft.h with the compilers at hand: $CC or gcc, and
# clang when installed).
. "$(dirname "$0")/../common/e2e.sh"

# One source per case: NAME, then the declarations after #include <weft.h>.
# A bad case's name ends in its size: bad_WHAT_SIZE.
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
WEFT_VOID_TASK_6(v6, long, long, long, long, int, int)
long g8(int a, int b, int c, int d, int e, int f, int g, int h);
WEFT_TASK_8(long, g8, int, int, int, int, int, int, int, int)
void v8(long a, long b, long c, long d, long e, long f, long g, long h);
WEFT_VOID_TASK_8(v8, long, long, long, long, long, long, long, long)'
# Out of line: what WEFT_ARGS_MAX refused before, up to WEFT_ARGS_LARGE_MAX.
write_case good_large   'typedef struct { char b[WEFT_ARGS_MAX + 1]; } b41;
int f(b41 x);
WEFT_TASK_1(int, f, b41)
typedef struct { char b[16]; } s16;
int f3(s16 a, s16 b, s16 c);
WEFT_TASK_3(int, f3, s16, s16, s16)
int f6(long a, long b, long c, long d, long e, int g);
WEFT_TASK_6(int, f6, long, long, long, long, long, int)
typedef struct { char b[64]; } b64;
b64 r(int x);
WEFT_TASK_1(b64, r, int)
typedef struct { double d[6]; } six_t;
void v(six_t x);
WEFT_VOID_TASK_1(v, six_t)
typedef struct { char b[100]; } b100;
void v100(b100 x);
WEFT_VOID_TASK_1(v100, b100)
typedef struct { char b[128]; } b128;
b128 t128(b128 x);
WEFT_TASK_1(b128, t128, b128)
typedef struct { char b[WEFT_ARGS_LARGE_MAX]; } bmax;
bmax tmax(bmax x);
WEFT_TASK_1(bmax, tmax, bmax)
void v8(b16 a, b16 b, b16 c, b16 d, b16 e, b16 f, b16 g, b16 h);
WEFT_VOID_TASK_8(v8, b16, b16, b16, b16, b16, b16, b16, b16)'
sed -i 's/^void v8(b16/typedef s16 b16;\nvoid v8(b16/' "$T/good_large.c"
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
write_case bad_arg_257  'typedef struct { char b[WEFT_ARGS_LARGE_MAX + 1]; } big_t;
int f(big_t x);
WEFT_TASK_1(int, f, big_t)'
write_case bad_args_sum_300 'typedef struct { char b[100]; } s100;
int f(s100 a, s100 b, s100 c);
WEFT_TASK_3(int, f, s100, s100, s100)'
write_case bad_args_eight_264 'typedef struct { char b[33]; } s33;
void f(s33 a, s33 b, s33 c, s33 d, s33 e, s33 g, s33 h, s33 i);
WEFT_VOID_TASK_8(f, s33, s33, s33, s33, s33, s33, s33, s33)'
write_case bad_result_264 'typedef struct { char b[264]; } big_t;
big_t f(int x);
WEFT_TASK_1(big_t, f, int)'

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
        size=${name##*_}
        msg=$(grep -m1 -o "[a-z ]* of task [^ ]* exceeds\? WEFT_ARGS_LARGE_MAX (256 bytes)" "$log" | tr -d '\\')
        if [ $ok = 1 ]; then echo "FAIL $cc $name compiled"; failed=1
        elif [ -z "$msg" ]; then
          echo "FAIL $cc $name failed without the message '... of task NAME exceed(s) WEFT_ARGS_LARGE_MAX (256 bytes)':"; sed 's/^/     /' "$log"; failed=1
        elif ! grep -q "weft_task_bytes (\*)\[$size\]" "$log"; then
          echo "FAIL $cc $name: the size $size is not shown as 'weft_task_bytes (*)[$size]':"; sed 's/^/     /' "$log"; failed=1
        else echo "ok   $cc $name: $msg; shown: $(grep -m1 -o "weft_task_bytes (\*)\[$size\]" "$log")"; fi ;;
    esac
  done
done
finish
