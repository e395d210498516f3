#!/usr/bin/env python3
"""Outside China, covered fractions from `renewalgis coverage` equal GeoPandas' in the local UTM zone.

    python3 scripts/coverage_outside_china.py RENEWALGIS CITY.gpkg WORKDIR

CITY.gpkg is a real OpenStreetMap city made by scripts/osm_city.sh (central Helsinki from
scripts/osm_sample.sh: data © OpenStreetMap contributors, ODbL 1.0). The check:
1. `renewalgis import CITY.gpkg` into a new store, then `renewalgis coverage` (straight-line radii
   from the table below) with no metric CRS named: it must choose and print EPSG:32635, the UTM zone
   of Helsinki's centre (24.94°E, 60.17°N);
2. GeoPandas + shapely, independently: residential parcels (land_use 07…) and facilities in
   EPSG:32635, per category the union of 8-segments-per-quadrant buffers, covered fraction =
   area(parcel ∩ union) / area(parcel);
3. every parcel × category must agree within 0.005, and the parcel areas (coverage_parcels.area_m2)
   within 0.1 %.
For contrast it also runs `renewalgis coverage --metric-crs EPSG:4534` (the CGCS2000 zone at 75°E,
which RenewalGIS used everywhere outside China before) and prints how far that lands from GeoPandas.
Exit code 0 when the check passes, 1 when it fails.
"""
import csv
import os
import sqlite3
import subprocess
import sys
import time

import geopandas as gpd
import numpy as np
import shapely

UTM = 32635
TOLERANCE = 0.005
# Radii (metres) small enough for a 1.6 km-wide extract to have partly covered parcels.
RADII = {"clinic": 300, "community_service": 200, "elderly_care": 300, "market": 150,
         "park": 100, "primary_school": 300, "sports": 200}


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr}")
    return done.stderr


def renewalgis_fractions(binary, store, radii, out_csv, metric=None):
    cmd = [binary, "coverage", "--store", store, "--radii", radii, "--csv", out_csv]
    if metric:
        cmd += ["--metric-crs", metric]
    log = run(cmd)
    fractions = {}
    with open(out_csv) as f:
        for row in csv.DictReader(f):
            # A radii file changes only the categories it names: the tool also reports the other
            # default categories (no facility of them in this extract); the comparison is of ours.
            if row["category"] in RADII:
                fractions[(row["parcel_id"], row["category"])] = float(row["covered_fraction"])
    return fractions, log


def geopandas_fractions(gpkg):
    # OSM has a few broken rings: like the import, drop those that cannot be read as rings and repair
    # the invalid ones with MakeValid (structure method, collapsed parts dropped) in lon/lat, keeping areas.
    parcels = gpd.read_file(gpkg, layer="parcels", on_invalid="ignore")
    parcels = parcels[parcels.geometry.notna() & ~parcels.geometry.is_empty]
    invalid = ~shapely.is_valid(parcels.geometry.values)
    fixed = shapely.make_valid(parcels.geometry.values[invalid], method="structure", keep_collapsed=False)
    parcels.loc[invalid, "geometry"] = [shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]) for g in fixed]
    parcels = parcels[~parcels.geometry.is_empty]
    facilities = gpd.read_file(gpkg, layer="facilities")
    res = parcels[parcels.land_use.str.startswith("07")].to_crs(UTM)
    fac = facilities.to_crs(UTM)
    geoms = res.geometry.values
    area = shapely.area(geoms)
    out = {}
    for category, radius in RADII.items():
        points = fac.geometry.values[(fac.category == category).to_numpy()]
        if len(points) == 0:
            fraction = np.zeros(len(geoms))
        else:
            cover = shapely.union_all(shapely.buffer(points, radius, quad_segs=8))
            fraction = np.clip(shapely.area(shapely.intersection(geoms, cover)) / area, 0, 1)
        for pid, value in zip(res.parcel_id.values, fraction):
            out[(pid, category)] = float(value)
    return out, dict(zip(res.parcel_id.values, area))


def compare(ours, theirs):
    missing = set(theirs) ^ set(ours)
    deltas = [abs(ours[k] - theirs[k]) for k in theirs if k in ours]
    worst = max(deltas) if deltas else float("inf")
    return missing, worst, sum(d > TOLERANCE for d in deltas), len(deltas)


def main(binary, gpkg, work):
    started = time.time()
    os.makedirs(work, exist_ok=True)
    store = os.path.join(work, "outside_china.sqlite")
    for suffix in ("", "-journal"):
        if os.path.exists(store + suffix):
            os.remove(store + suffix)
    radii = os.path.join(work, "radii.json")
    with open(radii, "w") as f:
        f.write("{" + ", ".join(f'"{k}": {v}' for k, v in RADII.items()) + "}\n")
    run([binary, "import", gpkg, "--store", store])

    ours, log = renewalgis_fractions(binary, store, radii, os.path.join(work, "coverage.csv"))
    crs_lines = [line for line in log.splitlines() if line.startswith("metric CRS")]
    print(crs_lines[0] if crs_lines else "no metric CRS line printed")
    theirs, areas = geopandas_fractions(gpkg)
    missing, worst, over, n = compare(ours, theirs)
    partial = sum(0.001 < v < 0.999 for v in theirs.values())

    db = sqlite3.connect(store)
    stored = dict(db.execute("SELECT parcel_id, area_m2 FROM coverage_parcels"))
    area_error = max(abs(stored[p] - a) / a for p, a in areas.items())

    old, _ = renewalgis_fractions(binary, store, radii, os.path.join(work, "coverage_75E.csv"), metric="EPSG:4534")
    _, old_worst, old_over, _ = compare(old, theirs)
    old_area = dict(db.execute("SELECT parcel_id, area_m2 FROM coverage_parcels"))
    old_area_ratio = np.median([old_area[p] / a for p, a in areas.items()])

    ok = (not missing and worst <= TOLERANCE and area_error <= 0.001
          and bool(crs_lines) and f"EPSG:{UTM}" in crs_lines[0])
    print(f"{n} parcel × category fractions ({len(areas)} residential parcels, {len(RADII)} categories, "
          f"{partial} partly covered): max |Δ| = {worst:.2e} against GeoPandas in EPSG:{UTM} "
          f"({over} over {TOLERANCE}); {len(missing)} rows missing on either side; "
          f"parcel areas within {area_error * 100:.2e} %")
    print(f"for contrast, the old 75°E zone (EPSG:4534): max |Δ| = {old_worst:.3f} ({old_over} rows over {TOLERANCE}), "
          f"parcel areas ×{old_area_ratio:.3f}")
    print(f"{'PASS' if ok else 'FAIL'} in {time.time() - started:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
