#!/usr/bin/env bash
# rbuild, BuildKit and Buildah side by side on one corpus (default bench/corpus/multistage), in one
# run, three scenarios each:
#   cold     empty caches: rbuild a fresh RBUILD_HOME; BuildKit `docker buildx prune -af` and the
#            base image and the bench's tag removed from the daemon; Buildah a fresh storage root
#   noop     the same build again, nothing changed
#   changed  one source file changed (a line appended to $BENCH_CHANGE, default src/core/hash.c)
#   export   (not a bar) empty caches again, the unchanged corpus built with a registry cache
#            export: rbuild `--cache-to type=registry,ref=R/bench/cache-rbuild-N,mode=max`, BuildKit
#            `--cache-to type=registry,ref=...,mode=max,image-manifest=true,oci-mediatypes=true`,
#            Buildah `bud --layers --cache-to R/bench/cache-buildah-N`
#   remote   a fresh runner: every local cache emptied again (rbuild's state dir, BuildKit's
#            cache and images, Buildah's storage), the same build with `--cache-from` that
#            registry cache only (bars: rbuild/BuildKit <= 0.3, rbuild/Buildah <= 0.1)
# Each scenario runs REPEATS times (default 3; a repeat is cold, noop, changed for every builder
# in turn, so machine noise spreads over all of them); the table shows medians, the ratios
# rbuild/BuildKit and rbuild/Buildah, the bars of the issue (rbuild/BuildKit: cold <= 1.05,
# noop <= 0.25, changed <= 0.70) and rbuild's peak RSS. Never asserts: timings depend on the
# machine.
#
# What is timed: the whole client process, as a CI step would run it, under /usr/bin/time -v:
#   rbuild    `rbuild build --progress=plain -t NAME CONTEXT` (release build; no output: the image
#             stays in rbuild's state, its default without --push/-o)
#   BuildKit  `docker buildx build --builder default --progress=plain --output type=image,name=NAME
#             CONTEXT` against Docker 26.1 + buildx 0.13 (docker driver, containerd image store;
#             the image lands in the daemon's image store, BuildKit's cache is the daemon's local
#             one; the daemon's own CPU time is in the wall time, not in the client's RSS);
#             BENCH_BUILDKIT_OUTPUT=cacheonly builds without exporting (closest to rbuild's
#             no-output build, which keeps the image in its state)
#   Buildah   `buildah --root R --runroot RR --storage-driver overlay bud --layers --isolation oci
#             --tls-verify=false -t NAME CONTEXT` (runc, as rbuild and BuildKit; the image is
#             committed to Buildah's local storage)
# With BENCH_OUTPUT=push every builder also pushes its result to the local registry instead
# (rbuild --push, buildx type=image,push=true, buildah bud + buildah push), each to its own
# repository 127.0.0.1:5000/bench/side-by-side-<builder>.
# All three pull the base image from the local registry (127.0.0.1:5000/library/busybox:latest):
# no builder has it before a cold build (BuildKit's content store may still hold the layer blob
# when another image of the shared daemon uses it; busybox is one ~1 MB layer).
#
# Usage: bench/side-by-side.sh [REPEATS]
# Env:   BENCH_BUILDERS ("rbuild buildkit buildah"), BENCH_OUTPUT (local|push), BENCH_CORPUS
#        (bench/corpus/multistage), BENCH_CHANGE (src/core/hash.c), BENCH_BUILDAH_ISOLATION (oci),
#        BENCH_BUILDKIT_OUTPUT (image|cacheonly; only with BENCH_OUTPUT=local),
#        BENCH_KEEP=1 (keep the work dir with every build's log and time -v output),
#        RBUILD_TEST_REGISTRY (127.0.0.1:5000)
# Needs root on Debian bookworm: starts the test registry (scripts/peers.sh) and Docker 26
# (scripts/buildkit.sh) if they are not running (never stops them: they are shared), installs
# buildah, runc and time with apt when missing.
# Side effects on the shared Docker 26 daemon: `docker buildx prune -af` before each cold build
# (its whole build cache), removal of the bench's tag and of the base image's tag.
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root=$PWD
repeats=${1:-3}
builders=${BENCH_BUILDERS:-rbuild buildkit buildah}
output=${BENCH_OUTPUT:-local}
corpus=${BENCH_CORPUS:-bench/corpus/multistage}
change=${BENCH_CHANGE:-src/core/hash.c}
isolation=${BENCH_BUILDAH_ISOLATION:-oci}
bk_output=${BENCH_BUILDKIT_OUTPUT:-image}
registry=${RBUILD_TEST_REGISTRY:-127.0.0.1:5000}
base=$registry/library/busybox:latest
case $output in local | push) ;; *) echo "BENCH_OUTPUT must be local or push" >&2; exit 2 ;; esac
case $bk_output in image | cacheonly) ;; *) echo "BENCH_BUILDKIT_OUTPUT must be image or cacheonly" >&2; exit 2 ;; esac
[ "$output" = push ] && bk_output=image
[ -f "$corpus/Dockerfile" ] || { echo "no $corpus/Dockerfile" >&2; exit 2; }
[ -f "$corpus/$change" ] || { echo "no $corpus/$change to change" >&2; exit 2; }

