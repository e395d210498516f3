import Foundation
import GeoKernel
import HTTPTypes
import Hummingbird
import NIOPosix
import Logging
import GeoStore
import OGCFeatures

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
    public var maximumLogicDepth = FeaturesLimits().maximumLogicDepth
    /// The most values one IN list of a filter may hold.
    public var maximumInListItems = 1_000
    /// The largest layer held in memory to answer pages of a box (the usual web-map request) without
    /// reading the store, in features; 0 holds none. A held layer costs about 1 KB a feature.
    public var maximumHeldFeatures = FeaturesLimits().maximumHeldFeatures
    /// The most bytes of whole answers (pages of a box served from held layers) kept for identical
    /// requests at the same store version; 0 keeps none.
    public var answerCacheBytes = 64 << 20
    /// Whether every request is logged (method, path, request id) at info level. Off by default: a
    /// line per request written to standard error costs a busy server about a sixth of its throughput.
    public var logsRequests = false
    public init() {}

    /// The settings the web-free service takes.
    var limits: FeaturesLimits {
        var l = FeaturesLimits()
        l.defaultLimit = defaultLimit; l.maximumLimit = maximumLimit; l.streamBatch = streamBatch
        l.maximumFilterLength = maximumFilterLength; l.maximumFilterDepth = maximumFilterDepth
        l.maximumLogicDepth = maximumLogicDepth; l.maximumInListItems = maximumInListItems
        l.maximumHeldFeatures = maximumHeldFeatures
        return l
    }
}

/// OGC API – Features (Parts 1–3) over HTTP: each handler reads the request into values, asks the
/// web-free `FeaturesService` on a snapshot thread (never blocking the event loop), and writes the
/// answer — status, headers, entity tags, gzip, streaming. Every layer in the store is a collection.
public struct FeaturesAPI: ServedAPI {
    let service: FeaturesService
    let configuration: ServerConfiguration
    let logger: Logger

    /// Whole answers of pages served from memory, for identical requests (`answerCacheBytes`).
    let answers: AnswerCache

    public init(store: any FeatureReading, configuration: ServerConfiguration = .init(), logger: Logger = Logger(label: "renewalgis.serve")) {
        self.service = FeaturesService(store: store, limits: configuration.limits)
        self.configuration = configuration; self.logger = logger
        answers = AnswerCache(budget: configuration.answerCacheBytes)
    }

    /// Loads `layer` into memory now (it is otherwise loaded the first time a page of a box asks for
    /// it): false when it is larger than `maximumHeldFeatures` or unknown. Blocks while it reads.
    @discardableResult
    public func hold(_ layer: String) throws -> Bool { try service.held.load(layer, from: service.store) }

