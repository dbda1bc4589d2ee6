#!/usr/bin/env bash
# rbuild, BuildKit and Buildah side by side on one corpus, CI-shaped (issue 17): every build
# pushes its image (BENCH_OUTPUT=push, the default), and the scenarios are what a CI job meets.
# Per builder and repeat:
#   cold            empty caches: rbuild a fresh RBUILD_HOME; BuildKit `docker buildx prune -af`
#                   and the base image's and the bench's tags removed from the daemon; Buildah a
#                   fresh storage root and a fresh TMPDIR (its RUN --mount=type=cache directories)
#   noop            unchanged, same machine: the same build again
#   changed         one file edited, same machine: a comment line appended to $BENCH_CHANGE
#   export          (no goal) empty caches again, the unchanged corpus built with a registry
#                   cache export: rbuild `--cache-to type=registry,ref=R/bench/cache-rbuild-N,
#                   mode=max` (plus `mount-caches=true` when the Dockerfile has RUN
#                   --mount=type=cache), BuildKit `--cache-to type=registry,ref=...,mode=max,
#                   image-manifest=true,oci-mediatypes=true`, Buildah `bud --layers --cache-to
#                   R/bench/cache-buildah-N` (neither exports cache mounts: they cannot)
#   remote          fresh runner, unchanged: every local cache emptied again (rbuild's state dir,
#                   BuildKit's cache and images, Buildah's storage and cache dirs), the same build
#                   with `--cache-from` that registry cache only (rbuild: `mount-caches=true` too)
#   remote-changed  fresh runner, one file edited: every local cache emptied again, as for
#                   remote, $BENCH_CHANGE edited on top of the unchanged corpus that was
#                   exported, the build with `--cache-from` the same registry cache only
# For the remote scenarios (export included) rbuild also writes `--metadata-file` into the work
# dir; after the table the script prints its `rbuild.materialize` (per stage: layers made
# present, download_bytes, download_seconds, seconds), its mount-cache restores and its cache
# downloads for every remote-changed build.
# Each scenario runs REPEATS times (default 3; a repeat is every scenario for every builder in
# turn, so machine noise spreads over all of them); the table shows medians, the ratios
# rbuild/BuildKit and rbuild/Buildah, the goals of issue 17 (rbuild/BuildKit <= 1.0 in every
# scenario; remote-changed <= 0.5 on corpus/python, <= 0.15 on corpus/rust) with pass/FAIL,
# and rbuild's peak RSS. Never asserts: timings depend on the machine.
#
# Corpora (BENCH_CORPUS; BENCH_CHANGE defaults by the corpus directory's name):
#   bench/corpus/multistage  busybox, no network (BENCH_CHANGE src/core/hash.c)
#   bench/corpus/python      debian:bookworm-slim, apt, venv + local package, gcc C extension,
#                            unittest, pydoc (BENCH_CHANGE src/app/core.py)
#   bench/corpus/rust        debian:bookworm-slim, apt rustc-web/cargo-web, crates.io
#                            dependencies, cargo build with RUN --mount=type=cache for the
#                            registry and target dirs (BENCH_CHANGE src/main.rs)
# A corpus whose Dockerfile declares `ARG APT_PROXY` runs apt through a local apt-cacher-ng
# (installed with apt when missing, /etc/apt-cacher-ng/backends_debian set to deb.debian.org,
# started on 127.0.0.1:3142, checked), passed as --build-arg APT_PROXY to every builder, and is
# built on the host network by every builder (BuildKit and Buildah `--network host`; rbuild's
# RUN uses the host network already) so that RUN reaches 127.0.0.1:3142. A Dockerfile naming
# host-ca.crt gets the host's CA bundle (/etc/ssl/certs/ca-certificates.crt) copied into the
# context as host-ca.crt (HTTPS from RUN may pass a TLS-inspecting proxy).
# Every builder pulls the base image from the local registry: --build-arg BASE= the corpus's
# `ARG BASE` default with its registry replaced by RBUILD_TEST_REGISTRY (or BENCH_BASE).
#
# What is timed: the whole client process, as a CI step would run it, under /usr/bin/time -v:
#   rbuild    `rbuild build --progress=plain -t NAME [--push] --build-arg BASE=... CONTEXT`
#             (release build; with BENCH_OUTPUT=local no output: the image stays in rbuild's
#             state, its default without --push/-o)
#   BuildKit  `docker buildx build --builder default --progress=plain --output
#             type=image,name=NAME[,push=true] --build-arg BASE=... CONTEXT` against Docker 26.1
#             + buildx 0.13 (docker driver, containerd image store; the image lands in the
#             daemon's image store, BuildKit's cache is the daemon's local one; the daemon's own
#             CPU time is in the wall time, not in the client's RSS); BENCH_BUILDKIT_OUTPUT=
#             cacheonly builds without exporting (only with BENCH_OUTPUT=local)
#   Buildah   `TMPDIR=D/tmp buildah --root D/root --runroot D/runroot --storage-driver overlay bud
#             --layers --isolation oci --tls-verify=false --build-arg BASE=... -t NAME CONTEXT`
#             (runc, as rbuild and BuildKit; the image is committed to Buildah's local storage;
#             TMPDIR holds its cache-mount dirs, so a fresh runner has none), then with push
#             `buildah push`, timed together
# With BENCH_OUTPUT=push (the default) every builder pushes to its own repository
# 127.0.0.1:5000/bench/side-by-side-<builder> (rbuild --push, buildx type=image,push=true,
# buildah bud + buildah push); BENCH_OUTPUT=local keeps the images local, as before.
# BuildKit's content store may still hold the base image's layer blobs before a cold build when
# another image of the shared daemon uses them.
#
# Multi-platform (issue 21): BENCH_PLATFORMS=linux/amd64,linux/arm64 passes --platform to rbuild
# and BuildKit (Buildah is left out: it needs --manifest for several); both push one index.
# BENCH_DOCKERFILE names the corpus's Dockerfile to build (default Dockerfile), e.g.
# Dockerfile.cross of corpus/multistage: its compile stages run on $BUILDPLATFORM (the shared
# deps stage once for both platforms), the test and final stages on the target (QEMU for arm64).
# RBUILD_BIN: a release binary built beforehand (default: cargo build --release here).
#
# Usage: bench/side-by-side.sh [REPEATS]
#   BENCH_CORPUS=bench/corpus/python bench/side-by-side.sh 3
#   BENCH_CORPUS=bench/corpus/rust bench/side-by-side.sh 3
# Env:   BENCH_BUILDERS ("rbuild buildkit buildah"), BENCH_OUTPUT (push|local; push),
#        BENCH_CORPUS (bench/corpus/multistage), BENCH_CHANGE (per corpus, see above),
#        BENCH_BASE (the corpus's base image in RBUILD_TEST_REGISTRY),
#        BENCH_APT_PROXY (http://127.0.0.1:3142, the local apt-cacher-ng this script manages;
#        set it to use another proxy, which the script then leaves alone),
#        BENCH_REMOTE (1: export, remote and remote-changed too; 0: cold, noop, changed only),
#        BENCH_BUILDAH_ISOLATION (oci), BENCH_BUILDKIT_OUTPUT (image|cacheonly; only with
#        BENCH_OUTPUT=local), BENCH_KEEP=1 (keep the work dir with every build's log, time -v
#        output and rbuild's metadata files; BENCH_KEEP=all keeps the state dirs and contexts
#        too), RBUILD_TEST_REGISTRY (127.0.0.1:5000)
# Needs root on Debian bookworm: starts the test registry (scripts/peers.sh) and Docker 26
# (scripts/buildkit.sh) if they are not running (never stops them: they are shared), installs
# buildah, runc, time and (apt corpora) apt-cacher-ng with apt when missing; starts
# apt-cacher-ng and leaves it running (its cache in /var/cache/apt-cacher-ng makes later runs'
# apt independent of the mirror's speed).
# Side effects on the shared Docker 26 daemon: `docker buildx prune -af` before each cold and
# fresh-runner build (its whole build cache, cache mounts included), removal of the bench's own
# tag and of the base image's tag; no other image is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root=$PWD
repeats=${1:-3}
builders=${BENCH_BUILDERS:-rbuild buildkit buildah}
output=${BENCH_OUTPUT:-push}
corpus=${BENCH_CORPUS:-bench/corpus/multistage}
corpus=${corpus%/}
corpus_name=$(basename "$corpus")
dockerfile=${BENCH_DOCKERFILE:-Dockerfile}
platforms=${BENCH_PLATFORMS:-}
case $corpus_name in
  python) default_change=src/app/core.py ;;
  rust) default_change=src/main.rs ;;
  *) default_change=src/core/hash.c ;;
