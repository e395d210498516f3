#!/usr/bin/env bash
# Vector tiles of a synthetic city (../shared/bench; M: 20,728 parcels) right on both backends: the city
# imported into a SpatiaLite store and into PostGIS (a private throwaway cluster), both served, and
# scripts/tiles_truth.py checking tiles of zooms 12, 14 and 16 from both servers against the GeoPackage
# with GDAL's MVT driver and mapbox-vector-tile (exactly the features meeting tile and buffer, within one
# tile unit, attributes intact; the same features from both stores). Not in `make test` (it needs the
# generated city); run it after changing the tiles.
#   bash scripts/tiles_check.sh [BIN=.build/release/renewalgis] [SIZE=M] [LAYER=parcels] [KEY=parcel_id]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
BIN=$(bench_binary "${1:-}")
SIZE=${2:-M}; LAYER=${3:-parcels}; KEY=${4:-parcel_id}
ensure_city "$SIZE"
GPKG=$DATA/$SIZE/city.gpkg
source "$ROOT/scripts/pg_bench_lib.sh"
WORK=$(mktemp -d); PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; pg_cluster_down; rm -rf "$WORK"' EXIT
make -s -C "$ROOT" .venv-e2e/.geopandas .venv-e2e/.mvt > /dev/null

pg_cluster_up > "$WORK/pg.log" 2>&1 || { echo "PostgreSQL did not start: $(tail -3 "$WORK/pg.log")"; exit 1; }
PG_STORE=$(fresh_db tiles_check)
"$BIN" import "$GPKG" --layer "$LAYER" --store "$WORK/city.sqlite" > /dev/null
"$BIN" import "$GPKG" --layer "$LAYER" --store "$PG_STORE" > /dev/null

URLS=()
for store in "$WORK/city.sqlite" "$PG_STORE"; do
    port=$(free_port)
    "$BIN" serve --store "$store" --port "$port" > "$WORK/serve_$port.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$port/conformance" && break; sleep 0.1; done
    URLS+=("http://127.0.0.1:$port")
done
echo "tiles of $SIZE's $LAYER from SpatiaLite (${URLS[0]}) and PostGIS (${URLS[1]}):"
"$ROOT/.venv-e2e/bin/python" "$ROOT/scripts/tiles_truth.py" "$GPKG" "${URLS[@]}" --layer "$LAYER" --key "$KEY"
