#!/bin/sh
# The tests of the built tool: each run must print exactly the expected lines.
# Usage: run.sh TOOL (in the directory of input.txt and expected.txt)
set -e
tool=$1
"$tool" -n 3 input.txt > got.txt
if cmp -s got.txt expected.txt; then
  echo "PASS top-3 of input.txt"
else
  echo "FAIL top-3 of input.txt:"; diff expected.txt got.txt; exit 1
fi
echo "the The THE" | "$tool" -n 1 | grep -q "^the  *3$" && echo "PASS case folding"
