// The writing side of the PostGIS backend: `LayerStore` (catalogue, streamed features, settings,
// result layers) and `LayerImporting` (imports), with the meaning SpatiaLite gives them.
//
// Every write is one transaction (`PostGISStore.writing`): the write lock, the schema when missing,
// the writer's statements, and `content_version` raised, committed together or not at all — a
// failure, a killed connection or a restarted server leaves the store as it was. Rows go to the
// server by COPY in batches (`PostGISLayerWriter`); values are COPY data, never SQL text.
import Dispatch
import Foundation
import GeoKernel
import GeoStore
import NIOCore
import PostgresNIO

extension PostGISStore {
    /// PostgreSQL's limit on identifier length, bytes (longer names are cut, so they are refused).
    static let maximumIdentifierBytes = 63

    /// Runs `body` in one write transaction on a pooled connection: one writer per schema at a time
    /// (`pg_advisory_xact_lock`), the catalogue created when missing, `content_version` raised before
    /// the commit. When `body` throws, the transaction is rolled back and nothing of it is kept.
    func writing<T>(_ body: (PGSession) throws -> T) throws -> T {
        try pool.transaction("BEGIN") { session in
            do {
                try session.rows("SELECT pg_advisory_xact_lock(hashtext($1))", [.text("renewalgis_write " + address.schemaName)])
                try prepareSchema(session)
                let result = try body(session)
                try session.rows("UPDATE renewalgis_state SET content_version = content_version + 1")
                return result
            } catch let error as StoreError {
                throw explained(error, session)
            }
        }
    }

    /// Creates the store's schema, PostGIS and the catalogue when missing (what a first import would),
    /// so that a new store reads as an empty one.
    public func createIfMissing() throws {
        let present = try pool.with { session in
            try session.value(Int64.self, "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename IN ('renewalgis_layers', 'renewalgis_settings')",
                              [.text(address.schemaName)]) == 2
        }
        if !present { try writing { _ in } }
    }

    /// A write's failure as the user should read it: no rights (SQLSTATE 42501) named as such, and a
    /// lost connection said to have kept nothing.
    private func explained(_ error: StoreError, _ session: PGSession) -> StoreError {
        guard case .database(let path, let message) = error else { return error }
        if session.lastFailedState == "42501" {
            return .database(path: path, message: "user \(address.user) has no rights to create tables in schema \(address.schemaName) of database \(address.database) on \(address.server) (\(message)); grant them (GRANT CREATE ON SCHEMA) or use a schema of the user's own (?schema=name)")
        }
        if session.isClosed {
            return .database(path: path, message: message + "; the write was not committed, the store is as it was")
        }
        return error
    }

    /// Creates the schema, PostGIS and the catalogue tables and functions when missing (inside the
    /// write transaction). Nothing is created when all are there, so a user with rights on the tables
    /// only can write.
    private func prepareSchema(_ session: PGSession) throws {
        if let schema = address.schema,
           try session.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", [.text(schema)]) != true {
            try session.rows("CREATE SCHEMA IF NOT EXISTS \(PGSQL.quote(schema))")
        }
        if try session.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')") != true {
            // Trying may fail (not a superuser, or PostGIS not on the server); the savepoint keeps the
            // transaction usable for the message.
            try session.rows("SAVEPOINT renewalgis_postgis")
            do {
                try session.rows("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public")
                try session.rows("RELEASE SAVEPOINT renewalgis_postgis")
            } catch let StoreError.database(_, message) where !session.isClosed {
                try session.rows("ROLLBACK TO SAVEPOINT renewalgis_postgis")
                throw StoreError.database(path: address.description, message: "PostGIS is not installed in database \(address.database) on \(address.server); run CREATE EXTENSION postgis as a superuser (\(message))")
            }
        }
        let present = try session.value(Int64.self, """
            SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()
                        AND tablename IN ('renewalgis_layers', 'renewalgis_fields', 'renewalgis_state', 'renewalgis_settings'))
                 + (SELECT count(*) FROM pg_proc WHERE pronamespace = current_schema()::regnamespace
                        AND proname IN ('renewalgis_time_span', '\(PGSQL.timeStart)', '\(PGSQL.timeEnd)'))
            """)
        if present != 7 {
            for statement in Self.schemaSQL { try session.rows(statement) }
        }
    }

    /// Whether a table `name` is in the store's schema (any table, a layer's or not).
    static func tableExists(_ name: String, _ session: PGSession) throws -> Bool {
        try session.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1)",
                          [.text(name)]) == true
    }

    /// Whether the catalogue lists `name`.
    static func catalogueHas(_ name: String, _ session: PGSession) throws -> Bool {
        try session.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM renewalgis_layers WHERE name = $1)", [.text(name)]) == true
    }

    /// Removes a layer (table and catalogue entry, fields with it) inside a write transaction.
    static func dropLayer(_ name: String, _ session: PGSession) throws {
        try session.rows("DROP TABLE IF EXISTS \(session.table(name))")
        try session.rows("DELETE FROM renewalgis_layers WHERE name = $1", [.text(name)])
    }

    /// Calls `body` in one REPEATABLE READ READ ONLY transaction of a store that has a catalogue
    /// (`StoreError.notAStore` otherwise), with no statement time limit (the jobs read whole layers).
    func reading<T>(_ body: (PostGISSnapshot) throws -> T) throws -> T {
        try pool.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { session in
            try checkCatalogue(session)
            return try body(PostGISSnapshot(session: session, contentVersion: 0))
        }
    }
}

