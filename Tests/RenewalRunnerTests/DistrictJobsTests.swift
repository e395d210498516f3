import Foundation
import GeoFiles
import GeoKernel
import GeoStore
@testable import PostGISStore
import RenewalAnalysis
import RenewalRunner
import RenewalStore
import Testing
import TestSupport

/// A city split by district: each district's run, reading its own parcels and what lies within reach,
/// writes exactly its part of what the whole-city run writes. Data: the sample (GeoData/, CC0) in the
/// in-memory store, split into four quadrant districts that cut through parcels, streets and zones
/// (parcels straddling a line belong to the district holding their representative point).
@Suite struct DistrictJobsTests {
    /// The sample with a `districts` layer of four quadrants (codes Q1…Q4) recorded as its districts.
    static func splitSample() throws -> InMemoryStore {
        let memory = try JobsOnEveryStoreTests.stores(try TemporaryDirectory()).memory
        let e = try memory.layer("parcels").extent!
        let (cx, cy) = (e.center.x + 0.0013, e.center.y - 0.0007)  // off-centre, so lines cross parcels
        func box(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Geometry {
            .multiPolygon([[[Position(x0, y0), Position(x1, y0), Position(x1, y1), Position(x0, y1), Position(x0, y0)]]])
        }
        let pad = 0.05
        let quadrants = [box(e.minX - pad, e.minY - pad, cx, cy), box(cx, e.minY - pad, e.maxX + pad, cy),
                         box(e.minX - pad, cy, cx, e.maxY + pad), box(cx, cy, e.maxX + pad, e.maxY + pad)]
        memory.replace("districts", fields: [FieldInfo(name: "code", type: .text)],
                       features: quadrants.enumerated().map { Feature(properties: [("code", .string("Q\($0.offset + 1)"))], geometry: $0.element) })
        try memory.setSetting("districts_layer", "districts")
        try memory.setSetting("district_field", "code")
        return memory
    }

    /// A layer's rows as sortable text (values and geometry as WKB hex), whatever their order.
    static func rows(_ store: any LayerStore, _ layer: String) throws -> [String] {
        var out: [String] = []
        try store.forEachFeature(in: layer) { f in
            out.append(f.properties.map { "\($0.value)" }.joined(separator: "|") + "|" + (f.geometry.map { WKB.encode($0).map { String(format: "%02x", $0) }.joined() } ?? "-"))
        }
        return out.sorted()
    }

    @Test("Coverage (straight and walking), conflicts, eligibility and units: four district runs write what one whole-city run writes")
    func districtsAddUpToTheCity() throws {
        let dir = try TemporaryDirectory()
        let city = try Self.splitSample()
        let split = try Self.splitSample()
        let codes = try #require(try Districts.of(city)).codes
        #expect(codes == ["Q1", "Q2", "Q3", "Q4"])
        let rules = try RulesFile.load(nil)

        for mode in CoverageMode.allCases {
            var options = CoverageOptions()
            options.mode = mode
            let whole = try CoverageJob.run(store: city, options: options)
            try CoverageJob.writeResults(whole, to: city)
            try CoverageJob.writeCSV(whole, to: dir.path("whole_\(mode).csv"))
            var lines: [String] = []
            var parcels = 0
            for code in codes {
                options.district = code
                let part = try CoverageJob.run(store: split, options: options)
                #expect(part.result.parcels.count > 20, "\(mode) \(code): \(part.result.parcels.count) parcels")
                parcels += part.result.parcels.count
                try CoverageJob.writeResults(part, to: split)
                try CoverageJob.writeCSV(part, to: dir.path("\(code)_\(mode).csv"))
                lines += try String(contentsOfFile: dir.path("\(code)_\(mode).csv"), encoding: .utf8).split(separator: "\n").dropFirst().map(String.init)
            }
            #expect(parcels == whole.result.parcels.count, "\(mode): every residential parcel in exactly one district")
            let wholeLines = try String(contentsOfFile: dir.path("whole_\(mode).csv"), encoding: .utf8).split(separator: "\n").dropFirst().map(String.init)
            let differing = Set(lines).symmetricDifference(Set(wholeLines))
            #expect(lines.count == wholeLines.count && differing.isEmpty,
                    "\(mode): district CSVs add up to the city's (\(differing.count) lines differ, e.g. \(differing.sorted().prefix(3)))")
            for layer in ["coverage_parcels", "coverage_gaps"] + (mode == .network ? ["coverage_facilities"] : []) {
                let (a, b) = (try Self.rows(city, layer), try Self.rows(split, layer))
                #expect(a.count == b.count && a == b, "\(mode) \(layer): \(a.count) rows against \(b.count), \(Set(a).symmetricDifference(Set(b)).count) differ")
            }
        }

        let wholeConflicts = try PlanChecks.conflicts(try PlanChecks.load(store: city, mapping: PlanMapping(), requireAction: true, nearZonesOnly: true),
                                                      rules: rules, store: city)
        var partRecords = 0
        for code in codes {
            let inputs = try PlanChecks.load(store: split, mapping: PlanMapping(), requireAction: true, nearZonesOnly: true, district: code)
            partRecords += try PlanChecks.conflicts(inputs, rules: rules, store: split).records.count
        }
        #expect(wholeConflicts.records.count > 0 && partRecords == wholeConflicts.records.count)
        #expect(try Self.rows(city, "conflicts") == Self.rows(split, "conflicts"), "conflicts layers differ")

        func eligibility(_ store: InMemoryStore, _ district: String?) throws {
            let inputs = try PlanChecks.load(store: store, mapping: PlanMapping(), requireAction: false, district: district)
            let overlaps = try ZoneOverlay.overlaps(parcels: inputs.parcels.map(\.geometry), zones: inputs.zones.map(\.geometry), parallelism: .allCores)
            try PlanChecks.eligibility(inputs, overlaps: overlaps, targets: ["080701", "0702"], rules: rules, includeUnlisted: false, store: store, csv: nil)
        }
        try eligibility(city, nil)
        for code in codes { try eligibility(split, code) }
        #expect(try Self.rows(city, "eligibility") == Self.rows(split, "eligibility"), "eligibility layers differ")

        // Units: the city split by district is delineated district by district (no unit crosses a
        // district line), so each district's run is its part of the whole.
        let units = try UnitsJob.run(store: city, mapping: UnitsMapping(), weights: NeedWeights(), parameters: UnitParameters())
        try UnitsJob.writeResults(units, to: city, producedBy: "test")
        #expect(Set(units.unitDistricts ?? []) == Set(codes), "units in every district")
        for code in codes {
            let part = try UnitsJob.run(store: split, mapping: UnitsMapping(), weights: NeedWeights(), parameters: UnitParameters(), district: code)
            #expect(part.delineation.units.count > 0 && part.unitDistricts?.allSatisfy { $0 == code } == true)
            try UnitsJob.writeResults(part, to: split, producedBy: "test")
        }
        for layer in ["renewal_units", "unit_parcels"] {
            #expect(try Self.rows(city, layer) == Self.rows(split, layer), "\(layer) layers differ")
        }
        #expect(try UnitsJob.csv(units).split(separator: "\n").count > 100)
    }

