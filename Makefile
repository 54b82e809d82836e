# weft: one non-recursive Makefile for the runtime, the quarantine, the tests
# and the benchmarks.
#
#   make               libweft.a, libweft.so and every program (build/)
#   make test          the whole suite: criterion units, stress programs, end-to-end
#   make test-tsan     the stress programs and end-to-end tests under ThreadSanitizer
#   make test-asan     the whole suite under AddressSanitizer + UBSan
#   make demo          the main job (see README.md)
#   make bench         benchmarks against serial twins and peers (docs/benchmarks.md)
#   make soak          the soak: 10^9 messages, 10^8 tasks under TSan (about an hour)
#   make verify        model-check the protocols (verify/, docs/verification.md)
#   make fuzz          libFuzzer on the decoders and the stream reader (fuzz/README.md)
#   make install PREFIX=/usr/local
#
# Variables: B (build folder, default build), SAN (thread|address|fuzzer), WERROR=1,
# ALLOC (jemalloc, the default, or libc).

B        ?= build
SAN      ?=
PREFIX   ?= /usr/local
ifeq ($(origin CC),default)
CC       := gcc
endif
# The version lives in include/weft.h (WEFT_VERSION); the soname follows
# its major.
VERSION  := $(shell sed -n 's/^\#define WEFT_VERSION "\([0-9.]*\)"$$/\1/p' include/weft.h)
VERSION_MAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME   := libweft.so.$(VERSION_MAJOR)

WARN     := -Wall -Wextra -Wshadow -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN     += -Werror
endif
OPT      ?= -O2 -g
CSTD     := -std=gnu11
CPPFLAGS_ALL := -Iinclude -I. -D_GNU_SOURCE
CFLAGS_ALL   := $(CSTD) $(OPT) $(WARN) -fPIC -pthread -MMD -MP
LDLIBS_RT    := -lhwloc -pthread -lm

# ALLOC: where the pool's chunks come from. jemalloc (the default) links
# libjemalloc, whose malloc then serves the whole of a program that links
# libweft statically (docs/api.md); libc builds without it (aligned_alloc).
# Sanitizer builds use libc: the sanitizer's own malloc must see every
# allocation.
ALLOC    ?= jemalloc
ifneq ($(SAN),)
override ALLOC := libc
endif

ifeq ($(SAN),thread)
CFLAGS_ALL   += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS_ALL  += -fsanitize=thread
CPPFLAGS_ALL += -DWEFT_SANITIZE
else ifeq ($(SAN),address)
CFLAGS_ALL   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_ALL  += -fsanitize=address,undefined
CPPFLAGS_ALL += -DWEFT_SANITIZE
else ifeq ($(SAN),fuzzer)
# make fuzz (fuzz/fuzz.mk): clang, libFuzzer's coverage, ASan + UBSan; only
# the fuzz targets link libFuzzer itself (-fsanitize=fuzzer). clang's
# -Wstring-concatenation takes the SQL statements split over lines in
# quarantine/store.c's arrays for missing commas, and its
# -Wgnu-variable-sized-type-not-at-end the result channel inside
# flowvar/future.c's future (libweft.a is linked too: the input queue wakes
# the runtime).
override CC  := clang
CFLAGS_ALL   += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
                -Wno-string-concatenation -Wno-gnu-variable-sized-type-not-at-end
LDFLAGS_ALL  += -fsanitize=address,undefined
CPPFLAGS_ALL += -DWEFT_SANITIZE
endif

ifeq ($(ALLOC),jemalloc)
LDLIBS_RT    += -ljemalloc
PC_LIBS      := -ljemalloc -lm
DEPS_ALLOC   := libjemalloc-dev
else ifeq ($(ALLOC),libc)
CPPFLAGS_ALL += -DWEFT_NO_JEMALLOC
PC_LIBS      := -lm
DEPS_ALLOC   :=
else
$(error ALLOC=$(ALLOC): jemalloc or libc)
endif

# ---------------------------------------------------------------- dependencies
# Every build step waits for the packages it needs; scripts/deps.sh installs
# them as root or prints the apt-get line to run. The library (and make
# install) needs DEPS_LIB only; the tests and the quarantine add DEPS_TEST
# (libudev-dev: hwloc's private library, for the install test's static link;
# python3-prometheus-client: its parser reads the metrics test's scrapes).
DEPS_LIB   := gcc make pkg-config libhwloc-dev $(DEPS_ALLOC)
DEPS_TEST  := libcriterion-dev libsodium-dev libsqlite3-dev sqlite3 python3 libudev-dev python3-prometheus-client
DEPS_BENCH := clang libomp-dev libtbb-dev g++ gnuplot-nox libssl-dev
# The aarch64 compile check (tests/e2e/cross_aarch64.sh) of the test targets.
DEPS_CROSS := gcc-aarch64-linux-gnu
DEPS_VERIFY := spin gcc
# make fuzz and its smoke test: clang, libFuzzer (libclang-rt-dev), llvm-symbolizer.
DEPS_FUZZ  := clang libclang-rt-dev llvm

$(B)/.deps-lib: scripts/deps.sh
	@mkdir -p $(@D)
	@scripts/deps.sh $(DEPS_LIB)
	@touch $@
$(B)/.deps-test: scripts/deps.sh | $(B)/.deps-lib
	@scripts/deps.sh $(DEPS_TEST)
	@touch $@
$(B)/.deps-bench: scripts/deps.sh | $(B)/.deps-test
	@scripts/deps.sh $(DEPS_BENCH)
	@touch $@
