#!/usr/bin/env bash
# Same answers on both backends: the synthetic city imported into a SpatiaLite file and into a PostGIS
# database (a throwaway PostgreSQL 15 + PostGIS cluster on a private port, removed at exit), the same
# commands run on each, and their outputs compared:
#   catalogue   `layers --json` (importedAt aside)
#   coverage    --mode straight, then --mode network --streets roads (--csv and --summary of each)
#   conflicts   --csv and --overlaps
#   eligibility --to 080701 --csv, and every positive-list target --csv
#   units       --seed 7 --csv (after coverage and conflicts, which it reads)
#   serving     two `renewalgis serve`, one per store: /collections, /collections/parcels, its queryables,
#               and 20 seeded 500 m bbox pages /collections/parcels/items?bbox=…&limit=1000, as JSON without
#               the "links" arrays and the queryables' "$id" (both carry each server's own address); ETags
#               reported, not required equal (they hash the request with the store's content version, which
#               each backend counts its own way).
# CSVs: same header and rows, text identical, numeric columns within 1e-9 (scripts/compare_csv.py); JSON
# answers: numbers within 1e-9 (scripts/compare_answers.py). One line per comparison, OK or DIFFER with
# its counts; exit status 1 on any difference or failed command. For the M city; not part of make test.
#
#   bash scripts/backends_check.sh [RENEWALGIS_BINARY] [DATA_DIR=/tmp/citydata/M]
#
# Env: KEEP=1 keeps the work directory (stores, CSVs, logs); BENCH_PY (/tmp/bv/bin/python, for the seeded
#      bbox paths); BENCH_PG_PORT / BENCH_PG_DIR (the cluster); PG_URL=postgresql://… to use a server
#      that is already running instead (a fresh database renewalgis_backends_check is made on it, dropped
#      at exit); RENEWALGIS_PG_STANDIN=1 rehearses the script with a second SpatiaLite file in place of
#      PostGIS (while the CLI takes no postgresql:// store).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/pg_bench_lib.sh"
BENCH=${BENCH_DIR:-$ROOT/../shared/bench}
BIN=$(readlink -f "${1:-$ROOT/.build/release/renewalgis}")
DATA=$(readlink -f "${2:-/tmp/citydata/M}")
PY=${BENCH_PY:-/tmp/bv/bin/python}
STANDIN=${RENEWALGIS_PG_STANDIN:-0}
DB=renewalgis_backends_check
WORK=$(mktemp -d /tmp/renewalgis-backends.XXXXXX)
DIFFERENT=0
PIDS=()

