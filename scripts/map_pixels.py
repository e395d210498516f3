#!/usr/bin/env python3
"""Counts the pixels of a screenshot that have a colour of the parcels style: did /map draw the parcels?

    python3 map_pixels.py SCREENSHOT.png STYLE.json [--min-share 0.03] [--min-colours 4] [--tolerance 4]

STYLE.json is the parcels style as served (/styles/parcels); its palette is every "#rrggbb" of the
fill-color of its fill layers, less colours within 24 of the background colour. A pixel counts when
each channel is within --tolerance of a palette colour (anti-aliased edges and outlines do not).
Prints the figures; exits 1 when the share of parcel pixels is below --min-share or fewer than
--min-colours palette colours cover at least 0.1 % of the image each. The default share is low
because a city's parcels, fitted to a 4:3 window, leave most of it to rivers and background: on the
sample data about 8 % of a 1024×768 screenshot is parcel fill; nothing drawn gives 0. Standard library only.
"""
import argparse
import json
import re
import struct
import sys
import zlib


def read_png(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are read (depth {depth}, colour type {colour})")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
            elif kind != 0:
                raise ValueError(f"{path}: unknown filter {kind} in row {y}")
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        previous = line
    return width, height, rows


def hex_colour(text):
    return tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))


def palette(style):
    """The fill colours of the style's fill layers, and its background colour (or None)."""
    colours, background = [], None
    for layer in style["layers"]:
        paint = layer.get("paint", {})
        if layer["type"] == "background":
            background = hex_colour(paint["background-color"])
        elif layer["type"] == "fill":
            for text in re.findall(r"#[0-9a-fA-F]{6}\b", json.dumps(paint.get("fill-color"))):
                if hex_colour(text) not in colours:
                    colours.append(hex_colour(text))
    return colours, background


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("png"), ap.add_argument("style")
    ap.add_argument("--min-share", type=float, default=0.03)
    ap.add_argument("--min-colours", type=int, default=4)
    ap.add_argument("--tolerance", type=int, default=4)
    a = ap.parse_args()
    with open(a.style) as f:
        colours, background = palette(json.load(f))
    if background:
        colours = [c for c in colours if max(abs(x - y) for x, y in zip(c, background)) > 24]
    width, height, rows = read_png(a.png)
    counts, exact = {}, {}
    for row in rows:
        for pixel in row:
            exact[pixel] = exact.get(pixel, 0) + 1
    # Match distinct pixel values once each, not every pixel.
    for value, n in exact.items():
        for c in colours:
            if max(abs(x - y) for x, y in zip(value, c)) <= a.tolerance:
                counts[c] = counts.get(c, 0) + n
                break
    total = width * height
    parcel = sum(counts.values())
    background_px = sum(n for v, n in exact.items() if background and max(abs(x - y) for x, y in zip(v, background)) <= a.tolerance)
    used = sorted(((n, c) for c, n in counts.items() if n >= total / 1000), reverse=True)
    share = parcel / total
    print(f"screenshot {width}x{height}: {parcel} of {total} pixels ({share:.1%}) in the parcels palette "
          f"({len(colours)} colours), {background_px} ({background_px / total:.1%}) background; "
          f"{len(used)} colours over 0.1 %: " + ", ".join(f"#{c[0]:02x}{c[1]:02x}{c[2]:02x} {n}" for n, c in used))
    ok = share >= a.min_share and len(used) >= a.min_colours
    if not ok:
        print(f"expected at least {a.min_share:.0%} parcel pixels in at least {a.min_colours} palette colours")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