    /// Runs coverage (straight), conflicts, eligibility and units on `store`, for the whole city or one district.
    static func runStages(_ store: any LayerStore, district: String?) throws {
        var options = CoverageOptions()
        options.district = district
        try CoverageJob.writeResults(try CoverageJob.run(store: store, options: options), to: store)
        let rules = try RulesFile.load(nil)
        _ = try PlanChecks.conflicts(try PlanChecks.load(store: store, mapping: PlanMapping(), requireAction: true, nearZonesOnly: true, district: district),
                                     rules: rules, store: store)
        let inputs = try PlanChecks.load(store: store, mapping: PlanMapping(), requireAction: false, district: district)
        let overlaps = try ZoneOverlay.overlaps(parcels: inputs.parcels.map(\.geometry), zones: inputs.zones.map(\.geometry), parallelism: .allCores)
        try PlanChecks.eligibility(inputs, overlaps: overlaps, targets: ["080701"], rules: rules, includeUnlisted: false, store: store, csv: nil)
        let units = try UnitsJob.run(store: store, mapping: UnitsMapping(), weights: NeedWeights(), parameters: UnitParameters(), district: district)
        try UnitsJob.writeResults(units, to: store, producedBy: "test")
    }

    @Test("PostGIS split over a second schema through postgres_fdw (and split again): the four district runs write what the whole-city run writes in memory",
          .enabled(if: ProcessInfo.processInfo.environment["RENEWALGIS_TEST_PG"].map { !$0.isEmpty } ?? false, "RENEWALGIS_TEST_PG names no database"))
    func districtsOnPostGIS() throws {
        let city = try Self.splitSample()
        let url = try #require(ProcessInfo.processInfo.environment["RENEWALGIS_TEST_PG"])
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let store = try PostGISStore(url: url + "?schema=districts_\(tag)")
        defer {
            JobsOnEveryStoreTests.drop(store)
            JobsOnEveryStoreTests.drop(try? PostGISStore(url: url + "?schema=districts_node_\(tag)"))
        }
        for layer in try city.layers() {
            try store.replace(layer.name, fields: try city.fields(of: layer.name), features: try JobsOnEveryStoreTests.contents(city, layer.name))
        }
        let codes = try #require(try Districts.of(city)).codes
        for _ in 0..<2 {
            let lines = try store.partition(districtsLayer: "districts", field: "code", codes: codes,
                                            nodes: [url + "?schema=districts_node_\(tag)"]) { _ in }
            #expect(lines.contains { $0.hasPrefix("parcels: Q1 ") && $0.contains("(node 1)") }, "\(lines)")
        }
        #expect(try store.setting("districts_layer") == "districts")
        #expect(try JobsOnEveryStoreTests.contents(store, "parcels").count == (try city.layer("parcels").featureCount), "every parcel still there once")

        try Self.runStages(city, district: nil)
        for code in codes { try Self.runStages(store, district: code) }
        for layer in ["coverage_parcels", "coverage_gaps", "conflicts", "eligibility", "renewal_units", "unit_parcels"] {
            let (a, b) = (try Self.rows(city, layer), try Self.rows(store, layer))
            #expect(a.count == b.count && a == b, "\(layer): \(a.count) rows in memory, \(b.count) in PostGIS, \(Set(a).symmetricDifference(Set(b)).count) differ")
        }
    }

