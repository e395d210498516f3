# Shared by scripts/soak.sh and scripts/ogr2ogr_copy.sh (source it): a store to serve and a server on a free port.
#   city_store BIN SIZE WORK → prints the path of a store holding the synthetic city SIZE (M: 20,728 parcels),
#                              generated into $CITY_DATA (/tmp/citydata) on first use, imported into WORK by BIN
#   start_server BIN STORE LOG → sets SERVER_PID, PORT and URL once the server answers (returns 1 if it does not)
#   stop_server            → stops it (call from an EXIT trap)
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BENCH=${BENCH_DIR:-$ROOT/../shared/bench}
CITY_DATA=${CITY_DATA:-/tmp/citydata}
SERVER_PID=

city_store() {
    local bin=$1 size=$2 work=$3
    if [ ! -f "$CITY_DATA/$size/city.gpkg" ]; then
        [ -x /tmp/bv/bin/python ] || bash "$BENCH/setup.sh" >&2
        /tmp/bv/bin/python "$BENCH/gen_city.py" --size "$size" --out "$CITY_DATA/$size" >&2
    fi
    "$bin" import "$CITY_DATA/$size/city.gpkg" --store "$work/city.sqlite" > "$work/import.log" 2>&1 || { cat "$work/import.log" >&2; return 1; }
    echo "imported $CITY_DATA/$size/city.gpkg: $(grep -c '^imported' "$work/import.log") layers" >&2
    echo "$work/city.sqlite"
}

start_server() {
    local bin=$1 store=$2 log=$3
    PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
    URL=http://127.0.0.1:$PORT
    "$bin" serve --store "$store" --port "$PORT" --styles "$ROOT/Styles" --assets "$ROOT/vendor/maplibre" > "$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do curl -fs -o /dev/null "$URL/conformance" && return 0; sleep 0.1; done
    echo "the server did not start on $URL:" >&2; cat "$log" >&2
    return 1
}

stop_server() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
}
