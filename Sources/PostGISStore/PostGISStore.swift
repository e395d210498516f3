// The PostGIS backend: the reading seam (`FeatureReading`/`FeatureSnapshot`, here) and the jobs'
// seams `LayerStore` and `LayerImporting` (PostGISWriter.swift), with SpatiaLite's meaning.
//
// Layout in the database (in schema `public`, or the URL's `?schema=name`):
// - `renewalgis_layers`: the catalogue, one row per layer, with the columns of `LayerRecord` under the
//   same names as in SpatiaLite (`name` primary key, "sourceFile", "featureCount", "minX" …, quoted).
// - `renewalgis_fields` (layer, position, name, type): each layer's attribute fields in column order,
//   with their `FieldType` (the SQL types below lose DATE and DATETIME, which are stored as text).
// - `renewalgis_state` (one row, `content_version`): raised by every write in the same transaction,
//   so a snapshot's `contentVersion` changes whenever any layer, the catalogue or a setting does.
// - `renewalgis_settings` (key primary key, value): `metric_crs`, checked by `StoreSettings.checked`.
// - One table per layer, named as the layer: `fid bigint primary key` (1, 2, … in load order), one
//   column per field, named by `LayerName.columnNames` as in SpatiaLite — TEXT `text COLLATE "C"`
//   (bytewise, as SQLite's BINARY; land-use codes stay text), INTEGER and BOOLEAN `bigint` (0/1, as
//   SpatiaLite keeps booleans), REAL `double precision`, DATE and DATETIME text `COLLATE "C"` (as
//   SpatiaLite stores them, so comparisons and LIKE give its answers) — and
//   `geom geometry(Geometry, 4490)` with a GiST index.
// - `renewalgis_time_start(text)`, `renewalgis_time_end(text)`: `TimeInstant.span` in PL/pgSQL.
//
// Reads run in one REPEATABLE READ READ ONLY transaction per snapshot on one pooled connection;
// every value is bound as `$n`. postgres-nio's future API is waited on from the calling thread.
// Writes (imports with `--replace`, result layers with those they drop, settings) are one
// transaction each, under `pg_advisory_xact_lock` per schema; the schema, PostGIS (when the user may
// install it) and the catalogue are created on the first write. Rows go by COPY (text format: hex
// EWKB geometry, the store's `geometryEncoding`, so rows prepared on worker threads are sent as they
// are) in batches of 5,000 rows or 4 MB. A layer whose columns stay the same is replaced in place
// (DELETE, then COPY: snapshots taken before keep the old rows); other layers are dropped and made
// anew, which waits for snapshots that read the old table, and which a snapshot that had not read it
// yet sees empty. Faults name host, port and database, never the password.
import Foundation
import GeoKernel
import GeoStore
import PostgresNIO
import Synchronization

/// A PostGIS database read as a RenewalGIS store (see the file header for the layout).
public final class PostGISStore: FeatureReading {
    /// Where the store is (the password is never shown).
    public let address: PostGISAddress
    let pool: PGSessionPool
    /// What the snapshots of one content version learn of the catalogue (fields, identifying field,
    /// catalogue rows), kept for the next snapshot of that version.
    let catalogueCache = PGCatalogueCache()
    let versionReader: PostGISVersionReader

    /// Connects to `url` (`postgresql://user[:password]@host[:port]/database[?schema=name]`) once to check that the
    /// server answers; throws `StoreError.database` naming host, port and database (never the password).
    /// How long one statement of a snapshot may run, seconds, before the server cancels it (`StoreError.queryTimeLimit`).
    public let queryTimeLimit: Double

    public init(url: String, queryTimeLimit: Double = 10) throws {
        guard let address = PostGISAddress(url: url) else {
            throw StoreError.notAStore(path: "postgresql URL", reason: "expected postgresql://user[:password]@host[:port]/database")
        }
        self.address = address
        self.queryTimeLimit = queryTimeLimit
        pool = PGSessionPool(address: address, limit: concurrentSnapshots, queryTimeLimit: queryTimeLimit)
        versionReader = PostGISVersionReader(address: address)
        try pool.with { _ in }
    }

