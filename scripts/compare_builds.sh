#!/bin/bash
# Compares two builds of renewalgis on the same inputs, for behaviour-preserving changes (issue 15):
# every CSV output byte for byte, every store table row for row, and the status, chosen headers and
# body of a fixed list of HTTP requests, on the repository's sample and on any synthetic city given.
#
#   scripts/compare_builds.sh BASE_REF [--new-ref REF] [--data DIR ...] [--allow FILE]
#
#   BASE_REF       the build to compare against (e.g. main before the change): built in a git worktree
#                  under $COMPARE_WORK/base (its .build is kept and reused by later runs)
#   --new-ref REF  the build to check; default: the current checkout, built where it is
#   --data DIR     also run on the synthetic city DIR/city.gpkg (../shared/bench/gen_city.py; layers
#                  parcels, facilities, heritage_zones, control_lines, roads); repeatable
#   --allow FILE   known deliberate differences: one shell glob a line (# comments) matched against the
#                  difference's id as printed (e.g. `sample/http/031-*`, `*/log/*`); reported, not failed
#
# Environment:
#   BASE_BIN, NEW_BIN  use these binaries instead of building (a release build takes ~8 min on 2 cores)
#   COMPARE_WORK       work directory (default /tmp/renewalgis-compare); outputs go to $COMPARE_WORK/out,
#                      emptied at each run
#   PORT               the port both servers use, one after the other (default: a free one)
#   NICE               niceness of builds and runs (default 10)
#   DIFF_LINES         lines of `diff -u` shown per difference (default 20); DIFF_WIDTH columns (200)
#   SWIFT_DETERMINISTIC_HASHING  set to 1 for every run unless given (see below); 0 to test without
#
# What each side runs, in a directory of its own and with the same relative paths (so source paths in
# the catalogue and the messages agree):
#   sample  `renewalgis run GeoData/project.yaml` (the demo: store out/demo.sqlite, report, SVG), and
#           separately the four imports of the README into store.sqlite, then coverage straight and
#           network (--csv, --summary), conflicts (--csv, --overlaps, --geojson), eligibility (every
#           target with --include-unlisted, then --to 080701), units (seed 7 with 8–30 ha, then seed 1
#           with --csv, --adjacency, --geojson), exports of parcels (EPSG:4545) and facilities (GCJ02)
#           to CSV, and `layers`. The sample's input files are the new side's GeoData/ for both sides.
#   --data  the same analyses on an import of DIR/city.gpkg (walking coverage only when the city has
#           a streets or roads layer).
# Results compared, each with an id <dataset>/<kind>/<name>:
#   csv/    every CSV written, byte for byte (cmp), unchanged
#   files/  JSON summaries, GeoJSON, the report's SVG byte for byte; the report's Markdown with
#           durations normalised
#   log/    stdout and stderr of each command, apart, with durations ("0.24 s"), rates ("… features/s",
#           "MB/s") and ISO timestamps normalised; and its exit status
#   store/  every table of each store (layers, catalogue, settings, geometry_columns), ordered by its
#           primary key, with its CREATE statement; values by type (reals to 17 digits, text quoted,
#           blobs — the geometry — as hex). Excluded: the catalogue's import time (importedAt), R*Tree
#           index tables (derived from the geometry) and SpatiaLite's own metadata tables (history and
#           last-change times). Coverage tables are also dumped after the straight-line run, before the
#           network run replaces them.
#   http/   `renewalgis serve` of the analyses' store (the sample: the demo store), base then new on
#           the same port, so links agree; a fixed list of requests (see write_requests: every route,
#           items with bbox/limit/offset/property filters/CQL2 text and JSON/crs/bbox-crs/sortby/
#           properties/f=html, gzip, If-None-Match, HEAD, OPTIONS, 400/404/405/414 cases) plus, per
#           layer, its collection, queryables and a first page. Compared: status, the headers
#           Content-Type, Content-Crs, Content-Encoding, Allow, Cache-Control, Vary,
#           Access-Control-Allow-*, Location, and the body with `"timeStamp"` normalised. Not compared:
#           ETag (it hashes the catalogue entry, import time included), Date, Content-Length.
# Swift seeds its hashing per process, so the order of a Dictionary or Set differs from run to run:
# JSON objects written from dictionaries list their keys in another order each time, and sums taken
# in hash order (the walking coverage of 50e7643, e.g.) differ in their last digits. The same binary is
# only reproducible with SWIFT_DETERMINISTIC_HASHING=1, which every run here sets (to test without,
# set it to 0 yourself; then even a build compared with itself differs).
# Exit status: 0 when everything agrees (or differs only as --allow says), 1 when anything differs,
# 2 on a usage or set-up error.
set -euo pipefail

export SWIFT_DETERMINISTIC_HASHING=${SWIFT_DETERMINISTIC_HASHING:-1}
[ "$SWIFT_DETERMINISTIC_HASHING" = 0 ] && unset SWIFT_DETERMINISTIC_HASHING
ROOT=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
WORK=${COMPARE_WORK:-/tmp/renewalgis-compare}
OUT=$WORK/out
NICE=${NICE:-10}
DIFF_LINES=${DIFF_LINES:-20}
DIFF_WIDTH=${DIFF_WIDTH:-200}

