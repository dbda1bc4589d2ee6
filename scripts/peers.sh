#!/usr/bin/env bash
# The real peers rbuild's integration tests run against, on loopback (Debian bookworm, root):
# - a plain-HTTP OCI registry (Debian docker-registry = distribution 2.8, deletes enabled) at
#   127.0.0.1:${RBUILD_TEST_REGISTRY_PORT:-5000}, holding two deterministic base images built by
#   scripts/rootfs2oci.py (same packages -> same digests):
#   - library/busybox:latest: OCI image index (Docker Hub's shape), linux/amd64 and linux/arm64/v8
#     -> OCI manifest -> one gzip layer each, from Debian's busybox-static .debs (arm64's fetched
#     from the mirror's signed Packages index, no foreign dpkg architecture added);
#   - library/debian:bookworm-slim: Docker manifest list, linux/amd64 and linux/arm64/v8 -> Docker
#     v2 schema 2 manifest -> three gzip layers (everything but /usr, /usr but /usr/share,
#     /usr/share), from `debootstrap --variant=minbase bookworm` slimmed like the official -slim
#     images (arm64: `debootstrap --foreign`, the second stage under QEMU).
#   Tools the tests drive: skopeo, umoci, git (`git daemon` serves ADD's git sources).
# - QEMU user emulation for linux/arm64 and linux/arm RUN steps (multi-platform tests, rbuild's
#   and BuildKit's): Debian's qemu-user-static, its binfmt_misc handlers registered with the F
#   flag (kernel state: a reboot drops it, the next start registers it again).
# - moto_server (PyPI moto[server], in a venv under $RBUILD_PEERS_ROOT) on
#   127.0.0.1:${RBUILD_TEST_MOTO_PORT:-5001}: the AWS APIs, for ECR GetAuthorizationToken (its
#   token is fixed: user AWS, password 123456789012-auth-token; moto serves no registry API).
# - the ECR stand-in's registry: a second docker-registry, plain HTTP, empty, with htpasswd basic
#   auth (apache2-utils' htpasswd -B) accepting exactly moto's ECR token (AWS /
#   123456789012-auth-token), at 127.0.0.1:${RBUILD_TEST_AUTH_REGISTRY_PORT:-5002}: moto's token
#   plus this registry make an ECR login and push testable end to end (tests/it/codebuild.rs).
#
# Usage: scripts/peers.sh start|stop|status|env
#   start   installs what is missing with apt, starts the registries and moto, builds and pushes
#           the images; idempotent (a running registry is re-checked, an image already there is
#           not re-pushed). A fresh machine downloads ~60 MB of .debs for debootstrap (amd64 and
#           arm64) and runs arm64's second stage under QEMU (about 3-4 minutes in all); reruns take
#           seconds (the debootstrap tarballs and the OCI layouts are cached).
#   stop    stops moto and the registries by their recorded PIDs
#   status  exit 0 when the registries and moto run and answer
#   env     prints the variables the tests read (eval "$(scripts/peers.sh env)")
# State: $RBUILD_PEERS_ROOT (default /var/tmp/rbuild-peers): run/*.pid, logs/*.log, registry and
# registry-auth (config, htpasswd, data), cache/ (busybox .deb, debootstrap tarball, debian OCI
# layout), oci/busybox, rootfs/.
#   RBUILD_DEBIAN_MIRROR=http://...  Debian mirror for debootstrap (default: the first reachable
#                                    bookworm mirror of /etc/apt/sources.list*, then deb.debian.org)
set -euo pipefail

ROOT=${RBUILD_PEERS_ROOT:-/var/tmp/rbuild-peers}
PORT=${RBUILD_TEST_REGISTRY_PORT:-5000}
ADDR=127.0.0.1:$PORT
RUN=$ROOT/run
LOGS=$ROOT/logs
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
LOG_TAG=peers ROOT_REASON="installs packages and starts registries" APT_STAMP=$ROOT/.apt-updated
# shellcheck source=scripts/lib.sh
. "$HERE/lib.sh"

