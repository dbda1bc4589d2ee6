#!/usr/bin/env bash
# `rbuild check` on a generated 2,000-line Dockerfile (107 stages of RUN continuations, legacy
# ENV, COPY; 51 findings): the median wall time of RUNS runs of the release binary (goal of
# issue 22: under 100 ms). Usage: bench/check-2000.sh [RUNS]   (RBUILD_BIN: a prebuilt binary)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-11}
if [ -n "${RBUILD_BIN:-}" ]; then bin=$RBUILD_BIN; else cargo build --release --quiet --bin rbuild; bin=target/release/rbuild; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir/Dockerfile" <<'PY'
import sys
lines = ["# check=skip=JSONArgsRecommended", "ARG BASE=busybox"]
n = 0
while len(lines) < 2000:
    lines.append(f"FROM $BASE AS stage{n}")
    for k in range(18):
        lines += [f"RUN echo step {k} of {n} && \\", "    true"]
    lines += [f"ENV key{n} value", f"COPY file{n} /x/"]
    n += 1
open(sys.argv[1], "w").write("\n".join(lines[:2000]) + "\n")
PY
times=()
for _ in $(seq "$runs"); do
  t0=$(date +%s%N); "$bin" check "$dir" >/dev/null; t1=$(date +%s%N)
  times+=("$(( (t1 - t0) / 1000 ))")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "rbuild check, 2000-line Dockerfile: median $((median / 1000)).$(printf '%03d' $((median % 1000))) ms over $runs runs (goal < 100 ms)"
