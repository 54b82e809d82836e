# Benchmarks (docs/benchmarks.md): every workload in benchmarks/NAME/ is built
# into $(B)/bench as
#   NAME               weft            (NAME_weft.c, $(CC) -O3, libweft.a)
#   NAME_ctx           weft's context form (NAME_weft_ctx.c, as NAME), for
#                      the workloads in BENCH_CTX_NAMES
#   NAME_serial        its serial twin (NAME_serial.c, same compiler and flags)
#   NAME_serial_clang  the twin built by clang, for the clang peer
#   NAME_omp_gcc       OpenMP tasks, gcc + libgomp    (NAME_omp.c)
#   NAME_omp_clang     OpenMP tasks, clang + libomp   (NAME_omp.c)
#   NAME_tbb           oneTBB task_group, g++         (NAME_tbb.cpp)
#   NAME_lace          Lace 1.4.2, $(CC) as NAME_serial (NAME_lace.c), only
#                      when LACE_DIR names a Lace checkout (below)
# None of this is part of `make all`. The programs carry an rpath of
# $ORIGIN/lib, and $(B)/bench/lib holds copies of the shared libraries they
# need beyond glibc (scripts/bench-libs.sh), so the folder runs on a machine
# without those packages (bench-scaling on a larger box).
#
#   make bench           1 and 2 workers, 5 paired runs each (scripts/bench.sh),
#                        then make bench-loops (the loop benchmarks, below)
#                        and bench-latency
#   make bench-latency   the executor's latency and the idle strategies
#                        (scripts/bench-latency.sh; benchmarks/executor/)
#   make bench-scaling   1..16 workers (scripts/bench-scaling.sh)
#   make bench-build     just build $(B)/bench
#   ... LACE_DIR=DIR     the same with the Lace peers

BENCH_DIR   := $(B)/bench
BENCH_NAMES := fib dfs nqueens bpc spc uts treesum wavefront
BENCH_VARIANTS := serial serial_clang omp_gcc omp_clang tbb

BENCH_WARN     := $(WARN)
# SAN=thread|address builds carry the sanitizer into the programs too (a
# correctness check of the weft versions; the timings then mean nothing).
BENCH_SAN      := $(filter -fsanitize=% -fno-sanitize-recover=% -fno-omit-frame-pointer,$(CFLAGS_ALL))
BENCH_CFLAGS   := -std=gnu11 -O3 $(BENCH_WARN) -pthread -MMD -MP $(BENCH_SAN)
BENCH_CXXFLAGS := -std=c++17 -O3 $(BENCH_WARN) -pthread -MMD -MP $(BENCH_SAN)
BENCH_RPATH    := -Wl,-rpath,'$$ORIGIN/lib' -Wl,--disable-new-dtags
BENCH_CLANG    ?= clang
BENCH_CXX      ?= g++
# Libraries a workload's programs link beyond the runtime's (UTS hashes with
# libcrypto's SHA-1, benchmarks/uts/sha1.h).
BENCH_LDLIBS_uts := -lcrypto

# Workloads with a context-form version (NAME_weft_ctx.c).
BENCH_CTX_NAMES := fib dfs

BENCH_WEFT_BIN := $(BENCH_NAMES:%=$(BENCH_DIR)/%) $(BENCH_CTX_NAMES:%=$(BENCH_DIR)/%_ctx)
BENCH_PEER_BIN := $(foreach n,$(BENCH_NAMES),$(foreach v,$(BENCH_VARIANTS),$(BENCH_DIR)/$(n)_$(v)))
# The executor's latency programs (benchmarks/executor/, rules at the end).
BENCH_LAT_BIN  := $(BENCH_DIR)/exec_latency $(BENCH_DIR)/idle_strategies
BENCH_BIN       = $(BENCH_WEFT_BIN) $(BENCH_PEER_BIN) $(BENCH_LACE_BIN) $(BENCH_LAT_BIN)
BENCH_LIBS     := $(BENCH_DIR)/lib/.stamp

# gcc builds need only the core packages (so `make demo` can build fib and
# fib_serial without the peers); clang and TBB builds need DEPS_BENCH.
# One set of rules per workload (the stem appears twice in each path, which a
# plain pattern rule cannot express).
define BENCH_RULES
$(BENCH_DIR)/$(1): benchmarks/$(1)/$(1)_weft.c $(LIB_A) | $(B)/.deps-lib
	@mkdir -p $$(@D)
	$(CC) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) $$(BENCH_RPATH) -o $$@ $$< $(LIB_A) $(BENCH_LDLIBS_$(1)) $(LDLIBS_RT)
