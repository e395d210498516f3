#!/bin/bash
# Soak test of `renewalgis serve`: wrk at 64 connections for 10 minutes over a seeded mix of bbox,
# items and collection requests (scripts/soak.lua), the server's RSS sampled every 10 s.
# Reports requests/s, p50/p99 latency, non-2xx and socket errors, RSS at start (after warm-up), end
# and maximum; fails when there is any error or the RSS at the end exceeds the RSS after warm-up by
# more than MAX_GROWTH percent. Not part of `make test` (it loads the machine for DURATION).
#   bash scripts/soak.sh [STORE]     (default: the M synthetic city imported into a temporary store)
# Env: DURATION (600, seconds), WARMUP (60, seconds, at most a third of DURATION), CONNS (64), THREADS (2),
#      MAX_GROWTH (20, percent), SEED (7), RENEWALGIS (binary; default the release build if there is
#      one, else the debug build), PORT (a free one).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/serve_lib.sh"
BIN=${RENEWALGIS:-$( [ -x "$ROOT/.build/release/renewalgis" ] && echo "$ROOT/.build/release/renewalgis" || echo "$ROOT/.build/debug/renewalgis")}
DURATION=${DURATION:-600}; CONNS=${CONNS:-64}; THREADS=${THREADS:-2}; MAX_GROWTH=${MAX_GROWTH:-20}; SEED=${SEED:-7}
WARMUP=${WARMUP:-60}; [ "$WARMUP" -gt $((DURATION / 3)) ] && WARMUP=$((DURATION / 3))
WORK=$(mktemp -d /tmp/renewalgis-soak.XXXXXX)
SAMPLER=
trap '[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null; stop_server; rm -rf "$WORK"' EXIT
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }

STORE=${1:-}
if [ -z "$STORE" ]; then STORE=$(city_store "$BIN" M "$WORK") || { echo "FAIL import"; exit 1; }; fi
# The layers and their joint extent drive the request mix; parcels first when there is one.
LAYERS=$(sqlite3 "$STORE" "SELECT group_concat(name, ',') FROM (SELECT name FROM renewalgis_layers WHERE minX IS NOT NULL ORDER BY name != 'parcels', name)")
BBOX=$(sqlite3 -separator , "$STORE" "SELECT min(minX), min(minY), max(maxX), max(maxY) FROM renewalgis_layers")
start_server "$BIN" "$STORE" "$WORK/serve.log" || { echo "FAIL server"; exit 1; }
echo "soak: $BIN serving $STORE at $URL (pid $SERVER_PID): layers $LAYERS, extent $BBOX"
echo "      $DURATION s, $CONNS connections, $THREADS threads, warm-up $WARMUP s, seed $SEED"

rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null; }
( t=0; while kill -0 "$SERVER_PID" 2>/dev/null; do echo "$t $(rss)"; sleep 10; t=$((t + 10)); done ) > "$WORK/rss.txt" &
SAMPLER=$!

SOAK_BBOX=$BBOX SOAK_LAYERS=$LAYERS SOAK_SEED=$SEED \
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency -s "$ROOT/scripts/soak.lua" "$URL" > "$WORK/wrk.txt" 2>&1
echo "$(( DURATION )) $(rss)" >> "$WORK/rss.txt"
kill "$SAMPLER" 2>/dev/null; SAMPLER=
alive=$(kill -0 "$SERVER_PID" 2>/dev/null && echo yes || echo no)

python3 - "$WORK/wrk.txt" "$WORK/rss.txt" "$WARMUP" "$MAX_GROWTH" "$alive" <<'EOF'
import json, sys
wrk, rss_file, warmup, max_growth, alive = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
lines = open(wrk).read().splitlines()
summary = next((json.loads(l) for l in reversed(lines) if l.startswith("{")), None)
samples = [(int(t), int(kb)) for t, kb in (l.split() for l in open(rss_file) if len(l.split()) == 2)]
failures = []
if summary is None:
    print("\n".join(lines[-20:]))
    sys.exit("FAIL wrk gave no summary")
e, lat = summary["errors"], summary["latency_ms"]
socket_errors = e["connect"] + e["read"] + e["write"] + e["timeout"]
print(f'requests {summary["requests"]} in {summary["duration_s"]:.0f} s: {summary["requests_per_s"]:.0f} requests/s, '
      f'latency p50 {lat["p50"]:.1f} ms, p99 {lat["p99"]:.1f} ms, max {lat["max"]:.0f} ms, '
      f'{summary["bytes"] / 1e6:.0f} MB read')
print(f'errors: non-2xx {e["non2xx_seen"]}, socket {socket_errors} (connect {e["connect"]}, read {e["read"]}, '
      f'write {e["write"]}, timeout {e["timeout"]})')
if e["non2xx_seen"] or socket_errors:
    failures.append("errors")
after = [kb for t, kb in samples if t >= warmup] or [kb for _, kb in samples]
start, end, peak = after[0], samples[-1][1], max(kb for _, kb in samples)
growth = (end - start) / start * 100
print(f"RSS: {samples[0][1] / 1024:.0f} MB idle, {start / 1024:.0f} MB after the {warmup} s warm-up, "
      f"{end / 1024:.0f} MB at the end ({growth:+.1f} %), {peak / 1024:.0f} MB at most ({len(samples)} samples)")
if growth > max_growth:
    failures.append(f"RSS grew {growth:.1f} % after warm-up (limit {max_growth:.0f} %)")
if alive != "yes":
    failures.append("the server died")
print(("FAIL soak: " + "; ".join(failures)) if failures else "PASS soak")
sys.exit(1 if failures else 0)
EOF
