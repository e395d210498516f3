#!/usr/bin/env python3
"""Deterministic synthetic sample data for RenewalGIS: Yuzhong (渝中), Chongqing.

Usage:
    python3 scripts/gen_sample_data.py [--seed 20251123] [--out GeoData]
    python3 scripts/gen_sample_data.py --check     # regenerate into a temp dir, compare bytes

The study area (lon 106.555-106.598, lat 29.538-29.582) holds the Yuzhong peninsula between
the Jialing River (嘉陵江, north) and the Yangtze (长江, south), which meet at Chaotianmen
(朝天门), plus riverside strips of Jiangbei (江北, north bank) and Nan'an (南岸, south bank).
Everything is built in a local equirectangular metre frame around (LON0, LAT0) and written as
CGCS2000 lon/lat (EPSG:4490) rounded to 1e-7 degree, then converted per file:

    parcels.shp (+.shx .dbf .prj)  EPSG:4545 Gauss-Krüger CM 108E, GBK attributes, no .cpg
    planning_constraints.gpkg      EPSG:4490, layers heritage_zones and control_lines
    facilities.csv                 UTF-8, lon/lat in GCJ-02 (Amap offset)
    streets.geojson                RFC 7946 (WGS84 lon/lat), one feature per line
    README.md                      description, counts, licence (CC0 1.0)

Python standard library only; `ogr2ogr` (Debian gdal-bin) writes the Shapefile and the
GeoPackage. The same seed gives byte-identical files with the same GDAL/SQLite build
(the DBF header date is pinned and OGR_CURRENT_DATE is fixed for the GeoPackage).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile

DEFAULT_SEED = 20251123
OGR_CURRENT_DATE = "2025-11-23T00:00:00.000Z"   # GPKG wants milliseconds
DBF_HEADER_DATE = bytes([125, 11, 23])          # DBF "last update": 2025-11-23 (YY since 1900)
OUTPUT_FILES = ["parcels.shp", "parcels.shx", "parcels.dbf", "parcels.prj",
                "planning_constraints.gpkg", "facilities.csv", "streets.geojson", "README.md"]
# Files kept in GeoData/ by hand (not generated; --check leaves them alone).
HAND_WRITTEN = ["project.yaml"]

# ---------------------------------------------------------------------------------------------
# Local metric frame (equirectangular, exact affine inverse) and small geometry helpers
# ---------------------------------------------------------------------------------------------
LON0, LAT0 = 106.5765, 29.56
M_PER_DEG_LAT = 6378137.0 * math.pi / 180.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT0))


def to_lonlat(p):
    """Local metres -> (lon, lat) rounded to 1e-7 degree."""
    return (round(LON0 + p[0] / M_PER_DEG_LON, 7), round(LAT0 + p[1] / M_PER_DEG_LAT, 7))


def to_local(lon, lat):
    return ((lon - LON0) * M_PER_DEG_LON, (lat - LAT0) * M_PER_DEG_LAT)


BOX = to_local(106.555, 29.538) + to_local(106.598, 29.582)     # xmin, ymin, xmax, ymax


def in_box(p, margin=0.0):
    return BOX[0] + margin <= p[0] <= BOX[2] - margin and BOX[1] + margin <= p[1] <= BOX[3] - margin


def dist(a, b):
    return math.hypot(a[0] - b[0], a[1] - b[1])


def lerp(a, b, f):
    return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)


def ring_area(ring):
    """Signed shoelace area of an open ring (positive = counter-clockwise)."""
    return 0.5 * sum(ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1] for i in range(len(ring)))


def ring_centroid(ring):
    a = ring_area(ring)
    cx = cy = 0.0
    for i in range(len(ring)):
        (x0, y0), (x1, y1) = ring[i - 1], ring[i]
        w = x0 * y1 - x1 * y0
        cx, cy = cx + (x0 + x1) * w, cy + (y0 + y1) * w
    return (cx / (6 * a), cy / (6 * a))


def point_in_ring(p, ring):
    inside, (x, y) = False, p
    for i in range(len(ring)):
        (x0, y0), (x1, y1) = ring[i - 1], ring[i]
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def segments_intersect(p1, p2, p3, p4):
    """True if closed segments p1p2 and p3p4 share any point."""
    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return 0 if abs(v) < 1e-9 else (1 if v > 0 else -1)

    def on_seg(a, b, c):
        return min(a[0], b[0]) - 1e-9 <= c[0] <= max(a[0], b[0]) + 1e-9 and \
            min(a[1], b[1]) - 1e-9 <= c[1] <= max(a[1], b[1]) + 1e-9
    o1, o2, o3, o4 = orient(p1, p2, p3), orient(p1, p2, p4), orient(p3, p4, p1), orient(p3, p4, p2)
    if o1 != o2 and o3 != o4:
        return True
    return (o1 == 0 and on_seg(p1, p2, p3)) or (o2 == 0 and on_seg(p1, p2, p4)) or \
        (o3 == 0 and on_seg(p3, p4, p1)) or (o4 == 0 and on_seg(p3, p4, p2))


def ring_problems(ring, want_ccw=True):
    """Validity problems of an open ring: duplicates, orientation, self-intersection."""
    n, problems = len(ring), []
    if n < 3:
        return ["fewer than 3 distinct points"]
    if any(ring[i] == ring[i - 1] for i in range(n)):
        problems.append("duplicate consecutive point")
    if (ring_area(ring) > 0) != want_ccw:
        problems.append("wrong orientation")
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue
            if segments_intersect(ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n]):
                problems.append("self-intersection")
                return problems
    return problems


def rings_overlap(a, b):
    """True if two simple rings share any area or boundary point."""
    if any(point_in_ring(p, b) for p in a) or any(point_in_ring(p, a) for p in b):
        return True
    return any(segments_intersect(a[i - 1], a[i], b[j - 1], b[j]) for i in range(len(a)) for j in range(len(b)))


def clip_ring_to_box(ring):
    """Sutherland-Hodgman clip of a ring to the study box (convex, so exact for one piece)."""
    edges = [(0, BOX[0], 1), (0, BOX[2], -1), (1, BOX[1], 1), (1, BOX[3], -1)]
    for axis, value, sign in edges:
        out = []
        for i in range(len(ring)):
            a, b = ring[i - 1], ring[i]
            ina, inb = (a[axis] - value) * sign >= 0, (b[axis] - value) * sign >= 0
            if ina != inb:
                out.append(lerp(a, b, (value - a[axis]) / (b[axis] - a[axis])))
            if inb:
                out.append(b)
        ring = out
    return ring


def catmull_rom(ctrl, per_seg=32):
    """Smooth curve through the control points (end points duplicated)."""
    pts = [ctrl[0]] + list(ctrl) + [ctrl[-1]]
    out = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for k in range(per_seg):
            t = k / per_seg
            out.append(tuple(0.5 * (2 * p1[d] + (p2[d] - p0[d]) * t + (2 * p0[d] - 5 * p1[d] + 4 * p2[d] - p3[d]) * t * t
                                    + (3 * p1[d] - p0[d] - 3 * p2[d] + p3[d]) * t ** 3) for d in (0, 1)))
    out.append(tuple(ctrl[-1]))
    return out


def resample(pts, step):
    """Points every `step` metres of arc length along a polyline."""
    cum = [0.0]
    for a, b in zip(pts, pts[1:]):
        cum.append(cum[-1] + dist(a, b))
    n = max(2, int(round(cum[-1] / step)) + 1)
    out, j = [], 0
    for k in range(n):
        s = cum[-1] * k / (n - 1)
        while j < len(cum) - 2 and cum[j + 1] < s:
            j += 1
        seg = cum[j + 1] - cum[j]
        out.append(lerp(pts[j], pts[j + 1], 0 if seg == 0 else (s - cum[j]) / seg))
    return out


def uniform(rng, a, b):
    return a + (b - a) * rng.random()


def pick(rng, seq):
    return seq[int(rng.random() * len(seq))]


def shuffle(rng, items):
    """Fisher-Yates driven by rng.random() only (stable across Python versions)."""
    for i in range(len(items) - 1, 0, -1):
        j = int(rng.random() * (i + 1))
        items[i], items[j] = items[j], items[i]


def weighted(rng, table):
    """table: list of (value, weight)."""
    r, acc = rng.random() * sum(w for _, w in table), 0.0
    for value, w in table:
        acc += w
        if r < acc:
            return value
    return table[-1][0]


# ---------------------------------------------------------------------------------------------
# Rivers: curving centre lines with a half width; signed distance tells the bank
# ---------------------------------------------------------------------------------------------
class River:
    def __init__(self, name, ctrl, width_start, width_end):
        self.name = name
        self.pts = resample(catmull_rom(ctrl), 20.0)
        n = len(self.pts)
        self.hw = [0.5 * (width_start + (width_end - width_start) * i / (n - 1)
                          + 25 * math.sin(i / 9.0)) for i in range(n)]

    def normal(self, i):
        """Unit left normal at vertex i (average of the adjacent segment directions)."""
        a, b = self.pts[max(i - 1, 0)], self.pts[min(i + 1, len(self.pts) - 1)]
        d = dist(a, b)
        return (-(b[1] - a[1]) / d, (b[0] - a[0]) / d)

    def nearest(self, p):
        """(signed distance to centre line, + = left bank; half width there)."""
        pts, (px, py) = self.pts, p
        best_i, best = 0, 1e300
        for i in range(0, len(pts), 5):
            d = (pts[i][0] - px) ** 2 + (pts[i][1] - py) ** 2
            if d < best:
                best, best_i = d, i
        result = (1e300, 0.0)
        for i in range(max(0, best_i - 7), min(len(pts) - 1, best_i + 7)):
            (ax, ay), (bx, by) = pts[i], pts[i + 1]
            vx, vy = bx - ax, by - ay
            t = max(0.0, min(1.0, ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy)))
            d = math.hypot(px - ax - t * vx, py - ay - t * vy)
            if d < abs(result[0]):
                sign = 1.0 if vx * (py - ay) - vy * (px - ax) > 0 else -1.0
                result = (sign * d, self.hw[i] + (self.hw[i + 1] - self.hw[i]) * t)
        return result

    def clearance(self, p):
        """Metres from the water's edge (negative inside the river)."""
        d, hw = self.nearest(p)
        return abs(d) - hw

    def offset(self, side, extra):
        """Line parallel to the bank on `side` (+1 left, -1 right), `extra` m from the water."""
        return [(p[0] + side * n[0] * (hw + extra), p[1] + side * n[1] * (hw + extra))
                for p, n, hw in ((p, self.normal(i), self.hw[i]) for i, p in enumerate(self.pts))]

    def band(self, extra=0.0):
        """Counter-clockwise ring of the river widened by `extra` metres on both banks."""
        return self.offset(-1, extra) + self.offset(1, extra)[::-1]


JIALING = River("嘉陵江", [(-2600, 1480), (-1600, 1160), (-900, 960), (-300, 800), (300, 680),
                         (900, 650), (1350, 680), (1720, 600)], 340, 400)
YANGTZE = River("长江", [(-2600, -2100), (-1500, -1830), (-700, -1610), (0, -1390), (520, -1000),
                       (900, -450), (1260, 160), (1620, 640), (2050, 960), (2600, 1260)], 450, 520)
RIVERS = (JIALING, YANGTZE)


def water_clearance(p):
    return min(JIALING.clearance(p), YANGTZE.clearance(p))


def classify(p):
    """'water', 'yuzhong' (peninsula), 'jiangbei' (north bank) or 'nanan' (south bank)."""
    dy, hwy = YANGTZE.nearest(p)
    dj, hwj = JIALING.nearest(p)
    if abs(dy) <= hwy or abs(dj) <= hwj:
        return "water"
    if dy < 0:
        return "nanan"
    return "jiangbei" if dj > 0 else "yuzhong"


