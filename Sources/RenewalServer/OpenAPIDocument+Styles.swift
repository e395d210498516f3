import Foundation

/// The path items of the styles, assets and map routes (StylesAPI), for the OpenAPI document.
extension OpenAPIDocument {
    private static func exception(_ description: String) -> [String: Any] {
        ["description": description, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Exception"]]]]
    }

    private static func getOperation(_ id: String, _ summary: String, parameters: [[String: Any]] = [], responses: [String: Any]) -> [String: Any] {
        var all = responses
        all["500"] = exception("Server error (details in the server log)")
        return ["get": ["operationId": id, "summary": summary, "parameters": parameters, "responses": all]]
    }

    static var stylesPath: [String: Any] {
        getOperation("getStyles", "MapLibre styles of the store's layers (each with the collections it draws and whether the store has them)", responses: [
            "200": ["description": "The styles, with links to each",
                    "content": ["application/json": ["schema": ["type": "object", "required": ["styles", "links"], "properties": [
                        "styles": ["type": "array", "items": ["type": "object", "required": ["id", "links"], "properties": [
                            "id": ["type": "string"], "title": ["type": "string"], "description": ["type": "string"],
                            "collections": ["type": "array", "items": ["type": "string"]], "available": ["type": "boolean"],
                            "links": ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]]]],
                        "links": ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]]]]]],
        ])
    }

    static var stylePath: [String: Any] {
        let styleID: [String: Any] = ["name": "styleId", "in": "path", "required": true, "schema": ["type": "string"],
                                      "description": "A style, as listed by /styles"]
        return getOperation("getStyle", "A MapLibre style (version 8) whose GeoJSON sources are this server's items", parameters: [styleID], responses: [
            "200": ["description": "The style", "content": [StylesAPI.styleType: ["schema": ["type": "object"]]]],
            "404": exception("Unknown style"),
        ])
    }

    static var mapPath: [String: Any] {
        getOperation("getMap", "An HTML map of the store's layers drawn with the styles (MapLibre GL JS from /assets)", responses: [
            "200": ["description": "The map page; when MapLibre GL JS or the styles are not installed, a page saying how to install them",
                    "content": ["text/html": ["schema": ["type": "string"]]]],
        ])
    }

    static var assetPath: [String: Any] {
        let file: [String: Any] = ["name": "file", "in": "path", "required": true,
                                   "schema": ["type": "string", "enum": StylesAPI.assetTypes.keys.sorted()]]
        return getOperation("getAsset", "MapLibre GL JS, as installed by `make maplibre`", parameters: [file], responses: [
            "200": ["description": "The file", "content": Dictionary(uniqueKeysWithValues: StylesAPI.assetTypes.values.sorted().map { ($0, ["schema": ["type": "string"]]) })],
            "304": ["description": "Not modified since the ETag given in If-None-Match"],
            "404": exception("Not a served file, or not installed"),
        ])
    }
}
