import Foundation
import GeoKernel
import GeoStore
@testable import PostGISStore
import Testing

/// What only the PostGIS backend can get wrong: values spliced into SQL, and errors that leak the
/// password or do not say which server failed. The contract itself is `StoreContractTests`.
@Suite struct PostGISStoreTests {
    /// The store at `RENEWALGIS_TEST_PG`, in a schema of its own (the contract suite's catalogue holds
    /// only `plots`), or nil when the variable is unset (tests then return early).
    static func store() throws -> PostGISStore? {
        guard let url = ProcessInfo.processInfo.environment["RENEWALGIS_TEST_PG"], !url.isEmpty else { return nil }
        return try PostGISStore(url: url + (url.contains("?") ? "&" : "?") + "schema=postgis_store_tests")
    }

    static let hostile = ["Robert'); DROP TABLE renewalgis_layers; --", "x' OR '1'='1", "$1", "50%_off\\", "普通"]

    @Test("Values are bound: quotes, SQL and placeholders in an equal or LIKE value are matched literally")
    func boundValues() throws {
        guard let store = try Self.store() else { return }
        let fields = [FieldInfo(name: "label", type: .text), FieldInfo(name: "n", type: .integer)]
        let features = Self.hostile.enumerated().map { i, label in
            Feature(properties: [("label", .string(label)), ("n", .int(Int64(i)))], geometry: .point(Position(106.5 + Double(i) * 0.01, 29.5)))
        }
        try store.replace("hostile_values", fields: fields, features: features)
        try store.withSnapshot { s in
            for (i, label) in Self.hostile.enumerated() {
                let equal = try s.page(of: "hostile_values", query: FeatureQuery(predicates: [.compare(.field("label"), .equal, .text(label))], limit: 10))
                #expect(equal.map { $0["n"] } == [.int(Int64(i))], "equal \(label)")
                let escaped = label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                let like = try s.matchCount(of: "hostile_values", query: FeatureQuery(predicates: [.like(.field("label"), pattern: escaped)], limit: 10))
                #expect(like == 1, "LIKE \(escaped)")
            }
            #expect(try s.matchCount(of: "hostile_values", query: FeatureQuery(predicates: [.like(.field("label"), pattern: "x' OR '1'='1%' OR 'a' LIKE '%")], limit: 10)) == 0)
            #expect(try s.matchCount(of: "hostile_values", query: FeatureQuery(predicates: [.compare(.field("n"), .equal, .text("0 OR 1=1"))], limit: 10)) == 0)
            #expect(try s.feature(of: "hostile_values", id: "1 OR 1=1") == nil)
            #expect(try s.layer("hostile_values")?.featureCount == Self.hostile.count, "the catalogue is intact")
        }
    }

    @Test("Replacing a layer changes the content version; a snapshot that has read it keeps its state")
    func versionsAndSnapshots() throws {
        guard let store = try Self.store() else { return }
        let fields = [FieldInfo(name: "v", type: .integer)]
        try store.replace("versioned", fields: fields, features: [Feature(properties: [("v", .int(1))], geometry: .point(Position(106.5, 29.5)))])
        let (before, counts) = try store.withSnapshot { s -> (Int, [Int]) in
            let first = try s.matchCount(of: "versioned", query: FeatureQuery(limit: 10))
            try store.replace("versioned", fields: fields, features: [])
            return (s.contentVersion, [first, try s.matchCount(of: "versioned", query: FeatureQuery(limit: 10)), try s.layer("versioned")?.featureCount ?? -1])
        }
        #expect(counts == [1, 1, 1], "the snapshot still reads the layer as it was")
        #expect(try store.withSnapshot { $0.contentVersion } != before)
        #expect(try store.withSnapshot { try $0.matchCount(of: "versioned", query: FeatureQuery(limit: 10)) } == 0)
    }

