#!/bin/bash
# End-to-end checks of `renewalgis serve` with third-party clients, on the sample data:
#   1. GDAL's OAPIF driver: ogrinfo lists every collection of the store, with the store's feature count;
#      ogr2ogr copies every parcel to a GeoPackage, none lost or repeated;
#   2. openapi-spec-validator accepts /api;
#   3. headless chromium draws /map: the page reports no error and features rendered, and the
#      screenshot has the parcels style's colours (scripts/map_pixels.py);
#   4. outside China, on real OSM data of Helsinki: coverage equals GeoPandas in UTM 35N (scripts/coverage_outside_china.py);
#   5. OWSLib reads the collections, items, queryables and a CQL2 filter with spaces (scripts/owslib_check.py).
#   6. QGIS (headless PyQGIS, its OAPIF provider) loads every collection with the store's count,
#      values, types and geometries, and renders a map whose pixels are checked (scripts/qgis_check.py).
#   7. with RENEWALGIS_TEST_PG set: two servers on one PostGIS store behind nginx (scripts/replicas_check.sh).
#   8. checkup: three indicators recomputed with GeoPandas at every level (scripts/checkup_check.py), and
#      the workbook read by LibreOffice headless, every sheet equal to its CSV (scripts/xlsx_check.py).
#   9. the run's Chinese report printed to PDF by chromium, read back with pdftotext and pdftoppm.
# Each check prints PASS or FAIL with its figures; the script exits 1 when any fails.
#
#   bash scripts/e2e.sh [BIN=.build/debug/renewalgis]        (from `make e2e`, which installs what it needs)
# Env: VENV (.venv-e2e, holding openapi-spec-validator, GeoPandas, owslib and mapbox-vector-tile), ASSETS (vendor/maplibre), CHROMIUM (chromium),
#      KEEP=1 keeps the work directory (store, server log, copy, screenshot).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=$(readlink -f "${1:-.build/debug/renewalgis}")
VENV=${VENV:-.venv-e2e}
ASSETS=${ASSETS:-vendor/maplibre}
CHROMIUM=${CHROMIUM:-chromium}
WORK=$(mktemp -d /tmp/renewalgis-e2e.XXXXXX)
STORE=$WORK/demo.sqlite
FAILED=0
SPID=

stop() {
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap stop EXIT
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
die() { echo "FAIL $*"; exit 1; }

for tool in ogrinfo ogr2ogr sqlite3 curl "$CHROMIUM" "$VENV/bin/openapi-spec-validator"; do
    command -v "$tool" >/dev/null || die "$tool is missing: run \`make e2e\`, which installs it"
done
[ -x "$BIN" ] || die "$BIN is missing: run \`make build\`"
[ -s "$ASSETS/maplibre-gl.js" ] || die "MapLibre GL JS is not in $ASSETS: run \`make maplibre\`"

# The store: the sample layers as `make demo` imports them, and the result layers of coverage
# (straight line), conflicts and eligibility, so results are served too.
echo "== importing GeoData/ into $STORE"
{
    "$BIN" import GeoData/parcels.shp --encoding GBK --rename safety_gra=safety_grade --rename planned_ac=planned_action --store "$STORE" &&
    "$BIN" import GeoData/planning_constraints.gpkg --store "$STORE" &&
    "$BIN" import GeoData/facilities.csv --crs GCJ02 --store "$STORE" &&
    "$BIN" import GeoData/streets.geojson --store "$STORE" &&
    "$BIN" coverage --store "$STORE" --mode straight &&
    "$BIN" conflicts --store "$STORE" &&
    "$BIN" eligibility --store "$STORE" --to 080701
} > "$WORK/import.log" 2>&1 || { cat "$WORK/import.log"; die "import"; }

# What the store holds: each layer's name and row count.
declare -A COUNT
for name in $(sqlite3 "$STORE" "SELECT name FROM renewalgis_layers ORDER BY name"); do
    COUNT[$name]=$(sqlite3 "$STORE" "SELECT count(*) FROM \"$name\"")
done
echo "store: $(for n in $(printf '%s\n' "${!COUNT[@]}" | sort); do printf '%s %s, ' "$n" "${COUNT[$n]}"; done)"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
"$BIN" serve --store "$STORE" --port "$PORT" --styles Styles --assets "$ASSETS" > "$WORK/serve.log" 2>&1 &
SPID=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null "$URL/conformance" && break; sleep 0.1; done
curl -fs -o /dev/null "$URL/conformance" || { cat "$WORK/serve.log"; die "the server did not start on $URL"; }
echo "== serving at $URL (pid $SPID)"

# 1. GDAL OAPIF: the collections, their counts, a full copy of the parcels.
listed=$(ogrinfo -ro -so "OAPIF:$URL" 2>"$WORK/ogrinfo.err" | sed -n 's/^[0-9]*: \([^ ]*\).*/\1/p' | sort | tr '\n' ' ')
expected=$(printf '%s\n' "${!COUNT[@]}" | sort | tr '\n' ' ')
if [ "$listed" = "$expected" ]; then pass "ogrinfo lists the ${#COUNT[@]} collections: $listed"
else fail "ogrinfo lists [$listed], the store has [$expected]"; cat "$WORK/ogrinfo.err"; fi

for name in $(printf '%s\n' "${!COUNT[@]}" | sort); do
    got=$(ogrinfo -ro -so "OAPIF:$URL" "$name" 2>>"$WORK/ogrinfo.err" | sed -n 's/^Feature Count: //p')
    if [ "$got" = "${COUNT[$name]}" ]; then pass "ogrinfo $name: Feature Count $got = store ${COUNT[$name]}"
    else fail "ogrinfo $name: Feature Count '${got}', store ${COUNT[$name]}"; fi
done

# Pages of 250 features, so the copy follows rel=next links six times.
if ogr2ogr -f GPKG "$WORK/parcels.gpkg" "OAPIF:$URL/collections/parcels" -oo PAGE_SIZE=250 -nln parcels 2>"$WORK/ogr2ogr.err"; then
    read -r copied distinct <<<"$(sqlite3 -separator ' ' "$WORK/parcels.gpkg" "SELECT count(*), count(DISTINCT parcel_id) FROM parcels")"
    sqlite3 "$WORK/parcels.gpkg" "SELECT parcel_id FROM parcels ORDER BY 1" > "$WORK/copied_ids.txt"
    sqlite3 "$STORE" "SELECT parcel_id FROM parcels ORDER BY 1" > "$WORK/store_ids.txt"
    if [ "$copied" = "${COUNT[parcels]}" ] && [ "$distinct" = "$copied" ] && cmp -s "$WORK/copied_ids.txt" "$WORK/store_ids.txt"; then
        pass "ogr2ogr copied $copied parcels, $distinct distinct parcel_id, the same set as the store's ${COUNT[parcels]}"
    else
        fail "ogr2ogr copied $copied parcels ($distinct distinct parcel_id), store ${COUNT[parcels]}; differences: $(diff "$WORK/store_ids.txt" "$WORK/copied_ids.txt" | grep -c '^[<>]')"
    fi
else
    fail "ogr2ogr: $(tail -3 "$WORK/ogr2ogr.err")"
fi

# 2. The OpenAPI document.
curl -fs "$URL/api" -o "$WORK/api.json"
if out=$("$VENV/bin/openapi-spec-validator" "$WORK/api.json" 2>&1); then
    pass "openapi-spec-validator: $(echo "$out" | tail -1) ($(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["paths"]))' "$WORK/api.json") paths)"
else
    fail "openapi-spec-validator: $(echo "$out" | tail -5)"
fi

# 3. /map in headless chromium (driven over the DevTools protocol until the page reports it has
#    drawn: scripts/chromium_map.py), then the parcels style's colours counted in the screenshot,
#    then a click on a parcel: the popup shows the whole feature (the tiles carry land_use and
#    parcel_id only; the rest comes from /collections/parcels/items/{parcel_id}).
python3 scripts/chromium_map.py "$URL/map" "$WORK/map.png" "$WORK/map.json" --chromium "$CHROMIUM" --click parcels-fill 2>"$WORK/chromium.err"
report=$(python3 - "$WORK/map.json" <<'EOF'
import json, sys
try:
    state = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    state = {"status": "no-report", "errors": [], "rendered": {}}
print(state["status"], state["rendered"].get("parcels-fill", 0),
      f'page {state["status"]} after {state.get("seconds", "?")} s, errors {state["errors"]}, features drawn per layer: '
      + ", ".join(f"{k} {v}" for k, v in state["rendered"].items()))
EOF
)
read -r status fill detail <<<"$report"
if [ "$status" = ready ] && [ "${fill:-0}" -gt 0 ]; then pass "chromium /map: $detail"
else fail "chromium /map: $detail $(tail -2 "$WORK/chromium.err")"; fi

popup=$(python3 - "$WORK/map.json" <<'EOF'
import json, sys
try:
    rows = dict(json.load(open(sys.argv[1])).get("popup") or [])
except (OSError, ValueError):
    rows = {}
print(len(rows), rows.get("layer", "-"), rows.get("parcel_id", "-"), rows.get("planned_action", "-"))
EOF
)
read -r rows layer parcel action <<<"$popup"
if [ "$layer" = parcels-fill ] && [ "$parcel" != - ] && [ "$action" != - ] && [ "$rows" -gt 4 ]; then
    pass "chromium click on a parcel: a popup of $rows rows, parcel_id $parcel, planned_action $action (the whole feature, not only the tile's two attributes)"
else
    fail "chromium click on a parcel: popup $popup"
fi

curl -fs "$URL/styles/parcels" -o "$WORK/parcels_style.json"
if [ -s "$WORK/map.png" ] && out=$(python3 scripts/map_pixels.py "$WORK/map.png" "$WORK/parcels_style.json"); then
    pass "chromium screenshot: $out"
else
    fail "chromium screenshot: ${out:-no screenshot}"
fi

# 4. Outside China (real OpenStreetMap data of central Helsinki, ODbL, via scripts/osm_sample.sh): the
#    covered fractions of `renewalgis coverage` equal GeoPandas' in the local UTM zone within 0.005.
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import geopandas' 2>/dev/null; then
    if osm=$(bash scripts/osm_sample.sh 2>"$WORK/osm.err") && bash scripts/osm_city.sh "$osm/Helsinki.osm.pbf" "$WORK/helsinki.gpkg" 2>>"$WORK/osm.err" &&
       out=$("$VENV/bin/python" scripts/coverage_outside_china.py "$BIN" "$WORK/helsinki.gpkg" "$WORK/outside_china" 2>&1) &&
       grep -q '^PASS' <<<"$out"; then
        pass "outside China: $(tr '\n' ' ' <<<"$out")"
    else
        fail "outside China: ${out:-$(tail -3 "$WORK/osm.err")}"
    fi
else
    fail "outside China: GeoPandas is not in $VENV: run \`make e2e\`, which installs it"
fi

# ---- OWSLib (serving helper's block; keep separate from the QGIS block) ----------------------
# 5. OWSLib, the OGC client library for Python (owslib from PyPI, in $VENV): the collections, a page
#    of parcels, the parcels' queryables and a CQL2 filter with spaces (sent form-encoded, a space as
#    +), each compared with the store (scripts/owslib_check.py).
if ! "$VENV/bin/python" -c 'import owslib' 2>/dev/null; then
    fail "owslib is not in $VENV: run \`make e2e\`, which installs it"
elif out=$("$VENV/bin/python" scripts/owslib_check.py "$URL" "$STORE" 2>&1); then
    pass "$(echo "$out" | tail -1)"
else
    fail "owslib: $(echo "$out" | grep -v '^PASS' | tail -5)"
fi
# ---- end of the OWSLib block ------------------------------------------------------------------

# 5b. Vector tiles read by two decoders that share no code with the server: GDAL's MVT driver and the
#     Python package mapbox-vector-tile (scripts/check_tiles.py): same features, attributes, coordinates.
if ! "$VENV/bin/python" -c 'import mapbox_vector_tile' 2>/dev/null; then
    fail "mapbox-vector-tile is not in $VENV: run \`make e2e\`, which installs it"
elif out=$("$VENV/bin/python" scripts/check_tiles.py "$URL" 2>&1); then
    pass "$(echo "$out" | tail -1 | sed 's/^PASS //')"
else
    fail "vector tiles: $(echo "$out" | tail -5)"
fi

# ---- QGIS (scripts/qgis_check.py) -------------------------------------------------------------
# 6. QGIS's own OGC API – Features provider, headless: every collection with the store's count, every
#    value and geometry as in the store, fields typed as the store declares them, and a map rendered
#    whose pixels are checked where the store says parcels and streets are. PyQGIS imports only in
#    Debian's /usr/bin/python3 (packages qgis, python3-qgis).
if /usr/bin/python3 -c 'import qgis.core' 2>/dev/null; then
    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_check.py "$URL" "$STORE" --png "$WORK/qgis_map.png" \
        2>"$WORK/qgis.err" | tee "$WORK/qgis.out" | grep -E '^(PASS|FAIL) '
    FAILED=$((FAILED + $(grep -c '^FAIL ' "$WORK/qgis.out")))
    grep -q '^qgis: all checks passed' "$WORK/qgis.out" || grep -q '^FAIL ' "$WORK/qgis.out" ||
        fail "qgis_check.py did not finish: $(grep -v 'QStandardPaths' "$WORK/qgis.err" | tail -3)"
else
    fail "PyQGIS does not import in /usr/bin/python3: run \`make e2e\`, which installs qgis and python3-qgis"
fi
# ---- end of QGIS ----------------------------------------------------------------------------------

# ---- replicas (scripts/replicas_check.sh) ----------------------------------------------------------
# 7. Only when a PostgreSQL server is named (RENEWALGIS_TEST_PG, as for the PostGIS tests): two
#    `renewalgis serve` on one PostGIS store behind nginx answer alike, and a write through the CLI shows
#    on both within seconds (a fresh database on that server, dropped afterwards).
if [ -n "${RENEWALGIS_TEST_PG:-}" ]; then
    bash scripts/replicas_check.sh "$BIN" "$RENEWALGIS_TEST_PG" > "$WORK/replicas.out" 2>&1
    grep -E '^(PASS|FAIL) ' "$WORK/replicas.out"
    FAILED=$((FAILED + $(grep -c '^FAIL ' "$WORK/replicas.out")))
    grep -q '^replicas_check: all checks passed' "$WORK/replicas.out" || grep -q '^FAIL ' "$WORK/replicas.out" ||
        fail "replicas_check.sh did not finish: $(tail -3 "$WORK/replicas.out")"
else
    echo "SKIP replicas behind nginx (set RENEWALGIS_TEST_PG to a PostgreSQL server to run scripts/replicas_check.sh)"
fi
# ---- end of replicas ------------------------------------------------------------------------------

# ---- health check (scripts/checkup_check.py, scripts/xlsx_check.py) ---------------------------------
# 8. `renewalgis checkup` on a copy of the store with renewal units: three indicators and the residents
#    of every unit recomputed with GeoPandas at every level (renewal units and the grid by default,
#    then the units given as a community level), and the workbook opened by LibreOffice headless,
#    every sheet equal to the CSV of the same table with its Chinese intact.
CHECKUP=$WORK/checkup.sqlite
cp "$STORE" "$CHECKUP"
if "$BIN" units --store "$CHECKUP" --min-ha 10 --max-ha 50 --seed 1 > "$WORK/checkup.log" 2>&1 &&
   "$BIN" checkup --store "$CHECKUP" --csv "$WORK/checkup" --xlsx "$WORK/checkup.xlsx" >> "$WORK/checkup.log" 2>&1; then
    metric=$(grep -o "metric CRS EPSG:[0-9]*" "$WORK/checkup.log" | tail -1 | cut -d' ' -f3)
    for check in "$VENV/bin/python scripts/checkup_check.py $CHECKUP $metric" "python3 scripts/xlsx_check.py $WORK/checkup.xlsx $WORK/checkup"; do
        $check > "$WORK/check.out" 2>&1
        cat "$WORK/check.out"
        FAILED=$((FAILED + $(grep -c '^FAIL ' "$WORK/check.out")))
        grep -q '^PASS ' "$WORK/check.out" || fail "$check printed no result: $(tail -3 "$WORK/check.out")"
    done
    if "$BIN" checkup --store "$CHECKUP" --level community=renewal_units:unit_id >> "$WORK/checkup.log" 2>&1; then
        "$VENV/bin/python" scripts/checkup_check.py "$CHECKUP" "$metric" > "$WORK/check.out" 2>&1
        sed 's/^/  (--level community) /' "$WORK/check.out"
        FAILED=$((FAILED + $(grep -c '^FAIL ' "$WORK/check.out")))
        grep -q '^PASS checkup_community' "$WORK/check.out" || fail "checkup --level community wrote no checkup_community layer"
    else
        fail "checkup --level community: $(tail -3 "$WORK/checkup.log")"
    fi
else
    fail "units and checkup on the sample: $(tail -5 "$WORK/checkup.log")"
fi
# 9. The batch run's report: `renewalgis run` on a copy of GeoData/ writes the HTML report and prints it
#    to PDF with headless chromium; the PDF is A4, its text (pdftotext) holds the Chinese title,
#    indicator names, legend, scale and north arrow, and its map page renders (pdftoppm).
cp -r GeoData "$WORK/GeoData"
if "$BIN" run "$WORK/GeoData/project.yaml" > "$WORK/run.log" 2>&1 && [ -s "$WORK/out/demo_report.pdf" ]; then
    # Reading order, spaces and line breaks dropped: a name wrapped in a narrow table cell reads whole.
    pdftotext "$WORK/out/demo_report.pdf" - | tr -d ' \n' > "$WORK/report.txt"
    pages=$(pdfinfo "$WORK/out/demo_report.pdf" | awk '/^Pages:/ { print $2 }')
    size=$(pdfinfo "$WORK/out/demo_report.pdf" | grep -c 'A4' || true)
    missing=""
    for word in 城市体检与城市更新单元报告 全域体检指标 公园绿地服务半径覆盖率 存在安全隐患的住宅数量 问题清单 图例 更新单元与体检问题分布图 历史文化保护范围 北 米; do
        grep -q "$word" "$WORK/report.txt" || missing="$missing $word"
    done
    pdftoppm -r 50 -png -f 2 -l 2 "$WORK/out/demo_report.pdf" "$WORK/page" && page=$(ls "$WORK"/page-*.png 2>/dev/null | head -1)
    if [ -z "$missing" ] && [ "${pages:-0}" -ge 2 ] && [ "$size" -ge 1 ] && [ -s "${page:-}" ]; then
        pass "report: $pages A4 pages printed by chromium, Chinese text and map furniture found by pdftotext, page 2 rendered by pdftoppm"
    else
        fail "report: pages ${pages:-?}, A4 $size, missing text:${missing:- none}, page image ${page:-none}"
    fi
else
    fail "renewalgis run on GeoData/ wrote no PDF report: $(tail -5 "$WORK/run.log")"
fi
# ---- end of health check ---------------------------------------------------------------------------

if [ "$FAILED" -gt 0 ]; then
    echo "e2e: $FAILED check(s) failed (server log: $WORK/serve.log; KEEP=1 keeps it)"
    exit 1
fi
echo "e2e: all checks passed"
