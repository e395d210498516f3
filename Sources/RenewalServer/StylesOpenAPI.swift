import Foundation
import OGCFeatures

/// The path items of the styles, assets and map routes (StylesAPI), for the OpenAPI document.
enum StylesOpenAPI {
    static var paths: [String: OpenAPI.PathItem] {
        ["/styles": styles, "/styles/{styleId}": style, "/map": map, "/assets/{file}": asset]
    }

    private static func operation(_ id: String, _ summary: String, parameters: [OpenAPI.Parameter] = [],
                            responses: [String: OpenAPI.Response]) -> OpenAPI.PathItem {
        var all = responses
        all["500"] = .body("Server error (details in the server log)", component: "Exception")
        return OpenAPI.PathItem(get: .init(operationId: id, summary: summary, parameters: parameters, responses: all))
    }

    private static let linkArray: JSONValue = ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]

    static var styles: OpenAPI.PathItem {
        operation("getStyles", "MapLibre styles of the store's layers (each with the collections it draws and whether the store has them)", responses: [
            "200": .body("The styles, with links to each", "application/json", schema: ["type": "object", "required": ["styles", "links"], "properties": [
                "styles": ["type": "array", "items": ["type": "object", "required": ["id", "links"], "properties": [
                    "id": ["type": "string"], "title": ["type": "string"], "description": ["type": "string"],
                    "collections": ["type": "array", "items": ["type": "string"]], "available": ["type": "boolean"],
                    "links": linkArray]]],
                "links": linkArray]]),
        ])
    }

    static var style: OpenAPI.PathItem {
        operation("getStyle", "A MapLibre style (version 8) whose GeoJSON sources are this server's items",
            parameters: [OpenAPI.ParameterObject.path("styleId", "A style, as listed by /styles")], responses: [
                "200": .body("The style", StylesAPI.styleType, schema: ["type": "object"]),
                "404": .body("Unknown style", component: "Exception"),
            ])
    }

    static var map: OpenAPI.PathItem {
        operation("getMap", "An HTML map of the store's layers drawn with the styles (MapLibre GL JS from /assets)", responses: [
            "200": .body("The map page; when MapLibre GL JS or the styles are not installed, a page saying how to install them", "text/html",
                         schema: ["type": "string"]),
        ])
    }

    static var asset: OpenAPI.PathItem {
        let file = OpenAPI.Parameter.inline(.init(name: "file", location: "path", required: true,
                                                  schema: ["type": "string", "enum": .array(StylesAPI.assetTypes.keys.sorted().map(JSONValue.string))]))
        return operation("getAsset", "MapLibre GL JS, as installed by `make maplibre`", parameters: [file], responses: [
            "200": OpenAPI.Response(description: "The file", content: Dictionary(uniqueKeysWithValues: StylesAPI.assetTypes.values.sorted().map {
                ($0, OpenAPI.MediaType(schema: ["type": "string"]))
            })),
            "304": OpenAPI.Response(description: "Not modified since the ETag given in If-None-Match"),
            "404": .body("Not a served file, or not installed", component: "Exception"),
        ])
    }
}
