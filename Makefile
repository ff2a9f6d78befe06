# Registry backend: one core library, one program per folder, tests that
# mirror the tree. `make help` lists the targets.

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
PKGS      = sqlite3 openssl libxml-2.0 libidn2 inih libmicrohttpd
OPT      ?= -O2 -g
WARN      = -std=c17 -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
            -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
DATADIR  ?= $(PREFIX)/share/registry
CPPFLAGS += -D_GNU_SOURCE -DREGISTRY_DATADIR='"$(DATADIR)"' -Icore $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

# SANITIZE=1 builds everything into a separate tree under ASan and UBSan.
ifeq ($(SANITIZE),1)
OPT      = -O1 -g -fno-omit-frame-pointer
SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined
BUILD   ?= build/san
BIN     ?= build/san/bin
else
BUILD   ?= build/std
BIN     ?= bin
endif
CFLAGS   += $(OPT) $(WARN) $(SAN)
LDFLAGS  += $(SAN)

# Every folder with a main program; those not written yet are skipped.
PROGRAMS := $(foreach p,regctl eppd whoisd rdapd zonegen escrow replica,$(if $(wildcard $(p)/*.c),$(p)))
CORE_SRC := $(wildcard core/*.c)
CORE_LIB := $(BUILD)/libcore.a
BINS     := $(PROGRAMS:%=$(BIN)/%) $(BIN)/gendata
UNIT_SRC := $(wildcard tests/unit/*/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BINS)

# -MMD: each object also depends on exactly the headers it includes.
$(BUILD)/%.o: %.c | deps-build
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -I$(dir $<) -c -o $@ $<
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

$(CORE_LIB): $(CORE_SRC:%.c=$(BUILD)/%.o)
	@rm -f $@
	ar rcs $@ $^

# One rule per program: everything in its folder plus the core library.
define program_rule
$(BIN)/$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard $(1)/*.c)) $(CORE_LIB) $(wildcard $(1)/*.h)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $(LDLIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

$(BIN)/gendata: $(BUILD)/bench/gendata.o $(CORE_LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -MMD -MP -o $@ $< $(CORE_LIB) $(LDLIBS) -lcmocka

# A program's unit tests link its objects, all but main.o.
define program_tests
$(1)_OBJ := $$(patsubst %.c,$$(BUILD)/%.o,$$(filter-out $(1)/main.c,$$(wildcard $(1)/*.c)))
$$(BUILD)/tests/$(1)/%: tests/unit/$(1)/%.c $$($(1)_OBJ) $$(CORE_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) -Itests/unit -I$(1) $$(CFLAGS) -MMD -MP -o $$@ $$< $$($(1)_OBJ) \
	    $$(CORE_LIB) $$(LDLIBS) -lcmocka
endef
$(foreach p,zonegen rdapd,$(eval $(call program_tests,$(p))))

# Debian packages: installed on demand, so that a fresh machine needs nothing
# but `make check` or `make run`. deps-build is an order-only prerequisite
# that only runs the check, never forces a rebuild.
deps deps-build:
	@sh mk/deps.sh

unit: $(UNIT_BIN)

# Unit tests print TAP through cmocka; integration tests are TAP scripts.
# Both run under one prove, which prints the closing summary.
check: deps all unit
	CMOCKA_MESSAGE_OUTPUT=TAP BIN=$(abspath $(BIN)) BUILD=$(abspath $(BUILD)) \
	  prove -e '' $(PROVE_FLAGS) $(UNIT_BIN) $(wildcard tests/integration/*.t)

run: deps all
	BIN=$(abspath $(BIN)) sh mk/run.sh

bench: all
	@echo "see bench/README.md"

# Programs look for their schemas in $(DATADIR)/xsd, then in the source
# tree they were built from.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/idn $(DESTDIR)$(DATADIR)/xsd
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 data/idn/*.txt $(DESTDIR)$(DATADIR)/idn/
	install -m 644 data/xsd/*.xsd $(DESTDIR)$(DATADIR)/xsd/

clean:
	rm -rf build bin

help:
	@echo "make          build every program into bin/"
	@echo "make check    install missing packages, build, run every test"
	@echo "make check SANITIZE=1   the same under ASan and UBSan"
	@echo "make run      start the demo registry on localhost"
	@echo "make install  PREFIX=/usr/local DESTDIR="
	@echo "make clean"

.PHONY: all deps deps-build unit check run bench install clean help
.SUFFIXES:
