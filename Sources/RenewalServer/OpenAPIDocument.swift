import Foundation
import GeoKernel
import CQL2

/// The OpenAPI 3.0 description of exactly the routes, parameters, responses, errors and media types
/// served. Besides the generic `/collections/{collectionId}/items`, every collection has its own items
/// path listing its properties as query parameters (form style, not exploded) — where GDAL's OAPIF
/// driver and QGIS's OAPIF provider look for the property filters a server takes — and every items path
/// refers to `#/components/parameters/limit`, whose schema gives the default and maximum page size
/// that both clients read.
enum OpenAPIDocument {
    /// The media type of this document.
    static let mediaType = "application/vnd.oai.openapi+json;version=3.0"

    static func document(base: String, configuration: ServerConfiguration, collections: [(name: String, fields: [FieldInfo])] = []) -> [String: Any] {
        func response(_ description: String, _ type: String = "application/json", schema: String? = nil) -> [String: Any] {
            var r: [String: Any] = ["description": description]
            if let schema { r["content"] = [type: ["schema": ["$ref": "#/components/schemas/\(schema)"]]] }
            return r
        }
        let errors: [String: Any] = [
            "400": response("Invalid or unknown query parameter: a malformed value, a filter with a syntax error (the description says where), "
                            + "an unknown property, operator or function, or a filter past a limit (length, nesting, IN list)", schema: "Exception"),
            "404": response("Unknown collection or feature", schema: "Exception"),
            "500": response("Server error (details in the server log)", schema: "Exception"),
        ]
        // What items and features may also answer: a query past the time limit, a request target past its limit.
        let slow: [String: Any] = [
            "503": response("The store query ran past the server's time limit (narrow the request)", schema: "Exception"),
            "414": response("The request target (path and query) is longer than \(configuration.maximumRequestTarget) bytes", schema: "Exception"),
        ]
        func get(_ id: String, _ summary: String, parameters: [[String: Any]] = [], ok: [String: Any], conditional: Bool = false) -> [String: Any] {
            var responses = errors
            if conditional { responses.merge(slow) { a, _ in a } }
            responses["200"] = ok
            if conditional { responses["304"] = ["description": "Not modified since the ETag given in If-None-Match"] }
            return ["get": ["operationId": id, "summary": summary, "parameters": parameters, "responses": responses]]
        }
        let collectionID: [String: Any] = ["name": "collectionId", "in": "path", "required": true, "schema": ["type": "string"],
                                           "description": "A layer of the store"]
        let featureID: [String: Any] = ["name": "featureId", "in": "path", "required": true, "schema": ["type": "string"],
                                        "description": "The layer's identifying field (e.g. parcel_id), else the row id"]
        let limitParameter: [String: Any] = ["name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
                                             "schema": ["type": "integer", "minimum": 1, "maximum": configuration.maximumLimit, "default": configuration.defaultLimit],
                                             "description": "Features per page; a larger limit than the maximum is served as the maximum"]
        let limit: [String: Any] = ["$ref": "#/components/parameters/limit"]
        let offset: [String: Any] = ["name": "offset", "in": "query", "required": false,
                                     "schema": ["type": "integer", "minimum": 0, "default": 0], "description": "Features to skip (rel=next links carry it)"]
        let bbox: [String: Any] = ["name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                                   "schema": ["type": "array", "minItems": 4, "maxItems": 6, "items": ["type": "number"]],
                                   "description": "minLon,minLat,maxLon,maxLat (CRS84); features whose geometry intersects it"]
        let format: [String: Any] = ["name": "f", "in": "query", "required": false, "schema": ["type": "string", "enum": ["json", "geojson"]]]
        let itemsFormat: [String: Any] = ["name": "f", "in": "query", "required": false, "description": "json/geojson (default) or html (a table for browsers)",
                                          "schema": ["type": "string", "enum": ["json", "geojson", "html"]]]
        let itemsOK: [String: Any] = ["description": "A page of features (f=html: a table for browsers)", "content": [
            "application/geo+json": ["schema": ["$ref": "#/components/schemas/FeatureCollection"]],
            "text/html": ["schema": ["type": "string"]],
        ]]
        let crsList = ["type": "string", "format": "uri", "enum": FeaturesAPI.supportedCRS] as [String: Any]
        let crs: [String: Any] = ["name": "crs", "in": "query", "required": false, "schema": crsList,
                                  "description": "Output CRS (Part 2); EPSG codes come in their EPSG axis order; default CRS84"]
        let bboxCRS: [String: Any] = ["name": "bbox-crs", "in": "query", "required": false, "schema": crsList,
                                      "description": "CRS of bbox, in its axis order; default CRS84"]
        let filter: [String: Any] = [
            "name": "filter", "in": "query", "required": false, "schema": ["type": "string", "minLength": 1],
            "description": """
                A CQL2 filter (Part 3), in the language of filter-lang. Supported: comparisons (=, <>, <, <=, >, >=), AND, OR, NOT, \
                LIKE (% and _, \\ escapes; case-sensitive), BETWEEN, IN, IS [NOT] NULL; string, number, boolean, DATE('…') and \
                TIMESTAMP('…') literals; property names (double-quoted when they clash with a keyword) from the collection's queryables; \
                S_INTERSECTS, S_WITHIN, S_CONTAINS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_OVERLAPS and S_CROSSES between the geometry \
                property (geometry) and a geometry (WKT POINT, LINESTRING, POLYGON, MULTI…, GEOMETRYCOLLECTION, BBOX(…); GeoJSON or \
                {"bbox": […]} in CQL2 JSON) in filter-crs. At most \(configuration.maximumFilterLength) bytes, \
                \(configuration.maximumFilterDepth) levels of nesting, \(configuration.maximumLogicDepth) levels of logic (each NOT, and AND/OR inside one another; a chain of n terms counts log2 n) and \(configuration.maximumInListItems) values per IN list.
                """,
        ]
        let filterLang: [String: Any] = ["name": "filter-lang", "in": "query", "required": false,
                                         "schema": ["type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"],
                                         "description": "The language of filter"]
        let filterCRS: [String: Any] = ["name": "filter-crs", "in": "query", "required": false, "schema": crsList,
                                        "description": "CRS of the geometries in filter, in its axis order; default CRS84; only with filter"]
        let datetime: [String: Any] = [
            "name": "datetime", "in": "query", "required": false, "style": "form", "explode": false, "schema": ["type": "string"],
            "description": """
                An RFC 3339 instant (2024-03-01T10:00:00Z; a date 2024-03-01 stands for its whole day) or an interval start/end, \
                either end open with .. or nothing (2024-01-01/2024-12-31, ../2024-03-01, 2024-03-01/..). Selects features whose \
                temporal field — the first field typed date or date-time, else the first text field named date, datetime, time, \
                timestamp, *_date, *_datetime, *_time, *_at or holding 日期 or 时间 — meets it; features without a value there, and every \
                feature of a collection without such a field, have no temporal information and match.
                """,
        ]
        let sortby: [String: Any] = [
            "name": "sortby", "in": "query", "required": false, "style": "form", "explode": false,
            "schema": ["type": "array", "minItems": 1, "items": ["type": "string", "pattern": "^[+-]?[^,]+$"]],
            "description": "Properties to sort by, +name ascending (the default) or -name descending; ties keep storage order",
        ]
        let properties: [String: Any] = [
            "name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
            "schema": ["type": "array", "items": ["type": "string"]],
            "description": "The properties to return, in this order (empty: none); feature ids are unaffected",
        ]
        let itemParameters: [[String: Any]] = [limit, offset, bbox, bboxCRS, crs, filter, filterLang, filterCRS, datetime, sortby, properties, itemsFormat]
        var paths: [String: Any] = [
            "/": get("getLandingPage", "Landing page", ok: response("Links to the API, conformance and collections", schema: "Links")),
            "/conformance": get("getConformance", "Conformance classes", ok: response("Conformance classes", schema: "Conformance")),
            "/api": get("getAPI", "This document", ok: ["description": "OpenAPI 3.0 document",
                                                         "content": [mediaType: ["schema": ["type": "object"]]]]),
            "/service-doc": get("getServiceDoc", "The API documentation, for people", ok: ["description": "An HTML page",
                                                                                             "content": ["text/html": ["schema": ["type": "string"]]]]),
            "/styles": stylesPath, "/styles/{styleId}": stylePath, "/map": mapPath, "/assets/{file}": assetPath,  // OpenAPIDocument+Styles.swift
            "/collections": get("getCollections", "The store's layers", ok: response("Collections", schema: "Collections")),
            "/collections/{collectionId}": get("describeCollection", "One layer", parameters: [collectionID],
                                               ok: response("Collection", schema: "Collection")),
            "/collections/{collectionId}/queryables": get("getQueryables", "What filters of a layer may name: its geometry and attributes",
                                                          parameters: [collectionID],
                                                          ok: response("A JSON Schema of the queryables", "application/schema+json", schema: "Queryables")),
            "/collections/{collectionId}/items": get("getFeatures", "Features of a layer (any other query parameter named after one of the layer's properties selects features whose value equals it)",
                                                     parameters: [collectionID] + itemParameters, ok: itemsOK, conditional: true),
            "/collections/{collectionId}/items/{featureId}": get("getFeature", "One feature", parameters: [collectionID, featureID, crs, format],
                                                                 ok: response("A feature", "application/geo+json", schema: "Feature"), conditional: true),
        ]
        for (name, fields) in collections {
            // The collection's own items path: the same parameters, plus one per property (equality filters).
            let propertyParameters: [[String: Any]] = fields.filter { !FeaturesAPI.itemParameters.contains($0.name) }.map { field in
                let schema: [String: Any]
                switch field.type {
                case .integer: schema = ["type": "integer"]
                case .real: schema = ["type": "number"]
                case .boolean: schema = ["type": "integer", "enum": [0, 1]]
                case .date: schema = ["type": "string", "format": "date"]
                case .dateTime: schema = ["type": "string", "format": "date-time"]
                case .text: schema = ["type": "string"]
                }
                return ["name": field.name, "in": "query", "required": false, "style": "form", "explode": false, "schema": schema,
                        "description": "Features whose \(field.name) equals this value"]
            }
            paths["/collections/\(name)/items"] = get("getFeatures_\(name)", "Features of \(name) (each property of \(name) is also a query parameter selecting features whose value equals it)",
                                                      parameters: itemParameters + propertyParameters, ok: itemsOK, conditional: true)
        }
        return [
            "openapi": "3.0.3",
            "info": ["title": "RenewalGIS", "version": "0.1.0",
                     "description": "Planning layers and analysis results of a RenewalGIS store as OGC API – Features (Part 1 core, GeoJSON; Part 2 CRS by reference; Part 3 filtering with CQL2 text and JSON, queryables)"],
            "servers": [["url": base]],
            "paths": paths,
            "components": ["parameters": ["limit": limitParameter], "schemas": [
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
            ]],
        ]
    }
}