    /// Calls `body` inside one REPEATABLE READ READ ONLY transaction on one connection: every answer
    /// read through the snapshot comes from the same state of the database.
    public func withSnapshot<T>(_ body: (any FeatureSnapshot) throws -> T) throws -> T {
        try pool.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { session in
            // Every statement of the snapshot stops after `queryTimeLimit` (StoreError.queryTimeLimit);
            // set in the same statement that checks for the catalogue (one round trip less per answer).
            let ready = try session.value(Bool.self, """
                SELECT set_config('statement_timeout', $1, true) IS NOT NULL AND current_schema() = $2
                   AND EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $2 AND tablename = 'renewalgis_layers')
                """, [.text("\(Int(queryTimeLimit * 1000))"), .text(address.schemaName)])
            if ready != true { try checkCatalogue(session) }  // says what is missing
            let version = try session.value(Int64.self, "SELECT content_version FROM renewalgis_state") ?? 0
            return try body(PostGISSnapshot(session: session, contentVersion: Int(version),
                                            cache: catalogueCache.forVersion(Int(version))))
        }
    }

    /// The content version, read on a connection of its own, one statement at a time for every
    /// request waiting (`PostGISVersionReader`), awaited without blocking a thread.
    public func contentVersion() async throws -> Int { try await versionReader.read() }

    /// Throws `StoreError.notAStore` unless the store's schema holds the catalogue (the catalogue of
    /// another schema on the search path, e.g. `public`'s, does not count).
    func checkCatalogue(_ session: PGSession) throws {
        guard try session.value(Bool.self, "SELECT current_schema() = $1 AND EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'renewalgis_layers')",
                                [.text(address.schemaName)]) == true else {
            throw StoreError.notAStore(path: address.description, reason: "no renewalgis_layers catalogue in schema \(address.schemaName) of the database; `renewalgis import` creates one")
        }
    }

    /// The statements that create the catalogue, the fields table, the version row and the time
    /// functions when missing (run by writers, inside their transaction).
    static let schemaSQL: [String] = [
        """
        CREATE TABLE IF NOT EXISTS renewalgis_layers (
            name text COLLATE "C" PRIMARY KEY, kind text NOT NULL DEFAULT 'source', "sourceFile" text NOT NULL,
            "sourceLayer" text NOT NULL, "sourceCRS" text NOT NULL, "featureCount" bigint NOT NULL,
            "minX" double precision, "minY" double precision, "maxX" double precision, "maxY" double precision,
            "geometryType" text NOT NULL, "importedAt" text NOT NULL,
            "repairedCount" bigint NOT NULL DEFAULT 0, "skippedCount" bigint NOT NULL DEFAULT 0)
        """,
        """
        CREATE TABLE IF NOT EXISTS renewalgis_fields (
            layer text NOT NULL REFERENCES renewalgis_layers (name) ON DELETE CASCADE, position integer NOT NULL,
            name text NOT NULL, type text NOT NULL, PRIMARY KEY (layer, position))
        """,
        "CREATE TABLE IF NOT EXISTS renewalgis_state (one boolean PRIMARY KEY DEFAULT TRUE CHECK (one), content_version bigint NOT NULL)",
        "CREATE TABLE IF NOT EXISTS renewalgis_settings (key text COLLATE \"C\" PRIMARY KEY, value text NOT NULL)",
        "INSERT INTO renewalgis_state (content_version) VALUES (0) ON CONFLICT DO NOTHING",
        // TimeInstant.span: a date covers its UTC day to the last millisecond, a date-time its instant.
        """
        CREATE OR REPLACE FUNCTION renewalgis_time_span(t text, want_end boolean) RETURNS double precision
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        DECLARE
            m text[];
            day double precision;
            seconds double precision := 0;
            zone double precision := 0;
        BEGIN
            m := regexp_match(t, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\\.[0-9]+)?)?(Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$');
            IF m IS NULL OR m[2]::int NOT BETWEEN 1 AND 12 OR m[3]::int < 1 THEN RETURN NULL; END IF;
            IF m[3]::int > extract(day FROM (make_date(greatest(m[1]::int, 1), m[2]::int, 1) + interval '1 month - 1 day')) THEN RETURN NULL; END IF;
            day := (make_date(greatest(m[1]::int, 1), m[2]::int, m[3]::int) - date '1970-01-01')::double precision * 86400;
            IF m[4] IS NULL THEN RETURN day + CASE WHEN want_end THEN 86399.999 ELSE 0 END; END IF;
            IF m[4]::int > 23 OR m[5]::int > 59 OR coalesce(m[6]::int, 0) > 60 THEN RETURN NULL; END IF;
            seconds := m[4]::int * 3600 + m[5]::int * 60 + coalesce(m[6]::int, 0) + coalesce(('0' || m[7])::double precision, 0);
            IF m[8] IS NOT NULL AND m[8] NOT IN ('Z', 'z') THEN
                IF substr(m[8], 2, 2)::int > 23 OR coalesce(nullif(right(replace(m[8], ':', ''), -3), ''), '0')::int > 59 THEN RETURN NULL; END IF;
                zone := (substr(m[8], 2, 2)::int * 3600 + coalesce(nullif(right(replace(m[8], ':', ''), -3), ''), '0')::int * 60)
                        * CASE WHEN left(m[8], 1) = '-' THEN -1 ELSE 1 END;
            END IF;
            RETURN day + seconds - zone;
        END $fn$
        """,
        "CREATE OR REPLACE FUNCTION \(PGSQL.timeStart)(t text) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT renewalgis_time_span(t, false) $$",
        "CREATE OR REPLACE FUNCTION \(PGSQL.timeEnd)(t text) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT renewalgis_time_span(t, true) $$",
    ]

