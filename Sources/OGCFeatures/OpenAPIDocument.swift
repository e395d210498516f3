import Foundation
import GeoKernel
import CQL2

/// The OpenAPI 3.0 description of exactly the routes, parameters, responses, errors and media types
/// served. Besides the generic `/collections/{collectionId}/items`, every collection has its own items
/// path listing its properties as query parameters (form style, not exploded) — where GDAL's OAPIF
/// driver and QGIS's OAPIF provider look for the property filters a server takes — and every items path
/// refers to `#/components/parameters/limit`, whose schema gives the default and maximum page size
/// that both clients read.
extension FeaturesService {
    /// The document for the store's collections as they are now (read in one snapshot). `more` adds the
    /// adapter's own paths (styles, map, assets); `requestTargetLimit` is the adapter's longest request
    /// target in bytes (its 414).
    public func openAPI(base: String, requestTargetLimit: Int, more: [String: OpenAPI.PathItem] = [:]) throws -> OpenAPI.Document {
        let collections = try store.withSnapshot { snapshot in
            try snapshot.layers().map { (name: $0.name, fields: try snapshot.fields(of: $0.name)) }
        }
        return Self.openAPI(base: base, limits: limits, requestTargetLimit: requestTargetLimit, collections: collections, more: more)
    }

    static func openAPI(base: String, limits: FeaturesLimits, requestTargetLimit: Int, collections: [(name: String, fields: [FieldInfo])],
                        more: [String: OpenAPI.PathItem]) -> OpenAPI.Document {
        typealias P = OpenAPI.ParameterObject
        typealias R = OpenAPI.Response
        let errors: [String: R] = [
            "400": .body("Invalid or unknown query parameter: a malformed value, a filter with a syntax error (the description says where), "
                         + "an unknown property, operator or function, or a filter past a limit (length, nesting, IN list)", component: "Exception"),
            "404": .body("Unknown collection or feature", component: "Exception"),
            "500": .body("Server error (details in the server log)", component: "Exception"),
        ]
        // What items and features may also answer: a query past the time limit, a request target past its limit.
        let slow: [String: R] = [
            "503": .body("The store query ran past the server's time limit (narrow the request)", component: "Exception"),
            "414": .body("The request target (path and query) is longer than \(requestTargetLimit) bytes", component: "Exception"),
        ]
        func get(_ id: String, _ summary: String, parameters: [OpenAPI.Parameter] = [], ok: R, conditional: Bool = false) -> OpenAPI.PathItem {
            var responses = errors
            if conditional { responses.merge(slow) { a, _ in a } }
            responses["200"] = ok
            if conditional { responses["304"] = R(description: "Not modified since the ETag given in If-None-Match") }
            return OpenAPI.PathItem(get: .init(operationId: id, summary: summary, parameters: parameters, responses: responses))
        }
        let collectionID = P.path("collectionId", "A layer of the store")
        let featureID = P.path("featureId", "The layer's identifying field (e.g. parcel_id), else the row id")
        let limitParameter = P.query("limit", ["type": "integer", "minimum": 1, "maximum": .integer(limits.maximumLimit), "default": .integer(limits.defaultLimit)],
                                     "Features per page; a larger limit than the maximum is served as the maximum", list: true)
        let limit = OpenAPI.Parameter.reference("limit")
        let offset = P.query("offset", ["type": "integer", "minimum": 0, "default": 0], "Features to skip (rel=next links carry it)")
        let bbox = P.query("bbox", ["type": "array", "minItems": 4, "maxItems": 6, "items": ["type": "number"]],
                           "minLon,minLat,maxLon,maxLat (CRS84); features whose geometry intersects it", list: true)
        let format = P.query("f", ["type": "string", "enum": ["json", "geojson"]])
        let itemsFormat = P.query("f", ["type": "string", "enum": ["json", "geojson", "html"]], "json/geojson (default) or html (a table for browsers)")
        let itemsOK = R(description: "A page of features (f=html: a table for browsers)", content: [
            "application/geo+json": .init(schema: ["$ref": "#/components/schemas/FeatureCollection"]),
            "text/html": .init(schema: ["type": "string"]),
        ])
        let crsList: JSONValue = ["type": "string", "format": "uri", "enum": .array(CRSChoice.supported.map(JSONValue.string))]
        let crs = P.query("crs", crsList, "Output CRS (Part 2); EPSG codes come in their EPSG axis order; default CRS84")
        let bboxCRS = P.query("bbox-crs", crsList, "CRS of bbox, in its axis order; default CRS84")
        let filter = P.query("filter", ["type": "string", "minLength": 1], """
            A CQL2 filter (Part 3), in the language of filter-lang. Supported: comparisons (=, <>, <, <=, >, >=), AND, OR, NOT, \
            LIKE (% and _, \\ escapes; case-sensitive), BETWEEN, IN, IS [NOT] NULL; string, number, boolean, DATE('…') and \
            TIMESTAMP('…') literals; property names (double-quoted when they clash with a keyword) from the collection's queryables; \
            S_INTERSECTS, S_WITHIN, S_CONTAINS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_OVERLAPS and S_CROSSES between the geometry \
            property (geometry) and a geometry (WKT POINT, LINESTRING, POLYGON, MULTI…, GEOMETRYCOLLECTION, BBOX(…); GeoJSON or \
            {"bbox": […]} in CQL2 JSON) in filter-crs. At most \(limits.maximumFilterLength) bytes, \
            \(limits.maximumFilterDepth) levels of nesting, \(limits.maximumLogicDepth) levels of logic (each NOT, and AND/OR inside one another; a chain of n terms counts log2 n) and \(limits.maximumInListItems) values per IN list.
            """)
        let filterLang = P.query("filter-lang", ["type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"], "The language of filter")
        let filterCRS = P.query("filter-crs", crsList, "CRS of the geometries in filter, in its axis order; default CRS84; only with filter")
        let datetime = P.query("datetime", ["type": "string"], """
            An RFC 3339 instant (2024-03-01T10:00:00Z; a date 2024-03-01 stands for its whole day) or an interval start/end, \
            either end open with .. or nothing (2024-01-01/2024-12-31, ../2024-03-01, 2024-03-01/..). Selects features whose \
            temporal field — the first field typed date or date-time, else the first text field named date, datetime, time, \
            timestamp, *_date, *_datetime, *_time, *_at or holding 日期 or 时间 — meets it; features without a value there, and every \
            feature of a collection without such a field, have no temporal information and match.
            """, list: true)
        let sortby = P.query("sortby", ["type": "array", "minItems": 1, "items": ["type": "string", "pattern": "^[+-]?[^,]+$"]],
                             "Properties to sort by, +name ascending (the default) or -name descending; ties keep storage order", list: true)
        let properties = P.query("properties", ["type": "array", "items": ["type": "string"]],
                                 "The properties to return, in this order (empty: none); feature ids are unaffected", list: true)
        let itemQueryParameters = [limit, offset, bbox, bboxCRS, crs, filter, filterLang, filterCRS, datetime, sortby, properties, itemsFormat]
        var paths: [String: OpenAPI.PathItem] = [
            "/": get("getLandingPage", "Landing page", ok: .body("Links to the API, conformance and collections", component: "Links")),
            "/conformance": get("getConformance", "Conformance classes", ok: .body("Conformance classes", component: "Conformance")),
            "/api": get("getAPI", "This document", ok: .body("OpenAPI 3.0 document", openAPIMediaType, schema: ["type": "object"])),
            "/service-doc": get("getServiceDoc", "The API documentation, for people", ok: .body("An HTML page", "text/html", schema: ["type": "string"])),
            "/collections": get("getCollections", "The store's layers", ok: .body("Collections", component: "Collections")),
            "/collections/{collectionId}": get("describeCollection", "One layer", parameters: [collectionID], ok: .body("Collection", component: "Collection")),
            "/collections/{collectionId}/queryables": get("getQueryables", "What filters of a layer may name: its geometry and attributes",
                                                          parameters: [collectionID],
                                                          ok: .body("A JSON Schema of the queryables", "application/schema+json", component: "Queryables")),
            "/collections/{collectionId}/items": get("getFeatures", "Features of a layer (any other query parameter named after one of the layer's properties selects features whose value equals it)",
                                                     parameters: [collectionID] + itemQueryParameters, ok: itemsOK, conditional: true),
            "/collections/{collectionId}/items/{featureId}": get("getFeature", "One feature", parameters: [collectionID, featureID, crs, format],
                                                                 ok: .body("A feature", "application/geo+json", component: "Feature"), conditional: true),
        ]
        paths.merge(more) { ours, _ in ours }
        for (name, fields) in collections {
            // The collection's own items path: the same parameters, plus one per property (equality filters).
            let propertyParameters = fields.filter { !itemParameters.contains($0.name) }.map { field in
                // Booleans are stored as 0/1, which is what an equality filter compares with.
                let schema: JSONValue = field.type == .boolean ? ["type": "integer", "enum": [0, 1]]
                    : field.type.jsonSchemaFormat.map { ["type": .string(field.type.jsonSchemaType), "format": .string($0)] }
                    ?? ["type": .string(field.type.jsonSchemaType)]
                return P.query(field.name, schema, "Features whose \(field.name) equals this value", list: true)
            }
            paths["/collections/\(name)/items"] = get("getFeatures_\(name)", "Features of \(name) (each property of \(name) is also a query parameter selecting features whose value equals it)",
                                                      parameters: itemQueryParameters + propertyParameters, ok: itemsOK, conditional: true)
        }
        return OpenAPI.Document(
            info: .init(title: "RenewalGIS", version: "0.1.0",
                        description: "Planning layers and analysis results of a RenewalGIS store as OGC API – Features (Part 1 core, GeoJSON; Part 2 CRS by reference; Part 3 filtering with CQL2 text and JSON, queryables)"),
            servers: [.init(url: base)], paths: paths,
            components: .init(parameters: ["limit": limitParameter], schemas: componentSchemas))
    }

