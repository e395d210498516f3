#!/usr/bin/env python3
"""Reference for `renewalgis units`: PySAL spopt's max-p regions on exactly the same parcels, graph
and need scores, and the same measures computed for both delineations.

    /tmp/bv/bin/python scripts/units_spopt.py STORE UNITS_CSV ADJACENCY_CSV --min-ha 10 --max-ha 50 \
        [--seed 1] [--top-n 2] [--max-iterations-construction 99] [--max-iterations-sa 3] \
        [--json OUT.json] [--labels OUT.csv]

STORE is the SpatiaLite store (read through GDAL); UNITS_CSV is `renewalgis units --csv`
(parcel_id,unit_id,need_score), ADJACENCY_CSV is `renewalgis units --adjacency` (parcel_a,parcel_b).

What max-p gets:
- the parcels of UNITS_CSV (those RenewalGIS put in a unit; parcels it excluded, e.g. water or
  inside a river, are left out of both), in that order;
- a libpysal W built from exactly the pairs of ADJACENCY_CSV between those parcels;
- attribute = RenewalGIS's need_score; threshold variable = parcel area in m² (EPSG:4545 by
  default), threshold = --min-ha. Max-p has no upper bound: --max-ha is only used for the measures.

Connected pieces of the graph whose area is below the threshold cannot hold a region: spopt's
default policy would join them to the nearest piece by a new edge (changing the graph), so they are
kept out and reported as unassigned (label -1). A single parcel with no neighbour that reaches the
threshold alone is its own region (spopt's construction would crash on it). Everything else goes to
`spopt.region.MaxPHeuristic(policy="keep")` in one call, seeded through numpy.

Measures for both delineations: units, within-unit SSD of need (Σ over units of Σ(need − unit
mean)²), max-p's own objective (Σ over units of Σ pairwise |Δneed|), min/max unit area, units within
[min, max], share of parcels in such units. SSD and the objective are given on all parcels each
tool assigns, and on the parcels both assign (the fair comparison when max-p leaves pieces out).
Prints a Markdown table; --json writes everything.
"""
import argparse
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store")
    ap.add_argument("units_csv")
    ap.add_argument("adjacency_csv")
    ap.add_argument("--min-ha", type=float, default=10.0, help="minimum unit area = max-p threshold (ha)")
    ap.add_argument("--max-ha", type=float, default=50.0, help="maximum unit area, for the measures only (ha)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top-n", type=int, default=2, help="max-p: candidate regions per enclave assignment")
    ap.add_argument("--max-iterations-construction", type=int, default=99,
                    help="max-p: randomised constructions (spopt's class default; cheap)")
    ap.add_argument("--max-iterations-sa", type=int, default=3,
                    help="max-p: simulated-annealing runs per best construction (spopt's default is 10; "
                         "each run costs seconds on S)")
    ap.add_argument("--layer", default="parcels")
    ap.add_argument("--id-field", default="parcel_id")
    ap.add_argument("--crs", default="EPSG:4545", help="metric CRS for parcel areas")
    ap.add_argument("--units-layer", default="renewal_units",
                    help="store layer with RenewalGIS's unit flags (unit_id, flags), read when present")
    ap.add_argument("--json", help="write the results as JSON here")
    ap.add_argument("--labels", help="write parcel_id,maxp_unit here (-1 = unassigned)")
    return ap.parse_args(argv)


def read_areas(store, layer, id_field, crs):
    import geopandas as gpd
    g = gpd.read_file(store, layer=layer, columns=[id_field])
    if g.crs is None:
        g = g.set_crs("EPSG:4490")
    g = g.to_crs(crs)
    return pd.Series(g.geometry.area.values, index=g[id_field].astype(str).values)


def read_flags(store, layer):
    """unit_id → flags text from RenewalGIS's result layer; {} when the store has none."""
    try:
        import pyogrio
        if layer not in {name for name, _ in pyogrio.list_layers(store)}:
            return {}
        df = pyogrio.read_dataframe(store, layer=layer, columns=["unit_id", "flags"], read_geometry=False)
        return {str(u): (f or "") for u, f in zip(df["unit_id"], df["flags"])}  # not df.flags: a pandas property
    except Exception as e:  # the measures do not depend on it
        print(f"note: could not read {layer} flags: {e}", file=sys.stderr)
        return {}