    /// A layer's fields as `renewalgis_fields` lists them, in column order (none for an unknown layer).
    static func storedFields(of layer: String, _ session: PGSession) throws -> [FieldInfo] {
        try session.rows("SELECT name, type FROM renewalgis_fields WHERE layer = $1 ORDER BY position", [.text(layer)]).map { row in
            let r = row.makeRandomAccess()
            let type = try session.decode(r[1], String.self)
            return FieldInfo(name: try session.decode(r[0], String.self), type: FieldType(rawValue: type) ?? .text)
        }
    }

    /// The column type a field is stored in.
    static func columnType(_ type: FieldType) -> String {
        switch type {
        case .integer, .boolean: "bigint"
        case .real: "double precision"
        case .text, .date, .dateTime: "text COLLATE \"C\""
        }
    }

    /// Replaces (or creates) `layer` with `fields` and `features` (ids 1, 2, … in order; values missing
    /// from a feature are NULL, geometry kept as given), catalogue row included, in one transaction:
    /// readers see the old layer or the new one. For tests and fixtures; it goes through the import
    /// path (`importing`), so there is one writer.
    public func replace(_ layer: String, fields: [FieldInfo], features: [Feature]) throws {
        try importing { session in
            let kind = features.lazy.compactMap(\.geometry).first?.kind.storageKind
            let writer = try (session as! PostGISImportSession).makeLayer(layer, fields: fields, kind: kind, replace: true)
            var hex: [UInt8] = []
            for f in features {
                let values = fields.map { f[$0.name] ?? .null }
                guard let geometry = f.geometry else {
                    try writer.appendRow(values, hexGeometry: nil, envelope: nil, kind: nil)
                    continue
                }
                hex.removeAll(keepingCapacity: true)
                Self.appendHexEWKB(geometry, to: &hex)
                try hex.withUnsafeBytes { try writer.appendRow(values, hexGeometry: $0, envelope: geometry.envelope, kind: nil) }
            }
            _ = try writer.finish(LayerRecord(name: layer, kind: "source", sourceFile: "memory", sourceLayer: layer, sourceCRS: "EPSG:4490",
                                              featureCount: 0, geometryType: "", importedAt: "1970-01-01T00:00:00Z"),
                                  unknownKind: "")
        }
    }

