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
Tests/Fixtures/units/<case>/: parcels.geojson (parcel_id, population, need indicators, group_id, action,
  far, planned_far, resettlement), barriers.geojson (lines cut with a 1 m band, polygons are areas),
  heritage.geojson (never-split zones), parameters.json (min_ha, max_ha, facing_m) → the units (parcels,
  area, residents, mean and max need, rank, flags, the 63号 caps; outline = the union of the parcels) and the
  parcels left out. The units are found by an exhaustive search over partitions into connected units
  within the bounds; a case with more than one such partition is refused (its answer would not be forced).
  Between parallel facing edges the shortest segment is not unique, so the cases draw every barrier line
  across the whole gap it guards: any shortest segment across the gap meets it.

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
    with every condition met allows; else conditional (unmet conditions named, or UNLISTED). An entry's `to` codes
    are prefixes of the target; the cases' targets are full codes. (RenewalGIS also lets a target that is itself a
    prefix of an entry's code match it, "08" against 0807; no case asks for so broad a target.)"""
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


# ---------------------------------------------------------------- renewal units
NEED_WEIGHTS = {"old_building": 0.20, "dangerous": 0.25, "vacancy": 0.10, "low_far": 0.10, "service_gaps": 0.25, "conflicts": 0.10}


def need(props):
    """Weighted mean of the indicators present (README: default weights 0.20/0.25/0.10/0.10/0.25/0.10)."""
    present = [(w, min(1, max(0, props[k]))) for k, w in NEED_WEIGHTS.items() if props.get(k) is not None]
    return sum(w * x for w, x in present) / sum(w for w, _ in present) if present else 0.0


def components(nodes, neighbours):
    seen, pieces = set(), []
    for start in nodes:
        if start in seen:
            continue
        stack, piece = [start], []
        seen.add(start)
        while stack:
            n = stack.pop()
            piece.append(n)
            for m in neighbours[n]:
                if m in nodes and m not in seen:
                    seen.add(m)
                    stack.append(m)
        pieces.append(sorted(piece))
    return pieces


def partitions(nodes, neighbours, area, lo, hi):
    """Every partition of `nodes` into connected regions with lo <= area <= hi (a single node above hi may stand
    alone: it cannot be split)."""
    if not nodes:
        yield []
        return
    first = min(nodes)
    found = set()

    def grow(region, total, frontier):
        key = frozenset(region)
        if key in found:
            return
        found.add(key)
        if lo <= total <= hi or (len(region) == 1 and total > hi):
            yield key
        for m in sorted(frontier):
            if total + area[m] <= hi:
                yield from grow(region | {m}, total + area[m], (frontier | {k for k in neighbours[m] if k in nodes}) - region - {m})

    for region in list(grow(frozenset([first]), area[first], {k for k in neighbours[first] if k in nodes})):
        for rest in partitions(nodes - region, neighbours, area, lo, hi):
            yield [region] + rest


