#!/usr/bin/env python3
"""Writes the expected answers of the golden cases with shapely, an oracle independent of RenewalGIS.
Every case folder holds its inputs (metric coordinates) and a README.md saying what it proves; this
writes its expected.geojson.

Tests/Fixtures/coverage/<case>/: parcels.geojson (parcel_id), facilities.geojson (points, radius_m) →
  per parcel its covered fraction and its gap (the parcel minus the union of the facilities' service
  areas, each a 32-gon: shapely buffer with 8 segments per quarter circle, as GEOS, PostGIS and the
  tool build them).
Tests/Fixtures/overlay/<case>/: parcels.geojson (parcel_id), zones.geojson (zone_id) → every parcel ×
  zone pair whose intersection has area: the area, the share of the parcel and the intersection.

    /tmp/bv/bin/python scripts/make_golden.py      (shapely 2; rerun after editing an input)
"""
import json, pathlib, sys
from shapely.geometry import shape, mapping
from shapely.ops import unary_union

fixtures = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures"
root = fixtures / "coverage"
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

for case in sorted(p for p in (fixtures / "overlay").iterdir() if p.is_dir()):
    parcels = json.loads((case / "parcels.geojson").read_text())["features"]
    zones = json.loads((case / "zones.geojson").read_text())["features"]
    out = []
    for p in parcels:
        g = shape(p["geometry"])
        for z in zones:
            overlap = g.intersection(shape(z["geometry"]))
            if overlap.area <= 0:
                continue
            polygons = [part for part in getattr(overlap, "geoms", [overlap]) if part.geom_type in ("Polygon", "MultiPolygon")]
            out.append({"type": "Feature", "properties": {"parcel_id": p["properties"]["parcel_id"], "zone_id": z["properties"]["zone_id"],
                                                           "area_m2": round(overlap.area, 6), "share": round(overlap.area / g.area, 12)},
                        "geometry": mapping(unary_union(polygons))})
    (case / "expected.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": out}, indent=1) + "\n")
    print(f"overlay/{case.name}: {len(out)} overlaps")
