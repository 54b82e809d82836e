# weft: one non-recursive Makefile for the runtime, the quarantine, the tests
# and the benchmarks.
#
#   make               libweft.a, libweft.so and every program (build/)
#   make test          the whole suite: criterion units, stress programs, end-to-end
#   make test-tsan     the stress programs and end-to-end tests under ThreadSanitizer
#   make test-asan     the whole suite under AddressSanitizer + UBSan
#   make demo          the main job (see README.md)
#   make bench         benchmarks against serial twins and peers (docs/benchmarks.md)
#   make soak          the long stress runs
#   make verify        model-check the protocols (verify/, docs/verification.md)
#   make install PREFIX=/usr/local
#
# Variables: B (build folder, default build), SAN (thread|address), WERROR=1.

B        ?= build
SAN      ?=
PREFIX   ?= /usr/local
ifeq ($(origin CC),default)
CC       := gcc
endif
VERSION  := 0.1.0

WARN     := -Wall -Wextra -Wshadow -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN     += -Werror
endif
OPT      ?= -O2 -g
CSTD     := -std=gnu11
CPPFLAGS_ALL := -Iinclude -I. -D_GNU_SOURCE
CFLAGS_ALL   := $(CSTD) $(OPT) $(WARN) -fPIC -pthread -MMD -MP
LDLIBS_RT    := -lhwloc -pthread -lm

ifeq ($(SAN),thread)
CFLAGS_ALL   += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS_ALL  += -fsanitize=thread
CPPFLAGS_ALL += -DWEFT_NO_JEMALLOC -DWEFT_SANITIZE
else ifeq ($(SAN),address)
CFLAGS_ALL   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_ALL  += -fsanitize=address,undefined
CPPFLAGS_ALL += -DWEFT_NO_JEMALLOC -DWEFT_SANITIZE
else
LDLIBS_RT    += -ljemalloc
endif

# ---------------------------------------------------------------- dependencies
# Every build step waits for the packages it needs; scripts/deps.sh installs
# them as root or prints the apt-get line to run.
DEPS_CORE  := gcc make pkg-config libcriterion-dev libhwloc-dev libjemalloc-dev \
              libsodium-dev libsqlite3-dev sqlite3 python3
DEPS_BENCH := clang libomp-dev libtbb-dev g++ gnuplot-nox
DEPS_VERIFY := spin gcc

$(B)/.deps-core: scripts/deps.sh
	@mkdir -p $(@D)
	@scripts/deps.sh $(DEPS_CORE)
	@touch $@
$(B)/.deps-bench: scripts/deps.sh | $(B)/.deps-core
	@scripts/deps.sh $(DEPS_BENCH)
	@touch $@
$(B)/.deps-verify: scripts/deps.sh
	@mkdir -p $(@D)
	@scripts/deps.sh $(DEPS_VERIFY)
	@touch $@

# ---------------------------------------------------------------- the library
LIB_SRC := $(wildcard flowvar/*.c runtime/*/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
LIB_A   := $(B)/lib/libweft.a
LIB_SO  := $(B)/lib/libweft.so

$(B)/obj/%.o: %.c | $(B)/.deps-core
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libweft.so.0 $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_RT)

# Programs link the static library; LINK_WEFT is the line they share.
LINK_WEFT = $(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL)

# ---------------------------------------------------------------- tests
UNIT_SRC   := $(wildcard tests/unit/*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
STRESS_SRC := $(wildcard tests/stress/*.c)
STRESS_BIN := $(STRESS_SRC:tests/stress/%.c=$(B)/tests/stress/%)

$(B)/tests/unit/%: tests/unit/%.c $(LIB_A) | $(B)/.deps-core
	@mkdir -p $(@D)
	$(LINK_WEFT) $(CPPFLAGS_ALL) -o $@ $< $(LIB_A) -lcriterion -lsodium -lsqlite3 $(LDLIBS_RT)

$(B)/tests/stress/%: tests/stress/%.c $(LIB_A) | $(B)/.deps-core
	@mkdir -p $(@D)
	$(LINK_WEFT) $(CPPFLAGS_ALL) -o $@ $< $(LIB_A) $(LDLIBS_RT)

# ---------------------------------------------------------------- parts
include quarantine/quarantine.mk
include benchmarks/bench.mk

PROGRAMS := $(UNIT_BIN) $(STRESS_BIN) $(QUARANTINE_BIN)

.PHONY: all lib test test-tsan test-asan test-units test-stress test-e2e \
        demo install uninstall clean soak bench verify
.DEFAULT_GOAL := all
all: lib $(PROGRAMS)
lib: $(LIB_A) $(LIB_SO)

# make test: everything, with one closing line 'N passed, N failed'.
test: all
	@scripts/run-tests.sh $(B) units stress e2e

# Criterion cannot start under ThreadSanitizer (Criterion issue #274), so the
# TSan run covers the standalone stress programs and end-to-end tests, which
# drive every channel, notifier and the scheduler.
test-tsan:
	@$(MAKE) --no-print-directory B=build/tsan SAN=thread OPT="-O1 -g" all
	@scripts/run-tests.sh build/tsan stress e2e

test-asan:
	@$(MAKE) --no-print-directory B=build/asan SAN=address OPT="-O1 -g" all
	@scripts/run-tests.sh build/asan units stress e2e

# make verify: spin on the protocol models in verify/ and their planted-bug
# mutants (docs/verification.md).
verify: $(B)/.deps-verify
	@scripts/verify.sh $(B)/verify

soak: all
	@WEFT_SOAK=1 scripts/run-tests.sh $(B) stress

demo: all $(B)/bench/fib $(B)/bench/fib_serial
	@scripts/demo.sh $(B)

# ---------------------------------------------------------------- install
install: lib
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/weft.h $(DESTDIR)$(PREFIX)/include/weft.h
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/libweft.a
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/libweft.so.$(VERSION)
	ln -sf libweft.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libweft.so.0
	ln -sf libweft.so.0 $(DESTDIR)$(PREFIX)/lib/libweft.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' weft.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/weft.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/weft.h $(DESTDIR)$(PREFIX)/lib/libweft.* \
	      $(DESTDIR)$(PREFIX)/lib/pkgconfig/weft.pc

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
