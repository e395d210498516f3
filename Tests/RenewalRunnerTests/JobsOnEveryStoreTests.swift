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

/// The jobs see a store only as `LayerStore`: run on SpatiaLite, on the in-memory store holding the
/// same layers and — when `RENEWALGIS_TEST_PG` names a database — on PostGIS (each test in a schema
/// of its own, dropped at the end), coverage, conflicts and units write the same result layers —
/// values and geometry.
/// Data: the sample (GeoData/, CC0): parcels, facilities, streets, heritage zones and control lines.
@Suite struct JobsOnEveryStoreTests {
    /// The sample in SpatiaLite, and every layer of it copied into an in-memory store.
    static func stores(_ dir: TemporaryDirectory) throws -> (spatiaLite: SpatialStore, memory: InMemoryStore) {
        let store = try SpatialStore(openOrCreate: dir.path("s.sqlite"))
        var parcels = ImportOptions()
        parcels.renames = ["safety_gra": "safety_grade", "planned_ac": "planned_action"]  // as GeoData/project.yaml does
        _ = try LayerImporter.importLayer(try VectorSource(path: sampleDataPath("parcels.shp"), encoding: "GBK").layer(named: "parcels"),
                                          into: store, options: parcels)
        var facilities = ImportOptions()
        facilities.crs = .gcj02
        _ = try LayerImporter.importLayer(try VectorSource(path: sampleDataPath("facilities.csv")).layer(named: "facilities"),
                                          into: store, options: facilities)
        _ = try LayerImporter.importLayer(try VectorSource(path: sampleDataPath("streets.geojson")).layer(named: "streets"), into: store)
        let constraints = try VectorSource(path: sampleDataPath("planning_constraints.gpkg"))
        for name in ["heritage_zones", "control_lines"] {
            _ = try LayerImporter.importLayer(try constraints.layer(named: name), into: store)
        }
        let memory = InMemoryStore()
        for layer in try store.layers() {
            var features: [Feature] = []
            try store.forEachFeature(in: layer.name) { features.append($0) }
            memory.replace(layer.name, fields: try store.fields(of: layer.name), features: features)
        }
        return (store, memory)
    }

    /// The sample's layers with the import options GeoData/project.yaml gives them.
    static func sampleSources() throws -> [(layer: SourceLayer, options: ImportOptions)] {
        var parcels = ImportOptions()
        parcels.renames = ["safety_gra": "safety_grade", "planned_ac": "planned_action"]
        var facilities = ImportOptions()
        facilities.crs = .gcj02
        let constraints = try VectorSource(path: sampleDataPath("planning_constraints.gpkg"))
        return [
            (try VectorSource(path: sampleDataPath("parcels.shp"), encoding: "GBK").layer(named: "parcels"), parcels),
            (try VectorSource(path: sampleDataPath("facilities.csv")).layer(named: "facilities"), facilities),
            (try VectorSource(path: sampleDataPath("streets.geojson")).layer(named: "streets"), ImportOptions()),
            (try constraints.layer(named: "heritage_zones"), ImportOptions()),
            (try constraints.layer(named: "control_lines"), ImportOptions()),
        ]
    }

    static let sampleLayers = ["parcels", "facilities", "streets", "heritage_zones", "control_lines"]

    /// An empty PostGIS store in a new schema of the database at `RENEWALGIS_TEST_PG`, or nil when unset.
    static func postGIS() throws -> PostGISStore? {
        guard let url = ProcessInfo.processInfo.environment["RENEWALGIS_TEST_PG"], !url.isEmpty else { return nil }
        let schema = "pgwrite_jobs_\(UUID().uuidString.prefix(8).lowercased())"
        return try PostGISStore(url: url + (url.contains("?") ? "&" : "?") + "schema=" + schema)
    }

    /// Drops the schema of a store `postGIS()` made.
    static func drop(_ store: PostGISStore?) {
        guard let store, let schema = store.address.schema else { return }
        try? store.pool.with { try $0.rows("DROP SCHEMA IF EXISTS \(PGSQL.quote(schema)) CASCADE") }
    }

