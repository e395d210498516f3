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

// Serving to the letter of OGC API – Features and the habits of its clients (issue 14, item 3).
// All data here is made up by the tests themselves (no third-party data).

/// The whole application (middlewares included), as `renewalgis serve` runs it.
func fullApp(_ reader: any FeatureReading, _ configure: (inout ServerConfiguration) -> Void = { _ in }) -> some ApplicationProtocol {
    var configuration = testConfiguration()
    configuration.assetsDirectory = "/nonexistent/maplibre"
    configure(&configuration)
    return buildApplication(store: reader, configuration: configuration, logger: Logger(label: "test"))
}

/// Form encoding as HTML forms, OWSLib and Python's urlencode write it: a space is `+`.
func formEncoded(_ text: String) -> String {
    let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~ ")
    return text.addingPercentEncoding(withAllowedCharacters: allowed)!.replacingOccurrences(of: " ", with: "+")
}

/// A layer `sites` of points from GeoJSON text features `(properties JSON, lon, lat)`.
func pointStore(_ dir: TemporaryDirectory, _ rows: [(String, Double, Double)], file: String = "p.sqlite") throws -> any FeatureReading {
    let features = rows.map { "{\"type\":\"Feature\",\"properties\":{\($0.0)},\"geometry\":{\"type\":\"Point\",\"coordinates\":[\($0.1),\($0.2)]}}" }
    try "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}".write(toFile: dir.path("sites.geojson"), atomically: true, encoding: .utf8)
    var options = ImportOptions()
    options.crs = .wgs84
    return try servedStore(dir, file, importing: [("sites.geojson", "sites", options)])
}

@Suite struct NumberTypeTests {
    @Test("Doubles keep their type: 0.0, 1.0 and 201.0 are written with a fraction, 1e-300 stays a double, integers stay integers, -0.0 is 0.0")
    func doublesKeepTheirType() async throws {
        let dir = try TemporaryDirectory()
        let reader = try pointStore(dir, [
            ("\"code\":\"A\",\"covered\":0.0,\"share\":1.0,\"tiny\":1e-300,\"count\":3,\"neg\":-0.0", 106.57, 29.55),
            ("\"code\":\"B\",\"covered\":0.25,\"share\":201.0,\"tiny\":2.5,\"count\":4,\"neg\":-2.0", 106.58, 29.56),
        ])
        try await app(reader).test(.router) { client in
            try await client.execute(uri: "/collections/sites/items?sortby=code", method: .get) { r in
                #expect(r.status == .ok)
                let body = String(buffer: r.body)
                for token in ["\"covered\":0.0,", "\"share\":1.0,", "\"tiny\":1e-300,", "\"count\":3,", "\"neg\":0.0}",
                              "\"covered\":0.25,", "\"share\":201.0,", "\"tiny\":2.5,", "\"count\":4,", "\"neg\":-2.0}"] {
                    #expect(body.contains(token), "\(token) in \(body)")
                }
                // Still JSON that reads back to the same numbers.
                let features = try object(r)["features"] as? [[String: Any]] ?? []
                #expect((features.first?["properties"] as? [String: Any])?["tiny"] as? Double == 1e-300)
            }
            try await client.execute(uri: "/collections/sites/items/1", method: .get) { r in
                #expect(String(buffer: r.body).contains("\"covered\":0.0"))
            }
        }
        // Values that JSON cannot hold are null, never NaN or Infinity.
        var text = ""
        for value in [Double.nan, .infinity, -.infinity] { GeoJSON.write(.double(value), to: &text); text += "," }
        #expect(text == "null,null,null,")
    }
}

