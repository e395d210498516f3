#!/usr/bin/env bash
# Coverage benchmark: wall time and peak RSS of `renewalgis coverage` in both modes on the
# synthetic cities (default M), on a store imported once beforehand.
#
#   bash scripts/bench_coverage.sh [RENEWALGIS_BINARY] [SIZES...]
#
# The side-by-side comparison with GeoPandas, PostGIS and DuckDB is ../shared/bench/run_bench.py
# (see README): this script covers what the peers do not, the walking network.
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
bench_args "M" "$@"

echo "| run | residential parcels | wall | peak RSS |"
echo "|---|---:|---:|---:|"
for size in "${SIZES[@]}"; do
  ensure_city "$size"
  "$BIN" import "$DATA/$size/city.gpkg" --store "$WORK/$size.sqlite" >/dev/null
  for mode in straight network; do
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" coverage --store "$WORK/$size.sqlite" --mode "$mode" \
      --radii "$BENCH/radii_default.json" --csv "$WORK/c.csv" --summary "$WORK/s.json" >"$WORK/out" 2>"$WORK/err" \
      || { cat "$WORK/err"; exit 1; }
    read -r secs kb <"$WORK/time"
    parcels=$(grep -o 'of [0-9]* residential parcels' "$WORK/err" | grep -o '[0-9]*')
    printf "| %s coverage --mode %s | %d | %.2f s | %.0f MB |\n" "$size" "$mode" "$parcels" "$secs" "$(echo "$kb / 1024" | bc -l)"
    grep -o '(analysis.*)' "$WORK/err" | sed 's/^/  phases: /' >&2
  done
done