    /// Every feature of `layer`: values and geometry, in id order.
    static func contents(_ store: any LayerStore, _ layer: String) throws -> [Feature] {
        var out: [Feature] = []
        try store.forEachFeature(in: layer) { out.append($0) }
        return out
    }

    static func expectSameLayers(_ names: [String], _ a: any LayerStore, _ b: any LayerStore) throws {
        for name in names {
            let (x, y) = (try a.layer(name), try b.layer(name))
            #expect(x.featureCount == y.featureCount && x.featureCount > 0, "\(name): \(x.featureCount) and \(y.featureCount) features")
            #expect(x.repairedCount == y.repairedCount && x.skippedCount == y.skippedCount, "\(name)")
            #expect(x.geometryType == y.geometryType, "\(name)")
            #expect(try a.fields(of: name) == (try b.fields(of: name)), "\(name)")
            let (fa, fb) = (try contents(a, name), try contents(b, name))
            for (f, g) in zip(fa, fb) {
                #expect(f.properties.map(\.value) == g.properties.map(\.value), "\(name) \(f.id)")
                #expect(f.geometry == g.geometry, "\(name) \(f.id): the same geometry to the last bit")
            }
        }
    }

    @Test("Coverage (straight and walking), conflicts and units write the same result layers on SpatiaLite, in memory and on PostGIS")
    func sameResults() throws {
        let dir = try TemporaryDirectory()
        let (spatiaLite, memory) = try Self.stores(dir)
        let postGIS = try Self.postGIS()
        defer { Self.drop(postGIS) }
        if let postGIS { _ = try LayerImporter.importLayers(try Self.sampleSources(), into: postGIS) }
        let stores: [any LayerStore] = [spatiaLite, memory] + (postGIS.map { [$0] } ?? [])
        for store in stores {
            let straight = try CoverageJob.run(store: store, options: CoverageOptions())
            try CoverageJob.writeResults(straight, to: store)
            let inputs = try PlanChecks.load(store: store, mapping: PlanMapping(), requireAction: true)
            _ = try PlanChecks.conflicts(inputs, rules: try RulesFile.load(nil), store: store)
            let units = try UnitsJob.run(store: store, mapping: UnitsMapping(), weights: NeedWeights(), parameters: UnitParameters())
            try UnitsJob.writeResults(units, to: store, producedBy: "test")
        }
        let results = ["coverage_parcels", "coverage_gaps", "conflicts", "renewal_units", "unit_parcels"]
        try Self.expectSameLayers(results, spatiaLite, memory)
        if let postGIS { try Self.expectSameLayers(results, spatiaLite, postGIS) }
        // A walking run replaces the straight one's layers and adds the facilities' attachments, on each.
        var walking = CoverageOptions()
        walking.mode = .network
        for store in stores { try CoverageJob.writeResults(try CoverageJob.run(store: store, options: walking), to: store) }
        try Self.expectSameLayers(["coverage_parcels", "coverage_gaps", "coverage_facilities"], spatiaLite, memory)
        if let postGIS {
            try Self.expectSameLayers(["coverage_parcels", "coverage_gaps", "coverage_facilities"], spatiaLite, postGIS)
            #expect(try postGIS.layers().map(\.name) == (try spatiaLite.layers().map(\.name)), "the same catalogue")
            // And a straight run again drops the walking run's attachments, in the same transaction.
            try CoverageJob.writeResults(try CoverageJob.run(store: postGIS, options: CoverageOptions()), to: postGIS)
            try CoverageJob.writeResults(try CoverageJob.run(store: spatiaLite, options: CoverageOptions()), to: spatiaLite)
            #expect(try postGIS.layers().map(\.name) == (try spatiaLite.layers().map(\.name)), "the same catalogue")
        }
    }