# The ECR stand-in's registry: basic auth with exactly what moto's GetAuthorizationToken returns.
AUTH_PORT=${RBUILD_TEST_AUTH_REGISTRY_PORT:-5002}
AUTH_ADDR=127.0.0.1:$AUTH_PORT
ECR_USER=AWS
ECR_PASS=123456789012-auth-token

# The registries: name, address, whether it wants basic auth. The name is the PID file
# ($RUN/NAME.pid), the log ($LOGS/NAME.log) and the directory ($ROOT/NAME: config, data).
PLAIN=(registry "$ADDR" 0)
AUTH=(registry-auth "$AUTH_ADDR" 1)

registry_pid() { recorded_pid "$RUN/$1.pid"; } # name -- the recorded PID when that process is alive

answers() { curl -s -o /dev/null --max-time 2 "http://$1/v2/"; } # addr -- any HTTP answer

# http_code addr [curl args] -- the status of GET http://addr/v2/ (000 when nothing answers)
http_code() { local addr=$1; shift; curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$@" "http://$addr/v2/" || true; }

write_config() { # dir addr auth(0|1)
  local dir=$1 addr=$2 auth=$3 authblock=""
  mkdir -p "$dir/data"
  if [ "$auth" = 1 ]; then
    htpasswd -Bbn "$ECR_USER" "$ECR_PASS" > "$dir/htpasswd.new" || die "htpasswd -Bbn failed"
    mv "$dir/htpasswd.new" "$dir/htpasswd"
    authblock="auth:
  htpasswd:
    realm: rbuild-test-ecr
    path: $dir/htpasswd"
  fi
  cat > "$dir/config.yml.new" <<CFG
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $addr
  headers:
    X-Content-Type-Options: [nosniff]
$authblock
health:
  storagedriver:
    enabled: false
CFG
  mv "$dir/config.yml.new" "$dir/config.yml"
}

# check_registry name addr auth -- GET /v2/ answers 200, or with auth 401 without credentials
# and 200 with the ECR token
check_registry() {
  local name=$1 addr=$2 auth=$3 code
  code=$(http_code "$addr")
  if [ "$auth" = 1 ]; then
    [ "$code" = 401 ] || die "$name: GET http://$addr/v2/ without credentials answered $code, not 401 (log $LOGS/$name.log)"
    code=$(http_code "$addr" -u "$ECR_USER:$ECR_PASS")
    [ "$code" = 200 ] || die "$name: GET http://$addr/v2/ as $ECR_USER answered $code, not 200 (log $LOGS/$name.log)"
  else
    [ "$code" = 200 ] || die "$name: GET http://$addr/v2/ answered $code, not 200 (log $LOGS/$name.log)"
  fi
}

start_registry() { # name addr auth(0|1)
  local name=$1 addr=$2 auth=$3 port=${2##*:} pid i
  if pid=$(registry_pid "$name"); then
    log "$name already running (pid $pid)"
  elif answers "$addr"; then
    # Not ours (e.g. the peer lab's registry on the same port): use it, never stop it.
    log "a registry not started by this script already answers on $addr; using it as $name"
    check_registry "$name" "$addr" "$auth"
    return 0
  else
    if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
      ss -Hltnp "sport = :$port" >&2 || true
      die "$addr is in use by a process that is not a registry"
    fi
    write_config "$ROOT/$name" "$addr" "$auth"
    log "starting docker-registry $name on $addr (log $LOGS/$name.log)"
    setsid /usr/bin/docker-registry serve "$ROOT/$name/config.yml" \
      >>"$LOGS/$name.log" 2>&1 </dev/null &
    echo $! > "$RUN/$name.pid"
  fi
  for i in $(seq 1 120); do
    answers "$addr" && break
    pid=$(registry_pid "$name") || { tail -n 30 "$LOGS/$name.log" >&2; die "$name exited during start-up"; }
    sleep 0.25
  done
  check_registry "$name" "$addr" "$auth"
}

stop_registry() { # name
  local name=$1 pid i
  if ! pid=$(registry_pid "$name"); then log "$name not running"; rm -f "$RUN/$name.pid"; return 0; fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$RUN/$name.pid"
}

# registry_status name addr -- one line; exit 3 when it neither runs nor answers
registry_status() {
  local pid
  if pid=$(registry_pid "$1"); then echo "$1: running (pid $pid) on $2"
  elif answers "$2"; then echo "$1: a registry not started by peers.sh answers on $2"
  else echo "$1: stopped"; return 3; fi
}

# busybox_deb -- path of the candidate busybox-static .deb, downloaded once per version
busybox_deb() {
  local ver f
  ver=$(apt-cache policy busybox-static | awk '/Candidate:/{print $2}')
  if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then apt_update; ver=$(apt-cache policy busybox-static | awk '/Candidate:/{print $2}'); fi
  [ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no apt candidate for busybox-static"
  mkdir -p "$ROOT/cache"
  f=$ROOT/cache/busybox-static_$(printf '%s' "$ver" | sed 's/:/%3a/')_amd64.deb
  if [ ! -s "$f" ]; then
    log "apt-get download busybox-static=$ver"
    (cd "$ROOT/cache" && apt-get download -q "busybox-static=$ver" >>"$LOGS/apt.log" 2>&1) \
      || die "apt-get download busybox-static failed (see $LOGS/apt.log)"
  fi
  echo "$f"
}

# layout_digest layout tag -- the digest the tag points to in an OCI layout ("" if none)
layout_digest() {
  [ -f "$1/index.json" ] || return 0
  "$PY" -c 'import json,sys
for m in json.load(open(sys.argv[1]+"/index.json"))["manifests"]:
    if m.get("annotations",{}).get("org.opencontainers.image.ref.name")==sys.argv[2]: print(m["digest"])' "$1" "$2"
}

# foreign_deb pkg arch -- path of bookworm's .deb of pkg for a foreign arch, fetched from the mirror's
# signed InRelease and Packages.xz (checksums checked; no dpkg --add-architecture on this machine)
foreign_deb() {
  local m d=$ROOT/cache/$2
  m=$(find_mirror)
  apt_install gpgv debian-archive-keyring xz-utils
  if [ ! -s "$d/Packages.xz" ] || [ -n "$(find "$d/Packages.xz" -mmin +1440 2>/dev/null)" ]; then
    debian_index "$m" bookworm "$2" "$d"
  fi
  debian_deb "$m" "$d" "$1"
}

# ---- QEMU user emulation: RUN steps for linux/arm64 (rbuild's multi-platform tests, BuildKit's) ----
BM=/proc/sys/fs/binfmt_misc
# ensure_binfmt -- qemu-user-static installed and its aarch64 and arm handlers registered with the F
# flag (the kernel opens the interpreter at registration, so a step's root needs no QEMU, as with
# tonistiigi/binfmt). Kernel state: a reboot drops it, the next start registers it again.
ensure_binfmt() {
  local a n conf line
  apt_install qemu-user-static
  [ -e "$BM/register" ] || mount -t binfmt_misc binfmt_misc "$BM" 2>/dev/null || true
  [ -e "$BM/register" ] || die "binfmt_misc is not available (no $BM/register): no arm64 emulation"
  for a in aarch64 arm; do
    n=qemu-$a conf=/usr/lib/binfmt.d/qemu-$a.conf
    [ -f "$conf" ] || die "$conf is missing (qemu-user-static)"
    if [ -e "$BM/$n" ] && [ "$(head -n1 "$BM/$n")" = enabled ] && grep -q '^flags:.*F' "$BM/$n"; then
      continue
    fi
    [ -e "$BM/$n" ] && echo -1 > "$BM/$n"
    line=$(grep -m1 "^:$n:" "$conf") || die "no :$n: line in $conf"
    case "${line##*:}" in *F*) ;; *) line="${line}F" ;; esac
    printf '%s' "$line" > "$BM/register" || die "registering $n in $BM failed"
    log "binfmt: registered $n from $conf"
  done
}

# busybox_arch_image arch deb layout -- busybox-static's rootfs for one arch (applet links from
# that busybox --list, run under QEMU for arm64) as the image manifest tag latest-<arch>
busybox_arch_image() {
  local arch=$1 deb=$2 layout=$3 rfs=$ROOT/rootfs/busybox-$1 x a plat=(--arch "$1")
  [ "$arch" = arm64 ] && plat+=(--variant v8) # Docker Hub's arm64 entries say v8
  log "building busybox rootfs ($arch) from $(basename "$deb")"
  x=$(mktemp -d); rm -rf "$rfs"; mkdir -p "$rfs"
  dpkg-deb -x "$deb" "$x"
  (
    cd "$rfs"
    mkdir -p bin etc root tmp var/spool/mail home dev proc sys usr/bin
    chmod 1777 tmp; chmod 700 root
    install -m 0755 "$x/bin/busybox" bin/busybox
    for a in $(bin/busybox --list); do
      [ "$a" = busybox ] || ln -sf busybox "bin/$a"
    done
    ln -sf ../../bin/env usr/bin/env
    printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > etc/passwd
    printf 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n' > etc/group
    printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' > etc/shadow; chmod 600 etc/shadow
  )
  rm -rf "$x"
  [ -L "$rfs/bin/sh" ] || die "busybox ($arch): 'busybox --list' gave no applets"
  "$PY" "$HERE/rootfs2oci.py" --rootfs "$rfs" --layout "$layout" --tag "latest-$arch" --no-index \
    "${plat[@]}" --cmd '["sh"]' --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --created-by "rbuild scripts/peers.sh: $(basename "$deb")" >/dev/null
}

# build_busybox -- library/busybox:latest as Docker Hub has it: an OCI index over linux/amd64 and
# linux/arm64/v8 (the amd64 manifest is the one the amd64-only index of earlier versions named)
build_busybox() {
  local layout=$ROOT/oci/busybox amd arm source
  amd=$(busybox_deb)
  arm=$(foreign_deb busybox-static arm64)
  source="$(basename "$amd") $(basename "$arm")"
  if [ -n "$(layout_digest "$layout" latest)" ] && [ "$(cat "$layout/.source" 2>/dev/null)" = "$source" ]; then
    return 0
  fi
  rm -rf "$layout"
  busybox_arch_image amd64 "$amd" "$layout"
  busybox_arch_image arm64 "$arm" "$layout"
  "$PY" "$HERE/rootfs2oci.py" --layout "$layout" --tag latest --merge latest-amd64 --merge latest-arm64 >/dev/null
  echo "$source" > "$layout/.source"
}

# registry_digest repo tag -- the digest the registry serves for repo:tag ("" if none)
registry_digest() {
  curl -s -o /dev/null -D - -I \
    -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$ADDR/v2/$1/manifests/$2" | tr -d '\r' \
    | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}'
}

# push_layout layout tag repo -- copies layout:tag to $ADDR/repo:tag, bytes and digests unchanged,
# unless it is already there
push_layout() {
  local layout=$1 tag=$2 repo=$3 want have
  want=$(layout_digest "$layout" "$tag")
  have=$(registry_digest "$repo" "$tag")
  if [ -n "$want" ] && [ "$want" = "$have" ]; then
    log "$ADDR/$repo:$tag already at $want"
    return 0
  fi
  log "pushing $ADDR/$repo:$tag ($want)"
  # skopeo's oci: transport ignores index.json entries with Docker media types: push those as is
  "$PY" "$HERE/layout-push.py" --layout "$layout" --tag "$tag" --to "$ADDR/$repo" >/dev/null \
    || die "pushing $layout:$tag to $ADDR/$repo failed"
  have=$(registry_digest "$repo" "$tag")
  [ "$want" = "$have" ] || die "$ADDR/$repo:$tag is at '$have' after the push, not $want"
}

# find_mirror -- a reachable Debian mirror serving bookworm (RBUILD_DEBIAN_MIRROR, else the apt
# sources of this machine, else deb.debian.org)
find_mirror() {
  if [ -n "${RBUILD_DEBIAN_MIRROR:-}" ]; then echo "${RBUILD_DEBIAN_MIRROR%/}"; return; fi
  local f u cand=()
  for f in /etc/apt/sources.list.d/*.sources; do # deb822: URIs of enabled blocks with bookworm
    [ -e "$f" ] || continue
    while read -r u; do cand+=("$u"); done < <(awk '
      BEGIN{RS=""; FS="\n"}
      { uris=""; suites=""; enabled=1
        for(i=1;i<=NF;i++){ if($i ~ /^URIs:/){sub(/^URIs:[ \t]*/,"",$i); uris=$i}
                           if($i ~ /^Suites:/){sub(/^Suites:[ \t]*/,"",$i); suites=" "$i" "}
                           if($i ~ /^Enabled:[ \t]*no/){enabled=0} }
        if(enabled && suites ~ / bookworm /){ n=split(uris,a,/[ \t]+/); for(j=1;j<=n;j++) print a[j] } }' "$f")
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do # one-line format
    [ -e "$f" ] || continue
    while read -r u; do cand+=("$u"); done < <(sed -E 's/\[[^]]*\]//' "$f" | awk '$1=="deb" && $3=="bookworm"{print $2}')
  done
  cand+=(http://deb.debian.org/debian)
  for u in "${cand[@]}"; do
    if curl -sf -o /dev/null --max-time 15 "${u%/}/dists/bookworm/Release"; then echo "${u%/}"; return; fi
    log "mirror $u: dists/bookworm/Release not reachable"
  done
  die "no reachable Debian mirror among: ${cand[*]}"
}