// MARK: - LayerStore

extension PostGISStore: LayerStore {
    public var location: String { address.description }

    public func layers() throws -> [LayerRecord] { try reading { try $0.layers() } }

    public func layer(_ name: String) throws -> LayerRecord {
        try reading { s in
            if let record = try s.layer(name) { return record }
            throw StoreError.unknownLayer(path: location, layer: name, available: try s.layers().map(\.name))
        }
    }

    public func fields(of layer: String) throws -> [FieldInfo] { try reading { try $0.fields(of: layer) } }

    /// Streams the features of `layer` in fid order through a cursor, a batch at a time, inside one
    /// REPEATABLE READ transaction: the whole layer is never held. `filter` as SpatiaLite applies it:
    /// boxes through the GiST index (`&&`, a superset the caller narrows), text prefixes in any case,
    /// values among a list; conditions on absent columns left out, none left admits nothing.
    public func forEachFeature(in layer: String, columns: [String]?, filter: FeatureFilter?,
                               _ body: (Feature) throws -> Void) throws {
        try reading { s in
            var fields = try s.fields(of: layer)
            let types = Dictionary(fields.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
            if let columns { fields = fields.filter { columns.contains($0.name) } }
            var sql = "SELECT \(s.selectList(fields)) FROM \(PGSQL.quote(layer))"
            var values: [PGValue] = []
            func bind(_ v: PGValue) -> String { values.append(v); return "$\(values.count)" }
            if let filter {
                var clauses: [String] = []
                for b in filter.boxes {
                    clauses.append("geom && ST_MakeEnvelope(\(bind(.real(b.minX))), \(bind(.real(b.minY))), \(bind(.real(b.maxX))), \(bind(.real(b.maxY))), \(PGSQL.srid))")
                }
                for (column, prefix) in filter.textPrefixes where types[column] != nil {
                    let escaped = prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                        .replacingOccurrences(of: "_", with: "\\_")
                    clauses.append("\(PGSQL.quote(column))::text ILIKE \(bind(.text(escaped + "%")))")
                }
                for (column, list) in filter.valuesIn {
                    guard let type = types[column] else { continue }
                    // As SQLite compares with the column's affinity: text read as a number for a number column.
                    let bound: [PGValue] = switch type {
                    case .integer, .boolean: list.compactMap { Int64($0.trimmingCharacters(in: .whitespaces)).map(PGValue.integer) }
                    case .real: list.compactMap { Double($0.trimmingCharacters(in: .whitespaces)).map(PGValue.real) }
                    default: list.map(PGValue.text)
                    }
                    clauses.append(bound.isEmpty ? "FALSE" : "\(PGSQL.quote(column)) IN (\(bound.map(bind).joined(separator: ", ")))")
                }
                sql += " WHERE " + (clauses.isEmpty ? "FALSE" : clauses.joined(separator: " OR "))
            }
            sql += " ORDER BY fid"
            try s.session.rows("DECLARE renewalgis_features NO SCROLL CURSOR FOR \(sql)", values)
            while true {
                let batch = try s.session.rows("FETCH \(Self.fetchBatch) FROM renewalgis_features")
                for row in batch { try body(try s.feature(row, fields: fields)) }
                if batch.count < Self.fetchBatch { break }
            }
        }
    }

    /// Rows fetched from a cursor at a time.
    static let fetchBatch = 5_000

    public func setting(_ key: String) throws -> String? {
        try reading { s in
            guard try Self.tableExists("renewalgis_settings", s.session) else { return nil }
            return try s.session.value(String.self, "SELECT value FROM renewalgis_settings WHERE key = $1", [.text(key)])
        }
    }

    public func settings() throws -> [String: String] {
        try reading { s in
            guard try Self.tableExists("renewalgis_settings", s.session) else { return [:] }
            var out: [String: String] = [:]
            for row in try s.session.rows("SELECT key, value FROM renewalgis_settings ORDER BY key") {
                let r = row.makeRandomAccess()
                out[try s.session.decode(r[0], String.self)] = try s.session.decode(r[1], String.self)
            }
            return out
        }
    }

    /// Sets (or with nil removes) a setting, checked by `StoreSettings.checked`.
    public func setSetting(_ key: String, _ value: String?) throws {
        let value = try StoreSettings.checked(key, value, location: location)
        try writing { session in
            if let value {
                try session.rows("INSERT INTO renewalgis_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                                 [.text(key), .text(value)])
            } else {
                try session.rows("DELETE FROM renewalgis_settings WHERE key = $1", [.text(key)])
            }
        }
    }

    /// Hex EWKB with SRID 4490: what COPY's text format takes for a geometry column as it is, so rows
    /// prepared on worker threads are copied without another encoding.
    static let resultEncoding = StoreGeometryEncoding(name: "postgis-ewkb-hex") { geometry, _, out in
        PostGISStore.appendHexEWKB(geometry, to: &out)
    }

    public var geometryEncoding: StoreGeometryEncoding { Self.resultEncoding }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Appends `geometry` as hex EWKB (little-endian WKB with the SRID flag and SRID 4490 after the type).
    static func appendHexEWKB(_ geometry: Geometry, to out: inout [UInt8]) {
        var wkb = [UInt8]()
        wkb.reserveCapacity(9 + geometry.positionCount * 16)
        WKB.write(geometry, into: &wkb)
        // WKB.write writes little-endian (byte order 1) with the type in bytes 1...4: EWKB's SRID flag
        // (0x2000_0000) is bit 5 of byte 4, and the SRID follows the type.
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: 2 * (wkb.count + 4)))
        let srid = UInt32(PGSQL.srid)
        wkb.withUnsafeBufferPointer { wkb in
            out.withUnsafeMutableBufferPointer { hex in
                hexDigits.withUnsafeBufferPointer { digits in
                    var k = start
                    func put(_ byte: UInt8) {
                        hex[k] = digits[Int(byte >> 4)]
                        hex[k + 1] = digits[Int(byte & 15)]
                        k += 2
                    }
                    for i in 0..<4 { put(wkb[i]) }
                    put(wkb[4] | 0x20)
                    for shift in stride(from: UInt32(0), to: 32, by: 8) { put(UInt8(truncatingIfNeeded: srid >> shift)) }
                    for i in 5..<wkb.count { put(wkb[i]) }
                }
            }
        }
    }

