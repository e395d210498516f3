#!/usr/bin/env python3
"""Vector tiles of one or more running RenewalGIS servers against the source data, read by two decoders.

    python tiles_truth.py CITY.gpkg URL [URL …] [--layer parcels --key parcel_id] [--zooms 12,14,16]
                          [--per-zoom 40] [--seed 17]

For every zoom, up to --per-zoom tiles over the layer's extent (all of them when there are fewer; else a
seeded sample, the seed printed), from every server (e.g. one on SpatiaLite, one on PostGIS):
  - both decoders — GDAL's MVT driver (ogr2ogr, CLIP=NO, EPSG:3857 metres) and mapbox-vector-tile
    (PyPI) — read the same features;
  - those are exactly the features of CITY.gpkg whose geometry meets the tile grown by 64 units of
    4,096 (read with pyogrio, projected with the spherical Mercator formulas and cut with shapely —
    code shared with neither RenewalGIS nor the decoders), less slivers the grid cannot hold (under a
    unit of area within the box);
  - each decoded geometry lies within one tile unit of the source's geometry cut to that box
    (Hausdorff distance) — or of the source less its parts narrower than a unit, which no grid of
    whole units holds — and carries the source's attributes (every non-null one);
  - every server answers the same features with the same geometry (and says whether the bytes are equal).
Prints one PASS line or FAIL lines; exit status 1 on any failure.
"""
import argparse, json, math, os, random, subprocess, sys, tempfile, urllib.request

import mapbox_vector_tile
import numpy as np
import pyogrio
import shapely

EXTENT, BUFFER = 4096, 64
WORLD = 2 * math.pi * 6378137

ap = argparse.ArgumentParser()
ap.add_argument("gpkg")
ap.add_argument("urls", nargs="+")
ap.add_argument("--layer", default="parcels")
ap.add_argument("--key", default="parcel_id")
ap.add_argument("--zooms", default="12,14,16")
ap.add_argument("--per-zoom", type=int, default=40)
ap.add_argument("--seed", type=int, default=17)
a = ap.parse_args()
print(f"tiles_truth seed {a.seed}")
rng = random.Random(a.seed)

# The source, projected to EPSG:3857 metres (the server treats CGCS2000 longitude and latitude as WGS 84
# would be; the datums differ by centimetres).
frame = pyogrio.read_dataframe(a.gpkg, layer=a.layer)
def mercator(xy):
    lon, lat = xy[:, 0], np.clip(xy[:, 1], -85.0511287798, 85.0511287798)
    return np.column_stack([np.radians(lon) * 6378137, np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * 6378137])
geoms = shapely.transform(frame.geometry.values, mercator)
tree = shapely.STRtree(geoms)
keys = frame[a.key].tolist()
columns = [c for c in frame.columns if c != "geometry"]
records = frame[columns].to_dict("records")
minx, miny, maxx, maxy = shapely.total_bounds(geoms)


def same(decoded, source):
    if isinstance(source, float) or isinstance(decoded, float):
        try:
            return abs(float(decoded) - float(source)) <= 1e-9 * max(1, abs(float(source)))
        except (TypeError, ValueError):
            return False
    if isinstance(source, (bool, np.bool_)):
        return decoded in (bool(source), int(bool(source)))
    if isinstance(source, (int, np.integer)):
        return decoded == int(source)
    return decoded == source


def closed(ring):
    ring = [tuple(map(float, p)) for p in ring]
    return ring if ring[0] == ring[-1] else ring + [ring[0]]


def to_shape(geometry, convert):
    """A GeoJSON-like geometry as a shapely geometry, its coordinates passed through convert."""
    t, c = geometry["type"], geometry["coordinates"]
    if t in ("Polygon", "MultiPolygon"):
        polys = [c] if t == "Polygon" else c
        return shapely.MultiPolygon([shapely.Polygon(convert(closed(p[0])), [convert(closed(h)) for h in p[1:]]) for p in polys])
    if t in ("LineString", "MultiLineString"):
        lines = [c] if t == "LineString" else c
        return shapely.MultiLineString([convert([tuple(map(float, q)) for q in l]) for l in lines])
    points = [c] if t == "Point" else c
    return shapely.MultiPoint(convert([tuple(map(float, q)) for q in points]))


work = tempfile.mkdtemp()
failed, checked_tiles, checked_features, empty_tiles, equal_bytes, compared = 0, 0, 0, 0, 0, 0
farthest = {}  # zoom → the largest Hausdorff distance seen, tile units


def fail(message):
    global failed
    failed += 1
    if failed <= 30:
        print("FAIL " + message)


def fetch(url, z, row, col):
    with urllib.request.urlopen(f"{url}/collections/{a.layer}/tiles/WebMercatorQuad/{z}/{row}/{col}") as r:
        return r.status, r.read()


