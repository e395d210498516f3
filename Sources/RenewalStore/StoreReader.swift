import CSpatiaLite
import Foundation
import GeoKernel
import GeoStore
import GRDB
import Synchronization

/// Read access to a store for serving: a pool of read-only SQLite connections, each with
/// mod_spatialite loaded. Serving never writes to the store: it is opened read-only (so a store on a
/// read-only file or volume serves) and its journal mode is left as found — readers run side by side
/// in WAL mode and in rollback-journal mode alike (an importer then waits for readers to finish).
public final class StoreReader: FeatureReading {
    public let path: String
    let pool: DatabasePool
    /// Per layer and store version, the field that identifies features (nil: the row id), decided once.
    private let identifiers = ValueCache<String?>()
    private let temporalExtents = ValueCache<TemporalExtent?>()
    private let temporalFormats = ValueCache<String>()
    private let versionProbe: VersionProbe

    /// Values computed once per key (a layer and the store's schema version), shared by every request.
    /// Computed outside the lock (two requests may both compute a missing value; both get the same).
    final class ValueCache<Value: Sendable>: Sendable {
        private let known = Mutex<[String: Value]>([:])
        func value(_ key: String, _ compute: () throws -> Value) rethrows -> Value {
            if let v = known.withLock({ $0[key] }) { return v }
            let v = try compute()
            known.withLock { known in
                if known.count > 4096 { known.removeAll() }
                known[key] = v
            }
            return v
        }
    }

    /// The layer's identifying field: the first of `id` and the fields ending in `_id` whose values
    /// are all present and distinct (e.g. `parcel_id`), so feature ids are the ones planners use;
    /// nil when there is none (the row id `fid` serves then).
    public func identifierField(of layer: String) throws -> String? {
        try withSnapshot { try $0.identifierField(of: layer) }
    }

    /// How long one query may run, seconds, before SQLite is interrupted (`StoreError.queryTimeLimit`).
    public let queryTimeLimit: Double

