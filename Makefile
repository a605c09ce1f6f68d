# mod_people: build, test and run.
#
#   make            build/mod_people.so and build/people-admin
#   make run        install what is missing, build, serve a demo on 127.0.0.1:8080
#   make test       install what is missing, build, unit + integration tests,
#                   and (as root) the package install test
#   make check      unit + integration tests, installing nothing (package builds)
#   make install    the module, people-admin and its man page, a2enmod's files;
#                   honours DESTDIR and PREFIX (default /usr/local)
#   make deb        build/libapache2-mod-people_VERSION_ARCH.deb
#
# apxs tells the flags httpd was built with and where modules and httpd's
# configuration go; the module is linked here rather than through apxs -c
# so that the same core objects also make people-admin and the unit tests.
# CFLAGS, CPPFLAGS and LDFLAGS are the caller's (a package build sets them):
# the flags the build needs are added to them, never replaced by them.
# -Werror is on unless WERROR=0 (the package build turns it off).

APXS     ?= apxs
PYTHON   ?= /usr/bin/python3
PORT     ?= 8080
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
WERROR   ?= 1

# Debian packages the build, the demo and the tests need.
DEB_PACKAGES = apache2 apache2-dev libjansson-dev libssl-dev \
    libaprutil1-dbd-sqlite3 libaprutil1-dbd-pgsql sqlite3 libsqlite3-dev \
    postgresql libcmocka-dev python3 python3-pytest python3-requests \
    curl gcc make wrk valgrind clang libclang-rt-14-dev \
    apache2-utils slapd ldap-utils libldap-dev strace \
    debhelper dpkg-dev fakeroot lintian

APXS_OK  := $(shell command -v $(APXS) 2>/dev/null)
ifneq ($(APXS_OK),)
HTTPD_INC  := $(shell $(APXS) -q INCLUDEDIR)
APR_CFLAGS := $(shell $(APXS) -q EXTRA_CPPFLAGS) \
              $(shell apr-1-config --includes) $(shell apu-1-config --includes)
MODDIR     := $(shell $(APXS) -q LIBEXECDIR)
HTTPD_CONF := $(shell $(APXS) -q SYSCONFDIR)
endif

CFLAGS  ?= -O2 -g
NEED_CFLAGS = -std=gnu11 -fPIC -fvisibility=hidden -Wall -Wextra -Wshadow \
           -Wmissing-prototypes -Wformat=2 -fstack-protector-strong \
           $(if $(filter 0,$(WERROR)),,-Werror)
PEOPLE_CPPFLAGS = -I$(HTTPD_INC) $(APR_CFLAGS) -I.
# _FORTIFY_SOURCE=2 unless the caller chose a level
FORTIFY = $(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),,-D_FORTIFY_SOURCE=2)
ALL_CFLAGS = $(PEOPLE_CPPFLAGS) $(FORTIFY) $(CPPFLAGS) $(NEED_CFLAGS) $(CFLAGS) \
             $(EXTRA_CFLAGS)
LDLIBS_CORE = -ljansson -lcrypto -lsqlite3
LDLIBS_APR  = -lapr-1 -laprutil-1
# people-admin's sync-ldap reads the directory with OpenLDAP's library
LDLIBS_LDAP = -lldap -llber

