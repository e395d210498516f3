#!/usr/bin/env python3
"""An independent check of RenewalGIS's walking distances (coverage --mode network).

Rebuilds the walking network with networkx and shapely from the rules written in docs/coverage.md
("Walking (network mode)" and "Which streets are walked"), not from the tool's code:

- walkability: the built-in table of the docs (the ```yaml walkability-<name> block, read here),
  decided in the documented order (walkable_if, then not_walkable_if, then the class);
- the graph: line vertices joined to the millimetre, segments weighted length / class factor;
- isolated pieces: connected components other than the largest, under --min-piece-m in total;
- attachment: the nearest admissible point of a walkable segment (facilities within 300 m, parcel
  boundary samples every 10 m within 50 m); admissible = not on an isolated piece, and the straight
  leg crosses no barrier line and does not go into a water area and out again over more than 1 m
  (crossings within 0.5 m of the leg's ends not counted);
- same segment: every attachment point is inserted into its segment as a node, so routes between
  points on one segment go along it;
- walking distance of a parcel to a category: min over its entrances of (leg + network distance
  from the nearest facility's attachment, legs included).

It reads the store after `renewalgis coverage --mode network --metric-crs EPSG:…` (GDAL's ogr2ogr
exports the layers, reprojected into the same metric CRS), compares every parcel's
`<category>_walk_m` with its own (|Δ| ≤ --tolerance, default 0.5 m; unreachable must match
NULL), checks walking ≥ straight-line distance, and, given the CSVs of a straight-line and a
network run, network covered fraction ≤ straight-line covered fraction for every parcel and category.

Usage: walk_check.py --store S.sqlite --metric EPSG:32635 [--table osm] [--docs docs/coverage.md]
                     [--straight-csv s.csv --network-csv n.csv]
Needs: networkx, shapely, pyyaml (a venv), and ogr2ogr (gdal-bin). Exit status 1 on any mismatch.
"""
import argparse
import heapq
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import defaultdict

import networkx as nx
import yaml
from shapely.geometry import LineString, Point, shape
from shapely.strtree import STRtree

# Service radii the tool uses by default (docs/coverage.md, "Default service radii").
CATEGORIES = ["childcare", "kindergarten", "elderly_day_care", "community_service", "primary_school", "market",
              "community_canteen", "middle_school", "clinic", "sports", "elderly_care", "park"]


def layer(store, name, metric):
    out = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", store, name, "-t_srs", metric,
                          "-lco", "COORDINATE_PRECISION=6"], capture_output=True, check=True)
    return json.loads(out.stdout)["features"]


def has_layer(store, name):
    r = subprocess.run(["ogrinfo", "-ro", "-q", "-so", store, name], capture_output=True)
    return r.returncode == 0


def read_table(docs, name):
    text = open(docs, encoding="utf-8").read()
    m = re.search(r"```yaml walkability-%s\n(.*?)```" % re.escape(name), text, re.S)
    if not m:
        sys.exit("walk_check: %s has no walkability-%s block" % (docs, name))
    t = yaml.safe_load(m.group(1))

    def values(v):
        return {("yes" if x is True else "no" if x is False else str(x)).lower() for x in v}

    classes = {}
    for k, v in (t.get("classes") or {}).items():
        k = "" if k is None else str(k).lower()
        if isinstance(v, dict):
            classes[k] = (bool(v["walk"]), float(v.get("factor", 1)))
        else:
            classes[k] = (bool(v), 1.0)
    return {"classes": classes, "other": bool(t.get("other_classes", True)),
            "walkable_if": {k: values(v) for k, v in (t.get("walkable_if") or {}).items()},
            "not_walkable_if": {k: values(v) for k, v in (t.get("not_walkable_if") or {}).items()}}


