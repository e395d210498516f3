import Foundation
import GeoKernel
import GeoStore
import VectorTiles

/// OGC API – Tiles, Part 1 (OGC 20-057), for every layer of the store: vector tiles (Mapbox Vector
/// Tiles 2.1) in the WebMercatorQuad tile matrix set, and the documents that describe them (tile matrix
/// sets, each collection's tilesets and tileset metadata, a TileJSON for MapLibre). Without the web:
/// the HTTP adapter turns these into responses. Every method that reads the store blocks while it reads.
public struct TilesService: Sendable {
    public let store: any FeatureReading
    /// The deepest zoom served (`TileLimits.maximumZoom`, as `renewalgis tiles` has it).
    public static let maximumZoom = TileLimits.maximumZoom
    /// The tile's buffer, in tile units of `extent` a side (`TileEncoder`'s standard).
    public static let buffer = TileEncoder.standardBuffer
    public static let extent = TileEncoder.standardExtent
    /// The media type of a tile.
    public static let mediaType = "application/vnd.mapbox-vector-tile"
    /// The link relation of a tile matrix set (OGC API – Tiles).
    public static let tilingSchemeRel = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
    public static let tilesetsRel = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"

    /// The conformance classes of Part 1 implemented.
    public static let conformanceClasses = [
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    ]

    public init(store: any FeatureReading) { self.store = store }

    // MARK: the tile

    /// One tile of a layer, read in one snapshot: its bytes (empty: no feature meets the tile), what
    /// its entity tag stands for, and nothing else. `properties` (`a,b`, as the query parameter) chooses the
    /// attributes written (nil: all of them; the layer's identifying field, such as parcel_id, is always written so a client can
    /// ask for the whole feature). Throws `RequestError.notFound` for an unknown collection or tile
    /// matrix set, or a tile outside the layer's limits, and `invalidParameter` for parts that are not
    /// whole numbers or a property the layer does not have.
    public func tile(_ id: String, matrixSet: String, matrix: String, row: String, column: String,
                     properties: String? = nil) throws -> (bytes: [UInt8], version: String) {
        try Self.checkMatrixSet(matrixSet)
        guard let z = Int(matrix), let y = Int(row), let x = Int(column) else {
            throw RequestError.invalidParameter("tileMatrix, tileRow and tileCol must be whole numbers (asked for \(matrix)/\(row)/\(column))")
        }
        let tile = WebMercatorQuad.Tile(zoom: z, row: y, column: x)
        guard tile.exists, z <= Self.maximumZoom else {
            throw RequestError.notFound("there is no tile \(tile) in WebMercatorQuad as served here (zoom 0–\(Self.maximumZoom), rows and columns 0 to 2^zoom − 1)")
        }
        return try store.withSnapshot { snapshot in
            guard let layer = try snapshot.layer(id) else { throw RequestError.notFound("no collection \"\(id)\"") }
            let limits = Self.limits(of: layer)
            guard let range = limits.first(where: { $0.zoom == z }), range.rows.contains(y), range.columns.contains(x) else {
                throw RequestError.notFound("tile \(tile) is outside the tile set of \(id) (\(Self.describe(limits)))")
            }
            let written = try Self.attributes(properties, of: layer.name, in: snapshot)
            let encoder = TileEncoder()
            let features = try snapshot.page(of: layer.name, query: FeatureQuery(bbox: encoder.selectionBox(tile), columns: written, limit: .max))
            // Features keep their row id as the tile's feature id (MVT ids are unsigned integers); an
            // identifying field such as parcel_id stays among the attributes.
            let content = TileLayerContent(name: layer.name, features: features, attributes: written)
            let bytes = try encoder.encode([content], tile: tile)
            let chosen = written.map { "|" + $0.joined(separator: ",") } ?? ""
            return (bytes, "\(id)|\(tile)|\(layer.fingerprint)|\(snapshot.contentVersion)\(chosen)")
        }
    }

