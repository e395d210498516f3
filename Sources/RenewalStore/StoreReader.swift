import CSpatiaLite
import Foundation
import GeoFiles
import GeoKernel
import GRDB

/// Read access to a store for serving: a pool of SQLite connections (WAL mode, so readers run
/// side by side and beside a writer), each with mod_spatialite loaded.
public final class StoreReader: Sendable {
    public let path: String
    let pool: DatabasePool
    private let identifiers = IdentifierCache()

    /// Per layer, the field that identifies features (nil: the row id), decided once.
    final class IdentifierCache: @unchecked Sendable {
        private var known: [String: String?] = [:]
        private let lock = NSLock()
        func value(_ layer: String, _ compute: () throws -> String?) rethrows -> String? {
            lock.lock(); defer { lock.unlock() }
            if let v = known[layer] { return v }
            let v = try compute()
            known[layer] = v
            return v
        }
    }

    /// The layer's identifying field: the first of `id` and the fields ending in `_id` whose values
    /// are all present and distinct (e.g. `parcel_id`), so feature ids are the ones planners use;
    /// nil when there is none (the row id `fid` serves then).
    public func identifierField(of layer: String) throws -> String? {
        try identifiers.value(layer) {
            let fields = try self.fields(of: layer).map(\.name)
            let candidates = fields.filter { $0.lowercased() == "id" } + fields.filter { $0.lowercased().hasSuffix("_id") }
            return try pool.read { db in
                let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(SQL.quote(layer))") ?? 0
                for field in candidates {
                    let distinct = try Int.fetchOne(db, sql: "SELECT count(DISTINCT \(SQL.quote(field))) FROM \(SQL.quote(layer)) WHERE \(SQL.quote(field)) IS NOT NULL") ?? 0
                    if distinct == total { return field }
                }
                return nil
            }
        }
    }

    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.notAStore(path: path, reason: "no such file; `renewalgis import` creates one")
        }
        try SpatialStore.checkSQLiteHeader(path)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.maximumReaderCount = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        config.prepareDatabase { db in try SpatialStore.loadSpatiaLite(db, path: path) }
        do { pool = try DatabasePool(path: path, configuration: config) } catch let e as DatabaseError {
            throw StoreError.notAStore(path: path, reason: e.message ?? "\(e)")
        }
        guard try pool.read({ try $0.tableExists(LayerRecord.databaseTableName) }) else {
            throw StoreError.notAStore(path: path, reason: "a SQLite file without the renewalgis_layers catalogue")
        }
    }

    public func layers() throws -> [LayerRecord] {
        try pool.read { db in try LayerRecord.order(Column("name")).fetchAll(db) }
    }

    /// The catalogue entry, or nil for an unknown layer.
    public func layer(_ name: String) throws -> LayerRecord? {
        try pool.read { db in try LayerRecord.fetchOne(db, key: name) }
    }

    public func fields(of layer: String) throws -> [FieldInfo] {
        try pool.read { db in try SpatialStore.fields(of: layer, in: db) }
    }

    /// A page of features of a catalogued layer, in `fid` order, optionally only those whose geometry
    /// intersects `bbox` (EPSG:4490; found through the R*Tree, then tested exactly). Returns the
    /// features and how many match in all.
    /// `equal` filters on attribute columns (names already checked against the layer; values bound as
    /// parameters, compared as the column's type).
    public func features(of layer: String, bbox: Envelope?, equal: [(column: String, value: String)] = [], limit: Int, offset: Int) throws -> (features: [Feature], matched: Int) {
        try pool.read { db in
            let fields = try SpatialStore.fields(of: layer, in: db)
            var conditions: [String] = []
            var arguments = StatementArguments()
            if let b = bbox {
                conditions.append("fid IN (SELECT pkid FROM \(SQL.quote("idx_\(layer)_geom")) WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?)"
                    + " AND Intersects(geom, BuildMbr(?, ?, ?, ?, \(SpatialStore.storageSRID))) = 1")
                arguments += [b.minX, b.maxX, b.minY, b.maxY, b.minX, b.minY, b.maxX, b.maxY]
            }
            for (column, value) in equal {
                guard let field = fields.first(where: { $0.name == column }) else { continue }
                conditions.append("\(SQL.quote(column)) = ?")
                switch field.type {
                case .integer, .boolean: arguments += [Int64(value) as DatabaseValueConvertible? ?? value]
                case .real: arguments += [Double(value) as DatabaseValueConvertible? ?? value]
                default: arguments += [value]
                }
            }
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            let matched = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(SQL.quote(layer))\(filter)", arguments: arguments) ?? 0
            let columns = fields.map { ", " + SQL.quote($0.name) }.joined()
            var page = arguments
            page += [limit, offset]
            let rows = try Row.fetchCursor(db, sql: "SELECT fid, geom\(columns) FROM \(SQL.quote(layer))\(filter) ORDER BY fid LIMIT ? OFFSET ?",
                                          arguments: page)
            var features: [Feature] = []
            while let row = try rows.next() { features.append(try SpatialStore.feature(row, fields: fields, db: db)) }
            return (features, matched)
        }
    }

    /// One feature by its id (the identifying field's value, or the row id), or nil.
    public func feature(of layer: String, id: String) throws -> Feature? {
        let key = try identifierField(of: layer)
        return try pool.read { db in
            let fields = try SpatialStore.fields(of: layer, in: db)
            let columns = fields.map { ", " + SQL.quote($0.name) }.joined()
            let sql = "SELECT fid, geom\(columns) FROM \(SQL.quote(layer)) WHERE \(key.map(SQL.quote) ?? "fid") = ?"
            let argument: DatabaseValueConvertible = key == nil ? (Int64(id) ?? -1) : id
            guard let row = try Row.fetchOne(db, sql: sql, arguments: [argument]) else { return nil }
            return try SpatialStore.feature(row, fields: fields, db: db)
        }
    }
}
