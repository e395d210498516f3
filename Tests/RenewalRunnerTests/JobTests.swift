import Foundation
import GeoFiles
import GeoKernel
import RenewalRunner
import RenewalStore
import Testing
import TestSupport

/// The jobs called directly, as the CLI and a project run call them, on the sample (GeoData/, CC0).
@Suite struct JobTests {
    /// The sample's parcels and facilities imported into a fresh store.
    static func sampleStore(_ dir: TemporaryDirectory) throws -> SpatialStore {
        let store = try SpatialStore(openOrCreate: dir.path("s.sqlite"))
        _ = try LayerImporter.importLayer(try VectorSource(path: sampleDataPath("parcels.shp"), encoding: "GBK").layer(named: "parcels"), into: store)
        var options = ImportOptions()
        options.crs = .gcj02
        _ = try LayerImporter.importLayer(try VectorSource(path: sampleDataPath("facilities.csv")).layer(named: "facilities"), into: store, options: options)
        return store
    }

    @Test("ExportJob writes a layer in another CRS that reads back with every feature where the store has it")
    func exportRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.sampleStore(dir)
        let (count, outside) = try ExportJob.run(store: store, layer: "facilities", to: dir.path("f.gpkg"), crs: .epsg(4545))
        #expect(count == 103 && outside == 0)
        let layer = try VectorSource(path: dir.path("f.gpkg")).layer(named: "facilities")
        #expect(layer.declaredCRS == .epsg(4545))
        var stored: [Position] = []
        try store.forEachFeature(in: "facilities") { f in if case .point(let p)? = f.geometry { stored.append(p) } }
        let back = try Projector(from: .epsg(4545), to: .cgcs2000)
        var k = 0
        try layer.forEachFeature { f in
            guard var g = f.geometry else { return }
            try back.transform(&g)
            if case .point(let p) = g { #expect(abs(p.x - stored[k].x) < 1e-8 && abs(p.y - stored[k].y) < 1e-8) }
            k += 1
        }
        #expect(k == 103)
    }

    @Test("CoverageJob: one CSV row per residential parcel and category, fractions in [0, 1], the summary names every category, the layers written")
    func coverageOutputs() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.sampleStore(dir)
        let run = try CoverageJob.run(store: store, options: CoverageOptions(), progress: nil)
        let phases = try CoverageJob.writeOutputs(run, to: store, csv: dir.path("c.csv"), summary: dir.path("s.json"))
        #expect(phases.map(\.phase) == ["gap geometry and store write", "then csv and summary"])
        let lines = try String(contentsOfFile: dir.path("c.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(lines.count == run.result.parcels.count * run.result.categories.count)
        #expect(lines.allSatisfy { line in Double(line.split(separator: ",")[2]).map { (0...1).contains($0) } ?? false })
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("s.json")))) as? [String: Any])
        #expect(Set(summary.keys) == Set(run.result.categories.map(\.category)))
        let layers = try store.layers().map(\.name)
        #expect(layers.contains("coverage_parcels") && layers.contains("coverage_gaps"))
    }
}