def bank_run(river, side, extra, other_clear, anchor):
    """Part of a bank offset line that stays in the box and `other_clear` m from the other river,
    choosing the contiguous run closest to `anchor`."""
    other = YANGTZE if river is JIALING else JIALING
    pts = river.offset(side, extra)
    ok = [in_box(p) and other.clearance(p) >= other_clear for p in pts]
    runs, start = [], None
    for i, good in enumerate(ok + [False]):
        if good and start is None:
            start = i
        elif not good and start is not None:
            runs.append(pts[start:i])
            start = None
    return min(runs, key=lambda r: min(dist(p, anchor) for p in r))


# ---------------------------------------------------------------------------------------------
# Street grids: curvilinear (circular-arc spine) grids, one per district
# ---------------------------------------------------------------------------------------------
HALF_WIDTH = {"trunk": 15, "primary": 12, "secondary": 9, "residential": 6}
SITES = {name: to_local(lon, lat) for name, lon, lat in [
    ("解放碑", 106.5770, 29.5570), ("朝天门", 106.5855, 29.5635), ("江北嘴CBD", 106.5850, 29.5730)]}


class ArcGrid:
    """Grid whose s-lines are normals of a circular-arc spine and t-lines are parallels."""

    def __init__(self, rng, key, region, origin, heading_deg, curvature, s_range, s_step, t_range, t_step,
                 bank_depth=None, target_parcel=2500.0):
        self.key, self.region, self.origin, self.k = key, region, origin, curvature
        self.h0 = math.radians(heading_deg)
        self.bank_depth, self.target_parcel = bank_depth, target_parcel
        self.S = self._lines(rng, s_range, s_step)
        self.T = self._lines(rng, t_range, t_step)
        self.skew = uniform(rng, 15, 30)

    @staticmethod
    def _lines(rng, span, step):
        vals, v = [], span[0]
        while v <= span[1]:
            vals.append(v)
            v += uniform(rng, *step)
        return vals

    def pos(self, s, t):
        s = s + self.skew * math.sin(t / 260.0)          # gently bend the cross streets
        h = self.h0 + self.k * s
        n0 = (-math.sin(self.h0), math.cos(self.h0))
        cx, cy = self.origin[0] + n0[0] / self.k, self.origin[1] + n0[1] / self.k
        r = 1.0 / self.k - t
        return (cx + r * math.sin(h), cy - r * math.cos(h))


def make_grids(seed):
    rng = random.Random(f"{seed}/grids")
    return [
        ArcGrid(rng, "yz", "yuzhong", (-2450, -420), -3.0, 1.5e-4, (0, 4000), (100, 150),
                (-1500, 1500), (80, 115), target_parcel=4200.0),
        ArcGrid(rng, "jb", "jiangbei", (-2450, 1900), -14.0, 8e-5, (0, 4900), (130, 185),
                (-800, 1000), (95, 135), bank_depth=520, target_parcel=4600.0),
        ArcGrid(rng, "na", "nanan", (-2450, -2700), 12.0, 1.25e-4, (0, 5600), (130, 185),
                (-1000, 700), (95, 135), bank_depth=520, target_parcel=4600.0),
    ]


def classify_lines(rng, grid):
    """Street class and name of every s-line and t-line of a grid."""
    names = STREET_NAMES[grid.key]
    t_class = []
    mid = min(range(len(grid.T)), key=lambda j: abs(grid.T[j]))
    for j, t in enumerate(grid.T):
        if j == mid:
            t_class.append("trunk" if grid.key == "yz" else "primary")
        elif grid.key == "yz" and min(abs(t - 480), abs(t + 460)) < 50:
            t_class.append("primary")
        else:
            t_class.append("secondary" if rng.random() < 0.4 else "residential")
    s_class = ["secondary" if i % 4 == 1 else "residential" for i in range(len(grid.S))]
    for i in range(len(grid.S)):
        if i % 9 == 5:
            s_class[i] = "primary"
    t_names = [names["along"][j % len(names["along"])] for j in range(len(grid.T))]
    s_names = [names["cross"][i % len(names["cross"])] for i in range(len(grid.S))]
    one_t = [c in ("secondary", "residential") and rng.random() < 0.25 for c in t_class]
    one_s = [c in ("secondary", "residential") and rng.random() < 0.2 for c in s_class]
    return t_class, s_class, t_names, s_names, one_t, one_s


STREET_NAMES = {
    "yz": {"along": ["石板坡正街", "南区路", "长江一路", "较场口路", "中兴路", "解放东路", "新华路", "民族路",
                     "中山一路", "民权路", "邹容路", "五一路", "八一路", "民生路", "青年路", "临江路", "沧白路",
                     "嘉陵江路", "大溪沟路", "人和街", "上清寺路", "双钢路", "人民路", "和平路", "凯旋路",
                     "大同路", "金汤街", "陕西路", "新民街", "千厮门路", "打铜街", "白象街口", "道门口街",
                     "筷子街", "鼎新街", "仓坝子街"],
           "cross": ["领事巷", "厚慈街", "守备街", "来龙巷", "花街子", "会仙楼巷", "若瑟堂巷", "蹇家桥街",
                     "罗汉寺街", "小什字街", "戴家巷", "天官街", "兴隆街", "人和湾", "燕喜洞街", "纯阳洞巷",
                     "学田湾路", "桂花园路", "枣子岚垭路", "观音岩正街", "七星岗路", "通远门巷", "金汤门路",
                     "米花街", "棉花街", "月台坝", "半边街", "石灰市街", "保安路", "铁板街", "马蹄街",
                     "大井巷", "太华楼巷", "杨家什字", "新生路", "长安寺巷", "梅子坡路"]},
    "jb": {"along": ["北滨一路辅道", "江北城大街", "江北城西大街", "建新北路", "洋河路", "嘉陵三村路",
                     "华新街", "北城天街", "聚贤街", "盘溪路", "金沙路", "红石路", "海尔路", "观音桥步道路"],
           "cross": ["江北城一路", "江北城二路", "江北城三路", "刘家台正街", "相国寺路", "溉澜溪路",
                     "保定门巷", "问津门巷", "金沙门巷", "汇川门巷", "东升门巷", "文星门巷", "嘉陵四村路",
                     "五里店支路", "大石坝路", "鸿恩寺路"]},
    "na": {"along": ["南滨二路辅道", "弹子石正街", "上新街正街", "海棠溪正街", "铜元局路", "南坪北路",
                     "涂山路", "南城大道", "龙门浩正街", "玄坛庙路", "黄桷垭路", "南山路", "学府大道"],
           "cross": ["龙门浩下浩路", "弹子石老街", "王家沱巷", "慈云寺路", "觉林寺路", "米市街", "下浩正街",
                     "周家湾路", "四公里支路", "窍角沱巷", "放牛坪路", "大佛寺路", "融侨路", "烟雨路",
                     "福红路", "铜元局支路"]},
}


# ---------------------------------------------------------------------------------------------
# Heritage districts, ecological patches
# ---------------------------------------------------------------------------------------------
HERITAGE = [  # id, name, real lon/lat, core length x depth (m), control margin, core/control height limit
    ("HZ001", "湖广会馆及东水门历史文化街区", 106.5858, 29.5602, 230, 140, 75, 12.0, 24.0),
    ("HZ002", "白象街传统风貌区", 106.5815, 29.5572, 160, 100, 55, 12.0, 24.0),
    ("HZ003", "十八梯传统风貌区", 106.5745, 29.5532, 210, 140, 70, 15.0, 30.0),
    ("HZ004", "山城巷传统风貌区", 106.5695, 29.5510, 190, 110, 65, 12.0, 24.0),
]
ECOLOGICAL = [("枇杷山生态保护区", 106.5660, 29.5568, 160, 105, 20.0),
              ("涂山生态保护区", 106.5905, 29.5530, 175, 105, 40.0)]


def chamfered_rect(centre, heading, length, depth, cut):
    """Convex octagon: a rectangle with cut corners, CCW."""
    u = (math.cos(heading), math.sin(heading))
    v = (-u[1], u[0])
    a, b = length / 2, depth / 2
    local = [(-a + cut, -b), (a - cut, -b), (a, -b + cut), (a, b - cut), (a - cut, b), (-a + cut, b),
             (-a, b - cut), (-a, -b + cut)]
    return [(centre[0] + x * u[0] + y * v[0], centre[1] + x * u[1] + y * v[1]) for x, y in local]


def expand_convex(ring, d):
    """Offset a convex CCW ring outwards by d (mitred corners)."""
    lines = []
    for i in range(len(ring)):
        a, b = ring[i], ring[(i + 1) % len(ring)]
        L = dist(a, b)
        n = ((b[1] - a[1]) / L, -(b[0] - a[0]) / L)                # right normal = outward for CCW
        lines.append(((a[0] + n[0] * d, a[1] + n[1] * d), (b[0] - a[0], b[1] - a[1])))
    out = []
    for i in range(len(lines)):
        (p, r), (q, s) = lines[i - 1], lines[i]
        t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / (r[0] * s[1] - r[1] * s[0])
        out.append((p[0] + t * r[0], p[1] + t * r[1]))
    return out


def make_heritage():
    zones = []
    for zid, name, lon, lat, length, depth, margin, hcore, hctrl in HERITAGE:
        target = to_local(lon, lat)
        _, hw = YANGTZE.nearest(target)
        # slide the district across the bank so its core sits ~ (depth/2 + margin + 95) m inland
        i = min(range(len(YANGTZE.pts)), key=lambda k: dist(YANGTZE.pts[k], target))
        n, p = YANGTZE.normal(i), YANGTZE.pts[i]
        inland = hw + depth / 2 + margin + 95
        centre = (p[0] + n[0] * inland, p[1] + n[1] * inland)
        a = YANGTZE.pts[min(i + 1, len(YANGTZE.pts) - 1)]
        heading = math.atan2(a[1] - p[1], a[0] - p[0])
        core = chamfered_rect(centre, heading, length, depth, 22)
        outer = expand_convex(core, margin)
        zones.append({"id": zid, "name": name, "core": core, "outer": outer,
                      "h_core": hcore, "h_ctrl": hctrl, "centre": centre})
    return zones


def make_ecological():
    out = []
    for name, lon, lat, a, b, rot in ECOLOGICAL:
        c, r = to_local(lon, lat), math.radians(rot)
        ring = []
        for k in range(28):
            t = 2 * math.pi * k / 28
            x, y = a * math.cos(t) * (1 + 0.06 * math.sin(3 * t)), b * math.sin(t)
            ring.append((c[0] + x * math.cos(r) - y * math.sin(r), c[1] + x * math.sin(r) + y * math.cos(r)))
        out.append({"name": name, "ring": ring, "centre": c})
    return out


# ---------------------------------------------------------------------------------------------
# Blocks and parcels
# ---------------------------------------------------------------------------------------------
def block_quad(grid, i, j, s_class, t_class):
    s0 = grid.S[i] + HALF_WIDTH[s_class[i]]
    s1 = grid.S[i + 1] - HALF_WIDTH[s_class[i + 1]]
    t0 = grid.T[j] + HALF_WIDTH[t_class[j]]
    t1 = grid.T[j + 1] - HALF_WIDTH[t_class[j + 1]]
    return [grid.pos(s0, t0), grid.pos(s1, t0), grid.pos(s1, t1), grid.pos(s0, t1)]


def block_ok(grid, quad):
    samples = quad + [lerp(quad[i - 1], quad[i], 0.5) for i in range(4)] + [lerp(quad[0], quad[2], 0.5)]
    for p in samples:
        if not in_box(p, 12) or classify(p) != grid.region or water_clearance(p) < 110:
            return False
    if grid.bank_depth and water_clearance(samples[-1]) > grid.bank_depth:
        return False
    return True