# The core (src/, no httpd headers) and the glue (mod_people*.c, one file
# per job): every file of each is built, so a new unit needs no edit here.
CORE_SRC = $(sort $(wildcard src/*.c))
CORE_OBJ = $(CORE_SRC:src/%.c=$(BUILD)/obj/%.o)
MOD_SRC  = $(sort $(wildcard mod_people*.c))
MOD_OBJ  = $(MOD_SRC:%.c=$(BUILD)/obj/glue/%.o)
MOD_HEADERS = $(wildcard mod_people*.h)
ADMIN_SRC = $(sort $(wildcard tools/*.c))
ADMIN_OBJ = $(ADMIN_SRC:tools/%.c=$(BUILD)/obj/tools/%.o)
HEADERS  = $(wildcard src/*.h)

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps build run test check unit integration selftest install deb \
        test-install clean

all: build

build: $(BUILD)/mod_people.so $(BUILD)/people-admin

# Installs the Debian packages that are missing (as root, or through sudo).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" \
	        || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	    $$sudo apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q \
	        --no-install-recommends $$missing; \
	fi

$(BUILD)/obj/%.o: src/%.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/glue/%.o: %.c $(HEADERS) $(MOD_HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/tools/%.o: tools/%.c $(HEADERS) $(wildcard tools/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/mod_people.so: $(MOD_OBJ) $(CORE_OBJ)
	$(CC) -shared $(NEED_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_CORE)

$(BUILD)/people-admin: $(ADMIN_OBJ) $(CORE_OBJ)
	$(CC) $(NEED_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_APR) \
	    $(LDLIBS_CORE) $(LDLIBS_LDAP)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h tests/*.h) $(CORE_OBJ) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CORE_OBJ) -lcmocka \
	    $(LDLIBS_APR) $(LDLIBS_CORE)

unit: $(UNIT_BIN)
	@rc=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || rc=1; done; exit $$rc

# The integration suite: the real httpd under both MPMs, on SQLite and on a
# PostgreSQL server the run starts itself. PEOPLE_TEST_MPMS and
# PEOPLE_TEST_DBS narrow it. First the harness checks itself (apache2
# without the module: the error-log check, the log classifier, the database
# snapshots every "nothing changed" check relies on).
integration: build selftest
	cd tests/integration && PYTHONDONTWRITEBYTECODE=1 $(PYTHON) -m pytest -q

selftest:
	cd tests/integration && PYTHONDONTWRITEBYTECODE=1 PEOPLE_HARNESS_SELFTEST=1 \
	    $(PYTHON) -m pytest -q test_harness_selftest.py

# make test runs the same four servers as make integration, but one of them
# (event MPM, SQLite) on the sanitizer build instead of the plain one, so the
# suite is not run twice there; the plain and the sanitizer runs go side by
# side (their servers, databases and ports are their own; output is kept
# apart). Then each fuzz harness for TEST_FUZZ_SECONDS (its new inputs join
# the repository's corpus) and, as root, the package install test. Any
# failure, sanitizer report or finding fails it. Within 15 minutes on 2
# cores (README, Development).
TEST_FUZZ_SECONDS ?= 20
test: deps
	$(MAKE) build
	$(MAKE) unit
	$(MAKE) fuzz-check
	$(MAKE) selftest
	$(MAKE) -j2 --output-sync=target test-plain test-san
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)
	$(MAKE) test-install

.PHONY: test-plain test-san
test-plain: build
	cd tests/integration && PYTHONDONTWRITEBYTECODE=1 PEOPLE_TEST_MPMS=prefork \
	    $(PYTHON) -m pytest -q
	cd tests/integration && PYTHONDONTWRITEBYTECODE=1 PEOPLE_TEST_MPMS=event \
	    PEOPLE_TEST_DBS=pgsql $(PYTHON) -m pytest -q

test-san:
	$(MAKE) test-asan SAN_MPMS=event SAN_DBS=sqlite

check: build
	$(MAKE) unit
	$(MAKE) integration

run: deps
	$(MAKE) build
	PORT=$(PORT) sh conf/run.sh

install: build
	install -D -m 0644 $(BUILD)/mod_people.so $(DESTDIR)$(MODDIR)/mod_people.so
	install -D -m 0755 $(BUILD)/people-admin $(DESTDIR)$(PREFIX)/sbin/people-admin
	install -D -m 0644 tools/people-admin.8 \
	    $(DESTDIR)$(PREFIX)/share/man/man8/people-admin.8
	install -D -m 0644 -t $(DESTDIR)$(HTTPD_CONF)/mods-available \
	    conf/people.load conf/people.conf

# The package, built in a copy of the tree (build/deb/src) so that the
# checkout's build/ and parent directory are left alone, and without this
# make's variables (BUILD=/tmp/x make deb must not leak into debian/rules).
# DEB_BUILD_OPTIONS passes through (nocheck skips make check).
deb:
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	tar -cf - --exclude=./build --exclude=./$(BUILD) --exclude=./.git --exclude=__pycache__ \
	    --exclude=.pytest_cache --exclude=./var . | tar -xf - -C $(BUILD)/deb/src
	cd $(BUILD)/deb/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD \
	    -u WERROR -u PREFIX -u DESTDIR -u EXTRA_CFLAGS dpkg-buildpackage -us -uc -b
	mv $(BUILD)/deb/*.deb $(BUILD)/
	@ls -1 $(BUILD)/*.deb

# As root: installs the package, serves a request through it, purges it.
test-install:
	sh tests/package/install_test.sh $(BUILD)

clean:
	rm -rf $(BUILD)

# make bench, make bench-callgrind (the benchmark); make fuzz, fuzz-check
# (libFuzzer)
include bench/bench.mk
include tests/fuzz/fuzz.mk

# --- Sanitizers and valgrind (make test-asan, make test-valgrind) ---------
#
# test-asan: the module and people-admin built with ASan and UBSan, the
# whole integration suite against them (the suite's servers on SAN_MPMS x
# SAN_DBS; make test narrows it to one), httpd started with the ASan runtime
# preloaded; any report fails the run. Leak detection is off for httpd,
# which leaves its pools to the operating system at exit.
SAN_FLAGS   = -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
SAN_MPMS   ?= event prefork
SAN_DBS    ?= sqlite pgsql
SAN_REPORTS = /tmp/mod_people-sanitizer-reports
VG_REPORTS  = /tmp/mod_people-valgrind-reports
VG_TESTS    = test_put_merge.py test_post_delete.py test_profile.py \
              test_auth.py test_etag.py test_permissions.py test_options.py

.PHONY: test-asan test-valgrind

test-asan: deps
	$(MAKE) build BUILD=$(BUILD)/asan EXTRA_CFLAGS="$(SAN_FLAGS)" \
	    LDFLAGS="$(SAN_FLAGS)"
	rm -rf $(SAN_REPORTS) && mkdir -p $(SAN_REPORTS) && chmod 1777 $(SAN_REPORTS)
	cd tests/integration && PYTHONDONTWRITEBYTECODE=1 \
	    PEOPLE_TEST_MPMS="$(SAN_MPMS)" PEOPLE_TEST_DBS="$(SAN_DBS)" \
	    PEOPLE_BUILD_DIR=$(CURDIR)/$(BUILD)/asan \
	    PEOPLE_APACHE_PRELOAD="$$($(CC) -print-file-name=libasan.so)" \
	    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:log_path=$(SAN_REPORTS)/asan \
	    UBSAN_OPTIONS=print_stacktrace=1:log_path=$(SAN_REPORTS)/ubsan \
	    $(PYTHON) -m pytest -q
	@if ls $(SAN_REPORTS)/* >/dev/null 2>&1; then \
	    echo "sanitizer reports:"; cat $(SAN_REPORTS)/*; exit 1; \
	else echo "sanitizers: no reports"; fi

# test-valgrind: a subset of the suite with httpd as one process (-X,
# prefork, SQLite) under valgrind's memcheck; any error fails the run.
test-valgrind: deps build
	rm -rf $(VG_REPORTS) && mkdir -p $(VG_REPORTS)
	cd tests/integration && PYTHONDONTWRITEBYTECODE=1 \
	    PEOPLE_VALGRIND_DIR=$(VG_REPORTS) PEOPLE_TEST_MPMS=prefork \
	    PEOPLE_TEST_DBS=sqlite $(PYTHON) -m pytest -q $(VG_TESTS)
	@grep -h "ERROR SUMMARY" $(VG_REPORTS)/*.log
	@! grep -L "ERROR SUMMARY: 0 errors" $(VG_REPORTS)/*.log | grep .
