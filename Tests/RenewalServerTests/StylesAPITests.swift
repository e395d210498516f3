import Foundation
import GeoStore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import RenewalServer
import RenewalStore
import Testing
import TestSupport

/// The repository's Styles/ directory (these tests serve the committed styles).
let repositoryStyles = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Styles").path

/// The Features, Styles and Tiles routes together, as `buildApplication` registers them, with the
/// repository's styles and `assets` as the MapLibre directory.
func stylesApp(_ reader: any FeatureReading, assets: String) -> some ApplicationProtocol {
    var configuration = testConfiguration()
    configuration.stylesDirectory = repositoryStyles
    configuration.assetsDirectory = assets
    let router = Router()
    FeaturesAPI(store: reader, configuration: configuration).addRoutes(to: router)
    StylesAPI(store: reader, configuration: configuration).addRoutes(to: router)
    TilesAPI(store: reader, configuration: configuration).addRoutes(to: router)
    return Application(router: router)
}

/// A stand-in MapLibre directory: two small files with the real names.
func fakeAssets(_ dir: TemporaryDirectory) throws -> String {
    let path = dir.path("maplibre")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    try "/* maplibre-gl.js stand-in */".write(toFile: path + "/maplibre-gl.js", atomically: true, encoding: .utf8)
    try ".maplibregl-map {}".write(toFile: path + "/maplibre-gl.css", atomically: true, encoding: .utf8)
    return path
}

func text(_ response: TestResponse) -> String { String(buffer: response.body) }

@Suite struct StylesAPITests {
    /// The paths StylesAPI adds to the OpenAPI document.
    static let paths: Set<String> = ["/styles", "/styles/{styleId}", "/map", "/assets/{file}"]

