# libFuzzer targets (fuzz/README.md): one program per fuzz/NAME.c, built by a
# make with SAN=fuzzer (clang, libFuzzer's coverage, ASan + UBSan) into
# $(B)/bin/fuzz-NAME, linked against the quarantine's own objects
# (libquarantine.a, and the libweft.a its input queue wakes the runtime
# through) built the same way. None of this is part of `make all`.
#
#   make fuzz                  builds them in $(B)/fuzz, cuts the seed corpus
#                              from streams that $(B)/bin/quarantine generates,
#                              runs each target its share of the runs
#                              (fuzz/run.sh: 10^7 executions in all)
#   make fuzz FUZZ_RUNS=N      N executions per target instead
#   make fuzz FUZZ_SECONDS=S   S seconds per target instead
#   make fuzz-build            just the targets ($(B)/fuzz/bin/fuzz-NAME)
# tests/e2e/fuzz_smoke.sh (make test) builds them and runs each a few
# thousand times.
FUZZ_NAMES := decoder items expected stream
FUZZ_B     := $(B)/fuzz

.PHONY: fuzz fuzz-build
ifeq ($(SAN),fuzzer)
FUZZ_BIN := $(FUZZ_NAMES:%=$(B)/bin/fuzz-%)

$(B)/bin/fuzz-%: fuzz/%.c fuzz/fuzz.h $(QUARANTINE_LIB) $(LIB_A) | $(B)/.deps-fuzz
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -fsanitize=fuzzer $(LDFLAGS_ALL) -o $@ $< $(QUARANTINE_LIB) \
	    $(QUARANTINE_LIBS) $(LIB_A) $(LDLIBS_RT)

$(QUARANTINE_OBJ): | $(B)/.deps-fuzz
fuzz-build: $(FUZZ_BIN)
else
fuzz-build: $(B)/.deps-fuzz
	@$(MAKE) --no-print-directory B=$(FUZZ_B) SAN=fuzzer OPT="-O2 -g" fuzz-build
endif

fuzz: fuzz-build $(QUARANTINE_BIN)
	@fuzz/run.sh $(FUZZ_B)/bin $(QUARANTINE_BIN) $(FUZZ_B)/run