esac
change=${BENCH_CHANGE:-$default_change}
isolation=${BENCH_BUILDAH_ISOLATION:-oci}
bk_output=${BENCH_BUILDKIT_OUTPUT:-image}
registry=${RBUILD_TEST_REGISTRY:-127.0.0.1:5000}
remote=${BENCH_REMOTE:-1}
case $output in local | push) ;; *) echo "BENCH_OUTPUT must be local or push" >&2; exit 2 ;; esac
case $bk_output in image | cacheonly) ;; *) echo "BENCH_BUILDKIT_OUTPUT must be image or cacheonly" >&2; exit 2 ;; esac
[ "$output" = push ] && bk_output=image
[ -f "$corpus/$dockerfile" ] || { echo "no $corpus/$dockerfile" >&2; exit 2; }
if [ -n "$platforms" ] && [[ " $builders " == *" buildah "* ]]; then
  echo "BENCH_PLATFORMS: set BENCH_BUILDERS='rbuild buildkit' (Buildah needs --manifest for several platforms)" >&2; exit 2
fi
[ -f "$corpus/$change" ] || { echo "no $corpus/$change to change" >&2; exit 2; }

# What the corpus's Dockerfile asks for
base_default=$(sed -n 's/^ARG BASE=//p' "$corpus/$dockerfile" | head -n 1)
base=${BENCH_BASE:-}
[ -z "$base" ] && [ -n "$base_default" ] && base=$registry/${base_default#*/}
uses_apt=0 mount_caches=0 needs_ca=0
grep -q '^ARG APT_PROXY' "$corpus/$dockerfile" && uses_apt=1
grep -q -- '--mount=type=cache' "$corpus/$dockerfile" && mount_caches=1
grep -q 'host-ca\.crt' "$corpus/$dockerfile" && needs_ca=1
apt_proxy=${BENCH_APT_PROXY:-http://127.0.0.1:3142}
# build args every builder gets, and the network BuildKit's and Buildah's RUN steps use
build_args=()
[ -n "$base" ] && build_args+=(--build-arg "BASE=$base")
[ $uses_apt = 1 ] && build_args+=(--build-arg "APT_PROXY=$apt_proxy")
# the Dockerfile (relative to each context copy) and the platforms, for rbuild and BuildKit
[ "$dockerfile" != Dockerfile ] && build_args+=(--file "@CTX@/$dockerfile")
[ -n "$platforms" ] && build_args+=(--platform "$platforms")
net_args=()
[ $uses_apt = 1 ] && net_args=(--network host)

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

# apt_proxy_start -- apt-cacher-ng on 127.0.0.1:3142 with deb.debian.org as its Debian backend
# (an empty backends_debian makes it answer 503 to every Debian request; security.debian.org and
# deb.debian.org/debian-security are remapped by acng.conf's own Remap-secdeb line), started
# when it does not answer, checked with one Release file through it
apt_proxy_start() {
  local conf=/etc/apt-cacher-ng changed=0 code
  apt_install apt-cacher-ng curl
  if [ "$(cat "$conf/backends_debian" 2>/dev/null)" != "http://deb.debian.org/debian/" ]; then
    echo "http://deb.debian.org/debian/" > "$conf/backends_debian"; changed=1
  fi
  if [ "$(cat "$conf/zzz_rbuild_bench.conf" 2>/dev/null)" != "$(printf 'BindAddress: 127.0.0.1\nPort: 3142')" ]; then
    printf 'BindAddress: 127.0.0.1\nPort: 3142\n' > "$conf/zzz_rbuild_bench.conf"; changed=1
  fi
  if curl -s -o /dev/null --max-time 5 http://127.0.0.1:3142/acng-report.html; then
    if [ $changed = 1 ]; then log "apt-cacher-ng: configuration changed, restarting"; /etc/init.d/apt-cacher-ng restart >/dev/null; fi
  else
    log "apt-cacher-ng: starting on 127.0.0.1:3142"
    /etc/init.d/apt-cacher-ng start >/dev/null
  fi
  for _ in $(seq 50); do
    curl -s -o /dev/null --max-time 2 http://127.0.0.1:3142/acng-report.html && break
    sleep 0.2
  done
  code=$(curl -s -x http://127.0.0.1:3142 -o /dev/null --max-time 60 -w '%{http_code}' \
    http://deb.debian.org/debian/dists/bookworm/Release || true)
  [ "$code" = 200 ] || die "apt-cacher-ng on 127.0.0.1:3142 answered $code for bookworm's Release (see /var/log/apt-cacher-ng)"
  log "apt-cacher-ng answers on 127.0.0.1:3142 (cache /var/cache/apt-cacher-ng)"
}
if [ $uses_apt = 1 ] && [ -z "${BENCH_APT_PROXY:-}" ]; then apt_proxy_start; fi

if [ -n "${RBUILD_BIN:-}" ]; then
  rbuild=$RBUILD_BIN
else
  log "cargo build --release"
  cargo build --release --quiet --bin rbuild
  rbuild=$repo_root/target/release/rbuild
fi

work=$(mktemp -d /var/tmp/rbuild-bench/side-by-side.XXXXXX)
cleanup() {
  local d
  for d in "$work"/buildah-*; do [ -d "$d" ] && buildah_reset "$d"; done
  umount_under "$work"
  case ${BENCH_KEEP:-0} in
    # The logs, times and metadata only: a run's state dirs and contexts are ~900 MB, and
    # kept runs filled the disk once.
    1) rm -rf "$work"/rbuild-home "$work"/ctx-*; log "kept $work (logs, times, metadata)" ;;
    all) log "kept $work (everything)" ;;
    *) rm -rf "$work" ;;
  esac
}
trap cleanup EXIT

