import Foundation
import Testing
import TestSupport
import GeoKernel
@testable import RenewalAnalysis

/// An axis-aligned rectangle in metres.
func rectangle(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Geometry {
    .polygon([[Position(x0, y0), Position(x1, y0), Position(x1, y1), Position(x0, y1), Position(x0, y0)]])
}

func onlyKindergartens(_ radius: Double = 300) -> CoverageParameters {
    CoverageParameters(radii: ServiceRadii(rules: ["kindergarten": ServiceRule(radius: radius, tier: .fiveMinute, source: "test")]))
}

@Suite struct CoverageGoldenTests {
    @Test("A parcel half inside a buffer is 0.5 covered (±0.001)")
    func halfInside() {
        // A thin radial strip from 250 m to 350 m east of a kindergarten with a 300 m radius: the
        // buffer's vertex at angle 0 sits at exactly 300 m, so half the strip is inside.
        let parcel = ResidentialParcel(id: "half", geometry: rectangle(250, -0.5, 350, 0.5), population: 100)
        let result = CoverageAnalysis.run(parcels: [parcel], facilities: [Facility(id: "K1", category: "kindergarten", location: Position(0, 0))],
                                          parameters: onlyKindergartens())
        let c = result.categories[0]
        #expect(abs(c.fractions[0] - 0.5) <= 0.001, "got \(c.fractions[0])")
        #expect(abs(c.gapPopulation - 50) <= 0.1)
        #expect(c.parcelsWithGap == 1)
    }

    @Test("Inside one buffer: fully covered; far away: 0 covered; no facility of the category: 0 covered and listed as missing")
    func insideOutsideAndMissing() {
        let near = ResidentialParcel(id: "near", geometry: rectangle(-50, -50, 50, 50), population: 10)
        let far = ResidentialParcel(id: "far", geometry: rectangle(2000, 0, 2100, 100), population: 20)
        var radii = onlyKindergartens().radii
        radii.rules["middle_school"] = ServiceRule(radius: 1000, tier: .fifteenMinute, source: "test")
        let result = CoverageAnalysis.run(parcels: [near, far], facilities: [Facility(id: "K1", category: "kindergarten", location: Position(0, 0))],
                                          parameters: CoverageParameters(radii: radii))
        let kindergarten = result.categories.first { $0.category == "kindergarten" }!
        let middle = result.categories.first { $0.category == "middle_school" }!
        #expect(kindergarten.fractions == [1, 0])
        #expect(middle.fractions == [0, 0])
        #expect(result.missing(parcel: 0, tier: .fifteenMinute) == ["middle_school"])
        #expect(result.missing(parcel: 0, tier: .fiveMinute).isEmpty)
        #expect(result.missing(parcel: 1, tier: .fiveMinute) == ["kindergarten"])
        #expect(abs(kindergarten.coverageRatio - 0.5) < 1e-12, "equal areas, one covered: the 城市体检 ratio is one half")
    }

    @Test("Tiers are not nested: a 15-minute facility does not serve a 5-minute need")
    func tiersNotNested() {
        var radii = onlyKindergartens().radii
        radii.rules["clinic"] = ServiceRule(radius: 1000, tier: .fifteenMinute, source: "test")
        let parcel = ResidentialParcel(id: "p", geometry: rectangle(0, 0, 50, 50), population: 1)
        let result = CoverageAnalysis.run(parcels: [parcel], facilities: [Facility(id: "C", category: "clinic", location: Position(25, 25))],
                                          parameters: CoverageParameters(radii: radii))
        #expect(result.missing(parcel: 0, tier: .fifteenMinute).isEmpty)
        #expect(result.missing(parcel: 0, tier: .fiveMinute) == ["kindergarten"])
        #expect(result.tierSummary(.fiveMinute).parcelsLacking == 1)
    }

    @Test("Parks take their radius from their area (城市体检 rule); small parks serve nobody")
    func parkRadiusByArea() {
        let radii = ServiceRadii(rules: ["park": ServiceRadii.defaults.rules["park"]!])
        let at400 = ResidentialParcel(id: "p", geometry: rectangle(395, -5, 405, 5), population: 1)
        func fraction(parkArea: Double?) -> Double {
            CoverageAnalysis.run(parcels: [at400], facilities: [Facility(id: "P", category: "park", location: Position(0, 0), areaM2: parkArea)],
                                 parameters: CoverageParameters(radii: radii)).categories[0].fractions[0]
        }
        #expect(fraction(parkArea: 8000) == 1)      // 500 m
        #expect(fraction(parkArea: 3000) == 0)      // 300 m
        #expect(fraction(parkArea: 1500) == 0)      // not counted
        #expect(ServiceRadii.parkRadius(area: 1999) == nil && ServiceRadii.parkRadius(area: 2000) == 300 && ServiceRadii.parkRadius(area: 5000) == 500)
    }
}

@Suite struct CoveragePropertyTests {
    /// A random district: parcels on a jittered grid (some holed, some multi-part), facilities scattered.
    static func district(seed: UInt64) -> ([ResidentialParcel], [Facility]) {
        var rng = SeededRandom(seed: seed)
        var parcels: [ResidentialParcel] = []
        for i in 0..<12 {
            for j in 0..<12 {
                let x = Double(i) * 120 + rng.uniform(0, 15), y = Double(j) * 120 + rng.uniform(0, 15)
                let w = rng.uniform(60, 100), h = rng.uniform(60, 100)
                var g = rectangle(x, y, x + w, y + h)
                if (i + j) % 7 == 0, case .polygon(let rings) = g {
                    g = .polygon(rings + [[Position(x + 20, y + 20), Position(x + 20, y + 40), Position(x + 40, y + 40), Position(x + 40, y + 20), Position(x + 20, y + 20)]])
                }
                if (i * j) % 11 == 5, case .polygon(let rings) = g {
                    g = .multiPolygon([rings, [[Position(x + w + 2, y), Position(x + w + 12, y), Position(x + w + 12, y + 10), Position(x + w + 2, y + 10), Position(x + w + 2, y)]]])
                }
                parcels.append(ResidentialParcel(id: "P\(i)-\(j)", geometry: g, population: rng.uniform(0, 500).rounded()))
            }
        }
        let facilities = (0..<14).map { k in
            Facility(id: "F\(k)", category: k % 2 == 0 ? "kindergarten" : "primary_school",
                     location: Position(rng.uniform(-100, 1500), rng.uniform(-100, 1500)))
        }
        return (parcels, facilities)
    }

    static let radii = ServiceRadii(rules: ["kindergarten": ServiceRule(radius: 300, tier: .fiveMinute, source: "test"),
                                            "primary_school": ServiceRule(radius: 500, tier: .tenMinute, source: "test")])

    @Test("Inclusion–exclusion equals GEOS's area of parcel ∩ union of buffers", arguments: [UInt64(1), 2, 3, 20251123])
    func matchesGEOS(seed: UInt64) throws {
        let (parcels, facilities) = Self.district(seed: seed)
        let result = CoverageAnalysis.run(parcels: parcels, facilities: facilities, parameters: CoverageParameters(radii: Self.radii))
        let geos = try GEOSContext()
        for category in result.categories {
            let disks = CoverageAnalysis.disks(for: facilities.filter { $0.category == category.category }, rule: category.rule, quadrantSegments: 8).disks
            var union: GEOSGeometry? = nil
            for d in disks {
                let g = try geos.make(.polygon([d.vertices + [d.vertices[0]]]))
                union = try union.map { try $0.union(g) } ?? g
            }
            for (i, parcel) in parcels.enumerated() {
                let p = try geos.make(parcel.geometry)
                let expected = try union.map { try p.intersection($0).area() / p.area() } ?? 0
                #expect(abs(category.fractions[i] - expected) < 1e-9, "seed \(seed) \(category.category) \(parcel.id): \(category.fractions[i]) vs GEOS \(expected)")
            }
        }
    }

    @Test("covered ∪ gaps = residential area, covered ∩ gaps has no area, gaps ⊆ parcels", arguments: [UInt64(7), 42, 20251123])
    func gapsPartitionResidentialLand(seed: UInt64) throws {
        let (parcels, facilities) = Self.district(seed: seed)
        let result = CoverageAnalysis.run(parcels: parcels, facilities: facilities, parameters: CoverageParameters(radii: Self.radii))
        let geos = try GEOSContext()
        let totalArea = result.parcelAreas.reduce(0, +)
        for category in result.categories {
            let gaps = try CoverageAnalysis.gaps(of: category, result: result)
            let disks = CoverageAnalysis.disks(for: facilities.filter { $0.category == category.category }, rule: category.rule, quadrantSegments: 8).disks
            var cover: GEOSGeometry? = nil
            for d in disks {
                let g = try geos.make(.polygon([d.vertices + [d.vertices[0]]]))
                cover = try cover.map { try $0.union(g) } ?? g
            }
            var gapArea = 0.0
            for gap in gaps {
                let piece = try geos.make(gap.geometry)
                let a = try piece.area()
                gapArea += a
                let parcel = try geos.make(parcels[gap.parcel].geometry)
                #expect(try piece.difference(parcel).area() <= 1e-6 * max(a, 1), "seed \(seed): gap of \(parcels[gap.parcel].id) lies in its parcel")
                if let cover { #expect(try piece.intersection(cover).area() <= 1e-6 * max(a, 1), "seed \(seed): gap and cover do not overlap") }
            }
            let coveredArea = zip(category.fractions, result.parcelAreas).reduce(0) { $0 + $1.0 * $1.1 }
            // Parcels at or above full coverage keep no gap piece; their uncovered sliver (< 0.1 %) is allowed for.
            let slivers = zip(category.fractions, result.parcelAreas).reduce(0) { $0 + ($1.0 >= 0.999 ? (1 - $1.0) * $1.1 : 0) }
            let symmetricDifference = abs(coveredArea + gapArea + slivers - totalArea)
            #expect(symmetricDifference <= 1e-6 * totalArea, "seed \(seed) \(category.category): covered \(coveredArea) + gaps \(gapArea) vs \(totalArea)")
            #expect(abs(category.gapAreaM2 - (gapArea + slivers)) <= 1e-6 * totalArea)
        }
    }
}

@Suite struct RadiiTableTests {
    @Test("A radius table keeps default tiers, cites the file as the source of its radii, and validates entries")
    func decode() throws {
        let table = try decodeConfig(ServiceRadii.self, "kindergarten: 250\npark: {by_area: true}\ncanteen_x: {radius: 400, tier: 10}\n", file: "r.yaml")
        #expect(table.rules["kindergarten"]?.radius == 250)
        #expect(table.rules["kindergarten"]?.tier == .fiveMinute)
        #expect(table.rules["kindergarten"]?.source == "r.yaml", "a radius from the file cites the file")
        #expect(table.rules["park"]?.radius == nil)
        #expect(table.rules["canteen_x"]?.tier == .tenMinute && table.rules["canteen_x"]?.source == "r.yaml")
        #expect(try decodeConfig(ServiceRadii.self, "{clinic: false}", file: "r.yaml").rules["clinic"] == nil)
        for (bad, word) in [("kindergarten: -300", "-300"), ("kindergarten: {radius: 300, colour: red}", "colour"),
                            ("kindergarten: near", "kindergarten"), ("school: {tier: 7, radius: 300}", "tier")] {
            #expect(throws: DecodingError.self, "\(bad)") { try decodeConfig(ServiceRadii.self, bad, file: "r.yaml") }
            do { _ = try decodeConfig(ServiceRadii.self, bad, file: "r.yaml") } catch {
                #expect("\(error)".contains(word), "\(error)")
            }
        }
    }
}
