#!/usr/bin/env bash
# Measures rbuild's layer packer against `tar | gzip -1` and `tar | zstd -3` on a generated tree of
# SIZE MiB (default 1024): a deterministic mix of compressible text and incompressible bytes, in
# small and large files. Reports MB/s (of tree content), the ratio rbuild/reference (>= 0.80 is
# the target), blob sizes, and rbuild's peak RSS (target: well under 150 MB).
# Usage: bench/layer-pack.sh [SIZE_MIB] [REPEATS]   (builds the example in release mode first;
# the tree is read once before timing, so every run reads from the page cache)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
repeats=${2:-2}
cargo build --release --quiet --example pack_layer
bin=$PWD/target/release/examples/pack_layer
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree=$work/tree

python3 bench/gen_tree.py "$tree" "$size_mib" 20240601
bytes=$(du -sb "$tree" | cut -f1)
tar -C "$tree" -cf - . >/dev/null # warm the page cache

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }
best() { printf '%s\n' "$@" | sort -n | head -1; }

run_ref() { # $1: compressor command
  local times=() t0 t1
  for _ in $(seq "$repeats"); do
    t0=$(date +%s%N)
    tar -C "$tree" -cf - . | $1 >"$work/ref.out"
    t1=$(date +%s%N)
    times+=("$(secs "$t0" "$t1")")
  done
  best "${times[@]}"
}

run_rbuild() { # $1: gzip|zstd, $2: level
  local times=() rss=0 t0 t1 r
  for _ in $(seq "$repeats"); do
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$work/time.txt" "$bin" "$tree" "$work/rbuild.out" "$1" "$2" >/dev/null
    t1=$(date +%s%N)
    times+=("$(secs "$t0" "$t1")")
    r=$(awk '/Maximum resident set size/ { print $NF }' "$work/time.txt")
    ((r > rss)) && rss=$r
  done
  echo "$(best "${times[@]}") $rss"
}

echo "tree: $((bytes >> 20)) MiB in $(find "$tree" -type f | wc -l) files; best of $repeats runs"
for spec in "gzip 1 gzip -1" "zstd 3 zstd -3 -q"; do
  read -r kind level ref_cmd <<<"$spec"
  ref=$(run_ref "$ref_cmd")
  ref_size=$(stat -c %s "$work/ref.out")
  read -r ours rss <<<"$(run_rbuild "$kind" "$level")"
  our_size=$(stat -c %s "$work/rbuild.out")
  # The blob must be a valid tar for GNU tar and the system decompressor.
  "$kind" -dc "$work/rbuild.out" | tar -tf - >/dev/null
  printf '%-7s reference (tar | %s): %6.2fs %7s MB/s %5d MiB | rbuild: %6.2fs %7s MB/s %5d MiB, peak RSS %d MB | speed ratio rbuild/reference %.2f\n' \
    "$kind" "$ref_cmd" "$ref" "$(mbps "$ref")" $((ref_size >> 20)) \
    "$ours" "$(mbps "$ours")" $((our_size >> 20)) $((rss / 1024)) \
    "$(awk -v a="$ref" -v b="$ours" 'BEGIN { printf "%.2f", a / b }')"
done