usage() { sed -n '5,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "compare_builds: $*" >&2; exit 2; }
say() { echo "== $*"; }

# ---------------------------------------------------------------------------------------------------
# Arguments
BASE_REF='' NEW_REF='' ALLOW_FILE=''
DATA_DIRS=()
while [ $# -gt 0 ]; do
    case $1 in
        --new-ref) [ $# -ge 2 ] || usage; NEW_REF=$2; shift 2 ;;
        --data) [ $# -ge 2 ] || usage; DATA_DIRS+=("$2"); shift 2 ;;
        --allow) [ $# -ge 2 ] || usage; ALLOW_FILE=$2; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$BASE_REF" ] || usage; BASE_REF=$1; shift ;;
    esac
done
[ -n "$BASE_REF" ] || usage
BASE_COMMIT=$(git -C "$ROOT" rev-parse --verify --quiet "$BASE_REF^{commit}") || die "not a commit: $BASE_REF"
NEW_COMMIT=
if [ -n "$NEW_REF" ]; then
    NEW_COMMIT=$(git -C "$ROOT" rev-parse --verify --quiet "$NEW_REF^{commit}") || die "not a commit: $NEW_REF"
fi
ALLOW=()
if [ -n "$ALLOW_FILE" ]; then
    [ -f "$ALLOW_FILE" ] || die "no allow file $ALLOW_FILE"
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%%#*}; line=$(echo "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
        [ -n "$line" ] && ALLOW+=("$line")
    done < "$ALLOW_FILE"
fi
for d in "${DATA_DIRS[@]}"; do [ -f "$d/city.gpkg" ] || die "no city.gpkg in $d"; done

# Tools: curl, sqlite3 (with SpatiaLite, as the store needs), python3 (pretty-printing diffs only).
for tool in git curl sqlite3 python3 cmp diff awk sed setsid; do
    command -v "$tool" > /dev/null || die "$tool is missing (apt-get update && apt-get install -y curl sqlite3 python3 diffutils)"
done
SQLITE=(sqlite3 -batch -readonly -noheader -init /dev/null)
if sqlite3 :memory: ".load mod_spatialite" "SELECT 1" > /dev/null 2>&1; then
    SQLITE+=(-cmd ".load mod_spatialite")
else
    echo "compare_builds: warning: sqlite3 cannot load mod_spatialite (apt-get install libsqlite3-mod-spatialite); dumping without it" >&2
fi

# ---------------------------------------------------------------------------------------------------
# Builds: a release binary per side, unless BASE_BIN / NEW_BIN name one.

# ensure_worktree DIR COMMIT: a detached worktree of this repository at COMMIT (created, or moved).
ensure_worktree() {
    local dir=$1 commit=$2
    if [ -e "$dir/.git" ]; then
        [ "$(git -C "$dir" rev-parse --path-format=absolute --git-common-dir)" = \
          "$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir)" ] || die "$dir is not a worktree of $ROOT"
        git -C "$dir" checkout --quiet --detach --force "$commit"
    else
        git -C "$ROOT" worktree prune
        mkdir -p "$(dirname "$dir")"
        git -C "$ROOT" worktree add --quiet --detach "$dir" "$commit"
    fi
}

# build DIR LOG: the release build of the package in DIR; prints the binary's path.
build() {
    local dir=$1 log=$2
    echo "building $dir (release; log $log)…" >&2
    if ! (cd "$dir" && nice -n "$NICE" swift build -c release --product renewalgis) > "$log" 2>&1; then
        tail -30 "$log" >&2
        die "the build in $dir failed"
    fi
    echo "$dir/.build/release/renewalgis"
}

mkdir -p "$WORK"
if [ -z "${BASE_BIN:-}" ]; then
    ensure_worktree "$WORK/base" "$BASE_COMMIT"
    BASE_BIN=$(build "$WORK/base" "$WORK/build-base.log")
fi
if [ -z "${NEW_BIN:-}" ]; then
    if [ -n "$NEW_COMMIT" ]; then
        ensure_worktree "$WORK/new" "$NEW_COMMIT"
        NEW_BIN=$(build "$WORK/new" "$WORK/build-new.log")
    else
        NEW_BIN=$(build "$ROOT" "$WORK/build-new.log")
    fi
fi
for b in "$BASE_BIN" "$NEW_BIN"; do [ -x "$b" ] || die "no binary at $b"; done
BASE_BIN=$(realpath "$BASE_BIN"); NEW_BIN=$(realpath "$NEW_BIN")

rm -rf "$OUT"
mkdir -p "$OUT/src/base" "$OUT/src/new" "$OUT/requests"

# Each side serves its own Styles/ (served files are output); the sample's input files are the new
# side's GeoData/ for both, so that both read the same data. The map's assets are one stub for both.
git -C "$ROOT" archive "$BASE_COMMIT" Styles 2>/dev/null | tar -x -C "$OUT/src/base" || mkdir -p "$OUT/src/base/Styles"
if [ -n "$NEW_COMMIT" ]; then
    git -C "$ROOT" archive "$NEW_COMMIT" Styles GeoData | tar -x -C "$OUT/src/new"
else
    cp -r "$ROOT/Styles" "$ROOT/GeoData" "$OUT/src/new/"
fi
mkdir -p "$OUT/src/base/Styles" "$OUT/src/new/Styles"
SAMPLE=$OUT/src/new/GeoData
ASSETS=$OUT/src/assets
mkdir -p "$ASSETS"
echo '/* compare_builds.sh: stand-in for MapLibre GL JS */' > "$ASSETS/maplibre-gl.js"
echo '/* compare_builds.sh: stand-in for MapLibre GL CSS */' > "$ASSETS/maplibre-gl.css"

echo "base: $BASE_REF ($(git -C "$ROOT" rev-parse --short "$BASE_COMMIT")), binary $BASE_BIN"
echo "new:  ${NEW_REF:-the checkout $ROOT}${NEW_COMMIT:+ ($(git -C "$ROOT" rev-parse --short "$NEW_COMMIT"))}, binary $NEW_BIN"
echo "outputs in $OUT"

# Data sets: the sample, then each --data DIR under its directory's name.
DATASETS=(sample)
declare -A CITY=()
for d in "${DATA_DIRS[@]}"; do
    name=$(basename "$(realpath "$d")")
    while [ -n "${CITY[$name]:-}" ] || [ "$name" = sample ]; do name=${name}_; done
    CITY[$name]=$(realpath "$d/city.gpkg")
    DATASETS+=("$name")
done

# ---------------------------------------------------------------------------------------------------
# Normalisation: only what changes from run to run. Durations are printed with two decimals ("0.24 s",
# "analysis 1.05 s"), import rates as "14711 features/s", progress as "… MB/s", times as ISO 8601.
normalise_text() {
    sed -E \
        -e 's/[0-9]+\.[0-9]+ (s|ms|µs)([^[:alnum:]_]|$)/<duration> \1\2/g' \
        -e 's/[0-9]+(\.[0-9]+)? (features|rows|parcels)\/s/<rate> \2\/s/g' \
        -e 's/[0-9]+(\.[0-9]+)? MB\/s/<rate> MB\/s/g' \
        -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})/<timestamp>/g'
}

