# SPDX-License-Identifier: MIT
# Social Order - plain Makefile, dependencies through pkg-config.
#
#   make            build ./socialorder
#   make check      unit tests, the same under ASan+UBSan, integration tests
#                   with the normal and with the sanitizer build
#   make check-unit / check-asan / check-integration / check-integration-asan
#   make demo       the embedded default: private mail stack, demo data, one poll
#   make deps       install the Debian packages needed (apt-get; idempotent)
#   make install    PREFIX=/usr/local DESTDIR=  (build with the same PREFIX:
#                   the template directory is compiled in)

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/socialorder
SYSCONFDIR ?= /etc
DESTDIR    ?=

CC      ?= cc
PKGS    := libetpan libcurl sqlite3 libpcre2-8 nettle gnutls libxml-2.0
WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
# CFLAGS may be overridden on the command line (the sanitizer build does);
# what the project itself needs stays in ALL_CFLAGS.
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -Idaemon -Iparsers -Itemplates -Idb \
           -DSO_DATADIR='"$(DATADIR)"' $(CFLAGS)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Debian 12's libetpan.pc puts a -specs=...no-pie-link.specs into its libs.
PKG_LIBS   := $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS) 2>/dev/null))
TEST_LIBS  := $(shell pkg-config --libs cmocka 2>/dev/null)
LIBS       := $(PKG_LIBS)

