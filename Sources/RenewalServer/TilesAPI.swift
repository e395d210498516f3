import Foundation
import HTTPTypes
import Hummingbird
import Logging
import GeoStore
import OGCFeatures

/// OGC API – Tiles over HTTP (the web-free `TilesService` does the work, on a snapshot thread):
///
/// - `GET /tileMatrixSets`, `/tileMatrixSets/WebMercatorQuad`: the tile matrix set;
/// - `GET /collections/{id}/tiles`: the collection's tilesets; `…/tiles/WebMercatorQuad`: the tileset's
///   metadata (`?f=tilejson`: as TileJSON 3.0.0, for MapLibre's vector sources; `properties=a,b`:
///   the tiles it points at carry those attributes and the identifying field only);
/// - `GET /collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`: a Mapbox Vector
///   Tile (`properties=a,b`: those attributes and the identifying field only, as a style needs them),
///   gzip-compressed when the client accepts gzip; 204 without a body when no feature meets
///   the tile; an ETag from the store's content version.
public struct TilesAPI: ServedAPI {
    let service: TilesService
    let configuration: ServerConfiguration
    let logger: Logger

    public init(store: any FeatureReading, configuration: ServerConfiguration = .init(), logger: Logger = Logger(label: "renewalgis.serve")) {
        service = TilesService(store: store); self.configuration = configuration; self.logger = logger
    }

    let cacheControl = revalidatedCacheControl

    public func addRoutes(to router: Router<BasicRequestContext>) {
        route(router, "/tileMatrixSets") { request, _ in
            await self.respond(request) { try json(self.service.tileMatrixSets(base: self.base(request))) }
        }
        route(router, "/tileMatrixSets/:tms") { request, context in
            await self.respond(request) { try json(self.service.tileMatrixSet(context.parameters.get("tms") ?? "", base: self.base(request))) }
        }
        route(router, "/collections/:id/tiles") { request, context in
            await self.respond(request) {
                let (service, base, id) = (self.service, self.base(request), context.parameters.get("id") ?? "")
                return try json(try await SnapshotThreads.run { try service.tilesets(id, base: base) })
            }
        }
        route(router, "/collections/:id/tiles/:tms") { request, context in
            await self.respond(request) {
                let (service, base) = (self.service, self.base(request))
                let (id, tms) = (context.parameters.get("id") ?? "", context.parameters.get("tms") ?? "")
                let parameters = try QueryParameters(raw: request.uri.query ?? "")
                for name in parameters.names where name != "f" && name != "properties" {
                    throw RequestError.invalidParameter("unknown query parameter \"\(name)\" (a tileset takes f=json or f=tilejson, and properties=a,b)")
                }
                let properties = parameters["properties"]
                switch parameters["f"] {
                case nil, "json": return try json(try await SnapshotThreads.run { try service.tileset(id, matrixSet: tms, base: base, properties: properties) })
                case "tilejson":
                    return try json(try await SnapshotThreads.run { () throws -> TileJSON in
                        try TilesService.checkMatrixSet(tms)
                        return try service.tileJSON(id, base: base, properties: properties)
                    })
                case let f?: throw RequestError.invalidParameter("f=\(f) is not served for a tileset (use f=json or f=tilejson)")
                }
            }
        }
        route(router, "/collections/:id/tiles/:tms/:z/:y/:x") { request, context in
            await self.respond(request) { try await self.tile(request, context) }
        }
    }

    func tile(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let p = context.parameters
        let (id, tms, z, y, x) = (p.get("id") ?? "", p.get("tms") ?? "", p.get("z") ?? "", p.get("y") ?? "", p.get("x") ?? "")
        var properties: String?
        if let query = request.uri.query, !query.isEmpty {
            let parameters = try QueryParameters(raw: query)
            if let name = parameters.names.first(where: { $0 != "f" && $0 != "properties" }) {
                throw RequestError.invalidParameter("unknown query parameter \"\(name)\" (a tile takes properties=a,b)")
            }
            properties = parameters["properties"]
        }
        let (service, chosen) = (self.service, properties)
        let answer = try await SnapshotThreads.run { try service.tile(id, matrixSet: tms, matrix: z, row: y, column: x, properties: chosen) }
        let tag = weakTag(answer.version.utf8)
        if let unchanged = notModified(tag, request, cacheControl: cacheControl) { return unchanged }
        var headers: HTTPFields = [.eTag: tag, .cacheControl: cacheControl, .vary: "Accept-Encoding"]
        // An empty tile: 204, as OGC API – Tiles allows for a tile inside the limits with no data.
        guard !answer.bytes.isEmpty else { return Response(status: .noContent, headers: headers) }
        headers[.contentType] = TilesService.mediaType
        var body = ByteBuffer(bytes: answer.bytes)
        if FeaturesAPI.acceptsGzip(request) {
            body = try body.gzipped()
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// Links from the landing page.
    static func landingLinks(base: String) -> [Link] {
        [Link(base + "/tileMatrixSets", rel: "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", type: "application/json",
              title: "the tile matrix sets of the vector tiles")]
    }
}