dk() { DOCKER_HOST=$RBUILD_TEST_BUILDKIT_HOST DOCKER_CONFIG=$RBUILD_TEST_DOCKER_CONFIG "$RBUILD_TEST_DOCKER" "$@"; }
bah() { local d=$1; shift; TMPDIR=$d/tmp buildah --root "$d/root" --runroot "$d/runroot" --storage-driver overlay "$@"; }
buildah_reset() { # dir -- drops a Buildah storage (containers, images, mounts, files, cache dirs)
  bah "$1" rm -a >/dev/null 2>&1 || true
  bah "$1" rmi -a -f >/dev/null 2>&1 || true
  umount_under "$1"
  rm -rf "$1"
}

name_of() { # builder -> the image name it builds
  if [ "$output" = push ]; then echo "$registry/bench/side-by-side-$1:latest"; else echo "bench/side-by-side-$1:latest"; fi
}

# reset BUILDER REP -- empties BUILDER's caches (not timed): what a fresh runner starts with
reset() {
  case $1 in
    rbuild) rm -rf "$work/rbuild-home" ;;
    buildkit)
      dk buildx prune -af >/dev/null
      dk image rm -f "$(name_of buildkit)" >/dev/null 2>&1 || true
      if [ -n "$base" ]; then dk image rm -f "$base" >/dev/null 2>&1 || true; fi ;;
    buildah)
      for d in "$work"/buildah-*; do [ -d "$d" ] && buildah_reset "$d"; done
      mkdir -p "$work/buildah-$2/tmp" ;;
  esac
  fresh_page_cache
}