    public init(path: String, queryTimeLimit: Double = 10) throws {
        self.path = path
        self.queryTimeLimit = queryTimeLimit
        versionProbe = VersionProbe(path: path)
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.notAStore(path: path, reason: "no such file; `renewalgis import` creates one")
        }
        try SpatialStore.checkSQLiteHeader(path)
        var config = Configuration()
        // Read-only connections: no journal-mode switch, no -wal/-shm created for a rollback-journal store,
        // and a store on a read-only file or volume opens.
        config.readonly = true
        config.busyMode = .timeout(10)
        // A streamed /items page holds one reader for its whole response (one snapshot per response).
        config.maximumReaderCount = concurrentSnapshots
        config.prepareDatabase { db in
            try SpatialStore.loadSpatiaLite(db, path: path)
            TimeFunctions.register(in: db)
        }
        do { pool = try DatabasePool(path: path, configuration: config) } catch let e as DatabaseError {
            throw StoreError.notAStore(path: path, reason: e.message ?? "\(e)")
        }
        let hasCatalogue: Bool
        do { hasCatalogue = try pool.read { try $0.tableExists(LayerRecord.databaseTableName) } } catch let e as DatabaseError {
            throw StoreError.notAStore(path: path, reason: e.message ?? "\(e)")
        }
        guard hasCatalogue else {
            throw StoreError.notAStore(path: path, reason: "a SQLite file without the renewalgis_layers catalogue")
        }
    }

    /// Runs `body` inside one read transaction: everything it reads comes from the same state of the
    /// store, even while an import replaces a layer (which the snapshot does not see).
    public func withSnapshot<T>(_ body: (any FeatureSnapshot) throws -> T) throws -> T {
        try pool.read { db in
            let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
            return try body(StoreSnapshot(db: db, reader: self, schemaVersion: version))
        }
    }

    /// SQLite's schema version (the snapshots' content version) from a connection of its own, in
    /// microseconds; throws instead of waiting when a writer holds the file (see `VersionProbe`).
    public func contentVersion() async throws -> Int { try versionProbe.read() }

    public func layers() throws -> [LayerRecord] {
        try withSnapshot { try $0.layers() }
    }

    /// The catalogue entry, or nil for an unknown layer.
    public func layer(_ name: String) throws -> LayerRecord? {
        try withSnapshot { try $0.layer(name) }
    }

    public func fields(of layer: String) throws -> [FieldInfo] {
        try withSnapshot { try $0.fields(of: layer) }
    }

    /// A page of features of a catalogued layer and how many features match in all (one read).
    ///
    /// `query.bbox` selects through the R*Tree and an exact test; `query.condition` is ANDed with it;
    /// features come in `query.sortBy` order, then by row id (so consecutive pages neither skip nor
    /// repeat); only `query.columns` are read when given. Throws `StoreError.unknownField` for a sort
    /// key or column the layer does not have.
    public func features(of layer: String, query: FeatureQuery) throws -> (features: [Feature], matched: Int) {
        try withSnapshot { (try $0.page(of: layer, query: query), try $0.matchCount(of: layer, query: query)) }
    }

    /// How many features of `layer` the query's box and condition select (limit and offset aside).
    public func matchCount(of layer: String, query: FeatureQuery) throws -> Int {
        try withSnapshot { try $0.matchCount(of: layer, query: query) }
    }

    /// The page of features `query` selects (see `features(of:query:)`), without counting the matches.
    public func page(of layer: String, query: FeatureQuery) throws -> [Feature] {
        try withSnapshot { try $0.page(of: layer, query: query) }
    }

    /// One statement that SQLite abandons once `queryTimeLimit` seconds have passed since it was
    /// started (preparing included): a progress handler, called every 1,000 virtual-machine steps,
    /// checks the clock. (sqlite3_interrupt from a timer is not enough: a flag raised while the
    /// statement is still being prepared is cleared when it starts to run.)
    fileprivate func timed<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        guard let connection = db.sqliteConnection else { return try body() }
        let deadline = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        deadline.pointee = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, queryTimeLimit) * 1e9)
        sqlite3_progress_handler(connection, 1000, { context in
            DispatchTime.now().uptimeNanoseconds > context!.assumingMemoryBound(to: UInt64.self).pointee ? 1 : 0
        }, deadline)
        defer {
            sqlite3_progress_handler(connection, 0, nil, nil)
            deadline.deallocate()
        }
        do {
            return try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            throw StoreError.queryTimeLimit(seconds: queryTimeLimit)
        }
    }

    /// A query turned into SQL against the layer's catalogued columns, with its bound arguments.
    fileprivate struct Compiled {
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
            if !query.boxes.isEmpty {
                // One R*Tree search and exact test per box (two for a box across the antimeridian).
                let tests = query.boxes.map { b -> String in
                    arguments += [b.minX, b.maxX, b.minY, b.maxY, b.minX, b.minY, b.maxX, b.maxY]
                    return "(fid IN (\(StoreSQL.rtreeSearch(layer: layer)))"
                        + " AND Intersects(geom, BuildMbr(?, ?, ?, ?, \(SpatialStore.storageSRID))) = 1)"
                }
                conditions.append(tests.count == 1 ? tests[0] : "(" + tests.joined(separator: " OR ") + ")")
            }
            if let condition = try PredicateSQL(layer: layer).condition(all: query.predicates) {
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

    /// The layer's temporal field (see `TemporalExtent.field(in:)`).
    public func temporalField(of layer: String) throws -> FieldInfo? {
        TemporalExtent.field(in: try fields(of: layer))
    }

    /// A layer's temporal field and the first and last instants in it (seconds since 1970 UTC; a date's
    /// span ends with its day; nil when no value is a date). nil when the layer has no temporal field.
    public func temporalExtent(of layer: LayerRecord) throws -> TemporalExtent? {
        try withSnapshot { try $0.temporalExtent(of: layer.name) }
    }

    /// One feature by its id (the identifying field's value, or the row id), or nil.
    public func feature(of layer: String, id: String) throws -> Feature? {
        try withSnapshot { try $0.feature(of: layer, id: id) }
    }

    fileprivate func cachedIdentifier(_ key: String, _ compute: () throws -> String?) rethrows -> String? {
        try identifiers.value(key, compute)
    }

    fileprivate func cachedTemporalExtent(_ key: String, _ compute: () throws -> TemporalExtent?) rethrows -> TemporalExtent? {
        try temporalExtents.value(key, compute)
    }

    fileprivate func cachedTemporalFormat(_ key: String, _ compute: () throws -> String) rethrows -> String {
        try temporalFormats.value(key, compute)
    }
}

/// One consistent state of the store, inside a read transaction (`StoreReader.withSnapshot`): the
/// catalogue, every count and every page read through it agree, whatever an import does meanwhile.
/// Valid only inside the closure it was given to.
public struct StoreSnapshot: FeatureSnapshot {
    let db: Database
    let reader: StoreReader
    /// SQLite's schema version: every layer written (its table dropped and created) changes it, so a
    /// value derived from it changes whenever any layer's content does.
    public let schemaVersion: Int
    public var contentVersion: Int { schemaVersion }

    public func layers() throws -> [LayerRecord] {
        try LayerRecord.order(Column("name")).fetchAll(db)
    }

    /// The catalogue entry, or nil for an unknown layer.
    public func layer(_ name: String) throws -> LayerRecord? {
        try LayerRecord.fetchOne(db, key: name)
    }

    public func fields(of layer: String) throws -> [FieldInfo] {
        try requireLayer(layer)
        return try SpatialStore.fields(of: layer, in: db)
    }

    /// Throws `StoreError.unknownLayer` (with the layers there are) unless the catalogue lists `layer`.
    func requireLayer(_ layer: String) throws {
        guard try LayerRecord.fetchOne(db, key: layer) == nil else { return }
        throw StoreError.unknownLayer(path: reader.path, layer: layer, available: try layers().map(\.name))
    }

    /// The layer's identifying field (see `StoreReader.identifierField(of:)`), decided once per store version.
    public func identifierField(of layer: String) throws -> String? {
        try reader.cachedIdentifier("\(layer)|\(schemaVersion)") {
            let fields = try self.fields(of: layer).map(\.name)
            let candidates = identifierCandidates(fields)
            guard !candidates.isEmpty else { return nil }
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(SQL.quote(layer))") ?? 0
            for field in candidates {
                let distinct = try Int.fetchOne(db, sql: "SELECT count(DISTINCT \(SQL.quote(field))) FROM \(SQL.quote(layer)) WHERE \(SQL.quote(field)) IS NOT NULL") ?? 0
                if distinct == total { return field }
            }
            return nil
        }
    }

    /// The page of features `query` selects (see `StoreReader.features(of:query:)`).
    public func page(of layer: String, query: FeatureQuery) throws -> [Feature] {
        try requireLayer(layer)
        let compiled = try StoreReader.Compiled(layer: layer, query: query, db: db)
        return try reader.timed(db) { try compiled.page(db) }
    }

    /// How many features of `layer` the query's boxes and condition select (limit and offset aside).
    public func matchCount(of layer: String, query: FeatureQuery) throws -> Int {
        try requireLayer(layer)
        let compiled = try StoreReader.Compiled(layer: layer, query: query, db: db)
        return try reader.timed(db) { try compiled.count(db) }
    }

    /// The layer's temporal field with its first and last instants (see `StoreReader.temporalExtent(of:)`),
    /// computed once per store version.
    public func temporalExtent(of layer: String) throws -> TemporalExtent? {
        try reader.cachedTemporalExtent("\(layer)|\(schemaVersion)") {
            guard let field = TemporalExtent.field(in: try fields(of: layer)) else { return nil }
            let c = StoreSQL.column(field.name)
            let row = try Row.fetchOne(db, sql: "SELECT min(\(StoreSQL.timeStart(c))), max(\(StoreSQL.timeEnd(c))) FROM \(SQL.quote(layer))")
            return TemporalExtent(field: field, start: row?[0], end: row?[1])
        }
    }

    /// `date` when every dated value of the layer's temporal `field` is a bare date (`2024-03-01`),
    /// else `date-time` (typed fields answer by their type). Computed once per store version.
    public func temporalFormat(of layer: String, field: FieldInfo) throws -> String {
        switch field.type {
        case .date: return "date"
        case .dateTime: return "date-time"
        default: break
        }
        return try reader.cachedTemporalFormat("\(layer)|\(field.name)|\(schemaVersion)") {
            let c = StoreSQL.column(field.name)
            let longer = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(SQL.quote(layer)) WHERE \(StoreSQL.timeStart(c)) IS NOT NULL AND length(\(c)) > 10)") ?? false
            return longer ? "date-time" : "date"
        }
    }

    /// Compiles `predicate` for `layer` as a page would, to refuse what SQLite cannot run up front.
    public func check(_ predicate: FeaturePredicate, layer: String) throws {
        _ = try PredicateSQL(layer: layer).condition(predicate)
    }

    /// One feature by its id (the identifying field's value, or the row id), or nil.
    public func feature(of layer: String, id: String) throws -> Feature? {
        let key = try identifierField(of: layer)
        let fields = try self.fields(of: layer)
        let columns = fields.map { ", " + SQL.quote($0.name) }.joined()
        let sql = "SELECT fid, geom\(columns) FROM \(SQL.quote(layer)) WHERE \(key.map(SQL.quote) ?? "fid") = ?"
        let argument: DatabaseValueConvertible = key == nil ? (Int64(id) ?? -1) : id
        guard let row = try Row.fetchOne(db, sql: sql, arguments: [argument]) else { return nil }
        return try SpatialStore.feature(row, fields: fields, db: db)
    }
}

