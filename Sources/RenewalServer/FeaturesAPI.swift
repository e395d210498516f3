import Foundation
import GeoKernel
import HTTPTypes
import Hummingbird
import Logging
import RenewalStore

/// Settings of the OGC API – Features server, with their defaults.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The MapLibre styles served at `/styles` (`*.json`); relative paths start at the working directory.
    public var stylesDirectory = "Styles"
    /// Where `/assets/` finds `maplibre-gl.js` and `maplibre-gl.css` (`make maplibre` puts them there).
    public var assetsDirectory = "vendor/maplibre"
    /// Items per page when `limit` is not given.
    public var defaultLimit = 100
    /// The largest `limit` accepted.
    public var maximumLimit = 10_000
    /// Features read from the store and written to the client at a time in a streamed page.
    public var streamBatch = 500
    /// The longest request target (path and query) accepted, bytes; longer ones answer 414.
    public var maximumRequestTarget = 256 * 1024
    /// A connection idle this long (seconds) is closed: slow or stalled clients do not hold it.
    public var idleTimeout = 30
    /// How long one store query may run (seconds) before it is stopped with a 503.
    public var queryTimeLimit = 10.0
    /// The longest `filter` accepted, in bytes once percent-decoded (64 KiB); longer ones answer 400.
    public var maximumFilterLength = 65_536
    /// How deeply a filter may nest parentheses, NOT, operators (JSON) and geometry collections.
    public var maximumFilterDepth = 64
    /// The most values one IN list of a filter may hold.
    public var maximumInListItems = 1_000
    public init() {}
}

