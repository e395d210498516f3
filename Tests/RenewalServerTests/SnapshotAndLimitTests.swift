import Foundation
import GeoFiles
import GeoKernel
import RenewalRunner
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import RenewalServer
import RenewalStore
import Testing
import TestSupport

// Hostile input and concurrency on the serving side (issue 14, item 6). Data made up by the tests.

/// `count` square parcels named `<prefix>-<i>` on a 10-wide grid near 106.57, 29.55, as GeoJSON at `path`.
func writeParcels(_ path: String, count: Int, prefix: String) throws {
    var features: [String] = []
    for i in 0..<count {
        let x = 106.57 + Double(i % 10) * 0.001, y = 29.55 + Double(i / 10) * 0.001
        let ring = [(x, y), (x + 0.0008, y), (x + 0.0008, y + 0.0008), (x, y + 0.0008), (x, y)].map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
        features.append("{\"type\":\"Feature\",\"properties\":{\"parcel_id\":\"P\(i + 1)\",\"name\":\"\(prefix)-\(i)\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[\(ring)]]}}")
    }
    try "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}".write(toFile: path, atomically: true, encoding: .utf8)
}

func replaceParcels(_ address: StoreAddress, from file: String) throws {
    let store = try address.openOrCreate()
    var options = ImportOptions()
    options.replace = true
    options.layerName = "parcels"
    _ = try LayerImporter.importLayer(try VectorSource(path: file).layer(named: (file as NSString).lastPathComponent.replacingOccurrences(of: ".geojson", with: "")), into: store, options: options)
}

/// Sets a store's journal mode with the sqlite3 shell, as its owner would.
func setJournalMode(_ path: String, _ mode: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, "PRAGMA journal_mode=\(mode);"]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var count = 0
    private var failure: String?
    var isStopped: Bool { lock.withLock { stopped } }
    func stop() { lock.withLock { stopped = true } }
    func tick() { lock.withLock { count += 1 } }
    var ticks: Int { lock.withLock { count } }
    func fail(_ why: String) { lock.withLock { failure = why } }
    var failed: String? { lock.withLock { failure } }
}

@Suite(.serialized) struct SnapshotTests {
    @Test("One snapshot per response: while the layer is replaced over and over, every page's features, numberMatched and ETag come from one version")
    func onePageOneSnapshot() async throws {
        let dir = try TemporaryDirectory()
        // Version a: 40 parcels; version b: 41 (so a count from one and features from the other show).
        try writeParcels(dir.path("a.geojson"), count: 40, prefix: "a")
        try writeParcels(dir.path("b.geojson"), count: 41, prefix: "b")
        let storePath = TestBackend.address(dir, "s.sqlite")
        try replaceParcels(storePath, from: dir.path("a.geojson"))
        // A SpatiaLite store its owner keeps in WAL mode, where an import and the readers never wait
        // for each other (and where pages used to mix); the server leaves the mode as it is.
        if let file = storePath.filePath { try setJournalMode(file, "wal") }
        let reader = try storePath.openReader(queryTimeLimit: 10)
        var configuration = testConfiguration()
        configuration.streamBatch = 1  // one read per feature before the fix: many chances to straddle a replacement
        let router = Router()
        FeaturesAPI(store: reader, configuration: configuration).addRoutes(to: router)
        let flag = StopFlag()
        let a = dir.path("a.geojson"), b = dir.path("b.geojson")
        let writer = Thread {
            var next = b
            while !flag.isStopped {
                do { try replaceParcels(storePath, from: next) } catch { flag.fail("\(error)"); return }
                flag.tick()
                next = next == a ? b : a
            }
        }
        writer.start()
        defer { flag.stop() }
        let (mixed, pages) = try await Application(router: router).test(.router) { client -> (Int, Int) in
            var mixed = 0, pages = 0
            var tags: [String: String] = [:]  // ETag → version it was served with
            while pages < 150 && (flag.ticks < 6 || pages < 30) {
                let (names, matched, tag) = try await client.execute(uri: "/collections/parcels/items?limit=50", method: .get) { r in
                    #expect(r.status == .ok)
                    let body = try object(r)
                    let names = (body["features"] as? [[String: Any]] ?? []).compactMap { ($0["properties"] as? [String: Any])?["name"] as? String }
                    return (names, body["numberMatched"] as? Int, r.headers[.eTag])
                }
                let versions = Set(names.map { String($0.prefix(1)) })
                let expected = versions == ["a"] ? 40 : versions == ["b"] ? 41 : -1
                if versions.count != 1 || names.count != expected || matched != expected { mixed += 1 }
                if let tag, let version = versions.first, versions.count == 1 {
                    if let seen = tags[tag], seen != version { mixed += 1 }
                    tags[tag] = version
                }
                pages += 1
            }
            return (mixed, pages)
        }
        flag.stop()
        #expect(flag.failed == nil, "\(flag.failed ?? "")")
        #expect(flag.ticks >= 2, "the layer was replaced while pages were read")
        #expect(mixed == 0, "\(mixed) of \(pages) pages mixed versions (\(flag.ticks) replacements)")
    }

