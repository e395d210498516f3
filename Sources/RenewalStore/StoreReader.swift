import CSpatiaLite
import Foundation
import GeoFiles
import GeoKernel
import GRDB

/// The time a layer's features cover, from its temporal field (see `StoreReader.temporalField(of:)`).
public struct TemporalExtent: Sendable {
    public var field: FieldInfo
    /// The first instant, in seconds since 1970 UTC; nil when no value in the field is a date.
    public var start: Double?
    /// The last instant (a date's ends with its day).
    public var end: Double?
}

/// Read access to a store for serving: a pool of SQLite connections (WAL mode, so readers run
/// side by side and beside a writer), each with mod_spatialite loaded.
public final class StoreReader: Sendable {
    public let path: String
    let pool: DatabasePool
    /// Per layer, the field that identifies features (nil: the row id), decided once.
    private let identifiers = ValueCache<String?>()
    private let temporalExtents = ValueCache<TemporalExtent?>()

    /// Values computed once per key (a layer and its import), shared by every request.
    final class ValueCache<Value>: @unchecked Sendable {
        private var known: [String: Value] = [:]
        private let lock = NSLock()
        func value(_ key: String, _ compute: () throws -> Value) rethrows -> Value {
            lock.lock(); defer { lock.unlock() }
            if let v = known[key] { return v }
            let v = try compute()
            known[key] = v
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

    /// How long one query may run, seconds, before SQLite is interrupted (`StoreError.queryTimeLimit`).
    public let queryTimeLimit: Double

    public init(path: String, queryTimeLimit: Double = 10) throws {
        self.path = path
        self.queryTimeLimit = queryTimeLimit
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.notAStore(path: path, reason: "no such file; `renewalgis import` creates one")
        }
        try SpatialStore.checkSQLiteHeader(path)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.maximumReaderCount = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        config.prepareDatabase { db in
            try SpatialStore.loadSpatiaLite(db, path: path)
            TimeInstant.register(in: db)
        }
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

    /// A page of features of a catalogued layer and how many features match in all (one read).
    ///
    /// `query.bbox` selects through the R*Tree and an exact test; `query.condition` is ANDed with it;
    /// features come in `query.sortBy` order, then by row id (so consecutive pages neither skip nor
    /// repeat); only `query.columns` are read when given. Throws `StoreError.unknownField` for a sort
    /// key or column the layer does not have.
    public func features(of layer: String, query: FeatureQuery) throws -> (features: [Feature], matched: Int) {
        try timedRead { db in
            let compiled = try Compiled(layer: layer, query: query, db: db)
            return (try compiled.page(db), try compiled.count(db))
        }
    }

    /// How many features of `layer` the query's box and condition select (limit and offset aside).
    public func matchCount(of layer: String, query: FeatureQuery) throws -> Int {
        try timedRead { db in try Compiled(layer: layer, query: query, db: db).count(db) }
    }

    /// The page of features `query` selects (see `features(of:query:)`), without counting the matches:
    /// a streamed response reads its page in several of these.
    public func page(of layer: String, query: FeatureQuery) throws -> [Feature] {
        try timedRead { db in try Compiled(layer: layer, query: query, db: db).page(db) }
    }

    /// A pool read that SQLite abandons after `queryTimeLimit` seconds (sqlite3_interrupt from a
    /// timer; a lock makes sure the timer never touches the connection once the read is over).
    private func timedRead<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read { db in
            guard let connection = db.sqliteConnection else { return try body(db) }
            let state = InterruptState(connection)
            DispatchQueue.global().asyncAfter(deadline: .now() + queryTimeLimit) { state.interruptIfRunning() }
            defer { state.finish() }
            do {
                return try body(db)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
                throw StoreError.queryTimeLimit(seconds: queryTimeLimit)
            }
        }
    }

    private final class InterruptState: @unchecked Sendable {
        private let lock = NSLock()
        private var running = true
        private let connection: OpaquePointer
        init(_ connection: OpaquePointer) { self.connection = connection }
        func interruptIfRunning() { lock.lock(); if running { sqlite3_interrupt(connection) }; lock.unlock() }
        func finish() { lock.lock(); running = false; lock.unlock() }
    }

