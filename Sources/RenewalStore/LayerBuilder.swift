import Foundation
import GeoKernel
import GRDB
import GeoStore

/// Builds one layer table inside the caller's write transaction: replaces (or refuses to
/// replace) an existing layer; when the geometry kind is known, creates the table and lets
/// SpatiaLite register the geometry column and create its R*Tree index and triggers; then
/// bulk-inserts rows with SpatiaLite blobs (the per-row triggers, which re-parse every blob and
/// insert into the R*Tree one row at a time, are set aside during the load and restored after it),
/// packs the spatial index from the rows' envelopes in one pass (`RTreePacker`); finally writes
/// the catalogue row. Shared by imports and analysis results.
final class LayerBuilder: ImportedLayer {
    let name: String
    let columns: [String]
    private let fieldTypes: [FieldType]
    private let db: Database
    private let storePath: String
    private var insert: BulkInsert?
    private var index = RTreePacker()
    /// SpatiaLite's per-row triggers (constraint check, index upkeep, timestamps), restored by `finish`.
    private var setAside: [String] = []
    private(set) var kind: GeometryKind?
    private(set) var count = 0
    private(set) var extent = Envelope.empty

    /// - Parameters:
    ///   - fields: attribute columns; names clashing with `fid`/`geom` or each other get a suffix.
    ///   - replace: drop an existing layer of this name first; otherwise an existing one is an error.
    init(_ db: Database, storePath: String, name: String, fields: [FieldInfo], kind: GeometryKind?, replace: Bool) throws {
        self.db = db
        self.storePath = storePath
        self.name = name
        self.kind = kind
        columns = LayerBuilder.columnNames(for: fields)
        fieldTypes = fields.map(\.type)
        if try LayerRecord.fetchOne(db, key: name) != nil {
            guard replace else { throw StoreError.layerExists(path: storePath, layer: name) }
            try LayerBuilder.dropLayer(name, in: db)
        } else if try db.tableExists(name) {
            throw StoreError.invalidLayerName("\(name)\" (a table of that name already exists in the store")
        }
    }

    /// Appends one row; `geometry` is in EPSG:4490 and already of the layer's kind (see `fit`).
    /// The first row fixes the kind when it was not given.
    func append(_ values: [PropertyValue], geometry: Geometry) throws {
        guard let envelope = geometry.envelope else { return }
        try append(values, encodedGeometry: SpatiaLiteBlob.encode(geometry, srid: Int32(SpatialStore.storageSRID), envelope: envelope),
                   envelope: envelope, kind: kind ?? geometry.kind.storageKind)
    }

    /// Appends one row whose SpatiaLite blob is already encoded (EPSG:4490, of the layer's kind).
    func append(_ values: [PropertyValue], encodedGeometry blob: [UInt8], envelope: Envelope, kind: GeometryKind) throws {
        if insert == nil { try createTable(self.kind ?? kind) }
        try insert!.insert(leading: Int64(count + 1), values, blob: blob)
        recordRow(envelope)
    }

    /// Books the row just inserted as feature `count + 1`: its box for the index and the extent.
    private func recordRow(_ envelope: Envelope) {
        count += 1
        index.add(id: Int64(count), envelope)
        extent.expand(toInclude: envelope)
    }

    /// Appends prepared rows (values and blobs in EPSG:4490, of the layer's kind), binding each
    /// blob in place rather than copying it.
    func append(_ rows: ResultRows) throws {
        guard rows.count > 0 else { return }
        if insert == nil { try createTable(self.kind ?? rows.kind) }
        guard let insert else { return }
        try rows.blobs.withUnsafeBytes { blobs in
            var start = 0
            for r in 0..<rows.count {
                let end = rows.blobEnds[r]
                try insert.insert(leading: Int64(count + 1), rows.values[r * rows.width ..< (r + 1) * rows.width],
                                  borrowing: UnsafeRawBufferPointer(rebasing: blobs[start..<end]))
                recordRow(rows.envelopes[r])
                start = end
            }
        }
        // The last row's blob pointer must not outlive `rows`.
        insert.clearBindings()
    }

