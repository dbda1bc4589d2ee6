#!/usr/bin/env bash
# The BuildKit peer of rbuild's differential tests: Docker Engine 26.1.5 + docker-buildx 0.13.1
# (BuildKit 0.13, the docker driver) + containerd 1.7 from Debian *trixie* (bookworm and its
# backports have no buildx). The .debs come from the Debian mirror's trixie pool, are checked
# against the signed trixie InRelease (gpgv + debian-archive-keyring), cached, and unpacked with
# dpkg-deb -x under $RBUILD_PEERS_ROOT/docker26/root -- NOT installed: nothing in /usr changes.
# They only need libc6 >= 2.34 (bookworm has 2.36); runc comes from bookworm's runc package.
#
# Usage: scripts/buildkit.sh start|stop|restart|status|env
#   start   fetches (once) and starts the daemon; idempotent and fast when it already runs
#   stop    stops it by its recorded PID, unmounts what it left, removes its bridge and rules
#   status  exit 0 when the daemon runs and answers
#   env     prints the variables the tests read (eval "$(scripts/buildkit.sh env)"):
#             RBUILD_TEST_BUILDKIT_HOST  unix:// address of the daemon (buildx's docker driver)
#             RBUILD_TEST_DOCKER         this engine's docker CLI (the /usr/local/bin/docker of
#                                        some images is another version, without buildx)
#             RBUILD_TEST_DOCKER_CONFIG  a DOCKER_CONFIG holding the buildx plugin
#
# The daemon runs beside any other Docker (e.g. the peer lab's): its own socket, data root, exec
# root and containerd, the containerd image store ("containerd-snapshotter", which lets the docker
# driver export type=oci/docker/local and registry caches), "insecure-registries" for the test
# registry (scripts/peers.sh). Networking never touches docker0 (a daemon started with
# --bridge=none deletes docker0 even while another daemon uses it): this script creates its own
# bridge rbuild26br0 (172.29.0.1/16), runs dockerd with "iptables": false, and adds (and on stop
# removes) its own MASQUERADE/FORWARD rules tagged "rbuild-docker26", so RUN steps have network.
#
# Env: RBUILD_PEERS_ROOT (default /var/tmp/rbuild-peers), RBUILD_TEST_REGISTRY_PORT (5000),
#      RBUILD_DEBIAN_MIRROR (http://deb.debian.org/debian), RBUILD_DOCKER26_BRIDGE,
#      RBUILD_DOCKER26_CIDR (172.29.0.1/16), RBUILD_DOCKER26_SUBNET (172.29.0.0/16).
# Cost on a fresh machine: about 60 MB of .debs (cached in $RBUILD_PEERS_ROOT/cache/trixie-debs).
set -euo pipefail

PEERS=${RBUILD_PEERS_ROOT:-/var/tmp/rbuild-peers}
RUN=$PEERS/run
LOGS=$PEERS/logs
NAME=docker26
DIR=$PEERS/docker26
ROOT=$DIR/root
DEBS=$PEERS/cache/trixie-debs
SOCK=$DIR/docker.sock
REG=127.0.0.1:${RBUILD_TEST_REGISTRY_PORT:-5000}
PKGS=(docker.io docker-cli docker-buildx containerd)
DK=$ROOT/usr/bin/docker
BR=${RBUILD_DOCKER26_BRIDGE:-rbuild26br0}
BR_CIDR=${RBUILD_DOCKER26_CIDR:-172.29.0.1/16}
BR_SUBNET=${RBUILD_DOCKER26_SUBNET:-172.29.0.0/16}
TAG=rbuild-docker26
RULES=(
  "-t nat POSTROUTING -s $BR_SUBNET ! -o $BR -m comment --comment $TAG -j MASQUERADE"
  "-t filter FORWARD -i $BR -m comment --comment $TAG -j ACCEPT"
  "-t filter FORWARD -o $BR -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment $TAG -j ACCEPT"
)

LOG_TAG=buildkit ROOT_REASON="starts dockerd, creates a bridge" APT_STAMP=$PEERS/.apt-updated
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# dk args... -- this engine's docker CLI against this daemon
dk() { DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=$DIR/config "$DK" "$@"; }

daemon_pid() { recorded_pid "$RUN/$NAME.pid"; } # the recorded PID when that process is alive

answers() { dk version >/dev/null 2>&1; }

unpacked() {
  [ -x "$ROOT/usr/sbin/dockerd" ] && [ -x "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" ] \
    && [ -x "$ROOT/usr/bin/containerd" ] && [ -x "$DK" ] && [ -f "$ROOT/.complete" ]
}

