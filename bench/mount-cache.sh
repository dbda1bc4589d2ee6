#!/usr/bin/env bash
# Mount caches (issue 7): a `RUN --mount=type=cache,id=bench` directory of BENCH_MC_MIB (1024)
# MiB of many files (4-256 KiB each, ~8000 for 1 GiB, nested; each half random bytes, half
# word text, so zstd -3 gets ~0.6-0.7) exported with `--cache-to` and restored with
# `--cache-from` on a fresh state dir, for the local backend (`type=local`, an OCI layout
# directory: the fair comparison with a file on disk) and the test registry (loopback), side by
# side with the workaround users have today (actions/cache, buildkit-cache-dance): one whole
# `tar | zstd -3` tarball per save, restored with `zstd -d | tar -x`.
#
# Scenarios, per backend:
#   first      the populated directory saved to an empty cache
#   unchanged  the same directory saved again (a new RUN_ID makes the step run)
#   changed    1% of the files (every 100th, new content of the same size) rewritten, saved
#   restore    a fresh RBUILD_HOME with --cache-from; the page cache dropped first
# rbuild's figures come from `--metadata-file` (`rbuild.mount-caches`: bytes/chunks uploaded,
# export_seconds, restore_seconds, bytes downloaded); the workaround's are its tarball's size
# and its wall time (local: tar | zstd -3 -T0 > file; registry: that, then sha256 and one blob
# upload with curl to the registry's /v2/ API; restore: zstd -d < file | tar -x, or
# curl | zstd -d | tar -x). The workaround uploads the whole tarball every time: actions/cache
# would skip a save whose key exists, but keys of caches like these (a compiler or package
# cache) change every run, so every save is a new entry.
#
# Bars (the issue):
#   unchanged: rbuild uploads 0 bytes (and reports unchanged >= 1)
#   changed:   rbuild's bytes uploaded <= 5% of the archive (its first save's bytes)
#   restore:   (zstd -d -c tarball | tar -x, local file, cold cache) s / rbuild restore_seconds
#              >= 0.80, for both backends
# BENCH_MC_CHUNKS=1 adds an ESTIMATE (no FastCDC run) of what a 1% change would upload with
# average chunk sizes 64K / 256K / 1M: sum over changed files of (file size + C), and the chunk
# count of the archive at each size, next to the measured (256K) value.
#
# Usage: bench/mount-cache.sh     Env: BENCH_MC_MIB (1024), BENCH_REPEATS (1; medians),
#   BENCH_MC_CHUNKS (0), BENCH_MC_BACKENDS ("local registry"), RBUILD_BIN (default
#   ${CARGO_TARGET_DIR:-target}/release/rbuild, built when missing), BENCH_MC_KEEP_REGISTRY=1
#   (leave this run's blobs in the test registry; by default the blobs only this run's
#   repositories link are deleted from its storage afterwards: they are GiBs of random data).
# Needs root (RUN steps, drop_caches), the test registry (started when missing), zstd, curl,
# python3, >= 6 GiB free on / (per 1 GiB of data; more with repeats). Scratch space:
# /var/tmp/rbuild-bench/mount-cache.XXXXXX, removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root=$PWD
mib=${BENCH_MC_MIB:-1024}
repeats=${BENCH_REPEATS:-1}
backends=${BENCH_MC_BACKENDS:-local registry}
registry=${RBUILD_TEST_REGISTRY:-127.0.0.1:5000}
peers_root=${RBUILD_PEERS_ROOT:-/var/tmp/rbuild-peers}
LOG_TAG=bench ROOT_REASON="runs RUN steps, drops the page cache" LOGS=/var/tmp/rbuild-bench
APT_STAMP=$LOGS/.apt-updated
mkdir -p "$LOGS"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
need_root
for t in zstd curl python3 tar sha256sum; do command -v "$t" >/dev/null || die "$t is missing"; done