def parse_hstore(text):
    return dict(re.findall(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"', text or ""))


def decide(table, cls, tags):
    cls = (cls or "").strip().lower()
    walk, factor = table["classes"].get(cls, (table["other"], 1.0))
    factor = min(1.0, max(0.05, factor))
    for tag in sorted(table["walkable_if"]):
        if tags.get(tag) in table["walkable_if"][tag]:
            return True, factor
    for tag in sorted(table["not_walkable_if"]):
        if tags.get(tag) in table["not_walkable_if"][tag]:
            return False, factor
    return walk, factor


class Barriers:
    def __init__(self, areas, lines):
        self.areas, self.lines = areas, lines
        self.area_tree = STRtree(areas) if areas else None
        self.line_tree = STRtree(lines) if lines else None

    def blocks(self, p, q):
        leg = LineString([p, q])
        length = leg.length
        if length == 0:
            return False
        if self.line_tree is not None:
            for k in self.line_tree.query(leg):
                x = leg.intersection(self.lines[k])
                for pt in getattr(x, "geoms", [x]):
                    if pt.is_empty:
                        continue
                    t = leg.project(pt if pt.geom_type == "Point" else pt.centroid)
                    if 0.5 < t < length - 0.5:
                        return True
        if self.area_tree is not None:
            for k in self.area_tree.query(leg):
                x = leg.intersection(self.areas[k])
                for piece in getattr(x, "geoms", [x]):
                    if piece.is_empty or piece.geom_type != "LineString":
                        continue
                    a, b = sorted(leg.project(Point(c)) for c in (piece.coords[0], piece.coords[-1]))
                    # In and out again: both ends of the piece inside the leg, more than 1 m of water.
                    if a > 0.5 and b < length - 0.5 and b - a > 1.0:
                        return True
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--metric", required=True, help="the metric CRS the tool ran in, e.g. EPSG:32635")
    ap.add_argument("--table", default="osm")
    ap.add_argument("--docs", default=os.path.join(os.path.dirname(__file__), "..", "docs", "coverage.md"))
    ap.add_argument("--min-piece-m", type=float, default=1000.0)
    ap.add_argument("--tolerance", type=float, default=0.5)
    ap.add_argument("--straight-csv")
    ap.add_argument("--network-csv")
    args = ap.parse_args()
    started = time.time()
    table = read_table(args.docs, args.table)

    # The walking graph: vertices to the millimetre, one edge per segment.
    key_of = {}
    xy = []

    def node(c):
        k = (round(c[0] * 1000), round(c[1] * 1000))
        if k not in key_of:
            key_of[k] = len(xy)
            xy.append((c[0], c[1]))
        return key_of[k]

    seg_a, seg_b, seg_len, seg_cost = [], [], [], []
    for f in layer(args.store, "streets", args.metric):
        p = f["properties"]
        tags = {k: v.lower() for k, v in parse_hstore(p.get("other_tags")).items()}
        for col in ("foot", "sidewalk", "bridge", "access"):
            v = p.get(col)
            if v is not None and str(v).strip():
                tags[col] = str(v).strip().lower()
        walk, factor = decide(table, p.get("class") or p.get("highway"), tags)
        if not walk or f["geometry"] is None:
            continue
        g = shape(f["geometry"])
        for part in getattr(g, "geoms", [g]):
            cs = list(part.coords)
            for c, d in zip(cs, cs[1:]):
                length = math.hypot(d[0] - c[0], d[1] - c[1])
                if length <= 0:
                    continue
                seg_a.append(node(c)); seg_b.append(node(d)); seg_len.append(length); seg_cost.append(1.0 / factor)

    g = nx.Graph()
    for i in range(len(seg_a)):
        g.add_edge(seg_a[i], seg_b[i])
    comps = list(nx.connected_components(g))
    comp_of = {}
    for ci, comp in enumerate(comps):
        for n in comp:
            comp_of[n] = ci
    comp_len = [0.0] * len(comps)
    for i in range(len(seg_a)):
        comp_len[comp_of[seg_a[i]]] += seg_len[i]
    largest = max(range(len(comps)), key=lambda c: comp_len[c]) if comps else -1
    isolated = {c for c in range(len(comps)) if c != largest and comp_len[c] < args.min_piece_m}

    segs = [LineString([xy[seg_a[i]], xy[seg_b[i]]]) for i in range(len(seg_a))]
    tree = STRtree(segs)

    areas, lines = [], []
    for name in ("water", "waterways", "barriers"):
        if has_layer(args.store, name):
            for f in layer(args.store, name, args.metric):
                if f["geometry"] is None:
                    continue
                geom = shape(f["geometry"])
                for part in getattr(geom, "geoms", [geom]):
                    if part.geom_type == "Polygon":
                        areas.append(part)
                    elif part.geom_type == "LineString":
                        lines.append(part)
    barriers = Barriers(areas, lines)

    def attach(pt, max_d):
        """(segment, offset along it, leg) of the nearest admissible point, or None."""
        p = Point(pt)
        found = []
        for i in tree.query(p.buffer(max_d)):
            d = segs[i].distance(p)
            if d <= max_d:
                found.append((d, int(i)))
        found.sort()
        for d, i in found:
            if comp_of[seg_a[i]] in isolated:
                continue
            t = segs[i].project(p)
            q = segs[i].interpolate(t)
            if barriers.blocks(pt, (q.x, q.y)):
                continue
            return i, t, d
        return None

    # Facilities: every one of a category with a radius (parks under 2,000 m² serve none).
    facilities = layer(args.store, "facilities", args.metric)
    sources = defaultdict(list)
    for f in facilities:
        p = f["properties"]
        cat = p.get("category")
        if cat not in CATEGORIES or f["geometry"] is None:
            continue
        if cat == "park":
            area = p.get("area_m2")
            if area is not None and float(area) < 2000:
                continue
        geom = shape(f["geometry"])
        pt = geom if geom.geom_type == "Point" else geom.centroid
        a = attach((pt.x, pt.y), 300.0)
        if a is not None:
            sources[cat].append(a)

    # Parcels: boundary samples every 10 m (each side split into ceil(length / 10) equal steps).
    parcels = layer(args.store, "coverage_parcels", args.metric)
    entrances = []
    for f in parcels:
        geom = shape(f["geometry"])
        samples = []
        for poly in getattr(geom, "geoms", [geom]):
            for ring in [poly.exterior] + list(poly.interiors):
                cs = list(ring.coords)[:-1]
                if len(cs) < 3:
                    continue
                for c, d in zip(cs, cs[1:] + cs[:1]):
                    n = max(1, math.ceil(math.hypot(d[0] - c[0], d[1] - c[1]) / 10))
                    for k in range(n):
                        samples.append((c[0] + (d[0] - c[0]) * k / n, c[1] + (d[1] - c[1]) * k / n))
        entrances.append([a for a in (attach(s, 50.0) for s in samples) if a is not None])

    # Insert every attachment point into its segment: one weighted graph for all searches.
    points_on = defaultdict(set)
    for cat in sources:
        for i, t, _ in sources[cat]:
            points_on[i].add(t)
    for ent in entrances:
        for i, t, _ in ent:
            points_on[i].add(t)
    w = nx.Graph()

    def add(u, v, cost):
        if u != v and (not w.has_edge(u, v) or w[u][v]["weight"] > cost):
            w.add_edge(u, v, weight=cost)

    for i in range(len(seg_a)):
        ts = sorted(t for t in points_on.get(i, ()) if 0 < t < seg_len[i])
        chain = [("n", seg_a[i], 0.0)] + [("s", i, t) for t in ts] + [("n", seg_b[i], seg_len[i])]
        for (k1, a1, t1), (k2, a2, t2) in zip(chain, chain[1:]):
            add((k1, a1) if k1 == "n" else ("s", a1, t1), (k2, a2) if k2 == "n" else ("s", a2, t2), (t2 - t1) * seg_cost[i])

    def point_node(i, t):
        if t <= 0:
            return ("n", seg_a[i])
        if t >= seg_len[i]:
            return ("n", seg_b[i])
        return ("s", i, t)

    # The tool's walking distances.
    tool = {}
    for f in parcels:
        tool[f["properties"]["parcel_id"]] = f["properties"]

    compared = mismatches = 0
    worst = 0.0
    worst_at = None
    crow_violations = 0
    categories = [c for c in CATEGORIES if "%s_walk_m" % c in parcels[0]["properties"]] if parcels else []
    for cat in categories:
        start = {}
        for i, t, leg in sources.get(cat, []):
            n = point_node(i, t)
            start[n] = min(start.get(n, math.inf), leg)
        dist = {}
        if start:
            # Multi-source Dijkstra with the legs as starting costs (a super-source, written out).
            heap = [(c, n) for n, c in start.items()]
            heapq.heapify(heap)
            while heap:
                d, n = heapq.heappop(heap)
                if n in dist:
                    continue
                dist[n] = d
                if n not in w:
                    continue
                for m, e in w[n].items():
                    if m not in dist:
                        heapq.heappush(heap, (d + e["weight"], m))
        fac_points = [shape(f["geometry"]) for f in facilities
                      if f["properties"].get("category") == cat and f["geometry"] is not None]
        for k, f in enumerate(parcels):
            pid = f["properties"]["parcel_id"]
            mine = min((leg + dist.get(point_node(i, t), math.inf) for i, t, leg in entrances[k]), default=math.inf)
            theirs = tool[pid].get("%s_walk_m" % cat)
            theirs = math.inf if theirs is None else float(theirs)
            compared += 1
            if math.isinf(mine) or math.isinf(theirs):
                if math.isinf(mine) != math.isinf(theirs):
                    mismatches += 1
                    print("MISMATCH %s %s: tool %s, check %s" % (pid, cat, theirs, mine))
                continue
            delta = abs(mine - theirs)
            if delta > worst:
                worst, worst_at = delta, (pid, cat, theirs, mine)
            if delta > args.tolerance:
                mismatches += 1
                print("MISMATCH %s %s: tool %.3f m, check %.3f m" % (pid, cat, theirs, mine))
            # Walking never beats the crow: the walk is at least the straight distance to some facility.
            if fac_points:
                crow = min(shape(f["geometry"]).distance(p) for p in fac_points)
                if theirs < crow - 1e-6:
                    crow_violations += 1
                    print("CROW %s %s: walk %.3f m < straight %.3f m" % (pid, cat, theirs, crow))

    fraction_violations = 0
    fraction_pairs = 0
    if args.straight_csv and args.network_csv:
        import csv
        straight = {(r["parcel_id"], r["category"]): float(r["covered_fraction"]) for r in csv.DictReader(open(args.straight_csv))}
        for r in csv.DictReader(open(args.network_csv)):
            k = (r["parcel_id"], r["category"])
            fraction_pairs += 1
            if float(r["covered_fraction"]) > straight[k] + 1e-9:
                fraction_violations += 1
                print("FRACTION %s %s: network %s > straight %s" % (k[0], k[1], r["covered_fraction"], straight[k]))

    reached = sum(1 for f in parcels for c in categories if f["properties"].get("%s_walk_m" % c) is not None)
    print("walk_check: %d parcels × %d categories = %d pairs (%d with a walking distance); %d walkable segments, "
          "%d pieces (%d isolated); %d water areas, %d barrier lines" %
          (len(parcels), len(categories), compared, reached, len(seg_a), len(comps), len(isolated), len(areas), len(lines)))
    print("walk_check: max |Δ| = %.6f m%s; mismatches over %.2f m: %d; walk < straight line: %d"
          % (worst, " at %s %s (tool %.3f, check %.3f)" % worst_at if worst_at else "", args.tolerance, mismatches, crow_violations))
    if args.straight_csv and args.network_csv:
        print("walk_check: network fraction > straight-line fraction: %d of %d pairs" % (fraction_violations, fraction_pairs))
    print("walk_check: %.1f s" % (time.time() - started))
    sys.exit(1 if mismatches or crow_violations or fraction_violations else 0)


if __name__ == "__main__":
    main()
