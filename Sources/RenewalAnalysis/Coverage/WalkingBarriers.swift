import Foundation
import GeoKernel

/// What a straight attachment leg (parcel or facility → street) may not cross: water areas
/// (rivers, lakes, the sea; blue lines) and lines (waterways, coastlines, walls, fences). Metric CRS (m).
///
/// A leg is refused when it properly crosses a line, or when it goes into a water area and out
/// again over more than `minimumWaterCrossing` metres (it crosses the water). A leg that only
/// starts or ends inside a water area (a quay, a bridge end over the bank) is not refused.
/// Crossings within `endTolerance` of a leg's ends are not counted (a point on a bank line).
public struct WalkingBarriers: Sendable {
    public var areas: [Geometry]
    public var lines: [[Position]]
    public var minimumWaterCrossing = 1.0
    public var endTolerance = 0.5

    /// Segments of every area ring and line: ends, and the area they bound (−1 for a line).
    var segA: [Position] = [], segB: [Position] = [], segArea: [Int32] = []
    var rings: [[[Position]]] = []
    var index: GridIndex

    public var isEmpty: Bool { segA.isEmpty }

    public init(areas: [Geometry] = [], lines: [[Position]] = []) {
        self.areas = areas
        self.lines = lines
        var a: [Position] = [], b: [Position] = [], owner: [Int32] = [], rings: [[[Position]]] = []
        for (k, area) in areas.enumerated() {
            let areaRings = PlanarRing.orientedRings(area)
            rings.append(areaRings)
            for ring in areaRings where ring.count >= 2 {
                for (p, q) in zip(ring, ring.dropFirst() + [ring[0]]) where p != q { a.append(p); b.append(q); owner.append(Int32(k)) }
            }
        }
        for line in lines {
            for (p, q) in zip(line, line.dropFirst()) where p != q { a.append(p); b.append(q); owner.append(-1) }
        }
        segA = a; segB = b; segArea = owner; self.rings = rings
        index = GridIndex(envelopes: a.indices.map { i in
            Envelope(minX: min(a[i].x, b[i].x), minY: min(a[i].y, b[i].y), maxX: max(a[i].x, b[i].x), maxY: max(a[i].y, b[i].y))
        }, cellSize: 50)
    }

    /// Whether the straight leg from `p` to `q` crosses a line or a water area (see the type's rule).
    public func blocks(_ p: Position, _ q: Position) -> Bool {
        guard !segA.isEmpty else { return false }
        let length = hypot(q.x - p.x, q.y - p.y)
        guard length > 0 else { return false }
        var candidates: [Int] = []
        index.query(Envelope(minX: min(p.x, q.x), minY: min(p.y, q.y), maxX: max(p.x, q.x), maxY: max(p.y, q.y)), into: &candidates)
        guard !candidates.isEmpty else { return false }
        let eps = endTolerance / length
        var crossingsByArea: [Int32: [Double]] = [:]
        let dx = q.x - p.x, dy = q.y - p.y
        for s in candidates {
            let a = segA[s], b = segB[s]
            let ex = b.x - a.x, ey = b.y - a.y
            let denom = dx * ey - dy * ex
            guard denom != 0 else { continue }   // parallel: touching along, not crossing
            let t = ((a.x - p.x) * ey - (a.y - p.y) * ex) / denom
            let u = ((a.x - p.x) * dy - (a.y - p.y) * dx) / denom
            guard u >= 0, u <= 1, t > eps, t < 1 - eps else { continue }
            if segArea[s] < 0 { return true }
            crossingsByArea[segArea[s], default: []].append(t)
        }
        for (area, ts) in crossingsByArea {
            let sorted = ts.sorted()
            // Inside water at p? Then the intervals inside are [0, t0], [t1, t2], …; else [t0, t1], [t2, t3], ….
            var k = inside(p, area: Int(area)) ? 1 : 0
            while k + 1 < sorted.count {
                if (sorted[k + 1] - sorted[k]) * length > minimumWaterCrossing { return true }
                k += 2
            }
        }
        return false
    }

    /// Even-odd point-in-polygon over every ring of an area (holes included).
    func inside(_ p: Position, area: Int) -> Bool {
        rings[area].reduce(false) { odd, ring in odd != PlanarRing.contains(ring: ring, p) }
    }
}