# The project report: the same, and its "## Run" table's seconds column.
normalise_report() {
    normalise_text | awk '/^## / { run = ($0 == "## Run") }
        run && /^\| [^|]+ \| [0-9]+\.[0-9]+ \|/ { sub(/\| [0-9]+\.[0-9]+ \|/, "| <duration> |") } { print }'
}

# ---------------------------------------------------------------------------------------------------
# Running the CLI. Each step's stdout and stderr go, normalised, to cmp/log/STEP.{stdout,stderr},
# with its exit status; a failing step is recorded, not fatal (the other side may not fail).
STEP_DIR='' STEP_BIN='' SIDE=''
step() {
    local name=$1; shift
    local raw=$STEP_DIR/raw/$name rc=0
    (cd "$STEP_DIR/work" && nice -n "$NICE" "$STEP_BIN" "$@") > "$raw.stdout" 2> "$raw.stderr" || rc=$?
    normalise_text < "$raw.stdout" > "$STEP_DIR/cmp/log/$name.stdout"
    { normalise_text < "$raw.stderr"; echo "exit status: $rc"; } > "$STEP_DIR/cmp/log/$name.stderr"
    [ "$rc" = 0 ] || echo "   [$SIDE] $name: exit status $rc ($(tail -1 "$raw.stderr" | cut -c1-160))"
}

# dump_store STORE DIR [GLOB]: every table of interest (or those named GLOB), one file each, rows
# ordered by primary key.
EXCLUDED_COLUMNS=" renewalgis_layers.importedAt "
dump_store() {
    local store=$1 dir=$2 glob=${3:-*} tables table
    mkdir -p "$dir"
    [ -f "$store" ] || { echo "no store" > "$dir/MISSING"; return 0; }
    # Not dumped: SQLite's own tables; virtual tables (the R*Tree indexes, SpatiaLite's SpatialIndex,
    # KNN, ElementaryGeometries) and their shadow tables; SpatiaLite's metadata, history and
    # last-change times. geometry_columns (each layer's geometry type and SRID) is kept.
    tables=$("${SQLITE[@]}" "$store" "SELECT name FROM sqlite_master m WHERE type = 'table'
        AND name NOT LIKE 'sqlite\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'
        AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%'
                        AND m.name IN (v.name || '_node', v.name || '_parent', v.name || '_rowid'))
        AND name NOT IN ('spatial_ref_sys', 'spatial_ref_sys_aux', 'spatialite_history', 'sql_statements_log', 'data_licenses')
        AND name NOT GLOB 'geometry_columns_*' AND name NOT GLOB 'views_geometry_columns*'
        AND name NOT GLOB 'virts_geometry_columns*' AND name NOT GLOB 'SE_*' AND name NOT GLOB 'rl2map_*'
        AND name GLOB '$glob' ORDER BY name") || { echo "cannot read the store" > "$dir/MISSING"; return 0; }
    while IFS= read -r table; do
        [ -n "$table" ] || continue
        dump_table "$store" "$table" > "$dir/$table.txt"
    done <<< "$tables"
}

