# Fuzzing the pure-C core with libFuzzer (clang, ASan, UBSan).
# Included from the top Makefile, after CORE_SRC, PEOPLE_CPPFLAGS, BUILD,
# LDLIBS_APR and LDLIBS_CORE are defined; it does not change the default
# goal wherever it is included.
#
#   make fuzz [FUZZ_SECONDS=60]  build the harnesses, fuzz each one for
#                                FUZZ_SECONDS on a copy of its seed corpus,
#                                then merge the inputs that reached new code
#                                into the seed corpus (commit them: the
#                                corpus grows with every run; make test runs
#                                this too)
#   make fuzz-check              build them and replay the seed corpus only
#                                (a few seconds; for make test)
#
# The core sources are compiled again with clang into $(BUILD)/fuzz/obj/,
# instrumented; jansson, APR, OpenSSL and SQLite are the system's shared
# libraries, not instrumented. Needs the Debian packages clang and
# libclang-rt-14-dev (libFuzzer and the sanitizer runtimes).
#
# A failure leaves its input in $(BUILD)/fuzz/artifacts-<harness>/ and the
# log in $(BUILD)/fuzz/fuzz-<harness>.log; replay it with
#   $(BUILD)/fuzz/fuzz_<harness> <file>
# and, once the defect is fixed, keep it in the seed corpus as a regression
# input (fuzz-check replays the corpus in make test).

FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_DIR      := tests/fuzz
FUZZ_OUT       = $(BUILD)/fuzz
FUZZ_TARGETS  := body route dirquery form
FUZZ_SANITIZE := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS   ?= -g -O1 -fno-omit-frame-pointer -std=gnu11 -Wall -Wextra -Werror
FUZZ_HEADERS   = $(wildcard src/*.h)
FUZZ_OBJ       = $(CORE_SRC:src/%.c=$(FUZZ_OUT)/obj/%.o)
FUZZ_BIN       = $(FUZZ_TARGETS:%=$(FUZZ_OUT)/fuzz_%)
FUZZ_OPTIONS  ?= -max_len=70000 -timeout=10 -rss_limit_mb=2048 -detect_leaks=1
FUZZ_ENV       = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
                 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: fuzz fuzz-build fuzz-check

fuzz-build: $(FUZZ_BIN)

$(FUZZ_OBJ): $(FUZZ_OUT)/obj/%.o: src/%.c $(FUZZ_HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(PEOPLE_CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) -c -o $@ $<

$(FUZZ_BIN): $(FUZZ_OUT)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/fuzz_common.h tests/profile_keys.h \
        $(FUZZ_OBJ) $(FUZZ_HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(PEOPLE_CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) -o $@ $< \
	    $(FUZZ_OBJ) $(LDLIBS_APR) $(LDLIBS_CORE)

# Each harness fuzzes a fresh copy of its seeds; after a clean run, the
# inputs of that copy that reach code the seeds do not are merged into the
# repository's corpus (libFuzzer's -merge=1 adds only those). libFuzzer
# exits non-zero on a crash, a leak, a timeout, running out of memory or a
# sanitizer report; so does this, and then merges nothing.
fuzz: $(FUZZ_BIN)
	@rc=0; summary=$(FUZZ_OUT)/summary.txt; : >$$summary; \
	for t in $(FUZZ_TARGETS); do \
	    corpus=$(FUZZ_OUT)/corpus-$$t; art=$(FUZZ_OUT)/artifacts-$$t; \
	    log=$(FUZZ_OUT)/fuzz-$$t.log; \
	    rm -rf $$corpus; mkdir -p $$corpus $$art; \
	    cp $(FUZZ_DIR)/corpus/$$t/* $$corpus/; \
	    echo "== fuzz_$$t: $(FUZZ_SECONDS)s, log in $$log"; \
	    $(FUZZ_ENV) $(FUZZ_OUT)/fuzz_$$t $(FUZZ_OPTIONS) \
	        -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=$$art/ $$corpus >$$log 2>&1; st=$$?; \
	    runs=$$(sed -n 's/^Done \([0-9][0-9]*\) runs.*/\1/p' $$log | tail -n 1); \
	    if [ $$st -eq 0 ] && [ -n "$$runs" ]; then \
	        before=$$(ls $(FUZZ_DIR)/corpus/$$t | wc -l); \
	        $(FUZZ_ENV) $(FUZZ_OUT)/fuzz_$$t $(FUZZ_OPTIONS) -merge=1 \
	            $(FUZZ_DIR)/corpus/$$t $$corpus >$(FUZZ_OUT)/merge-$$t.log 2>&1 \
	            || { rc=1; tail -n 20 $(FUZZ_OUT)/merge-$$t.log; }; \
	        added=$$(( $$(ls $(FUZZ_DIR)/corpus/$$t | wc -l) - before )); \
	        result="ok, $$added new inputs in $(FUZZ_DIR)/corpus/$$t"; \
	    else \
	        runs="about $$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' $$log | tail -n 1)"; \
	        rc=1; result="FAILED (exit $$st), input in $$art/"; \
	        grep -a -E -m 20 'ERROR|SUMMARY|runtime error|invariant|fuzz:|Test unit written' $$log; \
	    fi; \
	    echo "fuzz_$$t: $$runs runs in $(FUZZ_SECONDS)s, $$(ls $$corpus | wc -l) corpus files: $$result" >>$$summary; \
	done; \
	echo "== fuzz summary"; cat $$summary; exit $$rc

# Replays every seed once, no fuzzing.
fuzz-check: $(FUZZ_BIN)
	@rc=0; for t in $(FUZZ_TARGETS); do \
	    log=$(FUZZ_OUT)/check-$$t.log; \
	    if $(FUZZ_ENV) $(FUZZ_OUT)/fuzz_$$t $(FUZZ_DIR)/corpus/$$t/* >$$log 2>&1; \
	    then echo "fuzz_$$t: $$(ls $(FUZZ_DIR)/corpus/$$t | wc -l) seeds ok"; \
	    else rc=1; echo "fuzz_$$t: FAILED, see $$log"; tail -n 30 $$log; fi; \
	done; exit $$rc

.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
