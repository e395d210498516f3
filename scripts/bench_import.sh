#!/usr/bin/env bash
# Import benchmark: RenewalGIS against `ogr2ogr -f SQLite -dsco SPATIALITE=YES` on the same
# files, in the same run. Reports wall time, features/s and peak RSS (GNU time's %M).
#
#   bash scripts/bench_import.sh [RENEWALGIS_BINARY] [SIZES...]     (default: release build, M L)
#
# Data: the synthetic cities of ../shared/bench (gen_city.py), generated into /tmp/citydata
# on first use with the bench venv /tmp/bv (../shared/bench/setup.sh creates it).
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
bench_args "M L" "$@"

command -v ogr2ogr >/dev/null || { apt-get install -y -q gdal-bin >/dev/null; }

# measure LABEL FEATURES CMD... → prints a table row; the command's own output goes to $WORK/log
measure() {
  local label=$1 features=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/log" 2>&1 || { echo "FAILED: $label"; cat "$WORK/log"; return 1; }
  read -r secs kb <"$WORK/time"
  awk -v l="$label" -v n="$features" -v s="$secs" -v kb="$kb" \
    'BEGIN { printf "| %-44s | %9d | %7.2f s | %10.0f | %7.0f MB |\n", l, n, s, (s > 0 ? n / s : 0), kb / 1024 }'
}

echo "RenewalGIS import benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $("$BIN" --version), $(ogr2ogr --version)"
echo
echo "| run | features | wall | features/s | peak RSS |"
echo "|---|---:|---:|---:|---:|"
for size in "${SIZES[@]}"; do
  ensure_city "$size"
  gpkg="$DATA/$size/city.gpkg"
  total=$(ogrinfo -ro -so -al "$gpkg" | awk -F': ' '/^Feature Count/ { n += $2 } END { print n }')
  parcels=$(ogrinfo -ro -so "$gpkg" parcels | awk -F': ' '/^Feature Count/ { print $2 }')
  # Shapefile copy of the parcels in a Gauss-Krüger zone, as planners receive them.
  [ -f "$DATA/$size/parcels_4545.shp" ] || ogr2ogr -t_srs EPSG:4545 "$DATA/$size/parcels_4545.shp" "$gpkg" parcels

  rm -f "$WORK"/*.sqlite
  measure "$size all layers: renewalgis import" "$total" "$BIN" import "$gpkg" --store "$WORK/r.sqlite"
  measure "$size all layers: ogr2ogr SPATIALITE=YES" "$total" ogr2ogr -f SQLite -dsco SPATIALITE=YES "$WORK/o.sqlite" "$gpkg"
  rm -f "$WORK"/*.sqlite
  measure "$size parcels GPKG: renewalgis import" "$parcels" "$BIN" import "$gpkg" --layer parcels --store "$WORK/r.sqlite"
  measure "$size parcels GPKG: ogr2ogr SPATIALITE=YES" "$parcels" ogr2ogr -f SQLite -dsco SPATIALITE=YES "$WORK/o.sqlite" "$gpkg" parcels
  rm -f "$WORK"/*.sqlite
  measure "$size parcels SHP EPSG:4545: renewalgis import" "$parcels" "$BIN" import "$DATA/$size/parcels_4545.shp" --store "$WORK/r.sqlite"
  measure "$size parcels SHP EPSG:4545: ogr2ogr -t_srs 4490" "$parcels" ogr2ogr -f SQLite -dsco SPATIALITE=YES -t_srs EPSG:4490 "$WORK/o.sqlite" "$DATA/$size/parcels_4545.shp"
done