LOG_TAG=bench ROOT_REASON="runs RUN steps, installs buildah" LOGS=/var/tmp/rbuild-bench
APT_STAMP=$LOGS/.apt-updated
mkdir -p "$LOGS"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
need_root
apt_install time runc
[[ " $builders " == *" buildah "* ]] && apt_install buildah
curl -sf -o /dev/null "http://$registry/v2/" || scripts/peers.sh start
if [[ " $builders " == *" buildkit "* ]]; then
  scripts/buildkit.sh status >/dev/null || scripts/buildkit.sh start
  eval "$(scripts/buildkit.sh env)"
fi

log "cargo build --release"
cargo build --release --quiet --bin rbuild
rbuild=$repo_root/target/release/rbuild

work=$(mktemp -d /var/tmp/rbuild-bench/side-by-side.XXXXXX)
cleanup() {
  local d
  for d in "$work"/buildah-*; do [ -d "$d" ] && buildah_reset "$d"; done
  umount_under "$work"
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

dk() { DOCKER_HOST=$RBUILD_TEST_BUILDKIT_HOST DOCKER_CONFIG=$RBUILD_TEST_DOCKER_CONFIG "$RBUILD_TEST_DOCKER" "$@"; }
bah() { local d=$1; shift; buildah --root "$d/root" --runroot "$d/runroot" --storage-driver overlay "$@"; }
buildah_reset() { # dir -- drops a Buildah storage (containers, images, mounts, files)
  bah "$1" rm -a >/dev/null 2>&1 || true
  bah "$1" rmi -a -f >/dev/null 2>&1 || true
  umount_under "$1"
  rm -rf "$1"
}

name_of() { # builder -> the image name it builds
  if [ "$output" = push ]; then echo "$registry/bench/side-by-side-$1:latest"; else echo "bench/side-by-side-$1:latest"; fi
}

# reset BUILDER REP -- empties BUILDER's caches (not timed)
reset() {
  case $1 in
    rbuild) rm -rf "$work/rbuild-home" ;;
    buildkit)
      dk buildx prune -af >/dev/null
      dk image rm -f "$(name_of buildkit)" >/dev/null 2>&1 || true
      dk image rm -f "$base" >/dev/null 2>&1 || true ;;
    buildah)
      for d in "$work"/buildah-*; do [ -d "$d" ] && buildah_reset "$d"; done
      mkdir -p "$work/buildah-$2" ;;
  esac
}

