import Foundation
import GeoFiles
import GeoKernel
import RenewalRunner
import GeoStore
import PostGISStore
import RenewalStore
import Testing
import TestSupport

/// The storage contract: every backend behind `FeatureReading` answers the same queries with the same
/// pages, counts, catalogue and feature lookups. The same layer (`PlotsFixture`: 12 plots near
/// Chongqing with text, real, integer, code and date attributes, NULLs among them) is imported into
/// SpatiaLite and copied into the in-memory store; every query's answer is compared across the two and, where stated, with
/// the ids worked out by hand from the data below (so a mistake both backends share still fails).
/// PostGIS joins the list when `RENEWALGIS_TEST_PG` holds a database URL (`make test` starts a
/// throwaway cluster: scripts/pg_test_cluster.sh); the same rows are loaded there through `replace`.
@Suite struct StoreContractTests {
    /// The backends holding the same `plots` layer (the directory must outlive them).
    static func backends(_ dir: TemporaryDirectory) throws -> [(name: String, store: any FeatureReading)] {
        let (spatiaLite, fields, features) = try spatiaLitePlots(dir)
        let memory = InMemoryStore()
        memory.replace("plots", fields: fields, features: features)
        var backends: [(name: String, store: any FeatureReading)] = [("SpatiaLite", spatiaLite), ("in-memory", memory)]
        if let postGIS = try postGIS?.get() { backends.append(("PostGIS", postGIS)) }
        return backends
    }

    /// The plots imported into a SpatiaLite store in `dir`, with the fields and features it reads back.
    static func spatiaLitePlots(_ dir: TemporaryDirectory) throws -> (StoreReader, [FieldInfo], [Feature]) {
        try PlotsFixture.geoJSON().write(toFile: dir.path("plots.geojson"), atomically: true, encoding: .utf8)
        let writer = try SpatialStore(openOrCreate: dir.path("c.sqlite"))
        _ = try LayerImporter.importLayer(try VectorSource(path: dir.path("plots.geojson")).layer(named: "plots"), into: writer)
        let spatiaLite = try StoreReader(path: dir.path("c.sqlite"))
        let (fields, features) = try spatiaLite.withSnapshot { s in
            (try s.fields(of: "plots"), try s.page(of: "plots", query: FeatureQuery(limit: 1_000)))
        }
        return (spatiaLite, fields, features)
    }

    /// The PostGIS store at `RENEWALGIS_TEST_PG`, its `plots` loaded once per test process from the
    /// SpatiaLite fixture; nil (said once) when the variable is unset.
    static let postGIS: Result<PostGISStore, any Error>? = {
        guard let url = ProcessInfo.processInfo.environment["RENEWALGIS_TEST_PG"], !url.isEmpty else {
            print("StoreContractTests: RENEWALGIS_TEST_PG is unset, PostGIS skipped (make test starts a cluster: scripts/pg_test_cluster.sh)")
            return nil
        }
        return Result {
            let dir = try TemporaryDirectory()
            let (_, fields, features) = try spatiaLitePlots(dir)
            let store = try PostGISStore(url: url)
            try store.replace("plots", fields: fields, features: features)
            return store
        }
    }()

