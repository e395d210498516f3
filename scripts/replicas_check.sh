#!/usr/bin/env bash
# Replicas behind a load balancer: one PostGIS store, REPLICAS (2) `renewalgis serve` processes on their own
# ports, and nginx in front of them (round robin, a private config and prefix in a temporary directory,
# no system service). Checks, on the GeoData sample (imported as `make demo` does):
#   1. /collections, /collections/parcels, its queryables and 20 item pages (16 seeded bbox pages, 4 offset
#      pages) fetched through nginx and from every replica directly, all sent the same Host header: every
#      body byte-identical and every ETag equal (nginx's X-Upstream header shows both replicas answered).
#   2. The same from the replicas without that header: equal once links and the queryables' "$id" are
#      left out. These are the only parts that may differ between replicas: absolute URLs built from the
#      Host header the client sent. Anything else (features, counts, order, extents, ETags) must not.
#   3. A write through the CLI while they serve: `import GeoData/streets.geojson --as streets_v2`, then
#      `import GeoData/facilities.csv --crs GCJ02 --replace`. After each, every replica and nginx must list
#      the new collection and answer a parcels page with a new ETag within TIMEOUT seconds (5); then (1) again.
# One line per check, PASS or FAIL; exit status 1 when any fails.
#
#   bash scripts/replicas_check.sh [BIN=.build/debug/renewalgis] [STORE]
#
# STORE: a postgresql:// URL naming a server (a fresh database renewalgis_replicas is made on it and dropped
# at exit; RENEWALGIS_TEST_PG is used when set and no STORE is given), or the word sqlite (replicas of one
# SpatiaLite file in the work directory: the same checks on the other backend). Neither: a throwaway
# PostgreSQL 15 + PostGIS cluster on a private port (scripts/pg_test_cluster.sh), removed at exit.
# Env: REPLICAS (2), TIMEOUT (5), KEEP=1 keeps the work directory (nginx config and logs, server logs).
# Needs nginx (installed from Debian when missing: nginx-light).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source "$ROOT/scripts/pg_bench_lib.sh"
BIN=$(readlink -f "${1:-.build/debug/renewalgis}")
TARGET=${2:-${RENEWALGIS_TEST_PG:-}}
REPLICAS=${REPLICAS:-2}
TIMEOUT=${TIMEOUT:-5}
DB=renewalgis_replicas
WORK=$(mktemp -d /tmp/renewalgis-replicas.XXXXXX)
FAILED=0
PIDS=()
NGINX_PID=
MADE_DB=0

cleanup() {
    [ -n "$NGINX_PID" ] && { kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; }
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    [ "$MADE_DB" = 1 ] && [ -z "$PG_CLUSTER_DIR" ] && drop_db "$DB"
    pg_cluster_down
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
die() { echo "FAIL $*"; exit 1; }

[ -x "$BIN" ] || die "$BIN is missing: run \`make build\`"
if ! command -v nginx >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null; } ||
        die "nginx is missing and could not be installed (apt-get install nginx-light)"
fi

case "$TARGET" in
    sqlite) STORE=$WORK/store.sqlite ;;
    postgresql://*|postgres://*) pg_use_url "$TARGET"; STORE=$(fresh_db "$DB") || die "could not create database $DB on $PG_SERVER"; MADE_DB=1 ;;
    "") pg_cluster_up >/dev/null 2>&1 || die "could not start a PostgreSQL cluster"; STORE=$(fresh_db "$DB") || die "could not create database $DB"; MADE_DB=1 ;;
    *) die "STORE must be a postgresql:// URL or the word sqlite, not $TARGET" ;;
esac
SHOWN=$(sed 's#://\([^:@/]*\):[^@]*@#://\1:***@#' <<<"$STORE")   # the store without its password
echo "== store $SHOWN, $REPLICAS replicas, $("$BIN" --version)"

