# The quarantine service: one binary, build/bin/quarantine, from quarantine/*.c.
# It is a user of include/weft.h only, like any program that embeds weft.
QUARANTINE_SRC := $(wildcard quarantine/*.c)
QUARANTINE_OBJ := $(QUARANTINE_SRC:%.c=$(B)/obj/%.o)
QUARANTINE_BIN := $(if $(QUARANTINE_SRC),$(B)/bin/quarantine)

$(B)/bin/quarantine: $(QUARANTINE_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	$(LINK_WEFT) -o $@ $(QUARANTINE_OBJ) $(LIB_A) -lsodium -lsqlite3 $(LDLIBS_RT)