def largest_component(cells):
    seen, best = set(), []
    for start in sorted(cells):
        if start in seen:
            continue
        comp, stack = [], [start]
        seen.add(start)
        while stack:
            i, j = stack.pop()
            comp.append((i, j))
            for di in (-1, 0, 1):
                for dj in (-1, 0, 1):
                    nb = (i + di, j + dj)
                    if nb in cells and nb not in seen:
                        seen.add(nb)
                        stack.append(nb)
        if len(comp) > len(best):
            best = comp
    return set(best)


def bilinear(q, a, b):
    return tuple((1 - a) * (1 - b) * q[0][d] + a * (1 - b) * q[1][d] + a * b * q[2][d] + (1 - a) * b * q[3][d]
                 for d in (0, 1))


def cuts(rng, k):
    """k pieces of [0,1] with jittered cut positions."""
    return [0.0] + [(c + uniform(rng, -0.22, 0.22)) / k for c in range(1, k)] + [1.0]


def subdivide(rng, quad, target_area):
    """Split a block quad into 2-8 parcels: strips along the long side, some split across."""
    area = ring_area(quad)
    long_s = dist(quad[0], quad[1]) >= dist(quad[1], quad[2])
    along, across = (dist(quad[0], quad[1]), dist(quad[1], quad[2]))[:: 1 if long_s else -1]
    n = max(2, min(8, int(round(area / (target_area * uniform(rng, 0.75, 1.3))))))
    while True:
        strips = n if n <= 3 else min(4, (n + 1) // 2)
        if along / strips >= 20 or strips == 1:
            break
        n -= 1
    split_count = n - strips
    pieces = []
    a_cuts = cuts(rng, strips)
    for k in range(strips):
        b_cuts = cuts(rng, 2) if (k < split_count and across >= 44) else [0.0, 1.0]
        for m in range(len(b_cuts) - 1):
            a0, a1, b0, b1 = a_cuts[k], a_cuts[k + 1], b_cuts[m], b_cuts[m + 1]
            if not long_s:
                a0, a1, b0, b1 = b0, b1, a0, a1
            pieces.append([bilinear(quad, a0, b0), bilinear(quad, a1, b0), bilinear(quad, a1, b1),
                           bilinear(quad, a0, b1)])
    return pieces


def snap_t_junctions(group):
    """Insert into each parcel ring the (rounded) corners of its block neighbours that lie on
    its edges, so adjacent parcels share identical boundary vertices (a clean coverage)."""
    pts = {c: to_local(*c) for p in group for c in p["ring_out"]}
    for p in group:
        ring, out = p["ring_out"], []
        for k, a in enumerate(ring):
            b = ring[(k + 1) % len(ring)]
            (ax, ay), (bx, by) = pts[a], pts[b]
            vx, vy = bx - ax, by - ay
            between = []
            for c, (cx, cy) in pts.items():
                t = ((cx - ax) * vx + (cy - ay) * vy) / (vx * vx + vy * vy)
                if c not in (a, b) and 1e-6 < t < 1 - 1e-6 and abs(vx * (cy - ay) - vy * (cx - ax)) < 0.02 * math.hypot(vx, vy):
                    between.append((t, c))
            out += [a] + [c for _, c in sorted(between)]
        p["ring_out"] = out


def build_blocks_and_parcels(seed, grids):
    rng = random.Random(f"{seed}/parcels")
    blocks, parcels, lines = [], [], {}
    for grid in grids:
        line_info = classify_lines(random.Random(f"{seed}/lines/{grid.key}"), grid)
        lines[grid.key] = line_info
        t_class, s_class = line_info[0], line_info[1]
        cells = {}
        for i in range(len(grid.S) - 1):
            for j in range(len(grid.T) - 1):
                quad = block_quad(grid, i, j, s_class, t_class)
                if block_ok(grid, quad):
                    cells[(i, j)] = quad
        keep = largest_component(set(cells))
        grid.cells = sorted(keep)
        for cell in grid.cells:
            block = {"grid": grid.key, "cell": cell, "quad": cells[cell], "region": grid.region,
                     "id": len(blocks)}
            blocks.append(block)
            for ring in subdivide(rng, cells[cell], grid.target_parcel):
                parcels.append({"ring": ring, "block": block["id"], "region": grid.region,
                                "centroid": ring_centroid(ring), "area": ring_area(ring)})
    return blocks, parcels, lines


# ---------------------------------------------------------------------------------------------
# Parcel attributes
# ---------------------------------------------------------------------------------------------
ANCHORS = {
    "yuzhong": [("解放碑", 106.5770, 29.5570), ("朝天门", 106.5860, 29.5645), ("洪崖洞", 106.5785, 29.5625),
                ("较场口", 106.5725, 29.5535), ("七星岗", 106.5650, 29.5565), ("望龙门", 106.5830, 29.5590),
                ("储奇门", 106.5790, 29.5520), ("临江门", 106.5720, 29.5620), ("两路口", 106.5575, 29.5530),
                ("大溪沟", 106.5580, 29.5660), ("石板坡", 106.5620, 29.5480), ("人和街", 106.5620, 29.5610)],
    "jiangbei": [("江北嘴", 106.5850, 29.5720), ("刘家台", 106.5650, 29.5760), ("相国寺", 106.5750, 29.5790),
                 ("溉澜溪", 106.5950, 29.5790), ("华新街", 106.5580, 29.5790)],
    "nanan": [("弹子石", 106.5950, 29.5600), ("上新街", 106.5860, 29.5480), ("龙门浩", 106.5790, 29.5470),
              ("海棠溪", 106.5700, 29.5420), ("铜元局", 106.5590, 29.5400)],
}
ANCHOR_XY = {r: [(n, to_local(lon, lat)) for n, lon, lat in v] for r, v in ANCHORS.items()}


def anchor_name(region, p):
    return min(ANCHOR_XY[region], key=lambda a: dist(a[1], p))[0]


def base_land_use(rng, parcel):
    c, region = parcel["centroid"], parcel["region"]
    if parcel.get("core"):
        return weighted(rng, [("0701", 55), ("1504", 25), ("0901", 20)])
    if region == "yuzhong" and dist(c, SITES["解放碑"]) < 380:
        return weighted(rng, [("0901", 30), ("0902", 30), ("070102", 28), ("0801", 6), ("1403", 3), ("0702", 3)])
    if region == "jiangbei" and dist(c, SITES["江北嘴CBD"]) < 450:
        return weighted(rng, [("0902", 45), ("0901", 20), ("070102", 30), ("1403", 5)])
    table = [("070102", 39), ("0701", 11), ("070101", 4), ("0901", 10), ("0902", 3), ("0702", 5), ("0801", 4),
             ("0804", 2), ("1207", 2), ("1402", 2), ("1403", 1.5), ("1101", 1.5 if region != "yuzhong" else 0.5),
             ("1001", 1.2 if region == "nanan" else 0.2)]
    return weighted(rng, table)


def build_year(rng, parcel, zones):
    c, lu, region = parcel["centroid"], parcel["land_use"], parcel["region"]
    if parcel.get("core"):
        return 1950 if lu == "1504" else int(uniform(rng, 1950, 1978))
    if region == "yuzhong":
        d = min([dist(c, SITES["解放碑"]), dist(c, SITES["朝天门"])] + [dist(c, z["centre"]) for z in zones])
        mean = 1963 + 42 * min(1.0, d / 1500.0)
    elif region == "jiangbei":
        mean = 2012 if dist(c, SITES["江北嘴CBD"]) < 600 else 1998
    else:
        mean = 1990
    year = mean + rng.gauss(0, 10)
    if lu == "0902":
        year = max(year, uniform(rng, 1993, 2018))
    if lu == "1504":
        year = uniform(rng, 1950, 1960)
    return int(max(1950, min(2020, round(year))))


def safety_grade(rng, year, lu):
    if lu == "1504":
        return weighted(rng, [("B", 60), ("C", 40)])
    if year >= 2000:
        return weighted(rng, [("A", 85), ("B", 15)])
    if year >= 1990:
        return weighted(rng, [("A", 30), ("B", 60), ("C", 10)])
    if year >= 1980:
        return weighted(rng, [("B", 50), ("C", 40), ("D", 10)])
    if year >= 1970:
        return weighted(rng, [("B", 20), ("C", 55), ("D", 25)])
    return weighted(rng, [("C", 50), ("D", 50)])


def far_and_height(rng, lu, year, core_limit):
    if lu in ("1401", "1402", "1403", "1207"):
        far, cover = round(uniform(rng, 0.0, 0.08), 2), 0.05
        return far, round(uniform(rng, 0, 6), 1) if far > 0 else 0.0
    if lu == "1504":
        far, cover = uniform(rng, 0.5, 1.2), uniform(rng, 0.4, 0.6)
    elif lu == "0902":
        far, cover = uniform(rng, 5, 12), uniform(rng, 0.25, 0.4)
    elif lu in ("0901", "0801"):
        far, cover = uniform(rng, 2.5, 7), uniform(rng, 0.35, 0.55)
    elif lu in ("1001", "1101"):
        far, cover = uniform(rng, 0.6, 1.6), uniform(rng, 0.4, 0.6)
    elif year >= 2000:
        far, cover = uniform(rng, 3.5, 7.0), uniform(rng, 0.22, 0.35)
    elif year >= 1990:
        far, cover = uniform(rng, 2.5, 5.0), uniform(rng, 0.3, 0.45)
    elif year >= 1980:
        far, cover = uniform(rng, 2.0, 3.5), uniform(rng, 0.35, 0.5)
    else:
        far, cover = uniform(rng, 1.2, 2.6), uniform(rng, 0.4, 0.6)
    height = 3.2 * max(1.0, round(far / cover))
    if core_limit:
        height = min(height, core_limit)
        far = min(far, height / 3.2 * cover)
    return round(far, 2), round(height, 1)


def planned_action(rng, p):
    if p.get("core") or p["land_use"] in ("1401", "1402", "1403", "1504", "1207"):
        return "retain"
    if p["vacant"]:
        return weighted(rng, [("new_build", 70), ("demolish", 20), ("renovate", 10)])
    grade = p["safety_grade"]
    if grade == "D":
        return weighted(rng, [("demolish", 60), ("renovate", 40)])
    if grade == "C":
        return weighted(rng, [("renovate", 65), ("retain", 25), ("demolish", 10)])
    if grade == "B":
        return weighted(rng, [("retain", 75), ("renovate", 25)])
    return "retain"


REMARKS = ["", "", "", "", "", "临街商铺", "老旧小区", "坡地建筑", "临崖建筑", "已纳入城市更新计划", "电梯加装试点",
           "产权分散", "沿街立面整治"]


def assign_attributes(seed, parcels, zones, ecos):
    rng = random.Random(f"{seed}/attributes")
    for p in parcels:
        c = p["centroid"]
        p["core"] = next((z["id"] for z in zones if rings_overlap(p["ring"], z["core"])), None)
        p["control"] = next((z["id"] for z in zones if not p["core"] and rings_overlap(p["ring"], z["outer"])), None)
        p["eco"] = next((e["name"] for e in ecos if point_in_ring(c, e["ring"])), None)
        p["land_use"] = "1401" if p["eco"] else base_land_use(rng, p)
        p["remark"] = pick(rng, REMARKS)
    # the Jiefangbei monument itself is a cultural-relic site
    monument = min((p for p in parcels if p["region"] == "yuzhong"), key=lambda p: dist(p["centroid"], SITES["解放碑"]))
    monument.update(land_use="1504", remark="人民解放纪念碑")
    return rng, monument


def finish_attributes(rng, parcels, zones):
    limits = {z["id"]: z["h_core"] for z in zones}
    for p in parcels:
        lu = p["land_use"]
        p["build_year"] = build_year(rng, p, zones)
        p["safety_grade"] = safety_grade(rng, p["build_year"], lu)
        p["far"], p["height_m"] = far_and_height(rng, lu, p["build_year"], limits.get(p["core"]))
        old_and_poor = p["safety_grade"] in ("C", "D") or lu in ("1001", "1101")
        p["vacant"] = 1 if (not p.get("facility") and not p["core"] and lu not in ("1401", "1402", "1403", "1504")
                            and rng.random() < (0.09 if old_and_poor else 0.01)) else 0
        p["planned_action"] = planned_action(rng, p)
        if lu.startswith("0701") and not p["vacant"]:
            per_person = uniform(rng, 20, 30)
            p["population"] = int(max(300, min(1500, round(p["area"] * p["far"] / per_person))))
        else:
            p["population"] = 0
        if p["core"]:
            p["remark"] = p["remark"] if lu == "1504" else "历史风貌保护"
        elif p["vacant"]:
            p["remark"] = "闲置"
        elif p["safety_grade"] == "D" and lu.startswith("0701"):
            p["remark"] = "危房，建议优先处置"


# Idle factories and warehouses for the conversion-eligibility demo ("which idle industrial parcels may
# become elderly care?"). Chosen after everything else is final, with their own random stream, and only
# the chosen parcels' vacant, planned_action, population and 备注 change, so streets, facilities and
# constraints stay byte for byte what they were, and so does every other parcel.
IDLE_CLEARANCE_M = 20.0     # at least this far from every control line and heritage zone


def point_segment_distance(p, a, b):
    vx, vy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((p[0] - a[0]) * vx + (p[1] - a[1]) * vy) / (vx * vx + vy * vy)))
    return math.hypot(p[0] - a[0] - t * vx, p[1] - a[1] - t * vy)