    /// The attributes a tile writes for `properties=a,b` (the text of the query parameter): those, in
    /// the layer's order, plus its identifying field; nil (all) when the parameter is absent. A name
    /// the layer lacks is refused as the items' `properties` refuses it.
    static func attributes(_ properties: String?, of layer: String, in snapshot: any FeatureSnapshot) throws -> [String]? {
        guard let properties else { return nil }
        let fields = try snapshot.fields(of: layer)
        let chosen = try FeaturesService.propertyList(properties, fields: fields)
        let key = try snapshot.identifierField(of: layer)
        return fields.map(\.name).filter { chosen.contains($0) || $0 == key }
    }

    public static func checkMatrixSet(_ id: String) throws {
        guard id == WebMercatorQuad.id else {
            throw RequestError.notFound("no tile matrix set \"\(id)\" (this server tiles in \(WebMercatorQuad.id))")
        }
    }

    // MARK: limits

    /// The tiles of one zoom that hold the layer's extent.
    public struct ZoomLimits: Sendable, Encodable {
        public var zoom: Int
        public var rows: ClosedRange<Int>
        public var columns: ClosedRange<Int>

        enum CodingKeys: String, CodingKey { case tileMatrix, minTileRow, maxTileRow, minTileCol, maxTileCol }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(String(zoom), forKey: .tileMatrix)
            try c.encode(rows.lowerBound, forKey: .minTileRow); try c.encode(rows.upperBound, forKey: .maxTileRow)
            try c.encode(columns.lowerBound, forKey: .minTileCol); try c.encode(columns.upperBound, forKey: .maxTileCol)
        }
    }

    /// The layer's zooms and, in each, the rows and columns its extent covers: from the lowest zoom
    /// where its features average at most `TileLimits.featuresPerTile` a tile, to `maximumZoom`.
    /// Empty for a layer without extent.
    public static func limits(of layer: LayerRecord) -> [ZoomLimits] {
        TileLimits.of(extent: layer.extent, featureCount: layer.featureCount)
            .map { ZoomLimits(zoom: $0.zoom, rows: $0.rows, columns: $0.columns) }
    }

    static func describe(_ limits: [ZoomLimits]) -> String {
        guard let first = limits.first else { return "the layer is empty" }
        return "zoom \(first.zoom)–\(maximumZoom); at zoom \(first.zoom) rows \(first.rows.lowerBound)–\(first.rows.upperBound), columns \(first.columns.lowerBound)–\(first.columns.upperBound)"
    }
}

// MARK: documents

/// `/tileMatrixSets` and `/tileMatrixSets/WebMercatorQuad` (OGC Two Dimensional Tile Matrix Set 2.0, JSON).
public struct TileMatrixSetList: Sendable, Encodable {
    public struct Entry: Sendable, Encodable {
        public var id: String, title: String, uri: String, crs: String
        public var links: [Link]
    }
    public var tileMatrixSets: [Entry]
}

public struct TileMatrixSetDefinition: Sendable, Encodable {
    public struct Matrix: Sendable, Encodable {
        public var id: String
        public var scaleDenominator: Double
        public var cellSize: Double
        public var cornerOfOrigin = "topLeft"
        public var pointOfOrigin: [Double]
        public var tileWidth = 256, tileHeight = 256
        public var matrixWidth: Int, matrixHeight: Int
    }
    public var id = WebMercatorQuad.id
    public var title = "Google Maps Compatible for the World"
    public var uri = WebMercatorQuad.uri
    public var crs = WebMercatorQuad.crs
    public var orderedAxes = ["X", "Y"]
    public var wellKnownScaleSet = "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible"
    public var tileMatrices: [Matrix]
    public var links: [Link]
}

/// `/collections/{id}/tiles`: the collection's tilesets (one: vector tiles in WebMercatorQuad).
public struct TilesetList: Sendable, Encodable {
    public struct Entry: Sendable, Encodable {
        public var title: String
        public var dataType = "vector"
        public var crs = WebMercatorQuad.crs
        public var tileMatrixSetURI = WebMercatorQuad.uri
        public var links: [Link]
    }
    public var links: [Link]
    public var tilesets: [Entry]
}

