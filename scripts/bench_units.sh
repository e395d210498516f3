#!/usr/bin/env bash
# Renewal-unit benchmark: `renewalgis units` side by side with PySAL spopt's max-p regions
# (scripts/units_spopt.py, in the ../shared/bench venv /tmp/bv) on the synthetic cities (default S).
# Per size: import city.gpkg into a fresh store, run coverage and conflicts (the need score's inputs),
# then time `renewalgis units --min-ha 10 --max-ha 50 --seed 1`; on S, max-p runs on exactly the
# same parcels, adjacency graph (RenewalGIS's --adjacency) and need scores (its --csv), and both
# delineations are measured the same way. Prints a table and PASS/FAIL lines for: RenewalGIS at
# least as homogeneous (within-unit SSD of need), all its units within both bounds (islands between
# barriers reported apart), and RenewalGIS faster. On M and L only RenewalGIS's steps are timed:
# spopt's simulated annealing re-checks contiguity region by region with scipy and holds an n×n
# distance matrix, which takes far too long there.
#
#   bash scripts/bench_units.sh [RENEWALGIS_BINARY] [SIZES...]
#
# Environment: MIN_HA (10), MAX_HA (50), SEED (1), SPOPT_SIZES (sizes where max-p runs: "S"),
# SPOPT_ARGS (extra units_spopt.py options, e.g. "--max-iterations-sa 10"), KEEP_DIR (keep the
# outputs there instead of a temporary directory).
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
BIN=$(bench_binary "${1:-}")
shift || true
if [ $# -gt 0 ]; then SIZES=("$@"); else SIZES=(S); fi
MIN_HA=${MIN_HA:-10} MAX_HA=${MAX_HA:-50} SEED=${SEED:-1}
SPOPT_SIZES=" ${SPOPT_SIZES:-S} "
SPOPT_VERSION=0.7.0
if [ -n "${KEEP_DIR:-}" ]; then WORK=$KEEP_DIR; mkdir -p "$WORK"; else WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT; fi
command -v bc >/dev/null || apt-get install -y -q bc >/dev/null
[ -x /tmp/bv/bin/python ] || bash "$BENCH/setup.sh"
/tmp/bv/bin/python -c "import spopt" 2>/dev/null || /tmp/bv/bin/pip install -q "spopt==$SPOPT_VERSION"
# (an unknown subcommand's --help prints the top-level help and exits 0: look for the units usage line)
"$BIN" units --help 2>/dev/null | grep -q "USAGE: renewalgis units" || { echo "$BIN has no units command (swift build -c release --product renewalgis)" >&2; exit 1; }


for size in "${SIZES[@]}"; do
  ensure_city "$size"
  D=$WORK/$size; mkdir -p "$D"; rm -f "$D/store.sqlite"
  timed "$D/import" "$BIN" import "$DATA/$size/city.gpkg" --store "$D/store.sqlite"
  timed "$D/coverage" "$BIN" coverage --store "$D/store.sqlite"
  timed "$D/conflicts" "$BIN" conflicts --store "$D/store.sqlite"
  timed "$D/units" "$BIN" units --store "$D/store.sqlite" --min-ha "$MIN_HA" --max-ha "$MAX_HA" --seed "$SEED" \
    --csv "$D/units.csv" --adjacency "$D/adjacency.csv"
  echo
  echo "## $size: renewalgis units --min-ha $MIN_HA --max-ha $MAX_HA --seed $SEED"
  echo
  echo "| step | wall | peak RSS |"
  echo "|---|---:|---:|"
  row "renewalgis import" "$D/import"
  row "renewalgis coverage" "$D/coverage"
  row "renewalgis conflicts" "$D/conflicts"
  row "renewalgis units" "$D/units"
  if [[ "$SPOPT_SIZES" != *" $size "* ]]; then
    echo
    echo "(spopt max-p not run on $size: its simulated annealing re-checks contiguity region by region and its"
    echo " n×n need-distance matrix grows with the square of the parcels; set SPOPT_SIZES to force it.)"
    continue
  fi
  # shellcheck disable=SC2086
  timed "$D/spopt" /tmp/bv/bin/python "$ROOT/scripts/units_spopt.py" "$D/store.sqlite" "$D/units.csv" "$D/adjacency.csv" \
    --min-ha "$MIN_HA" --max-ha "$MAX_HA" --seed "$SEED" --json "$D/compare.json" --labels "$D/maxp_labels.csv" ${SPOPT_ARGS:-}
  echo
  /tmp/bv/bin/python - "$D/compare.json" "$D/units.time" "$D/spopt.time" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
(rs, rk), (ss, sk) = (map(float, open(f).read().split()[-2:]) for f in sys.argv[2:4])
rg, mp, g, sp = r["renewalgis"], r["maxp"], r["graph"], r["spopt"]
lo, hi = r["min_ha"], r["max_ha"]
print(f"{g['parcels']} parcels in units, {g['pairs_used']} adjacent pairs, {g['pieces']} connected pieces "
      f"({g['pieces_below_min']} below {lo:g} ha). spopt {sp['version']} (libpysal {sp['libpysal']}) MaxPHeuristic: "
      + ", ".join(f"{k}={v}" for k, v in sp["parameters"].items() if k in
                  ("top_n", "max_iterations_construction", "max_iterations_sa", "policy", "seed")) + "\n")
print("| tool | units | SSD | units within bounds | parcels within bounds | wall | peak RSS |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, m, secs, kb in (("renewalgis units", rg, rs, rk), ("spopt max-p (units_spopt.py)", mp, ss, sk)):
    print(f"| {name} | {m['units']} | {m['ssd_common']:.3f} | {m['units_within_bounds']} of {m['units']} | "
          f"{m['parcels_in_units_within_bounds']} ({100 * m['share_parcels_within_bounds']:.1f} %) | {secs:.2f} s | {kb / 1024:.0f} MB |")
print(f"\nSSD = Σ over units of Σ(need − unit mean)², on the {g['parcels'] - mp['parcels_unassigned']} parcels both assign "
      f"(max-p leaves {mp['parcels_unassigned']} parcels, {mp['unassigned_ha']} ha, unassigned: pieces below {lo:g} ha); "
      f"on all its parcels RenewalGIS's is {rg['ssd']:.3f}. Max-p's own objective (Σ pairwise |Δneed| in units): "
      f"RenewalGIS {rg['maxp_objective_common']:.1f}, max-p {mp['maxp_objective_common']:.1f}. "
      f"Unit areas: RenewalGIS {rg['min_unit_ha']}–{rg['max_unit_ha']} ha, max-p {mp['min_unit_ha']}–{mp['max_unit_ha']} ha "
      f"({mp['units_above_max']} above {hi:g} ha: max-p has no upper bound). spopt's solve alone: {mp['solve_s']:.2f} s.\n")
ok = lambda b: "PASS" if b else "FAIL"
print(f"{ok(rg['ssd_common'] <= mp['ssd_common'])}  at least as homogeneous: SSD {rg['ssd_common']:.3f} (RenewalGIS, {rg['units']} units) "
      f"vs {mp['ssd_common']:.3f} (max-p, {mp['units']} units)")
isl = [u for u in rg["out_of_bounds"] if u["island"]]
bad = [u for u in rg["out_of_bounds"] if not u["island"]]
print(f"{ok(not bad)}  every RenewalGIS unit within [{lo:g}, {hi:g}] ha except flagged islands: "
      f"{rg['units'] - len(isl) - len(bad)} of {rg['units'] - len(isl)} units within bounds")
def show(u):
    return (f"{u['unit_id']} {u['area_ha']} ha, {u['parcels']} parcels (e.g. {u['first_parcel']}), its piece of the graph "
            f"{u['piece_ha']} ha" + (f"; flags: {u['flags']}" if u["flags"] else ""))
for u in bad:
    print(f"      out of bounds: {show(u)}")
print(f"      islands: {len(isl)} unit(s) below {lo:g} ha whose whole connected piece of the adjacency graph (parcels "
      f"between arterial streets and rivers, not facing any other parcel) is below the minimum, so no bigger unit can exist")
for u in isl[:10]:
    print(f"        {show(u)}")
if len(isl) > 10:
    print(f"        … {len(isl) - 10} more")
for u in rg["flagged_within_bounds"]:
    print(f"      flagged, within bounds: {u['unit_id']}: {u['flags']}")
if not rg["flags_read"]:
    print("      (no renewal_units flags in the store: islands found from the adjacency graph alone)")
print(f"{ok(rs < ss)}  RenewalGIS faster: {rs:.2f} s vs {ss:.2f} s (max-p's whole script; its solve alone {mp['solve_s']:.2f} s)")
PY
done