# fresh_page_cache -- what a fresh runner's kernel starts with: nothing dirty, nothing cached.
# Needed on machines whose root file system is ext4 without a journal (these lab VMs: no
# journal_task in /sys/fs/ext4/*/): there ext4's inode allocator skips every inode deleted in the
# last 60 s (300 s while its inode-table block is dirty) whose block is still in the buffer cache
# (ialloc.c, recently_deleted), one buffer lookup per skipped inode and per new file. A build that
# starts right after `reset` deleted a state dir of tens of thousands of files then spends seconds
# of system time creating its own (perf: 40% of the build in find_get_block_common under
# ext4_create); by how much depends on how many inodes the last cleanup freed, so it punished
# whichever builder came next, by 1-2 s per fresh-runner build. Journaled ext4 (GitHub's and
# CodeBuild's runners) never does this scan. Every builder gets the same clean slate.
fresh_page_cache() {
  sync
  echo 1 > /proc/sys/vm/drop_caches
}

# make_ctx DIR -- a fresh copy of the corpus (with the host's CA bundle when the Dockerfile
# wants it)
make_ctx() {
  rm -rf "$1"
  cp -a "$corpus" "$1"
  if [ $needs_ca = 1 ]; then cp --preserve=mode,timestamps /etc/ssl/certs/ca-certificates.crt "$1/host-ca.crt"; fi
}

