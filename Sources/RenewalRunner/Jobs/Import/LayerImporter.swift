import Dispatch
import Foundation
import GeoFiles
import GeoKernel
import GeoStore
import RenewalStore

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
    /// The field holding 用地用海 codes (after renaming): its values are checked against the 2023 list.
    public var landUseField = "land_use"
    /// Convert GB 50137-2011 letter codes (R2, M1, …) in the land-use field to 用地用海 2023 codes.
    public var mapGB50137 = false

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
/// index and write the catalogue row — all or nothing. Works on any `LayerImporting` store: the
/// store creates, fills and indexes; everything else happens here.
public enum LayerImporter {
    /// Attribute columns a SpatiaLite layer can have: SQLite's default limit of 2,000 columns per
    /// table, less fid and geom (a store's own limit is its `maximumFields`).
    public static let maximumFields = SpatialStore.maximumFields

    /// How many skipped or repaired features are listed by id in the warnings.
    static let listedExamples = 5

    /// Imports several layers (e.g. every layer of a GeoPackage) in ONE transaction: either all
    /// of them land in the store or none does. `progress` gets (layer name, features so far).
    public static func importLayers(_ sources: [(layer: SourceLayer, options: ImportOptions)], into store: any LayerImporting,
                                    progress: ((String, Int) -> Void)? = nil) throws -> [ImportReport] {
        try store.importing { session in
            try sources.map { source, options in
                try importLayer(source, into: session, store: store, options: options) { progress?(source.name, $0) }
            }
        }
    }

    /// Imports one layer in its own transaction.
    public static func importLayer(_ source: SourceLayer, into store: any LayerImporting, options: ImportOptions = ImportOptions(),
                                   progress: ((Int) -> Void)? = nil) throws -> ImportReport {
        try importLayers([(source, options)], into: store) { progress?($1) }[0]
    }

    static func importLayer(_ source: SourceLayer, into session: any LayerImportSession, store: any LayerImporting, options: ImportOptions,
                            progress: ((Int) -> Void)?) throws -> ImportReport {
        let started = Date()
        let name = try options.layerName.map(LayerName.validated) ?? LayerName.sanitized(source.name)
        let path = source.source.path

        // Decide the source CRS before touching the store.
        let declared = options.crs ?? source.declaredCRS
        if let crs = declared {
            _ = try CRSRegistry.info(crs)
        } else if let name = source.declaredCRSName, options.crs == nil {
            throw FileError(path: path, reason: "layer \(source.name) has CRS \"\(name)\" with no EPSG equivalent; pass --crs with its EPSG code")
        }

        let fields = source.fields.map { FieldInfo(name: options.renames[$0.name] ?? $0.name, type: $0.type) }
        let maximumFields = store.maximumFields
        guard fields.count <= maximumFields else {
            throw FileError(path: path, location: "layer \(source.name)",
                            reason: "\(fields.count) attribute columns (from \(fields[maximumFields].name) on) are more than the \(maximumFields) a layer of \(store.location) can hold\(maximumFields == LayerImporter.maximumFields ? " (SQLite's limit of 2,000 columns, with fid and geom)" : ""); keep the columns you need (e.g. ogr2ogr -select) and import that")
        }
        let builder = try session.createLayer(name, fields: fields, kind: source.declaredKind.map(\.storageKind), replace: options.replace)

        // Two cores: this thread writes rows into SQLite while a reader thread reads the file,
        // reprojects, checks and repairs geometry and encodes blobs. The reader owns the GDAL
        // layer, GEOS context and projector until it ends; batches are bounded, so memory does
        // not grow with the file.
        let reader = FeatureReader(source: source, options: options, crs: declared, kind: builder.kind, encoding: store.geometryEncoding)
        let batches = BoundedQueue<FeatureReader.Batch>(capacity: 8)
        let handoff = UncheckedHandoff(reader)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            do { try handoff.value.read(into: batches) } catch { batches.close(with: error) }
            done.signal()
        }
        do {
            while let batch = try batches.take() {
                for row in batch.rows { try builder.append(row.values, encodedGeometry: row.blob, envelope: row.envelope, kind: batch.kind) }
                progress?(builder.count)
            }
        } catch {
            // Stop the reader and wait for it: it still uses the GDAL layer the caller owns.
            batches.abandon()
            done.wait()
            throw error
        }
        done.wait()
        // The reader has finished: its state is ours now.
        var warnings = reader.warnings
        if let outside = reader.positionsOutsideChina, outside > 0 {
            warnings.append("\(path): \(outside) positions lie outside China, where the \(reader.sourceCRS!) offset does not apply; they were taken as they are")
        }
        let field = options.landUseField
        if reader.unknownCodes > 0 {
            warnings.append("\(path): \(reader.unknownCodes) features have a \(field) that is not a 用地用海 2023 code (kept as is; check it, or leading zeros lost in a numeric field), e.g. " + reader.unknownCodeExamples.joined(separator: "; "))
        }
        if reader.letterCodes > 0 {
            warnings.append("\(path): \(reader.letterCodes) features have GB 50137-2011 letter codes in \(field) (kept as is; --map-gb50137 converts them), e.g. " + reader.letterCodeExamples.joined(separator: "; "))
        }
        if reader.convertedCodes > 0 {
            warnings.append("\(path): converted \(reader.convertedCodes) GB 50137-2011 letter codes in \(field) to 用地用海 2023 codes (table in docs/conflicts.md)")
        }
        if reader.repaired > 0 {
            warnings.append("repaired \(reader.repaired) invalid geometr\(reader.repaired == 1 ? "y" : "ies") with MakeValid, e.g. " + reader.repairedExamples.joined(separator: "; "))
        }
        if reader.skipped > 0 {
            warnings.append("skipped \(reader.skipped) feature\(reader.skipped == 1 ? "" : "s"), e.g. " + reader.skippedExamples.joined(separator: "; "))
        }
        let record = try builder.finish(LayerRecord(
            name: name, kind: "source", sourceFile: path, sourceLayer: source.name,
            sourceCRS: reader.sourceCRS?.description ?? "EPSG:4490", featureCount: 0, geometryType: "",
            importedAt: ISO8601DateFormatter().string(from: Date()), repairedCount: reader.repaired, skippedCount: reader.skipped))
        return ImportReport(record: record, warnings: warnings, seconds: Date().timeIntervalSince(started))
    }
}
