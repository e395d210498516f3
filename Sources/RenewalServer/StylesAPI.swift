import Foundation
import GeoKernel
import HTTPTypes
import Hummingbird
import Logging
import GeoStore
import OGCFeatures

/// MapLibre styles for the store's layers, the MapLibre GL JS files, and a map page that draws every
/// styled layer of the store:
///
/// - `GET /styles`: the styles, each with the collections it draws and whether the store has them all;
/// - `GET /styles/{styleId}`: one style, its GeoJSON sources pointing at this server;
/// - `GET /assets/{file}`: `maplibre-gl.js` and `maplibre-gl.css` from the assets directory;
/// - `GET /map`: an HTML page drawing the styles over the parcels' extent, loading nothing from
///   anywhere but this server.
///
/// The styles are the `*.json` files of `ServerConfiguration.stylesDirectory`, read on every request
/// (so they can be edited while the server runs). A style file writes `{base}` where this server's
/// address belongs (`"url": "{base}/collections/parcels/tiles/WebMercatorQuad?f=tilejson&properties=land_use"`,
/// a vector source of this server's tiles with the attributes the style draws by); the server writes
/// its own address there when it serves the style.
public struct StylesAPI: ServedAPI {
    let store: any FeatureReading
    let configuration: ServerConfiguration
    let logger: Logger

    public init(store: any FeatureReading, configuration: ServerConfiguration = .init(), logger: Logger = Logger(label: "renewalgis.serve")) {
        self.store = store; self.configuration = configuration; self.logger = logger
    }

    /// What a style file writes where this server's address (`http://host:port`) belongs.
    public static let basePlaceholder = "{base}"
    /// The media type of a MapLibre (Mapbox GL) style.
    static let styleType = "application/vnd.mapbox.style+json"
    /// OGC API – Styles' link relation for a list of styles.
    static let stylesRel = "http://www.opengis.net/def/rel/ogc/1.0/styles"
    /// The files `/assets/` serves, with their media types: MapLibre GL JS as `make maplibre` installs it.
    static let assetTypes = ["maplibre-gl.js": "text/javascript; charset=utf-8", "maplibre-gl.css": "text/css; charset=utf-8"]
    /// The map page's background, also the `background` layer of the parcels style.
    static let background = "#e8ecef"

    /// The routes, on a router the caller owns.
    public func addRoutes(to router: Router<BasicRequestContext>) {
        route(router, "/styles") { request, _ in await self.respond(request) { try await self.styleList(base: self.base(request)) } }
        route(router, "/styles/:styleId") { request, context in
            await self.respond(request) { try self.style(context.parameters.get("styleId") ?? "", base: self.base(request)) }
        }
        route(router, "/assets/:file") { request, context in
            await self.respond(request) { try self.asset(context.parameters.get("file") ?? "", request: request) }
        }
        route(router, "/map") { request, _ in await self.respond(request) { try await self.mapPage() } }
    }

    /// The landing page's links to the styles and the map.
    static func landingLinks(base: String) -> [Link] {
        [Link(base + "/styles", rel: stylesRel, type: "application/json", title: "MapLibre styles of the layers"),
         Link(base + "/map", rel: "preview", type: "text/html", title: "a map of the store's layers")]
    }

    /// `/styles`: the styles and what they draw.
    struct StyleList: Encodable {
        struct Entry: Encodable {
            var id: String
            var title: String
            var description: String?
            var collections: [String]
            /// Whether the store has every collection the style draws.
            var available: Bool
            var links: [Link]
        }
        var styles: [Entry]
        var links: [Link]
    }

    /// The store's layers, read on a snapshot thread.
    func layers() async throws -> [LayerRecord] {
        let store = self.store
        return try await SnapshotThreads.run { try store.layers() }
    }

    // MARK: - Handlers

    func styleList(base: String) async throws -> Response {
        let layers = Set(try await self.layers().map(\.name))
        return try json(StyleList(
            styles: styleFiles().map { style in
                StyleList.Entry(id: style.id, title: style.title, description: style.description, collections: style.collections,
                                available: style.isAvailable(in: layers),
                                links: [Link(base + "/styles/\(style.id)", rel: "stylesheet", type: StylesAPI.styleType, title: "MapLibre style (version 8)")])
            },
            links: [Link(base + "/styles", rel: "self", type: "application/json", title: "this document"),
                    Link(base + "/map", rel: "preview", type: "text/html", title: "a map drawing these styles")]))
    }

