#!/usr/bin/env bash
# Builds rbuild's images (deploy/Dockerfile) with rbuild itself and pushes them:
#   REPO:VERSION        FROM scratch, rbuild at /rbuild/rbuild
#   REPO:VERSION-debug  the same with a busybox shell in /rbuild/bin
# Usage: deploy/image.sh BINARY REPO VERSION [rbuild build flags...]
# BINARY is the rbuild put into the images (static, as the release workflow builds it; or a
# dynamic one, whose loader and libraries are copied under /rbuild/lib and which is pointed at
# them with patchelf), for this machine's platform; or PLATFORM=PATH pairs separated by commas
# (linux/amd64=dist/x86_64/rbuild,linux/arm64=dist/aarch64/rbuild): each tag is then one index
# over an image per platform. The images are built by the first binary (it must run here),
# on this machine (root: runc isolation); the debug image's RUN of a foreign platform needs QEMU
# (`rbuild binfmt --install`). Needs a static busybox per platform: BUSYBOX_<ARCH> (a path,
# e.g. BUSYBOX_ARM64), else for this machine's /bin/busybox if static or Debian's
# busybox-static .deb (apt), else bookworm's .deb of that architecture from deb.debian.org
# (RBUILD_DEBIAN_MIRROR), checked against the signed InRelease.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,16p' "$0"; exit 2; }
spec=$1 repo=$2 version=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
ctx=$(mktemp -d /var/tmp/rbuild-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
native=$(dpkg --print-architecture 2>/dev/null || uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')
if [[ "$spec" == *=* ]]; then
  IFS=, read -r -a pairs <<<"$spec"
else
  pairs=("linux/$native=$spec")
fi

# debian_busybox arch dir -- bookworm's busybox-static .deb of arch, unpacked into dir
debian_busybox() {
  local arch=$1 dir=$2 m=${RBUILD_DEBIAN_MIRROR:-http://deb.debian.org/debian} want fn sha
  curl -sSf --retry 3 -o "$dir/InRelease" "$m/dists/bookworm/InRelease"
  gpgv --keyring /usr/share/keyrings/debian-archive-keyring.gpg "$dir/InRelease" 2>/dev/null \
    || { echo "bookworm InRelease: bad signature (apt-get install debian-archive-keyring gpgv)" >&2; exit 1; }
  want=$(awk -v f="main/binary-$arch/Packages.xz" '/^SHA256:/{s=1;next} /^[A-Za-z]/{s=0} s && $3==f{print $1}' "$dir/InRelease")
  curl -sSf --retry 3 -o "$dir/Packages.xz" "$m/dists/bookworm/main/binary-$arch/Packages.xz"
  [ "$(sha256sum "$dir/Packages.xz" | cut -d' ' -f1)" = "$want" ] || { echo "Packages.xz checksum" >&2; exit 1; }
  read -r fn sha < <(xz -dc "$dir/Packages.xz" | awk -v RS= 'index($0, "Package: busybox-static\n") == 1' \
    | awk '/^Filename:/{f=$2} /^SHA256:/{s=$2} END{print f, s}')
  curl -sSf --retry 3 -o "$dir/busybox.deb" "$m/$fn"
  [ "$(sha256sum "$dir/busybox.deb" | cut -d' ' -f1)" = "$sha" ] || { echo "$fn checksum" >&2; exit 1; }
  dpkg-deb -x "$dir/busybox.deb" "$dir/x"
}

# busybox_for arch dest -- a static busybox of arch at dest
busybox_for() {
  local arch=$1 dest=$2 var deb_dir
  var=BUSYBOX_$(echo "$arch" | tr '[:lower:]' '[:upper:]')
  if [ -n "${!var:-}" ]; then cp "${!var}" "$dest"; return; fi
  if [ "$arch" = "$native" ] && [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; then
    cp /bin/busybox "$dest"; return
  fi
  deb_dir=$(mktemp -d)
  if [ "$arch" = "$native" ]; then
    (cd "$deb_dir" && apt-get download -q busybox-static >/dev/null)
    dpkg-deb -x "$deb_dir"/busybox-static_*.deb "$deb_dir/x"
  else
    debian_busybox "$arch" "$deb_dir"
  fi
  cp "$deb_dir/x/bin/busybox" "$dest"
  rm -rf "$deb_dir"
}

bundle=/etc/ssl/certs/ca-certificates.crt
[ -s "$bundle" ] || { echo "no CA bundle at $bundle (apt-get install ca-certificates)" >&2; exit 1; }
mkdir -p "$ctx/certs" "$ctx/kaniko"
cp "$bundle" "$ctx/certs/ca-certificates.crt"
echo '{}' > "$ctx/docker-config.json"
ln -s /rbuild/rbuild "$ctx/kaniko/executor"
platforms=() builder=""
for pair in "${pairs[@]}"; do
  platform=${pair%%=*} bin=${pair#*=}
  arch=$(echo "$platform" | cut -d/ -f2)
  [ -f "$bin" ] || { echo "$bin: no such binary (for $platform)" >&2; exit 1; }
  [ -n "$builder" ] || builder=$bin
  platforms+=("$platform")
  mkdir -p "$ctx/$arch/rbuild"
  cp "$bin" "$ctx/$arch/rbuild/rbuild"
  chmod 0755 "$ctx/$arch/rbuild/rbuild"
  if ldd "$bin" >/dev/null 2>&1; then
    command -v patchelf >/dev/null || { echo "a dynamic binary needs patchelf" >&2; exit 1; }
    mkdir -p "$ctx/$arch/rbuild/lib"
    for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do cp -L "$lib" "$ctx/$arch/rbuild/lib/"; done
    loader=$(basename "$(patchelf --print-interpreter "$bin")")
    patchelf --set-interpreter "/rbuild/lib/$loader" --set-rpath /rbuild/lib "$ctx/$arch/rbuild/rbuild"
  fi
  busybox_for "$arch" "$ctx/$arch/busybox"
done
plat=$(IFS=,; echo "${platforms[*]}")
"$builder" build -f "$here/Dockerfile" --platform "$plat" --target image -t "$repo:$version" --push "$@" "$ctx"
"$builder" build -f "$here/Dockerfile" --platform "$plat" --target debug -t "$repo:$version-debug" --push "$@" "$ctx"
