#!/bin/bash
# A city split by district over three PostgreSQL clusters gives the whole-city answers (docs/scale.md).
#
#   bash scripts/district_check.sh [RENEWALGIS_BINARY] [DATA_DIR=/tmp/citydata/L] [JOBS=2]
#
# 1. Three throwaway PostgreSQL 15 + PostGIS clusters on free ports (scripts/pg_test_cluster.sh, each in
#    its own directory, all stopped and removed at exit): a coordinator and two nodes.
# 2. The city (DATA_DIR/city.gpkg, a synthetic city of ../shared/bench) and four zigzag districts
#    (scripts/make_districts.py) are imported twice on the coordinator:
#    - database `single`: split by district in place (`partition`, no nodes) and run whole
#      (`renewalgis run`): the reference — units delineated district by district, as a split city is;
#    - database `city`: `partition --node A --node B`, so every layer's district partitions live on the
#      two nodes (postgres_fdw), then `renewalgis run --each-district --jobs JOBS`: one stateless process
#      per district, each reading its district and what lies within reach through the coordinator.
# 3. Every result layer of the two runs is exported to CSV and compared (scripts/compare_csv.py: same
#    rows; covered fractions and other numbers within 1e-9): coverage_parcels, coverage_gaps, conflicts,
#    eligibility, renewal_units, unit_parcels.
# Prints the wall time of the whole-city run, of each district and of the district runs together, and
# exits 1 on any difference. Env: MODE (coverage mode in the project: straight, network or both;
# default straight), KEEP=1 keeps the work directory.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(readlink -f "${1:-$ROOT/.build/release/renewalgis}")
DATA=$(readlink -f "${2:-/tmp/citydata/L}")
JOBS=${3:-2}
MODE=${MODE:-straight}
WORK=$(mktemp -d /tmp/renewalgis-districts.XXXXXX)
[ -x "$BIN" ] || { echo "no binary at $BIN"; exit 2; }
[ -f "$DATA/city.gpkg" ] || { echo "no $DATA/city.gpkg (make one with ../shared/bench/gen_city.py)"; exit 2; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
CLUSTERS=()
stop_all() {
    for dir in "${CLUSTERS[@]}"; do RENEWALGIS_PG_DIR=$dir bash "$ROOT/scripts/pg_test_cluster.sh" stop >/dev/null 2>&1 || true; done
    [ "${KEEP:-0}" = 1 ] && echo "work kept in $WORK" || rm -rf "$WORK"
}
trap stop_all EXIT
declare -A URL
for name in coordinator node1 node2; do
    # Beside the work directory, not in it: the server runs as postgres, who cannot enter a root-only directory.
    port=$(free_port); dir=$(mktemp -u -d /tmp/renewalgis-districts-pg.XXXXXX)
    RENEWALGIS_PG_DIR=$dir RENEWALGIS_PG_PORT=$port bash "$ROOT/scripts/pg_test_cluster.sh" start >/dev/null || { echo "FAIL: cluster $name"; exit 1; }
    CLUSTERS+=("$dir")
    URL[$name]=postgresql://postgres@127.0.0.1:$port
done
sql() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }
for db in single city; do sql "${URL[coordinator]}/postgres" "CREATE DATABASE $db" && sql "${URL[coordinator]}/$db" "CREATE EXTENSION postgis"; done
for node in node1 node2; do sql "${URL[$node]}/postgres" "CREATE DATABASE city" && sql "${URL[$node]}/city" "CREATE EXTENSION postgis"; done
python3 "$ROOT/scripts/make_districts.py" "$DATA" >/dev/null && cp "$DATA/districts.geojson" "$WORK/"

project() {  # project STORE_URL → a project file for the city
    cat <<YAML
store: $1
layers:
  - {file: $DATA/city.gpkg}
  - {file: $WORK/districts.geojson, as: districts}
coverage: {mode: $MODE, radii: $(readlink -f "$ROOT/../shared/bench/radii_default.json" 2>/dev/null || echo /work/shared/bench/radii_default.json)}
eligibility: {to: ["080701", "0702"]}
units: {min_ha: 10, max_ha: 50, seed: 1}
report: $WORK/report_$2.md
YAML
}
SINGLE=${URL[coordinator]}/single CITY=${URL[coordinator]}/city
project "$SINGLE" single > "$WORK/single.yaml"
project "$CITY" city > "$WORK/city.yaml"

now() { date +%s.%N; }
seconds() { python3 -c "print(f'{$2 - $1:.1f}')"; }
fail=0
# The imports (both stores; `run` then finds every layer there), then each split.
for store in "$SINGLE" "$CITY"; do
    "$BIN" import "$WORK/districts.geojson" --as districts --store "$store" >/dev/null 2>"$WORK/import.err" || { echo "FAIL: import districts: $(cat "$WORK/import.err")"; exit 1; }
    "$BIN" import "$DATA/city.gpkg" --store "$store" >/dev/null 2>"$WORK/import.err" || { echo "FAIL: import city: $(cat "$WORK/import.err")"; exit 1; }
done
t0=$(now)
"$BIN" partition --store "$SINGLE" --districts districts --field code > "$WORK/partition_single.log" 2>&1 || { echo "FAIL: partition single: $(tail -2 "$WORK/partition_single.log")"; exit 1; }
t1=$(now)
"$BIN" partition --store "$CITY" --districts districts --field code --node "${URL[node1]}/city" --node "${URL[node2]}/city" \
    > "$WORK/partition_city.log" 2>&1 || { echo "FAIL: partition over nodes: $(tail -2 "$WORK/partition_city.log")"; exit 1; }
t2=$(now)
echo "partition: single store $(seconds "$t0" "$t1") s; over two nodes $(seconds "$t1" "$t2") s"
grep -E "^parcels:" "$WORK/partition_city.log" | sed 's/^/  /'

t3=$(now)
"$BIN" run "$WORK/single.yaml" > "$WORK/run_single.log" 2>&1 || { echo "FAIL: whole-city run: $(tail -3 "$WORK/run_single.log")"; exit 1; }
t4=$(now)
"$BIN" run "$WORK/city.yaml" --each-district --jobs "$JOBS" > "$WORK/run_city.log" 2>&1 || { echo "FAIL: district runs: $(tail -5 "$WORK/run_city.log")"; fail=1; }
t5=$(now)
echo "whole city on one store: $(seconds "$t3" "$t4") s"
echo "four districts over two nodes, $JOBS at a time: $(seconds "$t4" "$t5") s"
grep -E "^district [0-9]+ (done|FAILED)" "$WORK/run_city.log" | sed 's/^/  /'

for layer in coverage_parcels coverage_gaps conflicts eligibility renewal_units unit_parcels; do
    "$BIN" export --store "$SINGLE" --layer "$layer" "$WORK/single_$layer.csv" >/dev/null 2>&1 || { echo "FAIL: export $layer (single)"; fail=1; continue; }
    "$BIN" export --store "$CITY" --layer "$layer" "$WORK/city_$layer.csv" >/dev/null 2>&1 || { echo "FAIL: export $layer (city)"; fail=1; continue; }
    python3 "$ROOT/scripts/compare_csv.py" "$layer" "$WORK/single_$layer.csv" "$WORK/city_$layer.csv" || fail=1
done
[ $fail = 0 ] && echo "OK: the districts over three clusters give the whole-city answers" || echo "FAIL: see above"
exit $fail
