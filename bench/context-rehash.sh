#!/usr/bin/env bash
# Measures `rbuild plan` on a generated context of N files (default 10,000): the first plan hashes
# every file; the second finds them all in the hash cache; the third follows a change of one file.
# Usage: bench/context-rehash.sh [N] [REPEATS]   (builds rbuild in release mode first)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
repeats=${2:-5}
cargo build --release --quiet
bin=$PWD/target/release/rbuild
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ctx=$work/ctx
export RBUILD_HOME=$work/home
python3 - "$ctx" "$n" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "src", f"d{i % 100:02d}", f"e{(i // 100) % 10}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i}.txt"), "w") as f:
        f.write(f"file {i}\n" * (1 + i % 50))
with open(os.path.join(root, "Dockerfile"), "w") as f:
    f.write("FROM scratch\nCOPY src/ /src/\n")
PY
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
cold=$(ms "$bin" plan "$ctx")
warm=()
for _ in $(seq "$repeats"); do warm+=("$(ms "$bin" plan "$ctx")"); done
echo "changed" >> "$ctx/src/d00/e0/f0.txt"
one=$(ms "$bin" plan "$ctx")
sorted=$(printf '%s\n' "${warm[@]}" | sort -n)
median=$(echo "$sorted" | sed -n "$(( (repeats + 1) / 2 ))p")
echo "files=$n cold_ms=$cold warm_median_ms=$median warm_all_ms=[${warm[*]}] one_changed_ms=$one"
echo "ratio cold/warm = $(awk -v a="$cold" -v b="$median" 'BEGIN{ if (b == 0) b = 1; printf "%.1f", a / b }')"