@Suite struct QueryStringTests {
    @Test("Query strings are read as forms: + is a space, %2B a plus, %25 decoded once; the README's filter works with spaces sent as +")
    func plusIsASpace() async throws {
        let dir = try TemporaryDirectory()
        let reader = try pointStore(dir, [
            ("\"parcel_id\":\"P1\",\"land_use\":\"070101\",\"name\":\"a+b\",\"note\":\"%41\"", 106.575, 29.555),
            ("\"parcel_id\":\"P2\",\"land_use\":\"0801\",\"name\":\"a b\",\"note\":\"A\"", 106.575, 29.555),
            ("\"parcel_id\":\"P3\",\"land_use\":\"070102\",\"name\":\"c\",\"note\":\"\"", 106.60, 29.60),
        ])
        try await app(reader).test(.router) { client in
            // README.md's example filter, as curl --data-urlencode, OWSLib and requests send it.
            let readme = "land_use LIKE '07%' AND S_INTERSECTS(geometry, BBOX(106.57, 29.55, 106.58, 29.56))"
            var r = try await fetch(client, "/collections/sites/items?filter=\(formEncoded(readme))")
            #expect(r.status == .ok, "\(r.body)")
            #expect(r.ids == ["P1"])
            r = try await fetch(client, "/collections/sites/items?name=a+b")
            #expect(r.ids == ["P2"], "+ is a space")
            r = try await fetch(client, "/collections/sites/items?name=a%2Bb")
            #expect(r.ids == ["P1"], "%2B is a plus")
            r = try await fetch(client, "/collections/sites/items?note=%2541")
            #expect(r.ids == ["P1"], "decoded once: %2541 is the text %41, not A")
            // The parameter's name is form-decoded too.
            r = try await fetch(client, "/collections/sites/items?land%5Fuse=0801")
            #expect(r.ids == ["P2"])
            // An item's parameters as well.
            r = try await fetch(client, "/collections/sites/items/P1?crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FOGC%2F1.3%2FCRS84")
            #expect(r.status == .ok)
            // An item's f takes what /api declares (json, geojson); schemathesis found other values served.
            r = try await fetch(client, "/collections/sites/items/P1?f=xml")
            #expect(r.status == .badRequest)
            for (uri, name) in [("/collections/sites/items?filter=land_use+%3D+%ZZ", "filter"), ("/collections/sites/items?name=%E4%B8", "name"),
                                ("/collections/sites/items/P1?crs=%4", "crs"), ("/collections/sites/items?bb%x=1", "bb%x")] {
                r = try await fetch(client, uri)
                #expect(r.status == .badRequest, "\(uri)")
                #expect((r.body["description"] as? String)?.contains("\"\(name)\"") == true, "\(uri): \(r.body)")
            }
        }
    }
}

@Suite struct LimitAndAPITests {
    @Test("limit above the maximum is served as the maximum (Part 1), not refused; limit below 1 or not a number stays a 400")
    func limitAboveMaximumIsCapped() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 12)
        try await fullApp(reader, { $0.maximumLimit = 5 }).test(.router) { client in
            for limit in ["6", "20000", "99999999999999999999999"] {
                let r = try await fetch(client, "/collections/parcels/items?limit=\(limit)")
                #expect(r.status == .ok, "limit=\(limit)")
                #expect(r.body["numberReturned"] as? Int == 5)
                let links = r.body["links"] as? [[String: String]] ?? []
                #expect(links.contains { $0["rel"] == "next" && $0["href"]?.contains("limit=5&offset=5") == true })
            }
            for limit in ["0", "-1", "ten", ""] {
                let r = try await fetch(client, "/collections/parcels/items?limit=\(limit)")
                #expect(r.status == .badRequest, "limit=\(limit)")
            }
        }
    }

    @Test("/api declares limit (default, maximum) where QGIS and GDAL read it, and every property of every collection as a parameter of its own items path")
    func apiDeclaresLimitAndProperties() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        try await fullApp(reader).test(.router) { client in
            let doc = try await client.execute(uri: "/api", method: .get) { try object($0) }
            // QGIS: components.parameters.limit.schema; GDAL: a $ref containing "limit" in the collection's items path.
            let components = doc["components"] as? [String: Any]
            let limitSchema = ((components?["parameters"] as? [String: Any])?["limit"] as? [String: Any])?["schema"] as? [String: Any]
            #expect(limitSchema?["maximum"] as? Int == 10_000)
            #expect(limitSchema?["default"] as? Int == 100)
            let paths = doc["paths"] as? [String: Any] ?? [:]
            for path in ["/collections/{collectionId}/items", "/collections/plots/items"] {
                let parameters = ((paths[path] as? [String: Any])?["get"] as? [String: Any])?["parameters"] as? [[String: Any]] ?? []
                #expect(parameters.contains { $0["$ref"] as? String == "#/components/parameters/limit" }, "\(path)")
            }
            let own = ((paths["/collections/plots/items"] as? [String: Any])?["get"] as? [String: Any])?["parameters"] as? [[String: Any]] ?? []
            let fields = try reader.withSnapshot { try $0.fields(of: "plots") }
            #expect(!fields.isEmpty)
            for field in fields {
                // What QGIS's provider requires of a simple queryable: in query, style form, explode false, a schema type.
                let parameter = own.first { $0["name"] as? String == field.name }
                #expect(parameter?["in"] as? String == "query", "\(field.name)")
                #expect(parameter?["style"] as? String == "form")
                #expect(parameter?["explode"] as? Bool == false)
                #expect((parameter?["schema"] as? [String: Any])?["type"] is String)
            }
            let area = own.first { $0["name"] as? String == "area" }?["schema"] as? [String: Any]
            #expect(area?["type"] as? String == "number")
            // And the collection's path answers what it declares.
            let r = try await fetch(client, "/collections/plots/items?use=0701&limit=100")
            #expect(r.status == .ok)
            #expect(r.ids.count == 4)
        }
    }
}