{
    "$BIN" import GeoData/parcels.shp --encoding GBK --rename safety_gra=safety_grade --rename planned_ac=planned_action --store "$STORE" &&
    "$BIN" import GeoData/planning_constraints.gpkg --store "$STORE" &&
    "$BIN" import GeoData/facilities.csv --crs GCJ02 --store "$STORE" &&
    "$BIN" import GeoData/streets.geojson --store "$STORE"
} > "$WORK/import.log" 2>&1 || { tail -5 "$WORK/import.log"; die "import of GeoData/ into $SHOWN"; }

# The replicas.
BASES=()
for i in $(seq 1 "$REPLICAS"); do
    port=$(free_port)
    "$BIN" serve --store "$STORE" --host 127.0.0.1 --port "$port" --styles Styles > "$WORK/replica$i.log" 2>&1 &
    PIDS+=($!)
    BASES+=("http://127.0.0.1:$port")
done
for i in "${!BASES[@]}"; do
    for _ in $(seq 1 150); do curl -fs -o /dev/null "${BASES[$i]}/collections" && break; sleep 0.2; done
    curl -fs -o /dev/null "${BASES[$i]}/collections" || { tail -5 "$WORK/replica$((i + 1)).log"; die "replica $((i + 1)) did not start on ${BASES[$i]}"; }
done

# nginx in front: round robin over the replicas, the client's Host passed on, the chosen replica in X-Upstream.
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/tmp"
{
    echo "worker_processes 1;"
    echo "daemon off;"
    echo "pid $WORK/nginx/nginx.pid;"
    echo "error_log $WORK/nginx/error.log warn;"
    echo "events { worker_connections 256; }"
    echo "http {"
    echo "    log_format upstream '\$upstream_addr \$status \$request_uri';"
    echo "    access_log $WORK/nginx/access.log upstream;"
    for t in client_body proxy fastcgi uwsgi scgi; do echo "    ${t}_temp_path $WORK/nginx/tmp/$t;"; done
    echo "    upstream replicas {"
    for base in "${BASES[@]}"; do echo "        server ${base#http://};"; done
    echo "        keepalive 8;"
    echo "    }"
    echo "    server {"
    echo "        listen 127.0.0.1:$NGINX_PORT;"
    echo "        location / {"
    echo "            proxy_pass http://replicas;"
    echo "            proxy_http_version 1.1;"
    echo "            proxy_set_header Connection \"\";"
    echo "            proxy_set_header Host \$http_host;"
    echo "            add_header X-Upstream \$upstream_addr always;"
    echo "        }"
    echo "    }"
    echo "}"
} > "$WORK/nginx/nginx.conf"
nginx -t -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" > "$WORK/nginx/test.log" 2>&1 ||
    { cat "$WORK/nginx/test.log"; die "nginx rejects $WORK/nginx/nginx.conf"; }
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" > "$WORK/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
FRONT=http://127.0.0.1:$NGINX_PORT
for _ in $(seq 1 50); do curl -fs -o /dev/null "$FRONT/collections" && break; sleep 0.1; done
curl -fs -o /dev/null "$FRONT/collections" || { cat "$WORK/nginx/error.log"; die "nginx does not answer on $FRONT"; }
echo "== replicas ${BASES[*]} behind nginx $FRONT (pid $NGINX_PID)"

# The paths: metadata, 16 bbox pages of about 500 m around seeded parcels, 4 offset pages.
python3 - "$FRONT" "$WORK/paths.txt" <<'PY' || die "could not make the request paths"
import json, random, sys, urllib.request
front, out = sys.argv[1:]
parcels = json.load(urllib.request.urlopen(front + "/collections/parcels/items?limit=10000"))["features"]
def first_position(c):
    while isinstance(c[0], list):
        c = c[0]
    return c
rng = random.Random(7)
paths = ["/collections", "/collections/parcels", "/collections/parcels/queryables"]
for feature in rng.sample(parcels, 16):
    x, y = first_position(feature["geometry"]["coordinates"])
    dx, dy = 0.0026, 0.00226
    paths.append(f"/collections/parcels/items?bbox={x - dx:.7f},{y - dy:.7f},{x + dx:.7f},{y + dy:.7f}&limit=1000")