dump_table() {
    local store=$1 table=$2 q cols=() order=() expressions name pk
    q=${table//\'/\'\'}
    echo "-- $table"
    "${SQLITE[@]}" "$store" "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '$q'"
    while IFS=$'\t' read -r name pk; do
        [ -n "$name" ] || continue
        if [[ $EXCLUDED_COLUMNS == *" $table.$name "* ]]; then echo "-- column $name not compared"; continue; fi
        cols+=("$name")
        [ "$pk" -gt 0 ] && order[pk]="\"${name//\"/\"\"}\""
    done < <("${SQLITE[@]}" -separator $'\t' "$store" "SELECT name, pk FROM pragma_table_info('$q') ORDER BY cid")
    [ ${#order[@]} -gt 0 ] || order=(rowid)
    expressions=$(for name in "${cols[@]}"; do
        c="\"${name//\"/\"\"}\""
        printf "CASE typeof(%s) WHEN 'real' THEN printf('%%!.17g', %s) WHEN 'blob' THEN 'X''' || hex(%s) || '''' ELSE quote(%s) END,\n" "$c" "$c" "$c" "$c"
    done | sed '$ s/,$//')
    "${SQLITE[@]}" -separator $'\t' "$store" "SELECT $expressions FROM \"${table//\"/\"\"}\" ORDER BY $(IFS=,; echo "${order[*]}")"
}

# collect_results SRC DIR: the files the analyses wrote, CSV as they are, Markdown normalised.
collect_results() {
    local src=$1 dir=$2 f rel
    [ -d "$src" ] || return 0
    while IFS= read -r f; do
        rel=${f#"$src"/}
        case $f in
            *.csv) mkdir -p "$dir/csv/$(dirname "$rel")"; cp "$f" "$dir/csv/$rel" ;;
            *.md) mkdir -p "$dir/files/$(dirname "$rel")"; normalise_report < "$f" > "$dir/files/$rel" ;;
            *.sqlite|*.sqlite-*) ;;
            *) mkdir -p "$dir/files/$(dirname "$rel")"; cp "$f" "$dir/files/$rel" ;;
        esac
    done < <(find "$src" -type f | sort)
}

# The analyses on a store holding parcels, facilities, heritage zones and control lines (and streets
# or roads), writing into results/ of the work directory.
analyses() {
    local store=$1 streets
    streets=$("${SQLITE[@]}" "$STEP_DIR/work/$store" "SELECT name FROM renewalgis_layers WHERE name IN ('streets', 'roads') ORDER BY name DESC LIMIT 1" 2>/dev/null || true)
    mkdir -p "$STEP_DIR/work/results"
    step coverage-straight coverage --store "$store" --csv results/coverage_straight.csv --summary results/coverage_straight_summary.json
    # The coverage layers now, before the walking run replaces them (the final dump has the rest).
    dump_store "$STEP_DIR/work/$store" "$STEP_DIR/cmp/store/after-coverage-straight" 'coverage_*'
    if [ -n "$streets" ]; then
        step coverage-network coverage --store "$store" --mode network --csv results/coverage_network.csv --summary results/coverage_network_summary.json
        step coverage-network-elderly coverage --store "$store" --mode network --speed elderly --no-store --csv results/coverage_network_elderly.csv
    fi
    step conflicts conflicts --store "$store" --csv results/conflicts.csv --overlaps results/conflicts_overlaps.csv --geojson results/conflicts.geojson
    step eligibility-all eligibility --store "$store" --include-unlisted --csv results/eligibility_all.csv
    step eligibility-080701 eligibility --store "$store" --to 080701 --csv results/eligibility_080701.csv
    step units-seed7 units --store "$store" --min-ha 8 --max-ha 30 --seed 7 --csv results/units_seed7.csv
    step units-seed1 units --store "$store" --seed 1 --csv results/units.csv --adjacency results/units_adjacency.csv --geojson results/units.geojson
    step export-parcels-4545 export --store "$store" --layer parcels --crs EPSG:4545 results/export_parcels_4545.csv
    step export-facilities-gcj02 export --store "$store" --layer facilities --crs GCJ02 results/export_facilities_gcj02.csv
    step export-coverage-parcels export --store "$store" --layer coverage_parcels results/export_coverage_parcels.csv
    step layers layers --store "$store"
    step layers-json layers --store "$store" --json
}

# run_side SIDE BIN: every data set through BIN into $OUT/SIDE/<dataset>.
run_side() {
    SIDE=$1 STEP_BIN=$2
    local ds
    for ds in "${DATASETS[@]}"; do
        STEP_DIR=$OUT/$SIDE/$ds
        mkdir -p "$STEP_DIR/work" "$STEP_DIR/raw" "$STEP_DIR/cmp/log" "$STEP_DIR/cmp/store"
        local started=$SECONDS
        if [ "$ds" = sample ]; then
            cp -r "$SAMPLE" "$STEP_DIR/work/GeoData"
            # The demo (make demo): the project run into out/demo.sqlite with its report.
            step run-project run GeoData/project.yaml
            step import-parcels import GeoData/parcels.shp --encoding GBK --rename safety_gra=safety_grade \
                --rename planned_ac=planned_action --store store.sqlite
            step import-constraints import GeoData/planning_constraints.gpkg --store store.sqlite
            step import-facilities import GeoData/facilities.csv --crs GCJ02 --store store.sqlite
            step import-streets import GeoData/streets.geojson --store store.sqlite
            analyses store.sqlite
            dump_store "$STEP_DIR/work/out/demo.sqlite" "$STEP_DIR/cmp/store/demo"
            collect_results "$STEP_DIR/work/out" "$STEP_DIR/cmp/project"
        else
            step import import "${CITY[$ds]}" --store store.sqlite
            analyses store.sqlite
        fi
        dump_store "$STEP_DIR/work/store.sqlite" "$STEP_DIR/cmp/store/analyses"
        collect_results "$STEP_DIR/work/results" "$STEP_DIR/cmp"
        echo "   [$SIDE] $ds: CLI runs and store dumps in $((SECONDS - started)) s"
    done
}

# ---------------------------------------------------------------------------------------------------
# HTTP. The request list is written once per data set (values taken from the base store, else the
# new one) and fetched from each side's server in turn, on the same port.

# urlenc TEXT: percent-encodes everything but unreserved characters (byte by byte, UTF-8 included).
urlenc() {
    local LC_ALL=C s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [a-zA-Z0-9.~_-]) out+=$c ;;
            *) printf -v c '%%%02X' "'$c"; out+=$c ;;
        esac
    done
    printf '%s' "$out"
}