/// `/collections/{id}/tiles/WebMercatorQuad`: what the tileset holds and where its tiles are.
public struct TilesetMetadata: Sendable, Encodable {
    public struct Layer: Sendable, Encodable {
        public var id: String
        public var dataType = "vector"
        public var geometryDimension: Int?
        public var minTileMatrix: String
        public var maxTileMatrix: String
        public var propertiesSchema: PropertiesSchema
    }
    public struct PropertiesSchema: Sendable, Encodable {
        public var type = "object"
        public var properties: [String: [String: String]]
    }
    public struct BoundingBox: Sendable, Encodable {
        public var lowerLeft: [Double], upperRight: [Double]
        public var crs = CRSChoice.crs84
    }
    public var title: String
    public var dataType = "vector"
    public var crs = WebMercatorQuad.crs
    public var tileMatrixSetURI = WebMercatorQuad.uri
    public var tileMatrixSetLimits: [TilesService.ZoomLimits]
    public var boundingBox: BoundingBox?
    public var layers: [Layer]
    public var links: [TemplatedLink]
}

/// A link whose href may hold URI-template variables (`templated: true`), as tileset metadata writes
/// the tile's address.
public struct TemplatedLink: Sendable, Encodable {
    public var href: String, rel: String, type: String, title: String
    public var templated: Bool?
    public init(_ link: Link, templated: Bool? = nil) {
        href = link.href; rel = link.rel; type = link.type; title = link.title; self.templated = templated
    }
}

/// TileJSON 3.0.0 (what MapLibre's `url` of a vector source reads).
public struct TileJSON: Sendable, Encodable {
    public struct VectorLayer: Sendable, Encodable {
        public var id: String
        public var fields: [String: String]
        public var minzoom: Int, maxzoom: Int
    }
    public var tilejson = "3.0.0"
    public var name: String
    public var tiles: [String]
    public var minzoom: Int, maxzoom: Int
    public var bounds: [Double]?
    public var vector_layers: [VectorLayer]
}

extension TilesService {
    public func tileMatrixSets(base: String) -> TileMatrixSetList {
        TileMatrixSetList(tileMatrixSets: [.init(id: WebMercatorQuad.id, title: "Google Maps Compatible for the World", uri: WebMercatorQuad.uri,
                                                 crs: WebMercatorQuad.crs,
                                                 links: [Link(base + "/tileMatrixSets/" + WebMercatorQuad.id, rel: "self", type: "application/json",
                                                              title: "the tile matrix set")])])
    }

    public func tileMatrixSet(_ id: String, base: String) throws -> TileMatrixSetDefinition {
        try Self.checkMatrixSet(id)
        let matrices = (0...WebMercatorQuad.maximumZoom).map { z in
            TileMatrixSetDefinition.Matrix(id: String(z), scaleDenominator: WebMercatorQuad.scaleDenominatorAtZero / Double(1 << z),
                                           cellSize: 2 * WebMercatorQuad.halfWorld / 256 / Double(1 << z),
                                           pointOfOrigin: [-WebMercatorQuad.halfWorld, WebMercatorQuad.halfWorld],
                                           matrixWidth: 1 << z, matrixHeight: 1 << z)
        }
        return TileMatrixSetDefinition(tileMatrices: matrices,
                                       links: [Link(base + "/tileMatrixSets/" + id, rel: "self", type: "application/json", title: "this tile matrix set")])
    }

    public func tilesets(_ id: String, base: String) throws -> TilesetList {
        let layer = try store.withSnapshot { try $0.layer(id) }
        guard let layer else { throw RequestError.notFound("no collection \"\(id)\"") }
        let path = base + "/collections/\(id)/tiles"
        return TilesetList(links: [Link(path, rel: "self", type: "application/json", title: "the tilesets of \(layer.name)")],
                           tilesets: [.init(title: "\(layer.name) as vector tiles",
                                            links: [Link(path + "/" + WebMercatorQuad.id, rel: "self", type: "application/json", title: "the tileset"),
                                                    Link(base + "/tileMatrixSets/" + WebMercatorQuad.id, rel: Self.tilingSchemeRel,
                                                         type: "application/json", title: "its tile matrix set")])])
    }