    /// The schemas the responses refer to.
    static let componentSchemas: [String: JSONValue] = [
        "Exception": ["type": "object", "required": ["code"], "properties": ["code": ["type": "string"], "description": ["type": "string"]]],
        "Link": ["type": "object", "required": ["href"], "properties": ["href": ["type": "string"], "rel": ["type": "string"],
                                                                           "type": ["type": "string"], "title": ["type": "string"]]],
        "Links": ["type": "object", "properties": ["links": ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]]],
        "Conformance": ["type": "object", "required": ["conformsTo"], "properties": ["conformsTo": ["type": "array", "items": ["type": "string"]]]],
        "Collection": ["type": "object", "required": ["id", "links"], "properties": [
            "id": ["type": "string"], "title": ["type": "string"], "description": ["type": "string"], "itemType": ["type": "string"],
            "crs": ["type": "array", "items": ["type": "string"]], "storageCrs": ["type": "string"],
            "extent": ["type": "object", "properties": [
                "spatial": ["type": "object", "properties": ["bbox": ["type": "array", "items": ["type": "array", "items": ["type": "number"]]],
                                                             "crs": ["type": "string"]]],
                "temporal": ["type": "object", "properties": [
                    "interval": ["type": "array", "items": ["type": "array", "minItems": 2, "maxItems": 2,
                                                            "items": ["type": "string", "format": "date-time", "nullable": true]]],
                    "trs": ["type": "string"]]]]],
            "links": ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]]],
        "Collections": ["type": "object", "required": ["collections", "links"], "properties": [
            "collections": ["type": "array", "items": ["$ref": "#/components/schemas/Collection"]],
            "links": ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]]],
        "Feature": ["type": "object", "required": ["type", "geometry", "properties"], "properties": [
            "type": ["type": "string", "enum": ["Feature"]], "id": ["oneOf": [["type": "string"], ["type": "integer"]]],
            "geometry": ["type": "object", "nullable": true], "properties": ["type": "object", "nullable": true],
            "links": ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]]],
        "Queryables": ["type": "object", "required": ["$schema", "$id", "type", "properties"], "properties": [
            "$schema": ["type": "string"], "$id": ["type": "string"], "type": ["type": "string", "enum": ["object"]],
            "title": ["type": "string"], "description": ["type": "string"],
            "properties": ["type": "object", "additionalProperties": ["type": "object"]],
            "additionalProperties": ["type": "boolean"]]],
        "FeatureCollection": ["type": "object", "required": ["type", "features"], "properties": [
            "type": ["type": "string", "enum": ["FeatureCollection"]],
            "features": ["type": "array", "items": ["$ref": "#/components/schemas/Feature"]],
            "numberMatched": ["type": "integer", "minimum": 0], "numberReturned": ["type": "integer", "minimum": 0],
            "timeStamp": ["type": "string", "format": "date-time"],
            "links": ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]]],
    ]
}