# edit CTX REP -- one file edited: a comment line appended to $change, in its language
edit() {
  case $change in
    *.py | *.sh | *.toml | *.txt | *.yaml | *.yml | *Dockerfile) echo "# changed by bench/side-by-side.sh, repeat $2" >> "$1/$change" ;;
    *) echo "/* changed by bench/side-by-side.sh, repeat $2 */" >> "$1/$change" ;;
  esac
}

# build_cmd BUILDER REP CONTEXT [to|from] SCENARIO -- the command line a CI step would run,
# with a registry cache export (to) or import (from) when asked
build_cmd() {
  local name cache_ref cache=() build_args=("${build_args[@]//@CTX@/$3}")
  name=$(name_of "$1")
  cache_ref=$registry/bench/cache-$1-$2
  case $1 in
    rbuild)
      local out=() meta=() mc=""
      [ "$output" = push ] && out=(--push)
      [ $mount_caches = 1 ] && mc=",mount-caches=true"
      case ${4:-} in
        to) cache=(--cache-to "type=registry,ref=$cache_ref,mode=max$mc") ;;
        from) cache=(--cache-from "type=registry,ref=$cache_ref$mc") ;;
      esac
      [ -n "${4:-}" ] && meta=(--metadata-file "$work/meta.rbuild.$5.$2.json")
      echo env RBUILD_HOME="$work/rbuild-home" "$rbuild" build --progress=plain -t "$name" "${out[@]}" \
        "${build_args[@]}" "${cache[@]}" "${meta[@]}" "$3" ;;
    buildkit)
      local spec="type=image,name=$name"
      [ "$output" = push ] && spec="$spec,push=true"
      [ "$bk_output" = cacheonly ] && spec=type=cacheonly
      case ${4:-} in
        to) cache=(--cache-to "type=registry,ref=$cache_ref,mode=max,image-manifest=true,oci-mediatypes=true") ;;
        from) cache=(--cache-from "type=registry,ref=$cache_ref") ;;
      esac
      echo env DOCKER_HOST="$RBUILD_TEST_BUILDKIT_HOST" DOCKER_CONFIG="$RBUILD_TEST_DOCKER_CONFIG" \
        "$RBUILD_TEST_DOCKER" buildx build --builder default --progress=plain "${net_args[@]}" \
        --output "$spec" "${build_args[@]}" "${cache[@]}" "$3" ;;
    buildah)
      local d=$work/buildah-$2 b
      b="env TMPDIR=$d/tmp buildah --root $d/root --runroot $d/runroot --storage-driver overlay"
      case ${4:-} in
        to) cache=(--cache-to "$cache_ref") ;;
        from) cache=(--cache-from "$cache_ref") ;;
      esac
      if [ "$output" = push ]; then
        echo sh -c "'$b bud --layers --isolation $isolation --tls-verify=false ${net_args[*]} ${build_args[*]} ${cache[*]} -t $name $3 && $b push --tls-verify=false $name docker://$name'"
      else
        echo "$b" bud --layers --isolation "$isolation" --tls-verify=false "${net_args[@]}" "${build_args[@]}" "${cache[@]}" -t "$name" "$3"
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
  cmd=$(build_cmd "$b" "$rep" "$ctx" "${5:-}" "$s")
  # No build inherits the writeback of the one before (a CI runner starts with none): without
  # this, the gigabytes the last build or cleanup wrote slow whichever builder comes next.
  sync
  t0=$(date +%s%N)
  if ! eval "/usr/bin/time -v -o '$work/time.$id' $cmd" >"$work/log.$id" 2>&1; then
    tail -n 30 "$work/log.$id" >&2
    die "$b $s (repeat $rep) failed: $cmd"
  fi
  t1=$(date +%s%N)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  rss=$(awk '/Maximum resident set size/ { print $NF }' "$work/time.$id")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$b" "$s" "$wall" "$rss" "$(cached_steps "$b" "$work/log.$id")" >> "$results"
  log "$(printf '%-8s %-14s #%s %7.2fs  %s cached' "$b" "$s" "$rep" "$wall" "$(cached_steps "$b" "$work/log.$id")")"
}

