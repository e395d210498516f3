#!/bin/bash
# Copies every parcel of a store from `renewalgis serve` with GDAL's ogr2ogr (OAPIF driver, paging
# through rel=next) and checks that none is lost or repeated: the copy's count and its set of
# parcel_id equal the store's.
#   bash scripts/ogr2ogr_copy.sh [STORE]     (default: the M synthetic city, 20,728 parcels, imported into a temporary store)
# Env: RENEWALGIS (binary; default the release build if there is one, else the debug build),
#      PAGE_SIZE (GDAL's page size, 1000), LAYER (parcels), ID (parcel_id).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/serve_lib.sh"
BIN=${RENEWALGIS:-$( [ -x "$ROOT/.build/release/renewalgis" ] && echo "$ROOT/.build/release/renewalgis" || echo "$ROOT/.build/debug/renewalgis")}
LAYER=${LAYER:-parcels}; ID=${ID:-parcel_id}; PAGE_SIZE=${PAGE_SIZE:-1000}
WORK=$(mktemp -d /tmp/renewalgis-copy.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT

STORE=${1:-}
if [ -z "$STORE" ]; then STORE=$(city_store "$BIN" M "$WORK") || { echo "FAIL import"; exit 1; }; fi
start_server "$BIN" "$STORE" "$WORK/serve.log" || { echo "FAIL server"; exit 1; }

expected=$(sqlite3 "$STORE" "SELECT count(*) FROM \"$LAYER\"")
start=$(date +%s%N)
if ! ogr2ogr -f GPKG "$WORK/copy.gpkg" "OAPIF:$URL/collections/$LAYER" -oo PAGE_SIZE="$PAGE_SIZE" -nln copy 2>"$WORK/ogr2ogr.err"; then
    echo "FAIL ogr2ogr: $(tail -3 "$WORK/ogr2ogr.err")"; exit 1
fi
ms=$(( ($(date +%s%N) - start) / 1000000 ))
read -r copied distinct <<<"$(sqlite3 -separator ' ' "$WORK/copy.gpkg" "SELECT count(*), count(DISTINCT \"$ID\") FROM copy")"
sqlite3 "$WORK/copy.gpkg" "SELECT \"$ID\" FROM copy ORDER BY 1" > "$WORK/copied.txt"
sqlite3 "$STORE" "SELECT \"$ID\" FROM \"$LAYER\" ORDER BY 1" > "$WORK/store.txt"
lost=$(comm -23 "$WORK/store.txt" <(sort -u "$WORK/copied.txt") | wc -l)
if [ "$copied" = "$expected" ] && [ "$distinct" = "$copied" ] && cmp -s "$WORK/store.txt" "$WORK/copied.txt"; then
    echo "PASS ogr2ogr copied $copied $LAYER in ${ms} ms (pages of $PAGE_SIZE): $distinct distinct $ID, the same set as the store's $expected"
else
    echo "FAIL ogr2ogr copied $copied $LAYER ($distinct distinct $ID), store $expected: $lost lost, $((copied - distinct)) repeated"
    exit 1
fi