# build_cmd BUILDER REP CONTEXT [to|from] -- the command line a CI step would run, with a
# registry cache export (to) or import (from) when asked
build_cmd() {
  local name cache_ref cache=()
  name=$(name_of "$1")
  cache_ref=$registry/bench/cache-$1-$2
  case $1 in
    rbuild)
      local out=(); [ "$output" = push ] && out=(--push)
      case ${4:-} in
        to) cache=(--cache-to "type=registry,ref=$cache_ref,mode=max") ;;
        from) cache=(--cache-from "type=registry,ref=$cache_ref") ;;
      esac
      echo env RBUILD_HOME="$work/rbuild-home" "$rbuild" build --progress=plain -t "$name" "${out[@]}" "${cache[@]}" "$3" ;;
    buildkit)
      local spec="type=image,name=$name"
      [ "$output" = push ] && spec="$spec,push=true"
      [ "$bk_output" = cacheonly ] && spec=type=cacheonly
      case ${4:-} in
        to) cache=(--cache-to "type=registry,ref=$cache_ref,mode=max,image-manifest=true,oci-mediatypes=true") ;;
        from) cache=(--cache-from "type=registry,ref=$cache_ref") ;;
      esac
      echo env DOCKER_HOST="$RBUILD_TEST_BUILDKIT_HOST" DOCKER_CONFIG="$RBUILD_TEST_DOCKER_CONFIG" \
        "$RBUILD_TEST_DOCKER" buildx build --builder default --progress=plain \
        --output "$spec" "${cache[@]}" "$3" ;;
    buildah)
      local d=$work/buildah-$2 b
      b="buildah --root $d/root --runroot $d/runroot --storage-driver overlay"
      case ${4:-} in
        to) cache=(--cache-to "$cache_ref") ;;
        from) cache=(--cache-from "$cache_ref") ;;
      esac
      if [ "$output" = push ]; then
        echo sh -c "'$b bud --layers --isolation $isolation --tls-verify=false ${cache[*]} -t $name $3 && $b push --tls-verify=false $name docker://$name'"
      else
        echo "$b" bud --layers --isolation "$isolation" --tls-verify=false "${cache[@]}" -t "$name" "$3"
      fi ;;
  esac
}

# cached_steps BUILDER LOG -- how many steps the builder reported as taken from its cache
cached_steps() {
  case $1 in
    rbuild | buildkit) grep -cE '^#[0-9]+ CACHED' "$2" || true ;;
    buildah) grep -c -- '--> Using cache' "$2" || true ;;
  esac
}

results=$work/results.tsv
printf 'rep\tbuilder\tscenario\twall_s\tmax_rss_kb\tcached_steps\n' > "$results"

# measure BUILDER SCENARIO REP CONTEXT [to|from] -- one timed build; appends a row to results.tsv
measure() {
  local b=$1 s=$2 rep=$3 ctx=$4 id=$1.$2.$3 t0 t1 cmd wall rss
  cmd=$(build_cmd "$b" "$rep" "$ctx" "${5:-}")
  t0=$(date +%s%N)
  if ! eval "/usr/bin/time -v -o '$work/time.$id' $cmd" >"$work/log.$id" 2>&1; then
    tail -n 30 "$work/log.$id" >&2
    die "$b $s (repeat $rep) failed: $cmd"
  fi
  t1=$(date +%s%N)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  rss=$(awk '/Maximum resident set size/ { print $NF }' "$work/time.$id")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$b" "$s" "$wall" "$rss" "$(cached_steps "$b" "$work/log.$id")" >> "$results"
  log "$(printf '%-8s %-7s #%s %7.2fs  %s cached' "$b" "$s" "$rep" "$wall" "$(cached_steps "$b" "$work/log.$id")")"
}

