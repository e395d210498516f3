import Foundation
import GeoKernel
import Hummingbird

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
    static func items(layer: String, features: [Feature], matched: Int, offset: Int, links: [[String: String]]) -> Response {
        var names: [String] = []
        for f in features { for p in f.properties where !names.contains(p.name) { names.append(p.name) } }
        var body = "<h1>\(escape(layer))</h1><p>features \(offset + 1)–\(offset + features.count) of \(matched)"
        for l in links where l["rel"] == "next" { body += " · <a href=\"\(escape(l["href"]!.replacingOccurrences(of: "f=html", with: "")))&f=html\">next page</a>" }
        body += " · <a href=\"/collections/\(escape(layer))/items?f=json\">GeoJSON</a></p><table><tr><th>id</th><th>geometry</th>"
        body += names.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for f in features {
            body += "<tr><td><a href=\"/collections/\(escape(layer))/items/\(escape(f.id.text ?? ""))?f=html\">\(escape(f.id.text ?? ""))</a></td><td>\(f.geometry?.kind.geoJSONName ?? "")</td>"
            for n in names { body += "<td>\(escape(f[n]?.text ?? ""))</td>" }
            body += "</tr>"
        }
        return page(title: "\(layer) — RenewalGIS", body: body + "</table>")
    }
}