DEBOOTSTRAP_TGZ=debootstrap-bookworm-minbase-amd64.tgz

# debootstrap_tarball -- path of the cached `debootstrap --make-tarball` of minbase bookworm (the
# .debs, downloaded once; the peer lab's copy is reused when present)
debootstrap_tarball() {
  local t=$ROOT/cache/$DEBOOTSTRAP_TGZ lab=/var/tmp/lab/cache/$DEBOOTSTRAP_TGZ tmp mirror
  mkdir -p "$ROOT/cache"
  if [ ! -s "$t" ] && [ -s "$lab" ]; then
    log "debian: reusing the peer lab's debootstrap tarball $lab"
    cp "$lab" "$t.part" && mv "$t.part" "$t"
  fi
  if [ ! -s "$t" ]; then
    mirror=$(find_mirror)
    log "debian: debootstrap --make-tarball from $mirror (log $LOGS/debootstrap.log)"
    tmp=$(mktemp -d "$ROOT/debootstrap.XXXXXX")
    debootstrap --variant=minbase --arch=amd64 --make-tarball="$t.part" bookworm "$tmp" "$mirror" \
      >>"$LOGS/debootstrap.log" 2>&1 \
      || { tail -n 20 "$LOGS/debootstrap.log" >&2; rm -rf "$tmp" "$t.part"; die "debootstrap --make-tarball failed"; }
    mv "$t.part" "$t"; rm -rf "$tmp"
  fi
  echo "$t"
}

