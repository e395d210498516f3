#!/usr/bin/python3
"""QGIS's own OGC API – Features provider against a served store: does a planner get every feature
and every value, typed right, and a map drawn where the data is?

    /usr/bin/python3 scripts/qgis_check.py URL STORE [--png OUT.png]

Needs Debian's `qgis` and `python3-qgis` (PyQGIS imports only in Debian's /usr/bin/python3) and the
SpatiaLite extension (libsqlite3-mod-spatialite). URL is the `renewalgis serve` root serving STORE.

For every layer of STORE (as listed in its renewalgis_layers catalogue), headless QGIS loads the
collection through its OAPIF provider (the URI QGIS's "Add WFS / OGC API – Features layer" dialog
builds) and the check compares it with the store read through sqlite3 (SpatiaLite's AsBinary for
geometry):
  - the layer is valid, with the store's feature count (the provider's count and every feature
    fetched through all pages);
  - the fields are the store's columns, in order, each typed as its declared column type asks:
    INTEGER → Integer or Integer64, REAL → Real (never Integer: a fraction must not become NULL),
    TEXT → String;
  - every value of every feature equals the store's (numbers exactly, text exactly, NULL as NULL);
  - every geometry has the store's type and vertices (within 1e-9 degrees).
Features are paired in the server's order (the store's fid order); the provider numbers them
1, 2, … as they arrive.

One limit of QGIS is not the server's: QGIS 3.22 types each field from the first 10 features it
asks for (`?limit=10`), and a field that is NULL in all ten cannot be typed from JSON, so QGIS makes
it String. Such fields are named in the output and checked as String holding the number's JSON text;
every other field must have its exact type.

Then QGIS draws the parcels (one fill colour, no outline) and the streets (another colour, 3 px) over
a white background, without anti-aliasing, and the image is checked where the store says the data is:
the pixel at a point inside each parcel (away from its edges) has the fill colour, the pixel at the
middle of each street segment long enough to show has the street colour, the margin around the data
is background. Prints one PASS/FAIL line per check; exits 1 if any fails.
"""
import argparse
import json
import math
import os
import sqlite3
import sys
import urllib.request

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if "XDG_RUNTIME_DIR" not in os.environ:  # Qt wants a private runtime directory (mode 700)
    import tempfile
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="qgis-runtime-")

