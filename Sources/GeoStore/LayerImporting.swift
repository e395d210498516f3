import Foundation
import GeoKernel

/// A store that layers can be imported into: layers created and filled inside one write transaction.
/// The import pipeline (reading files, reprojecting, repairing, checking codes) is the jobs'
/// (`RenewalRunner`'s `LayerImporter`); a backend only creates tables, takes encoded rows and indexes them.
public protocol LayerImporting: LayerStore {
    /// The most attribute fields one layer can hold in this store.
    var maximumFields: Int { get }
    /// Runs `body` in one write transaction: every layer it imports lands, or (when it throws) none does
    /// and the store is as it was.
    func importing<T>(_ body: (any LayerImportSession) throws -> T) throws -> T
}

/// The write transaction of an import.
public protocol LayerImportSession {
    /// Starts layer `name` (already a valid `LayerName`) with `fields` and, when the source declares it,
    /// its stored kind. An existing layer of that name is replaced when `replace`, else
    /// `StoreError.layerExists`.
    func createLayer(_ name: String, fields: [FieldInfo], kind: GeometryKind?, replace: Bool) throws -> any ImportedLayer
}

/// A layer being filled inside an import transaction.
public protocol ImportedLayer: AnyObject {
    /// The stored kind: declared, or fixed by the first row.
    var kind: GeometryKind? { get }
    /// Rows appended so far.
    var count: Int { get }
    /// Appends a row: values in field order, geometry (EPSG:4490, of `kind`) in the store's
    /// `geometryEncoding` with its bounding box.
    func append(_ values: [PropertyValue], encodedGeometry: [UInt8], envelope: Envelope, kind: GeometryKind) throws
    /// Indexes the layer and writes its catalogue entry from `record` (count, extent and geometry type
    /// are filled in here); returns the entry as written.
    func finish(_ record: LayerRecord) throws -> LayerRecord
}

/// Store layer names: the same rule for every backend (they are SQL identifiers in each).
public enum LayerName {
    /// `name` when it is a valid layer name — letters, digits and _, starting with a letter, and not
    /// a name the stores keep for themselves (`sqlite_`, `renewalgis_`, `idx_`) — else `StoreError.invalidLayerName`.
    public static func validated(_ name: String) throws -> String {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic,
              name.unicodeScalars.allSatisfy({ $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }),
              !name.lowercased().hasPrefix("sqlite_"), !name.lowercased().hasPrefix("renewalgis_"), !name.lowercased().hasPrefix("idx_")
        else { throw StoreError.invalidLayerName(name) }
        return name
    }

    /// The name a source layer gets by default: lower-cased, characters other than letters and digits
    /// replaced by _, `layer_` in front when it does not start with a letter.
    public static func sanitized(_ raw: String) throws -> String {
        var s = String(raw.lowercased().unicodeScalars.map { $0.properties.isAlphabetic || ("0"..."9").contains($0) ? Character($0) : "_" })
        if let first = s.unicodeScalars.first, !first.properties.isAlphabetic { s = "layer_" + s }
        return try validated(s.isEmpty ? "layer" : s)
    }

    /// The column names of a layer table for `fields`, in order: `fid` and `geom` are reserved, and
    /// names equal but for case (SQLite's column names are case-insensitive) get a numeric suffix,
    /// so every SQL backend gives a layer the same columns.
    public static func columnNames(for fields: [FieldInfo]) -> [String] {
        var used: Set<String> = ["fid", "geom"]
        return fields.map { field in
            var candidate = field.name.isEmpty ? "field" : field.name
            var n = 2
            while used.contains(candidate.lowercased()) { candidate = "\(field.name)_\(n)"; n += 1 }
            used.insert(candidate.lowercased())
            return candidate
        }
    }
}
