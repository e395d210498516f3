import CompressNIO
import Foundation
import GeoStore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import RenewalServer
import RenewalStore
import Testing
import TestSupport
import Logging

/// Streamed pages, gzip and the HTML view, through the router.
@Suite struct ServingQualityTests {
    func app(_ reader: any FeatureReading, batch: Int) -> some ApplicationProtocol {
        var configuration = testConfiguration()
        configuration.streamBatch = batch
        let router = Router()
        FeaturesAPI(store: reader, configuration: configuration).addRoutes(to: router)
        return Application(router: router)
    }

    static func ids(_ body: ByteBuffer) throws -> [String] {
        let page = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
        #expect(page["numberReturned"] as? Int == (page["features"] as? [Any])?.count)
        return (page["features"] as? [[String: Any]] ?? []).compactMap { ($0["properties"] as? [String: Any])?["parcel_id"] as? String }
    }

    @Test("A page streamed in batches of 4 holds the same features, in the same order, as one read in a single batch")
    func streamedBatches() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 23)
        let whole = try await app(reader, batch: 500).test(.router) { client in
            try await client.execute(uri: "/collections/parcels/items?limit=20&offset=2", method: .get) { try Self.ids($0.body) }
        }
        let streamed = try await app(reader, batch: 4).test(.router) { client in
            try await client.execute(uri: "/collections/parcels/items?limit=20&offset=2", method: .get) { try Self.ids($0.body) }
        }
        #expect(whole == (3...22).map { "P\($0)" })
        #expect(streamed == whole)
    }

    @Test("gzip when asked: Content-Encoding gzip, Vary, and the body inflates to the plain answer")
    func gzip() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 23)
        try await app(reader, batch: 5).test(.router) { client in
            let plain = try await client.execute(uri: "/collections/parcels/items?limit=23", method: .get) { r -> ByteBuffer in
                #expect(r.headers[.contentEncoding] == nil)
                return r.body
            }
            try await client.execute(uri: "/collections/parcels/items?limit=23", method: .get, headers: [.acceptEncoding: "br, gzip;q=0.8"]) { r in
                #expect(r.headers[.contentEncoding] == "gzip")
                #expect(r.headers[.vary] == "Accept-Encoding")
                var body = r.body
                let inflated = try body.decompress(with: .gzip())
                #expect(inflated.readableBytes > r.body.readableBytes)
                #expect(try Self.ids(inflated) == Self.ids(plain))
            }
            // q=0 rules gzip out.
            try await client.execute(uri: "/collections/parcels/items?limit=2", method: .get, headers: [.acceptEncoding: "gzip;q=0"]) { r in
                #expect(r.headers[.contentEncoding] == nil)
            }
        }
    }

    @Test("f=html: a table of the page for browsers, escaped; an unknown f is a 400")
    func html() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 23)
        try await app(reader, batch: 500).test(.router) { client in
            try await client.execute(uri: "/collections/parcels/items?limit=5&f=html", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
                let text = String(buffer: r.body)
                #expect(text.contains("<table>") && text.contains(">P1<") && text.contains("地块1") && text.contains("of 23"))
                #expect(text.contains("next page"))
            }
            try await client.execute(uri: "/collections/parcels/items?f=xml", method: .get) { r in
                #expect(r.status == .badRequest)
            }
        }
    }
}

/// The documented request limits: an oversized request target (414) and a query past the time limit (503).
@Suite struct RequestLimitTests {
    @Test("A request target over the limit answers 414 before routing")
    func oversizedTarget() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 5)
        var configuration = testConfiguration()
        configuration.maximumRequestTarget = 2_000
        let app = buildApplication(store: reader, configuration: configuration, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            let long = String(repeating: "a", count: 3_000)
            try await client.execute(uri: "/collections/parcels/items?name=\(long)", method: .get) { r in
                #expect(r.status == .uriTooLong)
                #expect(String(buffer: r.body).contains("at most 2000"))
            }
            try await client.execute(uri: "/collections/parcels/items?limit=1", method: .get) { r in #expect(r.status == .ok) }
        }
    }

    @Test("A query running past the store's time limit is stopped and answers 503 with a message, and the next one works")
    func slowQuery() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 3_000, queryTimeLimit: 0.05)
        // 800 LIKE patterns against 3,000 names: millions of comparisons, far past 50 ms.
        let filter = (0..<800).map { "name LIKE '%\($0)x%'" }.joined(separator: " OR ")
        let encoded = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        try await app(reader).test(.router) { client in
            try await client.execute(uri: "/collections/parcels/items?filter=\(encoded)", method: .get) { r in
                #expect(r.status == .serviceUnavailable)
                #expect(String(buffer: r.body).contains("ran longer than"))
            }
            try await client.execute(uri: "/collections/parcels/items?limit=3", method: .get) { r in #expect(r.status == .ok) }
        }
    }
}
