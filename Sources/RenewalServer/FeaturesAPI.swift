import Foundation
import GeoKernel
import HTTPTypes
import Hummingbird
import NIOPosix
import Logging
import CQL2
import GeoStore

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
    /// The largest page: a larger `limit` is served as this many (OGC API – Features Part 1, 7.15.4).
    public var maximumLimit = 10_000
    /// Features read from the store and written to the client at a time in a streamed page.
    public var streamBatch = 500
    /// The longest request target (path and query) accepted, bytes; longer ones answer 414 with a JSON
    /// body. The HTTP parser reads request heads up to four times this size; a head longer than that
    /// is refused by the parser itself (400 without a body, connection closed).
    public var maximumRequestTarget = 256 * 1024
    /// A connection idle this long (seconds) is closed: slow or stalled clients do not hold it.
    public var idleTimeout = 30
    /// How long one store query may run (seconds) before it is stopped with a 503.
    public var queryTimeLimit = 10.0
    /// The longest `filter` accepted, in bytes once percent-decoded (64 KiB); longer ones answer 400.
    public var maximumFilterLength = 65_536
    /// How deeply a filter may nest parentheses, NOT, operators (JSON) and geometry collections (checked while parsing).
    public var maximumFilterDepth = 64
    /// How deeply a filter's logic may nest — NOT, and AND/OR inside one another — checked on the parsed
    /// filter before any SQL is built. SQLite's parser bounds it: the SQL of deeper logic overflows its
    /// parser stack, so this stays below what it handles (see FilterCompiler.maximumLogicDepth).
    public var maximumLogicDepth = FilterCompiler.maximumLogicDepth
    /// The most values one IN list of a filter may hold.
    public var maximumInListItems = 1_000
    public init() {}
}

/// OGC API – Features, Part 1 (Core, GeoJSON): landing page, conformance, collections, items, item.
/// Handlers parse and validate, ask the store, and encode; every layer in the store is a collection.
public struct FeaturesAPI: ServedAPI {
    let store: any FeatureReading
    let configuration: ServerConfiguration
    let logger: Logger