# req NAME METHOD PATH [key=value ...] [-H 'Header: value'] [+gzip]: one request, parameters encoded.
# raw NAME METHOD TARGET [header]: a target sent exactly as written.
REQ_FILE='' REQ_N=0
req() {
    local name=$1 method=$2 path=$3 query='' header=''
    shift 3
    while [ $# -gt 0 ]; do
        case $1 in
            -H) header+="${header:+|}$2"; shift 2 ;;
            +gzip) header+="${header:+|}+gzip"; shift ;;
            *=*) query+="${query:+&}$(urlenc "${1%%=*}")=$(urlenc "${1#*=}")"; shift ;;
            *) die "req $name: bad argument $1" ;;
        esac
    done
    raw "$name" "$method" "$path${query:+?$query}" "$header"
}
raw() {
    REQ_N=$((REQ_N + 1))
    printf '%03d-%s\t%s\t%s\t%s\n' "$REQ_N" "$1" "$2" "$3" "${4:-}" >> "$REQ_FILE"
}

# write_requests DATASET STORE: the fixed list, with the data set's layer names, an id, a land-use code
# and boxes around the parcels' centre.
write_requests() {
    local ds=$1 store=$2 ext cx cy box box6 box_latlon box_3857 id lu layers streets far_box triangle triangle_json
    REQ_FILE=$OUT/requests/$ds.tsv REQ_N=0
    : > "$REQ_FILE"
    ext=$("${SQLITE[@]}" -separator ' ' "$store" "SELECT minX, minY, maxX, maxY FROM renewalgis_layers WHERE name = 'parcels'")
    [ -n "$ext" ] || ext="106.5 29.5 106.6 29.6"
    read -r cx cy <<< "$(echo "$ext" | awk '{ printf "%.6f %.6f", ($1 + $3) / 2, ($2 + $4) / 2 }')"
    box=$(awk -v x="$cx" -v y="$cy" 'BEGIN { printf "%.6f,%.6f,%.6f,%.6f", x - 0.005, y - 0.005, x + 0.005, y + 0.005 }')
    box6=$(awk -v x="$cx" -v y="$cy" 'BEGIN { printf "%.6f,%.6f,-10,%.6f,%.6f,1000", x - 0.005, y - 0.005, x + 0.005, y + 0.005 }')
    box_latlon=$(awk -v x="$cx" -v y="$cy" 'BEGIN { printf "%.6f,%.6f,%.6f,%.6f", y - 0.005, x - 0.005, y + 0.005, x + 0.005 }')
    box_3857=$(awk -v x="$cx" -v y="$cy" 'function mx(l) { return 6378137 * l * 3.141592653589793 / 180 }
        function my(p,  r) { r = p * 3.141592653589793 / 180; return 6378137 * log(sin(r) / cos(r) + 1 / cos(r)) }
        BEGIN { printf "%.2f,%.2f,%.2f,%.2f", mx(x - 0.005), my(y - 0.005), mx(x + 0.005), my(y + 0.005) }')
    far_box="179.0,29.0,-179.0,30.0"
    # A triangle over the south-west half of the box, as WKT and as GeoJSON coordinates.
    triangle=$(awk -v x="$cx" -v y="$cy" 'BEGIN { printf "POLYGON((%.6f %.6f, %.6f %.6f, %.6f %.6f, %.6f %.6f))", x - 0.005, y - 0.005, x + 0.005, y - 0.005, x - 0.005, y + 0.005, x - 0.005, y - 0.005 }')
    triangle_json=$(awk -v x="$cx" -v y="$cy" 'BEGIN { printf "[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]", x - 0.005, y - 0.005, x + 0.005, y - 0.005, x - 0.005, y + 0.005, x - 0.005, y - 0.005 }')
    id=$("${SQLITE[@]}" "$store" "SELECT parcel_id FROM parcels ORDER BY fid LIMIT 1 OFFSET 9" 2>/dev/null || true)
    id=${id:-1}
    lu=$("${SQLITE[@]}" "$store" "SELECT land_use FROM parcels WHERE land_use LIKE '07%' GROUP BY land_use ORDER BY count(*) DESC, land_use LIMIT 1" 2>/dev/null || true)
    lu=${lu:-0701}
    layers=$("${SQLITE[@]}" "$store" "SELECT name FROM renewalgis_layers ORDER BY name" 2>/dev/null || true)
    streets=$(grep -x -m1 -e streets -e roads <<< "$layers" || echo streets)
    local P=/collections/parcels I=/collections/parcels/items
    local EPSG=http://www.opengis.net/def/crs/EPSG/0 CRS84=http://www.opengis.net/def/crs/OGC/1.3/CRS84

    # Landing, API, conformance, collections (Part 1 core, OpenAPI).
    req landing GET /
    req landing-f-json GET / f=json
    req landing-head HEAD /
    req conformance GET /conformance
    req api GET /api
    req service-doc GET /service-doc
    req collections GET /collections
    req collections-f-html GET /collections f=html
    req collection-parcels GET $P
    req collection-unknown GET /collections/no_such_layer
    req queryables-parcels GET $P/queryables
    req queryables-unknown GET /collections/no_such_layer/queryables
    # Items: paging.
    req items-default GET $I
    req items-limit5 GET $I limit=5
    req items-offset5 GET $I limit=5 offset=5
    req items-offset-past-end GET $I limit=5 offset=100000000
    req items-limit-over-max GET $I limit=1000000
    req items-limit-huge GET $I limit=99999999999999999999999
    # bbox, bbox-crs, crs (Part 2).
    req items-bbox GET $I bbox="$box" limit=20
    req items-bbox-6 GET $I bbox="$box6" limit=20
    req items-bbox-antimeridian GET $I bbox=$far_box limit=5
    req items-bbox-crs-4326 GET $I bbox="$box_latlon" bbox-crs=$EPSG/4326 limit=20
    req items-bbox-crs-3857 GET $I bbox="$box_3857" bbox-crs=$EPSG/3857 limit=20
    req items-bbox-crs-crs84 GET $I bbox="$box" bbox-crs=$CRS84 limit=20
    req items-crs-4545 GET $I crs=$EPSG/4545 limit=3
    req items-crs-3857 GET $I crs=$EPSG/3857 limit=3
    req items-crs-4326 GET $I crs=$EPSG/4326 limit=3
    req items-crs-4490 GET $I crs=$EPSG/4490 limit=3
    req items-crs-crs84 GET $I crs=$CRS84 limit=3
    req items-crs-short GET $I crs=EPSG:4545 limit=3
    # Property filters, CQL2 (Part 3), sortby, properties.
    req items-property-filter GET $I land_use="$lu" limit=10
    req items-property-filter-2 GET $I land_use="$lu" planned_action=demolish limit=10
    req items-property-filter-number GET $I vacant=1 limit=10
    req items-cql-like GET $I "filter=land_use LIKE '07%' AND population > 500" limit=10
    req items-cql-intersects GET $I "filter=S_INTERSECTS(geometry, BBOX(${box//,/, }))" limit=10
    req items-cql-within-wkt GET $I "filter=S_WITHIN(geometry, $triangle)" limit=10
    req items-cql-disjoint-json GET $I filter-lang=cql2-json \
        "filter={\"op\":\"s_disjoint\",\"args\":[{\"property\":\"geometry\"},{\"type\":\"Polygon\",\"coordinates\":$triangle_json}]}" limit=5
    req items-cql-between-sort GET $I "filter=population BETWEEN 100 AND 1000" sortby=-population limit=10
    req items-cql-in GET $I "filter=land_use IN ('0701', '0702', '070101', '070102')" limit=10
    req items-cql-not GET $I "filter=NOT (planned_action = 'retain') AND far >= 1.5" limit=10
    req items-cql-isnull GET $I "filter=safety_grade IS NULL OR safety_grade IS NOT NULL" limit=3
    req items-cql-filter-crs GET $I "filter=S_INTERSECTS(geometry, BBOX(${box_latlon//,/, }))" filter-crs=$EPSG/4326 limit=10
    req items-cql-json GET $I filter-lang=cql2-json \
        'filter={"op":"and","args":[{"op":">","args":[{"property":"population"},500]},{"op":"like","args":[{"property":"land_use"},"07%"]}]}' limit=10
    req items-cql-json-intersects GET $I filter-lang=cql2-json \
        "filter={\"op\":\"s_intersects\",\"args\":[{\"property\":\"geometry\"},{\"bbox\":[${box}]}]}" limit=10
    req items-cql-date GET $I "filter=build_year < 2001 AND DATE('2024-01-01') > DATE('2000-01-01')" limit=5
    req items-cql-syntax-error GET $I "filter=population >> 5"
    req items-cql-unknown-property GET $I "filter=no_such_field = 1"
    req items-cql-json-bad GET $I filter-lang=cql2-json 'filter={"op":"and"'
    req items-filter-lang-bad GET $I filter-lang=ecql "filter=population > 1"
    req items-filter-crs-without-filter GET $I filter-crs=$EPSG/4326
    req items-sortby GET $I sortby=+land_use,-population limit=10
    req items-sortby-unknown GET $I sortby=no_such_field
    req items-properties GET $I properties=parcel_id,land_use limit=5
    req items-properties-empty GET $I properties= limit=3
    req items-properties-unknown GET $I properties=no_such_field
    req items-datetime GET $I datetime=2024-01-01/.. limit=3
    req items-datetime-bad GET $I datetime=yesterday
    req items-f-html GET $I f=html limit=5
    req items-f-geojson GET $I f=geojson limit=2
    # Items: invalid parameters (400).
    req items-f-bad GET $I f=xml
    req items-limit-zero GET $I limit=0
    req items-limit-text GET $I limit=abc
    req items-offset-negative GET $I offset=-1
    req items-bbox-3-numbers GET $I bbox=1,2,3
    req items-bbox-text GET $I bbox=a,b,c,d
    req items-crs-unknown GET $I crs=$EPSG/9999
    req items-bbox-crs-unknown GET $I bbox="$box" bbox-crs=$EPSG/32648
    req items-unknown-parameter GET $I no_such_parameter=1
    raw items-bad-escape GET "$I?filter=%zz"
    raw items-form-plus GET "$I?filter=population+%3E+500&limit=3"
    req items-unknown-collection GET /collections/no_such_layer/items
    # Items: HTTP behaviour.
    req items-gzip GET $I limit=20 +gzip
    req items-if-none-match GET $I limit=5 -H 'If-None-Match: *'
    req items-head HEAD $I limit=5
    req items-cors GET $I limit=1 -H 'Origin: http://example.org'
    # One feature.
    req feature GET "$I/$(urlenc "$id")"
    req feature-crs GET "$I/$(urlenc "$id")" crs=$EPSG/4545
    req feature-f-json GET "$I/$(urlenc "$id")" f=json
    req feature-f-html GET "$I/$(urlenc "$id")" f=html
    req feature-unknown-parameter GET "$I/$(urlenc "$id")" limit=1
    req feature-unknown GET "$I/no_such_feature"
    req feature-head HEAD "$I/$(urlenc "$id")"
    # Other layers, as the README shows them.
    req streets-bbox GET "/collections/$streets/items" bbox="$box" limit=10
    req gaps-category GET /collections/coverage_gaps/items category=kindergarten limit=10
    req conflicts-forbidden GET /collections/conflicts/items verdict=forbidden limit=10
    req facilities-category GET /collections/facilities/items category=kindergarten limit=10
    req units-sorted GET /collections/renewal_units/items sortby=-mean_need properties=unit_id,mean_need limit=5
    # Styles, map, assets.
    req styles GET /styles
    req style-parcels GET /styles/parcels
    req style-units GET /styles/renewal_units
    req style-unknown GET /styles/no_such_style
    req map GET /map
    req asset-js GET /assets/maplibre-gl.js
    req asset-css GET /assets/maplibre-gl.css
    req asset-unknown GET /assets/no_such_file.js
    raw asset-traversal GET "/assets/..%2F..%2Fetc%2Fpasswd"
    # Methods and other errors (404, 405, 406, 414).
    req post-collections POST /collections
    req put-items PUT $I
    req delete-feature DELETE "$I/$(urlenc "$id")"
    req patch-landing PATCH /
    req post-unknown-path POST /no/such/path
    req get-unknown-path GET /no/such/path
    req options-preflight OPTIONS /collections -H 'Origin: http://example.org' -H 'Access-Control-Request-Method: GET'
    req accept-xml GET /collections -H 'Accept: application/xml'
    req accept-html GET /collections -H 'Accept: text/html'
    raw target-too-long GET "$I?filter=$(head -c 300000 /dev/zero | tr '\0' 'a')"
    raw filter-too-long GET "$I?filter=population%20%3E%201$(for _ in $(seq 1 7000); do printf '%%20OR%%20population%%3D1'; done)"
    raw filter-in-too-many GET "$I?filter=population%20IN%20($(seq -s %2C 1 1001))"
    raw filter-too-deep GET "$I?filter=$(printf '%%28%.0s' $(seq 1 70))population%3E1$(printf '%%29%.0s' $(seq 1 70))"
    # Every layer: its collection, queryables and first page.
    local layer
    while IFS= read -r layer; do
        [ -n "$layer" ] || continue
        req "layer-$layer" GET "/collections/$(urlenc "$layer")"
        req "layer-$layer-queryables" GET "/collections/$(urlenc "$layer")/queryables"
        req "layer-$layer-items" GET "/collections/$(urlenc "$layer")/items" limit=3
    done <<< "$layers"
}

# The server runs in a process group of its own (setsid), so that stopping it also stops what a
# wrapper script given as BASE_BIN or NEW_BIN started.
SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill -- "-$SERVER_PID" 2>/dev/null || kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
URL=http://127.0.0.1:$PORT

# serve_and_fetch SIDE BIN DATASET STORE REQUESTS
serve_and_fetch() {
    local side=$1 bin=$2 ds=$3 store=$4 requests=$5 dir=$OUT/$1/$3 tmp name method target headers status rc
    mkdir -p "$dir/cmp/http"
    tmp=$dir/raw/http
    mkdir -p "$tmp"
    if curl -s -o /dev/null --max-time 2 "$URL/"; then die "something already answers on $URL (set PORT)"; fi
    # Each side's styles, at one path for both (error messages name the directory).
    rm -rf "$OUT/serve/Styles"; mkdir -p "$OUT/serve"
    cp -r "$OUT/src/$side/Styles" "$OUT/serve/Styles"
    (cd "$dir/work" && exec setsid nice -n "$NICE" "$bin" serve --store "$store" --host 127.0.0.1 --port "$PORT" \
        --styles "$OUT/serve/Styles" --assets "$ASSETS") > "$dir/raw/serve.log" 2>&1 &
    SERVER_PID=$!
    local up=
    for _ in $(seq 1 300); do
        if curl -s -o /dev/null --max-time 2 "$URL/conformance"; then up=1; break; fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$up" ]; then
        echo "   [$side] $ds: the server did not start: $(tail -3 "$dir/raw/serve.log")"
        echo "server did not start" > "$dir/cmp/http/SERVER"
        stop_server
        return 0
    fi
    while IFS=$'\t' read -r name method target headers; do
        local args=(-sS -g --path-as-is --max-time 120 -o "$tmp/body" -D "$tmp/head" -w '%{http_code}')
        case $method in
            GET) ;;
            HEAD) args+=(-I) ;;
            *) args+=(-X "$method") ;;
        esac
        local h
        if [ -n "$headers" ]; then
            while IFS= read -r h; do
                if [ "$h" = +gzip ]; then args+=(--compressed); else args+=(-H "$h"); fi
            done < <(tr '|' '\n' <<< "$headers")
        fi
        : > "$tmp/body"; : > "$tmp/head"
        rc=0
        # A target longer than one argument may be (128 KiB): its query from a file, appended by -G as is.
        local url=$URL$target
        if [ ${#target} -gt 60000 ]; then
            printf '%s' "${target#*\?}" > "$tmp/query"
            args+=(-G --data-binary "@$tmp/query")
            url=$URL${target%%\?*}
        fi
        status=$(curl "${args[@]}" "$url" 2> "$tmp/curl.err") || rc=$?
        [ "$rc" = 0 ] || status="curl error $rc: $(head -1 "$tmp/curl.err")"
        [ "$method" = HEAD ] && : > "$tmp/body"    # (-I writes the head there)
        {
            printf '%s %s\n' "$method" "$(cut -c1-300 <<< "$target")${headers:+ [$headers]}"
            echo "status: $status"
            tr -d '\r' < "$tmp/head" | grep -i -E '^(content-type|content-crs|content-encoding|allow|cache-control|vary|access-control-allow-[a-z-]+|location):' \
                | awk -F': ' '{ printf "%s: %s\n", tolower($1), substr($0, length($1) + 3) }' | sort || true
            echo
            # The one value that changes between runs: the items' timeStamp.
            sed -E 's/"timeStamp" ?: ?"[^"]*"/"timeStamp":"<normalised>"/g' "$tmp/body"
        } > "$dir/cmp/http/$name.txt"
    done < "$requests"
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "   [$side] $ds: the server exited during the requests"
        echo "the server exited during the requests" > "$dir/cmp/http/SERVER"
    fi
    stop_server
    echo "   [$side] $ds: $(wc -l < "$requests") HTTP requests"
}

# ---------------------------------------------------------------------------------------------------
say "running the CLI: base"
run_side base "$BASE_BIN"
say "running the CLI: new"
run_side new "$NEW_BIN"

say "HTTP on port $PORT"
for ds in "${DATASETS[@]}"; do
    # The sample is served from the demo store (the project run: every stage); a city from its analyses.
    rel=store.sqlite
    [ "$ds" = sample ] && rel=out/demo.sqlite
    src=$OUT/base/$ds/work/$rel
    [ -f "$src" ] || src=$OUT/new/$ds/work/$rel
    write_requests "$ds" "$src"
    serve_and_fetch base "$BASE_BIN" "$ds" "$rel" "$OUT/requests/$ds.tsv"
    serve_and_fetch new "$NEW_BIN" "$ds" "$rel" "$OUT/requests/$ds.tsv"
done

# ---------------------------------------------------------------------------------------------------
# Comparison.

# pretty FILE: for showing a difference only — an HTTP body or a file that is JSON is indented (one
# value a line), so that the diff points at the value; anything else as it is.
pretty() {
    python3 - "$1" <<'EOF'
import json, sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
head, sep, body = data.partition("\n\n") if data.startswith(("GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "PATCH ", "OPTIONS ")) else ("", "", data)
try:
    body = json.dumps(json.loads(body), indent=1, ensure_ascii=False) + "\n"
except ValueError:
    pass
sys.stdout.write(head + sep + body)
EOF
}

allowed() {
    local id=$1 p
    for p in "${ALLOW[@]+"${ALLOW[@]}"}"; do
        # shellcheck disable=SC2053
        [[ $id == $p ]] && return 0
    done
    return 1
}

declare -A N_CMP=() N_DIFF=() N_ALLOWED=()
TOTAL=0 DIFFER=0 ALLOWED=0
REPORT=$OUT/differences.txt
: > "$REPORT"
say "comparing"
for ds in "${DATASETS[@]}"; do
    b=$OUT/base/$ds/cmp n=$OUT/new/$ds/cmp
    while IFS= read -r rel; do
        id=$ds/$rel
        kind=${rel%%/*}
        N_CMP[$kind]=$(( ${N_CMP[$kind]:-0} + 1 ))
        TOTAL=$((TOTAL + 1))
        if [ -f "$b/$rel" ] && [ -f "$n/$rel" ] && cmp -s "$b/$rel" "$n/$rel"; then continue; fi
        if allowed "$id"; then
            tag="allowed"; ALLOWED=$((ALLOWED + 1)); N_ALLOWED[$kind]=$(( ${N_ALLOWED[$kind]:-0} + 1 ))
        else
            tag="DIFFERS"; DIFFER=$((DIFFER + 1)); N_DIFF[$kind]=$(( ${N_DIFF[$kind]:-0} + 1 ))
        fi
        {
            echo "---- $tag: $id"
            if [ ! -f "$b/$rel" ]; then echo "   only in new"
            elif [ ! -f "$n/$rel" ]; then echo "   only in base"
            else
                diff -u --label "base/$id" --label "new/$id" <(pretty "$b/$rel") <(pretty "$n/$rel") \
                    | head -n "$DIFF_LINES" | cut -c1-"$DIFF_WIDTH" | sed 's/^/   /' || true
            fi
        } | tee -a "$REPORT"
    done < <( { (cd "$b" 2>/dev/null && find . -type f); (cd "$n" 2>/dev/null && find . -type f); } | sed 's|^\./||' | sort -u)
done

echo
say "summary (base $BASE_REF vs new ${NEW_REF:-checkout})"
for kind in $(printf '%s\n' "${!N_CMP[@]}" | sort); do
    printf '   %-8s %6d compared, %5d differ%s\n' "$kind" "${N_CMP[$kind]}" "${N_DIFF[$kind]:-0}" \
        "${N_ALLOWED[$kind]:+, ${N_ALLOWED[$kind]} allowed}"
done
echo "   data sets: ${DATASETS[*]}; HTTP requests per data set: $(for ds in "${DATASETS[@]}"; do printf '%s=%s ' "$ds" "$(wc -l < "$OUT/requests/$ds.tsv")"; done)"
echo "$TOTAL compared, $DIFFER differ${ALLOW_FILE:+, $ALLOWED allowed by $ALLOW_FILE} (details: $REPORT; outputs: $OUT/{base,new})"
[ "$DIFFER" = 0 ]