def ring_distance(a, b):
    """0 if two simple rings share any point, else the shortest distance between their boundaries."""
    if rings_overlap(a, b):
        return 0.0
    return min(min(point_segment_distance(p, r[k - 1], r[k]) for p in q for k in range(len(r)))
               for q, r in ((a, b), (b, a)))


def make_idle_industry(seed, parcels, zones, controls):
    """Per region, the oldest in-use factory (1001) or warehouse (1101) at least IDLE_CLEARANCE_M from
    every control line (blue, green, purple, ecological, yellow) and heritage core and control ring
    becomes idle: vacant, population 0, 备注 闲置厂房 / 闲置仓库, and planned_action drawn as for other
    vacant parcels (planned_action()) without demolish, since the point is to reuse the building or site."""
    rng = random.Random(f"{seed}/idle-industry")
    zone_rings = [[to_local(*c) for c in cl["ring"]] for cl in controls] + \
        [z[k] for z in zones for k in ("core", "outer")]
    idle = []
    for region in REGIONS:
        cands = [p for p in parcels if p["region"] == region and p["land_use"][:4] in ("1001", "1101")
                 and not p.get("facility") and not p["core"] and not p["control"] and not p["vacant"]]
        cands.sort(key=lambda p: (p["build_year"], p["parcel_id"]))
        for p in cands:
            ring = [to_local(*c) for c in p["ring_out"]]
            if all(ring_distance(ring, z) >= IDLE_CLEARANCE_M for z in zone_rings):
                idle.append(p)
                break
    for p in idle:
        p.update(vacant=1, population=0, planned_action=weighted(rng, [("new_build", 70), ("renovate", 10)]),
                 remark="闲置厂房" if p["land_use"].startswith("1001") else "闲置仓库")
    return idle


def name_parcels(parcels):
    counters = {}
    for p in parcels:
        area = anchor_name(p["region"], p["centroid"])
        counters[area] = counters.get(area, 0) + 1
        p["anchor"] = area
        p["name"] = f"{area}片区地块{counters[area]}"


# ---------------------------------------------------------------------------------------------
# Facilities (placed on parcels whose land use they take over)
# ---------------------------------------------------------------------------------------------
FACILITY_PLAN = [  # category, land use, (yuzhong, jiangbei, nanan), capacity range, name suffixes
    ("elderly_care", "080701", (7, 2, 2), (30, 200), ["社区养老服务站", "颐养中心"]),
    ("childcare", "0702", (4, 2, 1), (40, 120), ["托育中心", "婴幼儿照护服务中心"]),
    ("kindergarten", "080404", (3, 1, 0), (180, 450), ["幼儿园"]),
    ("primary_school", "080403", (4, 2, 2), (900, 2400), ["小学", "实验小学"]),
    ("clinic", "0806", (7, 3, 3), (100, 300), ["社区卫生服务中心", "社区卫生服务站"]),
    ("community_canteen", "0702", (6, 2, 2), (80, 300), ["社区食堂", "老年食堂"]),
    ("market", "0901", (5, 2, 2), (100, 400), ["农贸市场", "菜市场"]),
    ("park", "1401", (6, 3, 2), (0, 0), ["口袋公园", "社区公园"]),
    ("sports", "1403", (3, 2, 2), (200, 1000), ["全民健身中心", "社区运动场"]),
]
REGIONS = ("yuzhong", "jiangbei", "nanan")

# Categories added after the first release of the data. They are placed after every parcel attribute
# is final, with their own random stream, on parcels whose land use already fits (0804 教育, or 0702
# 社区服务设施 not yet hosting a facility) and that are in use (not vacant, not to be demolished, not in a
# heritage core). Nothing about the parcels changes, so parcels, streets and constraints stay byte for byte
# what they were, and F001-F080 keep their ids; these follow them. The south bank gets few of them on
# purpose, so the coverage analysis has gaps to show there.
ADDED_FACILITY_PLAN = [  # category, host land use, (yuzhong, jiangbei, nanan), capacity range, spacing m,
    #                      residents within 300 m of the host at least
    ("middle_school", "0804", (2, 1, 1), (1200, 3000), 1500, 0),
    ("elderly_day_care", "0702", (5, 2, 1), (20, 60), 500, 9000),
    ("community_service", "0702", (6, 3, 2), (60, 240), 450, 9000),
]
MIDDLE_SCHOOL_NAMES = {"yuzhong": ["渝中区第三中学", "渝中区第六中学"], "jiangbei": ["江北区第五中学"],
                       "nanan": ["南岸区第七中学"]}
ADDED_SUFFIXES = {"elderly_day_care": ["老年人日间照料中心", "日间照料中心"],
                  "community_service": ["社区服务站", "便民服务站"]}
CAPACITY_UNITS = {"elderly_care": "beds", "childcare": "places", "kindergarten": "places",
                  "primary_school": "pupils", "middle_school": "pupils", "clinic": "daily visits",
                  "community_canteen": "seats", "market": "stalls", "park": "visitors (area / 25 m²)",
                  "sports": "visitors", "elderly_day_care": "places", "community_service": "daily visits"}


def facility_name(p, n, suffixes, used_names):
    """Nearest neighbourhood + suffix, falling back to the next neighbourhood, then 二部, 三部, ..."""
    near = [a for a, _ in sorted(ANCHOR_XY[p["region"]], key=lambda a: dist(a[1], p["centroid"]))][:2]
    options = [near[0] + suffixes[(n + m) % len(suffixes)] for m in range(len(suffixes))]
    options += [near[1] + suf for suf in suffixes] + [near[0] + suffixes[0] + f"（{k}部）" for k in "二三四五"]
    name = next(o for o in options if o not in used_names)
    used_names.add(name)
    return name


def pick_spaced(parcels, cands, count, spacing, chosen, taken):
    """Moves `count` candidates (in their shuffled order) into `chosen` and `taken`, each at least
    `spacing` metres from those already chosen; the spacing relaxes by 20 % when none is left."""
    while count > 0:
        ok = [c for c in cands if all(dist(parcels[c]["centroid"], parcels[o]["centroid"]) >= spacing
                                      for o in chosen)]
        if not ok:
            spacing *= 0.8
            continue
        chosen.append(ok[0])
        cands.remove(ok[0])
        taken.add(ok[0])
        count -= 1


def place_facilities(rng, parcels, ecos, reserved):
    facilities, used_names = [], set()
    taken = set(reserved)
    for eco in ecos:                                        # big parks on the ecological patches
        inside = [k for k, p in enumerate(parcels) if p["eco"] == eco["name"]]
        host = max(inside, key=lambda k: parcels[k]["area"])
        name = eco["name"].replace("生态保护区", "公园")
        facilities.append(dict(category="park", parcel=host, name=name, capacity=0,
                               area_m2=round(abs(ring_area(eco["ring"])), 1)))
        taken.update(inside)
        used_names.add(name)
    for category, lu, counts, cap, suffixes in FACILITY_PLAN:
        chosen = []
        for region, count in zip(REGIONS, counts):
            cands = [k for k, p in enumerate(parcels) if p["region"] == region and k not in taken
                     and not p["core"] and p["area"] >= (2600 if category in ("primary_school", "park") else 1200)]
            if category == "park":
                count -= sum(1 for f in facilities if f["category"] == "park" and parcels[f["parcel"]]["region"] == region)
            shuffle(rng, cands)
            spacing = 700 if category == "kindergarten" else 420
            pick_spaced(parcels, cands, count, spacing, chosen, taken)
        for n, k in enumerate(chosen):
            p = parcels[k]
            p["land_use"], p["facility"] = lu, category
            name = facility_name(p, n, suffixes, used_names)
            area = None
            if category == "park":
                area = round(max(2000.0, p["area"]), 1)
            elif category in ("primary_school", "kindergarten", "sports"):
                area = round(p["area"], 1)
            facilities.append(dict(category=category, parcel=k, name=name, capacity=int(uniform(rng, *cap)),
                                   area_m2=area))
    for f in facilities:
        p = parcels[f["parcel"]]
        p["facility"] = f["category"]
        p["land_use"] = "1401" if f["category"] == "park" else p["land_use"]
        if f["category"] == "park":
            f["capacity"] = int(f["area_m2"] / 25)
        p["remark"] = "配套设施：" + f["name"]
    order = {c[0]: i for i, c in enumerate(FACILITY_PLAN)}
    facilities.sort(key=lambda f: (order[f["category"]], REGIONS.index(parcels[f["parcel"]]["region"]), f["parcel"]))
    for n, f in enumerate(facilities, 1):
        f["facility_id"] = f"F{n:03d}"
        f["lonlat"] = to_lonlat(parcels[f["parcel"]]["centroid"])
    return facilities


def place_added_facilities(seed, parcels, facilities):
    """The ADDED_FACILITY_PLAN categories, appended after `facilities`; reads the parcels, never writes them."""
    rng = random.Random(f"{seed}/facilities-added")
    taken = {f["parcel"] for f in facilities}
    used_names = {f["name"] for f in facilities}
    residential = [p for p in parcels if p["land_use"].startswith("0701") and p["population"] > 0]
    added = []
    for category, lu, counts, cap, spacing0, min_residents in ADDED_FACILITY_PLAN:
        for region, count in zip(REGIONS, counts):
            cands = [k for k, p in enumerate(parcels) if p["region"] == region and k not in taken
                     and p["land_use"] == lu and not p.get("facility") and not p["core"] and not p["vacant"]
                     and p["planned_action"] != "demolish" and p["area"] >= (3000 if lu == "0804" else 2000)
                     and sum(q["population"] for q in residential
                             if dist(q["centroid"], p["centroid"]) <= 300) >= min_residents]
            shuffle(rng, cands)
            chosen, spacing = [], spacing0
            pick_spaced(parcels, cands, count, spacing, chosen, taken)
            for n, k in enumerate(sorted(chosen)):
                p = parcels[k]
                if category == "middle_school":
                    name = MIDDLE_SCHOOL_NAMES[region][n]
                    used_names.add(name)
                else:
                    name = facility_name(p, n, ADDED_SUFFIXES[category], used_names)
                added.append(dict(category=category, parcel=k, name=name, capacity=int(uniform(rng, *cap)),
                                  area_m2=round(p["area"], 1) if category == "middle_school" else None))
    order = {c[0]: i for i, c in enumerate(ADDED_FACILITY_PLAN)}
    added.sort(key=lambda f: (order[f["category"]], REGIONS.index(parcels[f["parcel"]]["region"]), f["parcel"]))
    for n, f in enumerate(added, len(facilities) + 1):
        f["facility_id"] = f"F{n:03d}"
        f["lonlat"] = to_lonlat(parcels[f["parcel"]]["centroid"])
    return added


