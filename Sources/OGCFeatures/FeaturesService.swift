import Foundation
import GeoKernel
import GeoStore
import CQL2

/// The limits of what the service reads and answers, with their defaults.
public struct FeaturesLimits: Sendable {
    /// Items per page when `limit` is not given.
    public var defaultLimit = 100
    /// The largest page: a larger `limit` is served as this many (OGC API – Features Part 1, 7.15.4).
    public var maximumLimit = 10_000
    /// Features read from the store and written at a time in a streamed page.
    public var streamBatch = 500
    /// The longest `filter` accepted, in bytes once percent-decoded.
    public var maximumFilterLength = 65_536
    /// How deeply a filter may nest parentheses, NOT, operators (JSON) and geometry collections (checked while parsing).
    public var maximumFilterDepth = 64
    /// How deeply a filter's logic may nest — NOT, and AND/OR inside one another — checked on the parsed
    /// filter before any query is built (see `FilterCompiler.maximumLogicDepth`).
    public var maximumLogicDepth = FilterCompiler.maximumLogicDepth
    /// The most values one IN list of a filter may hold.
    public var maximumInListItems = 1_000
    /// The largest layer held in memory to answer pages of a box (`HeldLayers`), in features; 0 holds none.
    public var maximumHeldFeatures = 500_000
    public init() {}
}

/// OGC API – Features (Parts 1, 2 and 3) over any store, without the web: requests come in as values
/// (a collection id, the query parameters, the address links start from) and answers go out as typed
/// documents and streamed GeoJSON. The HTTP adapter (RenewalServer) turns these into responses.
///
/// Every method that reads the store blocks while it reads: call it off the event loop.
public struct FeaturesService: Sendable {
    public let store: any FeatureReading
    public let limits: FeaturesLimits
    /// The layers held in memory for pages of a box.
    public let held: HeldLayers

    public init(store: any FeatureReading, limits: FeaturesLimits = .init()) {
        self.store = store; self.limits = limits
        held = HeldLayers(maximumFeatures: limits.maximumHeldFeatures)
    }

    /// The conformance classes implemented.
    public static let conformanceClasses = [
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
    ] + TilesService.conformanceClasses

    /// The link relation of a collection's queryables (Part 3).
    public static let queryablesRel = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
    /// The media type of the OpenAPI document.
    public static let openAPIMediaType = "application/vnd.oai.openapi+json;version=3.0"

    // MARK: - Documents

    /// `/`: links to the API, its documentation, conformance and collections, then `more` (e.g. styles).
    public func landing(base: String, more: [Link] = []) -> LandingPage {
        LandingPage(title: "RenewalGIS",
                    description: "Planning layers and analysis results of a RenewalGIS store, as OGC API – Features",
                    links: [
                        Link(base + "/", rel: "self", type: "application/json", title: "this document"),
                        Link(base + "/api", rel: "service-desc", type: Self.openAPIMediaType, title: "the API definition"),
                        Link(base + "/service-doc", rel: "service-doc", type: "text/html", title: "the API documentation, for people"),
                        Link(base + "/conformance", rel: "conformance", type: "application/json", title: "conformance classes"),
                        Link(base + "/collections", rel: "data", type: "application/json", title: "the store's layers"),
                    ] + more)
    }

    /// `/conformance`.
    public func conformance() -> ConformanceDeclaration { ConformanceDeclaration(conformsTo: Self.conformanceClasses) }

    /// `/collections`: every layer, read in one snapshot.
    public func collections(base: String) throws -> CollectionList {
        try store.withSnapshot { snapshot in
            CollectionList(links: [Link(base + "/collections", rel: "self", type: "application/json", title: "collections")],
                           collections: try snapshot.layers().map { try describe($0, base: base, snapshot: snapshot) })
        }
    }

    /// `/collections/{id}`.
    public func collection(_ id: String, base: String) throws -> CollectionDescription {
        try store.withSnapshot { snapshot in try describe(try layer(id, in: snapshot), base: base, snapshot: snapshot) }
    }

