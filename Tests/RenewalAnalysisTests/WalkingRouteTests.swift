import Foundation
import Testing
import TestSupport
import GeoKernel
@testable import RenewalAnalysis

// Data: synthetic geometry made up in this file (no third-party data).

/// A street of exactly the given vertices (OSM-style: long straight stretches have no vertex in between).
func polyline(_ points: [(Double, Double)], class streetClass: String = "residential", tags: [String: String] = [:]) -> StreetLine {
    StreetLine(positions: points.map { Position($0.0, $0.1) }, streetClass: streetClass, tags: tags)
}

@Suite struct WalkingRouteGoldenTests {
    @Test("Same segment: a route between two points attached to one two-vertex segment goes along it, not out to its end and back")
    func sameSegmentRouteGoesOutToTheSegmentEndAndBack() throws {
        // One 1 km street with no vertex in between (as OSM draws a straight street). The kindergarten
        // stands 20 m off it at x = 300, the parcel's nearest corner 10 m off it at x = 420.
        let streets = [polyline([(0, 0), (1000, 0)])]
        let parcel = ResidentialParcel(id: "P", geometry: rectangle(420, 10, 460, 40), population: 10)
        let kindergarten = Facility(id: "K", category: "kindergarten", location: Position(300, 20))
        let result = try NetworkCoverage.run(parcels: [parcel], facilities: [kindergarten], streets: streets,
                                             parameters: onlyKindergartens()).result.categories[0]
        let walk = try #require(result.walkingDistances?[0])
        // 20 m leg, 120 m along the street, 10 m leg: 150 m (out to x = 0 and back would be 750 m).
        #expect(abs(walk - 150) < 1e-6, "walking distance along the shared segment: \(walk)")
        // With 150 m spent at the entrance, the whole 40 × 30 m parcel lies within 300 m.
        #expect(result.fractions[0] > 0.999, "covered fraction \(result.fractions[0])")
    }

    @Test("Cheapest entrance: the parcel is entered where leg + network is least, not at the sample nearest the street")
    func entranceKeptIsTheSampleNearestTheStreet() throws {
        // The street bends at x = 500 so the parcel and the kindergarten are on different segments
        // (the same-segment rule plays no part). The parcel's south side slants from (100, 10) to
        // (109.9, 12): its corner (109.9, 12) is 2 m farther from the street than (100, 10) but
        // 9.9 m nearer the kindergarten along it; all of the parcel's samples share one 10 m stretch.
        let streets = [polyline([(0, 0), (500, 0), (2000, 0)])]
        let shape = Geometry.polygon([[Position(100, 10), Position(109.9, 12), Position(109.9, 60), Position(100, 60), Position(100, 10)]])
        let parcel = ResidentialParcel(id: "P", geometry: shape, population: 10)
        let kindergarten = Facility(id: "K", category: "kindergarten", location: Position(1000, 5))
        let result = try NetworkCoverage.run(parcels: [parcel], facilities: [kindergarten], streets: streets,
                                             parameters: onlyKindergartens(1000)).result.categories[0]
        let walk = try #require(result.walkingDistances?[0])
        // 5 m leg + (1000 − 109.9) m along the street + 12 m leg = 907.1 m (the nearest sample gives 915 m).
        #expect(abs(walk - 907.1) < 1e-6, "walking distance from the cheapest entrance: \(walk)")
    }
}

@Suite struct WalkingRoutePropertyTests {
    @Test("On one long two-vertex street, walking = leg + distance along + leg, for the cheapest boundary sample",
          arguments: [UInt64(3), 17, 20260104])
    func sameSegmentMatchesTheFormula(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        print("seed \(seed)")
        let length = 400 + rng.next() * 1600
        let streets = [polyline([(0, 0), (length, 0)])]
        for trial in 0..<20 {
            let fx = rng.next() * length, fy = (rng.next() - 0.5) * 200
            let px = rng.next() * (length - 30), py = 5 + rng.next() * 30, w = 5 + rng.next() * 25, h = 5 + rng.next() * 25
            let side: Double = rng.next() < 0.5 ? 1 : -1
            let shape = side > 0 ? rectangle(px, py, px + w, py + h) : rectangle(px, -py - h, px + w, -py)
            let parcel = ResidentialParcel(id: "P", geometry: shape, population: 1)
            let facility = Facility(id: "F", category: "kindergarten", location: Position(fx, fy))
            let walk = try #require(try NetworkCoverage.run(parcels: [parcel], facilities: [facility], streets: streets,
                                                            parameters: onlyKindergartens(300)).result.categories[0].walkingDistances?[0])
            // The formula, over the same boundary samples the tool takes (every ≤ 10 m along each side).
            let x0 = px, x1 = px + w, y0 = side > 0 ? py : -py - h, y1 = side > 0 ? py + h : -py
            let ring = [Position(x0, y0), Position(x1, y0), Position(x1, y1), Position(x0, y1)]
            var expected = Double.infinity, crow = Double.infinity
            let clamped = max(0, min(length, fx)), legF = hypot(fx - clamped, fy)
            for (p, q) in zip(ring, ring.dropFirst() + [ring[0]]) {
                let n = max(1, Int((hypot(q.x - p.x, q.y - p.y) / 10).rounded(.up)))
                for k in 0..<n {
                    let s = Position(p.x + (q.x - p.x) * Double(k) / Double(n), p.y + (q.y - p.y) * Double(k) / Double(n))
                    guard abs(s.y) <= 50 else { continue }
                    expected = min(expected, legF + abs(s.x - clamped) + abs(s.y))
                    crow = min(crow, hypot(s.x - fx, s.y - fy))
                }
            }
            #expect(abs(walk - expected) < 1e-6, "seed \(seed) trial \(trial): tool \(walk), formula \(expected)")
            #expect(walk >= crow - 1e-9, "seed \(seed) trial \(trial): walking \(walk) shorter than the straight line \(crow)")
        }
    }
}