# ---------------------------------------------------------------------------------------------
# Streets: grid streets, riverside expressways and promenades, steps, bridges
# ---------------------------------------------------------------------------------------------
def grid_streets(grids, lines, zones):
    """Street lines along the block corridors, merged per grid line; junctions share vertices."""
    streets, nodes = [], {}
    for grid in grids:
        kept = set(grid.cells)
        t_class, s_class, t_names, s_names, one_t, one_s = lines[grid.key]

        def node(i, j):
            key = (grid.key, i, j)
            if key not in nodes:
                nodes[key] = to_lonlat(grid.pos(grid.S[i], grid.T[j]))
            return nodes[key]

        def edge_props(a, b, cls, name, oneway):
            mid = lerp(to_local(*nodes[a]), to_local(*nodes[b]), 0.5)
            if cls != "trunk":
                for z in zones:
                    if point_in_ring(mid, z["core"]):
                        if z["id"] in ("HZ003", "HZ004"):
                            return "steps", z["name"][:3].replace("传", "") + "步道", 0
                        return "pedestrian", z["name"][:3].replace("及", "") + "步行街", 0
                if grid.key == "yz" and dist(mid, SITES["解放碑"]) < 190:
                    return "pedestrian", "解放碑步行街", 0
            return cls, name, int(oneway)

        runs = []
        for j in range(len(grid.T)):
            edges = [((grid.key, i, j), (grid.key, i + 1, j)) for i in range(len(grid.S) - 1)
                     if (i, j - 1) in kept or (i, j) in kept]
            runs.append((edges, t_class[j], t_names[j], one_t[j]))
        for i in range(len(grid.S)):
            edges = [((grid.key, i, j), (grid.key, i, j + 1)) for j in range(len(grid.T) - 1)
                     if (i - 1, j) in kept or (i, j) in kept]
            runs.append((edges, s_class[i], s_names[i], one_s[i]))
        for edges, cls, name, oneway in runs:
            current = None
            for a, b in edges:
                node(*a[1:]), node(*b[1:])
                props = edge_props(a, b, cls, name, oneway)
                if current and current["coords"][-1] == nodes[a] and current["props"] == props:
                    current["coords"].append(nodes[b])
                else:
                    current = {"props": props, "coords": [nodes[a], nodes[b]], "bridge": 0}
                    streets.append(current)
    for s in streets:
        s["class"], s["name"], s["oneway"] = s.pop("props")
    return streets


def riverside_streets():
    """Expressways on all four banks and promenades (footways) on the Yuzhong banks."""
    spec = [(JIALING, -1, 45, "expressway", "嘉陵江滨江路", (0, 300)),
            (JIALING, 1, 45, "expressway", "北滨路", (0, 1200)),
            (YANGTZE, 1, 45, "expressway", "长江滨江路", (0, -1000)),
            (YANGTZE, -1, 45, "expressway", "南滨路", (600, -1500)),
            (JIALING, -1, 76, "footway", "嘉陵江滨江步道", (0, 300)),
            (YANGTZE, 1, 76, "footway", "长江滨江步道", (0, -1000))]
    out = []
    for river, side, extra, cls, name, anchor in spec:
        run = bank_run(river, side, extra, extra + 20, anchor)
        coords = [to_lonlat(p) for p in run[::2]]
        if run[-1] != run[::2][-1]:
            coords.append(to_lonlat(run[-1]))
        if side < 0:   # keep a consistent downstream-on-the-left drawing direction per bank
            coords = coords[::-1]
        out.append({"class": cls, "name": name, "oneway": 0, "bridge": 0, "coords": coords})
    return out


def segment_hits_parcels(a, b, parcels):
    for p in parcels:
        ring = p["ring"]
        c = p["centroid"]
        if min(dist(a, c), dist(b, c)) > dist(a, b) + 200:
            continue
        for k in range(len(ring)):
            if segments_intersect(a, b, ring[k - 1], ring[k]):
                return True
    return False


def crosses_any(a, b, streets, allowed=("expressway", "footway")):
    for s in streets:
        pts = [to_local(*c) for c in s["coords"]]
        for c, d in zip(pts, pts[1:]):
            if a in (c, d) or b in (c, d):
                continue
            if segments_intersect(a, b, c, d) and s["class"] not in allowed:
                return True
    return False


def boundary_nodes(region, streets):
    """Vertices of grid streets in a region (candidates for bridge and step ends)."""
    out = {}
    for s in streets:
        if s["class"] in ("expressway", "footway", "steps") or s["bridge"]:
            continue
        for c in s["coords"]:
            p = to_local(*c)
            if classify(p) == region:
                out[c] = p
    return sorted(out.items())


BRIDGES = [("千厮门大桥", JIALING, 106.5800, "yuzhong", "jiangbei", "primary"),
           ("黄花园大桥", JIALING, 106.5650, "yuzhong", "jiangbei", "trunk"),
           ("东水门大桥", YANGTZE, 106.5840, "yuzhong", "nanan", "primary"),
           ("长江大桥", YANGTZE, 106.5630, "yuzhong", "nanan", "trunk")]


def add_bridges(streets, parcels):
    bridges = []
    for name, river, lon, r1, r2, cls in BRIDGES:
        x = to_local(lon, LAT0)[0]
        i = min(range(len(river.pts)), key=lambda k: abs(river.pts[k][0] - x) + (1e9 if not in_box(river.pts[k]) else 0))
        c, n, hw = river.pts[i], river.normal(i), river.hw[i]
        sides = {}
        for region in (r1, r2):
            side = 1 if classify((c[0] + n[0] * (hw + 150), c[1] + n[1] * (hw + 150))) == region else -1
            ideal = (c[0] + side * n[0] * (hw + 130), c[1] + side * n[1] * (hw + 130))
            sides[region] = sorted(boundary_nodes(region, streets), key=lambda kv: dist(kv[1], ideal))[:14]
        pairs = sorted(((a, b) for a in sides[r1] for b in sides[r2]),
                       key=lambda ab: dist(ab[0][1], ab[1][1]) + 0.5 * dist(lerp(ab[0][1], ab[1][1], 0.5), c))
        for (ca, pa), (cb, pb) in pairs:
            if crosses_any(pa, pb, streets + bridges) or segment_hits_parcels(pa, pb, parcels):
                continue
            bridges.append({"class": cls, "name": name, "oneway": 0, "bridge": 1, "coords": [ca, cb]})
            break
        else:
            raise SystemExit(f"could not place bridge {name}")
    return bridges


STEP_NAMES = ["储奇门步道", "望龙门步道", "石板坡步道", "南纪门步道", "凯旋路步道", "洪崖洞步道", "临江门步道", "大溪沟步道"]


def add_steps(rng, streets, parcels):
    """Stepped lanes (山城步道) from the street grid down to the riverside promenades."""
    promenades = {s["name"]: s for s in streets if s["class"] == "footway"}
    steps, starts = [], []
    plan = [("长江滨江步道", YANGTZE, 5), ("嘉陵江滨江步道", JIALING, 3)]
    for prom_name, river, wanted in plan:
        prom = [to_local(*c) for c in promenades[prom_name]["coords"]]
        cands = [(c, p) for c, p in boundary_nodes("yuzhong", streets) if river.clearance(p) < 260]
        cands.sort(key=lambda cp: (river.clearance(cp[1]), cp[0]))
        made = 0
        for c, p in cands:
            if made == wanted:
                break
            if any(dist(p, q) < 420 for q in starts):
                continue
            k = min(range(len(prom)), key=lambda m: dist(prom[m], p))
            q = prom[k]
            if not 25 < dist(p, q) < 230:
                continue
            u = ((q[0] - p[0]) / dist(p, q), (q[1] - p[1]) / dist(p, q))
            zig = [(p[0] + (q[0] - p[0]) * f - u[1] * w, p[1] + (q[1] - p[1]) * f + u[0] * w)
                   for f, w in ((0.35, uniform(rng, 8, 14)), (0.7, -uniform(rng, 8, 14)))]
            path = [p] + [to_local(*to_lonlat(z)) for z in zig] + [q]
            if any(crosses_any(a, b, streets + steps, allowed=()) or segment_hits_parcels(a, b, parcels)
                   for a, b in zip(path, path[1:])):
                continue
            coords = [c] + [to_lonlat(z) for z in zig] + [promenades[prom_name]["coords"][k]]
            steps.append({"class": "steps", "name": STEP_NAMES[len(steps)], "oneway": 0, "bridge": 0,
                          "coords": coords})
            starts.append(p)
            made += 1
    return steps


# ---------------------------------------------------------------------------------------------
# Control lines
# ---------------------------------------------------------------------------------------------
def green_belt(river, side, anchor):
    inner = bank_run(river, side, 62, 80, anchor)
    outer_all = river.offset(side, 100)
    idx = [river_index(river, side, 62, p) for p in (inner[0], inner[-1])]
    outer = outer_all[idx[0]: idx[1] + 1]
    ring = clip_ring_to_box(inner + outer[::-1])
    return ring if ring_area(ring) > 0 else ring[::-1]


def river_index(river, side, extra, p):
    pts = river.offset(side, extra)
    return min(range(len(pts)), key=lambda k: dist(pts[k], p))


def control_lines(zones, ecos, yellow_parcels):
    out = []
    for river, label in ((JIALING, "嘉陵江"), (YANGTZE, "长江")):
        out.append(("blue", f"{label}蓝线（含30米退让）", clip_ring_to_box(river.band(30.0))))
    for river, side, anchor, name in ((JIALING, -1, (0, 300), "嘉陵江滨江绿带（渝中段）"),
                                      (JIALING, 1, (0, 1200), "嘉陵江滨江绿带（江北段）"),
                                      (YANGTZE, 1, (0, -1000), "长江滨江绿带（渝中段）"),
                                      (YANGTZE, -1, (600, -1500), "长江滨江绿带（南岸段）")):
        out.append(("green", name, green_belt(river, side, anchor)))
    for z in zones:
        out.append(("purple", z["name"] + "保护界线", z["outer"]))
    for e in ecos:
        out.append(("ecological", e["name"], e["ring"]))
    for name, p in yellow_parcels:
        out.append(("yellow", name, expand_convex(p["ring"], -2.0)))    # the site, 2 m inside its parcel
    return [{"line_id": f"CL{n:03d}", "kind": k, "name": nm, "ring": [to_lonlat(c) for c in r]}
            for n, (k, nm, r) in enumerate(out, 1)]


# ---------------------------------------------------------------------------------------------
# Coordinate conversions for output: GCJ-02 (facilities.csv), Gauss-Krüger (parcels.shp)
# ---------------------------------------------------------------------------------------------
KRASOVSKY_A, KRASOVSKY_EE = 6378245.0, 0.00669342162296594323


def _gcj_waves(x, y, lat_like):
    """The sine part of the GCJ-02 offset; `lat_like` picks the latitude or longitude series."""
    w = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    if lat_like:
        w += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        w += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    else:
        w += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        w += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return w