# slimify rootfs -- what debuerreotype-slimify and the official debian:*-slim images do, plus a
# pinned /etc/shadow date so that the same packages give the same bytes on any day.
# Every path below is "$r"-prefixed and r must be a directory under $ROOT/rootfs/.
slimify() {
  local r=${1:?} f day
  case "$r" in "$ROOT"/rootfs/?*) ;; *) die "slimify: refusing to touch '$r'" ;; esac
  [ -d "$r/etc" ] && [ -d "$r/usr/share" ] || die "slimify: '$r' is not a root filesystem"
  mkdir -p "$r/etc/dpkg/dpkg.cfg.d" "$r/etc/apt/apt.conf.d"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/linda/*' 'path-exclude /usr/share/lintian/overrides/*' \
    'path-exclude /usr/share/locale/*' 'path-exclude /usr/share/man/*' \
    > "$r/etc/dpkg/dpkg.cfg.d/docker"
  printf '%s\n' \
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";' > "$r/etc/apt/apt.conf.d/docker-clean"
  printf '%s\n' 'Acquire::Languages "none";' > "$r/etc/apt/apt.conf.d/docker-no-languages"
  printf '%s\n' 'Apt::AutoRemove::SuggestsImportant "false";' > "$r/etc/apt/apt.conf.d/docker-autoremove-suggests"
  printf '%s\n' 'APT::Install-Recommends "false";' > "$r/etc/apt/apt.conf.d/docker-no-recommends"
  find "$r/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  for f in groff info linda lintian/overrides locale man; do
    [ -d "$r/usr/share/$f" ] && find "$r/usr/share/$f" -mindepth 1 -delete
  done
  rm -rf "$r/var/lib/apt/lists/"* "$r/var/cache/apt/"*.bin "$r/var/cache/apt/archives/"*.deb \
    "$r/var/cache/apt/archives/partial/"* "$r/var/cache/ldconfig/aux-cache" \
    "$r/var/log/dpkg.log" "$r/var/log/alternatives.log" "$r/var/log/bootstrap.log" \
    "$r/var/log/apt/"* "$r/etc/resolv.conf" "$r/etc/hostname" "$r/dev/"* "$r/run/"* \
    "$r/etc/apt/sources.list"
  # /etc/shadow's "last changed" is today's day number: pin it, as debuerreotype does
  day=$(( ${SOURCE_DATE_EPOCH:-1735689600} / 86400 ))
  for f in "$r/etc/shadow" "$r/etc/shadow-"; do
    [ -f "$f" ] || continue
    awk -F: -v OFS=: -v d="$day" '$3!=""{$3=d}1' "$f" > "$f.new" && cat "$f.new" > "$f" && rm -f "$f.new"
  done
  # the image's apt sources name deb.debian.org whatever mirror built it: same image everywhere
  printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm bookworm-updates' \
    'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' '' \
    'Types: deb' 'URIs: http://deb.debian.org/debian-security' 'Suites: bookworm-security' \
    'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
    > "$r/etc/apt/sources.list.d/debian.sources"
}

DEBOOTSTRAP_ARM64_TGZ=debootstrap-bookworm-minbase-arm64.tgz

# debian_arm64_rootfs rfs -- minbase bookworm for arm64 in rfs: debootstrap --foreign from the
# cached `--make-tarball` of its .debs, then the second stage run in a chroot under QEMU (the F
# flag: the rootfs holds no qemu binary); about 2-3 minutes on 2 cores
debian_arm64_rootfs() {
  local rfs=$1 t=$ROOT/cache/$DEBOOTSTRAP_ARM64_TGZ mirror tmp
  mirror=$(find_mirror)
  if [ ! -s "$t" ]; then
    log "debian arm64: debootstrap --make-tarball from $mirror (log $LOGS/debootstrap.log)"
    tmp=$(mktemp -d "$ROOT/debootstrap.XXXXXX")
    debootstrap --variant=minbase --arch=arm64 --make-tarball="$t.part" bookworm "$tmp" "$mirror" \
      >>"$LOGS/debootstrap.log" 2>&1 \
      || { tail -n 20 "$LOGS/debootstrap.log" >&2; rm -rf "$tmp" "$t.part"; die "debootstrap --make-tarball (arm64) failed"; }
    mv "$t.part" "$t"; rm -rf "$tmp"
  fi
  log "debian arm64: debootstrap --foreign, then --second-stage under QEMU -> $rfs"
  umount_under "$rfs"
  rm -rf "$rfs"; mkdir -p "$rfs"
  debootstrap --variant=minbase --arch=arm64 --foreign --unpack-tarball="$t" bookworm "$rfs" "$mirror" \
    >>"$LOGS/debootstrap.log" 2>&1 \
    || { umount_under "$rfs"; tail -n 20 "$LOGS/debootstrap.log" >&2; die "debootstrap --foreign (arm64) failed"; }
  timeout "${RBUILD_STAGE2_TIMEOUT:-1800}" chroot "$rfs" /debootstrap/debootstrap --second-stage \
    >>"$LOGS/debootstrap.log" 2>&1 \
    || { umount_under "$rfs"; tail -n 20 "$LOGS/debootstrap.log" >&2; die "debootstrap --second-stage (arm64, QEMU) failed"; }
  umount_under "$rfs"
}

# debian_source -- what the debian layout is a function of: the debootstrap tarballs and the recipe
debian_source() {
  {
    sha256sum < "$ROOT/cache/$DEBOOTSTRAP_TGZ"
    [ -s "$ROOT/cache/$DEBOOTSTRAP_ARM64_TGZ" ] && sha256sum < "$ROOT/cache/$DEBOOTSTRAP_ARM64_TGZ"
    sha256sum < "$HERE/rootfs2oci.py"
    declare -f slimify build_debian debian_image debian_arm64_rootfs | sha256sum
  } | sha256sum | cut -d' ' -f1
}

# debian_image rfs layout tag arch... -- rfs slimmed and converted to a 3-layer Docker image
# manifest tagged tag in layout (rootfs2oci.py --arch/--variant arguments after tag)
debian_image() {
  local rfs=$1 layout=$2 tag=$3
  shift 3
  slimify "$rfs"
  log "debian: rootfs $(du -sh "$rfs" | cut -f1) ($*); converting to a 3-layer Docker image"
  "$PY" "$HERE/rootfs2oci.py" --rootfs "$rfs" --layout "$layout" --tag "$tag" --no-index "$@" \
    --cmd '["bash"]' --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --layers . usr usr/share --media-types docker \
    --created-by "rbuild scripts/peers.sh: debootstrap --variant=minbase bookworm" >/dev/null
}

# build_debian -- the debian layout in $ROOT/cache/oci-debian: bookworm-slim is a Docker manifest
# list over linux/amd64 (the manifest earlier versions pushed alone) and linux/arm64/v8, each
# three layers; rebuilt only when a debootstrap tarball or this recipe changed
build_debian() {
  local layout=$ROOT/cache/oci-debian rfs=$ROOT/rootfs/debian-bookworm tarball mirror source
  tarball=$(debootstrap_tarball)
  [ -s "$ROOT/cache/$DEBOOTSTRAP_ARM64_TGZ" ] || rm -f "$layout/.source"
  source=$(debian_source)
  if [ -n "$(layout_digest "$layout" bookworm-slim)" ] && [ "$(cat "$layout/.source" 2>/dev/null)" = "$source" ]; then
    return 0
  fi
  mirror=$(find_mirror)
  log "debian: debootstrap --variant=minbase --unpack-tarball bookworm -> $rfs"
  umount_under "$rfs"
  rm -rf "$rfs"; mkdir -p "$rfs"
  debootstrap --variant=minbase --arch=amd64 --unpack-tarball="$tarball" bookworm "$rfs" "$mirror" \
    >>"$LOGS/debootstrap.log" 2>&1 \
    || { umount_under "$rfs"; tail -n 20 "$LOGS/debootstrap.log" >&2; die "debootstrap failed"; }
  umount_under "$rfs"
  rm -rf "$layout"
  debian_image "$rfs" "$layout" bookworm-slim-amd64
  debian_arm64_rootfs "$ROOT/rootfs/debian-bookworm-arm64"
  debian_image "$ROOT/rootfs/debian-bookworm-arm64" "$layout" bookworm-slim-arm64 --arch arm64 --variant v8
  "$PY" "$HERE/rootfs2oci.py" --layout "$layout" --tag bookworm-slim \
    --merge bookworm-slim-amd64 --merge bookworm-slim-arm64 >/dev/null
  debian_source > "$layout/.source"
}

# ---- moto: AWS API mock for ECR GetAuthorizationToken (no registry API; tests of the auth code) ----

MOTO_PORT=${RBUILD_TEST_MOTO_PORT:-5001}
MOTO_ADDR=127.0.0.1:$MOTO_PORT
MOTO_VERSION=5.1.4
VENV=$ROOT/venv-moto

moto_pid() { recorded_pid "$RUN/moto.pid"; } # the recorded PID when that process is alive

moto_answers() { curl -s -o /dev/null --max-time 2 "http://$MOTO_ADDR/moto-api/"; }

# start_moto -- a venv with moto[server] (PyPI, once), moto_server on $MOTO_ADDR
start_moto() {
  local pid i
  if [ ! -x "$VENV/bin/moto_server" ] || [ "$(cat "$VENV/.moto-version" 2>/dev/null)" != "$MOTO_VERSION" ]; then
    log "moto: creating $VENV with moto[server]==$MOTO_VERSION (PyPI; log $LOGS/pip.log)"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV" >>"$LOGS/pip.log" 2>&1 || die "python3 -m venv failed (see $LOGS/pip.log)"
    "$VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" >>"$LOGS/pip.log" 2>&1 \
      || { tail -n 20 "$LOGS/pip.log" >&2; die "pip install moto[server] failed"; }
    echo "$MOTO_VERSION" > "$VENV/.moto-version"
  fi
  if pid=$(moto_pid); then
    log "moto already running (pid $pid)"
  elif moto_answers; then
    log "a moto server not started by this script already answers on $MOTO_ADDR; using it"
    return 0
  else
    if ss -Hltn "sport = :$MOTO_PORT" 2>/dev/null | grep -q .; then
      ss -Hltnp "sport = :$MOTO_PORT" >&2 || true
      die "$MOTO_ADDR is in use by a process that is not moto"
    fi
    log "starting moto_server on $MOTO_ADDR (log $LOGS/moto.log)"
    setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >>"$LOGS/moto.log" 2>&1 </dev/null &
    echo $! > "$RUN/moto.pid"
  fi
  for i in $(seq 1 120); do
    moto_answers && return 0
    moto_pid >/dev/null || { tail -n 30 "$LOGS/moto.log" >&2; die "moto exited during start-up"; }
    sleep 0.25
  done
  die "moto did not answer on $MOTO_ADDR (log $LOGS/moto.log)"
}

stop_moto() {
  local pid i
  if ! pid=$(moto_pid); then rm -f "$RUN/moto.pid"; return 0; fi
  log "stopping moto (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$RUN/moto.pid"
}

start() {
  local t0; t0=$(date +%s.%N)
  need_root
  mkdir -p "$RUN" "$LOGS"
  apt_install docker-registry apache2-utils skopeo umoci debootstrap python3 python3-venv curl ca-certificates iproute2 runc openssh-client git patchelf
  # node + npm run the real @actions/cache against the cache server (cache-server/tests/it/gha.rs);
  # a NodeSource nodejs already ships npm, so only a machine without npm gets Debian's.
  command -v npm >/dev/null || apt_install nodejs npm
  start_registry "${PLAIN[@]}"
  start_registry "${AUTH[@]}"
  ensure_binfmt
  build_busybox
  push_layout "$ROOT/oci/busybox" latest library/busybox
  build_debian
  push_layout "$ROOT/cache/oci-debian" bookworm-slim library/debian
  start_moto
  log "ready: registry http://$ADDR (data $ROOT/registry/data), $ADDR/library/busybox:latest, $ADDR/library/debian:bookworm-slim, moto http://$MOTO_ADDR, ECR stand-in registry http://$AUTH_ADDR ($ECR_USER:$ECR_PASS); took $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s"
}

case "${1:-}" in
  start) start ;;
  stop) need_root; stop_moto; stop_registry registry-auth; stop_registry registry ;;
  status)
    rc=0
    registry_status "${PLAIN[0]}" "$ADDR" || rc=3
    if pid=$(moto_pid); then echo "moto: running (pid $pid) on $MOTO_ADDR"
    elif moto_answers; then echo "moto: a server not started by peers.sh answers on $MOTO_ADDR"
    else echo "moto: stopped"; rc=3; fi
    registry_status "${AUTH[0]}" "$AUTH_ADDR" || rc=3
    exit $rc ;;
  env)
    echo "export RBUILD_TEST_REGISTRY=$ADDR"
    echo "export RBUILD_TEST_DEBIAN=$ADDR/library/debian:bookworm-slim"
    echo "export RBUILD_TEST_MOTO=http://$MOTO_ADDR"
    echo "export RBUILD_TEST_AUTH_REGISTRY=$AUTH_ADDR" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
