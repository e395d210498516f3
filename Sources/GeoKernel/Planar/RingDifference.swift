import Foundation

/// The difference of a simple ring and convex polygons (Weiler–Atherton traversal), for the gap
/// pieces of straight-line coverage: a parcel minus the few service disks that overlap it. In a
/// metric CRS; rings open (no repeated closing vertex), counter-clockwise.
///
/// It answers only the generic case and says so otherwise: when a vertex of one boundary lies
/// within `tolerance` of the other boundary, when edges run along each other, or when a disk lies
/// inside the ring (the answer would need a hole), it returns nil and the caller uses the general
/// overlay (GEOS). In the generic case the pieces are simple rings that meet nowhere, so the
/// result is a valid (multi)polygon.
public enum RingDifference {
    /// Distance (m) under which two boundaries count as touching: such cases go to GEOS.
    public static let tolerance = 1e-6

    /// The parts of `ring` outside every polygon of `cutters`, as counter-clockwise rings without
    /// holes ([] when nothing is left); nil for a non-generic case (see the type's comment).
    public static func subtract(_ ring: [Position], convex cutters: [[Position]]) -> [[Position]]? {
        var pieces = [ring]
        for cutter in cutters where cutter.count >= 3 {
            var next: [[Position]] = []
            for piece in pieces {
                guard let parts = subtract(piece, convex: cutter) else { return nil }
                next += parts
            }
            pieces = next
        }
        return pieces
    }

    /// A place where the ring's boundary crosses the cutter's.
    private struct Crossing {
        var ringEdge: Int, t: Double
        var cutterEdge: Int, u: Double
        var point: Position
        /// True when the ring, walked forward, goes into the cutter here.
        var entering: Bool
    }

    /// `ring` minus one convex polygon.
    static func subtract(_ ring: [Position], convex cutter: [Position]) -> [[Position]]? {
        let n = ring.count, m = cutter.count
        guard n >= 3, m >= 3 else { return [ring] }
        var box = Envelope.empty
        for p in cutter { box.expand(toInclude: p) }
        var crossings: [Crossing] = []
        for i in 0..<n {
            let a = ring[i], b = ring[(i + 1) % n]
            if max(a.x, b.x) < box.minX - tolerance || min(a.x, b.x) > box.maxX + tolerance
                || max(a.y, b.y) < box.minY - tolerance || min(a.y, b.y) > box.maxY + tolerance { continue }
            let rx = b.x - a.x, ry = b.y - a.y
            let rLength = (rx * rx + ry * ry).squareRoot()
            guard rLength > tolerance else { return nil }
            for j in 0..<m {
                let c = cutter[j], d = cutter[(j + 1) % m]
                let sx = d.x - c.x, sy = d.y - c.y
                let sLength = (sx * sx + sy * sy).squareRoot()
                guard sLength > tolerance else { continue }
                let qx = c.x - a.x, qy = c.y - a.y
                let denominator = rx * sy - ry * sx
                if abs(denominator) <= 1e-12 * rLength * sLength {
                    // Parallel: degenerate only when the segments run along each other.
                    let offset = abs(qx * ry - qy * rx) / rLength
                    if offset < tolerance {
                        let t0 = (qx * rx + qy * ry) / (rLength * rLength)
                        let t1 = t0 + (sx * rx + sy * ry) / (rLength * rLength)
                        if max(t0, t1) >= -tolerance / rLength && min(t0, t1) <= 1 + tolerance / rLength { return nil }
                    }
                    continue
                }
                let t = (qx * sy - qy * sx) / denominator
                let u = (qx * ry - qy * rx) / denominator
                let tSlack = tolerance / rLength, uSlack = tolerance / sLength
                guard t >= -tSlack, t <= 1 + tSlack, u >= -uSlack, u <= 1 + uSlack else { continue }
                // A crossing at or near a vertex of either boundary is not generic.
                guard t > tSlack, t < 1 - tSlack, u > uSlack, u < 1 - uSlack else { return nil }
                crossings.append(Crossing(ringEdge: i, t: t, cutterEdge: j, u: u,
                                          point: Position(a.x + t * rx, a.y + t * ry),
                                          entering: sx * ry - sy * rx > 0))
            }
        }

        guard !crossings.isEmpty else {
            if contains(convex: cutter, ring[0]) { return [] }      // the ring lies inside the cutter
            if PlanarRing.contains(ring: ring, cutter[0]) { return nil }        // the cutter would be a hole
            return [ring]                                           // apart
        }
        guard crossings.count % 2 == 0 else { return nil }

        // The crossings in the ring's order and in the cutter's order.
        let alongRing = crossings.indices.sorted {
            (crossings[$0].ringEdge, crossings[$0].t) < (crossings[$1].ringEdge, crossings[$1].t)
        }
        let alongCutter = crossings.indices.sorted {
            (crossings[$0].cutterEdge, crossings[$0].u) < (crossings[$1].cutterEdge, crossings[$1].u)
        }
        var ringRank = [Int](repeating: 0, count: crossings.count), cutterRank = ringRank
        for (rank, k) in alongRing.enumerated() { ringRank[k] = rank }
        for (rank, k) in alongCutter.enumerated() { cutterRank[k] = rank }
        for (rank, k) in alongRing.enumerated() where crossings[k].entering == crossings[alongRing[(rank + 1) % crossings.count]].entering {
            return nil   // entries and exits must alternate along the ring
        }

        // Each piece: from a crossing where the ring leaves the cutter, forward along the ring to
        // where it enters again, then backwards along the cutter's boundary (inside the ring, the
        // cutter's outside on the left) to the crossing before it, which is again an exit.
        var used = [Bool](repeating: false, count: crossings.count)
        var pieces: [[Position]] = []
        for start in alongRing where !crossings[start].entering && !used[start] {
            var piece: [Position] = []
            var exit = start
            repeat {
                used[exit] = true
                let out = crossings[exit]
                let entry = alongRing[(ringRank[exit] + 1) % crossings.count]
                let into = crossings[entry]
                piece.append(out.point)
                var steps = (into.ringEdge - out.ringEdge + n) % n
                if steps == 0 && into.t <= out.t { steps = n }
                for s in 0..<steps { piece.append(ring[(out.ringEdge + 1 + s) % n]) }
                piece.append(into.point)
                let previous = alongCutter[(cutterRank[entry] - 1 + crossings.count) % crossings.count]
                let back = crossings[previous]
                guard !back.entering else { return nil }
                var backSteps = (into.cutterEdge - back.cutterEdge + m) % m
                if backSteps == 0 && back.u >= into.u { backSteps = m }
                for s in 0..<backSteps { piece.append(cutter[(into.cutterEdge - s + m) % m]) }
                exit = previous
                if exit != start && used[exit] { return nil }
            } while exit != start
            guard PlanarRing.signedArea(piece) > 0 else { return nil }
            pieces.append(piece)
        }
        return pieces
    }

    /// True when `p` lies inside or on the convex counter-clockwise polygon.
    static func contains(convex polygon: [Position], _ p: Position) -> Bool {
        for i in polygon.indices {
            let a = polygon[i], b = polygon[(i + 1) % polygon.count]
            if (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) < 0 { return false }
        }
        return true
    }

}
