#!/usr/bin/env python3
"""Writes the expected answers of the coverage golden cases with shapely, an oracle independent of
RenewalGIS: for every case folder Tests/Fixtures/coverage/<case>/ holding parcels.geojson (metric
coordinates, property parcel_id), facilities.geojson (points, property radius_m) and README.md, it
writes expected.geojson: per parcel its covered fraction and its gap (the parcel minus the union of
the facilities' service areas, each a 32-gon: shapely buffer with 8 segments per quarter circle, as
GEOS, PostGIS and the tool build them).

    /tmp/bv/bin/python scripts/make_golden_coverage.py      (shapely 2; rerun after editing an input)
"""
import json, pathlib, sys
from shapely.geometry import shape, mapping
from shapely.ops import unary_union

root = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "coverage"
for case in sorted(p for p in root.iterdir() if p.is_dir()):
    parcels = json.loads((case / "parcels.geojson").read_text())["features"]
    facilities = json.loads((case / "facilities.geojson").read_text())["features"]
    disks = [shape(f["geometry"]).buffer(f["properties"]["radius_m"], quad_segs=8) for f in facilities]
    cover = unary_union(disks) if disks else None
    out = []
    for p in parcels:
        g = shape(p["geometry"])
        gap = g.difference(cover) if cover is not None else g
        covered = 1 - gap.area / g.area
        out.append({"type": "Feature", "properties": {"parcel_id": p["properties"]["parcel_id"], "covered_fraction": round(covered, 12),
                                                       "gap_m2": round(gap.area, 6)},
                    "geometry": mapping(gap) if not gap.is_empty else None})
    (case / "expected.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": out}, indent=1) + "\n")
    print(f"{case.name}: {len(out)} parcels")