def wgs84_to_gcj02(lon, lat):
    """Public GCJ-02 forward formula: polynomial + sine offset, scaled on the Krasovsky ellipsoid."""
    x, y = lon - 105.0, lat - 35.0
    north = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + _gcj_waves(x, y, True)
    east = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + _gcj_waves(x, y, False)
    phi = math.radians(lat)
    w = 1.0 - KRASOVSKY_EE * math.sin(phi) ** 2
    meridian_radius = KRASOVSKY_A * (1.0 - KRASOVSKY_EE) / (w * math.sqrt(w))
    parallel_radius = KRASOVSKY_A / math.sqrt(w) * math.cos(phi)
    return (lon + math.degrees(east / parallel_radius), lat + math.degrees(north / meridian_radius))


def gauss_kruger_108(lon, lat):
    """CGCS2000 lon/lat -> EPSG:4545 (TM, CM 108E, k=1, FE 500 km) by Krüger's n-series, mm."""
    f = 1 / 298.257222101
    n = f / (2 - f)
    big_a = 6378137.0 / (1 + n) * (1 + n ** 2 / 4 + n ** 4 / 64)
    alpha = [n / 2 - 2 * n ** 2 / 3 + 5 * n ** 3 / 16 + 41 * n ** 4 / 180,
             13 * n ** 2 / 48 - 3 * n ** 3 / 5 + 557 * n ** 4 / 1440,
             61 * n ** 3 / 240 - 103 * n ** 4 / 140,
             49561 * n ** 4 / 161280]
    e = 2 * math.sqrt(n) / (1 + n)
    phi, lam = math.radians(lat), math.radians(lon - 108.0)
    t = math.sinh(math.atanh(math.sin(phi)) - e * math.atanh(e * math.sin(phi)))
    xi0, eta0 = math.atan2(t, math.cos(lam)), math.atanh(math.sin(lam) / math.sqrt(1 + t * t))
    xi = xi0 + sum(a * math.sin(2 * j * xi0) * math.cosh(2 * j * eta0) for j, a in enumerate(alpha, 1))
    eta = eta0 + sum(a * math.cos(2 * j * xi0) * math.sinh(2 * j * eta0) for j, a in enumerate(alpha, 1))
    return (round(500000.0 + big_a * eta, 3), round(big_a * xi, 3))


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------
def wkt_polygon(rings, fmt):
    return "POLYGON (" + ", ".join("(" + ", ".join(fmt(c) for c in r + r[:1]) + ")" for r in rings) + ")"


def fmt_ll(c):
    return f"{c[0]:.7f} {c[1]:.7f}"


def write_ogr_csv(path, schema, rows):
    """CSV + CSVT input for ogr2ogr: first column WKT, then typed attribute columns."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["WKT"] + [name for name, _ in schema])
        for row in rows:
            w.writerow(row)
    with open(path[:-4] + ".csvt", "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(f'"{t}"' for t in ["WKT"] + [t for _, t in schema]) + "\n")


def ogr2ogr(*args):
    cmd = ["ogr2ogr", "--config", "OGR_CURRENT_DATE", OGR_CURRENT_DATE] + list(args)
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise SystemExit("ogr2ogr not found: install GDAL (Debian: apt-get install -y gdal-bin)")
    except subprocess.CalledProcessError as err:
        raise SystemExit(f"ogr2ogr failed: {' '.join(cmd)}\n{err.stderr}")


CSV_OPEN = ["-oo", "GEOM_POSSIBLE_NAMES=WKT", "-oo", "KEEP_GEOM_COLUMNS=NO"]
PARCEL_SCHEMA = [("parcel_id", "String(8)"), ("land_use", "String(6)"), ("population", "Integer(5)"),
                 ("build_year", "Integer(4)"), ("safety_grade", "String(1)"), ("far", "Real(6.2)"),
                 ("height_m", "Real(6.1)"), ("vacant", "Integer(1)"), ("planned_action", "String(10)"),
                 ("name", "String(40)"), ("备注", "String(60)")]


def write_parcels(work, final, parcels):
    rows = []
    for p in parcels:
        ring = [gauss_kruger_108(*c) for c in p["ring_out"]]
        rows.append([wkt_polygon([ring], lambda c: f"{c[0]:.3f} {c[1]:.3f}"), p["parcel_id"], p["land_use"],
                     p["population"], p["build_year"], p["safety_grade"], f"{p['far']:.2f}",
                     f"{p['height_m']:.1f}", p["vacant"], p["planned_action"], p["name"], p["remark"]])
    src = os.path.join(work, "parcels.csv")
    write_ogr_csv(src, PARCEL_SCHEMA, rows)
    ogr2ogr("-f", "ESRI Shapefile", os.path.join(final, "parcels.shp"), src, *CSV_OPEN, "-a_srs", "EPSG:4545",
            "-nln", "parcels", "-nlt", "POLYGON", "-lco", "ENCODING=GBK")
    os.remove(os.path.join(final, "parcels.cpg"))          # real-world GBK data often lacks it
    with open(os.path.join(final, "parcels.dbf"), "r+b") as fh:   # pin the DBF "last update" date
        fh.seek(1)
        fh.write(DBF_HEADER_DATE)


def write_constraints(work, final, zones, controls):
    gpkg = os.path.join(final, "planning_constraints.gpkg")
    hz_rows = []
    for z in zones:
        core = [to_lonlat(c) for c in z["core"]]
        outer = [to_lonlat(c) for c in z["outer"]]
        hz_rows.append([wkt_polygon([core], fmt_ll), f"{z['id']}-core", z["name"], "core", f"{z['h_core']:.1f}"])
        hz_rows.append([wkt_polygon([outer, core[::-1]], fmt_ll), f"{z['id']}-control", z["name"], "control",
                        f"{z['h_ctrl']:.1f}"])
    cl_rows = [[wkt_polygon([cl["ring"]], fmt_ll), cl["line_id"], cl["kind"],
                cl["name"]] for cl in controls]
    layers = [("heritage_zones", [("zone_id", "String(16)"), ("name", "String(40)"), ("level", "String(8)"),
                                  ("height_limit_m", "Real(5.1)")], hz_rows),
              ("control_lines", [("line_id", "String(8)"), ("kind", "String(12)"), ("name", "String(40)")], cl_rows)]
    for n, (layer, schema, rows) in enumerate(layers):
        src = os.path.join(work, layer + ".csv")
        write_ogr_csv(src, schema, rows)
        ogr2ogr(*(["-update"] if n else []), "-f", "GPKG", gpkg, src, *CSV_OPEN, "-a_srs", "EPSG:4490",
                "-nln", layer, "-nlt", "POLYGON", "-lco", "GEOMETRY_NAME=geom")
    return hz_rows, cl_rows


def write_facilities(final, facilities):
    with open(os.path.join(final, "facilities.csv"), "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["facility_id", "category", "name", "capacity", "area_m2", "lon", "lat"])
        for f in facilities:
            lon, lat = wgs84_to_gcj02(*f["lonlat"])
            w.writerow([f["facility_id"], f["category"], f["name"], f["capacity"],
                        "" if f["area_m2"] is None else f"{f['area_m2']:.1f}", f"{lon:.7f}", f"{lat:.7f}"])


def write_streets(final, streets):
    lines = []
    for s in streets:
        props = json.dumps({"street_id": s["street_id"], "class": s["class"], "name": s["name"],
                            "bridge": s["bridge"], "oneway": s["oneway"]}, ensure_ascii=False)
        coords = ",".join(f"[{c[0]:.7f},{c[1]:.7f}]" for c in s["coords"])
        lines.append(f'{{"type":"Feature","properties":{props},'
                     f'"geometry":{{"type":"LineString","coordinates":[{coords}]}}}}')
    with open(os.path.join(final, "streets.geojson"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n")


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
def validate(parcels, facilities, streets, zones, controls, bowtie_id):
    errors = []
    for p in parcels:
        ring = [to_local(*c) for c in p["ring_out"]]
        bad = ring_problems(ring)
        if (p["parcel_id"] == bowtie_id) != ("self-intersection" in bad):
            errors.append(f"parcel {p['parcel_id']}: unexpected validity {bad}")
        elif p["parcel_id"] != bowtie_id and bad:
            errors.append(f"parcel {p['parcel_id']}: {bad}")
        if any(water_clearance(c) < 0 for c in ring + [p["centroid"]]):
            errors.append(f"parcel {p['parcel_id']} in a river")
    for f in facilities:
        if water_clearance(to_local(*f["lonlat"])) < 0:
            errors.append(f"facility {f['facility_id']} in a river")
        if f["category"] == "park" and not 2000 <= f["area_m2"] <= 60000:
            errors.append(f"park {f['facility_id']} area {f['area_m2']} outside 2,000-60,000 m2")
    for z in zones:
        for ring in (z["core"], z["outer"]):
            errors += [f"zone {z['id']}: {b}" for b in ring_problems([to_local(*to_lonlat(c)) for c in ring])]
    for a in zones:
        for b in zones:
            if a["id"] < b["id"] and any(point_in_ring(c, b["outer"]) for c in a["outer"]) or \
                    any(point_in_ring(c, a["outer"]) for c in b["outer"]) and a["id"] < b["id"]:
                errors.append(f"heritage zones {a['id']} and {b['id']} overlap")
    for cl in controls:
        errors += [f"{cl['line_id']}: {b}" for b in ring_problems([to_local(*c) for c in cl["ring"]])]
    # streets: out of the water (bridges excepted), crossings only at shared vertices or bridge-over
    for s in streets:
        pts = [to_local(*c) for c in s["coords"]]
        if len(set(s["coords"])) != len(s["coords"]):
            errors.append(f"street {s['street_id']} repeats a vertex")
        if not s["bridge"]:
            for a, b in zip(pts, pts[1:]):
                if any(water_clearance(lerp(a, b, k / 8)) < 0 for k in range(9)):
                    errors.append(f"street {s['street_id']} in a river")
                    break
    cells, segs = {}, []
    for s in streets:
        for a, b in zip(s["coords"], s["coords"][1:]):
            pa, pb = to_local(*a), to_local(*b)
            segs.append((s, a, b, pa, pb))
            for gx in range(int(min(pa[0], pb[0]) // 100), int(max(pa[0], pb[0]) // 100) + 1):
                for gy in range(int(min(pa[1], pb[1]) // 100), int(max(pa[1], pb[1]) // 100) + 1):
                    cells.setdefault((gx, gy), []).append(len(segs) - 1)
    crossings, bridge_over_expressway = set(), 0
    for members in cells.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                s1, a1, b1, p1, q1 = segs[members[x]]
                s2, a2, b2, p2, q2 = segs[members[y]]
                if {a1, b1} & {a2, b2} or not segments_intersect(p1, q1, p2, q2):
                    continue
                pair = tuple(sorted((s1["street_id"], s2["street_id"])))
                if pair in crossings:
                    continue
                crossings.add(pair)
                kinds = {s1["class"], s2["class"]}
                if (s1["bridge"] or s2["bridge"]) and kinds & {"expressway", "footway"}:
                    bridge_over_expressway += "expressway" in kinds
                else:
                    errors.append(f"streets {pair} cross without a shared vertex")
    if not bridge_over_expressway:
        errors.append("no expressway passes under a bridge")
    vertex_use = {}
    for s in streets:
        if not s["bridge"]:
            for c in s["coords"]:
                vertex_use[c] = True
    for s in streets:
        if s["bridge"]:
            ends = [s["coords"][0], s["coords"][-1]]
            if not all(e in vertex_use for e in ends) or classify(to_local(*ends[0])) == classify(to_local(*ends[1])):
                errors.append(f"bridge {s['name']} is not joined to both banks")
    if errors:
        raise SystemExit("validation failed:\n  " + "\n  ".join(errors[:40]))
    return bridge_over_expressway


# ---------------------------------------------------------------------------------------------
# Assembly, summary, README
# ---------------------------------------------------------------------------------------------
def count(items, key):
    out = {}
    for it in items:
        out[key(it)] = out.get(key(it), 0) + 1
    return dict(sorted(out.items()))


def build(seed):
    grids = make_grids(seed)
    zones, ecos = make_heritage(), make_ecological()
    blocks, parcels, lines = build_blocks_and_parcels(seed, grids)
    rng, monument = assign_attributes(seed, parcels, zones, ecos)
    name_parcels(parcels)
    # yellow-line infrastructure sites (substations), taken before facilities
    yellow = []
    for name, lon, lat, region in (("大溪沟110千伏变电站", 106.5600, 29.5640, "yuzhong"),
                                   ("弹子石110千伏变电站", 106.5930, 29.5560, "nanan")):
        p = min((p for p in parcels if p["region"] == region and not p["core"] and not p["eco"]),
                key=lambda p: dist(p["centroid"], to_local(lon, lat)))
        p.update(land_use="1001", remark="变电站（黄线控制）", facility="substation")
        yellow.append((name + "黄线", p))
    reserved = {k for k, p in enumerate(parcels) if p is monument or p.get("facility")}
    facilities = place_facilities(rng, parcels, ecos, reserved)
    # the one deliberate demolition inside a heritage core (Shibati if a parcel lies wholly in it)
    shibati = next(z["centre"] for z in zones if z["id"] == "HZ003")
    zone_of = {z["id"]: z for z in zones}
    demo = min((p for p in parcels if p["core"] and p["land_use"] != "1504" and not p.get("facility")
                and all(point_in_ring(c, zone_of[p["core"]]["core"]) for c in p["ring"])),
               key=lambda p: (p["core"] != "HZ003", dist(p["centroid"], shibati)))
    demo["land_use"] = "0701"
    finish_attributes(rng, parcels, zones)
    demo.update(planned_action="demolish", safety_grade="D", remark="核心保护范围内拟拆除（冲突示例）")
    # the one deliberate bow-tie: an ordinary residential parcel digitised with two corners swapped
    plain = [p for p in parcels if p["region"] == "yuzhong" and p["land_use"] == "070102" and not p["core"]
             and not p["control"] and not p.get("facility") and dist(p["centroid"], SITES["解放碑"]) > 600]
    bowtie = min(plain, key=lambda p: dist(p["centroid"], SITES["解放碑"]))
    for p in parcels:
        p["ring_out"] = [to_lonlat(c) for c in p["ring"]]
    for block in blocks:
        snap_t_junctions([p for p in parcels if p["block"] == block["id"] and p is not bowtie])
    ordered = [p for p in parcels if p is not bowtie] + [bowtie]
    for n, p in enumerate(ordered, 1):
        p["parcel_id"] = f"YZ{n:04d}"
    bowtie_id = "YZ9999"
    bowtie["parcel_id"] = bowtie_id
    r = bowtie["ring_out"]
    bowtie["ring_out"] = [r[0], r[1], r[3], r[2]]
    bowtie["remark"] = "几何自相交（示例）"
    # streets
    streets = grid_streets(grids, lines, zones)
    streets += riverside_streets()
    streets += add_steps(random.Random(f"{seed}/steps"), streets, parcels)
    streets += add_bridges(streets, parcels)
    for n, s in enumerate(streets, 1):
        s["street_id"] = f"S{n:04d}"
    facilities += place_added_facilities(seed, parcels, facilities)
    controls = control_lines(zones, ecos, yellow)
    idle = make_idle_industry(seed, ordered, zones, controls)
    under = validate(ordered, facilities, streets, zones, controls, bowtie_id)
    return dict(parcels=ordered, facilities=facilities, streets=streets, zones=zones, controls=controls,
                bowtie=bowtie, demolish=demo, idle=idle, parcels_by_idx=parcels, yellow=yellow, monument=monument,
                crossings=under)


def summary(data):
    parcels, streets, facilities = data["parcels"], data["streets"], data["facilities"]
    res = sum(1 for p in parcels if p["land_use"].startswith("0701"))
    over = sum(1 for p in parcels if p["control"] and p["height_m"] > next(z["h_ctrl"] for z in data["zones"]
                                                                            if z["id"] == p["control"]))
    lines = [
        f"parcels: {len(parcels)} (residential 0701*: {res} = {100 * res / len(parcels):.1f} %, "
        f"population {sum(p['population'] for p in parcels)})",
        f"  by region: {count(parcels, lambda p: p['region'])}",
        f"  by land_use: {count(parcels, lambda p: p['land_use'])}",
        f"  by safety_grade: {count(parcels, lambda p: p['safety_grade'])}",
        f"  by planned_action: {count(parcels, lambda p: p['planned_action'])}",
        f"  vacant: {sum(p['vacant'] for p in parcels)}; in heritage cores: {sum(1 for p in parcels if p['core'])}; "
        f"in control rings: {sum(1 for p in parcels if p['control'])} ({over} above the ring's height limit)",
        f"  bow-tie parcel: {data['bowtie']['parcel_id']}; demolish in core: {data['demolish']['parcel_id']} "
        f"({data['demolish']['core']}); idle industry: "
        f"{', '.join(p['parcel_id'] + ' ' + p['planned_action'] for p in data['idle'])}",
        f"facilities: {len(facilities)}",
        f"  by category: {count(facilities, lambda f: f['category'])}",
        f"  kindergartens by region: "
        f"{count([f for f in facilities if f['category'] == 'kindergarten'], lambda f: data['parcels_by_idx'][f['parcel']]['region'])}",
        *[f"  {c[0]} by region: "
          f"{count([f for f in facilities if f['category'] == c[0]], lambda f: data['parcels_by_idx'][f['parcel']]['region'])}"
          for c in ADDED_FACILITY_PLAN],
        f"heritage_zones: {2 * len(data['zones'])} features ({len(data['zones'])} districts)",
        f"control_lines: {len(data['controls'])} {count(data['controls'], lambda c: c['kind'])}",
        f"streets: {len(streets)} {count(streets, lambda s: s['class'])}",
        f"  bridges: {', '.join(s['name'] for s in streets if s['bridge'])}; "
        f"bridge-over-expressway crossings (no shared vertex): {data['crossings']}",
    ]
    return lines


def generate(seed, final):
    """Build everything and write the output files into the (empty) directory `final`."""
    data = build(seed)
    with tempfile.TemporaryDirectory(prefix="gen_sample_work_") as work:
        write_parcels(work, final, data["parcels"])
        write_constraints(work, final, data["zones"], data["controls"])
    write_facilities(final, data["facilities"])
    write_streets(final, data["streets"])
    return data


def sha256(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def field_table(rows):
    return "\n".join(["| field | type | meaning |", "| --- | --- | --- |"] +
                     [f"| `{a}` | {b} | {c} |" for a, b, c in rows])


def readme(data, seed, hashes):
    parcels, facilities, streets = data["parcels"], data["facilities"], data["streets"]
    by_idx = data["parcels_by_idx"]
    kg = count([f for f in facilities if f["category"] == "kindergarten"], lambda f: by_idx[f["parcel"]]["region"])
    demo, bowtie = data["demolish"], data["bowtie"]
    demo_zone = next(z for z in data["zones"] if z["id"] == demo["core"])
    limit = {z["id"]: z["h_ctrl"] for z in data["zones"]}
    n_res = sum(1 for p in parcels if p["land_use"].startswith("0701"))
    n_core = sum(1 for p in parcels if p["core"])
    n_over = sum(1 for p in parcels if p["control"] and p["height_m"] > limit[p["control"]])
    fmt = lambda d: ", ".join(f"{k} {v}" for k, v in d.items())
    idle = data["idle"]
    idle_ids = ", ".join(f"`{p['parcel_id']}`" for p in idle)
    idle_list = "\n".join(f"  * `{p['parcel_id']}` {p['name']}: {p['land_use']}, {p['region']}, built {p['build_year']}, "
                           f"safety grade {p['safety_grade']}, `{p['planned_action']}`" for p in idle)
    other = [p for p in parcels if p["land_use"][:4] in ("1001", "1101") and p["vacant"] and p not in idle]
    idle_other = ("\n\n  Vacancy is otherwise a random draw (more likely for factories, warehouses and C/D-grade "
                  "buildings), so\n  " + " and ".join(f"`{p['parcel_id']}`" for p in other) +
                  f" ({'/'.join(sorted({p['land_use'] for p in other}))}) are vacant too, with `"
                  + "`/`".join(sorted({p['planned_action'] for p in other})) + "` and 备注 `闲置`.") if other else ""
    categories = [c[0] for c in FACILITY_PLAN] + [c[0] for c in ADDED_FACILITY_PLAN]
    host_lu = {c[0]: c[1] for c in FACILITY_PLAN + ADDED_FACILITY_PLAN}
    by_region = count(facilities, lambda f: (f["category"], by_idx[f["parcel"]]["region"]))
    n_first = sum(1 for f in facilities if f["category"] in {c[0] for c in FACILITY_PLAN})
    anchor_of = lambda cat, region: ", ".join(by_idx[f["parcel"]]["anchor"] for f in facilities
                                              if f["category"] == cat and by_idx[f["parcel"]]["region"] == region)
    table = lambda head, rows: "\n".join(["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)] +
                                         ["| " + " | ".join(r) + " |" for r in rows])
    return f"""# GeoData — synthetic sample data for RenewalGIS (渝中, Chongqing)