    @Test("The ETag changes whenever content changes: a replacement with as many features, in the same second, is a new entity")
    func etagChangesWithContent() async throws {
        let dir = try TemporaryDirectory()
        try writeParcels(dir.path("a.geojson"), count: 5, prefix: "a")
        try writeParcels(dir.path("b.geojson"), count: 5, prefix: "b")
        let storePath = TestBackend.address(dir, "s.sqlite")
        try replaceParcels(storePath, from: dir.path("a.geojson"))
        let reader = try storePath.openReader(queryTimeLimit: 10)
        let a = dir.path("a.geojson"), b = dir.path("b.geojson")
        try await app(reader).test(.router) { client in
            for uri in ["/collections/parcels/items?limit=5", "/collections/parcels/items/P1"] {
                try replaceParcels(storePath, from: a)
                let before = try await client.execute(uri: uri, method: .get) { $0.headers[.eTag] }
                let tag = try #require(before)
                try replaceParcels(storePath, from: b)
                try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: tag]) { r in
                    #expect(r.status == .ok, "\(uri): changed content must not answer 304")
                    #expect(r.headers[.eTag] != tag)
                    #expect(String(buffer: r.body).contains("b-0"))
                }
            }
            // Unchanged content keeps its tag (304).
            let tag = try #require(try await client.execute(uri: "/collections/parcels/items?limit=5", method: .get) { $0.headers[.eTag] })
            try await client.execute(uri: "/collections/parcels/items?limit=5", method: .get, headers: [.ifNoneMatch: tag]) { r in
                #expect(r.status == .notModified)
            }
        }
    }
}

@Suite struct NestingLimitTests {
    /// Filters whose logic nests `depth` levels, in the shapes that stress SQLite's parser most.
    static func shapes(_ depth: Int) -> [String: String] {
        let leaf = "parcel_id = 'P1'"
        let spatial = "S_INTERSECTS(geometry, BBOX(106.5700, 29.5500, 106.5705, 29.5505))"
        var right = spatial, left = leaf, not = leaf, mixed = spatial
        for level in 0..<depth {
            let op = level % 2 == 0 ? "AND" : "OR"
            right = "area > 0 \(op) (\(right))"
            left = "(\(left)) \(level % 2 == 0 ? "OR" : "AND") area > 1e9"
            not = "NOT (\(not))"
            mixed = level % 2 == 0 ? "NOT (\(mixed))" : "area > 0 AND (\(mixed))"
        }
        return ["right": right, "left": left, "not": not, "mixed": mixed]
    }