$(BENCH_DIR)/$(1)_serial: benchmarks/$(1)/$(1)_serial.c | $(B)/.deps-lib
	@mkdir -p $$(@D)
	$(CC) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) $$(BENCH_RPATH) -o $$@ $$< $(BENCH_LDLIBS_$(1)) -lm
$(BENCH_DIR)/$(1)_serial_clang: benchmarks/$(1)/$(1)_serial.c | $(B)/.deps-bench
	@mkdir -p $$(@D)
	$(BENCH_CLANG) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) $$(BENCH_RPATH) -o $$@ $$< $(BENCH_LDLIBS_$(1)) -lm
$(BENCH_DIR)/$(1)_omp_gcc: benchmarks/$(1)/$(1)_omp.c | $(B)/.deps-lib
	@mkdir -p $$(@D)
	$(CC) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) -fopenmp $$(BENCH_RPATH) -o $$@ $$< $(BENCH_LDLIBS_$(1)) -lm
$(BENCH_DIR)/$(1)_omp_clang: benchmarks/$(1)/$(1)_omp.c | $(B)/.deps-bench
	@mkdir -p $$(@D)
	$(BENCH_CLANG) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) -fopenmp $$(BENCH_RPATH) -o $$@ $$< $(BENCH_LDLIBS_$(1)) -lm
$(BENCH_DIR)/$(1)_tbb: benchmarks/$(1)/$(1)_tbb.cpp | $(B)/.deps-bench
	@mkdir -p $$(@D)
	$(BENCH_CXX) $(CPPFLAGS_ALL) $(BENCH_CXXFLAGS) $$(BENCH_RPATH) -o $$@ $$< $(BENCH_LDLIBS_$(1)) -ltbb -lm
endef
$(foreach n,$(BENCH_NAMES),$(eval $(call BENCH_RULES,$(n))))
define BENCH_CTX_RULE
$(BENCH_DIR)/$(1)_ctx: benchmarks/$(1)/$(1)_weft_ctx.c $(LIB_A) | $(B)/.deps-lib
	@mkdir -p $$(@D)
	$(CC) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) $$(BENCH_RPATH) -o $$@ $$< $(LIB_A) $(BENCH_LDLIBS_$(1)) $(LDLIBS_RT)
endef
$(foreach n,$(BENCH_CTX_NAMES),$(eval $(call BENCH_CTX_RULE,$(n))))
# libcrypto (libssl-dev) is a DEPS_BENCH package, so UTS's gcc builds wait for
# those too.
$(BENCH_DIR)/uts $(BENCH_DIR)/uts_serial $(BENCH_DIR)/uts_omp_gcc: | $(B)/.deps-bench

# ---------------------------------------------------------------- Lace
# Lace (github.com/trolando/lace, tag v1.4.2) is not a Debian package and
# none of it lives here. LACE_DIR names a source checkout of it:
#     git clone https://github.com/trolando/lace /path/to/lace
#     git -C /path/to/lace checkout v1.4.2
#     make bench LACE_DIR=/path/to/lace
# Its own CMake build (Release, no tests or benchmarks, no hwloc) makes
# liblace.a in $(B)/lace-build; the peers compile against its lace.h and the
# lace_config.h that build writes, with the serial twins' compiler and flags,
# so NAME_serial is their twin. Lace's CMakeLists builds lace.c with
# -march=native: a $(B)/bench carried to another machine runs the Lace peers
# only if that CPU has what this one has. Without LACE_DIR nothing here is
# built and the bench scripts skip Lace, saying how to get it.
BENCH_LACE_NAMES := fib dfs nqueens uts treesum
LACE_DIR ?=
ifneq ($(strip $(LACE_DIR)),)
LACE_SRC   := $(abspath $(LACE_DIR))
LACE_BUILD := $(abspath $(B))/lace-build
LACE_LIB   := $(LACE_BUILD)/lib/liblace.a
BENCH_LACE_BIN := $(BENCH_LACE_NAMES:%=$(BENCH_DIR)/%_lace)

