# Shared set-up of the benchmark scripts (sourced, not run): paths, the /usr/bin/time tool, and the
# synthetic cities of ../shared/bench, generated on first use with its venv /tmp/bv.
#   ROOT   the repository          BENCH  ../shared/bench (env BENCH_DIR)
#   DATA   /tmp/citydata (env CITY_DATA), one directory per size holding city.gpkg
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=${BENCH_DIR:-$ROOT/../shared/bench}
DATA=${CITY_DATA:-/tmp/citydata}
command -v /usr/bin/time >/dev/null || apt-get install -y -q time >/dev/null

# bench_binary [PATH]: the binary to measure, absolute (default: the release build).
bench_binary() { readlink -f "${1:-$ROOT/.build/release/renewalgis}"; }

# bench_args "DEFAULT SIZES" [BINARY] [SIZES...]: the usual command line of a benchmark script. Sets
# BIN (bench_binary), SIZES (the sizes given, else the defaults) and WORK (a temporary directory
# removed on exit).
bench_args() {
  local defaults=$1
  shift
  BIN=$(bench_binary "${1:-}")
  shift || true
  if [ $# -gt 0 ]; then SIZES=("$@"); else read -r -a SIZES <<< "$defaults"; fi
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
}

# ensure_city SIZE: generates $DATA/SIZE/city.gpkg (seeded, same data every time) when missing.
ensure_city() {
  local size=$1
  [ -f "$DATA/$size/city.gpkg" ] && return
  [ -x /tmp/bv/bin/python ] || bash "$BENCH/setup.sh"
  /tmp/bv/bin/python "$BENCH/gen_city.py" --size "$size" --out "$DATA/$size" >&2
}

# timed PREFIX COMMAND…: runs it; "wall rss_kb" in PREFIX.time, its output in PREFIX.out and PREFIX.err
# (a failure prints the tails and stops the script).
timed() {
  local prefix=$1; shift
  /usr/bin/time -f "%e %M" -o "$prefix.time" "$@" >"$prefix.out" 2>"$prefix.err" \
    || { echo "failed: $*" >&2; tail -n 30 "$prefix.err" "$prefix.out" >&2; exit 1; }
}

# row LABEL PREFIX: "| label | wall | peak RSS |" from PREFIX.time.
row() {
  local secs kb; read -r secs kb <"$2.time"
  printf "| %s | %.2f s | %.0f MB |\n" "$1" "$secs" "$(echo "$kb / 1024" | bc -l)"
}