    public init(store: any FeatureReading, configuration: ServerConfiguration = .init(), logger: Logger = Logger(label: "renewalgis.serve")) {
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

    /// The routes, on a router the caller owns. Every GET route also answers HEAD (the same status and
    /// headers, no body).
    public func addRoutes(to router: Router<BasicRequestContext>) {
        route(router, "/") { request, _ in await self.respond(request) { try self.landing(base: self.base(request)) } }
        route(router, "/conformance") { request, _ in await self.respond(request) { try json(["conformsTo": FeaturesAPI.conformance]) } }
        route(router, "/api") { request, _ in
            await self.respond(request) {
                var r = try json(try self.store.withSnapshot { snapshot in
                    try OpenAPIDocument.document(base: self.base(request), configuration: self.configuration,
                                                 collections: try snapshot.layers().map { (name: $0.name, fields: try snapshot.fields(of: $0.name)) })
                })
                r.headers[.contentType] = OpenAPIDocument.mediaType
                return r
            }
        }
        route(router, "/service-doc") { request, _ in await self.respond(request) { ServiceDocPage.response(base: self.base(request), configuration: self.configuration) } }
        route(router, "/collections") { request, _ in await self.respond(request) { try self.collections(base: self.base(request)) } }
        route(router, "/collections/:id") { request, context in
            await self.respond(request) { try self.collection(context.parameters.get("id") ?? "", base: self.base(request)) }
        }
        route(router, "/collections/:id/queryables") { request, context in
            await self.respond(request) { try self.queryables(context.parameters.get("id") ?? "", base: self.base(request)) }
        }
        route(router, "/collections/:id/items") { request, context in
            await self.respond(request) { try await self.items(context.parameters.get("id") ?? "", request: request) }
        }
        route(router, "/collections/:id/items/:featureId") { request, context in
            await self.respond(request) {
                try self.item(context.parameters.get("id") ?? "", featureID: context.parameters.get("featureId") ?? "", request: request)
            }
        }
    }

    func landing(base: String) throws -> Response {
        try json([
            "title": "RenewalGIS",
            "description": "Planning layers and analysis results of a RenewalGIS store, as OGC API – Features",
            "links": [
                link(base + "/", "self", "application/json", "this document"),
                link(base + "/api", "service-desc", OpenAPIDocument.mediaType, "the API definition"),
                link(base + "/service-doc", "service-doc", "text/html", "the API documentation, for people"),
                link(base + "/conformance", "conformance", "application/json", "conformance classes"),
                link(base + "/collections", "data", "application/json", "the store's layers"),
            ] + StylesAPI.landingLinks(base: base),
        ])
    }

    func collectionJSON(_ layer: LayerRecord, base: String, snapshot: any FeatureSnapshot) throws -> [String: Any] {
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
        if let time = try snapshot.temporalExtent(of: layer.name) {
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
        try json(try store.withSnapshot { snapshot in
            ["links": [link(base + "/collections", "self", "application/json", "collections")],
             "collections": try snapshot.layers().map { try collectionJSON($0, base: base, snapshot: snapshot) }]
        })
    }

    func layer(_ id: String, in snapshot: any FeatureSnapshot) throws -> LayerRecord {
        guard let layer = try snapshot.layer(id) else { throw APIError.notFound("no collection \"\(id)\"") }
        return layer
    }

    func collection(_ id: String, base: String) throws -> Response {
        try json(try store.withSnapshot { try collectionJSON(try layer(id, in: $0), base: base, snapshot: $0) })
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
        try features.map { feature in
            var f = feature
            if let g = try f.geometry?.transformed(from: .cgcs2000, to: target.crs) {
                f.geometry = target.swap ? g.swappingAxes() : g
            }
            return f
        }
    }

    /// A weak entity tag for what a request reads of a layer: a hash of the request target, the layer's
    /// catalogue entry and the store's schema version, read in the response's snapshot. Every layer
    /// write drops and creates tables, which changes the schema version, so the tag changes whenever
    /// content changes (and sometimes when another layer's does).
    func entityTag(_ layer: LayerRecord, _ request: Request, snapshot: any FeatureSnapshot) -> String {
        weakTag("\(request.uri)|\(layer)|\(snapshot.contentVersion)".utf8)
    }

    /// 304 when the client already holds this version.
    func notModified(_ tag: String, _ request: Request) -> Response? {
        guard let held = request.headers[.ifNoneMatch], held.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag || $0 == "*" }) else { return nil }
        return Response(status: .notModified, headers: [.eTag: tag, .cacheControl: cacheControl])
    }

    let cacheControl = "public, max-age=60, must-revalidate"

    /// /collections/{id}/items: the whole answer — catalogue entry, fields, ETag, count and every
    /// feature of the page — is read in one snapshot of the store, on a thread of its own that holds the
    /// read transaction while the page is written to the client batch by batch (memory stays flat
    /// whatever the page size, and a layer replaced meanwhile is never mixed in).
    func items(_ id: String, request: Request) async throws -> Response {
        let query = try QueryString(request)
        let channel = PageChannel(stallTimeout: Double(configuration.idleTimeout))
        let api = self
        // On a thread of the snapshot pool, never on GCD's global queue: on Linux that queue runs as
        // many blocking items at once as there are cores, so with 16 clients most pages waited there
        // for seconds (M: ~200 requests/s with timeouts instead of ~1,700).
        SnapshotThreads.pool.submit { _ in
            do {
                try api.store.withSnapshot { snapshot in
                    try api.items(id, query: query, request: request, snapshot: snapshot, channel: channel)
                }
                channel.finish(nil)
            } catch {
                channel.finish(error)
            }
        }
        return try await channel.response()
    }

