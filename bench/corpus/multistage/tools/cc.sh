#!/bin/sh
# cc.sh SRCDIR OBJDIR -- the corpus's "compiler": for every file of SRCDIR, ROUNDS passes of
# hashing a 1 MiB stream seeded by the file's content (CPU work, no network, deterministic),
# then an "object" holding the final hash and the source upper-cased. Busybox sh only.
set -eu
src=$1 obj=$2 rounds=${ROUNDS:-6}
mkdir -p "$obj"
for f in "$src"/*; do
  name=$(basename "$f")
  h=$(sha256sum < "$f" | cut -c1-64)
  i=0
  while [ "$i" -lt "$rounds" ]; do
    h=$({ echo "$h"; yes "$h $name $i" | head -c 1048576; } | sha256sum | cut -c1-64)
    i=$((i + 1))
  done
  { echo "object $name"; echo "hash $h"; tr 'a-z' 'A-Z' < "$f"; } > "$obj/$name.o"
done
echo "cc: $(ls "$obj" | wc -l) objects in $obj"
