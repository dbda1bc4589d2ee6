# Helpers shared by scripts/peers.sh and scripts/buildkit.sh (sourced, not run).
# The sourcing script sets: LOG_TAG (prefix of its log lines), ROOT_REASON (why it needs root),
# LOGS (its log directory) and APT_STAMP (a file whose age limits `apt-get update` to once per
# 6 hours).

log() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s %s] ERROR: %s\n' "$LOG_TAG" "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "run as root ($ROOT_REASON)"; }

# apt_update -- once per 6 hours at most
apt_update() {
  if [ ! -e "$APT_STAMP" ] || [ -n "$(find "$APT_STAMP" -mmin +360 2>/dev/null)" ]; then
    apt-get update -qq >>"$LOGS/apt.log" 2>&1 || die "apt-get update failed (see $LOGS/apt.log)"
    touch "$APT_STAMP"
  fi
}

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

# alive pid -- the process exists and is not a zombie
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# recorded_pid FILE -- prints the PID recorded in FILE when that process is alive
recorded_pid() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  alive "$pid" || return 1
  echo "$pid"
}

# umount_under dir -- unmounts what is still mounted below dir, deepest first (what an
# interrupted debootstrap left, the netns bind mounts dockerd leaves in its exec root)
umount_under() {
  local d=${1%/} m
  findmnt -rn -o TARGET | awk -v d="$d/" 'index($0, d) == 1' | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}

# debian_index mirror suite arch dir -- the suite's main Packages.xz of arch in dir, checked
# against the suite's InRelease, whose signature gpgv checks with debian-archive-keyring (kept
# while its checksum still matches a fresh InRelease)
debian_index() {
  local m=$1 suite=$2 arch=$3 d=$4 want
  mkdir -p "$d"
  curl -sSf --retry 3 -o "$d/InRelease" "$m/dists/$suite/InRelease" || die "cannot fetch $m/dists/$suite/InRelease"
  gpgv --keyring /usr/share/keyrings/debian-archive-keyring.gpg "$d/InRelease" 2>"$d/gpgv.log" \
    || { cat "$d/gpgv.log" >&2; die "$suite InRelease signature check failed"; }
  want=$(awk -v f="main/binary-$arch/Packages.xz" '/^SHA256:/{s=1;next} /^[A-Za-z]/{s=0} s && $3==f{print $1}' "$d/InRelease")
  if [ ! -s "$d/Packages.xz" ] || [ "$(sha256sum "$d/Packages.xz" | cut -d' ' -f1)" != "$want" ]; then
    curl -sSf --retry 3 -o "$d/Packages.xz" "$m/dists/$suite/main/binary-$arch/Packages.xz" \
      || die "cannot fetch $suite $arch Packages.xz"
  fi
  [ "$(sha256sum "$d/Packages.xz" | cut -d' ' -f1)" = "$want" ] || die "$suite $arch Packages.xz checksum mismatch"
}

# debian_deb mirror dir pkg -- path of pkg's .deb named by dir/Packages.xz (debian_index),
# downloaded into dir once and checked against the index's SHA256
debian_deb() {
  local m=$1 d=$2 pkg=$3 fn sha b
  read -r fn sha < <(xz -dc "$d/Packages.xz" | awk -v RS= -v p="$pkg" 'index($0, "Package: " p "\n") == 1' \
    | awk '/^Filename:/{f=$2} /^SHA256:/{s=$2} END{print f, s}')
  [ -n "$fn" ] || die "package $pkg not in $d/Packages.xz"
  b=$d/$(basename "$fn")
  if ! { [ -s "$b" ] && [ "$(sha256sum "$b" | cut -d' ' -f1)" = "$sha" ]; }; then
    log "download $fn"
    curl -sSf --retry 3 -o "$b.part" "$m/$fn" || die "cannot download $m/$fn"
    mv "$b.part" "$b"
  fi
  [ "$(sha256sum "$b" | cut -d' ' -f1)" = "$sha" ] || die "checksum mismatch for $b"
  echo "$b"
}
