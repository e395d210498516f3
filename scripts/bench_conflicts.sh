#!/usr/bin/env bash
# Conflicts benchmark: `renewalgis conflicts` and `renewalgis eligibility` on a synthetic city
# (default L, 207k parcels), and in the same run a reference overlay of the same parcels with the
# same zones in GeoPandas (sjoin + overlay, from the ../shared/bench venv /tmp/bv). Reports wall
# times, peak RSS, and whether both found the same set of (parcel, zone) pairs.
#
#   bash scripts/bench_conflicts.sh [RENEWALGIS_BINARY] [SIZE]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
BIN=$(bench_binary "${1:-}")
SIZE=${2:-L}
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
[ -x /tmp/bv/bin/python ] || bash "$BENCH/setup.sh"   # the GeoPandas reference runs in it
ensure_city "$SIZE"

"$BIN" import "$DATA/$SIZE/city.gpkg" --store "$WORK/s.sqlite" >/dev/null
run() {  # label, command… → "label wall rss"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  read -r secs kb <"$WORK/time"
  printf "| %s | %.2f s | %.0f MB |\n" "$label" "$secs" "$(echo "$kb / 1024" | bc -l)"
}
echo "| $SIZE | wall | peak RSS |"
echo "|---|---:|---:|"
run "renewalgis conflicts" "$BIN" conflicts --store "$WORK/s.sqlite" --csv "$WORK/conflicts.csv" --overlaps "$WORK/ours.csv"
run "renewalgis eligibility --to 080701 (elderly care)" "$BIN" eligibility --store "$WORK/s.sqlite" --to 080701 --csv "$WORK/eligibility1.csv"
run "renewalgis eligibility (every positive-list target)" "$BIN" eligibility --store "$WORK/s.sqlite" --csv "$WORK/eligibility.csv"
run "GeoPandas sjoin + overlay (reference)" /tmp/bv/bin/python "$ROOT/scripts/overlay_geopandas.py" "$DATA/$SIZE" "$WORK/ref.csv"
/tmp/bv/bin/python - "$WORK/ours.csv" "$WORK/ref.csv" <<'PY'
import sys, pandas as pd
ours = pd.read_csv(sys.argv[1], dtype=str)
ref = pd.read_csv(sys.argv[2], dtype=str)
a = set(zip(ours.parcel_id, ours.zone_id)); b = set(zip(ref.parcel_id, ref.zone_id))
m = ours.merge(ref, on=["parcel_id", "zone_id"], suffixes=("_ours", "_ref"))
d = (m.overlap_m2_ours.astype(float) - m.overlap_m2_ref.astype(float)).abs().max() if len(m) else 0.0
print(f"pairs: renewalgis {len(a)}, GeoPandas {len(b)}, only renewalgis {len(a - b)}, only GeoPandas {len(b - a)}, "
      f"max |Δ overlap| {d:.3f} m² -> {'SAME PAIRS' if a == b else 'DIFFERENT PAIRS'}")
PY
