import Foundation
import GeoFiles
import GeoKernel
import GeoStore
import RenewalRunner
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import RenewalServer
import RenewalStore
import Testing
import TestSupport

/// A store with `count` square parcels on a 5-wide grid (0.001° apart, 0.0008° wide) starting at 106.57, 29.55.
func gridStore(_ dir: TemporaryDirectory, count: Int = 20, queryTimeLimit: Double = 10) throws -> any FeatureReading {
    var text = "{\"type\":\"FeatureCollection\",\"features\":["
    for i in 0..<count {
        let x = 106.57 + Double(i % 5) * 0.001, y = 29.55 + Double(i / 5) * 0.001
        let ring = [(x, y), (x + 0.0008, y), (x + 0.0008, y + 0.0008), (x, y + 0.0008), (x, y)].map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
        text += (i > 0 ? "," : "") + "{\"type\":\"Feature\",\"properties\":{\"parcel_id\":\"P\(i + 1)\",\"name\":\"地块\(i + 1)\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[\(ring)]]}}"
    }
    text += "]}"
    try text.write(toFile: dir.path("parcels.geojson"), atomically: true, encoding: .utf8)
    return try servedStore(dir, "s.sqlite", importing: [("parcels.geojson", "parcels", ImportOptions())], queryTimeLimit: queryTimeLimit)
}

/// The server's settings for tests through the router: the defaults, but a stalled page is given up
/// after 15 minutes instead of 30 s. The router's client runs on Swift's cooperative threads (two on
/// two cores), which the synchronous tests running alongside can hold for longer than 30 s; a page's
/// producer then gave up on a client that was only waiting for a thread (`Abandoned`, seen once in CI).
func testConfiguration() -> ServerConfiguration {
    var configuration = ServerConfiguration()
    configuration.idleTimeout = 900
    return configuration
}

func app(_ reader: any FeatureReading) -> some ApplicationProtocol {
    let router = Router()
    FeaturesAPI(store: reader, configuration: testConfiguration()).addRoutes(to: router)
    return Application(router: router)
}

func object(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
}

