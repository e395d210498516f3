// A PostGIS store laid out by district (`DistrictPartitioning`, `renewalgis partition`).
//
// Every layer but the districts layer becomes a PostgreSQL declarative partitioned table, LIST
// partitioned on a hidden column `renewalgis_district` (text; '' outside every district; never listed
// in renewalgis_fields, so readers and the catalogue see the layer as before):
// - one partition per district, `<layer>__<code>` in this database, or — with nodes — a postgres_fdw
//   foreign table of that name whose rows live in table `<layer>__<code>` on the district's node
//   (districts are dealt to the nodes in turn, in code order), each with a GiST index on geom;
// - a default partition `<layer>__none` here for features outside every district.
// A feature's district is the one whose polygon covers its ST_PointOnSurface, the lowest code on a
// shared boundary (GEOS underneath, as `RegionAssignment` decides it in the jobs).
//
// The coordinator's work is one write transaction (the rows move, the settings districts_layer and
// district_field are recorded, or nothing changes). The nodes' tables are created first, each node
// in a transaction of its own, and removed again when the coordinator's transaction fails. Values in
// DDL (codes, hosts, table names) are bound and quoted by the server's format() (%I, %L), never spliced.
import Foundation
import GeoKernel
import GeoStore
import PostgresNIO

extension PostGISStore: DistrictPartitioning {
    /// The hidden column holding each row's district in a partitioned layer.
    static let districtColumn = "renewalgis_district"

    public func partition(districtsLayer: String, field: String, codes: [String], nodes: [String],
                          progress: (String) -> Void) throws -> [String] {
        let nodeAddresses = try nodes.map { url -> PostGISAddress in
            guard let address = PostGISAddress(url: url) else {
                throw StoreError.notAStore(path: "--node", reason: "expected postgresql://user[:password]@host[:port]/database")
            }
            return address
        }
        // What to split: every catalogued layer but the districts, with its columns.
        let layers: [(name: String, fields: [FieldInfo])] = try reading { snapshot in
            try snapshot.layers().map(\.name).filter { $0 != districtsLayer }.map { ($0, try snapshot.fields(of: $0)) }
        }
        // Names this layout's node tables and servers apart from an earlier one's (partitioning again).
        let generation = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36) + String(UInt16.random(in: 0...UInt16.max), radix: 36)
        func remoteTable(_ layer: String, _ code: String) -> String { Self.shortName("\(layer)__\(code)__\(generation)") }
        func nodeIndex(_ k: Int) -> Int? { nodeAddresses.isEmpty ? nil : k % nodeAddresses.count }