for z in map(int, a.zooms.split(",")):
    size = WORLD / 2 ** z
    grow = BUFFER / EXTENT * size
    cols = range(int((minx - grow + WORLD / 2) // size), int((maxx + grow + WORLD / 2) // size) + 1)
    rows = range(int((WORLD / 2 - maxy - grow) // size), int((WORLD / 2 - miny + grow) // size) + 1)
    tiles = [(r, c) for r in rows for c in cols]
    if len(tiles) > a.per_zoom:
        tiles = rng.sample(tiles, a.per_zoom)
    for row, col in tiles:
        tx, ty = -WORLD / 2 + col * size, WORLD / 2 - row * size
        box = shapely.box(tx - grow, ty - size - grow, tx + size + grow, ty + grow)
        def units(points):  # EPSG:3857 metres → tile units, y down
            return [((x - tx) / size * EXTENT, (ty - y) / size * EXTENT) for x, y in points]
        unit_box = shapely.box(-BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
        expected = {}
        for i in tree.query(box, predicate="intersects"):
            cut = shapely.intersection(geoms[i], box)
            expected[keys[i]] = (i, shapely.transform(cut, lambda xy: np.column_stack([(xy[:, 0] - tx) / size * EXTENT, (ty - xy[:, 1]) / size * EXTENT])))
        answers = []
        for url in a.urls:
            status, body = fetch(url, z, row, col)
            tile = f"{url} {z}/{row}/{col}"
            if status == 204:
                empty_tiles += 1
                big = [k for k, (_, g) in expected.items() if g.area >= 1 or (g.length >= 1 and g.area == 0 and g.geom_type.endswith("LineString"))]
                if big:
                    fail(f"{tile} is empty but {len(big)} features meet it, e.g. {big[:3]}")
                answers.append((body, {}))
                continue
            # Decoder 1: mapbox-vector-tile, tile units, y down.
            layer = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True}).get(a.layer, {"features": []})
            py = {f["properties"][a.key]: (f["properties"], to_shape(f["geometry"], lambda ps: ps)) for f in layer["features"]}
            # Decoder 2: GDAL's MVT driver, from a z/x/y.pbf path, not clipped, EPSG:3857 metres.
            folder = os.path.join(work, str(len(answers)), str(z), str(col))
            os.makedirs(folder, exist_ok=True)
            pbf, out = os.path.join(folder, f"{row}.pbf"), os.path.join(folder, f"{row}.geojson")
            with open(pbf, "wb") as fh:
                fh.write(body)
            subprocess.run(["ogr2ogr", "-oo", "CLIP=NO", "-f", "GeoJSON", out, pbf], check=True, capture_output=True)
            gdal = {f["properties"][a.key]: to_shape(f["geometry"], units) for f in json.load(open(out))["features"]}
            if set(py) != set(gdal):
                fail(f"{tile}: the decoders read different features ({len(py)} against {len(gdal)})")
            for key, (props, shape) in py.items():
                if key not in expected:
                    fail(f"{tile} holds {key}, which does not meet the tile and its buffer")
                    continue
                i, truth = expected[key]
                for name, decoded_shape in (("mapbox-vector-tile", shape), ("GDAL", gdal.get(key))):
                    if decoded_shape is None:
                        continue
                    decoded_valid = shapely.make_valid(decoded_shape)
                    d = shapely.hausdorff_distance(decoded_valid, truth)
                    if d > 1.0 and truth.area > 0:
                        # The grid cannot hold parts narrower than a unit (spikes, slivers): measured
                        # against the source less those (a morphological opening by half a unit).
                        opened = shapely.buffer(shapely.buffer(truth, -0.5, join_style="mitre"), 0.5, join_style="mitre")
                        d = min(d, shapely.hausdorff_distance(decoded_valid, opened))
                    farthest[z] = max(farthest.get(z, 0), d)
                    if d > 1.0:
                        fail(f"{tile} {key} ({name}): {d:.2f} tile units from the source geometry")
                for name, value in records[i].items():
                    if value is None or (isinstance(value, float) and math.isnan(value)):
                        continue
                    if name not in props or not same(props[name], value):
                        fail(f"{tile} {key}.{name}: {props.get(name)!r} against the source's {value!r}")
                checked_features += 1
            for key, (_, g) in expected.items():
                if key not in py and shapely.area(g) >= 1:
                    fail(f"{tile}: {key} meets the tile (area {shapely.area(g):.1f} units) but is not in it")
            checked_tiles += 1
            answers.append((body, {k: shapely.normalize(s).wkb for k, (_, s) in py.items()}))
        # Every server the same features with the same geometry.
        for body, features in answers[1:]:
            compared += 1
            if features != answers[0][1]:
                fail(f"{z}/{row}/{col}: {a.urls[0]} and another server answer different features or geometry")
            equal_bytes += body == answers[0][0]

if checked_tiles == 0:
    fail("no tile with features checked")
if not failed:
    print(f"PASS {checked_tiles} tiles of {a.layer} ({empty_tiles} more empty, as the source says) at zooms {a.zooms} from "
          f"{len(a.urls)} server(s), {checked_features} features: exactly those meeting tile and buffer, within one tile unit, "
          f"attributes as the source's; GDAL and mapbox-vector-tile agree"
          + (f"; the servers answer the same features and geometry in {compared} of {compared} tiles (bytes equal in {equal_bytes})" if compared else ""))
else:
    print(f"{failed} failures")
print("largest distance from the source, tile units, by zoom: " + ", ".join(f"{z}: {d:.2f}" for z, d in sorted(farthest.items())))
sys.exit(1 if failed else 0)
