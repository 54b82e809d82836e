# The quarantine service: one binary, build/bin/quarantine, from quarantine/*.c.
# It is a user of include/weft.h, like any program that embeds weft, and of one
# internal header of the runtime: runtime/util/prim.h, for the one monotonic
# clock (weft__now_ns, header only).
#
# Every object but main.c goes into $(B)/lib/libquarantine.a, which the binary
# and the quarantine unit tests (tests/unit/quarantine_*.c) link: the tests
# call the layers through their headers, never by including a .c file.
QUARANTINE_SRC := $(wildcard quarantine/*.c)
QUARANTINE_OBJ := $(QUARANTINE_SRC:%.c=$(B)/obj/%.o)
QUARANTINE_MAIN := $(B)/obj/quarantine/main.o
QUARANTINE_LIB := $(B)/lib/libquarantine.a
QUARANTINE_BIN := $(if $(QUARANTINE_SRC),$(B)/bin/quarantine)
QUARANTINE_LIBS := -lsodium -lsqlite3

$(QUARANTINE_LIB): $(filter-out $(QUARANTINE_MAIN),$(QUARANTINE_OBJ))
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(B)/bin/quarantine: $(QUARANTINE_MAIN) $(QUARANTINE_LIB) $(LIB_A)
	@mkdir -p $(@D)
	$(LINK_WEFT) -o $@ $(QUARANTINE_MAIN) $(QUARANTINE_LIB) $(LIB_A) $(QUARANTINE_LIBS) $(LDLIBS_RT)

# The quarantine's unit tests: this rule, with the shorter stem, wins over the
# generic $(B)/tests/unit/% of the Makefile.
$(B)/tests/unit/quarantine_%: tests/unit/quarantine_%.c $(QUARANTINE_LIB) $(LIB_A) | $(B)/.deps-test
	@mkdir -p $(@D)
	$(LINK_WEFT) $(CPPFLAGS_ALL) -o $@ $< $(QUARANTINE_LIB) $(LIB_A) -lcriterion $(QUARANTINE_LIBS) $(LDLIBS_RT)
