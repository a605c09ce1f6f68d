# The benchmark, included from the top Makefile.
#
#   make bench             1000 users, wrk under prefork and two event
#                          layouts at 16 and 64 connections (static file,
#                          GET, PUT), the raw SQLite commit rate, RSS over
#                          200k requests; about 4 minutes; prints a table and
#                          writes bench/results/latest.txt and latest.json
#   make bench-directory   the directory's pages (also part of make bench):
#                          bench/results/directory.txt and directory.json
#   make bench-callgrind   instructions per request and the top functions,
#                          httpd -X under callgrind (slow, a few minutes);
#                          writes bench/results/callgrind.txt
#
# BENCH_ARGS passes options to bench/bench.py, e.g.
#   make bench BENCH_ARGS="--layouts event-8x4 --conns 64 --mem-requests 0"
# (python3 bench/bench.py --help lists them). Run as root, as the tests do:
# httpd's children then run as www-data.

BENCH_DIR    := bench
BENCH_ARGS   ?=
BENCH_BUILD   = $(BUILD)/bench

BENCH_DIRECTORY_ARGS ?=

.PHONY: bench bench-callgrind bench-directory

$(BENCH_BUILD)/sqlite_commit: $(BENCH_DIR)/sqlite_commit.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=gnu11 -Wall -Wextra -Werror -Wshadow \
	    -Wmissing-prototypes -o $@ $< -lsqlite3

# deps and build are the top Makefile's (wrk and valgrind are among its
# packages)
bench: deps build $(BENCH_BUILD)/sqlite_commit
	$(PYTHON) $(BENCH_DIR)/bench.py run --build $(BUILD) $(BENCH_ARGS)
	$(PYTHON) $(BENCH_DIR)/directory.py --build $(BUILD) $(BENCH_DIRECTORY_ARGS)

# the directory alone: 10,000 people side by side with static files, then
# page times at 1,000 / 10,000 / 100,000 people (about 3 minutes);
# bench/results/directory.txt and .json
bench-directory: deps build
	$(PYTHON) $(BENCH_DIR)/directory.py --build $(BUILD) $(BENCH_DIRECTORY_ARGS)

bench-callgrind: deps build
	$(PYTHON) $(BENCH_DIR)/bench.py callgrind --build $(BUILD) $(BENCH_ARGS)

# make bench-import: users/s of people-admin import and sync-ldap at 10,000
# and 100,000 users (a private slapd on loopback); writes
# bench/results/import.txt
.PHONY: bench-import
bench-import: deps build
	$(PYTHON) $(BENCH_DIR)/import_bench.py --build $(BUILD)
