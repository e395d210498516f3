import CSpatiaLite
import Foundation
import Synchronization
import GeoKernel
import GRDB
import GeoStore

/// A RenewalGIS store: one SpatiaLite file holding every layer (a table with a `geom`
/// column in EPSG:4490 and an R*Tree spatial index) and the layer catalogue.
///
/// Connections load `mod_spatialite`. Writes go through `write`, one SQLite transaction:
/// a failed or killed write leaves the file as it was.
///
/// A new store (`init(openOrCreate:)`) lives under a temporary name until its first write
/// transaction commits, and is moved into place only then: a failed or killed first import
/// leaves no store at the final path.
public final class SpatialStore: Sendable {
    public let path: String
    /// The connection and, for a new store not yet in place, its temporary file (they change once,
    /// when a new store is moved into place).
    private let state: Mutex<(connection: DatabaseQueue, staging: String?)>

    var queue: DatabaseQueue { state.withLock { $0.connection } }

    /// The SRID of every stored geometry: CGCS2000 lon/lat.
    public static let storageSRID = 4490

    /// Opens an existing store. Throws `StoreError.notAStore` for a missing file, a file that is
    /// not SQLite, or a SQLite file without the catalogue.
    public init(openExisting path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.notAStore(path: path, reason: "no such file; `renewalgis import` creates one")
        }
        try SpatialStore.checkSQLiteHeader(path)
        state = Mutex((try SpatialStore.connect(path), nil))
        let hasCatalogue = try read { db in try db.tableExists(LayerRecord.databaseTableName) }
        guard hasCatalogue else {
            throw StoreError.notAStore(path: path, reason: "a SQLite file without the renewalgis_layers catalogue")
        }
    }

    /// Opens the store at `path`, creating it when missing. A new store is initialised under a
    /// temporary name (`.NAME.creating-PID` beside it) and moved into place when its first write
    /// transaction commits, so neither a half-created nor an empty store from a failed or killed
    /// first import ever appears at `path`. Until then reads see the new, empty store.
    public convenience init(openOrCreate path: String) throws {
        if FileManager.default.fileExists(atPath: path) {
            try self.init(openExisting: path)
        } else {
            try self.init(staged: try SpatialStore.create(path), finalPath: path)
        }
    }

    private init(staged: String, finalPath: String) throws {
        path = finalPath
        state = Mutex((try SpatialStore.connect(staged), staged))
    }

    deinit {
        // A new store whose first write never committed: nothing to keep.
        state.withLock { state in
            if let staging = state.staging {
                try? state.connection.close()
                SpatialStore.removeStaging(staging)
            }
        }
    }

    static func removeStaging(_ staging: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: staging + suffix) }
    }

    /// Moves a new store into place after its first committed write: the connection is closed (so
    /// no journal is left under the temporary name), the file linked to `path` — which fails, rather
    /// than overwrite, if another process created a store there meanwhile — and reopened there.
    private func publishIfStaged() throws {
        let path = self.path
        try state.withLock { state in
            guard let staged = state.staging else { return }
            try state.connection.close()
            if link(staged, path) != 0 {
                let failure = errno
                state.connection = try SpatialStore.connect(staged)
                throw StoreError.cannotCreate(path: path, reason: failure == EEXIST
                    ? "another process created a file there meanwhile; nothing was written to it"
                    : "cannot move the new store into place (\(String(cString: strerror(failure))))")
            }
            unlink(staged)
            state.staging = nil
            // The directory entry is durable before anyone is told the import is done.
            let directory = (path as NSString).deletingLastPathComponent
            let fd = open(directory.isEmpty ? "." : directory, O_RDONLY)
            if fd >= 0 { fsync(fd); close(fd) }
            state.connection = try SpatialStore.connect(path)
        }
    }

    static func checkSQLiteHeader(_ path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.notAStore(path: path, reason: "cannot read the file (permission denied?)")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StoreError.notAStore(path: path, reason: header.isEmpty ? "the file is empty" : "the file is not a SQLite database")
        }
    }

    static func connect(_ path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in try loadSpatiaLite(db, path: path) }
        do {
            return try DatabaseQueue(path: path, configuration: config)
        } catch let error as DatabaseError {
            throw StoreError.notAStore(path: path, reason: error.message ?? "\(error)")
        }
    }

    /// Process-wide SQLite set-up, to call before anything opens a database (the CLI does, first
    /// thing): no memory statistics, so SQLite's allocations take no global lock.
    public static func configureSQLite() {
        _ = rg_sqlite_without_memory_statistics()
    }

    /// Loads mod_spatialite into a connection (every connection, pool readers too).
    static func loadSpatiaLite(_ db: Database, path: String) throws {
        var message: UnsafeMutablePointer<CChar>? = nil
        let rc = rg_load_spatialite(db.sqliteConnection, &message)
        defer { sqlite3_free(message) }
        guard rc == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "error \(rc)"
            throw StoreError.database(path: path, message: "cannot load mod_spatialite (\(text)); install libsqlite3-mod-spatialite")
        }
    }

    /// A feature from a row `fid, geom, <fields…>`: blobs decoded directly, other SpatiaLite variants through AsBinary.
    static func feature(_ row: Row, fields: [FieldInfo], db: Database) throws -> Feature {
        var properties: [(name: String, value: PropertyValue)] = []
        properties.reserveCapacity(fields.count)
        for (i, field) in fields.enumerated() { properties.append((field.name, PropertyValue(row[i + 2] as DatabaseValue))) }
        var geometry: Geometry? = nil
        if case .blob(let blob) = (row[1] as DatabaseValue).storage {
            geometry = blob.withUnsafeBytes { SpatiaLiteBlob.decode($0) }
            if geometry == nil, let wkb = try Data.fetchOne(db, sql: "SELECT AsBinary(?)", arguments: [blob]) {
                geometry = try WKB.decode(wkb)
            }
        }
        return Feature(id: .int(row[0]), properties: properties, geometry: geometry)
    }

    /// Creates and initialises a new store under a temporary name beside `path` and returns that
    /// name. Temporary files of earlier creations whose process is gone (killed) are removed first.
    static func create(_ path: String) throws -> String {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError.cannotCreate(path: path, reason: "directory \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw StoreError.cannotCreate(path: path, reason: "directory \(directory) is not writable")
        }
        let prefix = ".\(url.lastPathComponent).creating-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let pid = Int32(rest.split(separator: "-").first ?? ""), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
            }
        }
        let staging = url.deletingLastPathComponent().appendingPathComponent(prefix + "\(getpid())-\(UUID().uuidString.prefix(8))").path
        removeStaging(staging)
        do {
            let q = try connect(staging)
            try q.writeWithoutTransaction { db in
                // The staging file is thrown away on any failure and synced once before it is moved
                // into place, so its set-up transactions need neither a journal file nor syncs.
                try db.execute(sql: "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF")
                // InitSpatialMetadata(1, 'NONE') runs in its own transaction, so not inside ours.
                _ = try Int.fetchOne(db, sql: "SELECT InitSpatialMetadata(1, 'NONE')")
                for srid in [4490, 4326, 3857] {
                    _ = try Int.fetchOne(db, sql: "SELECT InsertEpsgSrid(?)", arguments: [srid])
                }
                try db.inTransaction {
                    try db.execute(sql: LayerRecord.createSQL)
                    return .commit
                }
            }
            try q.close()
            guard let file = FileHandle(forUpdatingAtPath: staging) else {
                throw StoreError.cannotCreate(path: path, reason: "cannot reopen \(staging) to sync it")
            }
            try file.synchronize()
            try file.close()
            return staging
        } catch {
            removeStaging(staging)
            throw StoreError.cannotCreate(path: path, reason: "\(error)")
        }
    }

    /// Runs `body` in one write transaction (committed if it returns, rolled back if it throws).
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        let result: T
        do { result = try queue.write(body) } catch let e as DatabaseError {
            throw StoreError.database(path: path, message: e.message ?? "\(e)")
        }
        try publishIfStaged()
        return result
    }

    /// Runs `body` with read access.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch let e as DatabaseError {
            throw StoreError.database(path: path, message: e.message ?? "\(e)")
        }
    }

    /// The catalogue, ordered by layer name.
    public func layers() throws -> [LayerRecord] {
        try read { db in try LayerRecord.order(Column("name")).fetchAll(db) }
    }

    /// The catalogue entry of `name`; throws `StoreError.unknownLayer` naming the layers there are.
    public func layer(_ name: String) throws -> LayerRecord {
        if let record = try read({ db in try LayerRecord.fetchOne(db, key: name) }) { return record }
        throw StoreError.unknownLayer(path: path, layer: name, available: try layers().map(\.name))
    }

    /// Attribute columns of a layer (everything but `fid` and `geom`), in table order. Dates and
    /// date-times are declared DATE and DATETIME (their values are ISO text); stores written before
    /// that hold them as TEXT.
    public func fields(of layer: String) throws -> [FieldInfo] {
        _ = try self.layer(layer)
        return try read { db in try SpatialStore.fields(of: layer, in: db) }
    }

    static func fields(of table: String, in db: Database) throws -> [FieldInfo] {
        try db.columns(in: table).filter { $0.name != "fid" && $0.name != "geom" }.map { column in
            let type: FieldType = switch column.type.uppercased() {
            case "INTEGER": .integer
            case "REAL": .real
            case "DATE": .date
            case "DATETIME": .dateTime
            default: .text
            }
            return FieldInfo(name: column.name, type: type)
        }
    }

    /// Streams the features of `layer` (geometry in EPSG:4490) in `fid` order: every attribute, or
    /// only `columns` when given (those the layer has), and only those that pass `filter` when given.
    /// Geometry blobs are decoded directly; other SpatiaLite variants go through AsBinary.
    public func forEachFeature(in layer: String, columns: [String]?, filter: FeatureFilter?,
                               _ body: (Feature) throws -> Void) throws {
        var fields = try self.fields(of: layer)
        let all = Set(fields.map(\.name))
        if let columns { fields = fields.filter { columns.contains($0.name) } }
        try read { db in
            let list = fields.map { SQL.quote($0.name) }.joined(separator: ", ")
            var sql = "SELECT fid, geom\(list.isEmpty ? "" : ", " + list) FROM \(SQL.quote(layer))"
            var arguments = StatementArguments()
            if let filter {
                var clauses: [String] = []
                if !filter.boxes.isEmpty {
                    // One R*Tree search per box, the hits handed to the main query as a JSON array.
                    var fids = Set<Int64>()
                    let search = try db.makeStatement(sql: StoreSQL.rtreeSearch(layer: layer))
                    for b in filter.boxes {
                        fids.formUnion(try Int64.fetchAll(search, arguments: [b.minX, b.maxX, b.minY, b.maxY]))
                    }
                    clauses.append("fid IN (SELECT value FROM json_each(?))")
                    arguments += ["[" + fids.sorted().map(String.init).joined(separator: ",") + "]"]
                }
                for (column, prefix) in filter.textPrefixes where all.contains(column) {
                    clauses.append("\(SQL.quote(column)) LIKE ?")
                    arguments += [prefix + "%"]
                }
                for (column, values) in filter.valuesIn where all.contains(column) {
                    clauses.append("\(SQL.quote(column)) IN (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))")
                    for v in values { arguments += [v] }
                }
                sql += clauses.isEmpty ? " WHERE 0" : " WHERE " + clauses.joined(separator: " OR ")
            }
            sql += " ORDER BY fid"
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() { try body(try SpatialStore.feature(row, fields: fields, db: db)) }
        }
    }

    /// A setting from `renewalgis_settings`, e.g. `metric_crs`.
    public func setting(_ key: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM renewalgis_settings WHERE key = ?", arguments: [key]) }
    }

    /// Every setting, by key.
    public func settings() throws -> [String: String] {
        try read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM renewalgis_settings ORDER BY key")
                .map { ($0["key"] as String, $0["value"] as String) })
        }
    }

    /// Sets (or with nil removes) a setting, checked by `StoreSettings.checked`.
    public func setSetting(_ key: String, _ value: String?) throws {
        let value = try StoreSettings.checked(key, value, location: path)
        try write { db in
            if let value {
                try db.execute(sql: "INSERT OR REPLACE INTO renewalgis_settings (key, value) VALUES (?, ?)", arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM renewalgis_settings WHERE key = ?", arguments: [key])
            }
        }
    }
}

extension PropertyValue {
    /// The attribute as SQLite holds it.
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .blob(let b): self = .string(b.base64EncodedString())
        }
    }
}

/// SQL text helpers for identifiers that come from the catalogue (never from request text).
enum SQL {
    /// A double-quoted SQL identifier.
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