paths += [f"/collections/parcels/items?limit=100&offset={o}" for o in (0, 300, 900)] + ["/collections/streets/items?limit=50&offset=50"]
open(out, "w").write("\n".join(paths) + "\n")
PY

# relay → compare_answers.py's lines as PASS/FAIL lines (details indented as they come).
relay() {
    local line
    while IFS= read -r line; do
        case "$line" in
            "OK "*) pass "${line#OK }" ;;
            "DIFFER "*) fail "${line#DIFFER }" ;;
            *) echo "$line" ;;
        esac
    done
}

# same_answers WHEN → checks (1) and (2).
same_answers() {
    python3 scripts/compare_answers.py "$1, nginx and ${#BASES[@]} replicas, same Host" "$WORK/paths.txt" \
        "$FRONT" "${BASES[@]}" --host "127.0.0.1:$NGINX_PORT" --bytes --etags must > "$WORK/compare.out"
    relay < "$WORK/compare.out"
    python3 scripts/compare_answers.py "$1, replicas, each its own Host" "$WORK/paths.txt" \
        "${BASES[@]}" --drop 'links,$id' --etags must > "$WORK/compare.out"
    relay < "$WORK/compare.out"
}
same_answers "before the write"

# watch_write LABEL COLLECTION CMD… → runs the write, then waits until every server lists COLLECTION and
# gives a new ETag for a page of parcels.
watch_write() {
    local label=$1 collection=$2; shift 2
    local probe="/collections/parcels/items?limit=10"
    declare -A before
    for base in "$FRONT" "${BASES[@]}"; do before[$base]=$(curl -fs -o /dev/null -D - "$base$probe" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p'); done
    "$@" >> "$WORK/write.log" 2>&1 || { fail "$label: the write failed: $(tail -2 "$WORK/write.log" | tr '\n' ' ')"; return; }
    local start; start=$(date +%s%N)
    for base in "${BASES[@]}" "$FRONT"; do
        local seen=0 tag=""
        while [ $(( ($(date +%s%N) - start) / 1000000 )) -lt $((TIMEOUT * 1000)) ]; do
            tag=$(curl -fs -o /dev/null -D - "$base$probe" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
            if curl -fs "$base/collections" | python3 -c 'import json, sys; sys.exit(0 if sys.argv[1] in [c["id"] for c in json.load(sys.stdin)["collections"]] else 1)' "$collection" &&
               [ -n "$tag" ] && [ "$tag" != "${before[$base]}" ]; then seen=1; break; fi
            sleep 0.05
        done
        local ms=$(( ($(date +%s%N) - start) / 1000000 ))
        if [ "$seen" = 1 ]; then pass "$label: $base lists $collection and its ETag changed (${before[$base]} → $tag) within $ms ms of the commit"
        else fail "$label: $base after $ms ms: $collection listed? ETag ${before[$base]} → ${tag:-none}"; fi
    done
}
watch_write "new layer" streets_v2 "$BIN" import GeoData/streets.geojson --as streets_v2 --store "$STORE"
watch_write "replaced layer" facilities "$BIN" import GeoData/facilities.csv --crs GCJ02 --replace --store "$STORE"
same_answers "after the writes"

# Round robin: every replica answered some of the requests sent through nginx.
spread=$(awk '{ n[$1]++ } END { for (u in n) printf "%s %d, ", u, n[u] }' "$WORK/nginx/access.log")
if [ "$(awk '{ print $1 }' "$WORK/nginx/access.log" | sort -u | grep -c .)" = "$REPLICAS" ]; then pass "nginx spread its requests over the $REPLICAS replicas: ${spread%, }"
else fail "nginx used $(awk '{ print $1 }' "$WORK/nginx/access.log" | sort -u | grep -c .) of $REPLICAS replicas: ${spread%, }"; fi
if [ "$FAILED" -gt 0 ]; then echo "replicas_check: $FAILED check(s) failed (KEEP=1 keeps $WORK)"; exit 1; fi
echo "replicas_check: all checks passed"