log "corpus $corpus ($(find "$corpus" -type f | wc -l) files), output=$output, $repeats repeats, builders: $builders"
log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq "$repeats"); do
  for b in $builders; do
    ctx=$work/ctx-$b-$rep
    cp -a "$corpus" "$ctx"
    reset "$b" "$rep"
    measure "$b" cold "$rep" "$ctx"
    measure "$b" noop "$rep" "$ctx"
    echo "/* changed by bench/side-by-side.sh, repeat $rep */" >> "$ctx/$change"
    measure "$b" changed "$rep" "$ctx"
    rm -rf "$ctx"
    if [ "${BENCH_REMOTE:-1}" = 1 ]; then
      cp -a "$corpus" "$ctx"
      reset "$b" "$rep"
      measure "$b" export "$rep" "$ctx" to
      reset "$b" "$rep"
      measure "$b" remote "$rep" "$ctx" from
      rm -rf "$ctx"
    fi
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
if [[ " $builders " == *" buildkit "* ]]; then dk image rm -f "$(name_of buildkit)" >/dev/null 2>&1 || true; fi
mkdir -p /var/tmp/rbuild-bench
cp "$results" /var/tmp/rbuild-bench/side-by-side-last.tsv

median() { # builder scenario -> median wall seconds ("-" when not measured)
  awk -F'\t' -v b="$1" -v s="$2" 'NR > 1 && $2 == b && $3 == s { print $4 }' "$results" | sort -g \
    | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
all() { # builder scenario -> every sample
  awk -F'\t' -v b="$1" -v s="$2" 'NR > 1 && $2 == b && $3 == s { printf "%s%.2f", sep, $4; sep = " " }' "$results"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v bar="$2" 'BEGIN { if (r == "-" || bar == "-") print "-"; else if (r + 0 <= bar + 0) print "PASS"; else print "FAIL" }'; }

echo
echo "corpus: $corpus ($(find "$corpus" -type f | wc -l) files); output: $output (BuildKit $bk_output); $repeats repeats (median); $(nproc) cores; load $load_after"
echo "rbuild $(git -C "$repo_root" rev-parse --short HEAD) (release); $(dk version --format 'Docker {{.Server.Version}}' 2>/dev/null || echo 'Docker -'), $(dk buildx version 2>/dev/null | cut -d' ' -f1,2 || true); buildah $(buildah version 2>/dev/null | awk '/^Version:/{print $2}') --isolation $isolation"
printf '%-8s %9s %10s %9s %10s %10s %8s %6s\n' scenario "rbuild s" "BuildKit s" "Buildah s" "rb/BK" "rb/Buildah" "bar" result
scenarios="cold noop changed"
[ "${BENCH_REMOTE:-1}" = 1 ] && scenarios="$scenarios export remote"
for s in $scenarios; do
  case $s in cold) bar=1.05 ;; noop) bar=0.25 ;; changed) bar=0.70 ;; export) bar=- ;; remote) bar=0.30 ;; esac
  r=$(median rbuild "$s"); k=$(median buildkit "$s"); h=$(median buildah "$s")
  rk=$(ratio "$r" "$k"); rh=$(ratio "$r" "$h")
  result=$(verdict "$rk" "$bar")
  # remote has a second bar: rbuild/Buildah <= 0.1
  if [ "$s" = remote ] && [ "$result" = PASS ] && [ "$(verdict "$rh" 0.10)" = FAIL ]; then result=FAIL; fi
  [ "$s" = remote ] && bar="0.3/0.1"
  printf '%-8s %9s %10s %9s %10s %10s %8s %6s\n' "$s" "$r" "$k" "$h" "$rk" "$rh" "<= $bar" "$result"
done
echo
for b in $builders; do
  for s in $scenarios; do
    printf '  %-8s %-7s samples [%s] cached steps [%s]\n' "$b" "$s" "$(all "$b" "$s")" \
      "$(awk -F'\t' -v b="$b" -v s="$s" 'NR > 1 && $2 == b && $3 == s { printf "%s%s", sep, $6; sep = " " }' "$results")"
  done
done
if [[ " $builders " == *" rbuild "* ]]; then
  for s in cold noop changed; do
    printf 'rbuild peak RSS %-7s %6d MB (max over repeats, largest process of the tree)\n' "$s" \
      "$(awk -F'\t' -v s="$s" 'NR > 1 && $2 == "rbuild" && $3 == s && $5 > m { m = $5 } END { print int(m / 1024) }' "$results")"
  done
fi
echo "samples: /var/tmp/rbuild-bench/side-by-side-last.tsv"
