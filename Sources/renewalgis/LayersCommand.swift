import RenewalRunner
import ArgumentParser
import Foundation
import RenewalStore
import GeoStore

struct Layers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the layers in the store (the catalogue).",
        discussion: """
            The table shows each layer's name, feature count, geometry type, source CRS, repaired \
            and skipped features and source; --json adds extents and import times.

            Examples:
              renewalgis layers --store city.sqlite
              renewalgis layers --store city.sqlite --json
            """
    )

    @Option(help: StoreHelp.text)
    var store: StoreAddress

    @Flag(help: "Print the catalogue as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let records = try store.openExisting().layers()
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
    /// The catalogue as a table that fits the terminal (extents and import times: `--json`).
    static func render(_ records: [LayerRecord]) -> String {
        TextTable.render(
            header: ["layer", "features", "geometry", "source CRS", "repaired", "skipped", "source"],
            rows: records.map { r in
                [r.name, String(r.featureCount), r.geometryType, r.sourceCRS, String(r.repairedCount), String(r.skippedCount),
                 // The source layer when it differs from the store's name for it (and from the file's).
                 [r.name, (r.sourceFile as NSString).lastPathComponent].contains(r.sourceLayer) ? r.sourceFile : "\(r.sourceFile) (\(r.sourceLayer))"]
            })
    }
}
