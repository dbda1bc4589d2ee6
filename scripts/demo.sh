#!/usr/bin/env bash
# The README's first quick-start command: builds and runs examples/wordcount, a multi-stage
# project with RUN steps on busybox (a build stage "compiles" shell modules into one script, a
# test stage runs its tests, a docs stage formats its manual, the final stage copies all three):
#   1. starts the local registry holding the base image (scripts/peers.sh) and builds rbuild;
#   2. `rbuild build` of a copy of the project into an OCI layout: every step runs;
#   3. runs the image: `umoci unpack` into a runtime bundle, then `runc run`;
#   4. the same build again: every step CACHED;
#   5. one source file edited (docs/usage.txt): only the docs stage and the final steps after
#      its COPY --from run again; then the new image runs.
# Needs root (RUN steps and runc). Output and state go to a fresh directory (RBUILD_DEMO_OUT, or
# a new /tmp/rbuild-demo.*); RBUILD_HOME defaults to a state dir inside it, so that the first
# build really runs every step. RBUILD_DEMO_VERBOSE=1 shows rbuild's full progress output.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=${RBUILD_DEMO_OUT:-$(mktemp -d /tmp/rbuild-demo.XXXXXX)}
mkdir -p "$out"
export RBUILD_HOME=${RBUILD_HOME:-$out/state}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

say "starting the local registry (scripts/peers.sh, log in $out/peers.log; the first time it installs packages and builds the base images: a few minutes) and building rbuild"
scripts/peers.sh start >"$out/peers.log" 2>&1 || { tail -20 "$out/peers.log" >&2; die "scripts/peers.sh start failed"; }
eval "$(scripts/peers.sh env)"
cargo build --quiet
rb=$repo/target/debug/rbuild
command -v runc >/dev/null || die "runc is not installed (apt-get install runc)"
command -v umoci >/dev/null || die "umoci is not installed (scripts/peers.sh installs it)"

project=$out/wordcount
rm -rf "$project" && cp -r examples/wordcount "$project"
base=$RBUILD_TEST_REGISTRY/library/busybox:latest

# build N: builds the project into $out/image-N (an OCI layout) and prints rbuild's table of
# steps; the whole progress output is in $out/build-N.log.
build() {
  local n=$1 log=$out/build-$1.log
  echo "+ rbuild build --build-arg BASE=$base -t wordcount:demo -o type=oci,dest=$out/image-$n,tar=false $project"
  if ! "$rb" build --progress=plain --build-arg "BASE=$base" -t wordcount:demo \
    -o "type=oci,dest=$out/image-$n,tar=false" "$project" >"$log" 2>&1; then
    tail -30 "$log" >&2
    die "the build failed (whole log: $log)"
  fi
  if [ "${RBUILD_DEMO_VERBOSE:-}" = 1 ]; then
    cat "$log"
  else
    # rbuild's closing table: one row per step (ran or CACHED, time, layer size) and a total.
    sed -n '/^STEP  /,$p' "$log"
  fi
}

# run N: unpacks image N into a runtime bundle and runs its default command with runc.
run_image() {
  local n=$1 bundle=$out/bundle-$1
  echo "+ umoci unpack --image $out/image-$n:demo $bundle && runc run --bundle $bundle wordcount-demo-$n"
  rm -rf "$bundle"
  umoci unpack --image "$out/image-$n:demo" "$bundle" >/dev/null
  # umoci writes a spec for an interactive terminal; the demo prints to a pipe.
  sed -i 's/"terminal": *true/"terminal": false/' "$bundle/config.json"
  runc --root "$out/runc" run --bundle "$bundle" "wordcount-demo-$n-$$" </dev/null
}

say "1. build examples/wordcount (build, test and docs stages, then the final image)"
build 1
say "2. run the image (its CMD: the three most frequent words of its own manual)"
run_image 1
echo "+ cat /usr/share/doc/wordcount/test-report.txt   (written by the test stage's RUN)"
cat "$out/bundle-1/rootfs/usr/share/doc/wordcount/test-report.txt"

say "3. build again: every step CACHED"
build 2
grep -Eq '^[0-9]+ steps: ([0-9]+) cached, 0 ran' "$out/build-2.log" \
  || die "the second build ran steps (see $out/build-2.log)"

say "4. edit docs/usage.txt and build again: only the docs stage (and the final steps after its COPY --from) run"
echo "The docs stage ran again because this line was added: the build and test stages stayed CACHED." \
  >>"$project/docs/usage.txt"
build 3
say "5. run the new image"
run_image 3

say "done"
echo "OCI layouts: $out/image-{1,2,3}; build logs: $out/build-{1,2,3}.log; state: $RBUILD_HOME"
echo "see also: $rb plan $project    (every step's cache key and inputs)"