    @Test("A layer name or field that is not in the catalogue is an error, not SQL")
    func unknownNames() throws {
        guard let store = try Self.store() else { return }
        try store.createIfMissing()  // whichever test of the suite runs first
        _ = try store.withSnapshot { s in
            #expect(throws: StoreError.self) { try s.page(of: "renewalgis_layers\"; --", query: FeatureQuery(limit: 1)) }
        }
    }

    @Test("An unreachable server: one error naming host, port, database and user, never the password")
    func unreachable() throws {
        do {
            _ = try PostGISStore(url: "postgresql://planner:s3cr%40t-pw@127.0.0.1:9/city_store")
            Issue.record("connected to a closed port")
        } catch {
            let message = "\(error)"
            #expect(message.contains("127.0.0.1") && message.contains(":9") && message.contains("city_store") && message.contains("planner"), "\(message)")
            #expect(!message.contains("s3cr"), "the password leaked: \(message)")
            #expect(!String(reflecting: error).contains("s3cr"), "the password leaked")
        }
    }

    @Test("A URL that is not a PostgreSQL address is refused with what is expected")
    func badURL() {
        #expect(throws: StoreError.self) { try PostGISStore(url: "mysql://u:pw@h/db") }
        #expect(PostGISAddress(url: "postgresql://u:pw@db.example:6543/plans")?.description == "postgresql://u@db.example:6543/plans")
        #expect(PostGISAddress(url: "postgresql://u@h/plans?schema=city")?.schema == "city")
        var dumped = ""
        dump(PostGISAddress(url: "postgresql://u:hunter2@h/plans")!, to: &dumped)
        #expect(!dumped.contains("hunter2") && !String(reflecting: PostGISAddress(url: "postgresql://u:hunter2@h/plans")!).contains("hunter2"))
    }

    @Test("Parts a URL leaves out come from PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE; the password is never shown")
    func environment() throws {
        let env = ["PGHOST": "db.example", "PGPORT": "6543", "PGUSER": "planner", "PGPASSWORD": "env-s3cret", "PGDATABASE": "plans"]
        let bare = try #require(PostGISAddress(url: "postgresql:///city", environment: env))
        #expect(bare.description == "postgresql://planner@db.example:6543/city")
        #expect(bare.password == "env-s3cret")
        let given = try #require(PostGISAddress(url: "postgres://u:url-pw@h:7000/db?schema=s", environment: env))
        #expect(given.description == "postgresql://u@h:7000/db?schema=s" && given.password == "url-pw")
        let defaults = try #require(PostGISAddress(url: "postgresql://", environment: [:]))
        #expect(defaults.description == "postgresql://postgres@localhost:5432/postgres" && defaults.password == nil)
        #expect(try #require(PostGISAddress(url: "postgresql://", environment: env)).database == "plans")
        #expect(!String(reflecting: bare).contains("env-s3cret") && !"\(bare)".contains("env-s3cret"))
        #expect(PostGISAddress.looksLikeURL("postgresql://h/db") && PostGISAddress.looksLikeURL("POSTGRES:///db"))
        #expect(!PostGISAddress.looksLikeURL("city.sqlite") && !PostGISAddress.looksLikeURL("/data/postgresql/x.sqlite"))
    }

    // MARK: - Writing

    /// The test database's URL with `?schema=name` (and `password` when given), or nil when unset.
    static func url(schema: String? = nil, user: String? = nil, password: String? = nil, database: String? = nil) -> String? {
        guard let base = ProcessInfo.processInfo.environment["RENEWALGIS_TEST_PG"], !base.isEmpty,
              var parts = URLComponents(string: base) else { return nil }
        if let user { parts.user = user }
        if let password { parts.password = password }
        if let database { parts.path = "/" + database }
        if let schema { parts.queryItems = (parts.queryItems ?? []) + [URLQueryItem(name: "schema", value: schema)] }
        return parts.string
    }

    /// A name no other test run uses.
    static func unique(_ prefix: String) -> String { "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())" }