    @Test("District runs are refused clearly: a store not split, an unknown code, a store that cannot write one district's rows")
    func refusals() throws {
        let memory = try JobsOnEveryStoreTests.stores(try TemporaryDirectory()).memory
        var options = CoverageOptions()
        options.district = "Q1"
        #expect { try CoverageJob.run(store: memory, options: options) } throws: { "\($0)".contains("not split by district") }
        let split = try Self.splitSample()
        options.district = "Q9"
        #expect { try CoverageJob.run(store: split, options: options) } throws: { "\($0)".contains("no district Q9") && "\($0)".contains("Q1, Q2, Q3, Q4") }

        // A SpatiaLite file split the same way: whole-city runs delineate units district by district as
        // in memory; a --district run is refused before any work (it cannot replace one district's rows).
        let dir = try TemporaryDirectory()
        let file = try JobsOnEveryStoreTests.stores(dir).spatiaLite
        var text: [UInt8] = Array(#"{"type":"FeatureCollection","features":["#.utf8)
        for (k, district) in try JobsOnEveryStoreTests.contents(split, "districts").enumerated() {
            if k > 0 { text.append(UInt8(ascii: ",")) }
            GeoJSON.write(district, to: &text)
        }
        text += Array("]}".utf8)
        try Data(text).write(to: URL(fileURLWithPath: dir.path("districts.geojson")))
        _ = try LayerImporter.importLayer(try VectorSource(path: dir.path("districts.geojson")).layer(named: "districts"), into: file)
        try file.setSetting("districts_layer", "districts")
        try file.setSetting("district_field", "code")
        let units = try UnitsJob.run(store: file, mapping: UnitsMapping(), weights: NeedWeights(), parameters: UnitParameters())
        let reference = try UnitsJob.run(store: split, mapping: UnitsMapping(), weights: NeedWeights(), parameters: UnitParameters())
        #expect(units.unitDistricts == reference.unitDistricts && units.parcelIDs == reference.parcelIDs && UnitsJob.csv(units) == UnitsJob.csv(reference))
        options.district = "Q1"
        #expect { try CoverageJob.run(store: file, options: options) } throws: { "\($0)".contains("use a PostGIS store") }
        #expect { try UnitsJob.run(store: file, mapping: UnitsMapping(), weights: NeedWeights(), parameters: UnitParameters(), district: "Q1") }
            throws: { "\($0)".contains("use a PostGIS store") }
    }
}
