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
Tests/Fixtures/eligibility/<case>/: parcels.geojson (parcel_id, land_use, vacant, build_year, safety_grade),
  zones.geojson (zone_id, zone_type), case.json (targets) → per parcel its overlaps (area, share, whether
  beyond the touching tolerance) and per target its verdict with every applying list entry (id, clause,
  unmet conditions), under the conversion lists written in Sources/RenewalAnalysis/Conflicts/DefaultRules.swift
  as docs/conflicts.md defines them.

    /tmp/bv/bin/python scripts/make_golden.py      (shapely 2; rerun after editing an input)
"""
import json, pathlib, sys
import shapely
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


# ---------------------------------------------------------------- eligibility
def default_conversion_rules():
    """The touching tolerances and the conversion lists of the default rules, read from the YAML text in
    DefaultRules.swift with a reader for the few forms that section uses (scalars, quoted text, flow lists)."""
    swift = (fixtures.parent.parent / "Sources" / "RenewalAnalysis" / "Conflicts" / "DefaultRules.swift").read_text()
    text = swift.split('#"""', 1)[1].split('"""#', 1)[0]

    def value(v):
        v = v.strip()
        if v.startswith('"'):
            return v[1:v.index('"', 1)]
        v = v.split("#", 1)[0].strip()
        if v.startswith("["):
            return [item.strip().strip('"') for item in v.strip("[]").split(",") if item.strip()]
        if v in ("true", "false"):
            return v == "true"
        try:
            return float(v) if "." in v else int(v)
        except ValueError:
            return v

    top, conversions, section = {}, [], None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            key, _, rest = line.partition(":")
            section = key
            if rest.strip():
                top[key] = value(rest)
            continue
        if section != "conversions":
            continue
        body = line.strip()
        if body.startswith("- "):
            conversions.append({})
            body = body[2:]
        key, _, rest = body.partition(":")
        conversions[-1][key.strip()] = value(rest)
    return top.get("touching_area_m2", 1), top.get("touching_share", 0.01), conversions


def judge(parcel, zones, target, rules):
    """docs/conflicts.md, 'Conversion eligibility': a negative entry that applies forbids; else a positive entry
    with every condition met allows; else conditional (unmet conditions named, or UNLISTED)."""
    code = parcel.get("land_use", "")
    forbidden, allowed, conditional = [], [], []
    for r in rules:
        if r.get("from") and not any(code.startswith(c) for c in r["from"]):
            continue
        if r.get("to") and not any(target.startswith(c) for c in r["to"]):
            continue
        reason = {"rule_id": r["id"], "clause": r["clause"], "unmet": []}
        if r["list"] == "negative":
            if not r.get("inside") or set(r["inside"]) & zones:
                forbidden.append(reason)
            continue
        blocked = sorted(set(r.get("outside", [])) & zones)
        if blocked:
            reason["unmet"].append("inside " + ", ".join(blocked))
        if "built_before" in r:
            year = parcel.get("build_year")
            if year is None:
                reason["unmet"].append("build year unknown")
            elif year >= r["built_before"]:
                reason["unmet"].append(f"built {year}, not before {r['built_before']}")
        if r.get("vacant"):
            if parcel.get("vacant") is None:
                reason["unmet"].append("vacancy unknown")
            elif not parcel["vacant"]:
                reason["unmet"].append("not vacant")
        if r.get("safety_grades"):
            grade = parcel.get("safety_grade")
            if grade is None:
                reason["unmet"].append("safety grade unknown")
            elif grade.upper() not in r["safety_grades"]:
                reason["unmet"].append(f"safety grade {grade.upper()} not in {'/'.join(sorted(r['safety_grades']))}")
        (conditional if reason["unmet"] else allowed).append(reason)
    if forbidden:
        return "forbidden", forbidden + allowed + conditional
    if allowed:
        return "allowed", allowed + conditional
    if conditional:
        return "conditional", conditional
    return "conditional", [{"rule_id": "UNLISTED", "clause": "正负面清单: neither list names this conversion", "unmet": []}]


touching_area, touching_share, conversion_rules = default_conversion_rules()
for case in sorted(p for p in (fixtures / "eligibility").iterdir() if p.is_dir()):
    parcels = json.loads((case / "parcels.geojson").read_text())["features"]
    zones = json.loads((case / "zones.geojson").read_text())["features"]
    targets = json.loads((case / "case.json").read_text())["targets"]
    out = []
    for p in parcels:
        g = shape(p["geometry"])
        overlaps, blocking = [], set()
        for z in zones:
            area = g.intersection(shape(z["geometry"])).area
            if area <= 0:
                continue
            share = area / g.area
            beyond = area >= touching_area and share >= touching_share
            if beyond:
                blocking.add(z["properties"]["zone_type"])
            overlaps.append({"zone_id": z["properties"]["zone_id"], "zone_type": z["properties"]["zone_type"],
                             "area_m2": round(area, 6), "share": round(share, 12), "beyond_tolerance": beyond})
        verdicts = {}
        for t in targets:
            if p["properties"]["land_use"].startswith(t):
                continue  # its own use: no conversion
            verdict, reasons = judge(p["properties"], blocking, t, conversion_rules)
            verdicts[t] = {"verdict": verdict, "reasons": reasons}
        out.append({"type": "Feature", "properties": {"parcel_id": p["properties"]["parcel_id"], "zones": sorted(blocking),
                                                       "overlaps": overlaps, "verdicts": verdicts}, "geometry": None})
    (case / "expected.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": out}, indent=1, ensure_ascii=False) + "\n")
    print(f"eligibility/{case.name}: {len(out)} parcels, {sum(len(f['properties']['verdicts']) for f in out)} verdicts")