    @Test("Importing the sample into the in-memory store and PostGIS gives the layers SpatiaLite gets: catalogue counts, warnings, features to the bit")
    func importsAlike() throws {
        let dir = try TemporaryDirectory()
        let (spatiaLite, _) = try Self.stores(dir)
        let postGIS = try Self.postGIS()
        defer { Self.drop(postGIS) }
        let stores: [any LayerImporting] = [InMemoryStore()] + (postGIS.map { [$0] } ?? [])
        for store in stores {
            let started = Date()
            let reports = try LayerImporter.importLayers(try Self.sampleSources(), into: store)
            let seconds = Date().timeIntervalSince(started)
            let rows = reports.map(\.record.featureCount).reduce(0, +)
            print("JobsOnEveryStoreTests: imported the sample (\(rows) features) into \(store.location) in \(String(format: "%.2f", seconds)) s")
            #expect(reports.map(\.record.featureCount) == (try Self.sampleLayers.map { try spatiaLite.layer($0).featureCount }))
            #expect(reports.map(\.warnings) == (try Self.sampleSources().map {
                try LayerImporter.importLayer($0.layer, into: InMemoryStore(), options: $0.options).warnings
            }), "\(store.location)")
            for name in Self.sampleLayers {
                let (a, b) = (try spatiaLite.layer(name), try store.layer(name))
                #expect(a.repairedCount == b.repairedCount && a.skippedCount == b.skippedCount && a.geometryType == b.geometryType, "\(name)")
                #expect(a.extent == b.extent, "\(name)")
                // (The in-memory store records every layer's source CRS as EPSG:4490.)
                if store is PostGISStore {
                    #expect(a.sourceCRS == b.sourceCRS && a.sourceLayer == b.sourceLayer && a.kind == b.kind && a.sourceFile == b.sourceFile, "\(name)")
                }
            }
            try Self.expectSameLayers(Self.sampleLayers, spatiaLite, store)
            // A second import of a layer without replace is refused and changes nothing.
            let catalogue = try store.layers()
            let version = try (store as? any FeatureReading)?.withSnapshot { $0.contentVersion }
            #expect(throws: StoreError.self) {
                try LayerImporter.importLayer(try VectorSource(path: sampleDataPath("streets.geojson")).layer(named: "streets"), into: store)
            }
            #expect(try store.layers() == catalogue, "\(store.location)")
            #expect(try (store as? any FeatureReading)?.withSnapshot { $0.contentVersion } == version, "\(store.location)")
            try Self.expectSameLayers(["streets"], spatiaLite, store)
            // With --replace it lands again, the same.
            var replace = ImportOptions()
            replace.replace = true
            _ = try LayerImporter.importLayer(try VectorSource(path: sampleDataPath("streets.geojson")).layer(named: "streets"), into: store, options: replace)
            try Self.expectSameLayers(["streets"], spatiaLite, store)
        }
    }

    @Test("Results replace together on the in-memory store and PostGIS: a snapshot taken before sees the old layers")
    func resultsReplaceTogether() throws {
        let dir = try TemporaryDirectory()
        let (_, memory) = try Self.stores(dir)
        let postGIS = try Self.postGIS()
        defer { Self.drop(postGIS) }
        if let postGIS { _ = try LayerImporter.importLayers(try Self.sampleSources(), into: postGIS) }
        let stores: [any LayerStore & FeatureReading] = [memory] + (postGIS.map { [$0] } ?? [])
        for store in stores {
            let run = try CoverageJob.run(store: store, options: CoverageOptions())
            try CoverageJob.writeResults(run, to: store)
            try store.withSnapshot { before in
                let count = try before.layer("coverage_gaps")?.featureCount
                let rows = try before.matchCount(of: "coverage_gaps", query: FeatureQuery(limit: 1))
                // A second run with a smaller radius table writes new layers while the snapshot is open.
                var options = CoverageOptions()
                options.radii = ServiceRadii(rules: ServiceRadii.defaults.rules.filter { $0.key == "kindergarten" })
                try CoverageJob.writeResults(try CoverageJob.run(store: store, options: options), to: store)
                #expect(try before.layer("coverage_gaps")?.featureCount == count, "\(store.location)")
                #expect(try before.matchCount(of: "coverage_gaps", query: FeatureQuery(limit: 1)) == rows, "\(store.location): the old rows")
                #expect(try store.layer("coverage_gaps").featureCount < count ?? 0, "\(store.location)")
            }
        }
    }
}
