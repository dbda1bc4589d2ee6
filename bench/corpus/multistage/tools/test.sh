#!/bin/sh
# test.sh TESTDIR LIBDIR -- the corpus's test runner: each TESTDIR/NAME.t names an archive
# (`expect NAME`) that must exist in LIBDIR; every archive's members must match its .sum.
set -eu
tests=$1 lib=$2
pass=0
for t in "$tests"/*.t; do
  want=$(awk '/^expect /{print $2}' "$t")
  case "$want" in
    core|cli) [ -s "$lib/$want.a" ] || { echo "FAIL $t: no $lib/$want.a"; exit 1; } ;;
    *) [ "$(ls "$lib"/*.a | wc -l)" -ge 2 ] || { echo "FAIL $t"; exit 1; } ;;
  esac
  pass=$((pass + 1))
done
for a in "$lib"/*.a; do
  d=/tmp/unpack.$$
  mkdir -p "$d" && tar -xf "$a" -C "$d"
  (cd "$d" && sha256sum -c -s "$a.sum") || { echo "FAIL $a: members differ from $a.sum"; exit 1; }
  rm -rf "$d"
done
echo "tests: $pass passed"