@Suite struct MethodTests {
    static let gets = ["/", "/conformance", "/api", "/service-doc", "/collections", "/collections/parcels", "/collections/parcels/queryables",
                       "/collections/parcels/items?limit=3", "/collections/parcels/items?limit=3&f=html", "/collections/parcels/items/P1",
                       "/collections/nothing", "/collections/parcels/items?limit=ten", "/styles", "/map", "/assets/maplibre-gl.js"]

    @Test("HEAD answers every GET with the same status and headers and no body")
    func headForEveryGet() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 7)
        try await fullApp(reader).test(.router) { client in
            for uri in Self.gets {
                let get = try await client.execute(uri: uri, method: .get) { $0 }
                try await client.execute(uri: uri, method: .head) { head in
                    #expect(head.status == get.status, "\(uri)")
                    #expect(head.status != .notFound || get.status == .notFound, "\(uri)")
                    #expect(head.body.readableBytes == 0, "\(uri)")
                    for name in [HTTPField.Name.contentType, .eTag, .cacheControl, .contentLength] {
                        #expect(head.headers[name] == get.headers[name], "\(uri) \(name)")
                    }
                }
            }
        }
    }

    @Test("POST, PUT, DELETE and PATCH on a served path answer 405 with Allow: GET, HEAD; elsewhere 404")
    func otherMethodsAre405WithAllow() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 3)
        try await fullApp(reader).test(.router) { client in
            for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
                for uri in ["/collections/parcels/items", "/collections", "/collections/parcels/items/P1", "/"] {
                    try await client.execute(uri: uri, method: method, body: ByteBuffer(string: "{}")) { r in
                        #expect(r.status == .methodNotAllowed, "\(method) \(uri)")
                        #expect(r.headers[.allow] == "GET, HEAD")
                        #expect(String(buffer: r.body).contains("MethodNotAllowed"))
                    }
                }
                try await client.execute(uri: "/no/such/path", method: method) { r in #expect(r.status == .notFound) }
            }
            // The store is untouched.
            #expect(try reader.withSnapshot { try $0.layer("parcels") }?.featureCount == 3)
        }
    }
}

@Suite struct AntimeridianTests {
    @Test("A bbox whose west edge is east of its east edge crosses the antimeridian: it selects both sides, not a 400")
    func bboxAcrossTheAntimeridian() async throws {
        let dir = try TemporaryDirectory()
        let reader = try pointStore(dir, [("\"site_id\":\"east\"", 179.5, -17), ("\"site_id\":\"west\"", -179.5, -17),
                                          ("\"site_id\":\"greenwich\"", 0.5, -17), ("\"site_id\":\"north\"", 179.5, 40)])
        try await app(reader).test(.router) { client in
            var r = try await fetch(client, "/collections/sites/items?bbox=179,-20,-179,-10")
            #expect(r.status == .ok, "\(r.body)")
            #expect(Set(r.ids) == ["east", "west"])
            #expect(r.body["numberMatched"] as? Int == 2)
            r = try await fetch(client, "/collections/sites/items?bbox=-20,179,-10,-179&bbox-crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F4326")
            #expect(r.status == .ok, "\(r.body)")
            #expect(Set(r.ids) == ["east", "west"], "EPSG:4326 in its lat/lon axis order")
            // A box upside down in latitude is still an error.
            r = try await fetch(client, "/collections/sites/items?bbox=179,-10,-179,-20")
            #expect(r.status == .badRequest)
        }
    }
}

