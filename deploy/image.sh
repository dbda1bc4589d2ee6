#!/usr/bin/env bash
# Builds rbuild's images (deploy/Dockerfile) with rbuild itself and pushes them:
#   REPO:VERSION        FROM scratch, rbuild at /rbuild/rbuild
#   REPO:VERSION-debug  the same with a busybox shell in /rbuild/bin
# Usage: deploy/image.sh BINARY REPO VERSION [rbuild build flags...]
# BINARY is the rbuild put into the images (static, as the release workflow builds it; or a
# dynamic one, whose loader and libraries are copied under /rbuild/lib and which is pointed at
# them with patchelf). The images are built by BINARY too, on this machine (root: runc
# isolation). Needs a static busybox: /bin/busybox if static, else Debian's busybox-static .deb.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,9p' "$0"; exit 2; }
bin=$1 repo=$2 version=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
ctx=$(mktemp -d /var/tmp/rbuild-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rbuild" "$ctx/certs" "$ctx/kaniko"
cp "$bin" "$ctx/rbuild/rbuild"
chmod 0755 "$ctx/rbuild/rbuild"
if ldd "$bin" >/dev/null 2>&1; then
  command -v patchelf >/dev/null || { echo "a dynamic binary needs patchelf" >&2; exit 1; }
  mkdir -p "$ctx/rbuild/lib"
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do cp -L "$lib" "$ctx/rbuild/lib/"; done
  loader=$(basename "$(patchelf --print-interpreter "$bin")")
  patchelf --set-interpreter "/rbuild/lib/$loader" --set-rpath /rbuild/lib "$ctx/rbuild/rbuild"
fi
bundle=/etc/ssl/certs/ca-certificates.crt
[ -s "$bundle" ] || { echo "no CA bundle at $bundle (apt-get install ca-certificates)" >&2; exit 1; }
cp "$bundle" "$ctx/certs/ca-certificates.crt"
echo '{}' > "$ctx/docker-config.json"
ln -s /rbuild/rbuild "$ctx/kaniko/executor"
if [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; then
  cp /bin/busybox "$ctx/busybox"
else
  deb_dir=$(mktemp -d)
  (cd "$deb_dir" && apt-get download -q busybox-static >/dev/null)
  dpkg-deb -x "$deb_dir"/busybox-static_*.deb "$deb_dir/x"
  cp "$deb_dir/x/bin/busybox" "$ctx/busybox"
  rm -rf "$deb_dir"
fi
"$bin" build -f "$here/Dockerfile" --target image -t "$repo:$version" --push "$@" "$ctx"
"$bin" build -f "$here/Dockerfile" --target debug -t "$repo:$version-debug" --push "$@" "$ctx"
