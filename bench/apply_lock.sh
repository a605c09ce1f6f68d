#!/bin/sh
# Compares the contacts apply step (the work inside the write lock) of an
# older revision with the tree's, for the same body:
#
#   sh bench/apply_lock.sh [REV] [apply_lock options]
#
# REV defaults to 22adead (the quadratic apply step). Options go to
# bench/apply_lock.c (-n ITEMS -s STORED -r RUNS -o OP). Run from the top
# of the repository after `make build`.
set -eu
rev=${1:-22adead}
[ $# -gt 0 ] && shift
out=${BUILD:-build}/bench
mkdir -p "$out"
flags="-O2 -g -std=gnu11 -Wall -Wextra -I. $(apr-1-config --includes)"
libs="$(apr-1-config --link-ld) -ljansson"
git show "$rev:src/people_contacts.c" > "$out/people_contacts_old.c"
# the old file includes "people_contacts.h" from its own directory
cc $flags -Isrc -o "$out/apply_lock_old" bench/apply_lock.c \
    "$out/people_contacts_old.c" $libs
cc $flags -o "$out/apply_lock_new" bench/apply_lock.c src/people_contacts.c \
    $libs
printf 'before (%s): ' "$rev"; "$out/apply_lock_old" "$@"
printf 'after  (tree):    '; "$out/apply_lock_new" "$@"
