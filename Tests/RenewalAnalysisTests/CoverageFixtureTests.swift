import Foundation
import GeoKernel
import RenewalDomain
import Testing
import TestSupport
@testable import RenewalAnalysis

/// The coverage golden cases: one folder per case under Tests/Fixtures/coverage (inputs, the expected
/// answer written by shapely in scripts/make_golden.py, and a README line saying what the
/// case proves). Fractions are compared within 1e-9, gap geometries as geometries: the symmetric
/// difference of ours and shapely's must be under 1e-6 of the parcel's area.
@Suite struct CoverageFixtureTests {
    static let root = FixtureFiles.folder("coverage")
    static let cases = FixtureFiles.cases("coverage")
    static func features(_ url: URL) throws -> [(properties: [String: Any], geometry: Geometry?)] { try FixtureFiles.features(url) }

    @Test("Covered fractions and gap geometries equal shapely's", .tags(.golden), arguments: cases)
    func goldenCase(name: String) throws {
        let folder = Self.root.appendingPathComponent(name)
        let parcels = try Self.features(folder.appendingPathComponent("parcels.geojson")).map { f in
            ResidentialParcel(id: f.properties["parcel_id"] as! String, geometry: f.geometry!, population: 100)
        }
        let facilityFeatures = try Self.features(folder.appendingPathComponent("facilities.geojson"))
        // Each facility is its own category so it can carry its own radius; the case's coverage is
        // then the union over categories, which the golden answer computes as one union of disks.
        let radii = (facilityFeatures.first?.properties["radius_m"] as? Double) ?? 300
        #expect(facilityFeatures.allSatisfy { ($0.properties["radius_m"] as? Double) == radii }, "\(name): one radius per case")
        let facilities = facilityFeatures.enumerated().map { k, f -> Facility in
            guard case .point(let p) = f.geometry! else { fatalError("\(name): facilities are points") }
            return Facility(id: "F\(k + 1)", category: "golden", location: p)
        }
        var parameters = CoverageParameters()
        parameters.radii = ServiceRadii(rules: ["golden": ServiceRule(radius: radii, tier: nil, source: "golden case")])
        let result = CoverageAnalysis.run(parcels: parcels, facilities: facilities, parameters: parameters)
        let category = try #require(result.categories.first)
        let gaps = Dictionary(try CoverageAnalysis.gaps(of: category, result: result).map { ($0.parcel, $0.geometry) }, uniquingKeysWith: { a, _ in a })
        let expected = try Self.features(folder.appendingPathComponent("expected.geojson"))
        let geos = try GEOSContext()
        for (i, parcel) in parcels.enumerated() {
            let want = try #require(expected.first { ($0.properties["parcel_id"] as? String) == parcel.id }, "\(name): \(parcel.id) expected")
            let fraction = try #require(want.properties["covered_fraction"] as? Double)
            #expect(abs(category.fractions[i] - fraction) <= 1e-9, "\(name) \(parcel.id): covered \(category.fractions[i]), shapely \(fraction)")
            let area = PlanarRing.area(parcel.geometry)
            switch (gaps[i], want.geometry) {
            case (nil, nil): break
            case (let ours?, let theirs?):
                let symmetric = try FixtureFiles.differenceArea(ours, theirs, geos: geos)
                #expect(symmetric <= 1e-6 * area, "\(name) \(parcel.id): gap differs from shapely's by \(symmetric) m²")
                #expect(try geos.invalidityReason(ours) == nil, "\(name) \(parcel.id): our gap is invalid")
            case (let ours, let theirs):
                // Only a fully covered parcel may have no gap, and shapely must agree it has none.
                Issue.record("\(name) \(parcel.id): gap \(ours == nil ? "missing" : "present"), shapely's \(theirs == nil ? "missing" : "present")")
            }
        }
    }
}

/// Coverage over the shared catalogue of geometries: for every valid shape as a parcel, under a
/// service area that covers part of it, the covered fraction lies in [0, 1] and the gap's area plus
/// the covered area is the parcel's area (within 1e-6 of it); the gap is valid.
@Suite struct CoverageCatalogueTests {
    @Test("Fraction in [0, 1], covered + gap = area, gap valid, for every valid catalogue shape",
          arguments: GeometryCatalogue.all.filter { $0.valid && !$0.geometry.isEmpty })
    func invariants(entry: GeometryCatalogue.Entry) throws {
        let envelope = try #require(entry.geometry.envelope)
        // A service area centred on the shape's lower-left corner: it covers part of every shape.
        let facility = Facility(id: "F", category: "golden", location: Position(envelope.minX, envelope.minY))
        var parameters = CoverageParameters()
        parameters.radii = ServiceRadii(rules: ["golden": ServiceRule(radius: 120, tier: nil, source: "catalogue")])
        let parcel = ResidentialParcel(id: "P", geometry: entry.geometry, population: 10)
        let result = CoverageAnalysis.run(parcels: [parcel], facilities: [facility], parameters: parameters)
        let category = try #require(result.categories.first)
        let fraction = category.fractions[0]
        #expect(fraction >= 0 && fraction <= 1, "\(entry.name): \(fraction)")
        let area = PlanarRing.area(entry.geometry)
        let gaps = try CoverageAnalysis.gaps(of: category, result: result)
        let gapArea = gaps.reduce(0) { $0 + PlanarRing.area($1.geometry) }
        if fraction < parameters.fullCoverage {
            #expect(abs(gapArea - (1 - fraction) * area) <= 1e-6 * area, "\(entry.name): gap \(gapArea) m², expected \((1 - fraction) * area)")
        }
        let geos = try GEOSContext()
        for gap in gaps { #expect(try geos.invalidityReason(gap.geometry) == nil, "\(entry.name): invalid gap") }
    }
}
