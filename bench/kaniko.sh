#!/usr/bin/env bash
# rbuild against Kaniko where Kaniko runs: each in a container with Docker's default security
# profile (Docker 26 of scripts/buildkit.sh; no --privileged, no --cap-add), one fresh container
# per build, so that only the remote cache carries over (as with every Kaniko run). Both push to
# the test registry with a registry cache: Kaniko `--cache=true --cache-repo R`, rbuild
# `--cache-from/--cache-to type=registry,ref=R,mode=max`. Scenarios, alternating builders run by
# run (the first builder swaps every repeat): cold (fresh cache repos), unchanged, one source
# file edited. Prints each time and the medians' ratios rbuild/Kaniko (goals of issue 20: cold
# <= 1.0, unchanged <= 0.3, edited <= 0.5).
#
# Kaniko is in no package registry: it is built here from the maintained fork's source
# (chainguard-dev/kaniko, which vendors its Go modules) found in a local git mirror
# (KANIKO_GIT, default /work/.mirror/chainguard-dev+kaniko/repo: the `fetch` tool's copy), with
# Go 1.24 unpacked from Debian trixie's .debs (checked against the signed InRelease) under
# $KANIKO_BENCH_DIR/go (default /var/tmp/rbuild-bench/kaniko); the executor is cached there per commit. Its image is laid
# out as the fork's deploy/Dockerfile (FROM scratch, /kaniko/executor, CA bundle,
# /etc/nsswitch.conf) and built by rbuild. rbuild's image is deploy/image.sh's, from the release
# binary. The corpus (default bench/corpus/python) runs apt through apt-cacher-ng on
# 127.0.0.1:3142 (bench/side-by-side.sh starts it).
# Usage: bench/kaniko.sh [REPEATS] [CORPUS_DIR]   (root; peers and buildkit started)
#   RBUILD_BIN=path   rbuild's release binary (default: cargo build --release here)
#   KANIKO_BENCH_DIR  where Go, the executor and its sources are kept
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root=$PWD
repeats=${1:-2}
corpus=${2:-bench/corpus/python}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
log() { printf '[kaniko-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

eval "$(scripts/peers.sh env)"
eval "$(scripts/buildkit.sh env)"
export DOCKER_HOST=$RBUILD_TEST_BUILDKIT_HOST
docker=("$RBUILD_TEST_DOCKER" --config "$RBUILD_TEST_DOCKER_CONFIG")
reg=$RBUILD_TEST_REGISTRY
apt_proxy=${BENCH_APT_PROXY:-http://127.0.0.1:3142}
curl -s -o /dev/null --max-time 5 "$apt_proxy/acng-report.html" \
  || die "no apt-cacher-ng at $apt_proxy (bench/side-by-side.sh starts one)"

top=${KANIKO_BENCH_DIR:-/var/tmp/rbuild-bench/kaniko}
git_dir=${KANIKO_GIT:-/work/.mirror/chainguard-dev+kaniko/repo}
[ -d "$git_dir" ] || die "no kaniko mirror at $git_dir (fetch github:chainguard-dev/kaniko)"
g=(git -c safe.directory='*' --git-dir="$git_dir")
commit=$("${g[@]}" rev-parse --verify "${KANIKO_REF:-HEAD}^{commit}")
src=$top/src-$commit
executor=$top/executor-$commit

# go_1_24 -- Go 1.24 from Debian trixie (go.mod wants >= 1.24; bookworm has 1.19), unpacked
goroot=$top/go/usr/lib/go-1.24
go_1_24() {
  [ -x "$goroot/bin/go" ] && return 0
  local m=${BENCH_DEBIAN_MIRROR:-http://deb.debian.org/debian} d=$top/debs p fn sha want
  mkdir -p "$d"
  curl -sf -o "$d/InRelease" "$m/dists/trixie/InRelease" || die "cannot fetch trixie InRelease"
  gpgv --keyring /usr/share/keyrings/debian-archive-keyring.gpg "$d/InRelease" 2>/dev/null \
    || die "trixie InRelease: bad signature"
  want=$(awk '/^SHA256:/{f=1;next} /^[A-Za-z]/{f=0} f && $3=="main/binary-amd64/Packages.xz"{print $1}' "$d/InRelease")
  curl -sf -o "$d/Packages.xz" "$m/dists/trixie/main/binary-amd64/Packages.xz"
  [ "$(sha256sum "$d/Packages.xz" | cut -d' ' -f1)" = "$want" ] || die "Packages.xz checksum"
  for p in golang-1.24-go golang-1.24-src; do
    read -r fn sha < <(xz -dc "$d/Packages.xz" | awk -v RS= -v p="$p" 'index($0, "Package: " p "\n") == 1' \
      | awk '/^Filename:/{f=$2} /^SHA256:/{s=$2} END{print f, s}')
    [ -n "$fn" ] || die "$p not in trixie"
    curl -sf -o "$d/$(basename "$fn")" "$m/$fn"
    [ "$(sha256sum "$d/$(basename "$fn")" | cut -d' ' -f1)" = "$sha" ] || die "$fn checksum"
    dpkg-deb -x "$d/$(basename "$fn")" "$top/go"
  done
  log "go: $(GOROOT=$goroot "$goroot/bin/go" version)"
}

if [ ! -x "$executor" ]; then
  go_1_24
  rm -rf "$src"; mkdir -p "$src"
  "${g[@]}" archive --format=tar "$commit" | tar -x -C "$src"
  log "go build kaniko's executor at ${commit:0:12}"
  (cd "$src" && env GOROOT="$goroot" PATH="$goroot/bin:$PATH" GOENV=off GOTOOLCHAIN=local \
    GOFLAGS=-mod=vendor GOPROXY=off GOSUMDB=off GOCACHE="$top/gocache" GOPATH="$top/gopath" \
    CGO_ENABLED=0 "$goroot/bin/go" build -ldflags "-w -s" -o "$executor.tmp" \
    github.com/chainguard-dev/kaniko/cmd/executor) || die "go build failed"
  mv "$executor.tmp" "$executor"
fi

# RBUILD_BIN: a release binary built beforehand (e.g. from a worktree at a commit), so that
# edits in this tree during the run change nothing.
if [ -n "${RBUILD_BIN:-}" ]; then
  rbuild=$RBUILD_BIN
else
  cargo build --release --quiet --bin rbuild
  rbuild=$repo_root/target/release/rbuild
fi
work=$(mktemp -d /var/tmp/rbuild-bench/kaniko-run.XXXXXX)
trap 'rm -rf "$work"' EXIT
export RBUILD_HOME=$work/state

log "images: Kaniko's (laid out as the fork's) and rbuild's, both built by rbuild"
k=$work/kaniko-image
mkdir -p "$k/kaniko/ssl/certs" "$k/kaniko/.docker" "$k/etc"
cp "$executor" "$k/kaniko/executor"
cp /etc/ssl/certs/ca-certificates.crt "$k/kaniko/ssl/certs/"
echo '{}' > "$k/kaniko/.docker/config.json"
[ -f "$src/files/nsswitch.conf" ] && cp "$src/files/nsswitch.conf" "$k/etc/" \
  || "${g[@]}" show "$commit:files/nsswitch.conf" > "$k/etc/nsswitch.conf"
cat > "$k/Dockerfile" <<'EOF'
FROM scratch
COPY kaniko/ /kaniko/
COPY etc/ /etc/
ENV HOME=/root USER=root PATH=/usr/local/bin:/kaniko SSL_CERT_DIR=/kaniko/ssl/certs \
    DOCKER_CONFIG=/kaniko/.docker/
WORKDIR /workspace
ENTRYPOINT ["/kaniko/executor"]
EOF
kimg=$reg/bench/kaniko:${commit:0:12}
"$rbuild" build --progress quiet --push -t "$kimg" "$k" >/dev/null
rimg=$reg/bench/rbuild:bench
bash deploy/image.sh "$rbuild" "$reg/bench/rbuild" bench --progress quiet >/dev/null 2>&1 \
  || die "deploy/image.sh failed"
"${docker[@]}" pull -q "$kimg" >/dev/null
"${docker[@]}" pull -q "$rimg" >/dev/null

# one BUILDER SCENARIO CTX TAG CACHE -- one build in a fresh default-profile container; its time
one() {
  local b=$1 scen=$2 ctx=$3 tag=$4 cache=$5 t0 rc=0 lg=$work/$b-$scen-$tag.log
  t0=$(date +%s.%N)
  if [ "$b" = rbuild ]; then
    "${docker[@]}" run --rm --network host -v "$ctx:/workspace" "$rimg" build --progress plain \
      --push -t "$reg/bench/app-rbuild:$tag" --build-arg "APT_PROXY=$apt_proxy" \
      --cache-from "type=registry,ref=$cache" --cache-to "type=registry,ref=$cache,mode=max" \
      /workspace >"$lg" 2>&1 || rc=$?
  else
    "${docker[@]}" run --rm --network host -v "$ctx:/workspace" "$kimg" --context dir:///workspace \
      --dockerfile /workspace/Dockerfile --destination "$reg/bench/app-kaniko:$tag" \
      --build-arg "APT_PROXY=$apt_proxy" --cache=true --cache-repo "$cache" \
      --insecure --insecure-pull --skip-tls-verify >"$lg" 2>&1 || rc=$?
  fi
  [ $rc = 0 ] || { tail -n 20 "$lg" >&2; die "$b $scen failed (log $lg)"; }
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}'
}

declare -A times
for r in $(seq "$repeats"); do
  order="rbuild kaniko"; [ $((r % 2)) = 0 ] && order="kaniko rbuild"
  tag=r$r-$(date +%s)
  for b in rbuild kaniko; do rm -rf "$work/ctx-$b"; cp -r "$corpus" "$work/ctx-$b"; done
  for scen in cold unchanged edited; do
    for b in $order; do
      ctx=$work/ctx-$b
      if [ "$scen" = edited ]; then
        f=$(find "$ctx/src" -name '*.py' | sort | head -1)
        echo "# edited $tag" >> "$f"
      fi
      t=$(one "$b" "$scen" "$ctx" "$tag" "$reg/bench/$b-cache-$tag")
      times[$b-$scen]+="$t "
      echo "repeat $r: $b $scen ${t}s"
    done
  done
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }
echo
echo "| scenario | rbuild s | Kaniko s | rbuild/Kaniko | goal |"
echo "|---|---|---|---|---|"
for scen in cold unchanged edited; do
  rb=$(median "${times[rbuild-$scen]}"); ka=$(median "${times[kaniko-$scen]}")
  goal=$(case $scen in cold) echo 1.0 ;; unchanged) echo 0.3 ;; edited) echo 0.5 ;; esac)
  echo "| $scen | $rb | $ka | $(awk -v a="$rb" -v b="$ka" 'BEGIN{printf "%.3f", a/b}') | <= $goal |"
done
