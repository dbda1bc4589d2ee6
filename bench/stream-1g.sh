#!/usr/bin/env bash
# One 1 GiB layer through every streaming path, each phase its own process measured by
# /usr/bin/time -v (wall time, peak RSS), with `tar | gzip -1` and `tar | zstd -3` side by side:
#   pack gzip / pack zstd   write_layer of the tree into a fresh store (+ a one-layer image)
#   push                    the gzip image to the test registry (a new repository: full upload)
#   pull                    resolve + fetch_blob of config and layer into another fresh store
#   unpack                  the pulled layer unpacked into a snapshot (gunzip, diff_id checked)
# Targets: pack throughput >= 80% of the reference (ratio reference time / rbuild time >= 0.80)
# and peak RSS < 150 MB in every phase. Prints a table; never asserts (timings vary by machine).
#
# Usage: bench/stream-1g.sh [SIZE_MIB]   (default 1024; needs the test registry:
#        scripts/peers.sh start; RBUILD_TEST_REGISTRY, default 127.0.0.1:5000)
# The tree (deterministic: seed 20261124, ~2,300 files, half random bytes, half text, 95% small
# files and 5% of 1-16 MiB) is generated once into /var/tmp/rbuild-bench/tree-<SIZE>m and reused;
# the page cache is warmed before timing. Stores and outputs go to a temp dir under /var/tmp.
#
# Figures measured on the 2-core dev VM: bench/README.md (pack gzip 3.0x tar|gzip -1's
# throughput, zstd 0.95x tar|zstd -3, peak RSS <= 67 MB in every phase).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
registry=${RBUILD_TEST_REGISTRY:-127.0.0.1:5000}
curl -sf -o /dev/null "http://$registry/v2/" \
  || { echo "no registry answers at $registry: run scripts/peers.sh start" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: apt-get install time" >&2; exit 1; }
command -v zstd >/dev/null || { echo "zstd missing: apt-get install zstd" >&2; exit 1; }

cargo build --release --quiet --example stream_layer --bin rbuild
bin=$PWD/target/release/examples/stream_layer
rbuild=$PWD/target/release/rbuild
base=/var/tmp/rbuild-bench
tree=$base/tree-${size_mib}m
mkdir -p "$base"
work=$(mktemp -d "$base/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1735689600

if [ ! -f "$tree.complete" ]; then
  rm -rf "$tree"
  rm -f "$tree.complete"
  python3 bench/gen_tree.py "$tree" "$size_mib" 20261124
  touch "$tree.complete"
fi
bytes=$(du -sb "$tree" | cut -f1)
files=$(find "$tree" -type f | wc -l)
tar -C "$tree" -cf - . >/dev/null # warm the page cache

# measure NAME CMD... -- runs CMD under /usr/bin/time -v; records "wall_s rss_kb" for NAME
declare -A WALL RSS
measure() {
  local name=$1 t0 t1; shift
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$work/time.$name" "$@" >"$work/out.$name"
  t1=$(date +%s%N)
  WALL[$name]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  RSS[$name]=$(awk '/Maximum resident set size/ { print $NF }' "$work/time.$name")
}

measure ref_gzip sh -c "tar -C '$tree' -cf - . | gzip -1 > '$work/ref.tar.gz'"
measure ref_zstd sh -c "tar -C '$tree' -cf - . | zstd -q -3 > '$work/ref.tar.zst'"
measure pack_gzip "$bin" pack "$work/store-gzip" "$tree" gzip 1
measure pack_zstd "$bin" pack "$work/store-zstd" "$tree" zstd 3
rm -rf "$work/store-zstd"
manifest=$(cat "$work/out.pack_gzip")
target=$registry/test/stream-1g-$$-$(date +%s):gzip
measure push "$bin" push "$work/store-gzip" "$manifest" "$target"
rm -rf "$work/store-gzip"
measure pull "$bin" pull "$work/store-pulled" "$target"
[ "$(cat "$work/out.pull")" = "$manifest" ] || { echo "pulled $(cat "$work/out.pull"), pushed $manifest" >&2; exit 1; }
measure unpack "$bin" unpack "$work/store-pulled" "$manifest"
snapshot=$(cat "$work/out.unpack")
[ "$(find "$snapshot" -type f | wc -l)" = "$files" ] || { echo "unpacked file count differs" >&2; exit 1; }

# The same paths through `rbuild build`: a COPY of the whole tree pushed (hash, pack, push), then
# in a fresh state dir a build on top of that image (pull + unpack of the 1 GiB layer for the
# COPY's lower, a small layer, push mounting the big one).
printf 'FROM scratch\nCOPY . /data/\n' > "$work/Dockerfile.copy"
big=$registry/test/stream-1g-build-$$-$(date +%s):1
measure build_copy env RBUILD_HOME="$work/home-a" "$rbuild" build --progress=plain \
  -f "$work/Dockerfile.copy" -t "$big" --push "$tree"
mkdir -p "$work/small"
printf 'FROM %s\nCOPY hello.txt /data/d00/\n' "$big" > "$work/small/Dockerfile"
echo hello > "$work/small/hello.txt"
measure build_on_top env RBUILD_HOME="$work/home-b" "$rbuild" build --progress=plain \
  -t "$big-on-top" --push "$work/small"
rm -rf "$work/home-a" "$work/home-b"

layer_size() { # the size of the blob in a store other than the manifest/config (the largest)
  find "$1/blobs" -type f -printf '%s\n' 2>/dev/null | sort -n | tail -1
}
gz_size=$(stat -c %s "$work/ref.tar.gz")
zst_size=$(stat -c %s "$work/ref.tar.zst")
pulled_size=$(layer_size "$work/store-pulled")

row() { # phase wall rss extra
  printf '%-22s %8.2f %9.1f %8d  %s\n' "$1" "${WALL[$2]}" \
    "$(awk -v b="$bytes" -v s="${WALL[$2]}" 'BEGIN { printf "%.1f", b / 1e6 / s }')" \
    $((RSS[$2] / 1024)) "$3"
}
ratio() { awk -v a="${WALL[$1]}" -v b="${WALL[$2]}" 'BEGIN { printf "%.2f", a / b }'; }

echo
echo "tree: $((bytes >> 20)) MiB in $files files ($tree); registry $registry; $(nproc) cores"
printf '%-22s %8s %9s %8s  %s\n' phase "wall s" "MB/s" "RSS MB" notes
row "tar | gzip -1" ref_gzip "$((gz_size >> 20)) MiB out"
row "tar | zstd -3" ref_zstd "$((zst_size >> 20)) MiB out"
row "rbuild pack gzip -1" pack_gzip "throughput vs tar|gzip: $(ratio ref_gzip pack_gzip) (target >= 0.80)"
row "rbuild pack zstd -3" pack_zstd "throughput vs tar|zstd: $(ratio ref_zstd pack_zstd)"
row "rbuild push (gzip)" push "$((pulled_size >> 20)) MiB layer, new repository"
row "rbuild pull (gzip)" pull "fetch_blob into a fresh store"
row "rbuild unpack" unpack "gunzip + tar into a snapshot"
row "rbuild build COPY+push" build_copy "hash + pack + push, fresh state dir"
row "rbuild build on top" build_on_top "pull + unpack 1 GiB lower, small COPY, push (mount)"
max_rss=0
for k in pack_gzip pack_zstd push pull unpack build_copy build_on_top; do ((RSS[$k] > max_rss)) && max_rss=${RSS[$k]}; done
echo "max peak RSS of rbuild phases: $((max_rss / 1024)) MB (target < 150 MB)"
