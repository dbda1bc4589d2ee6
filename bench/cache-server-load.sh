#!/usr/bin/env bash
# Load test of rbuild-cache-server next to the distribution registry (the test peer), same load,
# same run, on loopback (issue 5's bar: throughput >= distribution's, p99 <= distribution's,
# server RSS < 200 MB while serving a 1 GiB blob to 50 clients). Per server:
#   mix   cache-server/examples/load.rs `mix`: seeds 28 blobs (4 KiB x16, 256 KiB x8, 4 MiB x4),
#         then BENCH_CLIENTS (32) clients for BENCH_SECONDS (20) s doing 45% blob HEAD, 45% blob
#         GET (whole body, discarded), 10% pushes of a new 256 KiB blob (POST+PUT / POST+PATCH+PUT)
#   big   `big`: one BENCH_BIG_SIZE (1 GiB) blob pushed streaming (POST + PATCH + PUT), then
#         BENCH_BIG_CLIENTS (50) clients GET it at once, cut off after BENCH_SECONDS; meanwhile the
#         server's VmRSS is sampled every 0.1 s from /proc/<pid>/status (max reported)
# Prints a table (distribution, ours, ours/distribution) and keeps the raw JSON in bench/results/.
# Never asserts: numbers depend on the machine and on what else runs on it.
#
# Usage: bench/cache-server-load.sh   (needs the test registry: scripts/peers.sh start;
#        RBUILD_TEST_REGISTRY, default 127.0.0.1:5000; its PID from
#        $RBUILD_PEERS_ROOT/run/registry.pid, else from `ss -ltnp`)
#   BENCH_SECONDS=20 BENCH_CLIENTS=32 BENCH_BIG_SIZE=1GiB BENCH_BIG_CLIENTS=50
#   BENCH_ONLY=distribution|ours   run one side only
#   BENCH_SERVER_BIN=PATH          start this binary as "ours" (same flags) instead of the release build
#   BENCH_REPEATS=1                each side this many times, order alternating; medians reported
#   BENCH_OURS_BASE=http://HOST:PORT BENCH_OURS_PID=PID   measure an rbuild-cache-server that is
#                                  already running (e.g. with a config) instead of starting one;
#                                  LOAD_CREDENTIALS=USER:SECRET if it wants a token (basic auth or
#                                  the bearer token flow, settled by the load tool)
# Our server runs as `target/release/rbuild-cache-server --listen 127.0.0.1:<free port>
# --data-dir <temp dir>`; if it exits at once or never answers /v2/, its half is skipped.
# Both use repositories loadtest/mix and loadtest/big; content is seeded (same blobs every run),
# so the registry's data does not grow from one run to the next.
set -euo pipefail
cd "$(dirname "$0")/.."
registry=${RBUILD_TEST_REGISTRY:-127.0.0.1:5000}
peers_root=${RBUILD_PEERS_ROOT:-/var/tmp/rbuild-peers}
secs=${BENCH_SECONDS:-20}
clients=${BENCH_CLIENTS:-32}
big_size=${BENCH_BIG_SIZE:-1GiB}
big_clients=${BENCH_BIG_CLIENTS:-50}
only=${BENCH_ONLY:-}
repeats=${BENCH_REPEATS:-1}