    /// Runs `sql` on a connection of the test database (superuser, outside a transaction).
    static func admin(_ sql: String, _ values: [PGValue] = [], database: String? = nil) throws {
        let store = try PostGISStore(url: url(database: database)!)
        try store.pool.with { try $0.rows(sql, values) }
    }

    static let pointFields = [FieldInfo(name: "label", type: .text), FieldInfo(name: "n", type: .integer)]

    static func points(_ n: Int, label: String) -> [Feature] {
        (0..<n).map { (i: Int) -> Feature in
            let x: Double = 106.5 + Double(i % 100) * 0.001
            let y: Double = 29.5 + Double(i / 100) * 0.001
            let properties: [(name: String, value: PropertyValue)] = [("label", .string("\(label) \(i)")), ("n", .int(Int64(i)))]
            return Feature(properties: properties, geometry: .point(Position(x, y)))
        }
    }

    /// Everything a reader can see of a store: catalogue, content version, and each layer's rows.
    static func state(_ store: PostGISStore) throws -> (layers: [LayerRecord], version: Int, rows: [String: [Feature]]) {
        try store.withSnapshot { s in
            let layers = try s.layers()
            var rows: [String: [Feature]] = [:]
            for l in layers { rows[l.name] = try s.page(of: l.name, query: FeatureQuery(limit: 100_000)) }
            return (layers, s.contentVersion, rows)
        }
    }

    @Test("A connection ended mid-import (pg_terminate_backend) leaves the store as it was; the error names host and database, not the password")
    func killedImport() throws {
        let schema = Self.unique("pgwrite_kill")
        guard let url = Self.url(schema: schema, password: "k1ll-s3cret") else { return }
        defer { try? Self.admin("DROP SCHEMA IF EXISTS \(PGSQL.quote(schema)) CASCADE") }
        let store = try PostGISStore(url: url)
        try store.replace("plots", fields: Self.pointFields, features: Self.points(3, label: "old"))
        let before = try Self.state(store)
        let killer = try PostGISStore(url: Self.url(schema: schema)!)
        var appended = 0
        do {
            try store.importing { session in
                let layer = try session.createLayer("plots", fields: Self.pointFields, kind: .point, replace: true)
                let other = try session.createLayer("more_plots", fields: Self.pointFields, kind: .point, replace: false)
                for (i, f) in Self.points(30_000, label: "new").enumerated() {
                    var blob: [UInt8] = []
                    let envelope = f.geometry!.envelope!
                    store.geometryEncoding.encode(f.geometry!, envelope, &blob)
                    try (i % 2 == 0 ? layer : other).append(f.properties.map(\.value), encodedGeometry: blob, envelope: envelope, kind: .point)
                    appended += 1
                    if i == 12_000 {
                        // Some batches have gone by COPY; now the server ends the importer's backend.
                        let pid = try (session as! PostGISImportSession).backendPID()
                        try killer.pool.with { try $0.rows("SELECT pg_terminate_backend($1::int)", [.integer(Int64(pid))]) }
                    }
                }
                _ = try layer.finish(LayerRecord(name: "plots", kind: "source", sourceFile: "t", sourceLayer: "t", sourceCRS: "EPSG:4490",
                                                 featureCount: 0, geometryType: "", importedAt: "2024-01-01T00:00:00Z"))
            }
            Issue.record("the import went on after its connection was ended")
        } catch {
            let message = "\(error)"
            #expect(message.contains("127.0.0.1") && message.contains("renewalgis_test"), "\(message)")
            #expect(message.contains("lost the connection") && message.contains("not committed"), "\(message)")
            #expect(!message.contains("k1ll") && !String(reflecting: error).contains("k1ll"), "the password leaked: \(message)")
        }
        #expect(appended > 12_000 && appended < 30_000, "the import failed at the first batch after the kill (\(appended) rows)")
        let after = try Self.state(store)
        #expect(after.layers == before.layers, "the catalogue is as it was")
        #expect(after.version == before.version, "content_version is as it was")
        #expect(after.rows == before.rows, "the old layer's rows are as they were")
        #expect(after.rows["plots"]?.count == 3)
    }

