import Foundation
import CompressNIO
import GeoFiles
import GeoKernel
import GeoStore
import Hummingbird
import HummingbirdTesting
import RenewalRunner
import RenewalServer
import Testing
import TestSupport

/// Pages of a box answered from a layer held in memory (`HeldLayers`) against the same pages read
/// from the store, in the run's backend (SpatiaLite, or PostGIS in the second pass). Data: the
/// sample's parcels and streets (GeoData/README.md: synthetic, CC0).
@Suite struct HeldLayersTests {
    /// The sample's parcels and streets in a new store of the run's backend: a reader, and the
    /// address to write to it.
    static func sampleStore(_ dir: TemporaryDirectory) throws -> (reader: any FeatureReading, address: StoreAddress) {
        for name in ["parcels.shp", "parcels.shx", "parcels.dbf", "parcels.prj", "streets.geojson"] {
            try FileManager.default.copyItem(atPath: sampleDataPath(name), toPath: dir.path(name))
        }
        let address = TestBackend.address(dir, "held.sqlite")
        let store = try address.openOrCreate()
        for (file, layer, encoding) in [("parcels.shp", "parcels", "GBK"), ("streets.geojson", "streets", nil)] {
            _ = try LayerImporter.importLayer(try VectorSource(path: dir.path(file), encoding: encoding).layer(named: layer), into: store, options: ImportOptions())
        }
        return (try address.openReader(queryTimeLimit: 10), address)
    }

    static func router(_ reader: any FeatureReading, held: Int, answerCache: Int = ServerConfiguration().answerCacheBytes) -> (FeaturesAPI, Router<BasicRequestContext>) {
        var configuration = testConfiguration()
        configuration.maximumHeldFeatures = held
        configuration.answerCacheBytes = answerCache
        let api = FeaturesAPI(store: reader, configuration: configuration)
        let router = Router()
        api.addRoutes(to: router)
        return (api, router)
    }

