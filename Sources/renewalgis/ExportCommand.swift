import ArgumentParser
import Foundation
import GeoFiles
import GeoKernel
import RenewalStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a store layer to GeoJSON, GeoPackage, Shapefile or CSV (by extension), in any CRS.",
        discussion: """
            Examples:
              renewalgis export --store city.sqlite --layer parcels parcels.geojson
              renewalgis export --store city.sqlite --layer parcels --crs EPSG:4545 parcels_gk.gpkg
              renewalgis export --store city.sqlite --layer facilities --crs GCJ02 facilities_amap.csv
            """
    )

    @Option(help: "The store (a SpatiaLite file).")
    var store: String

    @Option(help: "The layer to export.")
    var layer: String

    @Option(help: "Output CRS: EPSG:4490 (default), 4326, 3857, 4545, GCJ02, BD09, …")
    var crs: String = "EPSG:4490"

    @Option(help: "Text encoding of a Shapefile's attributes (default UTF-8), e.g. GBK.")
    var encoding: String?

    @Argument(help: "The output file: .geojson, .gpkg, .shp or .csv.")
    var output: String

    func run() throws {
        try reportingErrors {
            let target = try CRS(parsing: crs)
            _ = try CRSRegistry.info(target)
            let store = try SpatialStore(openExisting: store)
            let record = try store.layer(layer)
            let kind = GeometryKind(rawValue: record.geometryType) ?? .geometry
            let projector = try Projector(from: .cgcs2000, to: target)
            let writer = try VectorWriter(path: output, layerName: layer, fields: try store.fields(of: layer), kind: kind, crs: target, encoding: encoding)
            let progress = ProgressLine("exporting \(layer)")
            var count = 0
            try store.forEachFeature(in: layer) { feature in
                var feature = feature
                if var g = feature.geometry {
                    try projector.transform(&g)
                    feature.geometry = g
                }
                try writer.write(feature)
                count += 1
                progress.update(count)
            }
            try writer.finish()
            progress.finish()
            if projector.positionsOutsideChina > 0 {
                Terminal.warning("\(projector.positionsOutsideChina) positions lie outside China, where \(target) has no offset; written unchanged")
            }
            Terminal.info("exported \(count) features of \(layer) to \(output) in \(target)")
        }
    }
}
