#!/usr/bin/env bash
# The README's first quick-start command: starts the local registry that holds the example's
# base image (scripts/peers.sh), builds rbuild, and runs it on examples/hello with the embedded
# defaults (state in $RBUILD_HOME, default ~/.cache/rbuild or /var/lib/rbuild for root).
# Today that is `rbuild plan`: stages, build order, and every step's cache key with its inputs;
# run it twice and the second run reads no context file (hash cache).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/peers.sh start >&2
cargo build --quiet
echo "+ rbuild plan examples/hello" >&2
target/debug/rbuild plan examples/hello "$@"