    /// A property as the column of `type` keeps it (what SQLite's affinity would store); throws for a
    /// value the column cannot hold.
    static func stored(_ value: PropertyValue, as type: FieldType, field: String) throws -> PGValue {
        func refuse() -> StoreError { .unsupportedQuery("field \(field): \(value) does not fit a \(type.rawValue) column") }
        switch (type, value) {
        case (_, .null): return .null
        case (.integer, .int(let i)), (.boolean, .int(let i)): return .integer(i)
        case (.integer, .bool(let b)), (.boolean, .bool(let b)): return .integer(b ? 1 : 0)
        case (.integer, .double(let d)), (.boolean, .double(let d)):
            guard d == d.rounded(), let i = Int64(exactly: d) else { throw refuse() }
            return .integer(i)
        case (.integer, .string(let s)), (.boolean, .string(let s)):
            guard let i = Int64(s.trimmingCharacters(in: .whitespaces)) else { throw refuse() }
            return .integer(i)
        case (.real, _):
            guard let d = value.number else { throw refuse() }
            return .real(d)
        case (_, .string(let s)): return .text(s)
        case (_, .int(let i)): return .text(String(i))
        case (_, .bool(let b)): return .text(b ? "1" : "0")
        case (_, .double(let d)): return .text(d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)")
        }
    }
}

/// One consistent state of a PostGIS store (`PostGISStore.withSnapshot`), valid inside that call only.
struct PostGISSnapshot: FeatureSnapshot {
    let session: PGSession
    let contentVersion: Int
    /// What earlier snapshots of this content version read of the catalogue; nil: read everything.
    var cache: PGCatalogueCache.Version? = nil

    private static let catalogueColumns = """
        name, kind, "sourceFile", "sourceLayer", "sourceCRS", "featureCount", "minX", "minY", "maxX", "maxY",
        "geometryType", "importedAt", "repairedCount", "skippedCount"
        """

    private func record(_ row: PostgresRow) throws -> LayerRecord {
        let r = row.makeRandomAccess()
        func text(_ i: Int) throws -> String { try session.decode(r[i], String.self) }
        func int(_ i: Int) throws -> Int { Int(try session.decode(r[i], Int64.self)) }
        func real(_ i: Int) throws -> Double? { r[i].bytes == nil ? nil : try session.decode(r[i], Double.self) }
        return LayerRecord(name: try text(0), kind: try text(1), sourceFile: try text(2), sourceLayer: try text(3), sourceCRS: try text(4),
                           featureCount: try int(5), minX: try real(6), minY: try real(7), maxX: try real(8), maxY: try real(9),
                           geometryType: try text(10), importedAt: try text(11), repairedCount: try int(12), skippedCount: try int(13))
    }

    func layers() throws -> [LayerRecord] {
        try session.rows("SELECT \(Self.catalogueColumns) FROM renewalgis_layers ORDER BY name").map(record)
    }

    func layer(_ name: String) throws -> LayerRecord? {
        if let cached = cache?.record(name) { return cached }
        let found = try session.rows("SELECT \(Self.catalogueColumns) FROM renewalgis_layers WHERE name = $1", [.text(name)]).first.map(record)
        if let found { cache?.remember(record: found) }
        return found
    }