    /// The layer `id`, or not found.
    func layer(_ id: String, in snapshot: any FeatureSnapshot) throws -> LayerRecord {
        guard let layer = try snapshot.layer(id) else { throw RequestError.notFound("no collection \"\(id)\"") }
        return layer
    }

    func describe(_ layer: LayerRecord, base: String, snapshot: any FeatureSnapshot) throws -> CollectionDescription {
        var extent = CollectionDescription.Extent()
        if let e = layer.extent {
            extent.spatial = .init(bbox: [[e.minX, e.minY, e.maxX, e.maxY]], crs: CRSChoice.crs84)
        }
        if let time = try snapshot.temporalExtent(of: layer.name) {
            func stamp(_ seconds: Double?) -> String? { seconds.map { Date(timeIntervalSince1970: $0.rounded(.down)).formatted(.iso8601) } }
            extent.temporal = .init(interval: [[stamp(time.start), stamp(time.end)]], trs: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
                                    description: "the \(time.field.name) field")
        }
        let path = base + "/collections/\(layer.name)"
        return CollectionDescription(
            id: layer.name, title: layer.name,
            description: "\(layer.kind == "result" ? "result of" : "imported from") \(layer.sourceFile): \(layer.featureCount) \(layer.geometryType) features",
            crs: CRSChoice.supported, storageCrs: "http://www.opengis.net/def/crs/EPSG/0/4490",
            links: [
                Link(path, rel: "self", type: "application/json", title: "this collection"),
                Link(path + "/items", rel: "items", type: "application/geo+json", title: "its features"),
                Link(path + "/queryables", rel: Self.queryablesRel, type: "application/schema+json", title: "what filters may name"),
                Link(path + "/tiles", rel: TilesService.tilesetsRel, type: "application/json", title: "its vector tilesets"),
            ],
            extent: extent.spatial == nil && extent.temporal == nil ? nil : extent)
    }

    /// `/collections/{id}/queryables`: the geometry and every attribute, with JSON types and formats; the
    /// temporal field (what `datetime` selects on) marked as the primary instant.
    public func queryables(_ id: String, base: String) throws -> Queryables {
        try store.withSnapshot { snapshot in
            let layer = try layer(id, in: snapshot)
            let fields = try snapshot.fields(of: layer.name)
            let compiler = FilterCompiler(layer: layer.name, fields: fields)
            let temporal = TemporalExtent.field(in: fields)
            var properties: [String: JSONValue] = [
                compiler.queryables[0]: ["title": "geometry", "description": .string("the feature's \(layer.geometryType.lowercased()) geometry"),
                                         "format": "geometry-any", "x-ogc-role": "primary-geometry"],
            ]
            for field in fields {
                var p: JSONValue = ["title": .string(field.name)]
                p["type"] = .string(field.type.jsonSchemaType)
                if let format = field.type.jsonSchemaFormat { p["format"] = .string(format) }
                if field.name == temporal?.name {
                    // The property datetime filters on (Part 3: the primary instant), with its format
                    // also when the store keeps it as text.
                    p["format"] = .string(try snapshot.temporalFormat(of: layer.name, field: field))
                    p["x-ogc-role"] = "primary-instant"
                    p["description"] = "the time of the feature: what datetime selects on"
                }
                properties[field.name] = p
            }
            return Queryables(id: base + "/collections/\(layer.name)/queryables", title: layer.name,
                              description: "What filter, sortby, properties and property filters of \(layer.name) may name",
                              properties: properties)
        }
    }
}

extension FieldType {
    /// The JSON Schema type of a value of this field.
    var jsonSchemaType: String {
        switch self {
        case .integer: "integer"
        case .real: "number"
        case .boolean: "boolean"
        case .date, .dateTime, .text: "string"
        }
    }

    /// The JSON Schema format of a value of this field, when it has one.
    var jsonSchemaFormat: String? {
        switch self {
        case .date: "date"
        case .dateTime: "date-time"
        default: nil
        }
    }
}
