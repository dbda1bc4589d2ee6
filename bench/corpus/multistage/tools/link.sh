#!/bin/sh
# link.sh OBJDIR OUT -- the corpus's "linker": a tar of the objects (sorted by name) and a manifest
# of their hashes next to it (OUT.sum).
set -eu
obj=$1 out=$2
mkdir -p "$(dirname "$out")"
files=$(cd "$obj" && ls | sort)
# shellcheck disable=SC2086 # object names have no spaces
(cd "$obj" && tar -cf "$out" $files && sha256sum $files) > "$out.sum"
echo "link: $out $(wc -c < "$out") bytes, $(wc -l < "$out.sum") objects"