cleanup() {
    # Servers are started inside $(…), a subshell: their pids come back through a file.
    [ -f "$WORK/serve.pids" ] && mapfile -t -O "${#PIDS[@]}" PIDS < "$WORK/serve.pids"
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    if [ -n "${PG_URL:-}" ] && [ "$STANDIN" != 1 ]; then drop_db "$DB"; fi
    pg_cluster_down
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
differ() { echo "DIFFER $*"; DIFFERENT=$((DIFFERENT + 1)); }

[ -x "$BIN" ] || { echo "no binary at $BIN"; exit 2; }
[ -f "$DATA/city.gpkg" ] || { echo "no $DATA/city.gpkg (/tmp/bv/bin/python $BENCH/gen_city.py --size M --out $DATA)"; exit 2; }

SQLITE=$WORK/city.sqlite
if [ "$STANDIN" = 1 ]; then
    OTHER=$WORK/standin.sqlite
    echo "REHEARSAL: the second store is another SpatiaLite file, not PostGIS (RENEWALGIS_PG_STANDIN=1)"
else
    if [ -n "${PG_URL:-}" ]; then pg_use_url "$PG_URL"; else pg_cluster_up >/dev/null 2>&1 || { echo "could not start a PostgreSQL cluster"; exit 2; }; fi
    OTHER=$(fresh_db "$DB") || { echo "could not create database $DB on $PG_SERVER"; exit 2; }
fi
echo "stores: $SQLITE and $OTHER; data $DATA/city.gpkg; $("$BIN" --version)"

# on_both NAME ARGS… → runs `renewalgis ARGS --store S` for each store; {} in ARGS becomes the store's
# output prefix ($WORK/sqlite_ or $WORK/other_). Returns 1 when either run fails.
on_both() {
    local name=$1 ok=0; shift
    for side in sqlite other; do
        local store=$SQLITE; [ "$side" = other ] && store=$OTHER
        local argv=("${@//\{\}/$WORK/${side}_}")
        if ! "$BIN" "${argv[@]}" --store "$store" > "$WORK/${side}_$name.log" 2>&1; then
            differ "$name: \`renewalgis ${argv[*]}\` failed on $side: $(tail -2 "$WORK/${side}_$name.log" | tr '\n' ' ')"
            ok=1
        fi
    done
    return $ok
}

csv_check() {  # LABEL FILE_SUFFIX
    local out
    if out=$(python3 "$ROOT/scripts/compare_csv.py" "$1" "$WORK/sqlite_$2" "$WORK/other_$2" --tolerance 1e-9); then echo "$out"
    else echo "$out"; DIFFERENT=$((DIFFERENT + 1)); fi
}

on_both import import "$DATA/city.gpkg" || exit 1
"$BIN" layers --json --store "$SQLITE" > "$WORK/sqlite_layers.json"
"$BIN" layers --json --store "$OTHER" > "$WORK/other_layers.json"
if out=$(python3 - "$WORK/sqlite_layers.json" "$WORK/other_layers.json" <<'PY'
import json, sys
a, b = ([{k: v for k, v in layer.items() if k != "importedAt"} for layer in json.load(open(p))] for p in sys.argv[1:])
diff = [x["name"] for x, y in zip(a, b) if x != y]
if len(a) != len(b) or diff:
    print(f"{len(a)} vs {len(b)} layers; differing: {diff}"); sys.exit(1)
print(f"{len(a)} layers, {sum(x['featureCount'] for x in a)} features, same counts, extents, types and sources")
PY
); then echo "OK catalogue: $out"; else differ "catalogue: $out"; fi

on_both coverage_straight coverage --mode straight --csv "{}coverage_straight.csv" --summary "{}coverage_straight.json" &&
    csv_check "coverage --mode straight" coverage_straight.csv
on_both coverage_network coverage --mode network --streets roads --csv "{}coverage_network.csv" --summary "{}coverage_network.json" &&
    csv_check "coverage --mode network" coverage_network.csv
for mode in straight network; do
    if out=$(python3 - "$WORK/sqlite_coverage_$mode.json" "$WORK/other_coverage_$mode.json" <<'PY'
import json, math, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
bad = []
def walk(x, y, where):
    if isinstance(x, dict) and isinstance(y, dict):
        for k in set(x) | set(y):
            walk(x.get(k), y.get(k), f"{where}.{k}")
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (u, v) in enumerate(zip(x, y)): walk(u, v, f"{where}[{i}]")
    elif isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(x, bool):
        if abs(x - y) > 1e-9 * max(1, abs(x), abs(y)): bad.append(where)
    elif x != y:
        bad.append(where)
walk(a, b, "$")
print(f"{len(bad)} values differ{': ' + ', '.join(bad[:5]) if bad else ''}")
sys.exit(1 if bad else 0)
PY
    ); then echo "OK coverage --mode $mode summary JSON: $out"; else differ "coverage --mode $mode summary JSON: $out"; fi
done 2>/dev/null
on_both conflicts conflicts --csv "{}conflicts.csv" --overlaps "{}overlaps.csv" &&
    { csv_check "conflicts --csv" conflicts.csv; csv_check "conflicts --overlaps" overlaps.csv; }
on_both eligibility eligibility --to 080701 --csv "{}eligibility_080701.csv" &&
    csv_check "eligibility --to 080701" eligibility_080701.csv
on_both eligibility_all eligibility --csv "{}eligibility_all.csv" &&
    csv_check "eligibility (every target)" eligibility_all.csv
on_both units units --seed 7 --csv "{}units.csv" &&
    csv_check "units --seed 7" units.csv

# Serving: one server per store, the same requests to both.
serve() {  # STORE LOG → prints the base URL
    local port; port=$(free_port)
    "$BIN" serve --store "$1" --host 127.0.0.1 --port "$port" --styles "$ROOT/Styles" > "$2" 2>&1 &
    echo $! >> "$WORK/serve.pids"
    for _ in $(seq 1 150); do curl -fs -o /dev/null "http://127.0.0.1:$port/collections" && { echo "http://127.0.0.1:$port"; return 0; }; sleep 0.2; done
    return 1
}
A=$(serve "$SQLITE" "$WORK/serve_sqlite.log") || differ "serve: the SpatiaLite store's server did not start: $(tail -2 "$WORK/serve_sqlite.log")"
B=$(serve "$OTHER" "$WORK/serve_other.log") || differ "serve: the second store's server did not start: $(tail -2 "$WORK/serve_other.log")"
if [ -n "$A" ] && [ -n "$B" ]; then
    printf '%s\n' /collections /collections/parcels /collections/parcels/queryables > "$WORK/paths_meta.txt"
    "$PY" "$BENCH/serve/make_bbox_paths.py" "$DATA" "$WORK/paths_items.txt" --n 20 \
        --template '/collections/parcels/items?bbox={bbox}&limit=1000' > /dev/null
    for kind in meta items; do
        out=$(python3 "$ROOT/scripts/compare_answers.py" "serve $kind" "$WORK/paths_$kind.txt" "$A" "$B" --drop 'links,$id' --tolerance 1e-9)
        status=$?
        echo "$out"
        [ "$status" = 0 ] || DIFFERENT=$((DIFFERENT + 1))
    done
fi

if [ "$DIFFERENT" -gt 0 ]; then echo "backends_check: $DIFFERENT comparison(s) differ (KEEP=1 keeps $WORK)"; exit 1; fi
echo "backends_check: the two stores give the same answers"