    func style(_ id: String, base: String) throws -> Response {
        guard let style = try styleFile(id) else {
            throw APIError.notFound("no style \"\(id)\" (the styles are the .json files of \(configuration.stylesDirectory); see /styles)")
        }
        // Written into a JSON string: escape the address as JSON would (it comes from the Host header).
        var escaped = ""
        GeoJSON.writeString(base, to: &escaped)
        let text = style.text.replacingOccurrences(of: StylesAPI.basePlaceholder, with: String(escaped.dropFirst().dropLast()))
        return Response(status: .ok, headers: [.contentType: StylesAPI.styleType, .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func asset(_ name: String, request: Request) throws -> Response {
        guard let type = StylesAPI.assetTypes[name] else {
            throw APIError.notFound("no asset \"\(name)\" (served: \(StylesAPI.assetTypes.keys.sorted().joined(separator: ", ")))")
        }
        let path = (configuration.assetsDirectory as NSString).appendingPathComponent(name)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw APIError.notFound("\(name) is not installed in \(configuration.assetsDirectory): run `make maplibre`")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let tag = "\"\(String(size, radix: 16))-\(String(Int(modified), radix: 16))\""
        if let held = request.headers[.ifNoneMatch], held.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag }) {
            return Response(status: .notModified, headers: [.eTag: tag])
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return Response(status: .ok, headers: [.contentType: type, .eTag: tag, .cacheControl: "public, max-age=3600"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func mapPage() async throws -> Response {
        let missing = StylesAPI.assetTypes.keys.sorted().filter {
            !FileManager.default.fileExists(atPath: (configuration.assetsDirectory as NSString).appendingPathComponent($0))
        }
        guard missing.isEmpty else {
            // A page that helps (how to install them), not an error: the server itself is fine.
            return html(.ok, MapPage.assetsMissing(directory: configuration.assetsDirectory, files: missing))
        }
        let layers = try await self.layers()
        let names = Set(layers.map(\.name))
        let styles = styleFiles()
        guard !styles.isEmpty else {
            return html(.ok, MapPage.message(
                "No styles", "No style files (*.json) in <code>\(MapPage.escape(configuration.stylesDirectory))</code>: start the server in the RenewalGIS directory, or give <code>renewalgis serve --styles DIR</code>."))
        }
        // The parcels' extent, else every layer's.
        var bounds = Envelope.empty
        if let parcels = layers.first(where: { $0.name == "parcels" })?.extent {
            bounds = parcels
        } else {
            for layer in layers { if let e = layer.extent { bounds.expand(toInclude: e) } }
        }
        let drawn = styles.filter { $0.isAvailable(in: names) }
        let skipped = styles.filter { !$0.isAvailable(in: names) }
        let store = self.store, collections = Set(drawn.flatMap(\.collections))
        let ids = try await SnapshotThreads.run {
            try store.withSnapshot { snapshot in
                try collections.reduce(into: [String: String]()) { ids, name in ids[name] = try snapshot.identifierField(of: name) }
            }
        }
        return html(.ok, try MapPage.page(styles: drawn, skipped: skipped.map { ($0.title, $0.collections.filter { !names.contains($0) }) },
                                          bounds: bounds.isEmpty ? nil : bounds, background: StylesAPI.background, ids: ids))
    }

    func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: - Style files

    /// Every readable style, in drawing order; a file that is not a style is logged and left out.
    func styleFiles() -> [StyleFile] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: configuration.stylesDirectory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { name -> StyleFile? in
            do {
                return try styleFile(String(name.dropLast(5)))
            } catch {
                logger.error("style \(configuration.stylesDirectory)/\(name) left out: \(error)")
                return nil
            }
        }.sorted { ($0.order, $0.id) < ($1.order, $1.id) }
    }

    /// The style `id` (its file name without `.json`), nil when there is no such file.
    func styleFile(_ id: String) throws -> StyleFile? {
        guard StyleFile.isValidID(id) else { return nil }
        let path = (configuration.stylesDirectory as NSString).appendingPathComponent(id + ".json")
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try StyleFile(id: id, data: data)
    }
}

/// A style file of the styles directory, as written (with the `{base}` placeholder), and what the
/// server needs to know of it.
struct StyleFile {
    /// The file name without `.json`.
    var id: String
    /// The file's text.
    var text: String
    /// The style's `name`, else its id.
    var title: String
    /// `metadata["renewalgis:description"]`.
    var description: String?
    /// `metadata["renewalgis:order"]`: the map page draws low numbers first (below).
    var order: Int
    /// `metadata["renewalgis:visible"]`: whether the map page shows it before anyone ticks it (default true).
    var visible: Bool
    /// The collections its sources read (`…/collections/{id}/…` in a source's `data`, `url` or
    /// `tiles`), in first-use order.
    var collections: [String]

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x41...0x5a).contains($0) || (0x61...0x7a).contains($0) }
    }

    init(id: String, data: Data) throws {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Invalid(description: "not a JSON object")
        }
        guard (object["version"] as? Int) == 8, let sources = object["sources"] as? [String: Any], object["layers"] is [Any] else {
            throw Invalid(description: "not a MapLibre style: needs \"version\": 8, \"sources\" and \"layers\"")
        }
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        self.id = id
        text = String(decoding: data, as: UTF8.self)
        title = object["name"] as? String ?? id
        description = metadata["renewalgis:description"] as? String
        order = metadata["renewalgis:order"] as? Int ?? 100
        visible = metadata["renewalgis:visible"] as? Bool ?? true
        var collections: [String] = []
        for key in sources.keys.sorted() {
            // A GeoJSON source's `data`, a vector source's TileJSON `url` or its `tiles`.
            let source = sources[key] as? [String: Any] ?? [:]
            let addresses = [source["data"], source["url"]].compactMap { $0 as? String } + (source["tiles"] as? [String] ?? [])
            for address in addresses {
                guard let range = address.range(of: "/collections/") else { continue }
                let name = String(address[range.upperBound...].prefix { $0 != "/" && $0 != "?" })
                if !name.isEmpty, !collections.contains(name) { collections.append(name) }
            }
        }
        self.collections = collections
    }

    /// Whether the store has every collection the style reads.
    func isAvailable(in layers: Set<String>) -> Bool {
        collections.allSatisfy(layers.contains)
    }
}
