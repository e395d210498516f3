import CSpatiaLite
import Foundation
import GeoKernel

/// A GeoPackage read with SQLite directly, for the common case: feature tables of simple
/// geometries (points, lines, polygons and their multi forms) with plain attribute types
/// (integer, boolean, real, text, date) in an EPSG CRS. The import then never loads GDAL, whose
/// driver registry alone maps about 20 MB; `VectorSource` hands every other GeoPackage (curves,
/// generic geometry columns, DATETIME or BLOB columns, attribute-only tables, other CRS
/// authorities) to GDAL, so what this reader accepts it reads exactly as GDAL would.
final class GeoPackageFile {
    let path: String
    /// The feature tables in `gpkg_contents` order, which is GDAL's layer order.
    let tables: [GeoPackageTable]
    private let db: OpaquePointer

    private init(path: String, db: OpaquePointer, tables: [GeoPackageTable]) {
        self.path = path; self.db = db; self.tables = tables
    }

    deinit { sqlite3_close_v2(db) }

    /// Opens `path` read-only; nil when SQLite cannot open it or it is not a GeoPackage this
    /// reader handles in full (GDAL then reads it, and reports what is wrong with it).
    static func openIfPlain(path: String) -> GeoPackageFile? {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db = handle else {
            sqlite3_close_v2(handle)
            return nil
        }
        // Features are read once, in order: a small page cache is enough.
        sqlite3_exec(db, "PRAGMA cache_size = -512", nil, nil, nil)
        guard let tables = try? plainTables(db) else {
            sqlite3_close_v2(db)
            return nil
        }
        return GeoPackageFile(path: path, db: db, tables: tables)
    }

    private struct NotPlain: Error {}

    /// The file's feature tables, or `NotPlain` as soon as anything needs GDAL.
    private static func plainTables(_ db: OpaquePointer) throws -> [GeoPackageTable] {
        let contents = try rows(db, "SELECT table_name, data_type FROM gpkg_contents ORDER BY rowid")
        var tables: [GeoPackageTable] = []
        for row in contents {
            guard let name = row[0] else { throw NotPlain() }
            switch row[1]?.lowercased() {
            case "features": break
            case "tiles", "2d-gridded-coverage": continue        // rasters: not vector layers
            default: throw NotPlain()                             // attribute tables and extensions
            }
            tables.append(try table(db, name))
        }
        return tables
    }

    private static func table(_ db: OpaquePointer, _ name: String) throws -> GeoPackageTable {
        let geometryRows = try rows(db, """
            SELECT g.column_name, g.geometry_type_name, s.organization, s.organization_coordsys_id, s.srs_name
            FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id
            WHERE g.table_name = \(quoteLiteral(name))
            """)
        guard geometryRows.count == 1, let geometryColumn = geometryRows[0][0],
              let kind = simpleKinds[geometryRows[0][1]?.uppercased() ?? ""],
              geometryRows[0][2]?.uppercased() == "EPSG", let code = geometryRows[0][3].flatMap({ Int($0) }), code > 0
        else { throw NotPlain() }

        var columns: [(name: String, type: FieldType)] = []
        // PRAGMA table_info: cid, name, type, notnull, dflt_value, pk.
        let info = try rows(db, "PRAGMA table_info(\(quoteIdentifier(name)))")
        guard !info.isEmpty else { throw NotPlain() }
        for column in info {
            guard let columnName = column[1] else { throw NotPlain() }
            let declared = (column[2] ?? "").uppercased()
            if columnName == geometryColumn { continue }
            // GDAL takes the INTEGER primary key as the feature id, not as a field.
            if column[5] != "0" && declared == "INTEGER" { continue }
            guard let type = fieldType(declared) else { throw NotPlain() }
            columns.append((columnName, type))
        }
        return GeoPackageTable(name: name, geometryColumn: geometryColumn, columns: columns, kind: kind,
                               crs: .epsg(code), crsName: geometryRows[0][4])
    }

    /// The GeoPackage geometry types this reader decodes; anything else (GEOMETRY, curves) goes to GDAL.
    private static let simpleKinds: [String: GeometryKind] = [
        "POINT": .point, "LINESTRING": .lineString, "POLYGON": .polygon,
        "MULTIPOINT": .multiPoint, "MULTILINESTRING": .multiLineString, "MULTIPOLYGON": .multiPolygon,
    ]

    /// The store type of a GeoPackage column type (GeoPackage 1.3, table 1), as GDAL maps it;
    /// nil for DATETIME and BLOB, whose text form GDAL rewrites (those tables go to GDAL).
    static func fieldType(_ declared: String) -> FieldType? {
        let base = declared.split(separator: "(").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        switch base {
        case "INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT": return .integer
        case "BOOLEAN": return .boolean
        case "REAL", "DOUBLE", "FLOAT": return .real
        case "TEXT": return .text
        case "DATE": return .date
        default: return nil
        }
    }