    /// Writes result layers in one transaction (see `LayerStore.writeResults`): `dropping` and every
    /// spec's layer are replaced together, and a snapshot opened before reads the old layers.
    @discardableResult
    public func writeResults(_ specs: [ResultLayerSpec], dropping: [String],
                             fill: (ResultLayerSpec, any ResultLayerSink) throws -> Void) throws -> [LayerRecord] {
        try writing { session in
            for name in dropping where try Self.tableExists(name, session) || Self.catalogueHas(name, session) {
                try Self.dropLayer(name, session)
            }
            return try Self.writeEach(specs, session: session, fill: fill) { spec in
                try PostGISLayerWriter(store: self, session: session, name: spec.name, fields: spec.fields, kind: spec.kind.storageKind, replace: true)
            }
        }
    }

    /// Fills the layer `writer` makes for each spec through a result sink and finishes its catalogue entry.
    static func writeEach(_ specs: [ResultLayerSpec], session: PGSession, fill: (ResultLayerSpec, any ResultLayerSink) throws -> Void,
                          writer: (ResultLayerSpec) throws -> PostGISLayerWriter) throws -> [LayerRecord] {
        try specs.map { spec in
            let layer = try writer(spec)
            let sink = PostGISResultSink(layer: layer, kind: spec.kind.storageKind)
            try fill(spec, sink)
            return try layer.finish(spec.record(counted: sink.gate))
        }
    }
}