# Disk: the directory, the local cache, the tarball, one restore, the registry's copies.
need_kib=$(( (6 + 2 * (repeats - 1)) * 1024 * 1024 * (mib > 1024 ? mib : 1024) / 1024 ))
avail_kib=$(df --output=avail -k / | tail -n 1 | tr -d ' ')
df -h / >&2
[ "$avail_kib" -ge "$need_kib" ] \
  || die "only $((avail_kib >> 20)) GiB free on /, need $((need_kib >> 20)) GiB: not running"

case " $backends " in *" registry "*)
  curl -sf -o /dev/null "http://$registry/v2/" || scripts/peers.sh start ;;
esac
if [ -n "${RBUILD_BIN:-}" ]; then
  rbuild=$RBUILD_BIN
else
  target_dir=${CARGO_TARGET_DIR:-target}
  case $target_dir in /*) ;; *) target_dir=$repo_root/$target_dir ;; esac
  rbuild=$target_dir/release/rbuild
  [ -x "$rbuild" ] || cargo build --release --quiet --bin rbuild
fi
[ -x "$rbuild" ] || die "no rbuild binary at $rbuild"

work=$(mktemp -d /var/tmp/rbuild-bench/mount-cache.XXXXXX)
stamp=$$-$(date +%s)
repo_prefix=bench/mc-$stamp
registry_gc() { # the blobs only this run's repositories link, and those repositories
  [ "${BENCH_MC_KEEP_REGISTRY:-0}" = 1 ] && return 0
  case " $backends " in *" registry "*) ;; *) return 0 ;; esac
  local v2=$peers_root/registry/data/docker/registry/v2
  if ! recorded_pid "$peers_root/run/registry.pid" >/dev/null || [ ! -d "$v2/repositories/bench" ]; then
    log "registry not started by scripts/peers.sh: this run's repositories $repo_prefix-* stay there"
    return 0
  fi
  python3 - "$v2" "mc-$stamp-" <<'PY' >&2 || true
import os, shutil, sys
v2, prefix = sys.argv[1], sys.argv[2]
repos = os.path.join(v2, "repositories")
mine_dirs = [os.path.join(repos, "bench", d) for d in os.listdir(os.path.join(repos, "bench"))
             if d.startswith(prefix)]
def links(top, skip=()):
    found = set()
    for dp, dn, fn in os.walk(top):
        dn[:] = [d for d in dn if os.path.join(dp, d) not in skip]
        if "link" in fn:
            with open(os.path.join(dp, "link")) as f:
                found.add(f.read().strip())
    return found
mine = set().union(*(links(d) for d in mine_dirs)) if mine_dirs else set()
others = links(repos, skip=set(mine_dirs))
freed = n = 0
for d in sorted(mine - others):
    algo, _, hexd = d.partition(":")
    if algo != "sha256" or len(hexd) != 64:
        continue
    p = os.path.join(v2, "blobs", "sha256", hexd[:2], hexd)
    if os.path.isdir(p):
        freed += sum(os.path.getsize(os.path.join(a, f)) for a, _, fs in os.walk(p) for f in fs)
        shutil.rmtree(p)
        n += 1
for d in mine_dirs:
    shutil.rmtree(d)
print(f"[bench] registry: removed {len(mine_dirs)} repositories, {n} blobs only they linked, "
      f"{freed / 2**20:.0f} MiB")
PY
}
cleanup() {
  umount_under "$work"
  rm -rf "$work"
  registry_gc
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }
# mc FILE FIELD -- a field of the `bench` mount cache's report in a metadata file
mc() {
  python3 -c 'import json,sys
r = [v for v in json.load(open(sys.argv[1]))["rbuild.mount-caches"].values() if v["id"] == "bench"]
assert len(r) == 1, f"no report for id bench in {sys.argv[1]}"
print(r[0][sys.argv[2]])' "$1" "$2"
}
run_id=0
# rb HOME METADATA --cache-to|--cache-from SPEC -- one build; its log kept in $work/logs
rb() {
  local home=$1 meta=$2 t0 log_file
  shift 2
  run_id=$((run_id + 1))
  log_file=$work/logs/build-$run_id.log
  t0=$(now)
  if ! RBUILD_HOME=$home "$rbuild" build --progress plain --build-arg "RUN_ID=$stamp-$run_id" \
      --metadata-file "$meta" "$@" "$work/ctx" >"$log_file" 2>&1; then
    tail -n 40 "$log_file" >&2
    die "rbuild build $* failed (log above)"
  fi
  build_wall=$(since "$t0")
  if [ -n "$(python3 -c 'import json,sys; r=[v for v in json.load(open(sys.argv[1])).get("rbuild.mount-caches", {}).values() if v.get("restore_error") or v.get("export_errors")]; print(r[0] if r else "")' "$meta")" ]; then
    python3 -m json.tool "$meta" | sed -n '/rbuild.mount-caches/,$p' >&2
    die "rbuild reported a mount-cache error (build $run_id, log $log_file)"
  fi
}
# wa_save DIR OUT -- the workaround's save: one tarball
wa_save() { tar -C "$1" -cf - . | zstd -q -f -3 -T0 -o "$2"; }
# wa_upload FILE REPO -- one blob upload to the registry (POST, then a monolithic PUT)
wa_upload() {
  local d loc
  d=sha256:$(sha256sum "$1" | cut -d' ' -f1)
  loc=$(curl -sf -X POST -D - -o /dev/null "http://$registry/v2/$2/blobs/uploads/" \
    | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
  [ -n "$loc" ] || die "no upload location from $registry"
  case $loc in http*) ;; *) loc=http://$registry$loc ;; esac
  case $loc in *\?*) loc="$loc&digest=$d" ;; *) loc="$loc?digest=$d" ;; esac
  curl -sf -o /dev/null -H 'Content-Type: application/octet-stream' -T "$1" "$loc" \
    || die "blob upload to $registry/$2 failed"
  echo "$d"
}
# same_tree A B CHANGED_LIST -- paths and sizes equal; changed files and 1% of the rest hashed
same_tree() {
  python3 - "$1" "$2" "$3" <<'PY'
import hashlib, os, sys
a, b, changed = sys.argv[1], sys.argv[2], sys.argv[3]
def walk(root):
    out = {}
    for dp, _, fn in os.walk(root):
        for f in fn:
            p = os.path.join(dp, f)
            out[os.path.relpath(p, root)] = os.path.getsize(p)
    return out
ta, tb = walk(a), walk(b)
if ta != tb:
    sys.exit(f"restored tree differs: {len(ta)} vs {len(tb)} files, "
             f"{len(set(ta) ^ set(tb))} paths not in both")
check = set(sorted(ta)[::100])
if os.path.exists(changed):
    check |= {l.split("\t")[0] for l in open(changed) if l.strip()}
def h(p):
    with open(p, "rb") as f:
        return hashlib.sha256(f.read()).digest()
bad = [p for p in sorted(check) if h(os.path.join(a, p)) != h(os.path.join(b, p))]
if bad:
    sys.exit(f"restored content differs: {bad[:5]}")
PY
}

mkdir -p "$work/ctx" "$work/logs" "$work/home-a/mounts/bench"
cat > "$work/ctx/Dockerfile" <<EOF
FROM $registry/library/busybox:latest
ARG RUN_ID
RUN --mount=type=cache,id=bench,target=/c,sharing=locked echo \$RUN_ID && ls /c | wc -l
EOF
data=$work/home-a/mounts/bench
seed=$$
log "generating $mib MiB of files in $data"
t0=$(now)
python3 - "$data" "$mib" "$seed" <<'PY'
import os, random, sys
root, total, seed = sys.argv[1], int(sys.argv[2]) << 20, int(sys.argv[3])
rng = random.Random(seed)
words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
         for _ in range(5000)]
text = b" ".join(rng.choice(words) for _ in range(400_000))  # ~2.6 MB of "text"
written = i = 0
while written < total:
    d = os.path.join(root, f"d{i % 32:02d}", f"e{(i // 32) % 8}")
    os.makedirs(d, exist_ok=True)
    size = min(rng.randint(4 << 10, 256 << 10), total - written)
    start = rng.randrange(0, len(text) - size)
    body = rng.randbytes(size // 2) + text[start:start + size - size // 2]
    with open(os.path.join(d, f"f{i:05d}.bin"), "wb") as f:
        f.write(body)
    written += size
    i += 1
print(f"[bench] generated {i} files, {written >> 20} MiB", file=sys.stderr)
PY
log "generated in $(since "$t0") s"
nfiles=$(find "$data" -type f | wc -l)

# change_files REP -- rewrites every 100th file (offset REP-1) with new content of the same size
# and kind (half random bytes, half a slice of the generator's text); lists them
change_files() {
  python3 - "$data" "$1" "$work/changed.tsv" "$seed" <<'PY'
import os, random, sys
root, rep, out, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
rng = random.Random(seed)  # the generator's text, drawn the same way
words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
         for _ in range(5000)]
text = b" ".join(rng.choice(words) for _ in range(400_000))
files = sorted(os.path.relpath(os.path.join(dp, f), root)
               for dp, _, fn in os.walk(root) for f in fn)
rng = random.Random(rep * 7919 + os.getpid())
with open(out, "w") as o:
    for p in files[(rep - 1) % 100::100]:
        full = os.path.join(root, p)
        size = os.path.getsize(full)
        start = rng.randrange(0, len(text) - size)
        body = rng.randbytes(size // 2) + text[start:start + size - size // 2]
        with open(full, "wb") as f:
            f.write(body)
        o.write(f"{p}\t{size}\n")
PY
}

results=$work/results.tsv
printf 'rep\tbackend\tscenario\trb_bytes\trb_chunks\trb_reused\trb_unchanged\trb_s\trb_wall\twa_bytes\twa_s\tbase_s\n' > "$results"
row() { local IFS=$'\t'; echo "$*" >> "$results"; }

for rep in $(seq "$repeats"); do
  declare -A spec_to spec_from
  for b in $backends; do
    case $b in
      local) spec_to[$b]="type=local,dest=$work/cache-$rep,mode=max"
             spec_from[$b]="type=local,src=$work/cache-$rep" ;;
      registry) spec_to[$b]="type=registry,ref=$registry/$repo_prefix-r$rep,mode=max"
                spec_from[$b]="type=registry,ref=$registry/$repo_prefix-r$rep" ;;
      *) die "unknown backend $b" ;;
    esac
  done
  for scenario in first unchanged changed; do
    if [ "$scenario" = changed ]; then
      change_files "$rep"
      log "changed $(wc -l < "$work/changed.tsv") of $nfiles files, $(awk -F'\t' '{ s += $2 } END { printf "%.1f", s / 1048576 }' "$work/changed.tsv") MiB"
    fi
    # The workaround's tarball (its local save), then its upload (registry).
    t0=$(now)
    wa_save "$data" "$work/save.tar.zst"
    wa_local_s=$(since "$t0")
    wa_bytes=$(stat -c %s "$work/save.tar.zst")
    for b in $backends; do
      rb "$work/home-a" "$work/m.json" --cache-to "${spec_to[$b]}"
      rb_bytes=$(mc "$work/m.json" bytes_uploaded)
      wa_s=$wa_local_s
      if [ "$b" = registry ]; then
        t0=$(now)
        wa_digest=$(wa_upload "$work/save.tar.zst" "$repo_prefix-r$rep")
        wa_s=$(awk -v a="$wa_local_s" -v b="$(since "$t0")" 'BEGIN { printf "%.3f", a + b }')
      fi
      row "$rep" "$b" "$scenario" "$rb_bytes" "$(mc "$work/m.json" chunks_uploaded)" \
        "$(mc "$work/m.json" chunks_reused)" "$(mc "$work/m.json" unchanged)" \
        "$(mc "$work/m.json" export_seconds)" "$build_wall" "$wa_bytes" "$wa_s" "-"
      log "$b $scenario: rbuild $rb_bytes B in $(mc "$work/m.json" export_seconds) s; workaround $wa_bytes B in $wa_s s"
    done
  done
  # Restore: the data as last saved (after the change), into fresh directories, cold cache.
  rm -rf "$work/fresh"; mkdir -p "$work/fresh"
  drop_caches
  t0=$(now)
  zstd -q -d -c "$work/save.tar.zst" | tar -x -C "$work/fresh"
  base_s=$(since "$t0")
  same_tree "$data" "$work/fresh" /dev/null
  rm -rf "$work/fresh"
  log "baseline zstd -d | tar -x (local file, cold): $base_s s"
  for b in $backends; do
    rm -rf "$work/home-r"
    drop_caches
    rb "$work/home-r" "$work/m.json" --cache-from "${spec_from[$b]}"
    [ "$(mc "$work/m.json" restored)" = True ] \
      || die "$b: the mount cache was not restored (log $work/logs/build-$run_id.log)"
    same_tree "$data" "$work/home-r/mounts/bench" "$work/changed.tsv"
    rm -rf "$work/home-r"
    wa_s=$base_s
    if [ "$b" = registry ]; then
      mkdir -p "$work/fresh"
      drop_caches
      t0=$(now)
      curl -sfL "http://$registry/v2/$repo_prefix-r$rep/blobs/$wa_digest" | zstd -q -d -c | tar -x -C "$work/fresh"
      wa_s=$(since "$t0")
      rm -rf "$work/fresh"
    fi
    row "$rep" "$b" restore "$(mc "$work/m.json" bytes_downloaded)" \
      "$(mc "$work/m.json" chunks_downloaded)" 0 0 "$(mc "$work/m.json" restore_seconds)" \
      "$build_wall" "$wa_bytes" "$wa_s" "$base_s"
    log "$b restore: rbuild $(mc "$work/m.json" bytes_downloaded) B in $(mc "$work/m.json" restore_seconds) s; workaround $wa_s s; local zstd|tar $base_s s"
  done
  rm -f "$work/save.tar.zst"
  rm -rf "$work/cache-$rep"
  unset spec_to spec_from
done

echo
echo "$mib MiB, $nfiles files (4-256 KiB, half random, half text), $(nproc) cores," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), $repeats repeat(s)"
echo "rbuild: $rbuild, built $(date -u -r "$rbuild" '+%F %T UTC'); HEAD $(git -C "$repo_root" rev-parse --short HEAD)"
python3 - "$results" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def med(vals):
    return statistics.median(float(v) for v in vals)
def mib(b):
    return f"{b / 2**20:.1f} MiB" if b >= 2**20 else f"{b:.0f} B"
print()
print("| scenario | rbuild bytes | workaround bytes | bytes ratio | rbuild s | workaround s "
      "| time ratio | bar | verdict |")
print("|---|---|---|---|---|---|---|---|---|")
failed = []
chunks = []
per_rep = []
for backend in dict.fromkeys(r["backend"] for r in rows):
    for sc in ("first", "unchanged", "changed", "restore"):
        rs = [r for r in rows if r["backend"] == backend and r["scenario"] == sc]
        if not rs:
            continue
        g = lambda k: med(r[k] for r in rs)
        rb, wa, rbs, was = g("rb_bytes"), g("wa_bytes"), g("rb_s"), g("wa_s")
        bar, verdict = "-", "-"
        if sc == "unchanged":
            ok = rb == 0 and g("rb_unchanged") >= 1
            bar, verdict = "0 bytes, unchanged >= 1", "pass" if ok else "FAIL"
        elif sc == "changed":
            firsts = {r["rep"]: float(r["rb_bytes"]) for r in rows
                      if r["backend"] == backend and r["scenario"] == "first"}
            fracs = [float(r["rb_bytes"]) / firsts[r["rep"]] for r in rs]
            frac = statistics.median(fracs)
            ok = frac <= 0.05
            bar = f"<= 5% of archive: {100 * frac:.2f}%"
            verdict = "pass" if ok else "FAIL"
            if len(fracs) > 1:
                per_rep.append(f"{backend} changed, % of archive per repeat: "
                               + ", ".join(f"{100 * f:.2f}" for f in fracs))
        elif sc == "restore":
            ratios = [float(r["base_s"]) / float(r["rb_s"]) for r in rs]
            ratio = statistics.median(ratios)
            ok = ratio >= 0.8
            bar = f"tar/rbuild >= 0.80: {ratio:.2f} (zstd -d\\|tar -x {g('base_s'):.2f} s)"
            verdict = "pass" if ok else "FAIL"
            if len(ratios) > 1:
                per_rep.append(f"{backend} restore, tar/rbuild per repeat: "
                               + ", ".join(f"{x:.2f}" for x in ratios))
        if verdict == "FAIL":
            failed.append(f"{backend} {sc}")
        print(f"| {backend} {sc} | {mib(rb)} | {mib(wa)} | {rb / wa:.3f} | {rbs:.2f} | {was:.2f} "
              f"| {rbs / was:.2f} | {bar} | {verdict} |")
        if sc == "restore":
            chunks.append(f"{backend} {sc}: {g('rb_chunks'):.0f} chunks downloaded, "
                          f"{rb / rbs / 1e6:.0f} MB/s compressed, build wall {g('rb_wall'):.2f} s")
        else:
            chunks.append(f"{backend} {sc}: {g('rb_chunks'):.0f} chunks uploaded, "
                          f"{g('rb_reused'):.0f} reused, unchanged={g('rb_unchanged'):.0f}, "
                          f"build wall {g('rb_wall'):.2f} s")
print()
print("bytes ratio = rbuild / workaround; time ratio = rbuild s / workaround s (rbuild s: "
      "export_seconds / restore_seconds of rbuild.mount-caches; workaround: wall time)")
for c in chunks + per_rep:
    print(f"- {c}")
print()
print("bars: " + ("all pass" if not failed else "FAILED: " + ", ".join(failed)))
PY

if [ "${BENCH_MC_CHUNKS:-0}" = 1 ]; then
  echo
  python3 - "$work/changed.tsv" "$data" "$results" <<'PY'
import csv, os, statistics, sys
changed = [int(l.split("\t")[1]) for l in open(sys.argv[1]) if l.strip()]
sizes = [os.path.getsize(os.path.join(dp, f)) for dp, _, fn in os.walk(sys.argv[2]) for f in fn]
ndirs = sum(len(dn) for _, dn, _ in os.walk(sys.argv[2])) + 1
tar = sum(512 + -(-s // 512) * 512 for s in sizes) + 512 * ndirs  # headers + padded data
rows = [r for r in csv.DictReader(open(sys.argv[3]), delimiter="\t")]
def measured(backend):
    ch = [float(r["rb_bytes"]) for r in rows if r["backend"] == backend and r["scenario"] == "changed"]
    fi = [float(r["rb_bytes"]) for r in rows if r["backend"] == backend and r["scenario"] == "first"]
    return statistics.median(ch) / statistics.median(fi) if ch else None
m = measured("local") or measured("registry")
print(f"ESTIMATE, not measured: a 1% change ({len(changed)} files, {sum(changed) / 2**20:.1f} MiB) "
      f"re-uploads about sum(file size + C) of a {tar / 2**20:.0f} MiB archive")
print()
print("| average chunk C | chunks in archive (archive / C) | estimated upload, 1% changed | measured |")
print("|---|---|---|---|")
for name, c in (("64K", 64 << 10), ("256K", 256 << 10), ("1M", 1 << 20)):
    est = min(1.0, sum(s + c for s in changed) / tar)
    meas = f"{100 * m:.2f}%" if (m is not None and name == "256K") else "-"
    print(f"| {name} | {tar // c} | {100 * est:.2f}% | {meas} |")
PY
fi