    /// The items answer inside a snapshot: hands the response to `channel`, then (for a streamed GET)
    /// the page's chunks.
    func items(_ id: String, query form: QueryString, request: Request, snapshot: any FeatureSnapshot, channel: PageChannel) throws {
        let layer = try layer(id, in: snapshot)
        let tag = entityTag(layer, request, snapshot: snapshot)
        var query: [String: String] = [:]
        for (key, value) in form.pairs where query[key] == nil { query[key] = value }
        // Property filters: a query parameter named after an attribute selects features whose value equals it.
        let others = form.pairs.filter { !Self.itemParameters.contains($0.name) }
        let needsFields = !others.isEmpty || ["filter", "datetime", "sortby", "properties"].contains { query[$0] != nil }
        let fields = needsFields ? try snapshot.fields(of: layer.name) : []
        var compiler = FilterCompiler(layer: layer.name, fields: fields)
        compiler.maximumLogicDepth = configuration.maximumLogicDepth
        var predicates: [FeaturePredicate] = []
        var equal: [(key: String, value: String)] = []
        for (key, value) in others {
            guard let field = fields.first(where: { $0.name == key }) else {
                throw APIError.invalidParameter("unknown query parameter \"\(key)\" (this server takes \(Self.itemParameterList), and the properties of \(layer.name): \(fields.map(\.name).sorted().joined(separator: ", ")))")
            }
            equal.append((key, value))
            predicates.append(try compiler.compile(.comparison(.equal, .property(key), Self.literal(value, for: field))))
        }
        if let f = query["f"], !["json", "geojson", "html"].contains(f) {
            throw APIError.invalidParameter("f=\(f) is not served (use f=json, f=geojson or f=html)")
        }
        var limit = configuration.defaultLimit
        if let text = query["limit"] {
            // A whole number too large for Int is still a request for the largest page.
            let digits = !text.isEmpty && text.utf8.allSatisfy { (48...57).contains($0) }
            guard let n = Int(text) ?? (digits ? Int.max : nil), n >= 1 else {
                throw APIError.invalidParameter("limit=\(text) must be a whole number of at least 1 (pages hold at most \(configuration.maximumLimit) features; a larger limit is served as \(configuration.maximumLimit))")
            }
            limit = min(n, configuration.maximumLimit)
        }
        var offset = 0
        if let text = query["offset"] {
            guard let n = Int(text), n >= 0 else { throw APIError.invalidParameter("offset=\(text) must be a whole number ≥ 0") }
            offset = n
        }
        let boxes = try self.boxes(query)
        let outputCRS = try query["crs"].flatMap { try requestedCRS($0, parameter: "crs") }
        if let filter = try self.filter(query, compiler: &compiler, snapshot: snapshot, layer: layer.name) { predicates.append(filter) }
        if let text = query["datetime"] {
            let interval = try Self.datetimeInterval(text)
            // Layers without a temporal field: no feature has temporal information, so every one matches.
            if let field = TemporalExtent.field(in: fields) {
                predicates.append(.temporal(field: field.name, start: interval.start, end: interval.end))
            }
        }
        let sortBy = try query["sortby"].map { try Self.sortKeys($0, fields: fields) } ?? []
        let selected = try query["properties"].map { try Self.propertyList($0, fields: fields) }
        if let unchanged = notModified(tag, request) { channel.respond(unchanged); return }
        let key = try snapshot.identifierField(of: layer.name)
        // The identifying field is read even when not selected: it gives features their ids.
        let columns = selected.map { list in list + (key.map { list.contains($0) ? [] : [$0] } ?? []) }
        let pageQuery = FeatureQuery(boxes: boxes, predicates: predicates, sortBy: sortBy, columns: columns, limit: limit, offset: offset)
        // The first batch is read now: when it comes back short the match count is known without a
        // second pass over the selection (the usual case for a bbox page); otherwise it is counted.
        var firstQuery = pageQuery
        firstQuery.limit = min(limit, configuration.streamBatch)
        let first = try snapshot.page(of: layer.name, query: firstQuery)
        let matched = first.count < firstQuery.limit && (!first.isEmpty || offset == 0)
            ? offset + first.count : try snapshot.matchCount(of: layer.name, query: pageQuery)
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
            let page = first.count == returned ? first : try snapshot.page(of: layer.name, query: pageQuery)
            let features = page.map { identified($0, by: key) }
            channel.respond(HTMLPages.items(layer: layer.name, features: features, matched: matched, offset: offset, links: links))
            return
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
        if request.method == .head {
            channel.respond(Response(status: .ok, headers: headers, body: ResponseBody { writer in try await writer.finish(nil) }))
            return
        }
        channel.respond(Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // However the writing ends, the snapshot thread stops waiting for it.
            defer { channel.abandon() }
            var out = try BodyStream(gzip: gzip)
            while let chunk = try await channel.next() { try await out.write(chunk, to: &writer) }
            try await out.finish(&writer)
        }))
        try channel.put(Array(head.utf8))
        var written = 0
        var pending: [Feature]? = first
        while written < returned {
            var features: [Feature]
            if let firstBatch = pending {
                features = firstBatch
                pending = nil
            } else {
                var batch = pageQuery
                batch.offset = offset + written
                batch.limit = min(configuration.streamBatch, returned - written)
                features = try snapshot.page(of: layer.name, query: batch)
            }
            if features.isEmpty { break }
            if let outputCRS { features = try reproject(features, to: outputCRS) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(features.count * 400)
            for feature in features {
                if written > 0 { bytes.append(UInt8(ascii: ",")) }
                var f = identified(feature, by: key)
                if let selected { f.properties = selected.compactMap { name in f.properties.first { $0.name == name } } }
                GeoJSON.write(f, to: &bytes)
                written += 1
            }
            try channel.put(bytes)
        }
        try channel.put(Array("],\"numberReturned\":\(written)}".utf8))
    }

    /// True when the client accepts gzip (and did not rule it out with q=0).
    static func acceptsGzip(_ request: Request) -> Bool {
        guard let accept = request.headers[.acceptEncoding] else { return false }
        return accept.split(separator: ",").contains { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return pieces.first == "gzip" && !pieces.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
        }
    }

    /// The `bbox` parameter (with `bbox-crs`) as boxes in the stored EPSG:4490: one box, or two when
    /// a box in a geographic CRS crosses the antimeridian (its west edge east of its east edge, as
    /// OGC API – Features Part 1 allows): from the west edge to 180° and from −180° to the east edge.
    func boxes(_ query: [String: String]) throws -> [Envelope] {
        guard let text = query["bbox"] else {
            if query["bbox-crs"] != nil { throw APIError.invalidParameter("bbox-crs is given without bbox") }
            return []
        }
        let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 4 || numbers.count == 6, numbers.allSatisfy({ $0?.isFinite ?? false }) else {
            throw APIError.invalidParameter("bbox=\(text) must be 4 or 6 numbers: minLon,minLat,maxLon,maxLat")
        }
        let n = numbers.map { $0! }
        let (x0, y0, x1, y1) = n.count == 4 ? (n[0], n[1], n[2], n[3]) : (n[0], n[1], n[3], n[4])
        let source = try query["bbox-crs"].flatMap { try requestedCRS($0, parameter: "bbox-crs") }
        // Corners in the CRS's own axis order, read as (east, north).
        let (ax0, ay0, ax1, ay1) = source?.swap == true ? (y0, x0, y1, x1) : (x0, y0, x1, y1)
        let geographic = source.map { ["4490", "4326"].contains($0.uri.split(separator: "/").last ?? "") } ?? true
        guard ay0 <= ay1 else { throw APIError.invalidParameter("bbox=\(text): the lower corner must come first (its latitude or northing is above the upper corner's)") }
        if geographic {
            guard ay0 >= -90, ay1 <= 90 else { throw APIError.invalidParameter("bbox=\(text): latitudes must be within ±90") }
        }
        var spans = [(ax0, ax1)]
        if ax0 > ax1 {
            guard geographic else { throw APIError.invalidParameter("bbox=\(text): the lower corner must come first") }
            guard ax0 <= 180, ax1 >= -180 else {
                throw APIError.invalidParameter("bbox=\(text) crosses the antimeridian with a longitude outside ±180")
            }
            spans = [(ax0, 180), (-180, ax1)]
        }
        guard let source else { return spans.map { Envelope(minX: $0.0, minY: ay0, maxX: $0.1, maxY: ay1) } }
        return try spans.map { (west, east) in
            // The box's edges are sampled so the stored-CRS box covers it.
            do { return try Envelope(minX: west, minY: ay0, maxX: east, maxY: ay1).transformed(from: source.crs, to: .cgcs2000) } catch {
                throw APIError.invalidParameter("bbox=\(text) cannot be read in \(source.uri)")
            }
        }
    }

    let contentCRS = HTTPField.Name("Content-Crs")!

    func item(_ id: String, featureID: String, request: Request) throws -> Response {
        let base = self.base(request)
        let query = try QueryString(request)
        for key in query.names where !["crs", "f"].contains(key) {
            // (f is accepted for symmetry with items; only GeoJSON is served for a feature.)
            throw APIError.invalidParameter("unknown query parameter \"\(key)\" (a feature takes crs, f)")
        }
        if let f = query["f"], !["json", "geojson"].contains(f) {
            throw APIError.invalidParameter("f=\(f) is not served for a feature (use f=json or f=geojson)")
        }
        let outputCRS = try query["crs"].flatMap { try requestedCRS($0, parameter: "crs") }
        var body = try store.withSnapshot { snapshot -> String in
            let layer = try layer(id, in: snapshot)
            guard var feature = try snapshot.feature(of: layer.name, id: featureID) else {
                throw APIError.notFound("no feature \"\(featureID)\" in collection \"\(id)\"")
            }
            if let outputCRS { feature = try reproject([feature], to: outputCRS)[0] }
            var body = ""
            GeoJSON.write(identified(feature, by: try snapshot.identifierField(of: layer.name)), to: &body)
            return body
        }
        // The tag hashes the feature as written, so it changes exactly when the feature does.
        let tag = weakTag(Array(body.utf8) + Array((outputCRS?.uri ?? "").utf8))
        if let unchanged = notModified(tag, request) { return unchanged }
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

/// A weak entity tag: a 64-bit FNV-1a hash of `bytes`.
func weakTag(_ bytes: some Sequence<UInt8>) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    return "W/\"\(String(hash, radix: 16))\""
}

