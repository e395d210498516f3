import Foundation
import Testing
import TestSupport

@testable import GeoKernel

/// The direct parcel-minus-disks cut used for gap pieces, checked by hand and against GEOS.
@Suite struct RingDifferenceTests {
    func square(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> [Position] {
        [Position(x0, y0), Position(x1, y0), Position(x1, y1), Position(x0, y1)]
    }

    func area(_ rings: [[Position]]) -> Double { rings.reduce(0) { $0 + PlanarRing.signedArea($1) } }

    @Test("A band across a square leaves two pieces whose areas add up by hand")
    func bandSplitsSquare() throws {
        // 100 × 100 square minus a 20 m wide vertical band from x = 40 to 60, taller than the square.
        let pieces = try #require(RingDifference.subtract(square(0, 0, 100, 100), convex: [square(40, -10, 60, 110)]))
        #expect(pieces.count == 2)
        #expect(abs(area(pieces) - 8_000) < 1e-9)
        #expect(pieces.allSatisfy { PlanarRing.signedArea($0) > 0 })
        #expect(abs(area([pieces[0]]) - 4_000) < 1e-9 && abs(area([pieces[1]]) - 4_000) < 1e-9)
    }

    @Test("A corner cut, a cutter apart, a cutter around the ring, a cutter inside (hole) and touching vertices")
    func simpleAndNonGenericCases() throws {
        let ring = square(0, 0, 100, 100)
        let corner = try #require(RingDifference.subtract(ring, convex: [square(50, 50, 150, 150)]))
        #expect(corner.count == 1 && abs(area(corner) - 7_500) < 1e-9)
        #expect(RingDifference.subtract(ring, convex: [square(200, 200, 300, 300)]).map(area) == 10_000)
        #expect(RingDifference.subtract(ring, convex: [square(-10, -10, 110, 110)])?.isEmpty == true)
        #expect(RingDifference.subtract(ring, convex: [square(40, 40, 60, 60)]) == nil, "a hole is left to GEOS")
        #expect(RingDifference.subtract(ring, convex: [square(50, 0, 150, 150)]) == nil, "a shared edge is left to GEOS")
        #expect(RingDifference.subtract(ring, convex: [square(100, 100, 150, 150)]) == nil, "a shared corner is left to GEOS")
    }

    @Test("Seeded: random concave parcels minus random disks agree with GEOS and are valid", arguments: [11, 2_026, 90_210] as [UInt64])
    func matchesGEOS(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let geos = try GEOSContext()
        var direct = 0, cases = 0
        for _ in 0..<400 {
            // A star-shaped (often concave) parcel of 5–14 vertices around a centre.
            let centre = Position(rng.uniform(0, 1_000), rng.uniform(0, 1_000))
            let count = 5 + Int(rng.uniform(0, 10))
            let ring: [Position] = (0..<count).map { k in
                let angle = (Double(k) + rng.uniform(0, 0.8)) * 2 * .pi / Double(count)
                let r = rng.uniform(20, 120)
                return Position(centre.x + r * cos(angle), centre.y + r * sin(angle))
            }
            // One to three disks near its edge, cut to a box 1 m around the parcel as the gap code does.
            var box = Envelope.empty
            ring.forEach { box.expand(toInclude: $0) }
            let padded = Envelope(minX: box.minX - 1, minY: box.minY - 1, maxX: box.maxX + 1, maxY: box.maxY + 1)
            let disks = (0..<(1 + Int(rng.uniform(0, 3)))).map { _ in
                let angle = rng.uniform(0, 2 * .pi), distance = rng.uniform(40, 260)
                return ServiceDisk(center: Position(centre.x + distance * cos(angle), centre.y + distance * sin(angle)),
                                   radius: rng.uniform(60, 220))
            }
            let cutters = disks.map { $0.clipped(to: padded) }.filter { $0.count >= 3 }
            guard !cutters.isEmpty else { continue }
            cases += 1
            let closed = ring + [ring[0]]
            let cover = try geos.make(.geometryCollection(cutters.map { .polygon([$0 + [$0[0]]]) })).unaryUnion()
            let expected = try geos.make(.polygon([closed])).difference(cover)
            guard let pieces = RingDifference.subtract(ring, convex: cutters) else { continue }
            direct += 1
            let ours = try geos.make(.multiPolygon(pieces.map { [$0 + [$0[0]]] }))
            #expect(try ours.invalidityReason() == nil, "seed \(seed): invalid pieces")
            let symmetric = try ours.difference(expected).area() + expected.difference(ours).area()
            #expect(symmetric <= 1e-6 * PlanarRing.signedArea(ring), "seed \(seed): differs from GEOS by \(symmetric) m²")
        }
        print("seed \(seed): \(direct) of \(cases) cases cut directly, the rest left to GEOS")
        #expect(direct * 10 >= cases * 9, "seed \(seed): only \(direct) of \(cases) generic cases cut directly")
    }
}
