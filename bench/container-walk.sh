#!/usr/bin/env bash
# The container isolation's cost per RUN step on a big root: a stage holding N small files
# (default 100,000) runs `RUN true` twice in rbuild's unprivileged container (Docker's default
# profile). The first RUN lays the stage's files at `/`; the second finds them there, so its
# time is the two stat walks around the step (goal: under 1 s for 100k files) plus starting
# `true`. Needs Docker (scripts/buildkit.sh) and the test registry (scripts/peers.sh).
# Usage: [PAUSE=S] bench/container-walk.sh [N] [REPEATS]   (builds rbuild in release mode first;
# PAUSE: seconds to wait between runs, after a sync. On this cloud disk the first RUN's time grows
# run after run, 6 s to 40 s, pause or not: compare builders alternating, never across sessions.)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
repeats=${2:-3}
cargo build --release --quiet --bin rbuild
eval "$(scripts/peers.sh env)"
eval "$(scripts/buildkit.sh env)"
docker=("$RBUILD_TEST_DOCKER" --config "$RBUILD_TEST_DOCKER_CONFIG")
export DOCKER_HOST=$RBUILD_TEST_BUILDKIT_HOST
work=$(mktemp -d /var/tmp/rbuild-walk.XXXXXX)
trap 'rm -rf "$work"' EXIT
lib=$work/lib
mkdir -p "$lib"
for l in $(ldd target/release/rbuild | grep -o '/[^ ]*'); do cp -L "$l" "$lib/"; done
python3 - "$work/ctx" "$n" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "tree", f"d{i % 100:02d}", f"e{(i // 100) % 10}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i}"), "w") as f:
        f.write(str(i))
PY
printf 'FROM %s/library/busybox:latest\nCOPY tree/ /tree/\nRUN true\nRUN true\n' \
  "$RBUILD_TEST_REGISTRY" > "$work/ctx/Dockerfile"
times=()
for r in $(seq "$repeats"); do
  # The previous run's container (200k+ files written) is written back first: its writeback
  # would otherwise land on this run.
  sync; sleep "${PAUSE:-0}"
  out=$("${docker[@]}" run --rm --network host -v "$PWD/target/release/rbuild:/rbuild/rbuild:ro" \
    -v "$lib:/rbuild/lib:ro" -v "$work:$work" -e RBUILD_HOME=/state \
    --entrypoint /rbuild/lib/ld-linux-x86-64.so.2 "$RBUILD_TEST_REGISTRY/library/busybox:latest" \
    --library-path /rbuild/lib /rbuild/rbuild build --progress plain "$work/ctx" 2>&1)
  first=$(echo "$out" | awk '/^#3 DONE/ {print $3}')
  second=$(echo "$out" | awk '/^#4 DONE/ {print $3}')
  echo "run $r: first RUN (lays $n files at /) ${first}, second RUN (two walks) ${second}"
  echo "$out" | grep -E "lower layer|^\[" | head -8
  times+=("${second%s}")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (repeats + 1) / 2 ))p")
echo "files=$n second_run_median_s=$median (goal < 1 s)"