    /// Starts loading every layer small enough into memory, one after another on a thread of its own,
    /// logging each (`HeldLayers.warmUp`).
    public func warmUp() {
        let (held, store, logger) = (service.held, service.store, logger)
        Thread.detachNewThread {
            let started = Date()
            var count = 0
            held.warmUp(from: store) { record, seconds in
                count += 1
                logger.info("holding \(record.name) in memory for pages of a box: \(record.featureCount) features, loaded in \(String(format: "%.2f", seconds)) s")
            }
            logger.info("warm-up done: \(count) layers held in memory in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
    }

    /// Items requests answered from a layer held in memory so far.
    public var pagesFromMemory: Int { service.held.pagesAnswered }
    /// Pages answered from a kept whole answer, pages that were not, and the bytes kept.
    public var keptAnswers: (hits: Int, misses: Int, bytes: Int) { answers.statistics }

    /// The routes, on a router the caller owns. Every GET route also answers HEAD (the same status and
    /// headers, no body).
    public func addRoutes(to router: Router<BasicRequestContext>) {
        route(router, "/") { request, _ in
            await self.respond(request) { try json(self.service.landing(base: self.base(request), more: StylesAPI.landingLinks(base: self.base(request)) + TilesAPI.landingLinks(base: self.base(request)))) }
        }
        route(router, "/conformance") { request, _ in await self.respond(request) { try json(self.service.conformance()) } }
        route(router, "/api") { request, _ in
            await self.respond(request) {
                let (service, base, limit) = (self.service, self.base(request), self.configuration.maximumRequestTarget)
                var r = try json(try await SnapshotThreads.run {
                    try service.openAPI(base: base, requestTargetLimit: limit, more: StylesOpenAPI.paths.merging(TilesOpenAPI.paths) { a, _ in a })
                })
                r.headers[.contentType] = FeaturesService.openAPIMediaType
                return r
            }
        }
        route(router, "/service-doc") { request, _ in await self.respond(request) { ServiceDocPage.response(base: self.base(request), configuration: self.configuration) } }
        route(router, "/collections") { request, _ in
            await self.respond(request) {
                let (service, base) = (self.service, self.base(request))
                return try json(try await SnapshotThreads.run { try service.collections(base: base) })
            }
        }
        route(router, "/collections/:id") { request, context in
            await self.respond(request) {
                let (service, base, id) = (self.service, self.base(request), context.parameters.get("id") ?? "")
                return try json(try await SnapshotThreads.run { try service.collection(id, base: base) })
            }
        }
        route(router, "/collections/:id/queryables") { request, context in
            await self.respond(request) {
                let (service, base, id) = (self.service, self.base(request), context.parameters.get("id") ?? "")
                var r = try json(try await SnapshotThreads.run { try service.queryables(id, base: base) })
                r.headers[.contentType] = "application/schema+json"
                return r
            }
        }
        route(router, "/collections/:id/items") { request, context in
            await self.respond(request) { try await self.items(context.parameters.get("id") ?? "", request: request) }
        }
        route(router, "/collections/:id/items/:featureId") { request, context in
            await self.respond(request) {
                try await self.item(context.parameters.get("id") ?? "", featureID: context.parameters.get("featureId") ?? "", request: request)
            }
        }
    }

    /// 304 when the client already holds this version.
    let cacheControl = revalidatedCacheControl

    /// /collections/{id}/items: the whole answer — catalogue entry, fields, ETag, count and every
    /// feature of the page — is read in one snapshot of the store, on a thread of its own that holds the
    /// read transaction while the page is written to the client batch by batch (memory stays flat
    /// whatever the page size, and a layer replaced meanwhile is never mixed in).
    func items(_ id: String, request: Request) async throws -> Response {
        let parameters = try QueryParameters(raw: request.uri.query ?? "")
        if let held = await service.heldSnapshot(id, parameters: parameters) {
            // From memory: the answer kept from an identical request at this content version, else the
            // page read from the held copy and written whole (then kept).
            let base = base(request), target = "\(request.uri)", head = request.method == .head
            let key = AnswerCache.key(version: held.contentVersion, base: base, target: target, gzip: Self.acceptsGzip(request))
            if let kept = answers.answer(for: key) {
                if let tag = kept.headers[.eTag], let unchanged = notModified(tag, request, cacheControl: cacheControl) { return unchanged }
                return kept.response(head: head)
            }
            let plan = try service.items(id, parameters: parameters, base: base, target: target, in: held)
            let page = WholePage(head: head)
            try answer(plan, request: request, output: page)
            let (response, whole) = try page.finished()
            if let whole, whole.status == .ok { answers.keep(whole, for: key) }
            return response
        }
        let channel = PageChannel(stallTimeout: Double(configuration.idleTimeout))
        let api = self
        // On a thread of the snapshot pool, never on GCD's global queue: on Linux that queue runs as
        // many blocking items at once as there are cores, so with 16 clients most pages waited there
        // for seconds (M: ~200 requests/s with timeouts instead of ~1,700).
        SnapshotThreads.pool.submit { _ in
            do {
                try api.service.store.withSnapshot { snapshot in
                    let plan = try api.service.items(id, parameters: parameters, base: api.base(request), target: "\(request.uri)", in: snapshot)
                    try api.answer(plan, request: request, output: channel)
                }
                channel.finish(nil)
            } catch {
                channel.finish(error)
            }
        }
        return try await channel.response()
    }

    /// The items answer inside its snapshot: hands the response to `output`, then (for a GET) the
    /// page's chunks.
    func answer(_ plan: ItemsPlan, request: Request, output channel: some PageOutput) throws {
        let tag = weakTag(plan.version.utf8)
        if let unchanged = notModified(tag, request, cacheControl: cacheControl) { channel.respond(unchanged); return }
        let page = try plan.read()
        if plan.wantsHTML {
            channel.respond(HTMLPages.items(layer: plan.layer.name, features: try page.features(), matched: page.numberMatched,
                                            offset: page.offset, links: page.links))
            return
        }
        let gzip = Self.acceptsGzip(request)
        var headers: HTTPFields = [.contentType: "application/geo+json", .eTag: tag, .cacheControl: cacheControl, .vary: "Accept-Encoding"]
        headers[contentCRS] = "<\(plan.crs)>"
        if gzip { headers[.contentEncoding] = "gzip" }
        if request.method == .head, !channel.measuresWholeBody {
            channel.respond(Response(status: .ok, headers: headers, body: ResponseBody { writer in try await writer.finish(nil) }))
            return
        }
        channel.respond(Response(status: .ok, headers: headers, body: channel.body(gzip: gzip)))
        try page.writeGeoJSON(to: channel.put)
    }

    /// True when the client accepts gzip (and did not rule it out with q=0).
    static func acceptsGzip(_ request: Request) -> Bool {
        guard let accept = request.headers[.acceptEncoding] else { return false }
        return accept.split(separator: ",").contains { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return pieces.first == "gzip" && !pieces.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
        }
    }

    let contentCRS = HTTPField.Name("Content-Crs")!

    func item(_ id: String, featureID: String, request: Request) async throws -> Response {
        let parameters = try QueryParameters(raw: request.uri.query ?? "")
        let (service, base) = (self.service, self.base(request))
        let answer = try await SnapshotThreads.run { try service.feature(id, featureID: featureID, parameters: parameters, base: base) }
        let tag = weakTag(answer.version)
        if let unchanged = notModified(tag, request, cacheControl: cacheControl) { return unchanged }
        var headers: HTTPFields = [.contentType: "application/geo+json", .eTag: tag, .cacheControl: cacheControl]
        headers[contentCRS] = "<\(answer.crs)>"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }
}

/// Answers that change with the store: cached for a minute, then revalidated with their ETag.
let revalidatedCacheControl = "public, max-age=60, must-revalidate"

/// 304 Not Modified (with the tag and `cacheControl`) when the request's If-None-Match holds `tag` or
/// `*`; nil otherwise.
func notModified(_ tag: String, _ request: Request, cacheControl: String) -> Response? {
    guard let held = request.headers[.ifNoneMatch],
          held.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag || $0 == "*" }) else { return nil }
    return Response(status: .notModified, headers: [.eTag: tag, .cacheControl: cacheControl])
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

/// A document as a JSON response (keys sorted, slashes not escaped).
func json(_ document: some Encodable) throws -> Response {
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try DocumentEncoder.encode(document))))
}

/// The application: the Features API on a router, served at the configured address.
public func buildApplication(store: any FeatureReading, configuration: ServerConfiguration, logger: Logger) -> some ApplicationProtocol {
    let router = Router()
    if configuration.logsRequests { router.middlewares.add(LogRequestsMiddleware(.info)) }
    router.middlewares.add(RequestLimitMiddleware(maximumTarget: configuration.maximumRequestTarget))
    router.middlewares.add(MethodMiddleware())
    router.middlewares.add(CORSMiddleware(allowOrigin: .all, allowHeaders: [.ifNoneMatch, .accept], allowMethods: [.get, .head, .options]))
    let features = FeaturesAPI(store: store, configuration: configuration, logger: logger)
    features.addRoutes(to: router)
    features.warmUp()
    StylesAPI(store: store, configuration: configuration, logger: logger).addRoutes(to: router)
    TilesAPI(store: store, configuration: configuration, logger: logger).addRoutes(to: router)
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
        "/tileMatrixSets", "/tileMatrixSets/*", "/collections/*/tiles", "/collections/*/tiles/*", "/collections/*/tiles/*/*/*/*",
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