extension PostGISStore: DistrictResultWriting {
    /// Replaces one district's rows of each result layer in one transaction (see `DistrictResultWriting`).
    /// District jobs of one city write one after another (the write lock); each deletes only its rows.
    @discardableResult
    public func writeResults(_ specs: [ResultLayerSpec], district: String,
                             fill: (ResultLayerSpec, any ResultLayerSink) throws -> Void) throws -> [LayerRecord] {
        try writing { session in
            try Self.writeEach(specs, session: session, fill: fill) { spec in
                try PostGISLayerWriter(store: self, session: session, name: spec.name, fields: spec.fields, kind: spec.kind.storageKind,
                                       district: district) { spec.districtMismatch(existing: $0, location: self.location) }
            }
        }
    }
}

/// Takes the rows of one result layer inside a PostGIS results transaction.
final class PostGISResultSink: ResultLayerSink {
    let layer: PostGISLayerWriter
    /// Admits the rows appended one by one, and counts the layer's repaired and collapsed rows.
    private(set) var gate: ResultGeometryGate
    private var scratch: [UInt8] = []

    init(layer: PostGISLayerWriter, kind: GeometryKind) { self.layer = layer; gate = ResultGeometryGate(kind: kind) }

    private func add(_ values: [PropertyValue], _ geometry: Geometry) throws {
        guard let envelope = geometry.envelope else { return }
        scratch.removeAll(keepingCapacity: true)
        PostGISStore.appendHexEWKB(geometry, to: &scratch)
        try scratch.withUnsafeBytes { try layer.appendRow(values, hexGeometry: $0, envelope: envelope, kind: gate.kind) }
    }

    func append(_ values: [PropertyValue], geometry: Geometry) throws {
        if let admitted = try gate.admit(geometry) { try add(values, admitted) }
    }

    func append(_ values: [PropertyValue], storedGeometry geometry: Geometry) throws {
        if let fitted = geometry.fitted(to: gate.kind) { try add(values, fitted) }
    }

    func append(_ rows: ResultRows) throws {
        precondition(rows.encoding.name == PostGISStore.resultEncoding.name, "rows encoded as \(rows.encoding.name) for a PostGIS store")
        try rows.blobs.withUnsafeBytes { blobs in
            var start = 0
            for r in 0..<rows.count {
                let end = rows.blobEnds[r]
                try layer.appendRow(rows.values[r * rows.width ..< (r + 1) * rows.width], hexGeometry: UnsafeRawBufferPointer(rebasing: blobs[start..<end]),
                                    envelope: rows.envelopes[r], kind: rows.kind)
                start = end
            }
        }
        gate.count(rows)
    }
}

// MARK: - LayerImporting

extension PostGISStore: LayerImporting {
    /// PostgreSQL's 1,600 columns per table, less fid and geom.
    public var maximumFields: Int { 1_598 }

    /// One write transaction for the whole of `body`: every layer it imports lands, or none does.
    public func importing<T>(_ body: (any LayerImportSession) throws -> T) throws -> T {
        try writing { session in
            let importSession = PostGISImportSession(store: self, session: session)
            let result = try body(importSession)
            if let open = importSession.layers.first(where: { !$0.finished }) {
                throw StoreError.database(path: location, message: "layer \(open.name) was not finished")
            }
            return result
        }
    }
}

/// The write transaction of an import into PostGIS.
public final class PostGISImportSession: LayerImportSession {
    let store: PostGISStore
    let session: PGSession
    private(set) var layers: [PostGISLayerWriter] = []

    init(store: PostGISStore, session: PGSession) { self.store = store; self.session = session }

    /// The server process of the import's connection (`pg_backend_pid()`), for logs and for tests
    /// that end it mid-import.
    public func backendPID() throws -> Int {
        Int(try session.value(Int32.self, "SELECT pg_backend_pid()") ?? 0)
    }