    /// Finishes the table and writes the catalogue row from `record` (name, counts, extent and
    /// geometry type are filled in here).
    func finish(_ record: LayerRecord) throws -> LayerRecord {
        if insert == nil { try createTable(kind ?? .geometry) }
        insert = nil
        try index.write(index: "idx_\(name)_geom", in: db, storePath: storePath)
        index = RTreePacker()
        for sql in setAside { try db.execute(sql: sql) }
        let kind = self.kind ?? .geometry
        var record = record
        record.name = name
        record.featureCount = count
        record.geometryType = kind.rawValue
        (record.minX, record.minY, record.maxX, record.maxY) = extent.isEmpty
            ? (nil, nil, nil, nil) : (extent.minX, extent.minY, extent.maxX, extent.maxY)
        try record.insert(db)
        return record
    }

    private func createTable(_ kind: GeometryKind) throws {
        self.kind = kind
        let columnSQL = zip(columns, fieldTypes).map { ", \(SQL.quote($0)) \($1.sqliteType)" }.joined()
        try db.execute(sql: "CREATE TABLE \(SQL.quote(name)) (fid INTEGER PRIMARY KEY\(columnSQL), geom \(kind.rawValue))")
        // On the empty table: register the column (RecoverGeometryColumn returns 1, or 0 on failure)
        // and create the R*Tree and its triggers (CreateSpatialIndex returns 1, or 0 on failure).
        let registered = try Int.fetchOne(db, sql: "SELECT RecoverGeometryColumn(?, 'geom', ?, ?, 'XY')",
                                          arguments: [name, SpatialStore.storageSRID, kind.rawValue])
        let indexed = try Int.fetchOne(db, sql: "SELECT CreateSpatialIndex(?, 'geom')", arguments: [name])
        guard registered == 1, indexed == 1 else {
            throw StoreError.database(path: storePath, message: "SpatiaLite did not register the geometry column of \(name) as \(kind.rawValue)")
        }
        // Set SpatiaLite's per-row INSERT triggers aside for the load: we write the blobs and pack
        // the index ourselves. Their own SQL text restores them in `finish`.
        let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND sql LIKE '%BEFORE INSERT%' OR (type = 'trigger' AND tbl_name = ? AND sql LIKE '%AFTER INSERT%')", arguments: [name, name])
        for trigger in triggers {
            let triggerName: String = trigger["name"]
            setAside.append(trigger["sql"])
            try db.execute(sql: "DROP TRIGGER \(SQL.quote(triggerName))")
        }
        let names = columns.map { SQL.quote($0) + ", " }.joined()
        let placeholders = String(repeating: "?, ", count: columns.count)
        insert = try BulkInsert(db, sql: "INSERT INTO \(SQL.quote(name)) (fid, \(names)geom) VALUES (?, \(placeholders)?)", storePath: storePath)
    }

    /// Removes a layer's table, spatial index and metadata (inside the caller's transaction).
    static func dropLayer(_ name: String, in db: Database) throws {
        if try db.tableExists("idx_\(name)_geom") {
            _ = try Int.fetchOne(db, sql: "SELECT DisableSpatialIndex(?, 'geom')", arguments: [name])
            try db.execute(sql: "DROP TABLE IF EXISTS \(SQL.quote("idx_\(name)_geom"))")
        }
        _ = try Int.fetchOne(db, sql: "SELECT DiscardGeometryColumn(?, 'geom')", arguments: [name])
        try db.execute(sql: "DROP TABLE IF EXISTS \(SQL.quote(name))")
        try db.execute(sql: "DELETE FROM renewalgis_layers WHERE name = ?", arguments: [name])
    }

    /// Column names for the fields (`LayerName.columnNames`: the rule every SQL backend shares).
    static func columnNames(for fields: [FieldInfo]) -> [String] { LayerName.columnNames(for: fields) }
}

extension FieldType {
    /// The SQLite column type for this field type. Dates and date-times keep their type in the
    /// declaration (SQLite gives DATE and DATETIME numeric affinity, which leaves their ISO text as text).
    public var sqliteType: String {
        switch self {
        case .integer, .boolean: "INTEGER"
        case .real: "REAL"
        case .text: "TEXT"
        case .date: "DATE"
        case .dateTime: "DATETIME"
        }
    }
}