BUILD   ?= build
SRCS    := $(filter-out daemon/main.c,$(wildcard daemon/*.c parsers/*.c templates/*.c db/*.c))
OBJS    := $(SRCS:%.c=$(BUILD)/%.o)
TESTS   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all check check-unit check-asan check-integration check-integration-asan \
	demo deps install clean
all: socialorder

socialorder: $(BUILD)/socialorder
	cp $< $@

$(BUILD)/socialorder: $(BUILD)/daemon/main.o $(BUILD)/libsocialorder.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libsocialorder.a: $(OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/libsocialorder.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -Itests -o $@ $< $(BUILD)/libsocialorder.a $(LIBS) $(TEST_LIBS)

-include $(OBJS:.o=.d) $(BUILD)/daemon/main.d

# The fault-injecting TCP proxy of the integration tests (t-netfaults).
FAULTPROXY := tests/integration/faultproxy
$(BUILD)/$(FAULTPROXY): $(FAULTPROXY).c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

deps:
	contrib/install-deps.sh

check-unit: socialorder $(TESTS)
	tests/run-unit.sh $(TESTS)

check-asan:
	$(MAKE) BUILD=build-asan CFLAGS="$(ASAN_FLAGS)" build-asan/socialorder \
	    $(patsubst $(BUILD)/%,build-asan/%,$(TESTS))
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    tests/run-unit.sh $(patsubst $(BUILD)/%,build-asan/%,$(TESTS))

check-integration: socialorder $(BUILD)/$(FAULTPROXY)
	SO_FAULTPROXY=$(CURDIR)/$(BUILD)/$(FAULTPROXY) tests/integration/run.sh ./socialorder

# The integration suite once more with the sanitizer build of the daemon.
check-integration-asan:
	$(MAKE) BUILD=build-asan CFLAGS="$(ASAN_FLAGS)" build-asan/socialorder \
	    build-asan/$(FAULTPROXY)
	rm -f build-asan/asan.*
	SO_SANITIZER=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$(CURDIR)/build-asan/asan \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    SO_FAULTPROXY=$(CURDIR)/build-asan/$(FAULTPROXY) \
	    tests/integration/run.sh build-asan/socialorder
	@if ls build-asan/asan.* >/dev/null 2>&1; then cat build-asan/asan.*; \
	    echo "sanitizer reports above"; exit 1; fi

# deps first, then a new make: pkg-config flags are read after the install.
check: deps
	$(MAKE) check-unit
	$(MAKE) check-asan
	$(MAKE) check-integration
	$(MAKE) check-integration-asan

demo: deps
	$(MAKE) socialorder
	contrib/demo.sh

install: socialorder
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates/de \
	    $(DESTDIR)$(DATADIR)/templates/en $(DESTDIR)$(SYSCONFDIR)/socialorder \
	    $(DESTDIR)$(PREFIX)/share/doc/socialorder
	install -m 0755 socialorder $(DESTDIR)$(BINDIR)/socialorder
	install -m 0644 templates/de/*.txt $(DESTDIR)$(DATADIR)/templates/de/
	install -m 0644 templates/en/*.txt $(DESTDIR)$(DATADIR)/templates/en/
	install -m 0644 contrib/form-profile.ini $(DESTDIR)$(DATADIR)/form-profile.ini
	install -m 0640 contrib/socialorder.ini.example $(DESTDIR)$(SYSCONFDIR)/socialorder/socialorder.ini.example
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/socialorder/README.md

clean:
	rm -rf build build-asan socialorder

# ---- fuzzing: not part of `make check` ----
#   make fuzz                 build every libFuzzer target of tests/fuzz into
#                             build-fuzz/ and run each FUZZ_SECONDS on its
#                             seeds; fails on a crash, leak, timeout or
#                             sanitizer report (the input is kept in
#                             build-fuzz/artifacts/)
#   make fuzz FUZZ_TARGETS="csv json" FUZZ_SECONDS=300
#   make fuzz-build / fuzz-seeds / fuzz-clean
# Seeds: tests/fuzz/make-corpus.sh writes them into build-fuzz/seeds/<name>/
# from the test fixtures, the demo data and its own hand-made inputs; what a
# run finds is kept in build-fuzz/corpus/<name>/ for the next run.  A
# dictionary tests/fuzz/<name>.dict is used when there is one.
# Each target is linked against the parser sources it needs, not the
# whole library, so that it builds while other modules are mid-edit.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_BUILD   := build-fuzz
FUZZ_TARGETS ?= mime form command csv json html bmecat schedule authres \
	render mailout mailto rendermail formprofile orderdoc mailwire
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE $(WARN) -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -Idaemon -Iparsers -Itemplates -Itests/fuzz
FUZZ_OPTS    := -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
	-timeout=10 -print_final_stats=1
FUZZ_HDRS    := $(wildcard tests/fuzz/*.h) daemon/util.h daemon/log.h \
	$(wildcard parsers/*.h templates/*.h)
# Everything make-corpus.sh copies or reads.
FUZZ_SEED_SRCS := tests/fuzz/make-corpus.sh $(wildcard tests/data/*.* \
	tests/data/integration/*.eml tests/data/render-templates/de/*.txt \
	contrib/demo/mails/*.eml contrib/demo/stammdaten/*.csv \
	contrib/form-profile.ini templates/de/*.txt)

FUZZ_BASE     := daemon/util.c daemon/log.c
FUZZ_MIME     := parsers/mime.c parsers/mimehdr.c parsers/mimepart.c \
	parsers/mimescan.c parsers/charset.c
FUZZ_CLASSIFY := parsers/classify.c parsers/machine.c parsers/quote.c \
	parsers/span.c
FUZZ_FORM     := parsers/form.c parsers/formhtml.c parsers/formpart.c \
	parsers/formprofile.c parsers/formtext.c parsers/json.c parsers/html.c

FUZZ_SRCS_mime     := $(FUZZ_MIME) $(FUZZ_CLASSIFY) $(FUZZ_FORM) \
	parsers/mailparse.c
FUZZ_SRCS_mailwire := $(FUZZ_SRCS_mime)
FUZZ_SRCS_form     := $(FUZZ_FORM) parsers/charset.c
FUZZ_SRCS_command  := $(FUZZ_CLASSIFY) $(FUZZ_MIME)
FUZZ_SRCS_csv      := parsers/csv.c
FUZZ_SRCS_json     := parsers/json.c
FUZZ_SRCS_html     := parsers/html.c
FUZZ_SRCS_bmecat   := parsers/bmecat.c
FUZZ_SRCS_schedule := parsers/schedule.c
FUZZ_SRCS_authres  := parsers/authres.c
FUZZ_SRCS_render   := templates/render.c
FUZZ_SRCS_mailout  := templates/mailout.c
FUZZ_SRCS_mailto   := templates/mailto.c
FUZZ_SRCS_rendermail  := templates/render.c templates/mailout.c
FUZZ_SRCS_formprofile := $(FUZZ_FORM) parsers/charset.c
FUZZ_SRCS_orderdoc    := templates/orderdoc.c parsers/csv.c

$(FUZZ_BUILD)/seeds/.done: $(FUZZ_SEED_SRCS)
	tests/fuzz/make-corpus.sh $(FUZZ_BUILD)/seeds
	@touch $@

define FUZZ_RULES
$(FUZZ_BUILD)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_BASE) $(FUZZ_SRCS_$(1)) $(FUZZ_HDRS)
	@mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -o $$@ $$< $(FUZZ_BASE) \
	    $(FUZZ_SRCS_$(1)) $(PKG_LIBS)

fuzz-run-$(1): $(FUZZ_BUILD)/fuzz_$(1) $(FUZZ_BUILD)/seeds/.done
	@mkdir -p $(FUZZ_BUILD)/corpus/$(1) $(FUZZ_BUILD)/artifacts
	@echo "fuzz $(1): running $(FUZZ_SECONDS)s, log in $(FUZZ_BUILD)/fuzz_$(1).log"
	@if $(FUZZ_BUILD)/fuzz_$(1) $(FUZZ_OPTS) \
	    $(if $(wildcard tests/fuzz/$(1).dict),-dict=tests/fuzz/$(1).dict) \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$(1)- \
	    $(FUZZ_BUILD)/corpus/$(1) $(FUZZ_BUILD)/seeds/$(1) \
	    >$(FUZZ_BUILD)/fuzz_$(1).log 2>&1; then \
		echo "fuzz $(1): ok, $$$$(sed -n \
		    's/^stat::number_of_executed_units: */runs=/p; s/^stat::average_exec_per_sec: */exec\/s=/p; s/^stat::peak_rss_mb: */rss_mb=/p' \
		    $(FUZZ_BUILD)/fuzz_$(1).log | tr '\n' ' ')corpus=$$$$(ls $(FUZZ_BUILD)/corpus/$(1) | wc -l)"; \
	else \
		tail -n 60 $(FUZZ_BUILD)/fuzz_$(1).log; \
		echo "fuzz $(1): FAILED, input in $(FUZZ_BUILD)/artifacts/$(1)-*"; \
		exit 1; \
	fi
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULES,$(t))))

.PHONY: fuzz fuzz-build fuzz-seeds fuzz-clean $(addprefix fuzz-run-,$(FUZZ_TARGETS))
fuzz: $(addprefix fuzz-run-,$(FUZZ_TARGETS))

fuzz-build: $(addprefix $(FUZZ_BUILD)/fuzz_,$(FUZZ_TARGETS))

fuzz-seeds: $(FUZZ_BUILD)/seeds/.done

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

# Benchmark against a private Dovecot and Postfix on 127.0.0.1:13143/13025
# (needs root or sudo): intake, end to end, peak memory, and Postfix's own
# acceptance and a plain Python script for comparison.  BENCH_MAILS=5000 and
# BENCH_MEM_SIZES="1000 5000 10000" by default; results in build-bench/results.md.
.PHONY: bench
bench: socialorder
	contrib/bench.sh
