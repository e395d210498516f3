import Foundation
import GeoFiles
import GeoKernel
import GRDB

/// How to import one source layer.
public struct ImportOptions: Sendable {
    /// Name of the layer in the store; default: the source layer's name, lower-cased, with
    /// characters other than letters, digits and _ replaced by _.
    public var layerName: String?
    /// The source CRS, overriding whatever the file declares.
    public var crs: CRS?
    /// Replace an existing layer of the same name (atomically) instead of failing.
    public var replace = false
    /// Stop at the first invalid geometry instead of repairing it.
    public var strict = false
    /// Source field name → store column name, e.g. a Shapefile's truncated `planned_ac` → `planned_action`.
    public var renames: [String: String] = [:]

    public init(layerName: String? = nil, crs: CRS? = nil, replace: Bool = false, strict: Bool = false, renames: [String: String] = [:]) {
        self.layerName = layerName; self.crs = crs; self.replace = replace; self.strict = strict; self.renames = renames
    }
}

/// What an import did.
public struct ImportReport: Sendable {
    public var record: LayerRecord
    /// Things the user should know: CRS assumed, positions outside China for GCJ-02, skipped features…
    public var warnings: [String]
    /// Wall time of the import, seconds.
    public var seconds: Double
}

/// Imports a file layer into a store in one transaction: create the table, stream the
/// features (reproject to EPSG:4490, repair or reject invalid geometry), build the spatial
/// index and write the catalogue row — all or nothing.
public enum LayerImporter {
    /// How many skipped or repaired features are listed by id in the warnings.
    static let listedExamples = 5

    /// Imports several layers (e.g. every layer of a GeoPackage) in ONE transaction: either all
    /// of them land in the store or none does. `progress` gets (layer name, features so far).
    public static func importLayers(_ sources: [(layer: SourceLayer, options: ImportOptions)], into store: SpatialStore,
                                    progress: ((String, Int) -> Void)? = nil) throws -> [ImportReport] {
        try store.write { db in
            try sources.map { source, options in
                try importLayer(source, into: db, storePath: store.path, options: options) { progress?(source.name, $0) }
            }
        }
    }

    /// Imports one layer in its own transaction.
    public static func importLayer(_ source: SourceLayer, into store: SpatialStore, options: ImportOptions = ImportOptions(),
                                   progress: ((Int) -> Void)? = nil) throws -> ImportReport {
        try importLayers([(source, options)], into: store) { progress?($1) }[0]
    }

