import ArgumentParser
import Foundation
import RenewalStore

struct Layers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the layers in the store (the catalogue).",
        discussion: """
            Example:
              renewalgis layers --store city.sqlite
              renewalgis layers --store city.sqlite --json
            """
    )

    @Option(help: "The store (a SpatiaLite file).")
    var store: String

    @Flag(help: "Print the catalogue as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let records = try SpatialStore(openExisting: store).layers()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(records), as: UTF8.self))
            } else {
                print(LayerTable.render(records))
            }
        }
    }
}

enum LayerTable {
    static func render(_ records: [LayerRecord]) -> String {
        func extent(_ r: LayerRecord) -> String {
            guard let e = r.extent else { return "-" }
            return String(format: "%.4f,%.4f,%.4f,%.4f", e.minX, e.minY, e.maxX, e.maxY)
        }
        return TextTable.render(
            header: ["layer", "features", "geometry", "source CRS", "repaired", "skipped", "extent (EPSG:4490)", "source"],
            rows: records.map { r in
                [r.name, String(r.featureCount), r.geometryType, r.sourceCRS, String(r.repairedCount), String(r.skippedCount),
                 extent(r), r.sourceLayer == (r.sourceFile as NSString).lastPathComponent ? r.sourceFile : "\(r.sourceFile) (\(r.sourceLayer))"]
            })
    }
}