    /// A body with its response time left out (the one part two answers may differ in).
    static func timeless(_ body: ByteBuffer) -> String {
        String(buffer: body).replacingOccurrences(of: #""timeStamp":"[^"]*""#, with: "", options: .regularExpression)
    }

    @Test("Seeded boxes, pages, offsets, CRSs, HTML and HEAD: a held layer answers byte for byte as the store, with the same ETag")
    func heldPagesEqualStorePages() async throws {
        let dir = try TemporaryDirectory()
        let reader = try Self.sampleStore(dir).reader
        let (heldAPI, heldRouter) = Self.router(reader, held: 1_000_000)
        let (_, storeRouter) = Self.router(reader, held: 0)
        #expect(try heldAPI.hold("parcels") && heldAPI.hold("streets"))
        let extent = try #require(try reader.withSnapshot { try $0.layer("parcels")?.extent })
        let seed: UInt64 = 1207
        print("HeldLayersTests seed \(seed)")
        var random = SeededRandom(seed: seed)
        var uris = ["/collections/parcels/items", "/collections/streets/items?limit=1000",
                    "/collections/parcels/items?offset=100000", "/collections/parcels/items?bbox=0,0,1,1",
                    "/collections/parcels/items?bbox=106.5,29.5,106.5,29.6"]
        for i in 0..<120 {
            let w = extent.width * random.uniform(0.01, 0.6), h = extent.height * random.uniform(0.01, 0.6)
            let x = random.uniform(extent.minX - w / 2, extent.maxX - w / 2), y = random.uniform(extent.minY - h / 2, extent.maxY - h / 2)
            let layer = i % 3 == 0 ? "streets" : "parcels"
            var uri = "/collections/\(layer)/items?bbox=\(x),\(y),\(x + w),\(y + h)&limit=\(Int(random.uniform(1, 60)))"
            if i % 4 == 1 { uri += "&offset=\(Int(random.uniform(0, 40)))" }
            if i % 10 == 3 { uri += "&crs=http://www.opengis.net/def/crs/EPSG/0/4490" }
            if i % 10 == 7 { uri += "&f=html" }
            if i % 15 == 5 { uri += "&f=json" }
            uris.append(uri)
        }
        // Boxes through bbox-crs (CGCS2000 latitude first), and a box across nothing.
        uris.append("/collections/parcels/items?bbox=\(extent.minY),\(extent.minX),\(extent.center.y),\(extent.center.x)&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4490")
        let asked = uris
        typealias Answer = (status: HTTPResponse.Status, body: String, tag: String?)
        let fromStore: [String: Answer] = try await Application(router: storeRouter).test(.router) { client in
            var answers: [String: Answer] = [:]
            for uri in asked {
                answers[uri] = try await client.execute(uri: uri, method: .get) { r in (r.status, Self.timeless(r.body), r.headers[.eTag]) }
            }
            return answers
        }
        let before = heldAPI.pagesFromMemory
        let nonEmpty = try await Application(router: heldRouter).test(.router) { client in
            var nonEmpty = 0
            for uri in asked {
                let expected = try #require(fromStore[uri])
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == expected.status, "\(uri)")
                    #expect(Self.timeless(r.body) == expected.body, "\(uri)")
                    #expect(r.headers[.eTag] == expected.tag, "\(uri)")
                }
                if expected.body.contains("\"Feature\"") { nonEmpty += 1 }
            }
            // HEAD and a conditional GET, from memory too.
            let uri = asked[5], tag = fromStore[uri]?.tag ?? ""
            try await client.execute(uri: uri, method: .head) { r in
                #expect(r.status == .ok && r.body.readableBytes == 0 && r.headers[.eTag] == tag)
            }
            try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: tag]) { r in #expect(r.status == .notModified) }
            return nonEmpty
        }
        // Every GeoJSON page of a box in CRS84 came from memory (the box without width, `crs` and
        // `f=html` from the store), and most pages hold features.
        let heldKind = asked.filter { !$0.contains("&crs=") && !$0.contains("f=html") && !$0.contains("106.5,29.5,106.5,") }
        #expect(heldKind.count > asked.count * 2 / 3)
        #expect(heldAPI.pagesFromMemory - before == heldKind.count + 2, "\(heldAPI.pagesFromMemory - before) of \(heldKind.count + 2) from memory")
        #expect(nonEmpty > uris.count / 2, "\(nonEmpty) of \(uris.count) pages hold features")
    }

    @Test("An identical request is answered from the kept whole answer: same body and headers; HEAD and If-None-Match from it, gzip kept apart; a budget bounds what is kept, 0 keeps nothing")
    func keptAnswers() async throws {
        let dir = try TemporaryDirectory()
        let reader = try Self.sampleStore(dir).reader
        let uri = "/collections/parcels/items?bbox=106.57,29.55,106.58,29.56&limit=50"
        let (api, router) = Self.router(reader, held: 1_000_000)
        #expect(try api.hold("parcels"))
        try await Application(router: router).test(.router) { client in
            let (body, headers) = try await client.execute(uri: uri, method: .get) { r in (String(buffer: r.body), r.headers) }
            #expect(api.keptAnswers.hits == 0 && api.keptAnswers.misses == 1)
            try await client.execute(uri: uri, method: .get) { r in
                #expect(String(buffer: r.body) == body, "the kept answer, byte for byte")
                #expect(r.headers[.eTag] == headers[.eTag] && r.headers[.contentLength] == headers[.contentLength])
                #expect(r.headers[.contentType] == "application/geo+json")
            }
            #expect(api.keptAnswers.hits == 1)
            try await client.execute(uri: uri, method: .head) { r in
                #expect(r.body.readableBytes == 0 && r.headers[.contentLength] == headers[.contentLength])
            }
            try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: headers[.eTag] ?? ""]) { r in #expect(r.status == .notModified) }
            try await client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "gzip"]) { r in
                #expect(r.headers[.contentEncoding] == "gzip")
                var zipped = r.body
                let inflated = try zipped.decompress(with: .gzip())
                #expect(Self.timeless(inflated) == Self.timeless(ByteBuffer(string: body)), "written anew (its own time stamp), the same page")
            }
            #expect(api.keptAnswers.hits == 3, "GET, HEAD and If-None-Match from the kept answer; gzip is an answer of its own")
        }
        // A budget of one answer: older answers go, what is kept stays under it.
        let (small, smallRouter) = Self.router(reader, held: 1_000_000, answerCache: 40_000)
        #expect(try small.hold("parcels"))
        try await Application(router: smallRouter).test(.router) { client in
            for i in 0..<20 {
                try await client.execute(uri: "/collections/parcels/items?bbox=106.57,29.55,106.58,29.56&limit=\(30 + i)", method: .get) { r in #expect(r.status == .ok) }
            }
            try await client.execute(uri: "/collections/parcels/items?bbox=106.57,29.55,106.58,29.56&limit=30", method: .get) { r in #expect(r.status == .ok) }
        }
        #expect(small.keptAnswers.bytes <= 40_000 && small.keptAnswers.bytes > 0)
        #expect(small.keptAnswers.hits == 0, "the first answer was dropped for later ones")
        let (none, noneRouter) = Self.router(reader, held: 1_000_000, answerCache: 0)
        #expect(try none.hold("parcels"))
        try await Application(router: noneRouter).test(.router) { client in
            for _ in 0..<2 { try await client.execute(uri: uri, method: .get) { r in #expect(String(buffer: r.body).contains("FeatureCollection")) } }
        }
        #expect(none.keptAnswers.hits == 0 && none.keptAnswers.bytes == 0)
    }

    @Test("A layer replaced in the store is not answered from the copy held before: the page shows the new content")
    func replacedLayerIsNotServedFromMemory() async throws {
        let dir = try TemporaryDirectory()
        let (reader, address) = try Self.sampleStore(dir)
        let (heldAPI, heldRouter) = Self.router(reader, held: 1_000_000)
        #expect(try heldAPI.hold("parcels"))
        let uri = "/collections/parcels/items?limit=1"
        let matched: () async throws -> Int = {
            try await Application(router: heldRouter).test(.router) { client in
                try await client.execute(uri: uri, method: .get) { r in try object(r)["numberMatched"] as? Int ?? -1 }
            }
        }
        let streets = try reader.withSnapshot { try $0.layer("streets")?.featureCount } ?? 0
        #expect(try await matched() > streets)
        // Replace parcels with the streets' features through a writer of the same store.
        let writer = try address.openExisting()
        var options = ImportOptions()
        options.layerName = "parcels"; options.replace = true
        _ = try LayerImporter.importLayer(try VectorSource(path: dir.path("streets.geojson")).layer(named: "streets"), into: writer, options: options)
        #expect(try await matched() == streets)
    }

    @Test("Real OpenStreetMap outside China (a Finnish town, pyrosm's test.osm.pbf, ODbL): held pages equal the store's for seeded boxes over streets and buildings",
          .enabled(if: RealOSMData.available, Comment(rawValue: RealOSMData.skipReason)))
    func realDataHeldPagesEqualStorePages() async throws {
        let dir = try TemporaryDirectory()
        try RealOSMData.cityPackage("test", at: dir.path("town.gpkg"))
        let address = TestBackend.address(dir, "town.sqlite")
        let store = try address.openOrCreate()
        for layer in ["streets", "parcels"] {
            _ = try LayerImporter.importLayer(try VectorSource(path: dir.path("town.gpkg")).layer(named: layer), into: store, options: ImportOptions())
        }
        let reader = try address.openReader(queryTimeLimit: 10)
        let (heldAPI, heldRouter) = Self.router(reader, held: 1_000_000)
        let (_, storeRouter) = Self.router(reader, held: 0)
        #expect(try heldAPI.hold("streets") && heldAPI.hold("parcels"))
        let extent = try #require(try reader.withSnapshot { try $0.layer("streets")?.extent })
        let seed: UInt64 = 35
        print("HeldLayersTests real-data seed \(seed)")
        var random = SeededRandom(seed: seed)
        let uris = (0..<80).map { i -> String in
            let w = extent.width * random.uniform(0.005, 0.3), h = extent.height * random.uniform(0.005, 0.3)
            let x = random.uniform(extent.minX, extent.maxX - w), y = random.uniform(extent.minY, extent.maxY - h)
            return "/collections/\(i % 2 == 0 ? "streets" : "parcels")/items?bbox=\(x),\(y),\(x + w),\(y + h)&limit=1000"
        }
        let fromStore = try await Application(router: storeRouter).test(.router) { client in
            var bodies: [String] = []
            for uri in uris { bodies.append(try await client.execute(uri: uri, method: .get) { Self.timeless($0.body) }) }
            return bodies
        }
        let before = heldAPI.pagesFromMemory
        let matched = try await Application(router: heldRouter).test(.router) { client in
            var matched = 0
            for (uri, expected) in zip(uris, fromStore) {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(Self.timeless(r.body) == expected, "\(uri)")
                    matched += (try object(r)["numberMatched"] as? Int) ?? 0
                }
            }
            return matched
        }
        #expect(heldAPI.pagesFromMemory - before == uris.count)
        #expect(matched > uris.count * 5, "\(matched) features over \(uris.count) pages")
    }
}