/// Reads a store's schema version on a read-only SQLite connection of its own (opened on first use,
/// one statement prepared once, behind a `Mutex`): no connection pool, no dispatch queue, no
/// transaction beyond the statement's own, so a request can ask on its event loop. It never waits:
/// when a writer holds the file (SQLITE_BUSY) it throws, and the caller reads through a snapshot.
final class VersionProbe: Sendable {
    private let path: String
    /// The connection and its prepared statement, once opened.
    private struct Handles {
        var db: OpaquePointer?
        var statement: OpaquePointer?
    }
    private let handles = Mutex(Handles())

    struct Unavailable: Error { let code: Int32 }

    init(path: String) { self.path = path }

    func read() throws -> Int {
        try handles.withLock { h in
            if h.statement == nil {
                var db: OpaquePointer?
                var statement: OpaquePointer?
                guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
                      sqlite3_prepare_v2(db, "PRAGMA schema_version", -1, &statement, nil) == SQLITE_OK else {
                    let code = db.map { sqlite3_errcode($0) } ?? SQLITE_CANTOPEN
                    sqlite3_close_v2(db)
                    throw Unavailable(code: code)
                }
                h = Handles(db: db, statement: statement)
            }
            defer { sqlite3_reset(h.statement) }
            let code = sqlite3_step(h.statement)
            guard code == SQLITE_ROW else { throw Unavailable(code: code) }
            return Int(sqlite3_column_int64(h.statement, 0))
        }
    }

    deinit {
        handles.withLock { h in
            sqlite3_finalize(h.statement)
            sqlite3_close_v2(h.db)
        }
    }
}