    public func createLayer(_ name: String, fields: [FieldInfo], kind: GeometryKind?, replace: Bool) throws -> any ImportedLayer {
        try makeLayer(name, fields: fields, kind: kind, replace: replace)
    }

    func makeLayer(_ name: String, fields: [FieldInfo], kind: GeometryKind?, replace: Bool) throws -> PostGISLayerWriter {
        let layer = try PostGISLayerWriter(store: store, session: session, name: name, fields: fields, kind: kind, replace: replace)
        layers.append(layer)
        return layer
    }
}

/// Builds one layer table inside the caller's write transaction, as SpatiaLite's `LayerBuilder`
/// does: an existing layer is replaced (or refused); a layer with the same columns keeps its table,
/// whose rows are replaced in place (a snapshot that read them keeps them), otherwise the table is
/// made anew and indexed after the load. Rows are buffered as COPY text and sent a batch at a time.
final class PostGISLayerWriter: ImportedLayer {
    let name: String
    let columns: [String]
    private let types: [FieldType]
    private let session: PGSession
    private let location: String
    private var needsIndex: Bool
    private(set) var kind: GeometryKind?
    private(set) var count = 0
    /// The fid the first appended row takes, less one (rows added to a district's part of a layer
    /// follow the layer's other rows).
    private var firstID = 0
    /// Set when the rows replace one district's rows of an existing layer (`DistrictResultWriting`).
    private var district: String?
    private(set) var extent = Envelope.empty
    private(set) var finished = false
    /// Rows not yet sent, in COPY's text format.
    private var buffer: ByteBuffer
    private var buffered = 0
    /// The last COPY sent and not yet waited for.
    private var copyInFlight: PGSession.PendingCopy?

    /// A batch is sent when it holds this many rows or bytes.
    static let batchRows = 5_000
    static let batchBytes = 4 << 20

    init(store: PostGISStore, session: PGSession, name: String, fields: [FieldInfo], kind: GeometryKind?, replace: Bool,
         keepingAllBut district: (code: String, mismatch: ([FieldInfo]) -> StoreError)? = nil) throws {
        self.session = session
        location = store.location
        self.name = try LayerName.validated(name)
        self.kind = kind
        columns = LayerName.columnNames(for: fields)
        types = fields.map(\.type)
        buffer = ByteBufferAllocator().buffer(capacity: 1 << 16)
        for identifier in [name] + columns where identifier.utf8.count > PostGISStore.maximumIdentifierBytes {
            throw StoreError.database(path: location, message: "\"\(identifier)\" is longer than PostgreSQL's \(PostGISStore.maximumIdentifierBytes) bytes for a name; rename it (a shorter layer name, or a rename of the field)")
        }
        let stored = zip(columns, types).map { FieldInfo(name: $0, type: $1) }
        let table = session.table(name)
        let tableExists = try PostGISStore.tableExists(name, session)
        var sameColumns = false
        self.district = district?.code
        if let district, try PostGISStore.catalogueHas(name, session) {
            let existing = try PostGISStore.storedFields(of: name, session)
            guard existing == stored, tableExists else { throw district.mismatch(existing) }
            try session.rows("DELETE FROM \(table) WHERE \(PGSQL.quote(ResultLayerSpec.districtField)) = $1", [.text(district.code)])
            firstID = Int(try session.value(Int64.self, "SELECT max(fid) FROM \(table)") ?? 0)
            try session.rows("DELETE FROM renewalgis_layers WHERE name = $1", [.text(name)])
            needsIndex = false
            return
        }
        if try PostGISStore.catalogueHas(name, session) {
            guard replace else { throw StoreError.layerExists(path: location, layer: name) }
            sameColumns = try tableExists && PostGISStore.storedFields(of: name, session) == stored
            try session.rows("DELETE FROM renewalgis_layers WHERE name = $1", [.text(name)])
        } else if tableExists {
            throw StoreError.invalidLayerName("\(name)\" (a table of that name already exists in the store")
        }
        if sameColumns {
            // The rows are replaced in place: a snapshot taken before sees the old rows (MVCC) and the
            // index stays. New columns need a new table, which a snapshot that has not read the old one
            // yet would see empty, and whose DROP waits for snapshots that have.
            try session.rows("DELETE FROM \(table)")
            needsIndex = false
        } else {
            try session.rows("DROP TABLE IF EXISTS \(table)")
            let columnSQL = zip(columns, types).map { "\(PGSQL.quote($0)) \(PostGISStore.columnType($1))" }
            // The primary key and the GiST index are built once the rows are in (`finish`): a bulk
            // build beats maintaining them row by row.
            try session.rows("CREATE TABLE \(table) (fid bigint NOT NULL, \((columnSQL + ["geom geometry(Geometry, \(PGSQL.srid))"]).joined(separator: ", ")))")
            needsIndex = true
        }
    }

