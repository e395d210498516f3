import Foundation
import GeoKernel
import Hummingbird
import OGCFeatures

/// Plain HTML views for browsers (`f=html`): a page of features as a table, with its links.
enum HTMLPages {
    /// Text made safe inside HTML (and in attribute values).
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static func page(title: String, body: String) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}</style>
            </head><body><p><a href="/">RenewalGIS</a> · <a href="/collections">collections</a> · <a href="/map">map</a> · <a href="/api">API</a></p>
            \(body)</body></html>
            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page of features: one row per feature, one column per property, the geometry type.
    static func items(layer: String, features: [Feature], matched: Int, offset: Int, links: [Link]) -> Response {
        var names: [String] = []
        for f in features { for p in f.properties where !names.contains(p.name) { names.append(p.name) } }
        var body = "<h1>\(escape(layer))</h1><p>features \(offset + 1)–\(offset + features.count) of \(matched)"
        for l in links where l.rel == "next" { body += " · <a href=\"\(escape(l.href.replacingOccurrences(of: "f=html", with: "")))&f=html\">next page</a>" }
        body += " · <a href=\"/collections/\(escape(layer))/items?f=json\">GeoJSON</a></p><table><tr><th>id</th><th>geometry</th>"
        body += names.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for f in features {
            body += "<tr><td><a href=\"/collections/\(escape(layer))/items/\(escape(f.id.text ?? ""))\">\(escape(f.id.text ?? ""))</a></td><td>\(f.geometry?.kind.geoJSONName ?? "")</td>"
            for n in names { body += "<td>\(escape(f[n]?.text ?? ""))</td>" }
            body += "</tr>"
        }
        return page(title: "\(layer) — RenewalGIS", body: body + "</table>")
    }
}

/// `/service-doc`: the API explained for people (rel=service-doc from the landing page), generated
/// from the same configuration as `/api` so its limits are the served ones.
enum ServiceDocPage {
    static func response(base: String, configuration c: ServerConfiguration) -> Response {
        let e = HTMLPages.escape
        let rows: [(String, String)] = [
            ("/", "Landing page: links to everything below (JSON)."),
            ("/api", "The OpenAPI 3.0 definition (JSON): every path, parameter, response and media type, and each collection's own items path with its properties as parameters."),
            ("/conformance", "The OGC API – Features (Parts 1, 2, 3) and CQL2 conformance classes implemented."),
            ("/collections", "The store's layers, each with its extent and links."),
            ("/collections/{id}/queryables", "A JSON Schema of what filters may name; the temporal property is marked x-ogc-role: primary-instant."),
            ("/collections/{id}/items", "A page of GeoJSON features. limit (default \(c.defaultLimit); larger than \(c.maximumLimit) is served as \(c.maximumLimit)), offset, bbox (west > east crosses the antimeridian), bbox-crs, crs, datetime, filter (CQL2 text or JSON), filter-lang, filter-crs, sortby, properties, f=html, and any property name=value."),
            ("/collections/{id}/items/{featureId}", "One feature, by its identifying field (e.g. parcel_id) or row id."),
            ("/styles, /styles/{id}", "MapLibre styles of the layers."),
            ("/map", "A map of the store's layers (after make maplibre)."),
        ]
        var body = "<h1>RenewalGIS — OGC API – Features</h1><p>Every layer of the store is a collection. Every route answers GET and HEAD; other methods answer 405 with an Allow header.</p>"
        body += "<table><tr><th>path</th><th>what it answers</th></tr>"
        for (path, what) in rows { body += "<tr><td><code>\(e(path))</code></td><td>\(e(what))</td></tr>" }
        body += "</table><h2>Query strings</h2><p>Read as HTML forms: <code>+</code> is a space and <code>%XX</code> a byte, each decoded once; "
        body += "a <code>%</code> not followed by two hex digits, or text that is not UTF-8, is a 400 naming the parameter. "
        body += "Example: <code>\(e(base))/collections/parcels/items?filter=land_use+%3D+%27070101%27&amp;limit=10</code></p>"
        body += "<h2>Limits</h2><ul>"
        body += "<li>request target (path and query): \(c.maximumRequestTarget) bytes, longer answers 414 with a JSON body</li>"
        body += "<li>filter: \(c.maximumFilterLength) bytes, \(c.maximumFilterDepth) levels of nesting, \(c.maximumLogicDepth) levels of logic (NOT, AND/OR inside one another), \(c.maximumInListItems) values per IN list (past them: 400)</li>"
        body += "<li>one store query: \(c.queryTimeLimit) s, then 503</li>"
        body += "<li>an idle connection is closed after \(c.idleTimeout) s</li></ul>"
        body += "<h2>Consistency and caching</h2><p>Each response is read from one snapshot of the store: a page, its numberMatched and its ETag agree even while a layer is being replaced. "
        body += "ETags change whenever a layer is written; If-None-Match answers 304.</p>"
        return HTMLPages.page(title: "RenewalGIS API", body: body)
    }
}