/// Registers `handler` for GET and HEAD at `path`; HEAD answers GET's status and headers without the body.
func route(_ router: Router<BasicRequestContext>, _ path: RouterPath,
           _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response) {
    router.get(path, use: handler)
    router.head(path) { request, context in
        let full = try await handler(request, context)
        // An empty body of unknown length keeps GET's Content-Length (or its chunked framing).
        return Response(status: full.status, headers: full.headers, body: ResponseBody { writer in try await writer.finish(nil) })
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
public func buildApplication(store: any FeatureReading, configuration: ServerConfiguration, logger: Logger) -> some ApplicationProtocol {
    let router = Router()
    router.middlewares.add(LogRequestsMiddleware(.info))
    router.middlewares.add(RequestLimitMiddleware(maximumTarget: configuration.maximumRequestTarget))
    router.middlewares.add(MethodMiddleware())
    router.middlewares.add(CORSMiddleware(allowOrigin: .all, allowHeaders: [.ifNoneMatch, .accept], allowMethods: [.get, .head, .options]))
    FeaturesAPI(store: store, configuration: configuration, logger: logger).addRoutes(to: router)
    StylesAPI(store: store, configuration: configuration, logger: logger).addRoutes(to: router)
    // The HTTP parser reads request heads well past the target limit, so an over-long target reaches
    // RequestLimitMiddleware and gets its documented 414 with a body.
    let head = max(80 * 1024, configuration.maximumRequestTarget * 4)
    return Application(router: router,
                       server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeout)),
                                                           httpDecoderConfiguration: .init(maxHeaderFieldSize: head, maxHeaderListSize: head + 64 * 1024))),
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

