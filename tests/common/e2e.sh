# The preamble of every end-to-end test: tests/e2e/NAME.sh starts with
#   . "$(dirname "$0")/../common/e2e.sh"
# (it lives here, not in tests/e2e/, because scripts/run-tests.sh runs every
# tests/e2e/*.sh as a test). The test's first argument is the build folder.
# Sets:
#   root    the repository
#   B       the build folder: the first argument (default build), absolute
#   T       a fresh temporary folder, removed when the test exits
#   failed  0 until bad() is called
# and defines fail, bad, finish, quiet, sanitizer and libweft_build below.
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${1:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failed=0

# Stops the test: prints "FAIL: MESSAGE", exit status 1.
fail() { echo "FAIL: $*"; exit 1; }

# Records a failure ("FAIL: MESSAGE") and lets the test go on.
bad() { echo "FAIL: $*"; failed=1; }

# Ends the test: "NAME: all checks passed" and status 0 when bad() was never
# called, status 1 otherwise.
finish() {
  [ "$failed" = 0 ] && echo "$(basename "$0" .sh): all checks passed"
  exit "$failed"
}

# Runs a command that may be killed; the subshell keeps bash's "Killed"
# notice off the log. Returns the command's status (137 when SIGKILLed).
quiet() { ( "$@" >/dev/null 2>&1; rc=$?; exit $rc ) 2>/dev/null; }

# Prints the sanitizer FILE (a program or a library) was built with: thread,
# address, or nothing.
sanitizer() {
  case $(strings "$1" 2>/dev/null | grep -m1 -o '__tsan_\|__asan_') in
    __tsan_) echo thread ;;
    __asan_) echo address ;;
  esac
}

# Reads how BUILD's libweft.a was built, for a test that compiles and links a
# program against it: sets san (thread, address or empty), sanflags (the
# compiler flags of that sanitizer), alloc (jemalloc or libc) and libs (what
# a program linking the archive needs after it). Fails when it is not built.
libweft_build() {
  [ -f "$B/lib/libweft.a" ] || fail "$B/lib/libweft.a is not built"
  san=$(sanitizer "$B/lib/libweft.a"); sanflags=
  case $san in
    thread)  sanflags="-fsanitize=thread" ;;
    address) sanflags="-fsanitize=address,undefined" ;;
  esac
  alloc=libc
  nm "$B/lib/libweft.a" 2>/dev/null | grep -q ' U mallocx$' && alloc=jemalloc
  libs="-lhwloc -pthread -lm"
  [ "$alloc" = jemalloc ] && libs="$libs -ljemalloc"
  return 0
}

# The prefix of a log line of `quarantine run` and `replay` (quarantine/log.h),
# a basic regular expression without groups (so \1 in a sed expression stays
# the caller's): "2026-12-01T11:14:17.123Z info " (levels info, warn, error).
# Use it as grep "^${LOGP}quarantine run: ...".
LOGP='[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]\{3\}Z [a-z]\{4,5\} '