Synthetic but plausible urban-renewal data for the Yuzhong peninsula (渝中半岛) between the Jialing
River (嘉陵江, north) and the Yangtze (长江, south), which meet at Chaotianmen (朝天门), with riverside
strips of Jiangbei (江北, north bank) and Nan'an (南岸, south bank). Study area: lon 106.555–106.598,
lat 29.538–29.582. **The geography is loosely modelled on Yuzhong, not surveyed**: rivers are smooth
bands 340–520 m wide, street blocks are curved grids, every attribute is invented.

**Licence:** generated by this project and released under **CC0 1.0** (public domain dedication,
https://creativecommons.org/publicdomain/zero/1.0/). No third-party data was used.

## How it was made

```
python3 scripts/gen_sample_data.py --seed {seed} --out GeoData    # writes every file here, this one too
python3 scripts/gen_sample_data.py --check                        # regenerate in a temp dir, compare bytes
```

Python 3 standard library plus `ogr2ogr` (Debian `gdal-bin`) for the Shapefile and GeoPackage. The same
seed gives byte-identical files with the same GDAL/SQLite build (verified by sha256 over two runs). Pinned:
the DBF header date (2025-11-23, patched after GDAL writes today's date) and `OGR_CURRENT_DATE`
(`gpkg_contents.last_change`). Another GDAL/PROJ/SQLite version may write a different `.prj` text or
GeoPackage page layout; then `--check` reports those files and you regenerate. All geometry is computed in
a local metric frame and rounded to 1e-7° CGCS2000 lon/lat (Shapefile: projected in the script with the
Krüger series, rounded to 1 mm).

## Files

| file | format | CRS | encoding | features | import flags |
| --- | --- | --- | --- | --- | --- |
| `parcels.shp` (+`.shx` `.dbf` `.prj`) | ESRI Shapefile, Polygon | EPSG:4545 | **GBK, no `.cpg`, LDID byte 0** | {len(parcels)} | `--encoding GBK` |
| `planning_constraints.gpkg` → `heritage_zones` | GeoPackage, Polygon | EPSG:4490 | UTF-8 | {2 * len(data["zones"])} | — |
| `planning_constraints.gpkg` → `control_lines` | GeoPackage, Polygon | EPSG:4490 | UTF-8 | {len(data["controls"])} | — |
| `facilities.csv` | CSV, points as `lon`,`lat` columns | **GCJ-02** | UTF-8, no BOM | {len(facilities)} | `--crs GCJ02` |
| `streets.geojson` | GeoJSON (RFC 7946), LineString | WGS84 lon/lat (= CGCS2000 to < 1 m) | UTF-8 | {len(streets)} | — |

`project.yaml` is the batch project `make demo` runs (`renewalgis run GeoData/project.yaml`): it names these
files with their CRS, encoding and field renames, and the settings of each stage. It is written by hand,
not by this generator, and is part of this project (CC0 like the data).

### parcels.shp — land parcels (地块)

Street blocks on three curved grids, each split into 2–8 quadrilateral parcels. Polygons are valid, except
one deliberate bow-tie (see below). GDAL writes Shapefile rings clockwise (outer) as the format requires.
The `.dbf` is GBK without a `.cpg` and with language-driver byte 0, as real data often arrives:
open it with `--encoding GBK` (GDAL: `-oo ENCODING=GBK`); without it Chinese text comes out garbled.
DBF field names are at most 10 bytes, so **GDAL truncates two names**: `safety_grade` → `safety_gra` and
`planned_action` → `planned_ac` (map them back on import).

{field_table([
        ("parcel_id", "C(8)", "`YZ0001`…; the bow-tie parcel is `YZ9999` (last record)"),
        ("land_use", "C(6)", "用地用海分类 (2023) code, text with leading zero: 0701 城镇住宅 (070101 一类, 070102 二类), "
         "0702 社区服务设施, 0801 机关团体, 0804 教育 (080403 中小学, 080404 幼儿园), 0806 医疗卫生, 080701 老年人社会福利, "
         "0901 商业, 0902 商务金融, 1001 工业 (incl. the two substation sites), 1101 物流仓储, 1207 城镇道路, 1401 公园绿地, "
         "1402 防护绿地, 1403 广场, 1504 文物古迹"),
        ("population", "N(5)", "residents (persons); 0 unless land_use starts with 0701 and the parcel is not vacant"),
        ("build_year", "N(4)", "main building's year, 1950–2020 (older near 解放碑/朝天门 and in heritage districts)"),
        ("safety_gra", "C(1)", "`safety_grade`: building safety appraisal A (safe) … D (dangerous)"),
        ("far", "N(6,2)", "floor-area ratio (容积率)"),
        ("height_m", "N(6,1)", "building height, metres"),
        ("vacant", "N(1)", "1 = vacant / disused, 0 = in use"),
        ("planned_ac", "C(10)", "`planned_action`: retain / renovate / demolish / new_build"),
        ("name", "C(40)", "e.g. 解放碑片区地块12 (片区 = nearest neighbourhood)"),
        ("备注", "C(60)", "remarks (GBK field name, 4 bytes); often empty, which GDAL reads as NULL"),
    ])}

Neighbouring parcels share identical boundary vertices (no slivers or overlaps). Counts by region:
{fmt(count(parcels, lambda p: p["region"]))}; residential (0701*) {n_res} = {100 * n_res / len(parcels):.0f} %,
total population {sum(p["population"] for p in parcels)}; vacant {sum(p["vacant"] for p in parcels)}.

* land_use: {fmt(count(parcels, lambda p: p["land_use"]))}
* planned_action: {fmt(count(parcels, lambda p: p["planned_action"]))}
* safety_grade: {fmt(count(parcels, lambda p: p["safety_grade"]))}

Deliberate cases for the tests and demos:

* **`{bowtie["parcel_id"]}` — self-intersecting (bow-tie) polygon**, {bowtie["name"]}: an ordinary
  residential parcel digitised with two corners swapped (备注 `几何自相交（示例）`). The importer repairs
  and counts it; it is the only invalid geometry in the data.
* **`{demo["parcel_id"]}` — the only `demolish` inside a heritage core**, {demo["name"]} in
  {demo_zone["id"]} {demo_zone["name"]}: wholly inside the core polygon, safety grade D,
  备注 `核心保护范围内拟拆除（冲突示例）` — the conflict-analysis demo. Every other parcel that touches a core
  polygon ({n_core - 1} of them) is `retain`.
* **{idle_ids} — idle factories and warehouses (闲置厂房、仓库)** for the conversion-eligibility demo
  (which idle industrial parcels may become elderly care?): per region, the oldest in-use 1001/1101 parcel at
  least {IDLE_CLEARANCE_M:g} m from every control line and every heritage core and control ring. Each has
  `vacant` 1, population 0, 备注 `闲置厂房` / `闲置仓库`, and a `planned_action` drawn as for other vacant
  parcels, but never `demolish`:
{idle_list}{idle_other}
* {n_over} parcels touching a control ring are taller than that ring's `height_limit_m` (existing buildings).

### planning_constraints.gpkg

`heritage_zones` — {len(data["zones"])} historic districts on the Yangtze side of the peninsula, each as a
`core` polygon and a `control` ring (polygon with the core as its hole) around it:

{field_table([
        ("zone_id", "text", "`HZ001-core`, `HZ001-control`, …"),
        ("name", "text", "district name"),
        ("level", "text", "`core` (核心保护范围) or `control` (建设控制地带)"),
        ("height_limit_m", "real", "maximum building height, metres"),
    ])}

{chr(10).join(f"* {z['id']} {z['name']}: core {z['h_core']:g} m, control {z['h_ctrl']:g} m" for z in data["zones"])}

`control_lines` — planning control lines (控制线):

{field_table([
        ("line_id", "text", "`CL001`…"),
        ("kind", "text", "`blue` 蓝线 (river + 30 m setback, clipped to the study area), `green` 绿线 (riverside "
         "green belts 62–100 m from the water), `purple` 紫线 (outer boundary of each heritage district, core ∪ "
         "control), `ecological` 生态保护 (hill parks 枇杷山, 涂山), `yellow` 黄线 (two substation sites, each 2 m inside its parcel)"),
        ("name", "text", "Chinese name"),
    ])}

Counts by kind: {fmt(count(data["controls"], lambda c: c["kind"]))}.

### facilities.csv — public service facilities (points)

Columns `facility_id,category,name,capacity,area_m2,lon,lat`; **lon/lat are GCJ-02** (Amap/高德 offset,
about 480 m from CGCS2000 here), 7 decimals: import with `--crs GCJ02`. Each facility lies at the centroid
(in CGCS2000) of a parcel whose land use matches it. Standard CSV quoting, `\\n` line ends.

{field_table([
        ("facility_id", "text", "`F001`…"),
        ("category", "text", ", ".join(categories)),
        ("name", "text", "e.g. 较场口幼儿园"),
        ("capacity", "integer", "by category: " + "; ".join(f"{c} {CAPACITY_UNITS[c]}" for c in categories)),
        ("area_m2", "real", "site area, m²: parks 2,000–60,000; schools (primary and middle), kindergartens, "
         "sports sites; **empty** for the other categories"),
        ("lon, lat", "real", "GCJ-02 degrees"),
    ])}

Counts by category: {fmt(count(facilities, lambda f: f["category"]))} ({len(facilities)} in all).
By region:

{table(["category", "yuzhong", "jiangbei", "nanan", "host land use"],
           [[c] + [str(by_region.get((c, r), 0)) for r in REGIONS] + [host_lu[c]] for c in categories])}

Facilities `F001`–`F{n_first:03d}` ({", ".join(c[0] for c in FACILITY_PLAN)}) each took
over their parcel: its land use was set to the category's (above) and its 备注 reads `配套设施：` + the
facility name. **`F{n_first + 1:03d}`–`F{len(facilities):03d}` ({", ".join(c[0] for c in ADDED_FACILITY_PLAN)}) were
added later without touching the parcels**: they sit on parcels that already had a fitting land use (0804
教育 for middle schools, 0702 社区服务设施 for day-care centres and service stations), are in use (not vacant,
not `demolish`, not in a heritage core) and, for the two 5-minute categories, have at least 9,000 residents
within 300 m; their parcels' 备注 does not name them. Middle school names are invented (district + number).

Deliberately sparse:

* **kindergartens** — {fmt(kg)}: three on the peninsula, one on the north bank and **none on the south
  bank (南岸)**, whose residential parcels therefore have no kindergarten on their side of the river.
* **5-minute services and middle schools on the south bank (南岸)**, a riverside strip about 5.5 km long:
  {by_region.get(("elderly_day_care", "nanan"), 0)} elderly day-care centre, {by_region.get(("community_service", "nanan"), 0)} community service stations and {by_region.get(("middle_school", "nanan"), 0)} middle school
  (at {anchor_of("middle_school", "nanan")}). Most of its residents have neither 5-minute service within 300 m,
  and its western end (海棠溪, 铜元局) has no middle school within 1,000 m. Neither has the peninsula's
  eastern end (解放碑, 朝天门: offices and shops, few residents).

### streets.geojson — street centre lines

One feature per line, `properties` `street_id` (`S0001`…), `class`, `name` (Chinese), `bridge` (1 = bridge),
`oneway` (1 = one-way in drawing direction). Classes: {fmt(count(streets, lambda s: s["class"]))}.

* Streets are **noded**: where streets meet they share an exact vertex, often an interior vertex of a
  longer line (OSM-style), so split lines at shared vertices to build a network. Crossing lines without a
  shared vertex are not connected.
* Riverside expressways on all four banks (嘉陵江滨江路, 北滨路, 长江滨江路, 南滨路; not walkable) and riverside
  promenades (`footway`) on both banks of the peninsula; `steps` are 山城步道 from the street grid down to
  the promenades, and the stepped lanes of 十八梯 and 山城巷.
* Bridges (`bridge`=1, class trunk or primary): {", ".join(s["name"] for s in streets if s["bridge"])}.
  Their ends are vertices of streets on both banks; they pass over the expressways and promenades
  **without** a shared vertex ({data["crossings"]} bridge–expressway crossings).
* The walkable network (everything but `expressway`) is one connected component; the expressways have
  no ramps. No street except the bridges touches a river.

## sha256

```
{chr(10).join(f"{h}  {n}" for n, h in hashes)}
```
"""


def compare(new_dir, old_dir):
    names = sorted((set(os.listdir(new_dir)) | set(os.listdir(old_dir) if os.path.isdir(old_dir) else [])) - set(HAND_WRITTEN))
    bad = []
    for name in names:
        a, b = os.path.join(new_dir, name), os.path.join(old_dir, name)
        if not os.path.exists(b):
            bad.append(f"missing in {old_dir}: {name}")
        elif not os.path.exists(a):
            bad.append(f"not produced by the generator: {name}")
        elif sha256(a) != sha256(b):
            bad.append(f"differs: {name}")
    for line in bad:
        print(line)
    print("check: " + ("FAILED" if bad else f"OK, {len(names)} files byte-identical"))
    return 1 if bad else 0


def install(new_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    stems = {n.split(".")[0] for n in OUTPUT_FILES if n != "README.md"}
    for name in os.listdir(out_dir):         # stale outputs of ours, e.g. a parcels.cpg
        if name.split(".")[0] in stems and name not in OUTPUT_FILES:
            os.remove(os.path.join(out_dir, name))
    for name in OUTPUT_FILES:
        shutil.copyfile(os.path.join(new_dir, name), os.path.join(out_dir, name))


def main(argv=None):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", default=os.path.join(repo, "GeoData"), help="output directory (default: GeoData)")
    ap.add_argument("--check", action="store_true", help="regenerate in a temp dir and compare with --out")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gen_sample_data_") as tmp:
        data = generate(args.seed, tmp)
        hashes = [(n, sha256(os.path.join(tmp, n))) for n in OUTPUT_FILES if n != "README.md"]
        with open(os.path.join(tmp, "README.md"), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(readme(data, args.seed, hashes))
        produced = sorted(os.listdir(tmp))
        if produced != sorted(OUTPUT_FILES):
            raise SystemExit(f"unexpected output files: {produced}")
        if args.check:
            return compare(tmp, args.out)
        install(tmp, args.out)
    print("\n".join(summary(data)))
    for name, digest in hashes:
        print(f"{digest}  {name}")
    print(f"wrote {len(OUTPUT_FILES)} files to {args.out} (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
