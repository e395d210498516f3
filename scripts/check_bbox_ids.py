#!/usr/bin/env python3
"""Are a server's bbox answers right? For the first N request paths of a list, the parcel ids in the
answer must be exactly the parcels of the GeoPackage whose geometry intersects the bbox (GeoPandas, exact
geometry, not envelopes).

    python check_bbox_ids.py BASE_URL PATHS_FILE GPKG [--n 20] [--layer parcels] [--id-prop parcel_id]

The id of a feature is its properties[--id-prop] when present (pygeoapi's PostgreSQL provider puts the
table's key, fid, in "id"), else its "id". Runs with the bench venv's Python (/tmp/bv: GeoPandas, shapely).
Prints one line per wrong answer and a PASS/FAIL line; exit status 1 on any wrong answer.
"""
import argparse
import json
import sys
import urllib.parse
import urllib.request

import geopandas
import shapely

parser = argparse.ArgumentParser()
parser.add_argument("base")
parser.add_argument("paths")
parser.add_argument("gpkg")
parser.add_argument("--n", type=int, default=20)
parser.add_argument("--layer", default="parcels")
parser.add_argument("--id-prop", default="parcel_id")
args = parser.parse_args()

frame = geopandas.read_file(args.gpkg, layer=args.layer, columns=[args.id_prop])
ids = frame[args.id_prop].astype(str).values
index = shapely.STRtree(frame.geometry.values)

with open(args.paths) as f:
    paths = [line.strip() for line in f if line.strip()][: args.n]
wrong = 0
for path in paths:
    query = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
    west, south, east, north = (float(v) for v in query["bbox"][0].split(","))
    expected = set(ids[index.query(shapely.box(west, south, east, north), predicate="intersects")])
    with urllib.request.urlopen(args.base + path, timeout=60) as answer:
        collection = json.load(answer)
    got = set()
    for feature in collection["features"]:
        value = (feature.get("properties") or {}).get(args.id_prop, feature.get("id"))
        got.add(str(value))
    if got != expected:
        wrong += 1
        print(f"WRONG {path}: {len(expected - got)} missing, {len(got - expected)} extra of {len(expected)}")
print(f"{'PASS' if wrong == 0 else 'FAIL'} {len(paths) - wrong}/{len(paths)} bbox answers match GeoPandas ({args.base})")
sys.exit(1 if wrong else 0)
