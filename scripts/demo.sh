#!/usr/bin/env bash
# The README's first quick-start command: starts the local registry that holds the example's
# base image (scripts/peers.sh), builds rbuild, and builds examples/site with the embedded
# defaults (state in $RBUILD_HOME, default ~/.cache/rbuild or /var/lib/rbuild for root):
#   1. `rbuild plan`  — stages, order, every step's cache key and its inputs;
#   2. `rbuild build` — pulls the base lazily, builds, pushes to the local registry and writes an
#      OCI layout;
#   3. the same build again — every step CACHED, no new blob;
#   4. `rbuild du`    — what the state directory holds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/peers.sh start >&2
eval "$(scripts/peers.sh env)"
cargo build --quiet
rb=target/debug/rbuild
out=${RBUILD_DEMO_OUT:-$(mktemp -d /tmp/rbuild-demo.XXXXXX)}
run() { echo "+ rbuild $*" >&2; "$rb" "$@"; }
run plan examples/site
run build --progress=plain -t "$RBUILD_TEST_REGISTRY/demo/site:latest" --push \
  -o "type=oci,dest=$out/site-oci,tar=false" --metadata-file "$out/metadata.json" examples/site
run build --progress=plain -t "$RBUILD_TEST_REGISTRY/demo/site:latest" --push examples/site
echo "+ metadata ($out/metadata.json):" >&2
cat "$out/metadata.json" >&2; echo >&2
if "$rb" du >/dev/null 2>&1; then run du; fi
echo "demo done: OCI layout in $out/site-oci, image pushed to $RBUILD_TEST_REGISTRY/demo/site:latest" >&2
