#!/usr/bin/env bash
# weft.h from C++: the C++ example of docs/api.md (its ```cpp block) and a
# program with typed tasks of every size (arity 8, out-of-line arguments and
# results) build with g++ and clang++ (-std=c++17, and -std=c++11
# -pedantic-errors), link against BUILD_DIR's libweft.a and run with the
# results they promise; the inline structs have the same layout in C and
# C++; and an oversized task, or one with a std::string argument (copied as
# bytes), fails to compile in C++ with the size or the reason.
# Usage: tests/e2e/cxx.sh BUILD_DIR
. "$(dirname "$0")/../common/e2e.sh"
libweft_build   # sanflags and libs of this build (tests/common/e2e.sh)

compilers=()
for cxx in g++ clang++; do command -v $cxx >/dev/null 2>&1 && compilers+=($cxx); done
[ ${#compilers[@]} -gt 0 ] || fail "neither g++ nor clang++ is installed"
[ ${#compilers[@]} = 2 ] || echo "note: only ${compilers[*]} is installed"

# The ```cpp blocks of docs/api.md (each with a main).
awk -v dir="$T" '
  /^```cpp$/ { inblock = 1; text = ""; next }
  inblock && /^```$/ { inblock = 0; if (text ~ /int main\(/) { n++; printf "%s", text > (dir "/doc" n ".cpp") } next }
  inblock { text = text $0 "\n" }
  END { print n + 0 > (dir "/count") }' "$root/docs/api.md"
[ "$(cat "$T/count")" -ge 1 ] || fail "no \`\`\`cpp example with a main in docs/api.md"

cat > "$T/typed.cpp" <<'CXX'
#include <cstdio>
#include <cstring>
#include <weft.h>

struct blob { unsigned char b[100]; };
struct big { long v[16]; };  // 128 bytes

long s8(int a, char b, short c, long d, unsigned e, double f, float g, long h);
WEFT_TASK_8(long, s8, int, char, short, long, unsigned, double, float, long)
long s8(int a, char b, short c, long d, unsigned e, double f, float g, long h)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * long(e) + long(6 * f) + long(7 * g) + 8 * h;
}

big twice(big x, int depth);
WEFT_TASK_2(big, twice, big, int)
big twice(big x, int depth)
{
    if (depth == 0) return x;
    WEFT_FLOWVAR(twice) f = WEFT_SPAWN(twice, x, depth - 1);
    big y = twice(x, depth - 1);
    big z = WEFT_SYNC(f);
    for (int i = 0; i < 16; i++) y.v[i] += z.v[i];
    return y;
}

static long blob_total;
void eat(blob b, int depth);
WEFT_VOID_TASK_2(eat, blob, int)
void eat(blob b, int depth)
{
    if (depth == 0) { __atomic_fetch_add(&blob_total, long(b.b[99]), __ATOMIC_RELAXED); return; }
    WEFT_FLOWVAR(eat) f = WEFT_SPAWN(eat, b, depth - 1);
    eat(b, depth - 1);
    WEFT_WAIT(f);
}

int main()
{
    if (weft_init(nullptr) != 0) return 1;
    long r8 = 0;
    for (int i = 0; i < 1000; i++) {
        WEFT_FLOWVAR(s8) f = WEFT_SPAWN(s8, 1, 2, 3, 4, 5, 6.0, 7.0f, i);
        r8 += WEFT_SYNC(f);
    }
    big x;
    for (int i = 0; i < 16; i++) x.v[i] = i;
    big y = twice(x, 10);
    blob b;
    std::memset(&b, 0, sizeof b);
    b.b[99] = 3;
    eat(b, 10);
    std::printf("typed C++: %ld %ld %ld %ld\n", r8, y.v[1], y.v[15], __atomic_load_n(&blob_total, __ATOMIC_RELAXED));
    weft_exit();
    return 0;
}
CXX
# 1000 * (1+4+9+16+25+36+49) + 8 * 999*1000/2; 2^10 * 1, 2^10 * 15; 2^10 * 3
typed_want="typed C++: 4136000 1024 15360 3072"

cat > "$T/layout.c" <<'CXX'
#include <stdio.h>
#include <weft.h>
int main(void)
{
    printf("frame %zu/%zu: dest %zu full %zu len %zu buf %zu; hot %zu/%zu: limit %zu reqs %zu self %zu result %zu\n",
           sizeof(weft__frame), _Alignof(weft__frame), offsetof(weft__frame, dest), offsetof(weft__frame, full),
           offsetof(weft__frame, len), offsetof(weft__frame, buf), sizeof(weft__hot), _Alignof(weft__hot),
           offsetof(weft__hot, limit), offsetof(weft__hot, reqs), offsetof(weft__hot, self),
           offsetof(weft__hot, result));
    return 0;
}
CXX
sed 's/_Alignof/alignof/g; s/<stdio.h>/<cstdio>/' "$T/layout.c" > "$T/layout.cpp"
${CC:-gcc} -std=gnu11 -I"$root/include" "$T/layout.c" -o "$T/layout_c" >"$T/layout_c.log" 2>&1 ||
  { sed 's/^/     /' "$T/layout_c.log"; fail "layout.c does not compile"; }
c_layout=$("$T/layout_c")

cat > "$T/too_big.cpp" <<'CXX'
#include <weft.h>
struct s300 { char b[300]; };
int f(s300 x);
WEFT_TASK_1(int, f, s300)
int main() { return 0; }
CXX

cat > "$T/not_trivial.cpp" <<'CXX'
#include <string>
#include <weft.h>
int f(std::string s);
WEFT_TASK_1(int, f, std::string)
int main() { return 0; }
CXX

for cxx in "${compilers[@]}"; do
  for std in "-std=c++17 -Wall -Wextra -Werror" "-std=c++11 -pedantic-errors -Wall -Wextra -Werror"; do
    for src in "$T"/doc*.cpp "$T/typed.cpp" "$T/layout.cpp"; do
      name=$(basename "$src" .cpp)
      # shellcheck disable=SC2086
      if ! $cxx $std $sanflags -I"$root/include" -o "$T/$name" "$src" "$B/lib/libweft.a" $libs >"$T/$name.log" 2>&1; then
        bad "$name.cpp does not build with $cxx $std:"; sed 's/^/     /' "$T/$name.log"; continue
      fi
      if ! WEFT_NUM_THREADS=2 timeout 120 "$T/$name" >"$T/$name.out" 2>&1; then
        bad "$name ($cxx $std) exited $?:"; sed 's/^/     /' "$T/$name.out"; continue
      fi
      case $name in
        doc*) want="C++: fib(30) = 832040, point_sum = 10" ;;
        typed) want=$typed_want ;;
        layout) want=$c_layout ;;
      esac
      if [ "$(cat "$T/$name.out")" = "$want" ]; then echo "ok   $cxx $std: $name: $want"
      else bad "$name ($cxx $std) printed '$(cat "$T/$name.out")', want '$want'"; fi
    done
  done
  if $cxx -std=c++17 -I"$root/include" -c "$T/too_big.cpp" -o "$T/too_big.o" >"$T/too_big.log" 2>&1; then
    bad "$cxx compiled a task with 300 bytes of arguments"
  elif grep -q "arguments of task .f.* exceed WEFT_ARGS_LARGE_MAX (256 bytes)" "$T/too_big.log" &&
       grep -q "weft_task_bytes<300" "$T/too_big.log"; then
    echo "ok   $cxx refuses 300 bytes of arguments: $(grep -m1 -o "weft_task_bytes<300[^>]*>" "$T/too_big.log")"
  else
    bad "$cxx refused 300 bytes without the message and the size:"; sed 's/^/     /' "$T/too_big.log"
  fi
  if $cxx -std=c++17 -I"$root/include" -c "$T/not_trivial.cpp" -o "$T/not_trivial.o" >"$T/not_trivial.log" 2>&1; then
    bad "$cxx compiled a task with a std::string argument"
  elif grep -q "arguments of task .f. must be trivially copyable" "$T/not_trivial.log"; then
    echo "ok   $cxx refuses a std::string argument: arguments of task 'f' must be trivially copyable"
  else
    bad "$cxx refused a std::string argument without the message:"; sed 's/^/     /' "$T/not_trivial.log"
  fi
done
finish
