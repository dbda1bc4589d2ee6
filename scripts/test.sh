#!/usr/bin/env bash
# The project's test command: starts the test peers (scripts/peers.sh: a local registry with the
# base images, moto, a basic-auth registry standing in for ECR; scripts/buildkit.sh: Docker 26 +
# buildx for the differential build tests), exports what the tests read, and runs the tests of
# both packages (rbuild, the cache server).
# Extra arguments go to cargo test (e.g. `scripts/test.sh registry` runs the matching tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/peers.sh start
eval "$(scripts/peers.sh env)"
# A BuildKit peer that cannot be fetched or started does not stop the other tests: the
# differential build tests report why (and fail when RBUILD_REQUIRE_DIFFERENTIAL=1, as in CI).
if scripts/buildkit.sh start; then
  eval "$(scripts/buildkit.sh env)"
else
  export RBUILD_TEST_BUILDKIT_ERROR="scripts/buildkit.sh start failed with exit $? (see its output above)"
  echo "WARNING: $RBUILD_TEST_BUILDKIT_ERROR" >&2
fi
# Package by package rather than `--workspace`: a workspace build unifies the cache server's
# dependency features into rbuild's, so `target/debug/rbuild` would differ from what a plain
# `cargo build --bin rbuild` makes, and the GitHub Action test's `version: source` (that cargo
# build, inside the test run) would rebuild and replace the binary other tests are running.
# rbuild's tests start the cache server binary: it is built first.
cargo build --locked -p rbuild-cache-server --bin rbuild-cache-server
cargo test --locked -p rbuild "$@"
cargo test --locked -p rbuild-cache-server "$@"
cargo test --locked -p rbuild-wire --all-features "$@"