    /// The rows of `sql` as text (NULL as nil).
    private static func rows(_ db: OpaquePointer, _ sql: String) throws -> [[String?]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw NotPlain() }
        defer { sqlite3_finalize(statement) }
        var result: [[String?]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { return result }
            guard rc == SQLITE_ROW else { throw NotPlain() }
            result.append((0..<sqlite3_column_count(statement)).map { i in
                sqlite3_column_text(statement, i).map { String(cString: $0) }
            })
        }
    }

    static func quoteIdentifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    static func quoteLiteral(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The table's row count as the file records it (`gpkg_ogr_contents`, kept by GDAL and other
    /// writers), without reading the table; nil when the file keeps none.
    func recordedCount(_ table: GeoPackageTable) -> Int? {
        firstInteger("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = \(GeoPackageFile.quoteLiteral(table.name))")
    }

    /// The table's row count, counted (reads the whole table).
    func count(_ table: GeoPackageTable) -> Int? {
        firstInteger("SELECT count(*) FROM \(GeoPackageFile.quoteIdentifier(table.name))")
    }

    private func firstInteger(_ sql: String) -> Int? {
        (try? GeoPackageFile.rows(db, sql)).flatMap { $0.first?.first ?? nil }.flatMap { Int($0) }
    }

    /// Streams `table`'s rows in rowid order (GDAL's order) as attribute values aligned with
    /// `table.columns` and the geometry blob's WKB. `location` names a feature for messages.
    func forEachRow(of table: GeoPackageTable, location: (Int, [PropertyValue]) -> String,
                    _ body: (Int, [PropertyValue], Geometry?) throws -> Void) throws {
        let names = ([table.geometryColumn] + table.columns.map(\.name)).map(GeoPackageFile.quoteIdentifier)
        let sql = "SELECT \(names.joined(separator: ", ")) FROM \(GeoPackageFile.quoteIdentifier(table.name))"
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw FileError(path: path, location: "layer \(table.name)", reason: "read error: \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        var index = 0
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else {
                throw FileError(path: path, location: location(index, []), reason: "read error: \(String(cString: sqlite3_errmsg(db)))")
            }
            var values: [PropertyValue] = []
            values.reserveCapacity(table.columns.count)
            for (k, column) in table.columns.enumerated() {
                do {
                    values.append(try GeoPackageFile.value(statement, Int32(k + 1), column.type))
                } catch let why as TextError {
                    throw FileError(path: path, location: location(index, values) + ", column \(column.name)", reason: why.description)
                }
            }
            let geometry: Geometry?
            do {
                geometry = try GeoPackageFile.geometry(statement, 0)
            } catch {
                throw FileError(path: path, location: location(index, values), reason: "\(error)")
            }
            try body(index, values, geometry)
            index += 1
        }
    }

    private static func value(_ statement: OpaquePointer, _ column: Int32, _ type: FieldType) throws -> PropertyValue {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return .null }
        switch type {
        case .integer: return .int(sqlite3_column_int64(statement, column))
        case .boolean: return .bool(sqlite3_column_int64(statement, column) != 0)
        case .real: return .double(sqlite3_column_double(statement, column))
        case .text, .date, .dateTime:
            // The whole value (sqlite3_column_bytes counts past a NUL, which a C string would stop at),
            // decoded strictly: a NUL or invalid UTF-8 is an error, never cut short or replaced by U+FFFD.
            guard let text = sqlite3_column_text(statement, column) else { return .string("") }
            let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column)))
            if let nul = bytes.firstIndex(of: 0) { throw TextError(description: "text holds a NUL character at byte \(nul + 1)") }
            // ASCII needs no check; other text is checked by our own (specialised) UTF-8 walk, not by the
            // standard library's generic String(validating:), whose type-metadata look-ups cost ~4 % of an import.
            guard !bytes.allSatisfy({ $0 < 0x80 }), let bad = TextFileCheck.firstInvalidUTF8(bytes) else {
                return .string(String(decoding: bytes, as: UTF8.self))
            }
            let shown = bytes[bad..<min(bytes.count, bad + 4)].map { String(format: "%02x", $0) }.joined(separator: " ")
            throw TextError(description: "text is not valid UTF-8 (bytes \(shown) at byte \(bad + 1)); GeoPackage text must be UTF-8")
        }
    }

    struct TextError: Error, CustomStringConvertible { var description: String }

    /// Decodes a GeoPackage geometry blob (GeoPackage 1.3, 2.1.3): "GP", version, flags, srs_id,
    /// an optional envelope, then standard WKB. Empty geometries come back as an empty collection,
    /// as GDAL reports them.
    private static func geometry(_ statement: OpaquePointer, _ column: Int32) throws -> Geometry? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        guard let start = sqlite3_column_blob(statement, column) else { return nil }
        return try geometry(blob: UnsafeRawBufferPointer(start: start, count: count))
    }

    /// The geometry of one GeoPackage geometry blob (the part of `geometry(_:_:)` that reads bytes).
    static func geometry(blob: UnsafeRawBufferPointer) throws -> Geometry {
        let count = blob.count
        guard count >= 8, blob[0] == 0x47, blob[1] == 0x50 else {
            throw GeoPackageBlobError(description: "geometry is not a GeoPackage geometry blob")
        }
        let flags = blob[3]
        guard flags & 0b0010_0000 == 0 else {
            throw GeoPackageBlobError(description: "extended GeoPackage geometry blobs are not supported")
        }
        if flags & 0b0001_0000 != 0 { return .geometryCollection([]) }
        let envelopeBytes: Int
        switch (flags >> 1) & 0b111 {
        case 0: envelopeBytes = 0
        case 1: envelopeBytes = 32
        case 2, 3: envelopeBytes = 48
        case 4: envelopeBytes = 64
        default: throw GeoPackageBlobError(description: "bad envelope code in GeoPackage geometry blob")
        }
        let header = 8 + envelopeBytes
        guard count > header else { throw GeoPackageBlobError(description: "GeoPackage geometry blob truncated") }
        return try WKB.decode(UnsafeRawBufferPointer(rebasing: blob[header...]))
    }
}

struct GeoPackageBlobError: Error, CustomStringConvertible {
    var description: String
}

/// One feature table of a `GeoPackageFile`.
struct GeoPackageTable {
    let name: String
    let geometryColumn: String
    /// Attribute columns in table order (without the feature id and the geometry).
    let columns: [(name: String, type: FieldType)]
    let kind: GeometryKind
    let crs: CRS
    let crsName: String?
}