def measures(labels, need, area, lo, hi, common=None):
    """labels: int array, -1 = unassigned. Areas in m², bounds in m²."""
    df = pd.DataFrame({"u": labels, "x": need, "a": area})
    asg = df[df.u >= 0]
    g = asg.groupby("u")
    ua = g.a.sum()
    ssd = float(((asg.x - g.x.transform("mean")) ** 2).sum())
    within = (ua >= lo - 1e-6) & (ua <= hi + 1e-6)

    def pairwise(x):  # Σ_{i<j} |x_i − x_j| from the sorted values
        s = np.sort(x.values)
        n = len(s)
        return float((s * (2 * np.arange(n) - n + 1)).sum())

    out = {
        "units": int(len(ua)),
        "parcels_assigned": int(len(asg)),
        "parcels_unassigned": int((df.u < 0).sum()),
        "unassigned_ha": round(float(df.a[df.u < 0].sum()) / 1e4, 3),
        "ssd": round(ssd, 6),
        "maxp_objective": round(float(g.x.apply(pairwise).sum()), 6),
        "min_unit_ha": round(float(ua.min()) / 1e4, 3) if len(ua) else None,
        "max_unit_ha": round(float(ua.max()) / 1e4, 3) if len(ua) else None,
        "units_within_bounds": int(within.sum()),
        "units_below_min": int((ua < lo - 1e-6).sum()),
        "units_above_max": int((ua > hi + 1e-6).sum()),
        "parcels_in_units_within_bounds": int(asg.u.isin(ua.index[within]).sum()),
        "share_parcels_within_bounds": round(float(asg.u.isin(ua.index[within]).sum()) / len(df), 4) if len(df) else None,
    }
    if common is not None:
        c = df[common & (df.u >= 0)]
        gc = c.groupby("u")
        out["ssd_common"] = round(float(((c.x - gc.x.transform("mean")) ** 2).sum()), 6)
        out["maxp_objective_common"] = round(float(gc.x.apply(pairwise).sum()), 6)
    return out, ua


