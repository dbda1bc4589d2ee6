#!/usr/bin/env bash
# Import throughput of layers that must be downloaded from a remote registry cache: rbuild's
# lazy import (a fresh state dir, `--cache-from type=registry`, an OCI output that needs every
# layer's bytes) against `skopeo copy` of the same cache manifest's blobs, both on loopback
# from the test registry. The bar (issue 6): rbuild >= 80% of skopeo's throughput.
# rbuild's figure is `download_bytes / import_seconds` of its `rbuild.cache` metadata (time
# spent reading the index and downloading, verified, into its store); skopeo's is the layer
# bytes of the manifest over its whole `skopeo copy` wall time.
#
# Usage: bench/remote-import.sh [REPEATS]   Env: BENCH_LAYER_MB (64), BENCH_LAYERS (4)
# Needs root (RUN steps), the test registry (started when missing), skopeo.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
mb=${BENCH_LAYER_MB:-64}
n=${BENCH_LAYERS:-4}
registry=${RBUILD_TEST_REGISTRY:-127.0.0.1:5000}
LOG_TAG=bench ROOT_REASON="runs RUN steps" LOGS=/var/tmp/rbuild-bench
APT_STAMP=$LOGS/.apt-updated
mkdir -p "$LOGS"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
need_root
curl -sf -o /dev/null "http://$registry/v2/" || scripts/peers.sh start
cargo build --release --quiet --bin rbuild
rbuild=$PWD/target/release/rbuild
work=$(mktemp -d /var/tmp/rbuild-bench/remote-import.XXXXXX)
trap 'umount_under "$work"; rm -rf "$work"' EXIT
mkdir -p "$work/ctx"
{
  echo "FROM $registry/library/busybox:latest"
  for i in $(seq "$n"); do echo "RUN head -c ${mb}m /dev/urandom > /blob$i"; done
} > "$work/ctx/Dockerfile"
ref=$registry/bench/remote-import-$$
log "exporting $n layers of $mb MiB to $ref"
RBUILD_HOME=$work/home0 "$rbuild" build --progress=quiet --compression=zstd \
  --cache-to "type=registry,ref=$ref,mode=max" "$work/ctx"
printf 'rep\trbuild_MBps\tskopeo_MBps\tratio\n' > "$work/results.tsv"
for rep in $(seq "$repeats"); do
  rm -rf "$work/home" "$work/out.tar" "$work/sk"
  RBUILD_HOME=$work/home "$rbuild" build --progress=quiet --metadata-file "$work/m.json" \
    --cache-from "type=registry,ref=$ref" -o "type=oci,dest=$work/out.tar" "$work/ctx"
  rb=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["rbuild.cache"][sys.argv[2]]; print(c["download_bytes"]/c["import_seconds"]/1e6)' "$work/m.json" "$ref")
  bytes=$(skopeo inspect --raw --tls-verify=false "docker://$ref:main" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(sum(l["size"] for l in m["layers"]) + m["config"]["size"])')
  t0=$(date +%s%N)
  skopeo copy -q --src-tls-verify=false "docker://$ref:main" "oci:$work/sk:x" >/dev/null
  t1=$(date +%s%N)
  sk=$(awk -v b="$bytes" -v a="$t0" -v c="$t1" 'BEGIN { printf "%.1f", b / ((c - a) / 1e9) / 1e6 }')
  ratio=$(awk -v a="$rb" -v b="$sk" 'BEGIN { printf "%.2f", a / b }')
  printf '%s\t%.1f\t%s\t%s\n' "$rep" "$rb" "$sk" "$ratio" >> "$work/results.tsv"
  log "repeat $rep: rbuild $(printf '%.1f' "$rb") MB/s, skopeo $sk MB/s, ratio $ratio"
done
echo
echo "$n layers x $mb MiB (zstd of random bytes), $(nproc) cores, loopback registry"
column -t "$work/results.tsv"
awk -F'\t' 'NR > 1 { print $4 }' "$work/results.tsv" | sort -g \
  | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "median rbuild/skopeo: %.2f (bar >= 0.80): %s\n", m, (m >= 0.8 ? "PASS" : "FAIL") }'
