#!/usr/bin/env bash
# Making a 1 GiB stack of layers present (issue 17): an image of 8 layers of 128 MiB each
# (bench/gen_tree.py, seeds 1..8: half random bytes, half text), pushed to the test registry once
# gzip and once zstd; then, in a fresh state dir, `rbuild build` of `FROM <image>` + a COPY that
# needs the whole stack, with no output: every layer is streamed from the registry, verified
# (digest and diff_id) and unpacked into its snapshot, all at once. Its seconds are
# `rbuild.materialize` of the metadata file; its peak RSS is /usr/bin/time's for the process.
# Then the same build again in a state dir that already holds the 8 blobs (an OCI-layout output
# kept them; its snapshots and records are removed before each run): only unpacking, from local
# files as the references', the diff_id verified (the blob's digest was, when the store took it).
# Beside it, on the same machine, from the blobs already on local disk (no network, nothing
# verified): `tar -xzf` and `zstd -d | tar -x` of the same 8 blobs one after another, and the
# same 8 at once (`&` + wait). And the registry row's like for like: the same work rbuild does
# there, by the tools, one layer after another: `curl` of the blob from the registry, `tee` into
# `sha256sum` (the blob digest), decompress, `tee` into `sha256sum` (the diff_id), `tar -x`, both
# sums compared with the manifest's and the config's.
# The page cache is dropped before every timed run (an `rm -rf` of many files just before leaves
# ext4 without a journal slow to allocate inodes for a minute: see side-by-side.sh), then the blobs
# each side reads are read once, so both start warm: the registry's files for rbuild (found under
# $RBUILD_PEERS_ROOT/registry/data when peers.sh started it), the OCI copy's for the references.
# Targets: rbuild's throughput >= each sequential reference's (ratio reference s / rbuild s >= 1),
# peak RSS < 150 MB. Prints a table; never asserts (timings vary by machine).
#
# Usage: bench/materialize-stack.sh [LAYER_MIB] [REPEATS]   (default 128 and 3; medians)
# Needs root, the test registry (scripts/peers.sh start), skopeo, zstd, /usr/bin/time; the trees
# are generated once under /var/tmp/rbuild-bench/stack-<MIB>m and reused.
# RBUILD_BIN=path uses that rbuild instead of building target/release/rbuild.
set -euo pipefail
cd "$(dirname "$0")/.."
layer_mib=${1:-128}
repeats=${2:-3}
registry=${RBUILD_TEST_REGISTRY:-127.0.0.1:5000}
curl -sf -o /dev/null "http://$registry/v2/" \
  || { echo "no registry answers at $registry: run scripts/peers.sh start" >&2; exit 1; }
for t in skopeo zstd /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "$t missing" >&2; exit 1; }
done
if [ -z "${RBUILD_BIN:-}" ]; then
  cargo build --release --quiet --bin rbuild
  RBUILD_BIN=$PWD/target/release/rbuild
