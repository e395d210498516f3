#!/usr/bin/env python3
"""Did /map draw parcels everywhere the city has them? A screenshot cut into cells, each cell's parcel
pixels counted, against the parcels the source GeoPackage has there.

    python3 map_cells.py SCREENSHOT.png STYLE.json CITY.gpkg --center LON,LAT --zoom Z [--grid 16,12]
                         [--min-parcels 3] [--min-ratio 0.1] [--skip X0,Y0,X1,Y1]

The screenshot is MapLibre's view of /map#Z/LAT/LON: the world is 512 × 2^Z CSS pixels wide in Web
Mercator at that zoom, the centre in the middle of the image (one device pixel per CSS pixel). A cell
*should* show parcels when the bounding boxes of at least --min-parcels parcels of CITY.gpkg overlap
it (read from the GeoPackage's R-tree, rtree_parcels_geom, with Python's sqlite3 — no
RenewalGIS code); it *does* when its pixels in a colour of the parcels style (scripts/map_pixels.py's
palette and matching) are at least --min-ratio of the area those boxes take in it
(parcels fill most of their boxes, less outlines, what is drawn over them and anti-aliasing; a tile
not drawn leaves its cells near 0).
Prints the counts and the cells that should and do not; exits 1 when there is any such cell, or when
no cell should (the view missed the city). Standard library only.
"""
import argparse
import math
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from map_pixels import hex_colour, palette, read_png  # noqa: E402
import json  # noqa: E402


def world_pixel(lon, lat, zoom):
    """Web Mercator CSS pixels of a longitude and latitude at a MapLibre zoom (512-pixel world at 0)."""
    size = 512 * 2 ** zoom
    x = (lon + 180) / 360 * size
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * size
    return x, y


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("png"), ap.add_argument("style"), ap.add_argument("gpkg")
    ap.add_argument("--center", required=True)
    ap.add_argument("--zoom", type=float, required=True)
    ap.add_argument("--grid", default="16,12")
    ap.add_argument("--min-parcels", type=int, default=3)
    ap.add_argument("--min-ratio", type=float, default=0.1)
    ap.add_argument("--tolerance", type=int, default=4)
    ap.add_argument("--skip", help="X0,Y0,X1,Y1: pixels not judged (the page's panel)")
    a = ap.parse_args()
    lon0, lat0 = map(float, a.center.split(","))
    columns, rows_n = map(int, a.grid.split(","))
    with open(a.style) as f:
        colours, background = palette(json.load(f))
    if background:
        colours = [c for c in colours if max(abs(x - y) for x, y in zip(c, background)) > 24]
    width, height, pixels = read_png(a.png)
    cw, ch = width / columns, height / rows_n

    # Parcel pixels per cell (distinct values matched once).
    match = {}
    drawn = [[0] * columns for _ in range(rows_n)]
    for y, row in enumerate(pixels):
        r = min(rows_n - 1, int(y / ch))
        for x, value in enumerate(row):
            hit = match.get(value)
            if hit is None:
                hit = match[value] = any(max(abs(p - q) for p, q in zip(value, c)) <= a.tolerance for c in colours)
            if hit:
                drawn[r][min(columns - 1, int(x / cw))] += 1

    # Parcels per cell from the GeoPackage's R-tree.
    cx, cy = world_pixel(lon0, lat0, a.zoom)
    expected = [[0] * columns for _ in range(rows_n)]
    boxes = [[0.0] * columns for _ in range(rows_n)]
    db = sqlite3.connect(f"file:{a.gpkg}?mode=ro", uri=True)
    for minx, maxx, miny, maxy in db.execute("SELECT minx, maxx, miny, maxy FROM rtree_parcels_geom"):
        x0, y0 = world_pixel(minx, maxy, a.zoom)
        x1, y1 = world_pixel(maxx, miny, a.zoom)
        x0, x1, y0, y1 = x0 - cx + width / 2, x1 - cx + width / 2, y0 - cy + height / 2, y1 - cy + height / 2
        if x1 < 0 or y1 < 0 or x0 >= width or y0 >= height:
            continue
        # The box's area in every cell it overlaps.
        for r in range(max(0, int(y0 / ch)), min(rows_n - 1, int(y1 / ch)) + 1):
            for c in range(max(0, int(x0 / cw)), min(columns - 1, int(x1 / cw)) + 1):
                w = min(x1, (c + 1) * cw) - max(x0, c * cw)
                h = min(y1, (r + 1) * ch) - max(y0, r * ch)
                if w > 0 and h > 0:
                    expected[r][c] += 1
                    boxes[r][c] += w * h

    if a.skip:
        # Cells under the page's own panel are not judged.
        sx0, sy0, sx1, sy1 = map(float, a.skip.split(","))
        for r in range(rows_n):
            for c in range(columns):
                if c * cw < sx1 and (c + 1) * cw > sx0 and r * ch < sy1 and (r + 1) * ch > sy0:
                    expected[r][c] = 0
    should = [(r, c) for r in range(rows_n) for c in range(columns) if expected[r][c] >= a.min_parcels]
    ratio = {(r, c): drawn[r][c] / min(boxes[r][c], cw * ch) for r, c in should}
    missing = [cell for cell in should if ratio[cell] < a.min_ratio]
    total = sum(map(sum, drawn))
    worst = min(ratio.values(), default=0)
    print(f"{width}x{height} at zoom {a.zoom:g} around {lon0:.4f},{lat0:.4f}, {columns}x{rows_n} cells: "
          f"{len(should)} cells hold at least {a.min_parcels} parcels, {len(should) - len(missing)} of them drawn "
          f"(parcel pixels ≥ {a.min_ratio:.0%} of their boxes' area; lowest {worst:.0%}); "
          f"{total / (width * height):.1%} of the image is parcel fill")
    for r, c in missing[:20]:
        print(f"  cell row {r} column {c}: {expected[r][c]} parcels, boxes {boxes[r][c]:.0f} px, {drawn[r][c]} parcel pixels")
    sys.exit(0 if should and not missing else 1)


if __name__ == "__main__":
    main()