log "corpus $corpus ($(find "$corpus" -type f | wc -l) files), change $change, base ${base:-(none)}, output=$output, $repeats repeats, builders: $builders"
[ $uses_apt = 1 ] && log "apt through $apt_proxy, BuildKit and Buildah on the host network"
[ $mount_caches = 1 ] && log "RUN --mount=type=cache in the Dockerfile: rbuild's registry cache specs add mount-caches=true"
log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq "$repeats"); do
  for b in $builders; do
    ctx=$work/ctx-$b-$rep
    make_ctx "$ctx"
    reset "$b" "$rep"
    measure "$b" cold "$rep" "$ctx"
    measure "$b" noop "$rep" "$ctx"
    edit "$ctx" "$rep"
    measure "$b" changed "$rep" "$ctx"
    rm -rf "$ctx"
    if [ "$remote" = 1 ]; then
      make_ctx "$ctx"
      reset "$b" "$rep"
      measure "$b" export "$rep" "$ctx" to
      reset "$b" "$rep"
      measure "$b" remote "$rep" "$ctx" from
      reset "$b" "$rep"
      edit "$ctx" "$rep"
      measure "$b" remote-changed "$rep" "$ctx" from
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
verdict() { awk -v r="$1" -v goal="$2" 'BEGIN { if (r == "-" || goal == "-") print "-"; else if (r + 0 <= goal + 0) print "pass"; else print "FAIL" }'; }
label_of() { # scenario -> its row in the table
  case $1 in
    cold) echo "cold" ;;
    noop) echo "unchanged, same machine (noop)" ;;
    changed) echo "one file edited, same machine (changed)" ;;
    remote) echo "fresh runner, unchanged (remote)" ;;
    remote-changed) echo "fresh runner, one file edited (remote-changed)" ;;
  esac
}
goal_of() { # scenario -> the issue's goal for rbuild/BuildKit
  case $1:$corpus_name in
    remote-changed:python) echo 0.5 ;;
    remote-changed:rust) echo 0.15 ;;
    *) echo 1.0 ;;
  esac
}

echo
echo "corpus: $corpus ($(find "$corpus" -type f | wc -l) files, change $change, base ${base:-none}); output: $output (BuildKit $bk_output); $repeats repeats (median); $(nproc) cores; load $load_after"
echo "rbuild $(git -C "$repo_root" rev-parse --short HEAD) (release$([ $mount_caches = 1 ] && echo ', mount-caches=true')); $(dk version --format 'Docker {{.Server.Version}}' 2>/dev/null || echo 'Docker -'), $(dk buildx version 2>/dev/null | cut -d' ' -f1,2 || true); buildah $(buildah version 2>/dev/null | awk '/^Version:/{print $2}') --isolation $isolation$([ $uses_apt = 1 ] && echo "; apt via $apt_proxy, BuildKit/Buildah --network host")"
fmt='%-46s %9s %10s %9s %7s %10s %13s %6s\n'
# shellcheck disable=SC2059
printf "$fmt" scenario "rbuild s" "BuildKit s" "Buildah s" "rb/BK" "rb/Buildah" "goal (rb/BK)" result
scenarios="cold noop changed"
[ "$remote" = 1 ] && scenarios="$scenarios remote remote-changed"
for s in $scenarios; do
  goal=$(goal_of "$s")
  r=$(median rbuild "$s"); k=$(median buildkit "$s"); h=$(median buildah "$s")
  rk=$(ratio "$r" "$k"); rh=$(ratio "$r" "$h")
  # shellcheck disable=SC2059
  printf "$fmt" "$(label_of "$s")" "$r" "$k" "$h" "$rk" "$rh" "<= $goal" "$(verdict "$rk" "$goal")"
