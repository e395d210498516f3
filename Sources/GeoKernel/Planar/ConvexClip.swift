import Foundation

/// Planar polygon helpers for the coverage hot path, in a metric CRS (metres).
/// Rings here are open (no repeated closing vertex).
public enum PlanarRing {
    /// Shoelace signed area: positive for counter-clockwise rings (m²).
    public static func signedArea(_ ring: [Position]) -> Double {
        guard ring.count >= 3 else { return 0 }
        var sum = 0.0
        var previous = ring[ring.count - 1]
        for p in ring {
            sum += (previous.x - p.x) * (previous.y + p.y)
            previous = p
        }
        return sum / 2
    }

    /// Even–odd point in ring (open or closed; a point on the boundary may fall either way).
    public static func contains(ring: [Position], _ p: Position) -> Bool {
        var inside = false
        var j = ring.count - 1
        for i in ring.indices {
            let a = ring[i], b = ring[j]
            if (a.y > p.y) != (b.y > p.y), p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }

    /// Area of a polygonal geometry (m² in a metric CRS), holes subtracted.
    public static func area(_ geometry: Geometry) -> Double {
        max(0, orientedRings(geometry).reduce(0) { $0 + signedArea($1) })
    }

    /// Rings of a polygonal geometry, open, exteriors counter-clockwise and holes clockwise, so
    /// that their signed areas add up to the geometry's area.
    public static func orientedRings(_ geometry: Geometry) -> [[Position]] {
        var out: [[Position]] = []
        func add(_ rings: [[Position]]) {
            for (i, ring) in rings.enumerated() {
                var r = ring
                if r.count > 1, r.first == r.last { r.removeLast() }
                guard r.count >= 3 else { continue }
                let ccw = signedArea(r) > 0
                if (i == 0) != ccw { r.reverse() }
                out.append(r)
            }
        }
        switch geometry {
        case .polygon(let rings): add(rings)
        case .multiPolygon(let polys): polys.forEach(add)
        case .geometryCollection(let parts): for p in parts { out += orientedRings(p) }
        default: break
        }
        return out
    }
}

/// A convex polygon (counter-clockwise, open) with the circle it approximates: a facility's
/// straight-line service area, the same 32-gon that GEOS buffers a point into with 8 segments
/// per quarter circle.
public struct ServiceDisk: Sendable {
    public let center: Position
    /// Service radius, metres (the circumscribed circle of the polygon).
    public let radius: Double
    /// Polygon vertices, counter-clockwise, not closed.
    public let vertices: [Position]
    /// Radius of the inscribed circle: a point closer than this to the centre is inside.
    @usableFromInline let innerRadius: Double
    public let envelope: Envelope

    /// The polygon as a closed geometry.
    public var polygon: Geometry { .polygon([vertices + [vertices[0]]]) }

    public init(center: Position, radius: Double, quadrantSegments: Int = 8) {
        self.center = center
        self.radius = radius
        let n = 4 * quadrantSegments
        vertices = (0..<n).map { k in
            let angle = Double(k) * 2 * .pi / Double(n)
            return Position(center.x + radius * cos(angle), center.y + radius * sin(angle))
        }
        innerRadius = radius * cos(.pi / Double(n))
        envelope = Envelope(minX: center.x - radius, minY: center.y - radius, maxX: center.x + radius, maxY: center.y + radius)
    }

    /// True when `p` lies inside or on the polygon.
    @inlinable public func contains(_ p: Position) -> Bool {
        let dx = p.x - center.x, dy = p.y - center.y
        let d2 = dx * dx + dy * dy
        if d2 <= innerRadius * innerRadius { return true }
        if d2 > radius * radius { return false }
        // Between the circles: test against the one edge facing p.
        let n = vertices.count
        var angle = atan2(dy, dx)
        if angle < 0 { angle += 2 * .pi }
        let k = min(Int(angle / (2 * .pi) * Double(n)), n - 1)
        let a = vertices[k], b = vertices[(k + 1) % n]
        let cross: Double = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
        return cross >= -1e-9
    }

    /// The part of this polygon inside `box` (convex ∩ rectangle, so convex; open ring, possibly
    /// empty): a small stand-in for the disk in overlays with a geometry that lies inside `box`.
    public func clipped(to box: Envelope) -> [Position] {
        var current = vertices, next: [Position] = []
        next.reserveCapacity(vertices.count + 4)
        // The four sides of the box; crossings are put exactly on the side.
        for side in 0..<4 {
            guard !current.isEmpty else { break }
            let vertical = side < 2, sign: Double = side % 2 == 0 ? 1 : -1
            let limit = switch side { case 0: box.minX; case 1: box.maxX; case 2: box.minY; default: box.maxY }
            @inline(__always) func inside(_ p: Position) -> Double { sign * ((vertical ? p.x : p.y) - limit) }
            guard current.contains(where: { inside($0) < 0 }) else { continue }
            Self.clip(current, into: &next, side: inside) { a, b, _, _ in
                vertical ? Position(limit, a.y + (b.y - a.y) * (limit - a.x) / (b.x - a.x))
                         : Position(a.x + (b.x - a.x) * (limit - a.y) / (b.y - a.y), limit)
            }
            swap(&current, &next)
        }
        return current
    }

    /// Sutherland–Hodgman: the part of `ring` inside this convex polygon. Correct for concave
    /// subject rings as far as area goes (it may leave zero-width bridges, which add no area).
    /// Half-planes that the ring's bounding box lies clearly inside are skipped: for a parcel near
    /// the edge of a service area only the few edges it crosses do any work.
    public func clip(_ ring: [Position]) -> [Position] {
        guard ring.count >= 3 else { return [] }
        var box = Envelope.empty
        for p in ring { box.expand(toInclude: p) }
        var current = ring, next: [Position] = []
        let n = vertices.count
        for i in 0..<n {
            guard !current.isEmpty else { break }
            let a = vertices[i], b = vertices[(i + 1) % n]
            let ex = b.x - a.x, ey = b.y - a.y
            @inline(__always) func side(_ p: Position) -> Double { ex * (p.y - a.y) - ey * (p.x - a.x) }
            // The side is affine, so a box whose corners are inside (by a margin far above
            // rounding) holds only points inside: the ring passes this half-plane unchanged.
            if side(Position(box.minX, box.minY)) > 1e-3, side(Position(box.maxX, box.minY)) > 1e-3,
               side(Position(box.maxX, box.maxY)) > 1e-3, side(Position(box.minX, box.maxY)) > 1e-3 { continue }
            Self.clip(current, into: &next, side: side, crossing: Self.intersection)
            swap(&current, &next)
        }
        return current
    }

    /// One Sutherland–Hodgman step: the part of `input` where `side` ≥ 0, into `output` (replaced).
    @inline(__always) private static func clip(_ input: [Position], into output: inout [Position], side: (Position) -> Double,
                                               crossing: (Position, Position, Double, Double) -> Position) {
        output.removeAll(keepingCapacity: true)
        var previous = input[input.count - 1]
        var sp = side(previous)
        for current in input {
            let sc = side(current)
            if sc >= 0 {
                if sp < 0 { output.append(crossing(previous, current, sp, sc)) }
                output.append(current)
            } else if sp >= 0 {
                output.append(crossing(previous, current, sp, sc))
            }
            previous = current
            sp = sc
        }
    }

    @inline(__always) private static func intersection(_ p: Position, _ q: Position, _ sp: Double, _ sq: Double) -> Position {
        let t = sp / (sp - sq)
        return Position(p.x + t * (q.x - p.x), p.y + t * (q.y - p.y))
    }
}