    static func square(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Geometry {
        .polygon([[Position(x0, y0), Position(x1, y0), Position(x1, y1), Position(x0, y1), Position(x0, y0)]])
    }

    static func at(_ s: String) -> Double { TimeInstant.span(s)!.start }

    /// Queries with the plot numbers they select (nil: compared across backends only).
    static let cases: [(String, FeatureQuery, [Int]?)] = {
        let f = FeatureValue.field
        let c: [(String, FeatureQuery, [Int]?)] = [
            ("everything", FeatureQuery(limit: 100), Array(1...12)),
            ("a box over the first row's first two plots", FeatureQuery(bbox: Envelope(minX: 106.5701, minY: 29.5501, maxX: 106.5712, maxY: 29.5502), limit: 100), [1, 2]),
            ("two boxes", FeatureQuery(boxes: [Envelope(minX: 106.5701, minY: 29.5501, maxX: 106.5702, maxY: 29.5502),
                                               Envelope(minX: 106.5731, minY: 29.5521, maxX: 106.5732, maxY: 29.5522)], limit: 100), [1, 12]),
            ("floors > 2", FeatureQuery(predicates: [.compare(f("floors"), .greater, .integer(2))], limit: 100), [5, 9, 10]),
            ("NOT floors = 1 leaves out NULLs", FeatureQuery(predicates: [.not(.compare(f("floors"), .equal, .integer(1)))], limit: 100), [1, 3, 5, 6, 9, 10, 11]),
            ("a code compared as text", FeatureQuery(predicates: [.compare(f("use"), .equal, .text("0701"))], limit: 100), [1, 4, 7, 10]),
            ("a real at most 402", FeatureQuery(predicates: [.compare(f("area"), .lessOrEqual, .real(402))], limit: 100), [1, 2, 3, 4]),
            ("LIKE with % and a Chinese prefix", FeatureQuery(predicates: [.like(f("name"), pattern: "北街%号")], limit: 100), [1, 7, 10]),
            ("LIKE is case-sensitive; _ is one character", FeatureQuery(predicates: [.like(f("name"), pattern: "Park_1")], limit: 100), [3]),
            ("LIKE with an escaped %", FeatureQuery(predicates: [.like(f("name"), pattern: "地块\\%5")], limit: 100), [5]),
            ("LIKE with * and [ taken literally", FeatureQuery(predicates: [.or([.like(f("name"), pattern: "Lot*6"), .like(f("name"), pattern: "Lot[8]")])], limit: 100), [6, 8]),
            ("BETWEEN on a real", FeatureQuery(predicates: [.between(f("area"), low: .real(200), high: .real(603))], limit: 100), [2, 3, 4, 5, 6]),
            ("IN on codes", FeatureQuery(predicates: [.isIn(f("use"), [.text("0702"), .text("0801")])], limit: 100), [2, 3, 5, 6, 8, 9, 11, 12]),
            ("IN on integers", FeatureQuery(predicates: [.isIn(f("floors"), [.integer(1), .integer(3)])], limit: 100), [2, 7, 9]),
            ("IS NULL", FeatureQuery(predicates: [.isNull(f("floors"))], limit: 100), [4, 8, 12]),
            ("IS NOT NULL on a date", FeatureQuery(predicates: [.not(.isNull(f("approved")))], limit: 100), [2, 3, 4, 6, 7, 8, 10, 11, 12]),
            ("intersects a literal polygon", FeatureQuery(predicates: [.spatial(.intersects, .featureGeometry, .literal(square(106.5715, 29.5515, 106.5725, 29.5525)))], limit: 100), [6, 7, 10, 11]),
            ("within a literal polygon", FeatureQuery(predicates: [.spatial(.within, .featureGeometry, .literal(square(106.5695, 29.5495, 106.5719, 29.5509)))], limit: 100), [1, 2]),
            ("disjoint from a literal polygon", FeatureQuery(predicates: [.spatial(.disjoint, .featureGeometry, .literal(square(106.5695, 29.5495, 106.5739, 29.5509)))], limit: 100), Array(5...12)),
            ("a date interval (no date: passes)", FeatureQuery(predicates: [.temporal(field: "approved", start: at("2024-03-01"), end: at("2024-06-30"))], limit: 100), [1, 3, 4, 5, 6, 9]),
            ("an open-ended interval", FeatureQuery(predicates: [.temporal(field: "approved", start: at("2024-10-01"), end: nil)], limit: 100), [1, 5, 9, 10, 11, 12]),
            ("a property's start instant compared", FeatureQuery(predicates: [.compare(.fieldTimeStart("approved"), .greater, .real(at("2024-07-01")))], limit: 100), [7, 8, 10, 11, 12]),
            ("AND, OR and NOT together", FeatureQuery(predicates: [.and([.or([.compare(f("use"), .equal, .text("0701")), .isNull(f("floors"))]),
                                                                         .not(.like(f("name"), pattern: "北街%"))])], limit: 100), [4, 8, 12]),
            ("several predicates all hold", FeatureQuery(predicates: [.compare(f("floors"), .greaterOrEqual, .integer(1)), .compare(f("area"), .less, .real(800))], limit: 100), [2, 3, 5, 7]),
            ("TRUE and FALSE", FeatureQuery(predicates: [.or([.constant(false), .and([.constant(true), .compare(f("floors"), .equal, .integer(4))])])], limit: 100), [5, 10]),
            ("sorted by floors descending, NULLs last, ties by row", FeatureQuery(sortBy: [SortKey(field: "floors", descending: true)], limit: 100), [5, 10, 9, 3, 2, 7, 1, 6, 11, 4, 8, 12]),
            ("sorted by use then name, a page", FeatureQuery(sortBy: [SortKey(field: "use"), SortKey(field: "name")], limit: 4, offset: 3), nil),
            ("a page of a filtered selection", FeatureQuery(predicates: [.not(.isNull(f("floors")))], limit: 3, offset: 2), [3, 5, 6]),
            ("a page past the end", FeatureQuery(limit: 5, offset: 20), []),
            ("chosen columns in the order asked", FeatureQuery(columns: ["use", "parcel_id"], limit: 3), [1, 2, 3]),
            ("a number against a text field compares as text", FeatureQuery(predicates: [.compare(f("use"), .equal, .integer(701))], limit: 100), []),
            ("numeric text against an integer field compares as a number", FeatureQuery(predicates: [.compare(f("floors"), .equal, .text("3"))], limit: 100), [9]),
            ("other text is greater than every number", FeatureQuery(predicates: [.compare(f("floors"), .less, .text("many"))], limit: 100), [1, 2, 3, 5, 6, 7, 9, 10, 11]),
            ("LIKE on a real matches its text", FeatureQuery(predicates: [.like(f("area"), pattern: "%.5")], limit: 100), [1, 3, 5, 7, 9, 11]),
            ("a number literal against a text literal", FeatureQuery(predicates: [.compare(.integer(5), .less, .text("5"))], limit: 3), [1, 2, 3]),
        ]
        return c
    }()

    @Test("Every backend answers every query with the same features, in the same order, and the same count",
          arguments: 0..<cases.count)
    func sameAnswers(index: Int) throws {
        let dir = try TemporaryDirectory()
        let backends = try Self.backends(dir)
        let (name, query, expected) = Self.cases[index]
        var answers: [(String, [Feature], Int)] = []
        for (backend, store) in backends {
            let (page, count) = try store.withSnapshot { s in
                (try s.page(of: "plots", query: query), try s.matchCount(of: "plots", query: query))
            }
            answers.append((backend, page, count))
            if let expected {
                #expect(page.compactMap { $0["parcel_id"]?.text }.map { Int($0.dropFirst())! } == expected, "\(backend): \(name)")
            }
        }
        for (backend, page, count) in answers.dropFirst() {
            #expect(page == answers[0].1, "\(name): \(backend) and \(answers[0].0) read different pages")
            #expect(count == answers[0].2, "\(name): \(backend) counts \(count), \(answers[0].0) \(answers[0].2)")
        }
    }

    @Test("Catalogue, identifiers, lookups by id and the temporal extent agree across backends")
    func catalogueAndLookups() throws {
        let dir = try TemporaryDirectory()
        for (backend, store) in try Self.backends(dir) {
            try store.withSnapshot { s in
                #expect(try s.layers().map(\.name) == ["plots"], "\(backend)")
                #expect(try s.layer("plots")?.featureCount == 12, "\(backend)")
                #expect(try s.layer("nothing") == nil, "\(backend)")
                #expect(try s.fields(of: "plots").map(\.name) == ["parcel_id", "name", "area", "floors", "use", "approved"], "\(backend)")
                #expect(try s.identifierField(of: "plots") == "parcel_id", "\(backend)")
                #expect(try s.feature(of: "plots", id: "P7")?["name"] == .string("北街7号"), "\(backend)")
                #expect(try s.feature(of: "plots", id: "P99") == nil, "\(backend)")
                let extent = try #require(try s.temporalExtent(of: "plots"), "\(backend)")
                #expect(extent.field.name == "approved" && extent.start == Self.at("2024-02-15"), "\(backend)")
                #expect(extent.end == TimeInstant.span("2024-12-15")!.end, "\(backend)")
                #expect(try s.temporalFormat(of: "plots", field: extent.field) == "date", "\(backend)")
                #expect(throws: StoreError.self, "\(backend): an unknown layer is an error") { try s.page(of: "nothing", query: FeatureQuery(limit: 1)) }
                #expect(throws: StoreError.self, "\(backend): an unknown sort field is an error") {
                    try s.page(of: "plots", query: FeatureQuery(sortBy: [SortKey(field: "height")], limit: 1))
                }
            }
        }
    }

    @Test("Replacing a layer changes the content version; a snapshot taken before keeps its state")
    func versionsAndSnapshots() throws {
        let memory = InMemoryStore()
        memory.replace("a", fields: [FieldInfo(name: "v", type: .integer)], features: [Feature(properties: [("v", .int(1))], geometry: .point(Position(106.5, 29.5)))])
        let (before, count) = try memory.withSnapshot { s -> (Int, Int) in
            memory.replace("a", fields: [FieldInfo(name: "v", type: .integer)], features: [])
            return (s.contentVersion, try s.matchCount(of: "a", query: FeatureQuery(limit: 10)))
        }
        #expect(count == 1, "the snapshot still reads the layer as it was")
        #expect(try memory.withSnapshot { $0.contentVersion } != before)
        #expect(try memory.withSnapshot { try $0.matchCount(of: "a", query: FeatureQuery(limit: 10)) } == 0)
    }
}