/// The served paths, for MethodMiddleware.
enum ServedPaths {
    /// As components; `*` matches any one component.
    static let patterns: [[Substring]] = [
        "/", "/conformance", "/api", "/service-doc", "/collections", "/collections/*", "/collections/*/queryables",
        "/collections/*/items", "/collections/*/items/*", "/styles", "/styles/*", "/assets/*", "/map",
    ].map { $0.split(separator: "/") }

    static func contains(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        return patterns.contains { p in p.count == parts.count && zip(p, parts).allSatisfy { $0 == "*" || $0 == $1 } }
    }
}

/// Everything served is read-only: a method other than GET, HEAD or OPTIONS (CORS) on a served path
/// answers 405 with `Allow`; on any other path 404.
struct MethodMiddleware<Context: RequestContext>: RouterMiddleware {
    static func isServed(_ path: String) -> Bool { ServedPaths.contains(path) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch request.method {
        case .get, .head, .options: return try await next(request, context)
        default:
            guard Self.isServed(request.uri.path) else {
                return APIError.notFound("nothing is served at \(request.uri.path)").response
            }
            var response = APIError(status: .methodNotAllowed, code: "MethodNotAllowed",
                                    description: "\(request.method) is not allowed: this API is read-only (GET and HEAD)").response
            response.headers[.allow] = "GET, HEAD"
            return response
        }
    }
}