    @Test("Faults are one clear line: an unreachable port, a database without PostGIS, a role without rights on the schema")
    func faultMessages() throws {
        guard Self.url() != nil else { return }
        // Unreachable: nothing listens on port 1.
        do {
            _ = try PostGISStore(url: "postgresql://planner:pw-n0pe@127.0.0.1:1/city")
            Issue.record("connected to port 1")
        } catch {
            let message = "\(error)"
            #expect(message.contains("127.0.0.1:1") && message.contains("city") && !message.contains("pw-n0pe"), "\(message)")
        }

        let role = Self.unique("pgwrite_plain")
        let database = Self.unique("pgwrite_nopostgis")
        let locked = Self.unique("pgwrite_locked")
        try Self.admin("CREATE ROLE \(PGSQL.quote(role)) LOGIN")
        defer {
            try? Self.admin("DROP DATABASE IF EXISTS \(PGSQL.quote(database)) WITH (FORCE)")
            try? Self.admin("DROP SCHEMA IF EXISTS \(PGSQL.quote(locked)) CASCADE")
            try? Self.admin("DROP OWNED BY \(PGSQL.quote(role))")
            try? Self.admin("DROP ROLE IF EXISTS \(PGSQL.quote(role))")
        }
        let features = Self.points(3, label: "p")

        // A database without PostGIS, and a user who may not install it.
        try Self.admin("CREATE DATABASE \(PGSQL.quote(database)) OWNER \(PGSQL.quote(role))")
        do {
            try PostGISStore(url: Self.url(user: role, password: "s3cret-pw", database: database)!)
                .replace("plots", fields: Self.pointFields, features: features)
            Issue.record("imported into a database without PostGIS")
        } catch {
            let message = "\(error)"
            #expect(message.contains("PostGIS is not installed in database \(database) on 127.0.0.1:") && message.contains("CREATE EXTENSION postgis as a superuser"), "\(message)")
            #expect(!message.contains("s3cret-pw"), "the password leaked")
        }
        // A superuser's first import there installs it.
        let superuser = try PostGISStore(url: Self.url(database: database)!)
        try superuser.replace("plots", fields: Self.pointFields, features: features)
        #expect(try superuser.layer("plots").featureCount == 3)

        // A schema the role may use but not create tables in.
        try Self.admin("CREATE SCHEMA \(PGSQL.quote(locked))")
        try Self.admin("GRANT USAGE ON SCHEMA \(PGSQL.quote(locked)) TO \(PGSQL.quote(role))")
        let before = try Self.admin(count: "SELECT count(*) FROM pg_tables WHERE schemaname = $1", [.text(locked)])
        do {
            try PostGISStore(url: Self.url(schema: locked, user: role)!).replace("plots", fields: Self.pointFields, features: features)
            Issue.record("created tables without rights")
        } catch {
            let message = "\(error)"
            #expect(message.contains("user \(role) has no rights to create tables in schema \(locked) of database renewalgis_test on 127.0.0.1:"), "\(message)")
        }
        #expect(try Self.admin(count: "SELECT count(*) FROM pg_tables WHERE schemaname = $1", [.text(locked)]) == before)
    }

    static func admin(count sql: String, _ values: [PGValue]) throws -> Int64 {
        let store = try PostGISStore(url: url()!)
        return try store.pool.with { try $0.value(Int64.self, sql, values) ?? -1 }
    }