$(LACE_LIB): $(LACE_SRC)/src/lace.c $(LACE_SRC)/src/lace.h $(LACE_SRC)/CMakeLists.txt | $(B)/.deps-bench
	@scripts/deps.sh cmake
	cmake -S $(LACE_SRC) -B $(LACE_BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=$(CC) \
	    -DLACE_BUILD_TESTS=OFF -DLACE_BUILD_BENCHMARKS=OFF -DLACE_USE_HWLOC=OFF >/dev/null
	+cmake --build $(LACE_BUILD) --target lace
	@touch $@

define LACE_RULES
$(BENCH_DIR)/$(1)_lace: benchmarks/$(1)/$(1)_lace.c $(LACE_LIB) | $(B)/.deps-bench
	@mkdir -p $$(@D)
	$(CC) $(CPPFLAGS_ALL) -isystem $(LACE_SRC)/src -isystem $(LACE_BUILD) $(BENCH_CFLAGS) $$(BENCH_RPATH) \
	    -o $$@ $$< $(LACE_LIB) $(BENCH_LDLIBS_$(1)) -lm
endef
$(foreach n,$(BENCH_LACE_NAMES),$(eval $(call LACE_RULES,$(n))))
else
BENCH_LACE_BIN :=
endif
LACE_NOTE := bench: no Lace peers (LACE_DIR unset). To add them: git clone https://github.com/trolando/lace DIR; git -C DIR checkout v1.4.2; make $(MAKECMDGOALS) LACE_DIR=DIR

# The shared libraries the programs load, copied next to them.
# (flock: the loop benchmarks' copy, below, may run at the same time.)
$(BENCH_LIBS): $(BENCH_BIN) scripts/bench-libs.sh
	@mkdir -p $(BENCH_DIR)/lib
	@flock $(BENCH_DIR)/lib/.lock scripts/bench-libs.sh $(BENCH_DIR)/lib $(BENCH_BIN)
	@touch $@

.PHONY: bench-build bench-scaling
bench-build: $(BENCH_BIN) $(BENCH_LIBS)
ifeq ($(strip $(LACE_DIR)),)
	@echo "$(LACE_NOTE)"
endif

# make bench: the task benchmarks, then the loop benchmarks (below).
bench: bench-build
	@scripts/bench.sh $(BENCH_DIR); a=$$?; scripts/bench-loops.sh $(BENCH_DIR); b=$$?; \
	 scripts/bench-latency.sh $(BENCH_DIR); c=$$?; [ $$a -eq 0 ] && [ $$b -eq 0 ] && [ $$c -eq 0 ]

bench-scaling: bench-build
	@scripts/bench-scaling.sh $(BENCH_DIR)

# ---------------------------------------------------------------- quarantine
# (h9) make bench-quarantine: `quarantine run` against its serial twin
# `replay` and the single-core Ed25519 verify rate, peak RSS on a 10x longer
# stream, idle CPU on a named pipe (scripts/bench-quarantine.sh; figures in
# docs/benchmarks.md, "Quarantine"). /usr/bin/time comes from package time.
QBENCH_DEPS := time

$(BENCH_DIR)/ed25519_rate: benchmarks/quarantine/ed25519_rate.c | $(B)/.deps-test
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) -o $@ $< -lsodium

.PHONY: bench-quarantine
bench-quarantine: $(B)/bin/quarantine $(BENCH_DIR)/ed25519_rate
	@scripts/deps.sh $(QBENCH_DEPS)
	@scripts/bench-quarantine.sh $(B)

# ---------------------------------------------------------------- executor
# (issue 10) make bench-latency: submit-to-start and submit-to-result of the
# executor, parked and busy, for 1, 2 and 4 workers (exec_latency), and the
# idle strategies as wake latency against wake-ups per idle second
# (idle_strategies, which uses the runtime's notifier and backoff from
# libweft.a). scripts/bench-latency.sh; docs/benchmarks.md, "Executor
# latency". Part of make bench too.
$(BENCH_DIR)/exec_latency $(BENCH_DIR)/idle_strategies: $(BENCH_DIR)/%: benchmarks/executor/%.c $(LIB_A) | $(B)/.deps-lib
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) $(BENCH_RPATH) -o $@ $< $(LIB_A) $(LDLIBS_RT)

.PHONY: bench-latency
bench-latency: $(BENCH_LAT_BIN) | $(B)/.deps-bench
	@scripts/bench-latency.sh $(BENCH_DIR)