fi
base=/var/tmp/rbuild-bench
ctx=$base/stack-${layer_mib}m
mkdir -p "$base"
work=$(mktemp -d "$base/stack-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1735689600

if [ ! -f "$ctx.complete" ]; then
  rm -rf "$ctx"
  mkdir -p "$ctx"
  for i in 1 2 3 4 5 6 7 8; do
    python3 bench/gen_tree.py "$ctx/p$i" "$layer_mib" "$i"
  done
  { echo "FROM scratch"; for i in 1 2 3 4 5 6 7 8; do echo "COPY p$i /p$i/"; done; } > "$ctx/Dockerfile"
  touch "$ctx.complete"
fi
bytes=$(du -sb "$ctx" | cut -f1)

tag=$registry/bench/stack-${layer_mib}m-$$
for c in gzip zstd; do
  RBUILD_HOME=$work/push-$c "$RBUILD_BIN" build --progress=quiet --compression "$c" \
    -t "$tag:$c" --push "$ctx" >/dev/null
  rm -rf "$work/push-$c"
  skopeo copy --quiet --src-tls-verify=false "docker://$tag:$c" "oci:$work/oci-$c:x" >/dev/null
done

printf 'FROM %s\nCOPY marker /marker\n' "$tag:gzip" > "$work/Dockerfile.gzip"
printf 'FROM %s\nCOPY marker /marker\n' "$tag:zstd" > "$work/Dockerfile.zstd"
echo x > "$work/marker"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# layers C -- the layer blobs of the OCI copy, bottom first
layers() {
  python3 - "$work/oci-$1" <<'EOF'
import json, sys
root = sys.argv[1]
index = json.load(open(f"{root}/index.json"))
m = json.load(open(f"{root}/blobs/" + index["manifests"][0]["digest"].replace(":", "/")))
for l in m["layers"]:
    print(f"{root}/blobs/" + l["digest"].replace(":", "/"))
EOF
}
# diff_ids C -- the config's diff_ids of the OCI copy, bottom first
diff_ids() {
  python3 - "$work/oci-$1" <<'EOF'
import json, sys
root = sys.argv[1]
blob = lambda d: json.load(open(f"{root}/blobs/" + d.replace(":", "/")))
m = blob(json.load(open(f"{root}/index.json"))["manifests"][0]["digest"])
for d in blob(m["config"]["digest"])["rootfs"]["diff_ids"]:
    print(d)
EOF
}
# fetch_unpack URL DIGEST DIFF_ID DIR DECOMPRESSOR -- the tools doing what rbuild does with a
# registry layer: download, both digests checked, unpacked into DIR
fetch_unpack() {
  curl -sf "$1" | tee >(sha256sum > "$4.blob") | $5 | tee >(sha256sum > "$4.diff") | tar -x -C "$4"
  # The process substitutions finish after the pipeline: wait for their files.
  local n; for n in $(seq 100); do [ -s "$4.blob" ] && [ -s "$4.diff" ] && break; sleep 0.01; done
  [ "sha256:$(cut -d' ' -f1 "$4.blob")" = "$2" ] && [ "sha256:$(cut -d' ' -f1 "$4.diff")" = "$3" ] \
    || { echo "digest mismatch in $4" >&2; exit 1; }
}
registry_data=${RBUILD_PEERS_ROOT:-/var/tmp/rbuild-peers}/registry/data/docker/registry/v2/blobs
# fresh_start FILE... -- drop the page cache, then read the given files once
fresh_start() {
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  local f; for f in "$@"; do [ -f "$f" ] && cat "$f" >/dev/null; done; return 0
}
# registry_blobs FILE... -- the registry's data files of the same blobs as the given OCI blob paths
registry_blobs() {
  local b h; for b in "$@"; do h=${b##*/}; echo "$registry_data/sha256/${h:0:2}/$h/data"; done
}
declare -A R
for c in gzip zstd; do
  rb=() rss=() local=() lrss=() seq=() par=() net=()
  # A state dir holding the blobs, for the "from the store" runs.
  rm -rf "$work/kept"
  RBUILD_HOME=$work/kept "$RBUILD_BIN" build --progress=quiet -f "$work/Dockerfile.$c" \
    --output "type=oci,dest=$work/kept.tar" "$work" >/dev/null
  rm -f "$work/kept.tar"
  mapfile -t kept < <(find "$work/kept/blobs" -type f)
  mapfile -t blobs < <(layers "$c")
  if [ "$c" = gzip ]; then unpack='tar -xzf "$1" -C "$2"'; else unpack='zstd -q -d -c "$1" | tar -x -C "$2"'; fi
  if [ "$c" = gzip ]; then decomp='gzip -dc'; else decomp='zstd -q -d -c'; fi
  mapfile -t diff_ids < <(diff_ids "$c")
  for _ in $(seq "$repeats"); do
    rm -rf "$work/home"
    mapfile -t served < <(registry_blobs "${blobs[@]}")
    fresh_start "${served[@]}"
    RBUILD_HOME=$work/home /usr/bin/time -v -o "$work/time" "$RBUILD_BIN" build --progress=quiet \
      -f "$work/Dockerfile.$c" --metadata-file "$work/meta.json" "$work" >/dev/null
    rb+=("$(python3 -c 'import json,sys; print(sum(s["seconds"] for s in json.load(open(sys.argv[1]))["rbuild.materialize"]))' "$work/meta.json")")
    rss+=("$(awk '/Maximum resident set size/ { print $NF }' "$work/time")")
    rm -rf "$work/home"

    rm -rf "$work/kept/snapshots"/* "$work/kept/cache/records"/*
    fresh_start "${kept[@]}"
    RBUILD_HOME=$work/kept /usr/bin/time -v -o "$work/time" "$RBUILD_BIN" build --progress=quiet \
      -f "$work/Dockerfile.$c" --metadata-file "$work/meta.json" "$work" >/dev/null
    local+=("$(python3 -c 'import json,sys; print(sum(s["seconds"] for s in json.load(open(sys.argv[1]))["rbuild.materialize"]))' "$work/meta.json")")
    lrss+=("$(awk '/Maximum resident set size/ { print $NF }' "$work/time")")

    rm -rf "$work/ref"; mkdir -p "$work/ref"
    fresh_start "${blobs[@]}"
    t0=$(date +%s%N)
    i=0; for b in "${blobs[@]}"; do i=$((i + 1)); mkdir "$work/ref/$i"; sh -c "$unpack" _ "$b" "$work/ref/$i"; done
    t1=$(date +%s%N)
    seq+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')")
    rm -rf "$work/ref"; mkdir -p "$work/ref"
    fresh_start "${blobs[@]}"
    t0=$(date +%s%N)
    i=0; for b in "${blobs[@]}"; do i=$((i + 1)); mkdir "$work/ref/$i"; sh -c "$unpack" _ "$b" "$work/ref/$i" & done; wait
    t1=$(date +%s%N)
    par+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')")
    rm -rf "$work/ref"; mkdir -p "$work/ref"
    fresh_start "${served[@]}"
    t0=$(date +%s%N)
    i=0; for b in "${blobs[@]}"; do
      mkdir "$work/ref/$i"
      fetch_unpack "http://$registry/v2/${tag#*/}/blobs/sha256:${b##*/}" "sha256:${b##*/}" \
        "${diff_ids[$i]}" "$work/ref/$i" "$decomp"
      i=$((i + 1))
    done
    t1=$(date +%s%N)
    net+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')")
    rm -rf "$work/ref"
  done
  R[$c.rb]=$(printf '%s\n' "${rb[@]}" | median)
  R[$c.rss]=$(printf '%s\n' "${rss[@]}" | median)
  R[$c.local]=$(printf '%s\n' "${local[@]}" | median)
  R[$c.lrss]=$(printf '%s\n' "${lrss[@]}" | median)
  R[$c.seq]=$(printf '%s\n' "${seq[@]}" | median)
  R[$c.par]=$(printf '%s\n' "${par[@]}" | median)
  R[$c.net]=$(printf '%s\n' "${net[@]}" | median)
  R[$c.all]="${rb[*]} | ${local[*]} | ${seq[*]} | ${par[*]} | ${net[*]}"
  rm -rf "$work/kept"
done

mib=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1048576 }')
echo
echo "8 layers, $mib MiB unpacked; $repeats repeats, medians; references from local files"
echo
echo "| compression | rbuild from | rbuild s | rbuild MB/s | peak RSS | seq. reference s | ratio ref/rbuild | 8-at-once reference s | ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in gzip zstd; do
  for from in registry store; do
    if [ $from = registry ]; then t=${R[$c.rb]} m=${R[$c.rss]}; else t=${R[$c.local]} m=${R[$c.lrss]}; fi
    awk -v c="$c" -v f="$from" -v rb="$t" -v rss="$m" -v s="${R[$c.seq]}" -v p="${R[$c.par]}" -v b="$bytes" 'BEGIN {
      ref = (c == "gzip") ? "tar -xzf" : "zstd -d | tar -x";
      what = (f == "registry") ? "the registry (streamed, blob digest and diff_id verified)" : "the store (diff_id verified)";
      printf "| %s | %s | %.2f | %.0f | %.0f MB | %.2f (%s) | %.2f | %.2f | %.2f |\n", c, what, rb, b / 1e6 / rb, rss / 1000, s, ref, s / rb, p, p / rb }'
  done
done
echo
echo "Like for like from the registry (curl | sha256sum | decompress | sha256sum | tar -x, one layer after another):"
echo
echo "| compression | rbuild s | reference s | ratio ref/rbuild |"
echo "|---|---|---|---|"
for c in gzip zstd; do
  awk -v c="$c" -v rb="${R[$c.rb]}" -v n="${R[$c.net]}" 'BEGIN { printf "| %s | %.2f | %.2f | %.2f |\n", c, rb, n, n / rb }'
done
echo
for c in gzip zstd; do echo "runs $c (rbuild from the registry | from the store | sequential | at once | like for like): ${R[$c.all]}"; done
