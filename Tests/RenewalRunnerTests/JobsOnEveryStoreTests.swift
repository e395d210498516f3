import Foundation
import GeoFiles
import GeoKernel
import GeoStore
import RenewalAnalysis
import RenewalRunner
import RenewalStore
import Testing
import TestSupport

/// The jobs see a store only as `LayerStore`: run on SpatiaLite and on the in-memory store holding the
/// same layers, coverage, conflicts and units write the same result layers — values and geometry.
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

    @Test("Coverage (straight and walking), conflicts and units write the same result layers on SpatiaLite and in memory")
    func sameResults() throws {
        let dir = try TemporaryDirectory()
        let (spatiaLite, memory) = try Self.stores(dir)
        let stores: [any LayerStore] = [spatiaLite, memory]
        for store in stores {
            let straight = try CoverageJob.run(store: store, options: CoverageOptions())
            try CoverageJob.writeResults(straight, to: store)
            let inputs = try PlanChecks.load(store: store, mapping: PlanMapping(), requireAction: true)
            _ = try PlanChecks.conflicts(inputs, rules: try RulesFile.load(nil), store: store)
            let units = try UnitsJob.run(store: store, mapping: UnitsMapping(), weights: NeedWeights(), parameters: UnitParameters())
            try UnitsJob.writeResults(units, to: store, producedBy: "test")
        }
        try Self.expectSameLayers(["coverage_parcels", "coverage_gaps", "conflicts", "renewal_units", "unit_parcels"], spatiaLite, memory)
        // A walking run replaces the straight one's layers and adds the facilities' attachments, on both.
        var walking = CoverageOptions()
        walking.mode = .network
        for store in stores { try CoverageJob.writeResults(try CoverageJob.run(store: store, options: walking), to: store) }
        try Self.expectSameLayers(["coverage_parcels", "coverage_gaps", "coverage_facilities"], spatiaLite, memory)
    }

    @Test("Importing the sample into the in-memory store gives the layers SpatiaLite gets: catalogue counts, warnings, features to the bit")
    func importsAlike() throws {
        let dir = try TemporaryDirectory()
        let (spatiaLite, _) = try Self.stores(dir)
        let memory = InMemoryStore()
        var parcels = ImportOptions()
        parcels.renames = ["safety_gra": "safety_grade", "planned_ac": "planned_action"]
        var facilities = ImportOptions()
        facilities.crs = .gcj02
        let constraints = try VectorSource(path: sampleDataPath("planning_constraints.gpkg"))
        let reports = try LayerImporter.importLayers([
            (try VectorSource(path: sampleDataPath("parcels.shp"), encoding: "GBK").layer(named: "parcels"), parcels),
            (try VectorSource(path: sampleDataPath("facilities.csv")).layer(named: "facilities"), facilities),
            (try VectorSource(path: sampleDataPath("streets.geojson")).layer(named: "streets"), ImportOptions()),
            (try constraints.layer(named: "heritage_zones"), ImportOptions()),
            (try constraints.layer(named: "control_lines"), ImportOptions()),
        ], into: memory)
        #expect(reports.map(\.record.featureCount) == (try ["parcels", "facilities", "streets", "heritage_zones", "control_lines"].map { try spatiaLite.layer($0).featureCount }))
        for name in ["parcels", "facilities", "streets", "heritage_zones", "control_lines"] {
            let (a, b) = (try spatiaLite.layer(name), try memory.layer(name))
            #expect(a.repairedCount == b.repairedCount && a.skippedCount == b.skippedCount && a.geometryType == b.geometryType, "\(name)")
            #expect(a.extent == b.extent, "\(name)")
        }
        try Self.expectSameLayers(["parcels", "facilities", "streets", "heritage_zones", "control_lines"], spatiaLite, memory)
        // A second import of a layer without replace is refused and changes nothing.
        #expect(throws: StoreError.self) {
            try LayerImporter.importLayer(try VectorSource(path: sampleDataPath("streets.geojson")).layer(named: "streets"), into: memory)
        }
        #expect(try memory.layer("streets").featureCount == (try spatiaLite.layer("streets").featureCount))
    }

    @Test("The in-memory store's results replace together: a snapshot taken before sees the old layers")
    func resultsReplaceTogether() throws {
        let dir = try TemporaryDirectory()
        let (_, memory) = try Self.stores(dir)
        let run = try CoverageJob.run(store: memory, options: CoverageOptions())
        try CoverageJob.writeResults(run, to: memory)
        try memory.withSnapshot { before in
            let count = try before.layer("coverage_gaps")?.featureCount
            // A second run with a smaller radius table writes new layers while the snapshot is open.
            var options = CoverageOptions()
            options.radii = ServiceRadii(rules: ServiceRadii.defaults.rules.filter { $0.key == "kindergarten" })
            try CoverageJob.writeResults(try CoverageJob.run(store: memory, options: options), to: memory)
            #expect(try before.layer("coverage_gaps")?.featureCount == count)
            #expect(try memory.layer("coverage_gaps").featureCount < count ?? 0)
        }
    }
}