/// An API error: the HTTP status, an OGC exception code and a message safe to show.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var description: String

    static func invalidParameter(_ message: String) -> APIError { APIError(status: .badRequest, code: "InvalidParameterValue", description: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, code: "NotFound", description: message) }

    var response: Response {
        var body = "{\"code\":"
        GeoJSON.writeString(code, to: &body)
        body += ",\"description\":"
        GeoJSON.writeString(description, to: &body)
        body += "}"
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// OGC API – Features, Part 1 (Core, GeoJSON): landing page, conformance, collections, items, item.
/// Handlers parse and validate, ask the store, and encode; every layer in the store is a collection.
public struct FeaturesAPI: Sendable {
    let store: StoreReader
    let configuration: ServerConfiguration
    let logger: Logger

    public init(store: StoreReader, configuration: ServerConfiguration = .init(), logger: Logger = Logger(label: "renewalgis.serve")) {
        self.store = store; self.configuration = configuration; self.logger = logger
    }

    static let conformance = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
        "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    ]

    /// The routes, on a router the caller owns.
    public func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in try self.respond(request) { try self.landing(base: self.base(request)) } }
        router.get("/conformance") { request, _ in try self.respond(request) { try json(["conformsTo": FeaturesAPI.conformance]) } }
        router.get("/api") { request, _ in
            try self.respond(request) {
                var r = try json(OpenAPIDocument.document(base: self.base(request), configuration: self.configuration))
                r.headers[.contentType] = "application/vnd.oai.openapi+json;version=3.0"
                return r
            }
        }
        router.get("/collections") { request, _ in try self.respond(request) { try self.collections(base: self.base(request)) } }
        router.get("/collections/:id") { request, context in
            try self.respond(request) { try self.collection(context.parameters.get("id") ?? "", base: self.base(request)) }
        }
        router.get("/collections/:id/queryables") { request, context in
            try self.respond(request) { try self.queryables(context.parameters.get("id") ?? "", base: self.base(request)) }
        }
        router.get("/collections/:id/items") { request, context in
            try self.respond(request) { try self.items(context.parameters.get("id") ?? "", request: request) }
        }
        router.get("/collections/:id/items/:featureId") { request, context in
            try self.respond(request) {
                try self.item(context.parameters.get("id") ?? "", featureID: context.parameters.get("featureId") ?? "", request: request)
            }
        }
    }

    /// Runs a handler; API errors become their JSON response, anything else a 500 whose detail stays in the log.
    func respond(_ request: Request, _ body: () throws -> Response) throws -> Response {
        do {
            return try body()
        } catch let error as APIError {
            return error.response
        } catch let error as StoreError {
            if case .queryTimeLimit = error {
                logger.warning("\(request.method) \(request.uri): \(error)")
                return APIError(status: .serviceUnavailable, code: "QueryTimeLimit", description: error.description).response
            }
            logger.error("\(request.method) \(request.uri): \(error)")
            return APIError(status: .internalServerError, code: "ServerError", description: "the server could not answer; see its log").response
        } catch {
            logger.error("\(request.method) \(request.uri): \(error)")
            return APIError(status: .internalServerError, code: "ServerError", description: "the server could not answer; see its log").response
        }
    }

    func base(_ request: Request) -> String {
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        return "http://\(host)"
    }

    func landing(base: String) throws -> Response {
        try json([
            "title": "RenewalGIS",
            "description": "Planning layers and analysis results of a RenewalGIS store, as OGC API – Features",
            "links": [
                link(base + "/", "self", "application/json", "this document"),
                link(base + "/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API definition"),
                link(base + "/conformance", "conformance", "application/json", "conformance classes"),
                link(base + "/collections", "data", "application/json", "the store's layers"),
            ] + StylesAPI.landingLinks(base: base),
        ])
    }

    func collectionJSON(_ layer: LayerRecord, base: String) throws -> [String: Any] {
        var c: [String: Any] = [
            "id": layer.name, "title": layer.name, "itemType": "feature",
            "description": "\(layer.kind == "result" ? "result of" : "imported from") \(layer.sourceFile): \(layer.featureCount) \(layer.geometryType) features",
            "crs": FeaturesAPI.supportedCRS,
            "storageCrs": "http://www.opengis.net/def/crs/EPSG/0/4490",
            "links": [
                link(base + "/collections/\(layer.name)", "self", "application/json", "this collection"),
                link(base + "/collections/\(layer.name)/items", "items", "application/geo+json", "its features"),
                link(base + "/collections/\(layer.name)/queryables", FeaturesAPI.queryablesRel, "application/schema+json", "what filters may name"),
            ],
        ]
        var extent: [String: Any] = [:]
        if let e = layer.extent {
            extent["spatial"] = ["bbox": [[e.minX, e.minY, e.maxX, e.maxY]], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
        }
        if let time = try store.temporalExtent(of: layer) {
            // From the first to the last instant of the layer's temporal field (datetime filters on it).
            func stamp(_ seconds: Double?) -> Any { seconds.map { Date(timeIntervalSince1970: $0.rounded(.down)).formatted(.iso8601) } ?? NSNull() }
            extent["temporal"] = ["interval": [[stamp(time.start), stamp(time.end)]],
                                  "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
                                  "description": "the \(time.field.name) field"] as [String: Any]
        }
        if !extent.isEmpty { c["extent"] = extent }
        return c
    }

    func collections(base: String) throws -> Response {
        try json(["links": [link(base + "/collections", "self", "application/json", "collections")],
                  "collections": try store.layers().map { try collectionJSON($0, base: base) }])
    }

    func layer(_ id: String) throws -> LayerRecord {
        guard let layer = try store.layer(id) else { throw APIError.notFound("no collection \"\(id)\"") }
        return layer
    }

    func collection(_ id: String, base: String) throws -> Response {
        try json(collectionJSON(try layer(id), base: base))
    }

    /// The query parameters of /items besides property filters; a property named like one of these
    /// can be filtered through `filter` only.
    static let itemParameters: Set<String> = ["limit", "offset", "bbox", "bbox-crs", "crs", "f", "filter", "filter-lang", "filter-crs",
                                              "datetime", "sortby", "properties"]
    static let itemParameterList = "limit, offset, bbox, bbox-crs, crs, f, filter, filter-lang, filter-crs, datetime, sortby, properties"

    static let crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    /// CRSs offered (Part 2): CRS84, CGCS2000, WGS84, web Mercator and the CGCS2000 3° Gauss-Krüger zones.
    static let supportedCRS: [String] = [crs84] + ([4490, 4326, 3857] + Array(4513...4554)).map { "http://www.opengis.net/def/crs/EPSG/0/\($0)" }

    /// A requested CRS (`crs` or `bbox-crs`): nil for CRS84 (GeoJSON's lon/lat), else the CRS and whether
    /// its EPSG axis order puts northing/latitude first.
    func requestedCRS(_ text: String, parameter: String) throws -> (crs: CRS, uri: String, swap: Bool)? {
        let uri = text.hasPrefix("http") ? text : (try? CRS(parsing: text))?.uri ?? text
        guard FeaturesAPI.supportedCRS.contains(uri) || text.uppercased().hasSuffix("CRS84") else {
            throw APIError.invalidParameter("\(parameter)=\(text) is not offered; use one of CRS84, EPSG:4490, 4326, 3857, 4513–4554 as http://www.opengis.net/def/crs/EPSG/0/<code>")
        }
        if uri == FeaturesAPI.crs84 || text.uppercased().hasSuffix("CRS84") { return nil }
        let crs = try CRS(parsing: uri)
        return (crs, uri, try CRSRegistry.info(crs).northingFirst)
    }

    /// Transforms stored (EPSG:4490 lon/lat) features into `target`, in its EPSG axis order.
    func reproject(_ features: [Feature], to target: (crs: CRS, uri: String, swap: Bool)) throws -> [Feature] {
        let projector = try Projector(from: .cgcs2000, to: target.crs)
        return try features.map { feature in
            var f = feature
            if var g = f.geometry {
                try projector.transform(&g)
                if target.swap { g.transformPositions { run in for i in run.indices { run[i] = Position(run[i].y, run[i].x) } } }
                f.geometry = g
            }
            return f
        }
    }

    /// A weak entity tag for what a request reads of a layer: it changes when the layer is re-imported
    /// or replaced (new import time or count), so caches revalidate exactly then.
    func entityTag(_ layer: LayerRecord, _ request: Request) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(request.uri)|\(layer.name)|\(layer.importedAt)|\(layer.featureCount)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return "W/\"\(String(hash, radix: 16))\""
    }

    /// 304 when the client already holds this version.
    func notModified(_ tag: String, _ request: Request) -> Response? {
        guard let held = request.headers[.ifNoneMatch], held.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag || $0 == "*" }) else { return nil }
        return Response(status: .notModified, headers: [.eTag: tag, .cacheControl: cacheControl])
    }

    let cacheControl = "public, max-age=60, must-revalidate"

    func items(_ id: String, request: Request) throws -> Response {
        let layer = try layer(id)
        let tag = entityTag(layer, request)
        // Keys arrive percent-encoded (values are decoded by the router).
        let parameters = request.uri.queryParameters.map { (String($0.key).removingPercentEncoding ?? String($0.key), String($0.value)) }
        var query: [String: String] = [:]
        for (key, value) in parameters where query[key] == nil { query[key] = value }
        // Property filters: a query parameter named after an attribute selects features whose value equals it.
        let others = parameters.filter { !Self.itemParameters.contains($0.0) }
        let needsFields = !others.isEmpty || ["filter", "datetime", "sortby", "properties"].contains { query[$0] != nil }
        let fields = needsFields ? try store.fields(of: layer.name) : []
        var compiler = FilterCompiler(layer: layer.name, fields: fields)
        var conditions: [SQLCondition] = []
        var equal: [(key: String, value: String)] = []
        for (key, value) in others {
            guard let field = fields.first(where: { $0.name == key }) else {
                throw APIError.invalidParameter("unknown query parameter \"\(key)\" (this server takes \(Self.itemParameterList), and the properties of \(layer.name): \(fields.map(\.name).sorted().joined(separator: ", ")))")
            }
            equal.append((key, value))
            conditions.append(try compiler.compile(.comparison(.equal, .property(key), Self.literal(value, for: field))))
        }
        if let f = query["f"], !["json", "geojson", "html"].contains(f) {
            throw APIError.invalidParameter("f=\(f) is not served (use f=json, f=geojson or f=html)")
        }
        var limit = configuration.defaultLimit
        if let text = query["limit"] {
            guard let n = Int(text), n >= 1, n <= configuration.maximumLimit else {
                throw APIError.invalidParameter("limit=\(text) must be a whole number from 1 to \(configuration.maximumLimit)")
            }
            limit = n
        }
        var offset = 0
        if let text = query["offset"] {
            guard let n = Int(text), n >= 0 else { throw APIError.invalidParameter("offset=\(text) must be a whole number ≥ 0") }
            offset = n
        }
        let bbox = try self.bbox(query)
        let outputCRS = try query["crs"].flatMap { try requestedCRS($0, parameter: "crs") }
        if let filter = try self.filter(query, compiler: &compiler) { conditions.append(filter) }
        if let text = query["datetime"] {
            let interval = try Self.datetimeInterval(text)
            // Layers without a temporal field: no feature has temporal information, so every one matches.
            if let field = StoreReader.temporalField(in: fields) {
                conditions.append(StoreSQL.temporal(column: field.name, start: interval.start, end: interval.end))
            }
        }
        let sortBy = try query["sortby"].map { try Self.sortKeys($0, fields: fields) } ?? []
        let selected = try query["properties"].map { try Self.propertyList($0, fields: fields) }
        if let unchanged = notModified(tag, request) { return unchanged }
        let key = try store.identifierField(of: layer.name)
        // The identifying field is read even when not selected: it gives features their ids.
        let columns = selected.map { list in list + (key.map { list.contains($0) ? [] : [$0] } ?? []) }
        let pageQuery = FeatureQuery(bbox: bbox, condition: SQLCondition.all(conditions), sortBy: sortBy, columns: columns, limit: limit, offset: offset)
        // The first batch is read now: when it comes back short the match count is known without a
        // second pass over the selection (the usual case for a bbox page); otherwise it is counted.
        var firstQuery = pageQuery
        firstQuery.limit = min(limit, configuration.streamBatch)
        let first = try store.page(of: layer.name, query: firstQuery)
        let matched = first.count < firstQuery.limit && (!first.isEmpty || offset == 0)
            ? offset + first.count : try store.matchCount(of: layer.name, query: pageQuery)
        let returned = max(0, min(limit, matched - offset))
        let base = self.base(request)
        let carried = ["bbox", "bbox-crs", "crs", "filter", "filter-lang", "filter-crs", "datetime", "sortby", "properties"].compactMap { key in
            query[key].map { "\(key)=\(Self.queryEncoded($0))" }
        } + equal.map { "\(Self.queryEncoded($0.key))=\(Self.queryEncoded($0.value))" }
        let selfQuery = ["limit=\(limit)", "offset=\(offset)"] + carried
        var links = [link(base + "/collections/\(id)/items?" + selfQuery.joined(separator: "&"), "self", "application/geo+json", "this page")]
        if offset + returned < matched {
            let next = ["limit=\(limit)", "offset=\(offset + returned)"] + carried
            links.append(link(base + "/collections/\(id)/items?" + next.joined(separator: "&"), "next", "application/geo+json", "next page"))
        }
        if query["f"] == "html" {
            // The first batch is the whole page when it holds every feature returned.
            let page = first.count == returned ? first : try store.page(of: layer.name, query: pageQuery)
            let features = page.map { identified($0, by: key) }
            return HTMLPages.items(layer: layer.name, features: features, matched: matched, offset: offset, links: links)
        }
        // The head carries the counts and links; features follow in batches read as they are written,
        // so memory stays flat whatever the page size; numberReturned closes the object.
        var head = "{\"type\":\"FeatureCollection\",\"numberMatched\":\(matched),\"timeStamp\":"
        GeoJSON.writeString(Date().formatted(.iso8601), to: &head)
        head += ",\"links\":" + String(decoding: try JSONSerialization.data(withJSONObject: links, options: [.withoutEscapingSlashes]), as: UTF8.self)
        head += ",\"features\":["
        let gzip = Self.acceptsGzip(request)
        var headers: HTTPFields = [.contentType: "application/geo+json", .eTag: tag, .cacheControl: cacheControl, .vary: "Accept-Encoding"]
        headers[contentCRS] = "<\(outputCRS?.uri ?? FeaturesAPI.crs84)>"
        if gzip { headers[.contentEncoding] = "gzip" }
        let store = self.store, layerName = layer.name, batchSize = configuration.streamBatch
        let api = self, start = offset, opening = head
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var out = try BodyStream(gzip: gzip)
            try await out.write(opening, to: &writer)
            var written = 0
            var pending: [Feature]? = first
            while written < returned {
                var features: [Feature]
                if let firstBatch = pending {
                    features = firstBatch
                    pending = nil
                } else {
                    var batch = pageQuery
                    batch.offset = start + written
                    batch.limit = min(batchSize, returned - written)
                    features = try store.page(of: layerName, query: batch)
                }
                if features.isEmpty { break }
                if let outputCRS { features = try api.reproject(features, to: outputCRS) }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(features.count * 400)
                for feature in features {
                    if written > 0 { bytes.append(UInt8(ascii: ",")) }
                    var f = identified(feature, by: key)
                    if let selected { f.properties = selected.compactMap { name in f.properties.first { $0.name == name } } }
                    GeoJSON.write(f, to: &bytes)
                    written += 1
                }
                try await out.write(bytes, to: &writer)
            }
            try await out.write("],\"numberReturned\":\(written)}", to: &writer)
            try await out.finish(&writer)
        })
    }

    /// True when the client accepts gzip (and did not rule it out with q=0).
    static func acceptsGzip(_ request: Request) -> Bool {
        guard let accept = request.headers[.acceptEncoding] else { return false }
        return accept.split(separator: ",").contains { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return pieces.first == "gzip" && !pieces.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
        }
    }

    /// The `bbox` parameter (with `bbox-crs`) as a box in the stored EPSG:4490.
    func bbox(_ query: [String: String]) throws -> Envelope? {
        guard let text = query["bbox"] else {
            if query["bbox-crs"] != nil { throw APIError.invalidParameter("bbox-crs is given without bbox") }
            return nil
        }
        let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 4 || numbers.count == 6, numbers.allSatisfy({ $0?.isFinite ?? false }) else {
            throw APIError.invalidParameter("bbox=\(text) must be 4 or 6 numbers: minLon,minLat,maxLon,maxLat")
        }
        let n = numbers.map { $0! }
        let (x0, y0, x1, y1) = n.count == 4 ? (n[0], n[1], n[2], n[3]) : (n[0], n[1], n[3], n[4])
        guard x0 <= x1, y0 <= y1 else {
            throw APIError.invalidParameter("bbox=\(text): the lower corner must come first")
        }
        if let crsText = query["bbox-crs"], let source = try requestedCRS(crsText, parameter: "bbox-crs") {
            // Corners in the CRS's own axis order; the box's edges are sampled so the stored-CRS box covers it.
            let (ax0, ay0, ax1, ay1) = source.swap ? (y0, x0, y1, x1) : (x0, y0, x1, y1)
            var edge: [Position] = []
            for k in 0...20 {
                let t = Double(k) / 20
                edge += [Position(ax0 + (ax1 - ax0) * t, ay0), Position(ax0 + (ax1 - ax0) * t, ay1),
                         Position(ax0, ay0 + (ay1 - ay0) * t), Position(ax1, ay0 + (ay1 - ay0) * t)]
            }
            do { try Projector(from: source.crs, to: .cgcs2000).transform(&edge) } catch {
                throw APIError.invalidParameter("bbox=\(text) cannot be read in \(source.uri)")
            }
            var env = Envelope.empty
            edge.forEach { env.expand(toInclude: $0) }
            return env
        }
        guard y0 >= -90, y1 <= 90 else { throw APIError.invalidParameter("bbox=\(text): latitudes must be within ±90") }
        return Envelope(minX: x0, minY: y0, maxX: x1, maxY: y1)
    }

    let contentCRS = HTTPField.Name("Content-Crs")!

    func item(_ id: String, featureID: String, request: Request) throws -> Response {
        let layer = try layer(id)
        let base = self.base(request)
        let tag = entityTag(layer, request)
        if let unchanged = notModified(tag, request) { return unchanged }
        let query = request.uri.queryParameters
        for key in query.map({ String($0.key) }) where !["crs", "f"].contains(key) {
            // (f is accepted for symmetry with items; only GeoJSON is served.)
            throw APIError.invalidParameter("unknown query parameter \"\(key)\" (a feature takes crs, f)")
        }
        let outputCRS = try query["crs"].flatMap { try requestedCRS(String($0), parameter: "crs") }
        guard var feature = try store.feature(of: layer.name, id: featureID) else {
            throw APIError.notFound("no feature \"\(featureID)\" in collection \"\(id)\"")
        }
        if let outputCRS { feature = try reproject([feature], to: outputCRS)[0] }
        var body = ""
        GeoJSON.write(identified(feature, by: try store.identifierField(of: layer.name)), to: &body)
        body.removeLast()
        body += ",\"links\":" + String(decoding: try JSONSerialization.data(withJSONObject: [
            link(base + "/collections/\(id)/items/\(featureID)", "self", "application/geo+json", "this feature"),
            link(base + "/collections/\(id)", "collection", "application/json", "its collection"),
        ], options: [.withoutEscapingSlashes]), as: UTF8.self) + "}"
        var headers: HTTPFields = [.contentType: "application/geo+json", .eTag: tag, .cacheControl: cacheControl]
        headers[contentCRS] = "<\(outputCRS?.uri ?? FeaturesAPI.crs84)>"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The feature with its identifying field's value as its id (the row id when the layer has none).
func identified(_ feature: Feature, by key: String?) -> Feature {
    guard let key, let value = feature[key], value != .null else { return feature }
    var f = feature
    f.id = value
    return f
}

func link(_ href: String, _ rel: String, _ type: String, _ title: String) -> [String: String] {
    ["href": href, "rel": rel, "type": type, "title": title]
}

func json(_ object: Any) throws -> Response {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// The application: the Features API on a router, served at the configured address.
public func buildApplication(store: StoreReader, configuration: ServerConfiguration, logger: Logger) -> some ApplicationProtocol {
    let router = Router()
    router.middlewares.add(LogRequestsMiddleware(.info))
    router.middlewares.add(RequestLimitMiddleware(maximumTarget: configuration.maximumRequestTarget))
    router.middlewares.add(CORSMiddleware(allowOrigin: .all, allowHeaders: [.ifNoneMatch, .accept], allowMethods: [.get, .head, .options]))
    FeaturesAPI(store: store, configuration: configuration, logger: logger).addRoutes(to: router)
    StylesAPI(store: store, configuration: configuration, logger: logger).addRoutes(to: router)
    return Application(router: router, server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeout)))),
                       configuration: .init(address: .hostname(configuration.host, port: configuration.port)), logger: logger)
}

/// Refuses request targets longer than the limit with 414 before any routing.
struct RequestLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let maximumTarget: Int
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let length = request.head.path?.utf8.count ?? 0
        guard length <= maximumTarget else {
            return APIError(status: .uriTooLong, code: "RequestTooLarge",
                            description: "the request target is \(length) bytes; at most \(maximumTarget) are accepted").response
        }
        return try await next(request, context)
    }
}