    /// Throws `StoreError.unknownLayer` (with the layers there are) unless the catalogue lists `layer`.
    private func requireLayer(_ layer: String) throws {
        guard try session.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM renewalgis_layers WHERE name = $1)", [.text(layer)]) != true else { return }
        throw StoreError.unknownLayer(path: session.address.description, layer: layer, available: try layers().map(\.name))
    }

    func fields(of layer: String) throws -> [FieldInfo] {
        if let cached = cache?.fields(layer) { return cached }
        try requireLayer(layer)
        // A boolean is kept as 0/1 (bigint) and read back as those integers, as SpatiaLite keeps and
        // reads it: readers are told integer, so a queryables schema matches the values served.
        let fields = try PostGISStore.storedFields(of: layer, session).map { f in f.type == .boolean ? FieldInfo(name: f.name, type: .integer) : f }
        cache?.remember(fields: fields, of: layer)
        return fields
    }

    func identifierField(of layer: String) throws -> String? {
        if let cached = cache?.identifier(layer) { return cached }
        let found = try findIdentifierField(of: layer)
        cache?.remember(identifier: found, of: layer)
        return found
    }

    /// The first identifier candidate whose values are all present and distinct (two counts per candidate).
    private func findIdentifierField(of layer: String) throws -> String? {
        let candidates = identifierCandidates(try fields(of: layer).map(\.name))
        guard !candidates.isEmpty else { return nil }
        let table = PGSQL.quote(layer)
        let total = try session.value(Int64.self, "SELECT count(*) FROM \(table)") ?? 0
        for field in candidates {
            let c = PGSQL.quote(field)
            if try session.value(Int64.self, "SELECT count(DISTINCT \(c)) FROM \(table) WHERE \(c) IS NOT NULL") == total { return field }
        }
        return nil
    }

    /// A query as SQL: the selected fields, the WHERE clause and ORDER BY, with bound values.
    private struct Compiled {
        let selected: [FieldInfo]
        let filter: String
        let order: String
        let values: [PGValue]
    }

    private func compile(_ layer: String, _ query: FeatureQuery) throws -> Compiled {
        let fields = try self.fields(of: layer)
        func field(_ name: String) throws -> FieldInfo {
            guard let f = fields.first(where: { $0.name == name }) else {
                throw StoreError.unknownField(layer: layer, field: name, available: fields.map(\.name))
            }
            return f
        }
        let selected = try query.columns.map { try $0.map(field) } ?? fields
        // SQLite orders NULL first ascending, last descending; the row id breaks ties.
        let order = (try query.sortBy.map { "\(PGSQL.quote(try field($0.field).name))\($0.descending ? " DESC NULLS LAST" : " NULLS FIRST")" } + ["fid"])
            .joined(separator: ", ")
        var conditions: [String] = []
        var values: [PGValue] = []
        if let boxes = PGPredicateCompiler.boxes(query.boxes, firstPlaceholder: 1) {
            conditions.append(boxes.sql); values += boxes.values
        }
        if let predicate = try PGPredicateCompiler.condition(query.predicates, fields: fields, firstPlaceholder: values.count + 1) {
            conditions.append("(\(predicate.sql))"); values += predicate.values
        }
        return Compiled(selected: selected, filter: conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "),
                        order: order, values: values)
    }

    func page(of layer: String, query: FeatureQuery) throws -> [Feature] {
        let c = try compile(layer, query)
        let n = c.values.count
        let rows = try session.rows("SELECT \(selectList(c.selected)) FROM \(PGSQL.quote(layer))\(c.filter) ORDER BY \(c.order) LIMIT $\(n + 1) OFFSET $\(n + 2)",
                                    c.values + [.integer(Int64(max(0, query.limit))), .integer(Int64(max(0, query.offset)))])
        return try rows.map { try feature($0, fields: c.selected) }
    }

    func matchCount(of layer: String, query: FeatureQuery) throws -> Int {
        let c = try compile(layer, query)
        return Int(try session.value(Int64.self, "SELECT count(*) FROM \(PGSQL.quote(layer))\(c.filter)", c.values) ?? 0)
    }

    func selectList(_ fields: [FieldInfo]) -> String {
        (["fid", "ST_AsBinary(geom)"] + fields.map { PGSQL.quote($0.name) }).joined(separator: ", ")
    }

    /// A row of `fid, ST_AsBinary(geom), fields…` as a feature.
    func feature(_ row: PostgresRow, fields: [FieldInfo]) throws -> Feature {
        let r = row.makeRandomAccess()
        var properties: [(name: String, value: PropertyValue)] = []
        properties.reserveCapacity(fields.count)
        for (i, field) in fields.enumerated() {
            let cell = r[i + 2]
            let value: PropertyValue
            if cell.bytes == nil { value = .null } else {
                switch field.type {
                case .integer, .boolean: value = .int(try session.decode(cell, Int64.self))
                case .real: value = .double(try session.decode(cell, Double.self))
                default: value = .string(try session.decode(cell, String.self))
                }
            }
            properties.append((field.name, value))
        }
        var geometry: Geometry? = nil
        if r[1].bytes != nil {
            let wkb = try session.decode(r[1], Data.self)
            do { geometry = try WKB.decode(wkb) } catch {
                throw StoreError.database(path: session.address.description, message: "unreadable geometry: \(error)")
            }
        }
        return Feature(id: .int(try session.decode(r[0], Int64.self)), properties: properties, geometry: geometry)
    }

    func temporalExtent(of layer: String) throws -> TemporalExtent? {
        guard let field = TemporalExtent.field(in: try fields(of: layer)) else { return nil }
        let c = "\(PGSQL.quote(field.name))::text"
        guard let r = try session.rows("SELECT min(\(PGSQL.timeStart)(\(c))), max(\(PGSQL.timeEnd)(\(c))) FROM \(PGSQL.quote(layer))").first?.makeRandomAccess() else {
            return TemporalExtent(field: field, start: nil, end: nil)
        }
        return TemporalExtent(field: field, start: r[0].bytes == nil ? nil : try session.decode(r[0], Double.self),
                              end: r[1].bytes == nil ? nil : try session.decode(r[1], Double.self))
    }

    func temporalFormat(of layer: String, field: FieldInfo) throws -> String {
        switch field.type {
        case .date: return "date"
        case .dateTime: return "date-time"
        default: break
        }
        let c = PGSQL.quote(field.name)
        let longer = try session.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM \(PGSQL.quote(layer)) WHERE \(PGSQL.timeStart)(\(c)::text) IS NOT NULL AND length(\(c)::text) > 10)")
        return longer == true ? "date-time" : "date"
    }

    func check(_ predicate: FeaturePredicate, layer: String) throws {
        _ = try PGPredicateCompiler.condition([predicate], fields: try fields(of: layer))
    }

    func feature(of layer: String, id: String) throws -> Feature? {
        let fields = try self.fields(of: layer)
        let key = try identifierField(of: layer)
        let value: PGValue
        switch key.flatMap({ k in fields.first { $0.name == k } })?.type {
        case nil: value = Int64(id).map(PGValue.integer) ?? .integer(-1)
        case .integer?, .boolean?: guard let i = Int64(id.trimmingCharacters(in: .whitespaces)) else { return nil }; value = .integer(i)
        case .real?: guard let d = Double(id.trimmingCharacters(in: .whitespaces)) else { return nil }; value = .real(d)
        default: value = .text(id)
        }
        let sql = "SELECT \(selectList(fields)) FROM \(PGSQL.quote(layer)) WHERE \(key.map(PGSQL.quote) ?? "fid") = $1 ORDER BY fid LIMIT 1"
        return try session.rows(sql, [value]).first.map { try feature($0, fields: fields) }
    }
}

