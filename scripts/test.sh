#!/usr/bin/env bash
# The project's test command: starts the test peers (scripts/peers.sh: a local registry with the
# base images, moto, a basic-auth registry standing in for ECR; scripts/buildkit.sh: Docker 26 +
# buildx for the differential build tests), exports what the tests read, and runs the whole
# workspace's tests.
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
exec cargo test --workspace --locked "$@"