    @Test("Filters nested 1–64 levels never answer 500: up to the documented 20 levels of logic they are served, deeper ones are a 400 before any SQL is built")
    func deepLogicIsRefusedBeforeSQL() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        let limit = ServerConfiguration().maximumLogicDepth
        #expect(limit == 20)
        try await app(reader).test(.router) { client in
            for depth in 1...64 {
                for (shape, filter) in Self.shapes(depth) {
                    // With a bbox and a property filter around it, as deep as a request's SQL gets.
                    let r = try await fetch(client, "/collections/plots/items?filter=\(encoded(filter))&bbox=106.56,29.54,106.6,29.6&use=0701")
                    if depth <= limit {
                        #expect(r.status == .ok, "\(shape) at depth \(depth): \(r.body)")
                    } else {
                        #expect(r.status == .badRequest, "\(shape) at depth \(depth): \(r.body)")
                    }
                }
            }
            let r = try await fetch(client, "/collections/plots/items?filter=\(encoded(Self.shapes(limit + 1)["not"]!))")
            #expect((r.body["description"] as? String)?.contains("at most \(limit)") == true, "\(r.body)")
            // CQL2 JSON nested NOTs as well.
            for depth in [16, 20, 21, 40, 64] {
                var json = #"{"op":"=","args":[{"property":"parcel_id"},"P1"]}"#
                for _ in 0..<depth { json = #"{"op":"not","args":["# + json + "]}" }
                let r = try await fetch(client, "/collections/plots/items?filter-lang=cql2-json&filter=\(encoded(json))")
                #expect(r.status == .ok || r.status == .badRequest, "JSON depth \(depth): \(r.status)")
                if depth > limit { #expect(r.status == .badRequest) }
            }
        }
    }
}

@Suite(.enabled(if: !TestBackend.isPostGIS, "a SpatiaLite file's bytes")) struct ReadOnlyStoreTests {
    @Test("Serving writes nothing: a read-only store file is served, its bytes and journal mode stay as found, no -wal or -shm appears")
    func servingWritesNothing() async throws {
        let dir = try TemporaryDirectory()
        try writeParcels(dir.path("a.geojson"), count: 12, prefix: "a")
        let storePath = dir.path("s.sqlite")
        try replaceParcels(.spatiaLite(path: storePath), from: dir.path("a.geojson"))
        let before = try Data(contentsOf: URL(fileURLWithPath: storePath))
        // Bytes 18–19 of a SQLite header: 1 for a rollback journal, 2 for WAL.
        #expect(before[18] == 1 && before[19] == 1)
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: storePath)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: storePath) }
        let reader = try StoreReader(path: storePath)
        try await fullApp(reader).test(.router) { client in
            for uri in ["/collections", "/api", "/collections/parcels/queryables", "/collections/parcels/items?limit=20&filter=name%20LIKE%20'a%25'",
                        "/collections/parcels/items/P3", "/collections/parcels/items?datetime=2024-01-01/.."] {
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .ok, "\(uri)") }
            }
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: storePath))
        #expect(after == before, "the store's bytes changed")
        #expect(after[18] == 1 && after[19] == 1, "journal mode switched")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == filesBefore)
    }
}

@Suite struct RequestLineTests {
    @Test("Request targets over the documented limit answer 414 with the documented JSON body, also past the HTTP parser's 80 KiB default")
    func overlongTargetIs414WithBody() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 3)
        var configuration = testConfiguration()
        configuration.port = 0
        configuration.assetsDirectory = "/nonexistent"
        let limit = configuration.maximumRequestTarget
        try await buildApplication(store: reader, configuration: configuration, logger: Logger(label: "test")).test(.live) { client in
            // Under the limit but past the HTTP parser's default 80 KiB: served (it was a bare 400).
            try await client.execute(uri: "/collections/parcels/items?name=" + String(repeating: "x", count: 100 * 1024), method: .get) { r in
                #expect(r.status == .ok)
                let body = try object(r)
                #expect(body["numberMatched"] as? Int == 0)
            }
            for length in [limit + 1, limit + 200 * 1024] {
                let uri = "/collections/parcels/items?name=" + String(repeating: "x", count: length)
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .uriTooLong, "\(length) bytes")
                    let body = try object(r)
                    #expect(body["code"] as? String == "RequestTooLarge")
                    #expect((body["description"] as? String)?.contains("at most \(limit)") == true)
                }
            }
            try await client.execute(uri: "/collections/parcels/items?limit=1", method: .get) { r in #expect(r.status == .ok) }
        }
    }
}