    /// A query turned into SQL against the layer's catalogued columns, with its bound arguments.
    private struct Compiled {
        let layer: String
        let selected: [FieldInfo]
        let filter: String
        let order: String
        let arguments: StatementArguments
        let limit: Int, offset: Int

        init(layer: String, query: FeatureQuery, db: Database) throws {
            let fields = try SpatialStore.fields(of: layer, in: db)
            func field(_ name: String) throws -> FieldInfo {
                guard let f = fields.first(where: { $0.name == name }) else {
                    throw StoreError.unknownField(layer: layer, field: name, available: fields.map(\.name))
                }
                return f
            }
            self.layer = layer
            selected = try query.columns.map { try $0.map(field) } ?? fields
            order = (try query.sortBy.map { "\(SQL.quote(try field($0.field).name))\($0.descending ? " DESC" : "")" } + ["fid"]).joined(separator: ", ")
            var conditions: [String] = []
            var arguments = StatementArguments()
            if let b = query.bbox {
                conditions.append("fid IN (SELECT pkid FROM \(SQL.quote("idx_\(layer)_geom")) WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?)"
                    + " AND Intersects(geom, BuildMbr(?, ?, ?, ?, \(SpatialStore.storageSRID))) = 1")
                arguments += [b.minX, b.maxX, b.minY, b.maxY, b.minX, b.minY, b.maxX, b.maxY]
            }
            if let condition = query.condition {
                conditions.append("(\(condition.sql))")
                arguments += condition.statementArguments
            }
            filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            self.arguments = arguments
            limit = query.limit; offset = query.offset
        }

        func count(_ db: Database) throws -> Int {
            try Int.fetchOne(db, sql: "SELECT count(*) FROM \(SQL.quote(layer))\(filter)", arguments: arguments) ?? 0
        }

        func page(_ db: Database) throws -> [Feature] {
            let columns = selected.map { ", " + SQL.quote($0.name) }.joined()
            var page = arguments
            page += [limit, offset]
            let rows = try Row.fetchCursor(db, sql: "SELECT fid, geom\(columns) FROM \(SQL.quote(layer))\(filter) ORDER BY \(order) LIMIT ? OFFSET ?",
                                          arguments: page)
            var features: [Feature] = []
            while let row = try rows.next() { features.append(try SpatialStore.feature(row, fields: selected, db: db)) }
            return features
        }
    }

    /// The field that gives a layer's features their time (for `datetime` and the temporal extent):
    /// the first field typed date or date-time, else the first text field named like a date —
    /// `date`, `datetime`, `time`, `timestamp`, a name ending in `_date`, `_datetime`, `_time` or `_at`,
    /// or one holding 日期 or 时间. nil when there is none.
    public func temporalField(of layer: String) throws -> FieldInfo? {
        Self.temporalField(in: try fields(of: layer))
    }

    /// The temporal field among `fields` (see `temporalField(of:)`).
    public static func temporalField(in fields: [FieldInfo]) -> FieldInfo? {
        if let typed = fields.first(where: { $0.type == .date || $0.type == .dateTime }) { return typed }
        return fields.first { field in
            let name = field.name.lowercased()
            return field.type == .text && (["date", "datetime", "time", "timestamp"].contains(name)
                || ["_date", "_datetime", "_time", "_at"].contains { name.hasSuffix($0) }
                || name.contains("日期") || name.contains("时间"))
        }
    }

    /// A layer's temporal field and the first and last instants in it (seconds since 1970 UTC; a date's
    /// span ends with its day; nil when no value is a date). nil when the layer has no temporal field.
    /// Computed once per import of the layer.
    public func temporalExtent(of layer: LayerRecord) throws -> TemporalExtent? {
        try temporalExtents.value("\(layer.name)|\(layer.importedAt)|\(layer.featureCount)") {
            guard let field = try temporalField(of: layer.name) else { return nil }
            return try pool.read { db in
                let c = StoreSQL.column(field.name)
                let row = try Row.fetchOne(db, sql: "SELECT min(\(StoreSQL.timeStart(c))), max(\(StoreSQL.timeEnd(c))) FROM \(SQL.quote(layer.name))")
                return TemporalExtent(field: field, start: row?[0], end: row?[1])
            }
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