# fetch -- downloads (into the cache), checks and unpacks the trixie .debs, once
fetch() {
  unpacked && return 0
  apt_install runc iptables iproute2 xz-utils gpgv debian-archive-keyring curl ca-certificates
  local m=${RBUILD_DEBIAN_MIRROR:-http://deb.debian.org/debian} p b t0
  t0=$(date +%s)
  mkdir -p "$DEBS"
  rm -rf "$ROOT"; mkdir -p "$ROOT"
  log "fetching trixie InRelease + Packages.xz from $m"
  debian_index "$m" trixie amd64 "$DEBS"
  for p in "${PKGS[@]}"; do
    b=$(debian_deb "$m" "$DEBS" "$p")
    dpkg-deb -x "$b" "$ROOT"
    log "unpacked $(basename "$b")"
  done
  touch "$ROOT/.complete"
  log "trixie docker unpacked in $ROOT in $(( $(date +%s) - t0 ))s ($(du -sh "$DEBS" | cut -f1) of .debs cached in $DEBS)"
}

setup_bridge() {
  ip link show "$BR" >/dev/null 2>&1 || ip link add name "$BR" type bridge
  ip -4 addr show dev "$BR" | grep -q "inet $BR_CIDR" || ip addr add "$BR_CIDR" dev "$BR"
  ip link set "$BR" up
  local r t c rest
  for r in "${RULES[@]}"; do
    read -r t c rest <<<"${r#-t }"
    # shellcheck disable=SC2086
    iptables -t "$t" -C "$c" $rest 2>/dev/null || iptables -t "$t" -I "$c" 1 $rest
  done
}

teardown_bridge() {
  local r t c rest
  for r in "${RULES[@]}"; do
    read -r t c rest <<<"${r#-t }"
    # shellcheck disable=SC2086
    while iptables -t "$t" -C "$c" $rest 2>/dev/null; do iptables -t "$t" -D "$c" $rest; done
  done
  if ip link show "$BR" >/dev/null 2>&1; then ip link del "$BR"; log "removed bridge $BR and its $TAG rules"; fi
}

write_config() {
  mkdir -p "$DIR/data" "$DIR/exec" "$DIR/config/cli-plugins"
  ln -sfn "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" "$DIR/config/cli-plugins/docker-buildx"
  [ -f "$DIR/config/config.json" ] || echo '{}' > "$DIR/config/config.json"
  cat > "$DIR/daemon.json" <<EOF
{
  "data-root": "$DIR/data",
  "exec-root": "$DIR/exec",
  "pidfile": "$DIR/exec/dockerd.pid",
  "hosts": ["unix://$SOCK"],
  "storage-driver": "overlayfs",
  "insecure-registries": ["$REG"],
  "bridge": "$BR",
  "iptables": false,
  "ip-masq": false,
  "features": {"buildkit": true, "containerd-snapshotter": true}
}
EOF
}

start() {
  local t0 pid i
  t0=$(date +%s.%N)
  need_root
  mkdir -p "$RUN" "$LOGS"
  # One start at a time (several test runs may share the peers root).
  exec 9>"$RUN/$NAME.lock"
  flock 9
  fetch
  if pid=$(daemon_pid) && answers; then
    log "dockerd 26 already running (pid $pid), $SOCK"
    return 0
  fi
  if [ -n "${pid:-}" ]; then
    log "recorded dockerd (pid $pid) does not answer; restarting it"
    stop_locked
  fi
  write_config
  setup_bridge
  log "starting dockerd 26 on $SOCK (log $LOGS/$NAME.log)"
  # dockerd finds containerd, containerd-shim-runc-v2 and docker-proxy through PATH
  PATH="$ROOT/usr/bin:$ROOT/usr/sbin:$PATH" setsid "$ROOT/usr/sbin/dockerd" --config-file "$DIR/daemon.json" \
    >>"$LOGS/$NAME.log" 2>&1 </dev/null 9>&- &
  echo $! > "$RUN/$NAME.pid"
  for i in $(seq 1 240); do
    answers && break
    daemon_pid >/dev/null || { tail -n 20 "$LOGS/$NAME.log" >&2; die "dockerd exited during start-up"; }
    sleep 0.25
  done
  answers || { tail -n 20 "$LOGS/$NAME.log" >&2; die "dockerd did not answer on $SOCK"; }
  dk buildx version >/dev/null || die "the buildx plugin does not run"
  log "ready: $(dk version --format 'docker {{.Server.Version}}'), $(dk buildx version | cut -d' ' -f1,2), $SOCK; took $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s"
}

stop_locked() {
  local pid cpid="" i exe
  [ -s "$DIR/exec/containerd/containerd.pid" ] && cpid=$(cat "$DIR/exec/containerd/containerd.pid")
  if pid=$(daemon_pid); then
    log "stopping dockerd 26 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 400); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then log "dockerd did not exit; SIGKILL $pid"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  else
    log "dockerd 26 not running"
  fi
  rm -f "$RUN/$NAME.pid"
  # dockerd's managed containerd, only if that PID still is our containerd
  if [ -n "$cpid" ] && alive "$cpid"; then
    exe=$(readlink "/proc/$cpid/exe" 2>/dev/null || true)
    if [ "$exe" = "$ROOT/usr/bin/containerd" ]; then
      kill -TERM "$cpid" 2>/dev/null || true
      for i in $(seq 1 100); do alive "$cpid" || break; sleep 0.1; done
      alive "$cpid" && kill -KILL "$cpid" 2>/dev/null || true
    fi
  fi
  umount_under "$DIR"
  teardown_bridge
}

stop() {
  need_root
  mkdir -p "$RUN" "$LOGS"
  exec 9>"$RUN/$NAME.lock"
  flock 9
  stop_locked
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status)
    if pid=$(daemon_pid) && answers; then echo "dockerd 26: running (pid $pid) on $SOCK"
    else echo "dockerd 26: stopped"; exit 3; fi ;;
  env)
    printf 'export RBUILD_TEST_BUILDKIT_HOST=unix://%s RBUILD_TEST_DOCKER=%s RBUILD_TEST_DOCKER_CONFIG=%s\n' \
      "$SOCK" "$DK" "$DIR/config" ;;
  *) echo "usage: $0 start|stop|restart|status|env" >&2; exit 2 ;;
esac