$(B)/.deps-cross: scripts/deps.sh
	@mkdir -p $(@D)
	@scripts/deps.sh $(DEPS_CROSS)
	@touch $@
$(B)/.deps-verify: scripts/deps.sh
	@mkdir -p $(@D)
	@scripts/deps.sh $(DEPS_VERIFY)
	@touch $@
$(B)/.deps-fuzz: scripts/deps.sh | $(B)/.deps-test
	@scripts/deps.sh $(DEPS_FUZZ)
	@touch $@

# ---------------------------------------------------------------- the library
LIB_SRC := $(wildcard flowvar/*.c runtime/*/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
LIB_A   := $(B)/lib/libweft.a
LIB_SO  := $(B)/lib/libweft.so

# Only what include/weft.h declares (WEFT_API) leaves libweft.so. The
# library's flags live here, so its objects are rebuilt when this file changes.
$(LIB_OBJ): CFLAGS_ALL += -fvisibility=hidden
$(LIB_OBJ): Makefile

$(B)/obj/%.o: %.c | $(B)/.deps-lib
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,$(SONAME) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_RT)

# Programs link the static library; LINK_WEFT is the line they share.
LINK_WEFT = $(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL)

# ---------------------------------------------------------------- tests
UNIT_SRC   := $(wildcard tests/unit/*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
STRESS_SRC := $(wildcard tests/stress/*.c)
STRESS_BIN := $(STRESS_SRC:tests/stress/%.c=$(B)/tests/stress/%)

$(B)/tests/unit/%: tests/unit/%.c $(LIB_A) | $(B)/.deps-test
	@mkdir -p $(@D)
	$(LINK_WEFT) $(CPPFLAGS_ALL) -o $@ $< $(LIB_A) -lcriterion $(LDLIBS_RT)

$(B)/tests/stress/%: tests/stress/%.c $(LIB_A) | $(B)/.deps-lib
	@mkdir -p $(@D)
	$(LINK_WEFT) $(CPPFLAGS_ALL) -o $@ $< $(LIB_A) $(LDLIBS_RT)

# fault_inject makes the runtime's calls into the system fail: --wrap sends
# them (in libweft.a and in the program) through its __wrap_ functions.
# private: the flags stay off the library it depends on.
FAULT_WRAP := pthread_create pthread_join mmap munmap malloc calloc aligned_alloc free mallocx dallocx
$(B)/tests/stress/fault_inject: private LDFLAGS_ALL += $(FAULT_WRAP:%=-Wl,--wrap=%)

# ---------------------------------------------------------------- parts
include quarantine/quarantine.mk
include benchmarks/bench.mk
include fuzz/fuzz.mk

# The quarantine's objects need libsodium's and SQLite's headers.
$(QUARANTINE_OBJ): | $(B)/.deps-test

PROGRAMS := $(UNIT_BIN) $(STRESS_BIN) $(QUARANTINE_BIN)

.PHONY: all lib test test-tsan test-asan test-units test-stress test-e2e \
        demo install uninstall clean soak bench verify
.DEFAULT_GOAL := all
all: lib $(PROGRAMS)
lib: $(LIB_A) $(LIB_SO)

# make test: everything, with one closing line 'N passed, N failed'.
test: all $(B)/.deps-cross $(B)/.deps-fuzz
	@scripts/run-tests.sh $(B) units stress e2e

# Criterion cannot start under ThreadSanitizer (Criterion issue #274), so the
# TSan run covers the standalone stress programs and end-to-end tests, which
# drive every channel, notifier and the scheduler.
test-tsan: $(B)/.deps-cross $(B)/.deps-fuzz
	@$(MAKE) --no-print-directory B=build/tsan SAN=thread OPT="-O1 -g" all
	@scripts/run-tests.sh build/tsan stress e2e

test-asan: $(B)/.deps-cross $(B)/.deps-fuzz
	@$(MAKE) --no-print-directory B=build/asan SAN=address OPT="-O1 -g" all
	@scripts/run-tests.sh build/asan units stress e2e

# make verify: spin on the protocol models in verify/ and their planted-bug
# mutants (docs/verification.md).
verify: $(B)/.deps-verify
	@scripts/verify.sh $(B)/verify

# make soak: 10^9 messages through the channels and the notifier and 10^8
# random spawn-tree tasks, in chunks, under ThreadSanitizer, every one
# counted (scripts/soak.sh; figures in docs/verification.md).
SOAK_PROGRAMS := spsc_stress mpsc_stress notifier_stress spawn_tree
soak: all
	@$(MAKE) --no-print-directory B=build/tsan SAN=thread OPT="-O1 -g" $(SOAK_PROGRAMS:%=build/tsan/tests/stress/%)
	@scripts/soak.sh build/tsan
	@WEFT_SOAK=1 WEFT_TEST_TIMEOUT=1800 scripts/run-tests.sh $(B) stress soak-e2e

demo: all $(B)/bench/fib $(B)/bench/fib_serial
	@scripts/demo.sh $(B)

# ---------------------------------------------------------------- install
install: lib
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/weft.h $(DESTDIR)$(PREFIX)/include/weft.h
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/libweft.a
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/libweft.so.$(VERSION)
	ln -sf libweft.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libweft.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@LIBS_PRIVATE@|$(PC_LIBS)|g' weft.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/weft.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/weft.h $(DESTDIR)$(PREFIX)/lib/libweft.* \
	      $(DESTDIR)$(PREFIX)/lib/pkgconfig/weft.pc

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