        // 1. The nodes' tables, empty, one transaction per node.
        var created: [(node: PostGISAddress, tables: [String])] = []
        func dropCreated() {
            for (node, tables) in created {
                try? PGSessionPool(address: node, limit: 1, queryTimeLimit: 60).transaction("BEGIN") { s in
                    for t in tables { try s.rows("DROP TABLE IF EXISTS \(s.table(t))") }
                }
            }
        }
        for (n, node) in nodeAddresses.enumerated() {
            let mine = codes.indices.filter { nodeIndex($0) == n }.map { codes[$0] }
            guard !mine.isEmpty else { continue }
            progress("node \(node.description): creating the tables of districts \(mine.joined(separator: ", "))")
            var tables: [String] = []
            do {
                try PGSessionPool(address: node, limit: 1, queryTimeLimit: 600).transaction("BEGIN") { s in
                    if try s.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')") != true {
                        do { try s.rows("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public") } catch {
                            throw StoreError.database(path: node.description, message: "PostGIS is not installed in database \(node.database) on \(node.server) and cannot be created here; run CREATE EXTENSION postgis there as a superuser")
                        }
                    }
                    if let schema = node.schema { try s.rows("CREATE SCHEMA IF NOT EXISTS \(PGSQL.quote(schema))") }
                    for layer in layers {
                        for code in mine {
                            let table = remoteTable(layer.name, code)
                            try s.rows("CREATE TABLE \(PGSQL.quote(table)) (\(Self.partitionColumns(layer.fields)))")
                            try s.rows("CREATE INDEX ON \(PGSQL.quote(table)) USING gist (geom)")
                            try s.rows("CREATE INDEX ON \(PGSQL.quote(table)) (fid)")
                            tables.append(table)
                        }
                    }
                }
            } catch {
                dropCreated()
                throw error
            }
            created.append((node, tables))
        }

        // 2. The coordinator: servers, new partitioned tables, the rows moved, the old tables dropped.
        do {
            return try writing { session in
                try session.rows("""
                    CREATE OR REPLACE FUNCTION pg_temp.renewalgis_exec(statement text) RETURNS void
                    LANGUAGE plpgsql AS $fn$ BEGIN EXECUTE statement; END $fn$
                    """)
                func exec(_ format: String, _ values: [String]) throws {
                    let placeholders = values.indices.map { "$\($0 + 1)::text" }.joined(separator: ", ")
                    try session.rows("SELECT pg_temp.renewalgis_exec(format($\(values.count + 1)::text\(values.isEmpty ? "" : ", " + placeholders)))",
                                     values.map(PGValue.text) + [.text(format)])
                }
                var servers: [String] = []
                if !nodeAddresses.isEmpty {
                    try session.rows("CREATE EXTENSION IF NOT EXISTS postgres_fdw SCHEMA public")
                    for (n, node) in nodeAddresses.enumerated() {
                        let server = "renewalgis_node_\(n + 1)_\(generation)"
                        try exec("CREATE SERVER %I FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host %L, port %L, dbname %L, extensions 'postgis', fetch_size '10000')",
                                 [server, node.host, String(node.port), node.database])
                        if let password = node.password {
                            try exec("CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (user %L, password %L)", [server, node.user, password])
                        } else {
                            try exec("CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (user %L)", [server, node.user])
                        }
                        servers.append(server)
                    }
                }
                let districtsTable = PGSQL.quote(districtsLayer), codeColumn = PGSQL.quote(field)
                var lines: [String] = []
                for (l, layer) in layers.enumerated() {
                    let started = Date()
                    let old = Self.shortName("renewalgis_unsplit_\(l)_\(generation)")
                    let name = PGSQL.quote(layer.name)
                    try session.rows("ALTER TABLE \(name) RENAME TO \(PGSQL.quote(old))")
                    // A layer partitioned before: its partitions move out of the way of the new ones' names
                    // (they go with the old table below).
                    let partitions = try session.rows("""
                        SELECT c.relname, c.relkind = 'f' FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                        WHERE i.inhparent = $1::regclass ORDER BY 1
                        """, [.text(PGSQL.quote(old))])
                    for (k, row) in partitions.enumerated() {
                        let r = row.makeRandomAccess()
                        let foreign = try session.decode(r[1], Bool.self)
                        try exec(foreign ? "ALTER FOREIGN TABLE %I RENAME TO %I" : "ALTER TABLE %I RENAME TO %I",
                                 [try session.decode(r[0], String.self), Self.shortName("renewalgis_unsplit_\(l)_\(k)_\(generation)")])
                    }
                    try session.rows("CREATE TABLE \(name) (\(Self.partitionColumns(layer.fields))) PARTITION BY LIST (\(Self.districtColumn))")
                    for (k, code) in codes.enumerated() {
                        let partition = Self.shortName("\(layer.name)__\(code)")
                        if let n = nodeIndex(k) {
                            try exec("CREATE FOREIGN TABLE %I PARTITION OF %I FOR VALUES IN (%L) SERVER %I OPTIONS (schema_name %L, table_name %L)",
                                     [partition, layer.name, code, servers[n], nodeAddresses[n].schemaName, remoteTable(layer.name, code)])
                        } else {
                            try exec("CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%L)", [partition, layer.name, code])
                            try exec("CREATE INDEX ON %I USING gist (geom)", [partition])
                            try exec("CREATE INDEX ON %I (fid)", [partition])
                        }
                    }
                    let outside = Self.shortName("\(layer.name)__none")
                    try exec("CREATE TABLE %I PARTITION OF %I DEFAULT", [outside, layer.name])
                    try exec("CREATE INDEX ON %I USING gist (geom)", [outside])
                    try exec("CREATE INDEX ON %I (fid)", [outside])
                    let columns = (["fid"] + layer.fields.map(\.name) + ["geom"]).map(PGSQL.quote).joined(separator: ", ")
                    try session.rows("""
                        INSERT INTO \(name) (\(columns), \(Self.districtColumn))
                        SELECT \(columns), coalesce((SELECT d.\(codeColumn)::text FROM \(districtsTable) d
                                                     WHERE u.geom IS NOT NULL AND ST_Covers(d.geom, ST_PointOnSurface(u.geom))
                                                     ORDER BY d.\(codeColumn)::text COLLATE "C" LIMIT 1), '')
                        FROM \(PGSQL.quote(old)) u
                        """)
                    try session.rows("DROP TABLE \(session.table(old))")
                    var counts: [String: Int64] = [:]
                    for row in try session.rows("SELECT \(Self.districtColumn), count(*) FROM \(name) GROUP BY 1") {
                        let r = row.makeRandomAccess()
                        counts[try session.decode(r[0], String.self)] = try session.decode(r[1], Int64.self)
                    }
                    let parts = codes.enumerated().map { k, code in
                        "\(code) \(counts[code] ?? 0)" + (nodeIndex(k).map { " (node \($0 + 1))" } ?? "")
                    } + ["outside \(counts[""] ?? 0)"]
                    let line = String(format: "%@: %@ (%.2f s)", layer.name, parts.joined(separator: ", "), Date().timeIntervalSince(started))
                    lines.append(line)
                }
                for (key, value) in [("districts_layer", districtsLayer), ("district_field", field)] {
                    try session.rows("INSERT INTO renewalgis_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                     [.text(key), .text(value)])
                }
                return lines
            }
        } catch {
            dropCreated()
            throw error
        }
    }

    /// The columns of a partitioned layer: those of its table plus the hidden district.
    static func partitionColumns(_ fields: [FieldInfo]) -> String {
        (["fid bigint NOT NULL"] + fields.map { "\(PGSQL.quote($0.name)) \(columnType($0.type))" }
            + ["geom geometry(Geometry, \(PGSQL.srid))", "\(districtColumn) text COLLATE \"C\" NOT NULL DEFAULT ''"]).joined(separator: ", ")
    }

    /// `name`, or when longer than PostgreSQL's 63 bytes its first bytes and a hash of the whole.
    static func shortName(_ name: String) -> String {
        guard name.utf8.count > maximumIdentifierBytes else { return name }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let suffix = "_" + String(hash, radix: 36)
        var head = ""
        for ch in name {
            guard head.utf8.count + String(ch).utf8.count + suffix.utf8.count <= maximumIdentifierBytes else { break }
            head.append(ch)
        }
        return head + suffix
    }
}
