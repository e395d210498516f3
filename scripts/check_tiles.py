#!/usr/bin/env python3
"""Vector tiles of a running RenewalGIS server read by two decoders that share no code with it or
with each other: GDAL's MVT driver (ogr2ogr, EPSG:3857) and the Python package mapbox-vector-tile
(PyPI). For each tile: both see the same features (by the layer's id field), the same attributes,
and the same coordinates (the Python decoder's tile units turned into metres, within a millionth of
the tile). Prints PASS/FAIL lines; exit status 1 on any failure.

    python check_tiles.py BASE_URL [--layer parcels --key parcel_id --zoom 16 --tiles 6]
"""
import argparse, json, os, subprocess, sys, tempfile, urllib.request

import mapbox_vector_tile

ap = argparse.ArgumentParser()
ap.add_argument("url")
ap.add_argument("--layer", default="parcels")
ap.add_argument("--key", default="parcel_id")
ap.add_argument("--zoom", type=int, default=16)
ap.add_argument("--tiles", type=int, default=6)
a = ap.parse_args()

WORLD = 2 * 3.141592653589793 * 6378137
failed = 0


def get(path):
    with urllib.request.urlopen(a.url + path) as r:
        return r.status, r.read()


def closed(ring):
    ring = [tuple(map(float, p)) for p in ring]
    return ring if ring[0] == ring[-1] else ring + [ring[0]]


def rings(geometry):
    t, c = geometry["type"], geometry["coordinates"]
    if t == "Polygon":
        return [closed(r) for r in c]
    if t == "MultiPolygon":
        return [closed(r) for p in c for r in p]
    if t == "LineString":
        return [[tuple(map(float, p)) for p in c]]
    if t == "MultiLineString":
        return [[tuple(map(float, p)) for p in l] for l in c]
    if t == "Point":
        return [[tuple(map(float, c))]]
    return [[tuple(map(float, p)) for p in c]]


_, meta = get(f"/collections/{a.layer}/tiles/WebMercatorQuad")
limits = {l["tileMatrix"]: l for l in json.loads(meta)["tileMatrixSetLimits"]}[str(a.zoom)]
candidates = [(r, c) for r in range(limits["minTileRow"], limits["maxTileRow"] + 1)
              for c in range(limits["minTileCol"], limits["maxTileCol"] + 1)]
checked, features = 0, 0
work = tempfile.mkdtemp()
for row, col in candidates:
    if checked == a.tiles:
        break
    status, body = get(f"/collections/{a.layer}/tiles/WebMercatorQuad/{a.zoom}/{row}/{col}")
    if status == 204:
        continue
    checked += 1
    size = WORLD / 2 ** a.zoom
    min_x, max_y = -WORLD / 2 + col * size, WORLD / 2 - row * size
    # Decoder 1: mapbox-vector-tile, in tile units with y down.
    decoded = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    layer = decoded[a.layer]
    extent = layer["extent"]
    py = {}
    for f in layer["features"]:
        g = [[(min_x + x / extent * size, max_y - y / extent * size) for x, y in ring] for ring in rings(f["geometry"])]
        py[f["properties"][a.key]] = (f["properties"], g)
    # Decoder 2: GDAL's MVT driver, from a z/x/y.pbf path (which georeferences the tile), not clipped.
    folder = os.path.join(work, str(a.zoom), str(col))
    os.makedirs(folder, exist_ok=True)
    pbf, out = os.path.join(folder, f"{row}.pbf"), os.path.join(work, f"{row}_{col}.geojson")
    with open(pbf, "wb") as fh:
        fh.write(body)
    subprocess.run(["ogr2ogr", "-oo", "CLIP=NO", "-f", "GeoJSON", out, pbf], check=True, capture_output=True)
    gdal = {f["properties"][a.key]: (f["properties"], rings(f["geometry"])) for f in json.load(open(out))["features"]}
    tile = f"{a.zoom}/{row}/{col}"
    if set(py) != set(gdal):
        failed += 1
        print(f"FAIL tile {tile}: the decoders see different features ({len(py)} against {len(gdal)})")
        continue
    for key, (props, geometry) in py.items():
        gprops, ggeometry = gdal[key]
        gprops = {k: v for k, v in gprops.items() if k != "mvt_id" and v is not None}
        if {k: v for k, v in props.items()} != gprops:
            failed += 1
            print(f"FAIL tile {tile} {key}: attributes {props} against {gprops}")
        flat = [p for r in geometry for p in r]
        gflat = [p for r in ggeometry for p in r]
        if len(flat) != len(gflat) or any(abs(x - gx) > size * 1e-6 or abs(y - gy) > size * 1e-6 for (x, y), (gx, gy) in zip(flat, gflat)):
            failed += 1
            print(f"FAIL tile {tile} {key}: coordinates differ between the decoders")
    features += len(py)
if checked == 0:
    failed += 1
    print(f"FAIL no tile of {a.layer} with features at zoom {a.zoom}")
if not failed:
    print(f"PASS vector tiles: {checked} tiles of {a.layer} at zoom {a.zoom}, {features} features, the same features, attributes and "
          f"coordinates from GDAL's MVT driver and mapbox-vector-tile {mapbox_vector_tile.__version__ if hasattr(mapbox_vector_tile, '__version__') else ''}".rstrip())
sys.exit(1 if failed else 0)
