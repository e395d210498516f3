import Foundation
import OGCFeatures

/// The path items of the tiles routes (TilesAPI), for the OpenAPI document.
enum TilesOpenAPI {
    static var paths: [String: OpenAPI.PathItem] {
        ["/tileMatrixSets": matrixSets, "/tileMatrixSets/{tileMatrixSetId}": matrixSet,
         "/collections/{collectionId}/tiles": tilesets, "/collections/{collectionId}/tiles/{tileMatrixSetId}": tileset,
         "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": tile]
    }

    private static func operation(_ id: String, _ summary: String, parameters: [OpenAPI.Parameter] = [],
                                  responses: [String: OpenAPI.Response]) -> OpenAPI.PathItem {
        var all = responses
        all["500"] = .body("Server error (details in the server log)", component: "Exception")
        return OpenAPI.PathItem(get: .init(operationId: id, summary: summary, parameters: parameters, responses: all))
    }

    private static let collection = OpenAPI.ParameterObject.path("collectionId", "A collection (a layer of the store)")
    private static let matrixSetId = OpenAPI.Parameter.inline(.init(name: "tileMatrixSetId", location: "path", required: true,
                                                                     schema: ["type": "string", "enum": ["WebMercatorQuad"]]))
    private static func whole(_ name: String, _ description: String) -> OpenAPI.Parameter {
        .inline(.init(name: name, location: "path", required: true, schema: ["type": "integer", "minimum": 0, "description": .string(description)]))
    }
    private static let object: JSONValue = ["type": "object"]
    private static let properties = OpenAPI.ParameterObject.query(
        "properties", ["type": "array", "items": ["type": "string"]],
        "The attributes the tiles carry (the identifying field always among them); all when absent", list: true)

    static var matrixSets: OpenAPI.PathItem {
        operation("getTileMatrixSetsList", "The tile matrix sets tiles are served in (WebMercatorQuad)", responses: [
            "200": .body("The list", "application/json", schema: object)])
    }

    static var matrixSet: OpenAPI.PathItem {
        operation("getTileMatrixSet", "A tile matrix set (OGC Two Dimensional Tile Matrix Set 2.0)", parameters: [matrixSetId], responses: [
            "200": .body("The definition", "application/json", schema: object),
            "404": .body("Unknown tile matrix set", component: "Exception")])
    }

    static var tilesets: OpenAPI.PathItem {
        operation("getCollectionVectorTilesetsList", "The vector tilesets of a collection", parameters: [collection], responses: [
            "200": .body("The tilesets", "application/json", schema: object),
            "404": .body("Unknown collection", component: "Exception")])
    }

    static var tileset: OpenAPI.PathItem {
        let f = OpenAPI.Parameter.inline(.init(name: "f", location: "query", required: false, schema: ["type": "string", "enum": ["json", "tilejson"]]))
        return operation("getCollectionVectorTileSet", "A tileset's metadata (f=tilejson: as TileJSON 3.0.0)", parameters: [collection, matrixSetId, f, properties], responses: [
            "200": .body("The metadata", "application/json", schema: object),
            "400": .body("An unknown parameter, format or property", component: "Exception"),
            "404": .body("Unknown collection or tile matrix set", component: "Exception")])
    }

    static var tile: OpenAPI.PathItem {
        operation("getCollectionVectorTile", "A Mapbox Vector Tile of the collection (gzip when accepted)",
                  parameters: [collection, matrixSetId, whole("tileMatrix", "The zoom, 0–22"), whole("tileRow", "The row, from the north"),
                               whole("tileCol", "The column, from the west"), properties], responses: [
            "200": .body("The tile", TilesService.mediaType, schema: ["type": "string", "format": "binary"]),
            "204": OpenAPI.Response(description: "No feature of the collection meets the tile"),
            "304": OpenAPI.Response(description: "Not modified since the ETag given in If-None-Match"),
            "400": .body("A part of the path is not a whole number, or an unknown parameter or property", component: "Exception"),
            "404": .body("Unknown collection or tile matrix set, or a tile outside the tileset's limits", component: "Exception")])
    }
}
