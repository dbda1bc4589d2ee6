#!/usr/bin/env bash
# The real peers rbuild's integration tests run against, on loopback (Debian bookworm, root):
#   a plain-HTTP OCI registry (Debian docker-registry = distribution 2.8, deletes enabled) at
#   127.0.0.1:${RBUILD_TEST_REGISTRY_PORT:-5000}, holding a deterministic base image
#   library/busybox:latest (OCI image index, linux/amd64 -> manifest -> one gzip layer built from
#   Debian's busybox-static .deb by scripts/rootfs2oci.py; same package -> same digests).
#
# Usage: scripts/peers.sh start|stop|status|env
#   start   installs what is missing with apt, starts the registry, builds and pushes the image;
#           idempotent (a running registry is re-checked, an image already there is not re-pushed)
#   stop    stops the registry by its recorded PID
#   status  exit 0 when the registry runs and answers
#   env     prints the variables the tests read (eval "$(scripts/peers.sh env)")
# State: $RBUILD_PEERS_ROOT (default /var/tmp/rbuild-peers): run/*.pid, logs/*.log, registry data,
# the cached .deb and OCI layout.
set -euo pipefail

ROOT=${RBUILD_PEERS_ROOT:-/var/tmp/rbuild-peers}
PORT=${RBUILD_TEST_REGISTRY_PORT:-5000}
ADDR=127.0.0.1:$PORT
RUN=$ROOT/run
LOGS=$ROOT/logs
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3

log() { printf '[peers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[peers %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "run as root (installs packages and starts a registry)"; }

# apt_install pkg... -- installs only what is missing; maintainer scripts may not start services.
apt_install() {
  local missing=() p rc=0 made_policy=0
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt: installing ${missing[*]}"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
  fi
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Use-Pty=0 "${missing[@]}" >>"$LOGS/apt.log" 2>&1 || rc=$?
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  if [ $rc != 0 ]; then tail -n 30 "$LOGS/apt.log" >&2; die "apt-get install ${missing[*]} failed"; fi
}

# apt_update -- once per 6 hours at most
apt_update() {
  local stamp=$ROOT/.apt-updated
  if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +360 2>/dev/null)" ]; then
    apt-get update -qq >>"$LOGS/apt.log" 2>&1 || die "apt-get update failed (see $LOGS/apt.log)"
    touch "$stamp"
  fi
}

# alive pid -- the process exists and is not a zombie
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

registry_pid() { # prints the recorded PID when that process is alive
  local f=$RUN/registry.pid pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  alive "$pid" || return 1
  echo "$pid"
}

answers() { curl -s -o /dev/null --max-time 2 "http://$ADDR/v2/"; }

write_config() {
  local dir=$ROOT/registry
  mkdir -p "$dir/data"
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
  addr: $ADDR
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: false
CFG
  mv "$dir/config.yml.new" "$dir/config.yml"
}

start_registry() {
  local pid i
  if pid=$(registry_pid); then
    log "registry already running (pid $pid)"
  elif answers; then
    # Not ours (e.g. the peer lab's registry on the same port): use it, never stop it.
    log "a registry not started by this script already answers on $ADDR; using it"
    return 0
  else
    if ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q .; then
      ss -Hltnp "sport = :$PORT" >&2 || true
      die "$ADDR is in use by a process that is not a registry"
    fi
    write_config
    log "starting docker-registry on $ADDR (log $LOGS/registry.log)"
    setsid /usr/bin/docker-registry serve "$ROOT/registry/config.yml" \
      >>"$LOGS/registry.log" 2>&1 </dev/null &
    echo $! > "$RUN/registry.pid"
  fi
  for i in $(seq 1 120); do
    answers && break
    pid=$(registry_pid) || { tail -n 30 "$LOGS/registry.log" >&2; die "registry exited during start-up"; }
    sleep 0.25
  done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/v2/")" = 200 ] \
    || die "GET http://$ADDR/v2/ did not answer 200 (log $LOGS/registry.log)"
}

stop_registry() {
  local pid i
  if ! pid=$(registry_pid); then log "registry not running"; rm -f "$RUN/registry.pid"; return 0; fi
  log "stopping registry (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$RUN/registry.pid"
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

build_busybox() {
  local deb layout=$ROOT/oci/busybox rfs=$ROOT/rootfs/busybox x a
  deb=$(busybox_deb)
  if [ -n "$(layout_digest "$layout" latest)" ] && [ "$(cat "$layout/.source" 2>/dev/null)" = "$(basename "$deb")" ]; then
    return 0
  fi
  log "building busybox rootfs from $(basename "$deb")"
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
  rm -rf "$x" "$layout"
  "$PY" "$HERE/rootfs2oci.py" --rootfs "$rfs" --layout "$layout" --tag latest --cmd '["sh"]' \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --created-by "rbuild scripts/peers.sh: $(basename "$deb")" >/dev/null
  basename "$deb" > "$layout/.source"
}

push_busybox() {
  local layout=$ROOT/oci/busybox want have
  want=$(layout_digest "$layout" latest)
  have=$(curl -s -o /dev/null -D - -I \
    -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$ADDR/v2/library/busybox/manifests/latest" | tr -d '\r' \
    | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
  if [ -n "$want" ] && [ "$want" = "$have" ]; then
    log "$ADDR/library/busybox:latest already at $want"
    return 0
  fi
  log "pushing $ADDR/library/busybox:latest ($want)"
  skopeo copy -q --all --preserve-digests --dest-tls-verify=false \
    "oci:$layout:latest" "docker://$ADDR/library/busybox:latest" >>"$LOGS/skopeo.log" 2>&1 \
    || { tail -n 20 "$LOGS/skopeo.log" >&2; die "skopeo copy failed"; }
}

start() {
  local t0; t0=$(date +%s.%N)
  need_root
  mkdir -p "$RUN" "$LOGS"
  apt_install docker-registry skopeo python3 curl ca-certificates iproute2
  start_registry
  build_busybox
  push_busybox
  log "ready: registry http://$ADDR (data $ROOT/registry/data), $ADDR/library/busybox:latest; took $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s"
}

case "${1:-}" in
  start) start ;;
  stop) need_root; stop_registry ;;
  status)
    if pid=$(registry_pid); then echo "registry: running (pid $pid) on $ADDR"
    elif answers; then echo "registry: a registry not started by peers.sh answers on $ADDR"
    else echo "registry: stopped"; exit 3; fi ;;
  env) echo "export RBUILD_TEST_REGISTRY=$ADDR" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
