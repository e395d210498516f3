#!/usr/bin/env python3
"""Recomputes `renewalgis access --method 2sfca` with PySAL's `access` package and compares.

usage: access_check.py PARCELS FACILITIES TOOL_CSV METRIC_CRS [--radii JSON] [--seconds-out FILE]

PARCELS and FACILITIES are any files GeoPandas reads (a GeoPackage layer as FILE:LAYER); TOOL_CSV
is what `renewalgis access --csv` wrote (parcel_id,category,access); METRIC_CRS is the CRS the tool
measured in (it prints it: "metric CRS EPSG:4545 …"). The demand and supply are built here on their
own, as the tool documents them, not read from the tool:
  - demand: parcels whose land_use starts with 07, population (NULL: 0) at the centroid, or at a
    representative point where the centroid falls outside the parcel;
  - supply: facilities with a category and a capacity (NULL: left out), at their centroid;
  - cost: the straight-line distance in METRIC_CRS between every parcel and facility pair closer
    than the category's radius (the built-in GB 50180 radii, or --radii).
PySAL's two_stage_fca (access.Access, max_cost = the radius, no normalisation) gives each parcel
its capacity per person; every value must equal the tool's within 1e-9 (absolute), category by
category. Prints one PASS/FAIL line per category and exits 1 on any difference.
"""
import json
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
from access import Access

DEFAULT_RADII = {"childcare": 300, "kindergarten": 300, "elderly_day_care": 300, "community_service": 300,
                 "primary_school": 500, "market": 500, "community_canteen": 500,
                 "middle_school": 1000, "clinic": 1000, "sports": 1000, "elderly_care": 1000}
TOLERANCE = 1e-9


def read(spec):
    """A file GeoPandas reads; FILE.gpkg:LAYER names a layer of a GeoPackage."""
    path, _, layer = spec.rpartition(":") if ".gpkg:" in spec else (spec, "", "")
    return gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)


def main(argv):
    args = [a for a in argv[1:]]
    radii = DEFAULT_RADII
    seconds_out = None
    if "--radii" in args:
        k = args.index("--radii"); radii = json.load(open(args[k + 1])); del args[k:k + 2]
    if "--seconds-out" in args:
        k = args.index("--seconds-out"); seconds_out = args[k + 1]; del args[k:k + 2]
    parcels_spec, facilities_spec, tool_csv, metric = args
    parcels = read(parcels_spec).to_crs(metric)
    facilities = read(facilities_spec).to_crs(metric)

    started = time.perf_counter()
    homes = parcels[parcels["land_use"].astype(str).str.startswith("07")].copy()
    centroids = homes.geometry.centroid
    inside = centroids.intersects(homes.geometry)
    homes["point"] = centroids.where(inside, homes.geometry.representative_point())
    homes["population"] = pd.to_numeric(homes["population"], errors="coerce").fillna(0.0)
    demand = pd.DataFrame({"parcel_id": homes["parcel_id"].astype(str), "population": homes["population"],
                           "x": homes["point"].x, "y": homes["point"].y})
    facilities = facilities[facilities["category"].notna() & facilities["capacity"].notna()].copy()
    facilities["capacity"] = pd.to_numeric(facilities["capacity"])
    sites = facilities.geometry.centroid
    supply_all = pd.DataFrame({"facility": np.arange(len(facilities)), "category": facilities["category"].astype(str).values,
                               "capacity": facilities["capacity"].values, "x": sites.x.values, "y": sites.y.values})

    results = {}
    for category in sorted(set(supply_all["category"]) & set(radii)):
        radius = float(radii[category])
        supply = supply_all[supply_all["category"] == category].reset_index(drop=True)
        # Every pair closer than the radius (the rest weigh nothing); PySAL drops cost >= max_cost itself.
        dx = demand["x"].values[:, None] - supply["x"].values[None, :]
        dy = demand["y"].values[:, None] - supply["y"].values[None, :]
        distance = np.hypot(dx, dy)
        i, j = np.nonzero(distance < radius * 1.5)
        cost = pd.DataFrame({"origin": demand["parcel_id"].values[i], "dest": supply["facility"].values[j], "cost": distance[i, j]})
        model = Access(demand_df=demand, demand_index="parcel_id", demand_value="population",
                       supply_df=supply, supply_index="facility", supply_value="capacity",
                       cost_df=cost, cost_origin="origin", cost_dest="dest", cost_name="cost")
        scores = model.two_stage_fca(name="2sfca", max_cost=radius, normalize=False)
        results[category] = scores.iloc[:, 0].reindex(demand["parcel_id"]).fillna(0.0)
    elapsed = time.perf_counter() - started
    if seconds_out:
        open(seconds_out, "w").write(f"{elapsed:.3f}\n")

    tool = pd.read_csv(tool_csv, dtype={"parcel_id": str})
    failed = False
    for category, expected in results.items():
        mine = tool[tool["category"] == category].set_index("parcel_id")["access"]
        missing = set(expected.index) ^ set(mine.index)
        difference = (mine.reindex(expected.index) - expected).abs()
        worst = float(difference.max()) if len(difference) else 0.0
        ok = not missing and worst <= TOLERANCE
        failed |= not ok
        print(f"{'PASS' if ok else 'FAIL'} {category}: {len(expected)} parcels, {int((supply_all['category'] == category).sum())} facilities, "
              f"radius {radii[category]} m, max |tool - PySAL access| = {worst:.3g}"
              + (f", {len(missing)} parcels in one answer only" if missing else ""))
    extra = sorted(set(tool["category"]) - set(results))
    if extra:
        failed = True
        print(f"FAIL categories in the tool's CSV that PySAL was not given: {', '.join(extra)}")
    print(f"PySAL access (two_stage_fca) took {elapsed:.2f} s for {len(results)} categories")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