done
if [ "$remote" = 1 ]; then
  printf 'registry cache export (no goal): rbuild %s s, BuildKit %s s, Buildah %s s\n' \
    "$(median rbuild export)" "$(median buildkit export)" "$(median buildah export)"
fi
echo
all_scenarios=$scenarios
[ "$remote" = 1 ] && all_scenarios="cold noop changed export remote remote-changed"
for b in $builders; do
  for s in $all_scenarios; do
    printf '  %-8s %-14s samples [%s] cached steps [%s]\n' "$b" "$s" "$(all "$b" "$s")" \
      "$(awk -F'\t' -v b="$b" -v s="$s" 'NR > 1 && $2 == b && $3 == s { printf "%s%s", sep, $6; sep = " " }' "$results")"
  done
done
if [[ " $builders " == *" rbuild "* ]]; then
  for s in $all_scenarios; do
    printf 'rbuild peak RSS %-14s %6d MB (max over repeats, largest process of the tree)\n' "$s" \
      "$(awk -F'\t' -v s="$s" 'NR > 1 && $2 == "rbuild" && $3 == s && $5 > m { m = $5 } END { print int(m / 1024) }' "$results")"
  done
  if [ "$remote" = 1 ]; then
    echo
    echo "rbuild, fresh runner, one file edited (remote-changed): --metadata-file's rbuild.materialize"
    echo "(per stage: lower layers made present, compressed bytes downloaded for them, seconds to the"
    echo "last byte, seconds to the last snapshot), mount-cache restores and cache downloads:"
    for rep in $(seq "$repeats"); do
      python3 - "$work/meta.rbuild.remote-changed.$rep.json" "$rep" <<'PY'
import json, sys

path, rep = sys.argv[1], sys.argv[2]
try:
    with open(path) as f:
        doc = json.load(f)
except (OSError, ValueError) as e:
    print(f"  #{rep} no metadata: {e}")
    sys.exit(0)
mat = doc.get("rbuild.materialize") or []
if not mat:
    print(f"  #{rep} materialize: no stage needed lower layers")
for m in mat:
    b = m.get("download_bytes", 0)
    print(f"  #{rep} materialize {str(m.get('stage')):<12} layers {m.get('layers', 0):>3}  "
          f"download_bytes {b:>11} ({b / 1e6:7.1f} MB)  download_seconds {m.get('download_seconds', 0):6.2f}  "
          f"seconds {m.get('seconds', 0):6.2f}")
mounts = doc.get("rbuild.mount-caches") or {}
for mc in (mounts.values() if isinstance(mounts, dict) else mounts):
    print(f"  #{rep} mount cache {mc.get('id')}: restored {str(mc.get('restored')).lower()}, "
          f"{mc.get('bytes_downloaded', 0) / 1e6:.1f} MB in {mc.get('chunks_downloaded', 0)} chunks, "
          f"{mc.get('restore_seconds', 0):.2f} s" + (f" ({mc['restore_error']})" if mc.get("restore_error") else ""))
caches = doc.get("rbuild.cache") or {}
for name, c in (caches.items() if isinstance(caches, dict) else enumerate(caches)):
    print(f"  #{rep} cache {name}: {c.get('download_bytes', 0) / 1e6:.1f} MB downloaded in "
          f"{c.get('blobs_downloaded', 0)} blobs, import {c.get('import_seconds', 0):.2f} s, "
          f"{c.get('requests', 0)} requests")
PY
    done
  fi
fi
echo "samples: /var/tmp/rbuild-bench/side-by-side-last.tsv"
