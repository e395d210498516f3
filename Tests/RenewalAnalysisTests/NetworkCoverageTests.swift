import Foundation
import Testing
import TestSupport
import GeoKernel
@testable import RenewalAnalysis

/// A straight street from `a` to `b` with a vertex every `step` metres (so crossings can share vertices).
func street(_ a: Position, _ b: Position, step: Double = 10, class streetClass: String = "residential") -> StreetLine {
    let n = max(1, Int((hypot(b.x - a.x, b.y - a.y) / step).rounded()))
    return StreetLine(positions: (0...n).map { k in Position(a.x + (b.x - a.x) * Double(k) / Double(n), a.y + (b.y - a.y) * Double(k) / Double(n)) },
                      streetClass: streetClass)
}

@Suite struct NetworkGoldenTests {
    /// Two banks of a river (water between y = −40 and 40), streets along both banks at y = ±60,
    /// one bridge at x = 500, and a riverside expressway under it that shares no vertex with it.
    static let riverStreets = [
        street(Position(-1000, 60), Position(1000, 60)),
        street(Position(-1000, -60), Position(1000, -60)),
        street(Position(500, 60), Position(500, -60), class: "primary"),          // the bridge: shares the bank vertices
        street(Position(-1000, 0), Position(1000, 0), step: 7, class: "expressway"), // under the bridge, no shared vertex at x=500
    ]

    @Test("A river with one bridge: straight-line covers the far bank, walking does not except near the bridge")
    func riverWithBridge() throws {
        let far = ResidentialParcel(id: "far bank, away from the bridge", geometry: rectangle(140, -100, 180, -70), population: 100)
        let nearBridge = ResidentialParcel(id: "far bank, at the bridge foot", geometry: rectangle(490, -75, 510, -65), population: 100)
        let sameBank = ResidentialParcel(id: "same bank", geometry: rectangle(330, 65, 370, 95), population: 100)
        let kindergarten = Facility(id: "K", category: "kindergarten", location: Position(350, 80))
        let (result, graph) = try NetworkCoverage.run(parcels: [far, nearBridge, sameBank], facilities: [kindergarten],
                                                      streets: Self.riverStreets, parameters: onlyKindergartens())
        let straight = CoverageAnalysis.run(parcels: [far, nearBridge, sameBank], facilities: [kindergarten], parameters: onlyKindergartens())
        let network = result.categories[0].fractions, line = straight.categories[0].fractions
        #expect(graph.excludedLines == 1, "the expressway is not walkable")
        #expect(line[0] == 1, "straight line reaches across the river")
        #expect(network[0] == 0, "walking does not: the bridge is 150 m away and the detour is over 300 m")
        #expect(network[1] > 0 && network[1] < 1, "only the bridge foot, 290 m walked, keeps 10 m of budget: got \(network[1])")
        #expect(network[2] == 1, "the same bank, a few metres from the kindergarten's street")
        for i in 0..<3 { #expect(network[i] <= line[i] + 1e-9) }
        let walk = try #require(result.categories[0].walkingDistances)
        // 20 m to the street, 150 m along it, 120 m over the bridge, then 5 m into the parcel.
        #expect(abs(walk[1] - 295) < 0.5, "walking distance to the bridge-foot parcel: \(walk[1])")
    }

    @Test("Steps slow the walk by their factor")
    func stepsAreSlower() throws {
        let parcel = ResidentialParcel(id: "up the steps", geometry: rectangle(195, -5, 205, 5), population: 1)
        let facility = Facility(id: "K", category: "kindergarten", location: Position(0, 0))
        func walk(_ secondClass: String) throws -> Double {
            let streets = [street(Position(0, 0), Position(100, 0)), street(Position(100, 0), Position(200, 0), class: secondClass)]
            return try NetworkCoverage.run(parcels: [parcel], facilities: [facility], streets: streets,
                                           parameters: onlyKindergartens(1000)).result.categories[0].walkingDistances![0]
        }
        let flat = try walk("footway"), steps = try walk("steps")
        #expect(abs(flat - 200) < 0.01, "flat: 195 m along the street, then 5 m to the parcel's corner: \(flat)")
        #expect(abs(steps - flat - 95) < 0.01, "95 m of steps at half speed cost 95 m more: \(steps) vs \(flat)")
        var elderly = WalkingParameters()
        elderly.speed = WalkingParameters.presets["elderly"]!
        let slow = try NetworkCoverage.run(parcels: [parcel], facilities: [facility], streets: [street(Position(0, 0), Position(200, 0))],
                                           parameters: onlyKindergartens(1000), walking: elderly).result.categories[0].walkingDistances![0]
        #expect(abs(slow - 200 * 1.25) < 0.01, "an elderly walker's 200 m cost 1.25 reference metres each: \(slow)")
    }
}

@Suite struct NetworkPropertyTests {
    @Test("Network coverage ≤ straight-line coverage, parcel by parcel", arguments: [UInt64(5), 99, 20251123])
    func networkWithinStraight(seed: UInt64) throws {
        let (parcels, facilities) = CoveragePropertyTests.district(seed: seed)
        // A street grid along the parcel rows, with a few missing links.
        var rng = SeededRandom(seed: seed)
        var streets: [StreetLine] = []
        for k in 0...12 {
            let c = Double(k) * 120 - 10
            if rng.next() > 0.15 { streets.append(street(Position(-20, c), Position(1460, c), step: 10)) }
            if rng.next() > 0.15 { streets.append(street(Position(c, -20), Position(c, 1460), step: 10)) }
        }
        let (result, _) = try NetworkCoverage.run(parcels: parcels, facilities: facilities, streets: streets,
                                                  parameters: CoverageParameters(radii: CoveragePropertyTests.radii))
        let straight = CoverageAnalysis.run(parcels: parcels, facilities: facilities, parameters: CoverageParameters(radii: CoveragePropertyTests.radii))
        for (network, line) in zip(result.categories, straight.categories) {
            #expect(network.category == line.category)
            for i in parcels.indices {
                #expect(network.fractions[i] >= 0 && network.fractions[i] <= line.fractions[i] + 1e-9,
                        "seed \(seed) \(network.category) \(parcels[i].id): network \(network.fractions[i]) > straight \(line.fractions[i])")
            }
            #expect(network.coverageRatio <= line.coverageRatio + 1e-9)
            // covered ∪ gaps = residential land, for the walking analysis' own gap pieces too.
            let geos = try GEOSContext()
            var gapArea = 0.0
            for gap in try CoverageAnalysis.gaps(of: network, result: result) {
                let piece = try geos.make(gap.geometry)
                gapArea += try piece.area()
                #expect(try piece.difference(try geos.make(parcels[gap.parcel].geometry)).area() <= 1e-6, "seed \(seed): gap inside its parcel")
            }
            let total = result.parcelAreas.reduce(0, +)
            let covered = zip(network.fractions, result.parcelAreas).reduce(0) { $0 + $1.0 * $1.1 }
            let slivers = zip(network.fractions, result.parcelAreas).reduce(0) { $0 + ($1.0 >= 0.999 ? (1 - $1.0) * $1.1 : 0) }
            #expect(abs(covered + gapArea + slivers - total) <= 1e-6 * total, "seed \(seed) \(network.category): \(covered) + \(gapArea) vs \(total)")
        }
    }
}