    @Test("/styles lists every style file with its collections; only parcels is available in a parcels-only store")
    func list() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir)
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryStyles).filter { $0.hasSuffix(".json") }
        try await stylesApp(reader, assets: try fakeAssets(dir)).test(.router) { client in
            try await client.execute(uri: "/styles", method: .get) { r in
                #expect(r.status == .ok)
                let styles = try object(r)["styles"] as? [[String: Any]] ?? []
                #expect(Set(styles.compactMap { $0["id"] as? String }) == Set(files.map { String($0.dropLast(5)) }))
                for id in ["parcels", "heritage_zones", "control_lines", "coverage_gaps", "conflicts"] {
                    #expect(styles.contains { $0["id"] as? String == id }, "a style for \(id)")
                }
                let parcels = try #require(styles.first { $0["id"] as? String == "parcels" })
                #expect(parcels["collections"] as? [String] == ["parcels"])
                #expect(parcels["available"] as? Bool == true)
                let stylesheet = (parcels["links"] as? [[String: String]])?.first { $0["rel"] == "stylesheet" }
                #expect(stylesheet?["href"]?.hasSuffix("/styles/parcels") == true)
                let conflicts = try #require(styles.first { $0["id"] as? String == "conflicts" })
                #expect(conflicts["available"] as? Bool == false, "the grid store has no conflicts layer")
            }
        }
    }

    @Test("Every style is a version 8 style whose sources are this server's vector tiles (TileJSON, absolute) with the attributes its layers draw by; those of existing collections answer tiles")
    func stylesPointAtTheServer() async throws {
        let dir = try TemporaryDirectory()
        // The sample's parcels and streets (GeoData/, synthetic, CC0): the attributes the styles draw by.
        let reader = try HeldLayersTests.sampleStore(dir).reader
        try await stylesApp(reader, assets: try fakeAssets(dir)).test(.router) { client in
            let ids = try await client.execute(uri: "/styles", method: .get) { r in
                (try object(r)["styles"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            #expect(ids.count >= 5)
            var followed = 0
            for id in ids {
                let (sources, style) = try await client.execute(uri: "/styles/\(id)", method: .get) { r -> ([String], String) in
                    #expect(r.status == .ok)
                    #expect(r.headers[.contentType] == "application/vnd.mapbox.style+json")
                    #expect(!text(r).contains("{base}"), "\(id): placeholder left")
                    let style = try object(r)
                    #expect(style["version"] as? Int == 8)
                    #expect(style["glyphs"] == nil && style["sprite"] == nil, "\(id): nothing remote")
                    let sources = style["sources"] as? [String: [String: Any]] ?? [:]
                    #expect(!sources.isEmpty)
                    #expect(sources.values.allSatisfy { $0["type"] as? String == "vector" }, "\(id): vector tiles")
                    return (sources.values.compactMap { $0["url"] as? String }, text(r))
                }
                #expect(!sources.isEmpty, "\(id): a TileJSON url")
                for url in sources {
                    let parsed = try #require(URLComponents(string: url))
                    #expect(parsed.scheme == "http" && parsed.host != nil, "\(id): \(url) is absolute")
                    #expect(parsed.path.hasPrefix("/collections/") && parsed.path.hasSuffix("/tiles/WebMercatorQuad"), "\(id): \(url)")
                    #expect(parsed.queryItems?.contains { $0.name == "f" && $0.value == "tilejson" } == true, "\(id): \(url)")
                    // Every attribute the style reads with ["get", …] is among those its tiles carry.
                    let carried = Set((parsed.queryItems?.first { $0.name == "properties" }?.value ?? "").split(separator: ",").map(String.init))
                    let read = Set(style.matches(of: /\["get", "([a-z_]+)"\]/).map { String($0.1) })
                    #expect(!read.isEmpty && read.isSubset(of: carried), "\(id): reads \(read.sorted()), tiles carry \(carried.sorted())")
                    guard ["/collections/parcels/tiles/WebMercatorQuad", "/collections/streets/tiles/WebMercatorQuad"].contains(parsed.path) else { continue }
                    // A collection the store has: its TileJSON points at tiles holding its features.
                    let (template, bounds) = try await client.execute(uri: parsed.path + "?" + (parsed.query ?? ""), method: .get) { r in
                        #expect(r.status == .ok, "\(url): \(text(r))")
                        let tj = try object(r)
                        return (try #require((tj["tiles"] as? [String])?.first), try #require(tj["bounds"] as? [Double]))
                    }
                    // The zoom-15 tile at the middle of the layer's bounds.
                    let lon = (bounds[0] + bounds[2]) / 2, lat = (bounds[1] + bounds[3]) / 2, n = Double(1 << 15)
                    let x = Int((lon + 180) / 360 * n), y = Int((1 - asinh(tan(lat * .pi / 180)) / .pi) / 2 * n)
                    let tile = try #require(URLComponents(string: template.replacingOccurrences(of: "{z}/{y}/{x}", with: "15/\(y)/\(x)")))
                    try await client.execute(uri: tile.path + "?" + (tile.query ?? ""), method: .get) { r in
                        #expect(r.status == .ok && r.headers[.contentType] == "application/vnd.mapbox-vector-tile", "\(tile)")
                    }
                    followed += 1
                }
            }
            #expect(followed == 2, "the parcels and streets styles read the sample's two collections")
        }
    }

    @Test("Unknown styles and assets are 404 with a message")
    func notFound() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir)
        try await stylesApp(reader, assets: try fakeAssets(dir)).test(.router) { client in
            for uri in ["/styles/nope", "/styles/..%2FPackage", "/styles/parcels.json", "/assets/nope.js", "/assets/..%2FPackage.swift"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound, "\(uri)")
                    let code = try object(r)["code"] as? String
                    #expect(code == "NotFound", "\(uri)")
                }
            }
        }
        // Assets not installed: 404 naming the fix.
        try await stylesApp(reader, assets: dir.path("none")).test(.router) { client in
            try await client.execute(uri: "/assets/maplibre-gl.js", method: .get) { r in
                #expect(r.status == .notFound)
                #expect(text(r).contains("make maplibre"))
            }
        }
    }

    @Test("/map loads MapLibre and the styles from this server only, and fits the parcels")
    func mapPage() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir)
        try await stylesApp(reader, assets: try fakeAssets(dir)).test(.router) { client in
            try await client.execute(uri: "/map", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
                let html = text(r)
                #expect(html.contains("<script src=\"/assets/maplibre-gl.js\"></script>"))
                #expect(html.contains("<link rel=\"stylesheet\" href=\"/assets/maplibre-gl.css\">"))
                #expect(html.contains("\"href\":\"/styles/parcels\""))
                #expect(!html.contains("\"href\":\"/styles/conflicts\""), "no conflicts layer: not drawn")
                #expect(!html.contains("http://") && !html.contains("https://"), "no absolute (remote) URL")
                // The page's configuration: the grid's extent, 106.57–106.5748, 29.55–29.5538.
                let line = try #require(html.split(separator: "\n").first { $0.hasPrefix("const config = ") })
                let config = try #require(try JSONSerialization.jsonObject(with: Data(line.dropFirst(15).dropLast().utf8)) as? [String: Any])
                let bounds = (config["bounds"] as? [[Double]])?.flatMap { $0 } ?? []
                #expect(bounds.count == 4)
                for (value, expected) in zip(bounds, [106.57, 29.55, 106.5748, 29.5538]) { #expect(abs(value - expected) < 1e-9) }
                #expect((config["ids"] as? [String: String]) == ["parcels": "parcel_id"], "a click fetches a parcel by parcel_id")
                #expect(html.contains("hash: true"), "#zoom/lat/lon places the map")
                let skipped = config["skipped"] as? [[String: Any]] ?? []
                #expect(skipped.contains { $0["missing"] as? [String] == ["conflicts"] }, "the conflicts style is named as missing its layer")
            }
            try await client.execute(uri: "/assets/maplibre-gl.js", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/javascript; charset=utf-8")
                let tag = try #require(r.headers[.eTag])
                try await client.execute(uri: "/assets/maplibre-gl.js", method: .get, headers: [.ifNoneMatch: tag]) { again in
                    #expect(again.status == .notModified)
                }
            }
        }
    }

    @Test("/map without MapLibre installed says how to install it")
    func mapWithoutAssets() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir)
        try await stylesApp(reader, assets: dir.path("vendor/maplibre")).test(.router) { client in
            try await client.execute(uri: "/map", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
                #expect(text(r).contains("make maplibre"))
                #expect(text(r).contains("--assets"))
            }
        }
    }

    @Test("The landing page links the styles and the map; the API document describes their paths, and each answers")
    func landingAndAPI() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir)
        try await stylesApp(reader, assets: try fakeAssets(dir)).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { r in
                let links = try object(r)["links"] as? [[String: String]] ?? []
                #expect(links.contains { $0["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/styles" && $0["href"]?.hasSuffix("/styles") == true })
                #expect(links.contains { $0["rel"] == "preview" && $0["type"] == "text/html" && $0["href"]?.hasSuffix("/map") == true })
            }
            try await client.execute(uri: "/api", method: .get) { r in
                let paths = try object(r)["paths"] as? [String: Any] ?? [:]
                for path in StylesAPITests.paths { #expect(paths[path] != nil, "\(path)") }
            }
            // Each described path answers.
            for path in StylesAPITests.paths {
                let uri = path.replacingOccurrences(of: "{styleId}", with: "parcels").replacingOccurrences(of: "{file}", with: "maplibre-gl.css")
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .ok, "\(uri)") }
            }
        }
    }
}
