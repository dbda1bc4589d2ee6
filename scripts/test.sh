#!/usr/bin/env bash
# The project's test command: starts the test peers (scripts/peers.sh: a local registry with a
# busybox base image), exports what the tests read, and runs the whole workspace's tests.
# Extra arguments go to cargo test (e.g. `scripts/test.sh registry` runs the matching tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/peers.sh start
eval "$(scripts/peers.sh env)"
exec cargo test --workspace --locked "$@"
