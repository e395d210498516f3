import Foundation
import GeoKernel
import GeoStore
import PostGISStore
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
}