# ---------------------------------------------------------------- loops
# (issue 9) make bench-loops: the parallel-loop kernels and the grain-size
# sweep (scripts/bench-loops.sh; docs/benchmarks.md, "Parallel loops"). Every
# workload in LOOP_NAMES is built into $(BENCH_DIR) as
#   NAME                     weft (NAME_weft.c: parallel_for / reduce)
#   NAME_serial              its serial twin, gcc (and NAME_serial_clang)
#   NAME_omp_S_gcc           NAME_omp.c, gcc + libgomp, S = static, dynamic,
#   NAME_omp_S_clang         guided (omp for schedule(S)) or taskloop;
#                            clang + libomp
#   NAME_tbb                 NAME_tbb.cpp: parallel_for / parallel_reduce with
#                            the auto_partitioner, g++
# There is no Lace peer: Lace has no loop construct.
LOOP_NAMES := sum logsumexp blackscholes histogram heat matmul transpose grain
LOOP_SCHEDS := static dynamic guided taskloop
LOOP_OMP_FLAGS_static   := -DBENCH_OMP_SCHED=static
LOOP_OMP_FLAGS_dynamic  := -DBENCH_OMP_SCHED=dynamic
LOOP_OMP_FLAGS_guided   := -DBENCH_OMP_SCHED=guided
LOOP_OMP_FLAGS_taskloop := -DBENCH_OMP_TASKLOOP
LOOP_BIN := $(foreach n,$(LOOP_NAMES),$(BENCH_DIR)/$(n) $(BENCH_DIR)/$(n)_serial \
    $(BENCH_DIR)/$(n)_serial_clang $(BENCH_DIR)/$(n)_tbb \
    $(foreach s,$(LOOP_SCHEDS),$(BENCH_DIR)/$(n)_omp_$(s)_gcc $(BENCH_DIR)/$(n)_omp_$(s)_clang))
LOOP_LIBS := $(BENCH_DIR)/lib/.stamp-loops

define LOOP_RULES
$(BENCH_DIR)/$(1): benchmarks/$(1)/$(1)_weft.c $(LIB_A) | $(B)/.deps-lib
	@mkdir -p $$(@D)
	$(CC) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) $$(BENCH_RPATH) -o $$@ $$< $(LIB_A) $(LDLIBS_RT)
$(BENCH_DIR)/$(1)_serial: benchmarks/$(1)/$(1)_serial.c | $(B)/.deps-lib
	@mkdir -p $$(@D)
	$(CC) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) $$(BENCH_RPATH) -o $$@ $$< -lm
$(BENCH_DIR)/$(1)_serial_clang: benchmarks/$(1)/$(1)_serial.c | $(B)/.deps-bench
	@mkdir -p $$(@D)
	$(BENCH_CLANG) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) $$(BENCH_RPATH) -o $$@ $$< -lm
$(BENCH_DIR)/$(1)_tbb: benchmarks/$(1)/$(1)_tbb.cpp | $(B)/.deps-bench
	@mkdir -p $$(@D)
	$(BENCH_CXX) $(CPPFLAGS_ALL) $(BENCH_CXXFLAGS) $$(BENCH_RPATH) -o $$@ $$< -ltbb -lm
endef
define LOOP_OMP_RULES
$(BENCH_DIR)/$(1)_omp_$(2)_gcc: benchmarks/$(1)/$(1)_omp.c | $(B)/.deps-lib
	@mkdir -p $$(@D)
	$(CC) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) -fopenmp $(LOOP_OMP_FLAGS_$(2)) $$(BENCH_RPATH) -o $$@ $$< -lm
$(BENCH_DIR)/$(1)_omp_$(2)_clang: benchmarks/$(1)/$(1)_omp.c | $(B)/.deps-bench
	@mkdir -p $$(@D)
	$(BENCH_CLANG) $(CPPFLAGS_ALL) $(BENCH_CFLAGS) -fopenmp $(LOOP_OMP_FLAGS_$(2)) $$(BENCH_RPATH) -o $$@ $$< -lm
endef
$(foreach n,$(LOOP_NAMES),$(eval $(call LOOP_RULES,$(n))))
$(foreach n,$(LOOP_NAMES),$(foreach s,$(LOOP_SCHEDS),$(eval $(call LOOP_OMP_RULES,$(n),$(s)))))

$(LOOP_LIBS): $(LOOP_BIN) scripts/bench-libs.sh
	@mkdir -p $(BENCH_DIR)/lib
	@flock $(BENCH_DIR)/lib/.lock scripts/bench-libs.sh $(BENCH_DIR)/lib $(LOOP_BIN)
	@touch $@

.PHONY: bench-loops
bench-build: $(LOOP_BIN) $(LOOP_LIBS)
bench-loops: $(LOOP_BIN) $(LOOP_LIBS)
	@scripts/bench-loops.sh $(BENCH_DIR)