    /// A writer of one district's rows of result layer `name`: the district's old rows (field
    /// `district` holding it) are deleted, the others kept, and new rows numbered after the last; a
    /// layer that does not exist yet is created. A layer whose fields are not `fields` is refused.
    convenience init(store: PostGISStore, session: PGSession, name: String, fields: [FieldInfo], kind: GeometryKind, district: String,
                     mismatch: @escaping ([FieldInfo]) -> StoreError) throws {
        try self.init(store: store, session: session, name: name, fields: fields, kind: kind, replace: true, keepingAllBut: (district, mismatch))
    }

    func append(_ values: [PropertyValue], encodedGeometry: [UInt8], envelope: Envelope, kind: GeometryKind) throws {
        try encodedGeometry.withUnsafeBytes { try appendRow(values, hexGeometry: $0, envelope: envelope, kind: kind) }
    }

    /// Appends one row: `values` in field order, geometry as hex EWKB (nil: NULL) with its box. The
    /// first row fixes the kind when it was not given.
    func appendRow<Values: Collection<PropertyValue>>(_ values: Values, hexGeometry: UnsafeRawBufferPointer?, envelope: Envelope?,
                                                       kind: GeometryKind?) throws {
        precondition(!finished, "a row appended to a finished layer")
        precondition(values.count == columns.count, "a \(columns.count)-field row")
        if self.kind == nil { self.kind = kind }
        count += 1
        // One access of the stored buffer for the whole row, not one per byte written.
        try Self.writeRow(id: firstID + count, values, types: types, columns: columns, hexGeometry: hexGeometry, into: &buffer)
        if let envelope { extent.expand(toInclude: envelope) }
        buffered += 1
        if buffered >= Self.batchRows || buffer.readableBytes >= Self.batchBytes { try flush() }
    }

