#!/usr/bin/env bash
# Capacity-aware access and the health check: `renewalgis access` (2SFCA, the Gaussian-decay form, walking)
# and `renewalgis checkup` timed on the synthetic cities, wall time and peak RSS, and PySAL's `access`
# package (two_stage_fca) on the same parcels and facilities in the same run (scripts/access_check.py,
# in the ../shared/bench venv /tmp/bv), which must give every parcel the same capacity per person
# within 1e-9. PySAL builds the cost table from a dense distance matrix, so it runs on M only by
# default.
#
#   bash scripts/bench_access.sh [RENEWALGIS_BINARY] [SIZES...]      (default: release build, M L)
#
# Environment: PYSAL_SIZES (sizes where PySAL runs: "M"), ACCESS_VERSION (1.1.10.post3).
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
bench_args "M L" "$@"
PYSAL_SIZES=" ${PYSAL_SIZES:-M} "
ACCESS_VERSION=${ACCESS_VERSION:-1.1.10.post3}
command -v bc >/dev/null || apt-get install -y -q bc >/dev/null
[ -x /tmp/bv/bin/python ] || bash "$BENCH/setup.sh"
/tmp/bv/bin/python -c "import access" 2>/dev/null || /tmp/bv/bin/pip install -q "access==$ACCESS_VERSION"
"$BIN" access --help 2>/dev/null | grep -q "USAGE: renewalgis access" || { echo "$BIN has no access command (swift build -c release --product renewalgis)" >&2; exit 1; }

STATUS=0
echo "access benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $("$BIN" --version)"
for size in "${SIZES[@]}"; do
  ensure_city "$size"
  D=$WORK/$size; mkdir -p "$D"
  timed "$D/import" "$BIN" import "$DATA/$size/city.gpkg" --store "$D/store.sqlite"
  timed "$D/access" "$BIN" access --store "$D/store.sqlite" --csv "$D/access.csv"
  timed "$D/e2sfca" "$BIN" access --store "$D/store.sqlite" --method e2sfca --csv "$D/e2sfca.csv"
  timed "$D/walk" "$BIN" access --store "$D/store.sqlite" --mode network --csv "$D/walk.csv"
  timed "$D/checkup" "$BIN" checkup --store "$D/store.sqlite" --csv "$D/checkup" --xlsx "$D/checkup.xlsx"
  parcels=$(grep -o "of [0-9]* residential parcels" "$D/access.err" | grep -o "[0-9]*")
  echo
  echo "## $size: $parcels residential parcels"
  echo
  echo "| step | wall | peak RSS |"
  echo "|---|---:|---:|"
  row "renewalgis access --method 2sfca" "$D/access"
  row "renewalgis access --method e2sfca" "$D/e2sfca"
  row "renewalgis access --mode network (walking)" "$D/walk"
  row "renewalgis checkup (CSV and XLSX)" "$D/checkup"
  if [[ "$PYSAL_SIZES" == *" $size "* ]]; then
    metric=$(grep -o "metric CRS EPSG:[0-9]*" "$D/access.err" | head -1 | cut -d' ' -f3)
    timed "$D/pysal" /tmp/bv/bin/python "$ROOT/scripts/access_check.py" "$DATA/$size/city.gpkg:parcels" \
      "$DATA/$size/city.gpkg:facilities" "$D/access.csv" "$metric" --seconds-out "$D/pysal.seconds" || STATUS=1
    row "PySAL access $ACCESS_VERSION two_stage_fca (whole script: read, points, costs, 2SFCA)" "$D/pysal"
    echo "| PySAL, files read: points, costs and two_stage_fca | $(cat "$D/pysal.seconds") s | |"
    echo
    cat "$D/pysal.out"
    grep -q FAIL "$D/pysal.out" && STATUS=1
  fi
done
exit $STATUS
