import Foundation

/// The OpenAPI 3.0 description of exactly the routes, parameters, responses and errors served.
enum OpenAPIDocument {
    static func document(base: String, configuration: ServerConfiguration) -> [String: Any] {
        func response(_ description: String, _ type: String = "application/json", schema: String? = nil) -> [String: Any] {
            var r: [String: Any] = ["description": description]
            if let schema { r["content"] = [type: ["schema": ["$ref": "#/components/schemas/\(schema)"]]] }
            return r
        }
        let errors: [String: Any] = [
            "400": response("Invalid or unknown query parameter", schema: "Exception"),
            "404": response("Unknown collection or feature", schema: "Exception"),
            "500": response("Server error (details in the server log)", schema: "Exception"),
        ]
        func get(_ id: String, _ summary: String, parameters: [[String: Any]] = [], ok: [String: Any], conditional: Bool = false) -> [String: Any] {
            var responses = errors
            responses["200"] = ok
            if conditional { responses["304"] = ["description": "Not modified since the ETag given in If-None-Match"] }
            return ["get": ["operationId": id, "summary": summary, "parameters": parameters, "responses": responses]]
        }
        let collectionID: [String: Any] = ["name": "collectionId", "in": "path", "required": true, "schema": ["type": "string"],
                                           "description": "A layer of the store"]
        let featureID: [String: Any] = ["name": "featureId", "in": "path", "required": true, "schema": ["type": "string"],
                                        "description": "The layer's identifying field (e.g. parcel_id), else the row id"]
        let limit: [String: Any] = ["name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
                                    "schema": ["type": "integer", "minimum": 1, "maximum": configuration.maximumLimit, "default": configuration.defaultLimit],
                                    "description": "Features per page"]
        let offset: [String: Any] = ["name": "offset", "in": "query", "required": false,
                                     "schema": ["type": "integer", "minimum": 0, "default": 0], "description": "Features to skip (rel=next links carry it)"]
        let bbox: [String: Any] = ["name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                                   "schema": ["type": "array", "minItems": 4, "maxItems": 6, "items": ["type": "number"]],
                                   "description": "minLon,minLat,maxLon,maxLat (CRS84); features whose geometry intersects it"]
        let format: [String: Any] = ["name": "f", "in": "query", "required": false, "schema": ["type": "string", "enum": ["json", "geojson"]]]
        let crsList = ["type": "string", "format": "uri", "enum": FeaturesAPI.supportedCRS] as [String: Any]
        let crs: [String: Any] = ["name": "crs", "in": "query", "required": false, "schema": crsList,
                                  "description": "Output CRS (Part 2); EPSG codes come in their EPSG axis order; default CRS84"]
        let bboxCRS: [String: Any] = ["name": "bbox-crs", "in": "query", "required": false, "schema": crsList,
                                      "description": "CRS of bbox, in its axis order; default CRS84"]
        return [
            "openapi": "3.0.3",
            "info": ["title": "RenewalGIS", "version": "0.1.0",
                     "description": "Planning layers and analysis results of a RenewalGIS store as OGC API – Features (Part 1 core, GeoJSON; Part 2 CRS by reference)"],
            "servers": [["url": base]],
            "paths": [
                "/": get("getLandingPage", "Landing page", ok: response("Links to the API, conformance and collections", schema: "Links")),
                "/conformance": get("getConformance", "Conformance classes", ok: response("Conformance classes", schema: "Conformance")),
                "/api": get("getAPI", "This document", ok: ["description": "OpenAPI 3.0 document",
                                                             "content": ["application/vnd.oai.openapi+json;version=3.0": ["schema": ["type": "object"]]]]),
                "/styles": stylesPath, "/styles/{styleId}": stylePath, "/map": mapPath, "/assets/{file}": assetPath,  // OpenAPIDocument+Styles.swift
                "/collections": get("getCollections", "The store's layers", ok: response("Collections", schema: "Collections")),
                "/collections/{collectionId}": get("describeCollection", "One layer", parameters: [collectionID],
                                                   ok: response("Collection", schema: "Collection")),
                "/collections/{collectionId}/items": get("getFeatures", "Features of a layer (any other query parameter named after one of the layer's properties selects features whose value equals it)", parameters: [collectionID, limit, offset, bbox, bboxCRS, crs, format],
                                                         ok: response("A page of features", "application/geo+json", schema: "FeatureCollection"), conditional: true),
                "/collections/{collectionId}/items/{featureId}": get("getFeature", "One feature", parameters: [collectionID, featureID, crs, format],
                                                                     ok: response("A feature", "application/geo+json", schema: "Feature"), conditional: true),
            ],
            "components": ["schemas": [
                "Exception": ["type": "object", "required": ["code"], "properties": ["code": ["type": "string"], "description": ["type": "string"]]],
                "Link": ["type": "object", "required": ["href"], "properties": ["href": ["type": "string"], "rel": ["type": "string"],
                                                                                   "type": ["type": "string"], "title": ["type": "string"]]],
                "Links": ["type": "object", "properties": ["links": ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]]],
                "Conformance": ["type": "object", "required": ["conformsTo"], "properties": ["conformsTo": ["type": "array", "items": ["type": "string"]]]],
                "Collection": ["type": "object", "required": ["id", "links"], "properties": [
                    "id": ["type": "string"], "title": ["type": "string"], "description": ["type": "string"], "itemType": ["type": "string"],
                    "crs": ["type": "array", "items": ["type": "string"]], "extent": ["type": "object"],
                    "links": ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]]],
                "Collections": ["type": "object", "required": ["collections", "links"], "properties": [
                    "collections": ["type": "array", "items": ["$ref": "#/components/schemas/Collection"]],
                    "links": ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]]],
                "Feature": ["type": "object", "required": ["type", "geometry", "properties"], "properties": [
                    "type": ["type": "string", "enum": ["Feature"]], "id": ["oneOf": [["type": "string"], ["type": "integer"]]],
                    "geometry": ["type": "object", "nullable": true], "properties": ["type": "object", "nullable": true],
                    "links": ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]]],
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