@Suite struct DocumentationTests {
    @Test("A service-doc page (HTML) is linked from the landing page with rel=service-doc")
    func serviceDoc() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 2)
        try await fullApp(reader).test(.router) { client in
            let links = try await client.execute(uri: "/", method: .get) { try object($0)["links"] as? [[String: String]] ?? [] }
            let doc = try #require(links.first { $0["rel"] == "service-doc" })
            #expect(doc["type"] == "text/html")
            let path = try #require(doc["href"].flatMap { URL(string: $0)?.path })
            try await client.execute(uri: path, method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(buffer: r.body).contains("/collections/{id}/items"))
            }
        }
    }

    @Test("Every content type served is declared in /api for that path and status")
    func everyContentTypeDeclared() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 4)
        try await fullApp(reader).test(.router) { client in
            let paths = try await client.execute(uri: "/api", method: .get) { try object($0)["paths"] as? [String: Any] ?? [:] }
            let requests: [(String, String)] = [
                ("/", "/"), ("/api", "/api"), ("/conformance", "/conformance"), ("/service-doc", "/service-doc"), ("/collections", "/collections"),
                ("/collections/parcels", "/collections/{collectionId}"), ("/collections/nothing", "/collections/{collectionId}"),
                ("/collections/parcels/queryables", "/collections/{collectionId}/queryables"),
                ("/collections/parcels/items", "/collections/{collectionId}/items"), ("/collections/parcels/items?f=html", "/collections/{collectionId}/items"),
                ("/collections/parcels/items?limit=x", "/collections/{collectionId}/items"),
                ("/collections/parcels/items?f=html", "/collections/parcels/items"),
                ("/collections/parcels/items/P1", "/collections/{collectionId}/items/{featureId}"),
                ("/collections/parcels/items/P99", "/collections/{collectionId}/items/{featureId}"),
                ("/styles", "/styles"), ("/map", "/map"), ("/assets/maplibre-gl.js", "/assets/{file}"), ("/styles/none", "/styles/{styleId}"),
            ]
            for (uri, path) in requests {
                try await client.execute(uri: uri, method: .get) { r in
                    let responses = ((paths[path] as? [String: Any])?["get"] as? [String: Any])?["responses"] as? [String: Any]
                    let declared = (responses?[String(r.status.code)] as? [String: Any])?["content"] as? [String: Any]
                    let served = r.headers[.contentType] ?? ""
                    #expect(declared?[served] != nil || declared?[served.components(separatedBy: ";")[0]] != nil,
                            "\(uri) → \(r.status.code) \(served), declared: \(declared.map { Array($0.keys) } ?? [])")
                }
            }
        }
    }

    @Test("/map without MapLibre installed answers a page saying how to install it, with 200 (not 503)")
    func mapWithoutMapLibreIsAHelpfulPage() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 2)
        try await fullApp(reader).test(.router) { client in
            try await client.execute(uri: "/map", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(buffer: r.body).contains("make maplibre"))
            }
        }
    }

    @Test("Queryables mark the temporal property with its format and x-ogc-role primary-instant, also when it is stored as text")
    func queryablesMarkTheTemporalProperty() async throws {
        let dir = try TemporaryDirectory()
        // A text field named like a date (the store keeps it as text): format date from its values.
        let reader = try pointStore(dir, [("\"code\":\"A\",\"survey_date\":\"2024-03-01\"", 106.57, 29.55),
                                          ("\"code\":\"B\",\"survey_date\":\"not surveyed\"", 106.58, 29.55)])
        #expect(try reader.withSnapshot { try $0.fields(of: "sites") }.first { $0.name == "survey_date" }?.type == .text)
        let stamps = try TemporaryDirectory()
        let timed = try pointStore(stamps, [("\"code\":\"A\",\"checked_at\":\"2024-03-01 10:00:00\"", 106.57, 29.55)])
        for (reader, field, format) in [(reader, "survey_date", "date"), (timed, "checked_at", "date-time")] {
            try await app(reader).test(.router) { client in
                try await client.execute(uri: "/collections/sites/queryables", method: .get) { r in
                    let property = (try object(r)["properties"] as? [String: Any])?[field] as? [String: Any]
                    #expect(property?["type"] as? String == "string")
                    #expect(property?["format"] as? String == format, "\(field)")
                    #expect(property?["x-ogc-role"] as? String == "primary-instant")
                }
            }
        }
    }
}