    @Test("A store in a schema never touches a table of the same name in public (on the search path for PostGIS)")
    func schemaDoesNotReachPublic() throws {
        let (name, schema) = (Self.unique("shadowed"), Self.unique("pgwrite_shadow"))
        guard let publicURL = Self.url(), let schemaURL = Self.url(schema: schema) else { return }
        defer {
            try? Self.admin("DROP SCHEMA IF EXISTS \(PGSQL.quote(schema)) CASCADE")
            try? Self.admin("DROP TABLE IF EXISTS public.\(PGSQL.quote(name))")
            try? Self.admin("DELETE FROM public.renewalgis_layers WHERE name = $1", [.text(name)])
        }
        let inPublic = try PostGISStore(url: publicURL)
        try inPublic.replace(name, fields: Self.pointFields, features: Self.points(4, label: "public"))
        try PostGISStore(url: schemaURL).replace(name, fields: Self.pointFields, features: Self.points(2, label: "schema"))
        #expect(try inPublic.layer(name).featureCount == 4, "the layer in public is intact")
        #expect(try Self.admin(count: "SELECT count(*) FROM public.\(PGSQL.quote(name))", []) == 4)
        #expect(try PostGISStore(url: schemaURL).layer(name).featureCount == 2)
    }

    @Test("Settings, streaming with a filter, and a second import refused: PostGIS answers as the in-memory store")
    func layerStoreBasics() throws {
        let schema = Self.unique("pgwrite_basics")
        guard let url = Self.url(schema: schema) else { return }
        defer { try? Self.admin("DROP SCHEMA IF EXISTS \(PGSQL.quote(schema)) CASCADE") }
        let store = try PostGISStore(url: url)
        let memory = InMemoryStore()
        let features = Self.points(12_345, label: "Lot")
            + [Feature(properties: [("label", .string("lOT\tx\\y\n")), ("n", .null)], geometry: .point(Position(120, 30)))]
        try store.replace("plots", fields: Self.pointFields, features: features)
        memory.replace("plots", fields: Self.pointFields, features: features)
        var filter = FeatureFilter()
        filter.boxes = [Envelope(minX: 106.5, minY: 29.5, maxX: 106.5105, maxY: 29.5205)]
        filter.textPrefixes = [("label", "lot\t"), ("absent", "x")]
        filter.valuesIn = [("n", ["7", "12000", "x"])]
        for f in [nil, filter] {
            var a: [Feature] = [], b: [Feature] = []
            try store.forEachFeature(in: "plots", columns: ["n"], filter: f) { a.append($0) }
            try memory.forEachFeature(in: "plots", columns: ["n"], filter: f) { b.append($0) }
            #expect(a.count == b.count && a.map(\.id) == b.map(\.id) && a.map(\.properties.count) == b.map(\.properties.count), "\(a.count) and \(b.count) features")
            #expect(a.elementsEqual(b) { $0["n"] == $1["n"] && $0.geometry == $1.geometry })
        }
        var all: [Feature] = []
        try store.forEachFeature(in: "plots") { all.append($0) }
        #expect(all.last?["label"] == .string("lOT\tx\\y\n"), "text with tab, backslash and newline is copied as it is")
        #expect(try store.fields(of: "plots") == Self.pointFields)
        #expect(throws: StoreError.self) { try store.fields(of: "nope") }

        #expect(try store.setting("metric_crs") == nil)
        try store.setSetting("metric_crs", "epsg:4545")
        #expect(try store.settings() == ["metric_crs": "EPSG:4545"])
        #expect(throws: StoreError.self) { try store.setSetting("colour", "red") }
        try store.setSetting("metric_crs", nil)
        #expect(try store.settings().isEmpty)

        let version = try store.withSnapshot { $0.contentVersion }
        #expect(throws: StoreError.self) {
            try store.importing { session in _ = try session.createLayer("plots", fields: Self.pointFields, kind: .point, replace: false) }
        }
        #expect(try store.withSnapshot { $0.contentVersion } == version, "a refused import changes nothing")
        #expect(try store.layer("plots").featureCount == features.count)
    }
}