def main(argv=None):
    args = parse_args(argv)
    t_start = time.perf_counter()
    lo, hi = args.min_ha * 1e4, args.max_ha * 1e4

    units = pd.read_csv(args.units_csv, dtype={"parcel_id": str, "unit_id": str})
    if units.parcel_id.duplicated().any():
        sys.exit(f"{args.units_csv}: parcel ids repeated: {units.parcel_id[units.parcel_id.duplicated()].head().tolist()}")
    adj = pd.read_csv(args.adjacency_csv, dtype=str)
    areas = read_areas(args.store, args.layer, args.id_field, args.crs)
    missing = units.parcel_id[~units.parcel_id.isin(areas.index)]
    if len(missing):
        sys.exit(f"{len(missing)} parcels of {args.units_csv} are not in layer {args.layer}: {missing.head().tolist()}")

    ids = units.parcel_id.values
    n = len(ids)
    pos = pd.Series(np.arange(n), index=ids)
    need = units.need_score.astype(float).values
    area = areas.reindex(ids).values

    # The graph: exactly RenewalGIS's pairs, between parcels that are in a unit.
    ia, ib = pos.reindex(adj.parcel_a.values).values, pos.reindex(adj.parcel_b.values).values
    inside = ~np.isnan(ia) & ~np.isnan(ib)
    ia, ib = ia[inside].astype(int), ib[inside].astype(int)
    keep = ia != ib
    ia, ib = ia[keep], ib[keep]
    edges = np.unique(np.sort(np.stack([ia, ib], axis=1), axis=1), axis=0) if len(ia) else np.zeros((0, 2), int)
    m = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n)).tocsr()
    ncomp, comp = connected_components(m, directed=False)
    comp_area = pd.Series(area).groupby(comp).sum()
    comp_size = pd.Series(comp).value_counts()
    feasible = comp_area >= lo
    graph = {
        "parcels": n,
        "pairs_in_file": int(len(adj)),
        "pairs_used": int(len(edges)),
        "pairs_with_a_parcel_not_in_a_unit": int((~inside).sum()),
        "pieces": int(ncomp),
        "pieces_below_min": int((~feasible).sum()),
        "parcels_in_pieces_below_min": int((~feasible.reindex(comp).values).sum()),
    }

    # RenewalGIS's delineation.
    rg_codes, rg_uniques = pd.factorize(units.unit_id)
    rg_labels = rg_codes.astype(int)

    # Max-p on the feasible pieces.
    labels = -np.ones(n, int)
    feasible_parcel = feasible.reindex(comp).values
    singles = [i for i in range(n) if feasible_parcel[i] and comp_size[comp[i]] == 1]
    run = np.array([i for i in range(n) if feasible_parcel[i] and comp_size[comp[i]] > 1], int)
    params = {"top_n": args.top_n, "max_iterations_construction": args.max_iterations_construction,
              "max_iterations_sa": args.max_iterations_sa, "policy": "keep", "seed": args.seed,
              "threshold_m2": lo, "attrs_name": ["need_score"], "threshold_name": "area_m2", "metric_crs": args.crs}
    solve_s, p = 0.0, 0
    import libpysal
    import spopt
    from spopt.region import MaxPHeuristic
    if len(run):
        import geopandas as gpd
        sub = {int(v): k for k, v in enumerate(run)}
        neighbors = {k: [] for k in range(len(run))}
        for a, b in edges:
            if a in sub and b in sub:
                neighbors[sub[a]].append(sub[b])
                neighbors[sub[b]].append(sub[a])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = libpysal.weights.W(neighbors, id_order=list(range(len(run))), silence_warnings=True)
        gdf = gpd.GeoDataFrame({"need_score": need[run], "area_m2": area[run]}, geometry=[None] * len(run))
        np.random.seed(args.seed)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = MaxPHeuristic(gdf, w, ["need_score"], "area_m2", lo, top_n=args.top_n,
                                  max_iterations_construction=args.max_iterations_construction,
                                  max_iterations_sa=args.max_iterations_sa, policy="keep")
            model.solve()
        solve_s = time.perf_counter() - t0
        p = int(model.p)
        sl = np.asarray(model.labels_, dtype=int)
        if len(sl) != len(run) or (sl <= 0).any():
            sys.exit(f"unexpected max-p labels: {len(sl)} for {len(run)} parcels, {(sl <= 0).sum()} unlabelled")
        labels[run] = sl
    nxt = labels.max() + 1
    for i in singles:
        labels[i] = nxt
        nxt += 1

    common = pd.Series(labels >= 0)
    rg, rg_area = measures(rg_labels, need, area, lo, hi, common)
    mp, _ = measures(labels, need, area, lo, hi, common)
    mp["regions_from_maxp"] = p
    mp["single_parcel_regions"] = len(singles)
    mp["solve_s"] = round(solve_s, 3)

    # RenewalGIS's units outside the bounds, and why: a piece of the graph below the minimum
    # (between barriers: an island) or something else; with the flags of the store when present.
    flags = read_flags(args.store, args.units_layer)
    unit_comp = pd.Series(comp).groupby(rg_labels).agg(lambda s: set(s))
    out_of_bounds = []
    for code, a in rg_area.items():
        if lo - 1e-6 <= a <= hi + 1e-6:
            continue
        uid = str(rg_uniques[code])
        pieces = unit_comp[code]
        piece_ha = float(sum(comp_area[c] for c in pieces)) / 1e4
        island = a < lo and all(not feasible[c] for c in pieces)
        members = units.parcel_id[rg_labels == code]
        out_of_bounds.append({"unit_id": uid, "area_ha": round(a / 1e4, 3), "parcels": int(len(members)),
                              "island": bool(island), "piece_ha": round(piece_ha, 3),
                              "flags": flags.get(uid, ""), "first_parcel": str(members.iloc[0])})
    oob = {u["unit_id"] for u in out_of_bounds}
    rg["flagged_within_bounds"] = [{"unit_id": k, "flags": v} for k, v in sorted(flags.items()) if v and k not in oob]
    rg["flags_read"] = bool(flags)
    rg["islands"] = sum(u["island"] for u in out_of_bounds)
    rg["out_of_bounds_not_islands"] = sum(not u["island"] for u in out_of_bounds)
    rg["out_of_bounds"] = out_of_bounds

    result = {"min_ha": args.min_ha, "max_ha": args.max_ha, "graph": graph,
              "spopt": {"version": spopt.__version__, "libpysal": libpysal.__version__, "parameters": params},
              "renewalgis": rg, "maxp": mp, "script_s": round(time.perf_counter() - t_start, 3)}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, ensure_ascii=False)
    if args.labels:
        pd.DataFrame({"parcel_id": ids, "maxp_unit": labels}).to_csv(args.labels, index=False)

    print(f"{n} parcels in units, {graph['pairs_used']} pairs, {graph['pieces']} pieces "
          f"({graph['pieces_below_min']} below {args.min_ha:g} ha, {graph['parcels_in_pieces_below_min']} parcels); "
          f"spopt {spopt.__version__} MaxPHeuristic top_n={args.top_n} "
          f"max_iterations_construction={args.max_iterations_construction} max_iterations_sa={args.max_iterations_sa} "
          f"seed={args.seed}, solved in {solve_s:.2f} s\n")
    print("| delineation | units | SSD (all) | SSD (common) | max-p objective (common) | min–max ha | "
          "units within bounds | parcels within bounds | unassigned parcels |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in (("RenewalGIS", rg), ("spopt max-p", mp)):
        print(f"| {name} | {r['units']} | {r['ssd']:.3f} | {r['ssd_common']:.3f} | {r['maxp_objective_common']:.1f} | "
              f"{r['min_unit_ha']}–{r['max_unit_ha']} | {r['units_within_bounds']} | "
              f"{r['parcels_in_units_within_bounds']} ({100 * r['share_parcels_within_bounds']:.1f} %) | "
              f"{r['parcels_unassigned']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