from qgis.core import (  # noqa: E402  (after the environment is set)
    QgsApplication, QgsFillSymbol, QgsGeometry, QgsLineSymbol, QgsMapRendererSequentialJob,
    QgsMapSettings, QgsPointXY, QgsRectangle, QgsSingleSymbolRenderer, QgsVectorLayer, QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSize, QVariant  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

FILL = (200, 40, 40)
STREET = (30, 60, 210)
BACKGROUND = (255, 255, 255)
VERTEX_TOLERANCE = 1e-9  # degrees (≈ 0.1 mm)
QGIS_TYPING_SAMPLE = 10  # features QGIS 3.22's OAPIF provider types fields from

FAILED = 0


def report(ok, text):
    global FAILED
    print(("PASS " if ok else "FAIL ") + text, flush=True)
    if not ok:
        FAILED += 1


def open_store(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.enable_load_extension(True)
    db.load_extension("mod_spatialite")
    return db


def columns(db, layer):
    """(name, declared type) of the attribute columns, in table order (fid and geometry left out)."""
    geometry_column = db.execute("SELECT f_geometry_column FROM geometry_columns WHERE lower(f_table_name) = lower(?)",
                                 (layer,)).fetchone()[0]
    return [(r[1], r[2].upper()) for r in db.execute(f'PRAGMA table_info("{layer}")')
            if r[1] != "fid" and r[1] != geometry_column], geometry_column


def expected_qgis_types(declared):
    if "INT" in declared:
        return {QVariant.Int, QVariant.LongLong}
    if any(t in declared for t in ("REAL", "FLOA", "DOUB", "NUMERIC")):
        return {QVariant.Double}
    return {QVariant.String}


def type_name(t):
    return {QVariant.Int: "Integer", QVariant.LongLong: "Integer64", QVariant.Double: "Real",
            QVariant.String: "String", QVariant.Bool: "Boolean"}.get(t, str(t))


def untypeable_fields(url, layer):
    """Fields NULL (or missing) in every feature of the page QGIS types from."""
    with urllib.request.urlopen(f"{url}/collections/{layer}/items?limit={QGIS_TYPING_SAMPLE}", timeout=60) as r:
        features = json.load(r)["features"]
    names = {k for f in features for k in (f.get("properties") or {})}
    return {k for k in names if all((f.get("properties") or {}).get(k) is None for f in features)}


def qgis_layer(url, layer):
    uri = (f"url='{url}' typename='{layer}' pagingEnabled='true' restrictToRequestBBOX='0' "
           "preferCoordinatesForWfsT11='false'")
    return QgsVectorLayer(uri, layer, "OAPIF")


def same_value(got, want, field_type, declared_untypeable):
    if want is None:
        return got is None or (isinstance(got, QVariant) and got.isNull())
    if isinstance(got, QVariant) and got.isNull():
        return False
    if declared_untypeable and isinstance(want, (int, float)) and isinstance(got, str):
        try:
            return float(got) == float(want)
        except ValueError:
            return False
    if field_type == QVariant.Double:
        return isinstance(got, float) and got == float(want)
    if field_type in (QVariant.Int, QVariant.LongLong):
        return isinstance(got, int) and not isinstance(got, bool) and got == want
    return got == want


def from_wkb(blob):
    g = QgsGeometry()
    if blob is not None:
        g.fromWkb(bytes(blob))
    return g


def vertices(g):
    return [(v.x(), v.y()) for v in g.vertices()]


def check_layer(db, url, layer, count):
    cols, geometry_column = columns(db, layer)
    ql = qgis_layer(url, layer)
    if not ql.isValid():
        report(False, f"qgis {layer}: the OAPIF provider could not load the collection: {ql.error().summary()}")
        return None
    fields = ql.fields()
    # QGIS adds an `id` field for string feature ids; it is not a column of the store.
    names = [f.name() for f in fields if not (f.name() == "id" and "id" not in [c for c, _ in cols])]
    if names != [c for c, _ in cols]:
        report(False, f"qgis {layer}: fields {names}, the store's columns {[c for c, _ in cols]}")
        return None
    untypeable = untypeable_fields(url, layer) & {c for c, _ in cols}
    wrong_types = []
    for name, declared in cols:
        got = fields.field(name).type()
        want = {QVariant.String} if name in untypeable else expected_qgis_types(declared)
        if got not in want:
            wrong_types.append(f"{name} ({declared} in the store) is {type_name(got)}")
    note = (f"; NULL in all of the first {QGIS_TYPING_SAMPLE} features, so QGIS 3.22 cannot type them and makes them "
            f"String: {', '.join(sorted(untypeable))}") if untypeable else ""
    report(not wrong_types, f"qgis {layer}: {len(cols)} fields typed as the store declares them" +
           (f", except {'; '.join(wrong_types)}" if wrong_types else "") + note)

    provider_count = ql.featureCount()
    select = ", ".join([f'"{c}"' for c, _ in cols] + [f'AsBinary("{geometry_column}")'])
    rows = db.execute(f'SELECT {select} FROM "{layer}" ORDER BY fid').fetchall()
    features = sorted(ql.getFeatures(), key=lambda f: f.id())
    report(provider_count == count and len(features) == count == len(rows),
           f"qgis {layer}: provider count {provider_count}, {len(features)} features fetched, store {count}")

    bad_values, bad_geometries, examples = 0, 0, []
    types = [fields.field(c).type() for c, _ in cols]
    for feature, row in zip(features, rows):
        for k, (name, _) in enumerate(cols):
            got = feature.attribute(name)
            if not same_value(got, row[k], types[k], name in untypeable):
                bad_values += 1
                if len(examples) < 5:
                    examples.append(f"feature {feature.id()} {name}: QGIS {got!r}, store {row[k]!r}")
        want = from_wkb(row[-1])
        got = feature.geometry()
        if want.isNull() != got.isNull() or (not want.isNull() and not same_geometry(got, want)):
            bad_geometries += 1
            if len(examples) < 5:
                examples.append(f"feature {feature.id()} geometry: QGIS {got.asWkt(9)[:100]}, store {want.asWkt(9)[:100]}")
    values = len(rows) * len(cols)
    report(bad_values == 0 and bad_geometries == 0 and len(features) == len(rows),
           f"qgis {layer}: {values - bad_values} of {values} values and {len(rows) - bad_geometries} of {len(rows)} "
           f"geometries as in the store" + (f"; e.g. {'; '.join(examples)}" if examples else ""))
    return ql


def same_geometry(got, want):
    if QgsWkbTypes.flatType(got.wkbType()) != QgsWkbTypes.flatType(want.wkbType()):
        return False
    a, b = vertices(got), vertices(want)
    return len(a) == len(b) and all(abs(p[0] - q[0]) <= VERTEX_TOLERANCE and abs(p[1] - q[1]) <= VERTEX_TOLERANCE
                                    for p, q in zip(a, b))


def check_render(db, parcels, streets, png):
    """Draws parcels and streets; checks the pixels where the store says each is."""
    parcels.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
        {"color": "%d,%d,%d,255" % FILL, "outline_style": "no"})))
    streets.setRenderer(QgsSingleSymbolRenderer(QgsLineSymbol.createSimple(
        {"line_color": "%d,%d,%d,255" % STREET, "line_width": "3", "line_width_unit": "Pixel"})))
    minx, miny, maxx, maxy = db.execute(
        "SELECT min(minX), min(minY), max(maxX), max(maxY) FROM renewalgis_layers WHERE name IN ('parcels', 'streets')").fetchone()
    margin = 0.1 * max(maxx - minx, maxy - miny)
    settings = QgsMapSettings()
    settings.setLayers([streets, parcels])  # first is drawn on top
    settings.setDestinationCrs(parcels.crs())
    settings.setBackgroundColor(QColor(*BACKGROUND))
    settings.setOutputSize(QSize(1000, 1000))
    settings.setFlag(QgsMapSettings.Antialiasing, False)
    settings.setExtent(QgsRectangle(minx - margin, miny - margin, maxx + margin, maxy + margin))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    if png:
        image.save(png)
    if image.isNull() or job.errors():
        report(False, f"qgis map: no image ({[e.message for e in job.errors()]})")
        return
    to_pixel = job.mapSettings().mapToPixel()

    def colour_at(x, y):
        p = to_pixel.transform(QgsPointXY(x, y))
        px, py = int(p.x()), int(p.y())
        if not (0 <= px < image.width() and 0 <= py < image.height()):
            return None
        c = QColor(image.pixel(px, py))
        return (c.red(), c.green(), c.blue())

    # Inside each parcel: a point on its surface at least 3 pixels from its edges (parcels too thin
    # for that are left out) must be fill, unless a street is drawn within 4 pixels of it.
    pixel = to_pixel.mapUnitsPerPixel()
    street_rows = [from_wkb(r[0]) for r in db.execute('SELECT AsBinary(geom) FROM streets')]
    near_street = QgsGeometry.createGeometryEngine(QgsGeometry.unaryUnion(street_rows).buffer(4 * pixel, 2).constGet())
    near_street.prepareGeometry()
    inside_ok = inside_total = 0
    misses = []
    for fid, wkb in db.execute("SELECT fid, AsBinary(geom) FROM parcels ORDER BY fid"):
        g = from_wkb(wkb)
        core = g.buffer(-3 * pixel, 2)
        if core.isEmpty():
            continue
        p = core.pointOnSurface().asPoint()
        if near_street.contains(QgsGeometry.fromPointXY(p).constGet()):
            continue
        inside_total += 1
        c = colour_at(p.x(), p.y())
        if c == FILL:
            inside_ok += 1
        elif len(misses) < 3:
            misses.append(f"parcel fid {fid} at ({p.x():.6f}, {p.y():.6f}) is {c}")
    report(inside_total > 0 and inside_ok == inside_total,
           f"qgis map: the fill colour inside {inside_ok} of {inside_total} parcels (points ≥ 3 px from their edges)"
           + (f"; {'; '.join(misses)}" if misses else ""))

    # On each street: the middle of every segment at least 6 pixels long must be street colour.
    on_ok = on_total = 0
    misses = []
    for g in street_rows:
        for part in (g.asMultiPolyline() if g.isMultipart() else [g.asPolyline()]):
            for a, b in zip(part, part[1:]):
                if math.hypot(b.x() - a.x(), b.y() - a.y()) < 6 * pixel:
                    continue
                on_total += 1
                c = colour_at((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)
                if c == STREET:
                    on_ok += 1
                elif len(misses) < 3:
                    misses.append(f"({(a.x() + b.x()) / 2:.6f}, {(a.y() + b.y()) / 2:.6f}) is {c}")
    report(on_total > 0 and on_ok == on_total,
           f"qgis map: the street colour at the middle of {on_ok} of {on_total} street segments"
           + (f"; {'; '.join(misses)}" if misses else ""))

    # The margin around the data is background, and the colours drawn are only the three.
    w, h = image.width(), image.height()
    band = int(0.05 * min(w, h))  # the outer 5 %, inside the 10 % margin
    counts = {}
    margin_bad = 0
    for y in range(0, h, 2):
        for x in range(0, w, 2):
            c = QColor(image.pixel(x, y))
            rgb = (c.red(), c.green(), c.blue())
            counts[rgb] = counts.get(rgb, 0) + 1
            if (x < band or y < band or x >= w - band or y >= h - band) and rgb != BACKGROUND:
                margin_bad += 1
    total = sum(counts.values())
    other = total - counts.get(FILL, 0) - counts.get(STREET, 0) - counts.get(BACKGROUND, 0)
    report(margin_bad == 0 and other == 0 and counts.get(FILL, 0) > 0.02 * total,
           f"qgis map: {w}×{h}, {100 * counts.get(FILL, 0) / total:.1f} % parcel fill, "
           f"{100 * counts.get(STREET, 0) / total:.1f} % street, {100 * counts.get(BACKGROUND, 0) / total:.1f} % background, "
           f"{other} sampled pixels of other colours, {margin_bad} drawn in the empty margin")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("store")
    ap.add_argument("--png", help="also save the rendered map here")
    args = ap.parse_args()
    url = args.url.rstrip("/")

    app = QgsApplication([], False)
    app.initQgis()
    run_checks(url, args.store, args.png)
    app.exitQgis()  # after every layer is gone: PyQGIS crashes when layers outlive it
    print(f"qgis: {FAILED} check(s) failed" if FAILED else "qgis: all checks passed", flush=True)
    sys.exit(1 if FAILED else 0)


def run_checks(url, store, png):
    db = open_store(store)
    layers = db.execute("SELECT name, featureCount FROM renewalgis_layers ORDER BY name").fetchall()
    loaded = {}
    for name, count in layers:
        stored = db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        if stored != count:
            report(False, f"store {name}: catalogue says {count} features, the table holds {stored}")
        loaded[name] = check_layer(db, url, name, stored)
    if loaded.get("parcels") and loaded.get("streets"):
        check_render(db, loaded["parcels"], loaded["streets"], png)
    else:
        report(False, "qgis map: parcels and streets did not load, nothing to draw")
    loaded.clear()
    db.close()


if __name__ == "__main__":
    main()