    /// The tile's address template, `{tileMatrix}/{tileRow}/{tileCol}` after the tileset's path.
    /// `?properties=a,b` (encoded) for tile addresses that carry a choice of attributes; empty without one.
    static func propertiesQuery(_ properties: String?) -> String {
        properties.map { "?properties=" + FeaturesService.queryEncoded($0) } ?? ""
    }

    static func tileTemplate(_ id: String, base: String) -> String {
        base + "/collections/\(id)/tiles/\(WebMercatorQuad.id)/{tileMatrix}/{tileRow}/{tileCol}"
    }

    /// The tileset's metadata. With `properties` (`a,b`), the tiles it points at write those
    /// attributes and the identifying field only, and its schema lists just them.
    public func tileset(_ id: String, matrixSet: String, base: String, properties: String? = nil) throws -> TilesetMetadata {
        try Self.checkMatrixSet(matrixSet)
        let (layer, fields) = try store.withSnapshot { snapshot -> (LayerRecord?, [FieldInfo]) in
            guard let layer = try snapshot.layer(id) else { return (nil, []) }
            let written = try Self.attributes(properties, of: layer.name, in: snapshot)
            return (layer, try snapshot.fields(of: layer.name).filter { written?.contains($0.name) ?? true })
        }
        guard let layer else { throw RequestError.notFound("no collection \"\(id)\"") }
        let limits = Self.limits(of: layer)
        let path = base + "/collections/\(id)/tiles/" + WebMercatorQuad.id
        let query = Self.propertiesQuery(properties)
        var schema: [String: [String: String]] = [:]
        for f in fields { schema[f.name] = ["type": Self.jsonType(f.type)] }
        return TilesetMetadata(
            title: "\(layer.name) as vector tiles", tileMatrixSetLimits: limits,
            boundingBox: layer.extent.map { .init(lowerLeft: [$0.minX, $0.minY], upperRight: [$0.maxX, $0.maxY]) },
            layers: [.init(id: layer.name, geometryDimension: GeometryKind(rawValue: layer.geometryType.uppercased())?.dimension,
                           minTileMatrix: limits.first.map { String($0.zoom) } ?? "0", maxTileMatrix: String(Self.maximumZoom),
                           propertiesSchema: .init(properties: schema))],
            links: [TemplatedLink(Link(path + query, rel: "self", type: "application/json", title: "this tileset")),
                    TemplatedLink(Link(base + "/tileMatrixSets/" + WebMercatorQuad.id, rel: Self.tilingSchemeRel, type: "application/json", title: "its tile matrix set")),
                    TemplatedLink(Link(path + (query.isEmpty ? "?" : query + "&") + "f=tilejson", rel: "alternate", type: "application/json", title: "the tileset as TileJSON")),
                    TemplatedLink(Link(Self.tileTemplate(id, base: base) + query, rel: "item", type: Self.mediaType, title: "a tile"), templated: true)])
    }

    /// The tileset as TileJSON, its tile address in `{z}/{y}/{x}` form (carrying `properties`).
    public func tileJSON(_ id: String, base: String, properties: String? = nil) throws -> TileJSON {
        let metadata = try tileset(id, matrixSet: WebMercatorQuad.id, base: base, properties: properties)
        let minzoom = metadata.tileMatrixSetLimits.first?.zoom ?? 0
        let query = Self.propertiesQuery(properties)
        let tiles = Self.tileTemplate(id, base: base).replacingOccurrences(of: "{tileMatrix}", with: "{z}")
            .replacingOccurrences(of: "{tileRow}", with: "{y}").replacingOccurrences(of: "{tileCol}", with: "{x}") + query
        return TileJSON(name: id, tiles: [tiles], minzoom: minzoom, maxzoom: Self.maximumZoom,
                        bounds: metadata.boundingBox.map { $0.lowerLeft + $0.upperRight },
                        vector_layers: [.init(id: id, fields: metadata.layers[0].propertiesSchema.properties.mapValues { $0["type"] == "string" ? "String" : "Number" },
                                              minzoom: minzoom, maxzoom: Self.maximumZoom)])
    }

    static func jsonType(_ type: FieldType) -> String {
        switch type {
        case .integer: "integer"
        case .real: "number"
        case .boolean: "boolean"
        case .text, .date, .dateTime: "string"
        }
    }
}