/// Catalogue facts of one content version of a store (a layer's fields, its identifying field, its
/// catalogue row), learnt by one snapshot and reused by the next of the same version: every write
/// raises the version, so nothing cached outlives the state it was read from. Spares an answer the
/// catalogue queries and the identifying field's two counts over the whole layer.
final class PGCatalogueCache: @unchecked Sendable {
    /// The facts of one version; shared by the snapshots of that version (guarded by `lock`).
    final class Version: @unchecked Sendable {
        let number: Int
        private let lock = NSLock()
        private var fieldsOf: [String: [FieldInfo]] = [:]
        private var identifiers: [String: String] = [:]
        private var withoutIdentifier: Set<String> = []
        private var records: [String: LayerRecord] = [:]
        init(_ number: Int) { self.number = number }
        func fields(_ layer: String) -> [FieldInfo]? { lock.withLock { fieldsOf[layer] } }
        /// nil: not known yet; .some(nil): the layer has no identifying field.
        func identifier(_ layer: String) -> String?? {
            lock.withLock { withoutIdentifier.contains(layer) ? .some(nil) : identifiers[layer].map { .some($0) } }
        }
        func record(_ layer: String) -> LayerRecord? { lock.withLock { records[layer] } }
        func remember(fields: [FieldInfo], of layer: String) { lock.withLock { fieldsOf[layer] = fields } }
        func remember(identifier: String?, of layer: String) {
            lock.withLock { if let identifier { identifiers[layer] = identifier } else { withoutIdentifier.insert(layer) } }
        }
        func remember(record: LayerRecord) { lock.withLock { records[record.name] = record } }
    }

    private let lock = NSLock()
    private var current: Version?

    /// The facts of `version`: those kept when it is the version last seen, else a fresh set.
    func forVersion(_ version: Int) -> Version {
        lock.withLock {
            if let current, current.number == version { return current }
            let fresh = Version(version)
            current = fresh
            return fresh
        }
    }
}
