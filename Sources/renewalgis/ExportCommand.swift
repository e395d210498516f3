import ArgumentParser
import Foundation
import GeoFiles
import GeoKernel
import RenewalRunner
import RenewalStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a store layer to GeoJSON, GeoPackage, Shapefile or CSV (by extension), in any CRS.",
        usage: "renewalgis export --store <store> --layer <layer> [<options>] <output>",
        discussion: """
            Examples:
              renewalgis export --store city.sqlite --layer parcels parcels.geojson
              renewalgis export --store city.sqlite --layer parcels --crs EPSG:4545 parcels_gk.gpkg
              renewalgis export --store city.sqlite --layer facilities --crs GCJ02 amap.csv
            """
    )

    @Option(help: StoreHelp.text)
    var store: StoreAddress

    @Option(help: "The layer to export.")
    var layer: String

    @Option(help: "Output CRS: EPSG:4490 (default), 4326, 3857, 4545, GCJ02, BD09, …")
    var crs: String = "EPSG:4490"

    @Option(help: "Text encoding of a Shapefile's attributes (default UTF-8), e.g. GBK.")
    var encoding: String?

    @Argument(help: "The output file: .geojson, .gpkg, .shp or .csv.")
    var output: String

    /// The encoding and the output CRS, before the store is opened.
    mutating func validate() throws {
        try reportingErrors { _ = try outputCRS() }
    }

    /// The output CRS, once the encoding is known to be one iconv has.
    private func outputCRS() throws -> CRS {
        if let encoding, let problem = TextEncodings.problem(with: encoding, what: "--encoding") {
            throw ValidationError(problem)
        }
        let target = try CRS(parsing: crs)
        _ = try CRSRegistry.info(target)
        return target
    }

    func run() throws {
        try reportingErrors {
            let target = try outputCRS()
            let store = try store.openExisting()
            let progress = ProgressLine("exporting \(layer)", total: try? store.layer(layer).featureCount)
            let (count, outside) = try ExportJob.run(store: store, layer: layer, to: output, crs: target, encoding: encoding) { progress.update($0) }
            progress.finish()
            if outside > 0 {
                Terminal.warning("\(outside) positions lie outside China, where \(target) has no offset; written unchanged")
            }
            Terminal.info("exported \(count) features of \(layer) to \(Terminal.path(output)) in \(target)")
        }
    }
}
