#!/usr/bin/env bash
# Runs every fuzz target (issue 18, item 15) for a bounded time with many cases: proptest
# harnesses on the stable toolchain, no libFuzzer. Each target feeds arbitrary and hostile input
# to what rbuild and its cache server read from outside and asserts an answer, never a panic
# (and, for layers, nothing written outside the snapshot):
#   rbuild: the Dockerfile parser, shell expansion, layer tar unpacking (arbitrary bytes and
#           hostile entries), cache index / mount-cache / document manifests;
#   server: request classification, query parameters, byte ranges, repository names.
# A failing case is shrunk by proptest and saved under proptest-regressions/ beside the target's
# source: commit it (it then runs in every `cargo test`) and fix the code.
#
# Usage: bench/fuzz.sh [SECONDS_PER_TARGET] [CASES]   (default 60 s and 200000 cases; whichever
# ends first). Prints one line per target; exits 1 if any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
cases=${2:-200000}
targets=(
  "rbuild dockerfile::parser::tests::never_panics_on"
  "rbuild dockerfile::shell::proptests"
  "rbuild fuzz_targets::a_layer_of_arbitrary_bytes"
  "rbuild fuzz_targets::a_hostile_layer_writes_only_inside_its_snapshot"
  "rbuild fuzz_targets::cache_documents_of_arbitrary_bytes"
  "rbuild-cache-server fuzz_targets::"
)
cargo test --locked -p rbuild --lib --no-run --quiet
cargo test --locked -p rbuild-cache-server --lib --no-run --quiet
failed=0
for t in "${targets[@]}"; do
  read -r package filter <<<"$t"
  started=$(date +%s)
  log=$(mktemp)
  RBUILD_PROPTEST_CASES=$cases timeout "$secs" \
    cargo test --locked -q -p "$package" --lib "$filter" >"$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - started ))
  case $rc in
    0) verdict="passed all $cases cases" ;;
    124) verdict="no failure in ${secs} s (time bound reached)" ;;
    *) verdict="FAILED"; failed=1; grep -E "minimal failing input|panicked" "$log" | head -5 ;;
  esac
  printf '%-22s %-70s %5ss  %s\n' "$package" "$filter" "$took" "$verdict"
  rm -f "$log"
done
exit $failed