    static func importLayer(_ source: SourceLayer, into db: Database, storePath: String, options: ImportOptions,
                            progress: ((Int) -> Void)?) throws -> ImportReport {
        let started = Date()
        let name = try options.layerName.map(validated) ?? sanitizedName(source.name)
        var warnings: [String] = []
        let path = source.source.path

        // Decide the source CRS before touching the store.
        var sourceCRS = options.crs ?? source.declaredCRS
        if let crs = sourceCRS {
            _ = try CRSRegistry.info(crs)
        } else if let name = source.declaredCRSName, options.crs == nil {
            throw FileError(path: path, reason: "layer \(source.name) has CRS \"\(name)\" with no EPSG equivalent; pass --crs with its EPSG code")
        }

        let fields = source.fields.map { FieldInfo(name: options.renames[$0.name] ?? $0.name, type: $0.type) }
        let builder = try LayerBuilder(db, storePath: storePath, name: name, fields: fields,
                                       kind: source.declaredKind.map(LayerBuilder.storageKind), replace: options.replace)
        let geos = try GEOSContext()
        var projector: Projector? = nil
        var repaired = 0, skipped = 0
        var repairedExamples: [String] = [], skippedExamples: [String] = []

        func skip(_ location: String, _ why: String) {
            skipped += 1
            if skippedExamples.count < listedExamples { skippedExamples.append("\(location): \(why)") }
        }

        try source.forEachFeature { feature in
            let location = "\(path): " + source.location(of: feature.index, values: feature.values)
            guard var geometry = feature.geometry, !geometry.isEmpty else {
                skip(location, feature.geometry == nil ? "no geometry" : "empty geometry")
                return
            }
            if projector == nil {
                if sourceCRS == nil {
                    guard let env = geometry.envelope, env.minX >= 73, env.maxX <= 136, env.minY >= 3, env.maxY <= 54 else {
                        throw StoreError.noCRS(path: path, layer: source.name)
                    }
                    sourceCRS = .cgcs2000
                    warnings.append("\(path): layer \(source.name) declares no CRS; its coordinates are lon/lat inside China, taken as EPSG:4490 (CGCS2000). Pass --crs if they are GCJ02, BD09 or another CRS.")
                }
                projector = try Projector(from: sourceCRS!, to: .cgcs2000)
            }
            do {
                try projector!.transform(&geometry)
            } catch {
                throw FileError(path: path, location: source.location(of: feature.index, values: feature.values), reason: "\(error)")
            }
            guard let env = geometry.envelope, env.minX >= -180, env.maxX <= 180, env.minY >= -90, env.maxY <= 90 else {
                throw FileError(path: path, location: source.location(of: feature.index, values: feature.values),
                                reason: "coordinates are not lon/lat after converting from \(sourceCRS!) (is that the file's CRS? pass --crs)")
            }

            let kind = builder.kind ?? LayerBuilder.storageKind(for: geometry.kind)
            guard let fitted = LayerBuilder.fit(geometry, to: kind) else {
                if options.strict { throw StoreError.incompatibleGeometry(location: location, kind: geometry.kind.rawValue, layerKind: kind.rawValue) }
                skip(location, "a \(geometry.kind.rawValue) in a \(kind.rawValue) layer")
                return
            }
            geometry = fitted

            if kind.dimension != 0 {
                let reason: String?
                do { reason = try geos.invalidityReason(geometry) } catch { reason = "\(error)" }
                if let reason {
                    if options.strict { throw StoreError.invalidGeometry(location: location, reason: reason) }
                    guard let fixed = try? geos.makeValid(geometry), let refit = LayerBuilder.fit(fixed, to: kind) else {
                        skip(location, "invalid (\(reason)) and nothing is left after repair")
                        return
                    }
                    geometry = refit
                    repaired += 1
                    if repairedExamples.count < listedExamples { repairedExamples.append("\(location): \(reason)") }
                }
            }

            try builder.append(feature.values, geometry: geometry)
            if builder.count % 2000 == 0 { progress?(builder.count) }
        }
        progress?(builder.count)

        if let outside = projector?.positionsOutsideChina, outside > 0 {
            warnings.append("\(path): \(outside) positions lie outside China, where the \(sourceCRS!) offset does not apply; they were taken as they are")
        }
        if repaired > 0 {
            warnings.append("repaired \(repaired) invalid geometr\(repaired == 1 ? "y" : "ies") with MakeValid, e.g. " + repairedExamples.joined(separator: "; "))
        }
        if skipped > 0 {
            warnings.append("skipped \(skipped) feature\(skipped == 1 ? "" : "s"), e.g. " + skippedExamples.joined(separator: "; "))
        }
        let record = try builder.finish(LayerRecord(
            name: name, kind: "source", sourceFile: path, sourceLayer: source.name,
            sourceCRS: sourceCRS?.description ?? "EPSG:4490", featureCount: 0, geometryType: "",
            importedAt: ISO8601DateFormatter().string(from: Date()), repairedCount: repaired, skippedCount: skipped))
        return ImportReport(record: record, warnings: warnings, seconds: Date().timeIntervalSince(started))
    }

    /// Store layer names are SQL identifiers: letters, digits and _, starting with a letter.
    public static func validated(_ name: String) throws -> String {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic,
              name.unicodeScalars.allSatisfy({ $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }),
              !name.lowercased().hasPrefix("sqlite_"), !name.lowercased().hasPrefix("renewalgis_"), !name.lowercased().hasPrefix("idx_")
        else { throw StoreError.invalidLayerName(name) }
        return name
    }

    static func sanitizedName(_ raw: String) throws -> String {
        var s = String(raw.lowercased().unicodeScalars.map { $0.properties.isAlphabetic || ("0"..."9").contains($0) ? Character($0) : "_" })
        if let first = s.unicodeScalars.first, !first.properties.isAlphabetic { s = "layer_" + s }
        return try validated(s.isEmpty ? "layer" : s)
    }
}