@Suite struct FeaturesAPITests {
    @Test("Landing page, conformance and collections describe the store's layers")
    func landingConformanceCollections() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir)
        try await app(reader).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.status == .ok)
                let rels = (try object(r)["links"] as? [[String: String]])?.compactMap { $0["rel"] } ?? []
                #expect(Set(rels).isSuperset(of: ["self", "conformance", "data"]))
            }
            try await client.execute(uri: "/conformance", method: .get) { r in
                let classes = try object(r)["conformsTo"] as? [String]
                #expect(classes?.contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core") == true)
            }
            try await client.execute(uri: "/collections", method: .get) { r in
                let collections = try object(r)["collections"] as? [[String: Any]]
                #expect(collections?.map { $0["id"] as? String } == ["parcels"])
            }
            try await client.execute(uri: "/collections/parcels", method: .get) { r in
                let c = try object(r)
                let bbox = ((c["extent"] as? [String: Any])?["spatial"] as? [String: Any])?["bbox"] as? [[Double]]
                #expect(abs((bbox?[0][0] ?? 0) - 106.57) < 1e-9)
            }
        }
    }

    @Test("Paging with rel=next returns every feature once, in order, with numberMatched and numberReturned")
    func paging() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 23)
        try await app(reader).test(.router) { client in
            var uri: String? = "/collections/parcels/items?limit=7"
            var seen: [String] = []
            var pages = 0
            while let next = uri {
                uri = try await client.execute(uri: next, method: .get) { r -> String? in
                    #expect(r.status == .ok)
                    #expect(r.headers[.contentType] == "application/geo+json")
                    let page = try object(r)
                    let features = page["features"] as? [[String: Any]] ?? []
                    #expect(page["numberMatched"] as? Int == 23)
                    #expect(page["numberReturned"] as? Int == features.count)
                    seen += features.compactMap { ($0["properties"] as? [String: Any])?["parcel_id"] as? String }
                    let href = (page["links"] as? [[String: String]])?.first { $0["rel"] == "next" }?["href"]
                    return href.map { String($0[$0.range(of: "/collections")!.lowerBound...]) }
                }
                pages += 1
            }
            #expect(pages == 4)
            #expect(seen == (1...23).map { "P\($0)" })
        }
    }

    @Test("bbox returns exactly the features whose geometry intersects it")
    func bbox() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir)
        try await app(reader).test(.router) { client in
            // Columns 1–2 (x 106.5710–106.5728) and rows 0–1 (y 29.5500–29.5518): four parcels.
            try await client.execute(uri: "/collections/parcels/items?bbox=106.5712,29.5502,106.5725,29.5515", method: .get) { r in
                let page = try object(r)
                let ids = (page["features"] as? [[String: Any]] ?? []).compactMap { ($0["properties"] as? [String: Any])?["parcel_id"] as? String }
                #expect(Set(ids) == ["P2", "P3", "P7", "P8"])
                #expect(page["numberMatched"] as? Int == 4)
            }
            // A box in the gap between parcels meets their envelopes' grid but no geometry.
            try await client.execute(uri: "/collections/parcels/items?bbox=106.57085,29.55085,106.57095,29.55095", method: .get) { r in
                let matched = try object(r)["numberMatched"] as? Int
                #expect(matched == 0)
            }
        }
    }

    @Test("A feature by id; unknown collections and features are 404 with a message")
    func itemAndNotFound() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir)
        try await app(reader).test(.router) { client in
            // Feature ids are the layer's identifying field (parcel_id: present and distinct in every row).
            try await client.execute(uri: "/collections/parcels/items/P3", method: .get) { r in
                #expect(r.status == .ok)
                let f = try object(r)
                #expect(f["id"] as? String == "P3")
                #expect(f["type"] as? String == "Feature" && (f["properties"] as? [String: Any])?["name"] as? String == "地块3")
            }
            for uri in ["/collections/nope", "/collections/nope/items", "/collections/parcels/items/P999", "/collections/parcels/items/3"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound, "\(uri)")
                    let code = try object(r)["code"] as? String
                    #expect(code == "NotFound")
                }
            }
        }
    }

    @Test("Items carry an ETag and Cache-Control; If-None-Match with that tag answers 304 without a body")
    func etag() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 3)
        try await app(reader).test(.router) { client in
            let tag = try await client.execute(uri: "/collections/parcels/items?limit=2", method: .get) { r -> String? in
                #expect(r.headers[.cacheControl]?.contains("max-age") == true)
                return r.headers[.eTag]
            }
            let etag = try #require(tag)
            try await client.execute(uri: "/collections/parcels/items?limit=2", method: .get, headers: [.ifNoneMatch: etag]) { r in
                #expect(r.status == .notModified)
                #expect(r.body.readableBytes == 0)
            }
            try await client.execute(uri: "/collections/parcels/items?limit=3", method: .get, headers: [.ifNoneMatch: etag]) { r in
                #expect(r.status == .ok, "another page is another entity")
            }
        }
    }

    @Test("The application answers cross-origin GETs (CORS on for read-only requests)")
    func cors() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 2)
        let application = buildApplication(store: reader, configuration: testConfiguration(), logger: Logger(label: "test"))
        try await application.test(.router) { client in
            try await client.execute(uri: "/collections", method: .get, headers: [.origin: "http://maps.example"]) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.accessControlAllowOrigin] == "*")
            }
        }
    }

    @Test("/api describes every route it serves, and every described route answers")
    func openAPI() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 2)
        try await app(reader).test(.router) { client in
            let paths = try await client.execute(uri: "/api", method: .get) { r -> [String] in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType]?.hasPrefix("application/vnd.oai.openapi+json") == true)
                let doc = try object(r)
                #expect(doc["openapi"] as? String == "3.0.3")
                // The styles, assets and map paths are StylesAPI's, the tiles paths TilesAPI's: their tests check them.
                return ((doc["paths"] as? [String: Any]) ?? [:]).keys.sorted().filter { !StylesAPITests.paths.contains($0) && !TilesAPITests.paths.contains($0) }
            }
            #expect(paths == ["/", "/api", "/collections", "/collections/parcels/items", "/collections/{collectionId}", "/collections/{collectionId}/items",
                              "/collections/{collectionId}/items/{featureId}", "/collections/{collectionId}/queryables", "/conformance", "/service-doc"])
            for path in paths {
                let uri = path.replacingOccurrences(of: "{collectionId}", with: "parcels").replacingOccurrences(of: "{featureId}", with: "P1")
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .ok, "\(uri)") }
            }
            try await client.execute(uri: "/", method: .get) { r in
                let links = try object(r)["links"] as? [[String: String]] ?? []
                #expect(links.contains { $0["rel"] == "service-desc" && $0["href"]?.hasSuffix("/api") == true })
            }
        }
    }

    @Test("crs: features in EPSG:4326 come lat/lon, in a Gauss-Krüger zone northing/easting, in 3857 easting/northing; Content-Crs names it")
    func outputCRS() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 1)
        @Sendable func first(_ r: TestResponse) throws -> [Double] {
            let feature = (try object(r)["features"] as? [[String: Any]])?.first
            let rings = (feature?["geometry"] as? [String: Any])?["coordinates"] as? [[[[Double]]]]
            return rings?[0][0][0] ?? []
        }
        try await app(reader).test(.router) { client in
            try await client.execute(uri: "/collections/parcels/items", method: .get) { r in
                #expect(r.headers[HTTPField.Name("Content-Crs")!] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
                let p = try first(r)
                #expect(p == [106.57, 29.55])
            }
            try await client.execute(uri: "/collections/parcels/items?crs=http://www.opengis.net/def/crs/EPSG/0/4326", method: .get) { r in
                #expect(r.headers[HTTPField.Name("Content-Crs")!] == "<http://www.opengis.net/def/crs/EPSG/0/4326>")
                let p = try first(r)
                #expect(abs(p[0] - 29.55) < 1e-9 && abs(p[1] - 106.57) < 1e-9, "lat/lon: \(p)")
            }
            try await client.execute(uri: "/collections/parcels/items?crs=http://www.opengis.net/def/crs/EPSG/0/4545", method: .get) { r in
                let p = try first(r)
                let expected = try Projector(from: .cgcs2000, to: .epsg(4545)).transform(Position(106.57, 29.55))
                #expect(abs(p[0] - expected.y) < 0.001 && abs(p[1] - expected.x) < 0.001, "northing first: \(p)")
            }
            try await client.execute(uri: "/collections/parcels/items?crs=http://www.opengis.net/def/crs/EPSG/0/3857", method: .get) { r in
                let p = try first(r)
                let expected = try Projector(from: .cgcs2000, to: .webMercator).transform(Position(106.57, 29.55))
                #expect(abs(p[0] - expected.x) < 0.001 && abs(p[1] - expected.y) < 0.001 && p[0] > p[1], "easting first: \(p)")
            }
            try await client.execute(uri: "/collections/parcels/items?crs=EPSG:999999", method: .get) { r in
                #expect(r.status == .badRequest)
            }
        }
    }

    @Test("bbox-crs: a box in web Mercator or lat/lon EPSG:4326 selects the same features as in CRS84")
    func bboxCRS() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir)
        @Sendable func ids(_ r: TestResponse) throws -> Set<String> {
            Set((try object(r)["features"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        }
        let mercator = try Projector(from: .cgcs2000, to: .webMercator)
        let lo = try mercator.transform(Position(106.5712, 29.5502)), hi = try mercator.transform(Position(106.5725, 29.5515))
        try await app(reader).test(.router) { client in
            let reference = try await client.execute(uri: "/collections/parcels/items?bbox=106.5712,29.5502,106.5725,29.5515", method: .get) { try ids($0) }
            #expect(reference == ["P2", "P3", "P7", "P8"])
            let viaMercator = try await client.execute(
                uri: "/collections/parcels/items?bbox=\(lo.x),\(lo.y),\(hi.x),\(hi.y)&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857", method: .get) { try ids($0) }
            #expect(viaMercator == reference)
            let viaLatLon = try await client.execute(
                uri: "/collections/parcels/items?bbox=29.5502,106.5712,29.5515,106.5725&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326", method: .get) { try ids($0) }
            #expect(viaLatLon == reference)
        }
    }

    @Test("Property filters: a query parameter named after an attribute selects by equality (Chinese text too)")
    func propertyFilters() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir)
        try await app(reader).test(.router) { client in
            let name = "地块3".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!
            try await client.execute(uri: "/collections/parcels/items?name=\(name)", method: .get) { r in
                let page = try object(r)
                #expect(page["numberMatched"] as? Int == 1)
                #expect((page["features"] as? [[String: Any]])?.first?["id"] as? String == "P3")
            }
            try await client.execute(uri: "/collections/parcels/items?parcel_id=P9&bbox=106.57,29.55,106.58,29.56", method: .get) { r in
                let matched = try object(r)["numberMatched"] as? Int
                #expect(matched == 1)
            }
            try await client.execute(uri: "/collections/parcels/items?name=nothing", method: .get) { r in
                let matched = try object(r)["numberMatched"] as? Int
                #expect(matched == 0)
            }
        }
    }

    @Test("Invalid parameters are 400 with a message, never 500",
          arguments: ["limit=0", "limit=-3", "limit=ten", "offset=-1", "bbox=1,2,3", "bbox=a,b,c,d", "bbox=106.5,29.6,106.6,29.5",
                      "bbox=1,2,3,4,5", "colour=red", "f=xml", "crs=EPSG:2000", "bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857",
                      "bbox=1,2,3,4&bbox-crs=nonsense", "bbox=0,95,1,96"])
    func invalidParameters(_ query: String) async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 3)
        try await app(reader).test(.router) { client in
            try await client.execute(uri: "/collections/parcels/items?\(query)", method: .get) { r in
                #expect(r.status == .badRequest, "\(query)")
                let body = try object(r)
                #expect(body["code"] as? String == "InvalidParameterValue")
                #expect((body["description"] as? String)?.isEmpty == false)
            }
        }
    }
}
