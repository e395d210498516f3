import Foundation

/// Minimum distance between polygon boundaries, for adjacency.
public enum PlanarSegments {
    /// The closest pair of boundary points of `a` and `b` when they come within `limit` of each
    /// other (a shared point when their boundaries cross or touch), else nil.
    public static func nearest(_ a: [[Position]], _ b: [[Position]], within limit: Double) -> (Position, Position)? {
        var best: (Position, Position)? = nil, bestD = limit * limit
        for ra in a {
            for rb in b {
                for i in ra.indices {
                    let p = ra[i], q = ra[(i + 1) % ra.count]
                    for j in rb.indices {
                        let r = rb[j], s = rb[(j + 1) % rb.count]
                        if let x = crossing(p, q, r, s) { return (x, x) }
                        for (u, v, w) in [(p, r, s), (q, r, s)] {
                            let c = closest(u, v, w), d = (c.x - u.x) * (c.x - u.x) + (c.y - u.y) * (c.y - u.y)
                            if d <= bestD { bestD = d; best = (u, c) }
                        }
                        for (u, v, w) in [(r, p, q), (s, p, q)] {
                            let c = closest(u, v, w), d = (c.x - u.x) * (c.x - u.x) + (c.y - u.y) * (c.y - u.y)
                            if d <= bestD { bestD = d; best = (c, u) }
                        }
                    }
                }
            }
        }
        return best
    }

    /// The point of segment a–b closest to p.
    public static func closest(_ p: Position, _ a: Position, _ b: Position) -> Position {
        let dx = b.x - a.x, dy = b.y - a.y
        let len2 = dx * dx + dy * dy
        let t = len2 > 0 ? min(1, max(0, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0
        return Position(a.x + t * dx, a.y + t * dy)
    }

    /// Where segments p–q and r–s cross properly, else nil.
    public static func crossing(_ p: Position, _ q: Position, _ r: Position, _ s: Position) -> Position? {
        guard intersects(p, q, r, s) else { return nil }
        let d = (q.x - p.x) * (s.y - r.y) - (q.y - p.y) * (s.x - r.x)
        let t = ((r.x - p.x) * (s.y - r.y) - (r.y - p.y) * (s.x - r.x)) / d
        return Position(p.x + t * (q.x - p.x), p.y + t * (q.y - p.y))
    }

    public static func intersects(_ p: Position, _ q: Position, _ r: Position, _ s: Position) -> Bool {
        func orient(_ a: Position, _ b: Position, _ c: Position) -> Double { (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x) }
        let d1 = orient(r, s, p), d2 = orient(r, s, q), d3 = orient(p, q, r), d4 = orient(p, q, s)
        return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
    }
}