    /// Writes one row in COPY's text format: id, `values` in column order, hex EWKB (nil: NULL).
    private static func writeRow<Values: Collection<PropertyValue>>(id: Int, _ values: Values, types: [FieldType], columns: [String],
                                                                    hexGeometry: UnsafeRawBufferPointer?, into buffer: inout ByteBuffer) throws {
        buffer.writeString(String(id))
        for (i, value) in values.enumerated() {
            buffer.writeInteger(UInt8(ascii: "\t"))
            try writeValue(value, type: types[i], field: columns[i], row: id, into: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "\t"))
        if let hexGeometry { buffer.writeBytes(hexGeometry) } else { buffer.writeStaticString("\\N") }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// Writes one value in COPY's text format, as the column keeps it (`PostGISStore.stored`).
    private static func writeValue(_ value: PropertyValue, type: FieldType, field: String, row: Int, into buffer: inout ByteBuffer) throws {
        switch try PostGISStore.stored(value, as: type, field: field) {
        case .null: buffer.writeStaticString("\\N")
        case .integer(let i): buffer.writeString(String(i))
        // As SpatiaLite binds them: a NaN or an infinity is NULL.
        case .real(let d): if d.isFinite { buffer.writeString(d.description) } else { buffer.writeStaticString("\\N") }
        case .boolean(let b): buffer.writeString(b ? "1" : "0")
        case .bytes(let d): buffer.writeString(d.base64EncodedString())
        case .text(let s):
            // Most text needs no escape: written whole.
            if !s.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") || $0 == 0 }) {
                buffer.writeString(s)
                return
            }
            for byte in s.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
                case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
                case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
                case 0: throw StoreError.unsupportedQuery("field \(field): PostgreSQL text cannot hold a NUL character (row \(row))")
                default: buffer.writeInteger(byte)
                }
            }
        }
    }

    /// The name of a result layer's index on its district field.
    static func shortIndexName(_ layer: String) -> String { PostGISStore.shortName("\(layer)_district_idx") }

    /// Sends the buffered rows as one COPY, after the previous one has been taken; does not wait for
    /// this one, so the next rows are written while the server takes these (`finish` waits).
    private func flush() throws {
        guard buffered > 0 else { return }
        try copyInFlight?.wait()
        copyInFlight = nil
        // The columns named (each quoted by postgres-nio, so inner quotes doubled): a partitioned layer's
        // hidden district column takes its default.
        copyInFlight = try session.beginCopy(into: name, columns: (["fid"] + columns + ["geom"]).map { $0.replacingOccurrences(of: "\"", with: "\"\"") }, buffer)
        buffer = ByteBuffer()
        buffer.reserveCapacity(Self.batchBytes + 64 * 1024)
        buffered = 0
    }

    /// Waits for the last COPY sent.
    private func drain() throws {
        try flush()
        try copyInFlight?.wait()
        copyInFlight = nil
    }

    /// Sends what is left, indexes a new table, and writes the catalogue entry from `record` (name,
    /// count, extent and geometry type filled in here).
    func finish(_ record: LayerRecord) throws -> LayerRecord {
        try finish(record, unknownKind: GeometryKind.geometry.rawValue)
    }

    func finish(_ record: LayerRecord, unknownKind: String) throws -> LayerRecord {
        precondition(!finished, "a layer finished twice")
        try drain()
        let table = session.table(name)
        if needsIndex {
            try session.rows("ALTER TABLE \(table) ADD PRIMARY KEY (fid)")
            try session.rows("CREATE INDEX ON \(table) USING gist (geom)")
        }
        if district != nil {
            // The layer holds other districts' rows too: its count and extent are the table's.
            try session.rows("CREATE INDEX IF NOT EXISTS \(PGSQL.quote(Self.shortIndexName(name))) ON \(table) (\(PGSQL.quote(ResultLayerSpec.districtField)))")
            count = Int(try session.value(Int64.self, "SELECT count(*) FROM \(table)") ?? 0)
            if let row = try session.rows("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM \(table)) x").first?.makeRandomAccess(),
               row[0].bytes != nil {
                extent = Envelope(minX: try session.decode(row[0], Double.self), minY: try session.decode(row[1], Double.self),
                                  maxX: try session.decode(row[2], Double.self), maxY: try session.decode(row[3], Double.self))
            }
        }
        // No ANALYZE inside the import: on a table of 20,000 polygons it costs more than the COPY (its
        // geometry statistics), and the import's transaction would wait for it. Autovacuum analyzes a
        // new table within a minute, as after ogr2ogr; until then the planner estimates from the
        // table's size and PostGIS's default selectivity, which picks the GiST index for a box.
        var record = record
        record.name = name
        record.featureCount = count
        record.geometryType = kind?.rawValue ?? unknownKind
        (record.minX, record.minY, record.maxX, record.maxY) = extent.isEmpty
            ? (nil, nil, nil, nil) : (extent.minX, extent.minY, extent.maxX, extent.maxY)
        func real(_ d: Double?) -> PGValue { d.map(PGValue.real) ?? .null }
        try session.rows("""
            INSERT INTO renewalgis_layers (name, kind, "sourceFile", "sourceLayer", "sourceCRS", "featureCount",
                "minX", "minY", "maxX", "maxY", "geometryType", "importedAt", "repairedCount", "skippedCount")
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            """, [.text(record.name), .text(record.kind), .text(record.sourceFile), .text(record.sourceLayer), .text(record.sourceCRS),
                  .integer(Int64(record.featureCount)), real(record.minX), real(record.minY), real(record.maxX), real(record.maxY),
                  .text(record.geometryType), .text(record.importedAt), .integer(Int64(record.repairedCount)), .integer(Int64(record.skippedCount))])
        // One statement for every field (at most 2,000 columns: 8,000 bound values).
        if !columns.isEmpty {
            let rows = columns.indices.map { i in "($\(4 * i + 1), $\(4 * i + 2), $\(4 * i + 3), $\(4 * i + 4))" }
            let values = columns.enumerated().flatMap { i, column -> [PGValue] in
                [.text(name), .integer(Int64(i)), .text(column), .text(types[i].rawValue)]
            }
            try session.rows("INSERT INTO renewalgis_fields (layer, position, name, type) VALUES " + rows.joined(separator: ", "), values)
        }
        finished = true
        return record
    }
}