for case in sorted(p for p in (fixtures / "units").iterdir() if p.is_dir()):
    features = json.loads((case / "parcels.geojson").read_text())["features"]
    barriers = [shape(f["geometry"]) for f in json.loads((case / "barriers.geojson").read_text())["features"]]
    heritage = json.loads((case / "heritage.geojson").read_text())["features"]
    parameters = json.loads((case / "parameters.json").read_text())
    lo, hi, facing = parameters["min_ha"] * 10_000, parameters["max_ha"] * 10_000, parameters["facing_m"]
    props = [f["properties"] for f in features]
    geoms = [shape(f["geometry"]) for f in features]
    areas = [g.area for g in geoms]
    lines = [b for b in barriers if b.geom_type in ("LineString", "MultiLineString")]
    barrier_areas = unary_union([b for b in barriers if b.geom_type in ("Polygon", "MultiPolygon")])
    mask = unary_union(([unary_union(lines).buffer(1.0, quad_segs=2)] if lines else []) + [barrier_areas])
    # Parcels whose interior point lies in a barrier area (a river) are left out.
    excluded = [i for i, g in enumerate(geoms) if not barrier_areas.is_empty and barrier_areas.contains(g.representative_point())]
    included = [i for i in range(len(geoms)) if i not in excluded]
    # Neighbours: within the facing distance, unless the shortest segment between them meets a barrier.
    adjacent = {i: set() for i in range(len(geoms))}
    for a in included:
        for b in included:
            if a < b and geoms[a].distance(geoms[b]) <= facing:
                link = shapely.shortest_line(geoms[a], geoms[b])
                if mask.is_empty or not mask.intersects(link if link.length > 0 else link.interpolate(0)):
                    adjacent[a].add(b)
                    adjacent[b].add(a)
    cell = {}
    for c, piece in enumerate(components(set(included), adjacent)):
        for i in piece:
            cell[i] = c
    # Never-split groups: a marked group_id, or the heritage zone holding the parcel's interior point.
    group = {i: props[i].get("group_id") for i in included}
    for i in included:
        if group[i] is None:
            for z in heritage:
                if shape(z["geometry"]).contains(geoms[i].representative_point()):
                    group[i] = "heritage:" + z["properties"]["zone_id"]
                    break
    members = {}
    for i in included:
        members.setdefault(group[i] if group[i] is not None else f"parcel:{i}", []).append(i)
    nodes = list(members.values())
    node_of = {i: n for n, m in enumerate(nodes) for i in m}
    node_cell = [cell[max(m, key=lambda i: (areas[i], -i))] for m in nodes]
    node_flags = [[{"kind": "group_spans_barrier", "group": group[m[0]]}] if len({cell[i] for i in m}) > 1 else [] for m in nodes]
    node_area = [sum(areas[i] for i in m) for m in nodes]
    node_neighbours = {n: set() for n in range(len(nodes))}
    for i in included:
        for j in adjacent[i]:
            a, b = node_of[i], node_of[j]
            if a != b and node_cell[a] == node_cell[b]:
                node_neighbours[a].add(b)
                node_neighbours[b].add(a)
    regions = []
    for piece in components(set(range(len(nodes))), node_neighbours):
        total = sum(node_area[n] for n in piece)
        if total < lo:
            regions.append((piece, [{"kind": "island_below_minimum", "area_m2": total}]))
            continue
        found = list(partitions(frozenset(piece), node_neighbours, node_area, lo, hi))
        if len(found) != 1:
            sys.exit(f"units/{case.name}: {len(found)} partitions of {sorted(piece)} within the bounds; a golden case must have exactly one")
        for region in found[0]:
            a = sum(node_area[n] for n in region)
            regions.append((sorted(region), [{"kind": "indivisible_above_maximum", "area_m2": a}] if a > hi else []))
    units = []
    for region, flags in regions:
        ps = sorted(i for n in region for i in nodes[n])
        needs = [need(props[i]) for i in ps]
        existing = [props[i].get("far") for i in ps]
        floor_known = all(f is not None for f in existing)
        demolish = [i for i in ps if props[i].get("action") == "demolish"]
        rebuilt = [i for i in ps if props[i].get("action") in ("demolish", "add")]
        demolished = sum(props[i]["far"] * areas[i] for i in demolish if props[i].get("far") is not None)
        existing_total = sum(props[i]["far"] * areas[i] for i in ps) if floor_known else 0
        share = demolished / existing_total if floor_known and existing_total > 0 else None
        planned_known = all(props[i].get("planned_far") is not None for i in rebuilt)
        ratio = sum(props[i]["planned_far"] * areas[i] for i in rebuilt) / demolished if planned_known and demolished > 0 else None
        moved = [i for i in demolish if props[i].get("resettlement") is not None]
        affected = sum(props[i]["population"] for i in moved)
        resettled = sum(props[i]["resettlement"] * props[i]["population"] for i in moved) / affected if moved and affected > 0 else None
        caps = (["demolished_share"] if share is not None and share > 0.20 else []) \
            + (["rebuild_ratio"] if ratio is not None and ratio > 2 else []) + (["resettlement"] if resettled is not None and resettled < 0.5 else [])
        units.append({"parcels": [props[i]["parcel_id"] for i in ps], "first": ps[0], "area_m2": sum(areas[i] for i in ps),
                      "population": sum(props[i]["population"] for i in ps), "mean_need": sum(needs) / len(needs), "max_need": max(needs),
                      "flags": flags + [f for n in region for f in node_flags[n]], "demolished_share": share, "rebuild_ratio": ratio,
                      "resettlement": resettled, "caps_broken": caps,
                      "demolition_to_renovate_m2": demolished - 0.20 * existing_total if "demolished_share" in caps else None,
                      "outline": unary_union([geoms[i] for i in ps])})
    units.sort(key=lambda u: u["first"])
    order = sorted(range(len(units)), key=lambda k: (-units[k]["mean_need"], k))
    for rank, k in enumerate(order, start=1):
        units[k]["rank"] = rank
    out = []
    for u in units:
        outline = u.pop("outline")
        u.pop("first")
        for k in ("area_m2", "population", "mean_need", "max_need", "demolished_share", "rebuild_ratio", "resettlement", "demolition_to_renovate_m2"):
            if u[k] is not None:
                u[k] = round(u[k], 12 if k in ("mean_need", "max_need", "demolished_share", "rebuild_ratio", "resettlement") else 6)
        for f in u["flags"]:
            if "area_m2" in f:
                f["area_m2"] = round(f["area_m2"], 6)
        out.append({"type": "Feature", "properties": u, "geometry": mapping(outline)})
    for i in excluded:
        out.append({"type": "Feature", "properties": {"excluded": props[i]["parcel_id"], "reason": "inside a barrier area"}, "geometry": None})
    (case / "expected.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": out}, indent=1, ensure_ascii=False) + "\n")
    print(f"units/{case.name}: {len(units)} units, {len(excluded)} parcels left out")