log() { printf '[load %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "$*"; exit 1; }

cargo build --release --quiet -p rbuild-cache-server --example load --bin rbuild-cache-server
load=$PWD/target/release/examples/load
server_bin=${BENCH_SERVER_BIN:-$PWD/target/release/rbuild-cache-server}

mkdir -p /var/tmp/rbuild-bench bench/results
work=$(mktemp -d /var/tmp/rbuild-bench/cache-load.XXXXXX)
server_pid=
sampler_pid=
cleanup() {
  if [ -n "$sampler_pid" ]; then kill "$sampler_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# registry_pid -- PID of the process listening on $registry
registry_pid() {
  local pid
  pid=$(cat "$peers_root/run/registry.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && [ -r "/proc/$pid/status" ] && grep -q registry "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"; return 0
  fi
  ss -Hltnp "sport = :${registry##*:}" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2
}

# sample_rss PID OUT -- until killed, writes "max_VmRSS max_RssAnon" (kB) of PID seen so far to
# OUT (RssAnon leaves out mapped files: the heap and stacks the server itself allocated)
sample_rss() {
  local pid=$1 out=$2 max=0 max_anon=0 rss anon
  while :; do
    read -r rss anon < <(awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } END { print r + 0, a + 0 }' \
      "/proc/$pid/status" 2>/dev/null || echo 0 0)
    if [ "${rss:-0}" -gt "$max" ] || [ "${anon:-0}" -gt "$max_anon" ]; then
      [ "${rss:-0}" -gt "$max" ] && max=$rss
      [ "${anon:-0}" -gt "$max_anon" ] && max_anon=$anon
      echo "$max $max_anon" > "$out"
    fi
    sleep 0.1
  done
}

# vm_field PID FIELD -- VmHWM / VmRSS of PID in kB
vm_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# run_side NAME BASE PID REP -- mix then big against BASE; results in $work/NAME.REP.*.json
run_side() {
  local name=$1 base=$2 pid=$3 rep=$4 rss anon before
  log "$name #$rep: mix, $clients clients, ${secs}s ($base)"
  "$load" mix --base "$base" --repo loadtest/mix --clients "$clients" --duration "$secs" \
    > "$work/$name.$rep.mix.json"
  log "$name #$rep: big, $big_size to $big_clients clients (RSS of pid $pid sampled)"
  before=$(vm_field "$pid" VmRSS)
  echo 0 0 > "$work/$name.rss"
  sample_rss "$pid" "$work/$name.rss" &
  sampler_pid=$!
  "$load" big --base "$base" --repo loadtest/big --size "$big_size" --clients "$big_clients" \
    --duration "$secs" > "$work/$name.$rep.big.json"
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=
  read -r rss anon < "$work/$name.rss"
  printf '{"pid": %s, "vmrss_before_kb": %s, "max_vmrss_kb": %s, "max_rssanon_kb": %s, "vmhwm_kb": %s}\n' \
    "$pid" "${before:-0}" "$rss" "$anon" "$(vm_field "$pid" VmHWM)" > "$work/$name.$rep.mem.json"
}

# The sides: NAME -> "BASE PID"
sides=()
declare -A target
if [ "$only" != ours ]; then
  curl -sf -o /dev/null --max-time 5 "http://$registry/v2/" \
    || die "no registry answers at $registry: run scripts/peers.sh start"
  dist_pid=$(registry_pid) || true
  [ -n "$dist_pid" ] || die "cannot find the PID of the registry on $registry"
  target[distribution]="http://$registry $dist_pid"
  sides+=(distribution)
fi

if [ "$only" != distribution ] && [ -n "${BENCH_OURS_BASE:-}" ]; then
  [ -r "/proc/${BENCH_OURS_PID:-none}/status" ] || die "BENCH_OURS_BASE needs BENCH_OURS_PID (a live process)"
  target[ours]="$BENCH_OURS_BASE $BENCH_OURS_PID"
  sides+=(ours)
elif [ "$only" != distribution ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$work/data"
  RUST_LOG=${RUST_LOG:-warn} "$server_bin" --listen "127.0.0.1:$port" --data-dir "$work/data" \
    > "$work/server.log" 2>&1 &
  server_pid=$!
  up=
  for _ in $(seq 1 100); do
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    if curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$port/v2/"; then up=1; break; fi
    sleep 0.1
  done
  if [ -n "$up" ]; then
    target[ours]="http://127.0.0.1:$port $server_pid"
    sides+=(ours)
  else
    log "rbuild-cache-server did not come up on 127.0.0.1:$port; skipping its half. Its output:"
    head -n 3 "$work/server.log" >&2 || true
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
fi
[ "${#sides[@]}" -gt 0 ] || die "nothing to measure"

# Repeats alternate the order (A B, B A, ...) so that neither side always runs first.
for rep in $(seq 1 "$repeats"); do
  order=("${sides[@]}")
  if [ $((rep % 2)) = 0 ] && [ "${#sides[@]}" = 2 ]; then order=("${sides[1]}" "${sides[0]}"); fi
  for side in "${order[@]}"; do
    read -r base pid <<< "${target[$side]}"
    run_side "$side" "$base" "$pid" "$rep"
  done
done
if [ -n "$server_pid" ]; then
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
fi

out=bench/results/cache-server-load-$(date +%Y%m%dT%H%M%S).json
python3 - "$work" "$out" "$(git rev-parse --short HEAD)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$clients" "$secs" "$big_size" "$big_clients" "$repeats" "${sides[@]}" <<'PY'
import json, statistics, sys
work, out, rev, loadavg, clients, secs, big_size, big_clients, repeats, *sides = sys.argv[1:]
runs = {s: [{k: json.load(open(f"{work}/{s}.{r}.{k}.json")) for k in ("mix", "big", "mem")}
            for r in range(1, int(repeats) + 1)] for s in sides}
json.dump({"rev": rev, "loadavg_after": loadavg, "runs": runs}, open(out, "w"), indent=2)

# (label, getter, better: "high" | "low" | None, bar); medians over the repeats, except errors
# (summed) and memory (the maximum)
rows = [
    ("mix: MB/s (GET + push bytes)", lambda r: r["mix"]["mb_s"], "high", "ours >= dist"),
    ("mix: requests/s", lambda r: r["mix"]["requests"] / r["mix"]["seconds"], "high", ""),
    ("errors (mix + big)", lambda r: r["mix"]["errors"] + r["big"]["get_errors"], None, ""),
    ("HEAD p50 ms", lambda r: r["mix"]["head"]["p50_ms"], "low", ""),
    ("HEAD p99 ms", lambda r: r["mix"]["head"]["p99_ms"], "low", "ours <= dist"),
    ("GET MB/s", lambda r: r["mix"]["get"]["mb_s"], "high", "ours >= dist"),
    ("GET p50 ms", lambda r: r["mix"]["get"]["p50_ms"], "low", ""),
    ("GET p99 ms", lambda r: r["mix"]["get"]["p99_ms"], "low", "ours <= dist"),
    ("push p50 ms", lambda r: r["mix"]["push"]["p50_ms"], "low", ""),
    ("push p99 ms", lambda r: r["mix"]["push"]["p99_ms"], "low", ""),
    ("big: push MB/s", lambda r: r["big"]["push_mb_s"], "high", ""),
    (f"big: GET MB/s ({big_clients} clients)", lambda r: r["big"]["get_mb_s"], "high", "ours >= dist"),
    ("big: GETs complete", lambda r: r["big"]["get_complete"], None, ""),
    ("big: VmRSS before MB", lambda r: r["mem"]["vmrss_before_kb"] / 1024, "low", ""),
    ("big: max VmRSS MB", lambda r: r["mem"]["max_vmrss_kb"] / 1024, "low", "ours < 200"),
    ("big: max RssAnon MB", lambda r: r["mem"]["max_rssanon_kb"] / 1024, "low", ""),
]
print(f"\ncache-server load, rev {rev}, {clients} clients x {secs}s mix; big: {big_size} to "
      f"{big_clients} clients; {repeats} repeat(s) (load average after: {loadavg})\n")

def reduce(label, values):
    if "errors" in label:
        return sum(values)
    if "RSS" in label or "Rss" in label:
        return max(values)
    return statistics.median(values)

cols = ["distribution", "ours"]
print("| metric | distribution | ours | ours/distribution | bar | ok |")
print("|---|---:|---:|---:|---|---|")
for label, get, better, bar in rows:
    vals = {}
    for s in cols:
        try:
            vals[s] = reduce(label, [get(r) for r in runs[s]]) if s in runs else None
        except (KeyError, TypeError, ZeroDivisionError):
            vals[s] = None
    d, o = vals["distribution"], vals["ours"]
    fmt = lambda v: "-" if v is None else (
        str(int(v)) if float(v).is_integer() else f"{v:.0f}" if abs(v) >= 100 else f"{v:.2f}")
    ratio = f"{o / d:.2f}" if d not in (None, 0) and o is not None else "-"
    ok = ""
    if o is not None and bar:
        if bar == "ours < 200":
            ok = "yes" if o < 200 else "NO"
        elif d is not None:
            ok = "yes" if (o >= d if better == "high" else o <= d) else "NO"
    print(f"| {label} | {fmt(d)} | {fmt(o)} | {ratio} | {bar} | {ok} |")
for s in sides:
    for i, r in enumerate(runs[s], 1):
        for kind in ("head", "get", "push"):
            if r["mix"][kind].get("first_error"):
                print(f"{s} #{i} {kind}: first error: {r['mix'][kind]['first_error']}")
        if r["big"].get("first_error"):
            print(f"{s} #{i} big: first error: {r['big']['first_error']}")
print(f"\nraw results: {out}")
PY
