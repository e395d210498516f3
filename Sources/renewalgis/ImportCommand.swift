import ArgumentParser
import Foundation
import GeoFiles
import GeoKernel
import RenewalRunner
import RenewalStore
import Support

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a GeoJSON, GeoPackage, Shapefile or CSV file into the store (atomically).",
        usage: "renewalgis import <file> --store <store> [<options>]",
        discussion: """
            Every layer is stored in EPSG:4490 with a spatial index and recorded in the catalogue. \
            The source CRS comes from the file (.prj, GeoPackage srs, GeoJSON) or from --crs, which \
            overrides it. Invalid geometry is repaired with GEOS MakeValid and counted (--strict \
            stops instead). All layers of one file are imported in one transaction.

            Examples:
              renewalgis import GeoData/streets.geojson --store city.sqlite
              renewalgis import GeoData/parcels.shp --encoding GBK \\
                  --rename planned_ac=planned_action --store city.sqlite
              renewalgis import GeoData/facilities.csv --crs GCJ02 --store city.sqlite
              renewalgis import GeoData/planning_constraints.gpkg --store city.sqlite
              renewalgis import GeoData/planning_constraints.gpkg --layer heritage_zones \\
                  --store city.sqlite --replace
            """
    )

    @Argument(help: "The file to import (.geojson, .gpkg, .shp, .csv, or anything GDAL reads).")
    var file: String

    @Option(help: StoreHelp.creating)
    var store: StoreAddress

    @Option(help: "Import only this layer of the file (default: every layer).")
    var layer: String?

    @Option(name: .customLong("as"), help: "Name of the layer in the store (default: the source layer's name).")
    var storeName: String?

    @Option(help: "Source CRS, overriding the file's: EPSG:4545, 4490, CRS84, GCJ02, BD09, …")
    var crs: String?

    @Option(help: "Text encoding of a Shapefile without .cpg, e.g. GBK.")
    var encoding: String?

    @Option(help: ArgumentHelp("Rename a field on import (repeatable), e.g. planned_ac=planned_action.", valueName: "old=new"))
    var rename: [String] = []

    @Option(help: "Field of 用地用海 codes, checked against the 2023 list (unknown codes are reported with their features).")
    var landUseField = "land_use"

    @Flag(help: "Convert GB 50137-2011 letter codes (R2, M1, …) in the land-use field to 用地用海 2023 codes.")
    var mapGb50137 = false

    @Flag(help: "Replace a layer of the same name (atomically).")
    var replace = false

    @Flag(help: "Stop at the first invalid geometry, naming it, instead of repairing it.")
    var strict = false

    /// The encoding, the CRS and the --rename pairs, before the file is opened or the store created.
    mutating func validate() throws {
        try reportingErrors {
            if let encoding, let problem = TextEncodings.problem(with: encoding, what: "--encoding") {
                throw ValidationError(problem)
            }
            _ = try crsOverride()
            _ = try renames()
        }
    }

    /// --crs, known to PROJ.
    private func crsOverride() throws -> CRS? {
        try crs.map { text -> CRS in
            let parsed = try CRS(parsing: text)
            _ = try CRSRegistry.info(parsed)
            return parsed
        }
    }

    /// --rename as old → new.
    private func renames() throws -> [String: String] {
        var renames: [String: String] = [:]
        for pair in rename {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--rename takes old=new, got \"\(pair)\"")
            }
            renames[parts[0]] = parts[1]
        }
        return renames
    }

    func run() throws {
        try reportingErrors {
            let started = Date()
            let crsOverride = try crsOverride()
            if let encoding, (file as NSString).pathExtension.lowercased() == "shp" {
                let cpg = ((file as NSString).deletingPathExtension as NSString).appendingPathExtension("cpg")!
                if FileManager.default.fileExists(atPath: cpg) {
                    Terminal.warning("\(Terminal.path(file)): --encoding \(encoding) overrides the encoding in \(Terminal.path(cpg))")
                }
            }
            let renames = try renames()
            // The line shows the bytes GDAL has read while it opens the file (a large GeoJSON is
            // read through once before the first feature), then features of the total per layer.
            let progress = ProgressLine("opening \(Terminal.path(file))", unit: "bytes")
            defer { progress.finish() }
            progress.phase("opening \(Terminal.path(file))", unit: "bytes", poll: FileReadProgress.reading(file))
            let source = try VectorSource(path: file, encoding: encoding)
            let layers = try layer.map { [try source.layer(named: $0)] } ?? source.layers()
            guard !layers.isEmpty else { throw FileError(path: file, reason: "the file has no layers") }
            if storeName != nil && layers.count > 1 {
                throw ValidationError("--as names one layer, but \(file) has \(layers.count); pick one with --layer")
            }
            if let unknown = renames.keys.sorted().first(where: { name in !layers.contains { $0.fields.contains { $0.name == name } } }) {
                let fields = layers.flatMap { $0.fields.map(\.name) }
                throw FileError(path: file, reason: "--rename \(unknown)=…: the file has no field \(unknown)\(NearestNames.suggestion(for: unknown, in: fields))")
            }
            let store = try store.openOrCreate()
            var options = ImportOptions(layerName: storeName, crs: crsOverride, replace: replace, strict: strict, renames: renames)
            options.landUseField = landUseField
            options.mapGB50137 = mapGb50137
            let totals = Dictionary(layers.map { ($0.name, $0.featureCountHint) }, uniquingKeysWith: { a, _ in a })
            let bytes = FileReadProgress.reading(file)
            var current: String?
            func start(_ name: String) {
                current = name
                progress.phase("importing \(name)", total: totals[name] ?? nil, poll: bytes)
            }
            start(layers[0].name)
            let reports = try LayerImporter.importLayers(layers.map { ($0, options) }, into: store) { name, count in
                if name != current { start(name) }
                progress.update(count)
            }
            progress.finish()
            let seconds = Date().timeIntervalSince(started)
            for report in reports {
                report.warnings.forEach(Terminal.warning)
                let r = report.record
                // One layer: the time from the start of the command to the commit (opening the file,
                // reading, the spatial index); several: each layer's own time, and the whole below.
                let time = reports.count == 1 ? seconds : report.seconds
                let rate = time > 0 ? Int(Double(r.featureCount) / time) : 0
                print("imported \(r.name): \(r.featureCount) features from \(r.sourceCRS) (\(r.repairedCount) repaired, \(r.skippedCount) skipped) in \(String(format: "%.2f", time)) s, \(rate) features/s")
            }
            if reports.count > 1 {
                let features = reports.map(\.record.featureCount).reduce(0, +)
                print("imported \(reports.count) layers, \(features) features, from \(Terminal.path(file)) in \(String(format: "%.2f", seconds)) s")
            }
        }
    }
}
