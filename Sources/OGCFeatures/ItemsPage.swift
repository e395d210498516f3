import Foundation
import GeoKernel
import GeoStore
import CQL2
import Synchronization

/// A request for a page of `/collections/{id}/items`, checked against the layer's catalogue inside one
/// snapshot of the store: what to select, sort and return, and the version a client may already hold.
/// Valid only inside the snapshot it was planned in.
public struct ItemsPlan {
    /// The layer served.
    public let layer: LayerRecord
    /// What the page's entity tag stands for: the request target, the layer's catalogue entry and the
    /// store's content version, so it changes whenever the content may have.
    public let version: String
    /// Whether the client asked for the HTML table (`f=html`) instead of GeoJSON.
    public let wantsHTML: Bool
    /// The URI of the CRS coordinates are written in (`Content-Crs`).
    public let crs: String

    let snapshot: any FeatureSnapshot
    let query: FeatureQuery
    let outputCRS: CRSChoice?
    let selected: [String]?
    /// The links' query, less limit and offset: every parameter that shapes the selection.
    let carried: [String]
    let itemsPath: String
    let batch: Int

    /// Reads the page's first batch and, when that does not settle it, counts the matches.
    public func read() throws -> ItemsPage {
        let key = try snapshot.identifierField(of: layer.name)
        // The identifying field is read even when not selected: it gives features their ids.
        var pageQuery = query
        pageQuery.columns = selected.map { list in list + (key.map { list.contains($0) ? [] : [$0] } ?? []) }
        // When the first batch comes back short the match count is known without a second pass over the
        // selection (the usual case for a bbox page); otherwise it is counted.
        let limit = pageQuery.limit, offset = pageQuery.offset
        if let held = snapshot as? HeldSnapshot, selected == nil, outputCRS == nil {
            // From memory: the page's features are written already.
            let all = try held.copy.matches(query.boxes)
            let start = min(offset, all.count)
            let page = all[start..<start + min(limit, all.count - start)]
            return ItemsPage(plan: self, query: pageQuery, key: key, first: [], held: (held.copy, page), numberMatched: all.count,
                             numberReturned: page.count, links: links(limit: limit, offset: offset, matched: all.count, returned: page.count))
        }
        var firstQuery = pageQuery
        firstQuery.limit = min(pageQuery.limit, batch)
        let first = try snapshot.page(of: layer.name, query: firstQuery)
        let matched = first.count < firstQuery.limit && (!first.isEmpty || offset == 0)
            ? offset + first.count : try snapshot.matchCount(of: layer.name, query: pageQuery)
        let returned = max(0, min(limit, matched - offset))
        return ItemsPage(plan: self, query: pageQuery, key: key, first: first, held: nil, numberMatched: matched, numberReturned: returned,
                         links: links(limit: limit, offset: offset, matched: matched, returned: returned))
    }

    /// `self`, and `next` when features follow this page.
    func links(limit: Int, offset: Int, matched: Int, returned: Int) -> [Link] {
        var links = [Link(itemsPath + "?" + (["limit=\(limit)", "offset=\(offset)"] + carried).joined(separator: "&"),
                          rel: "self", type: "application/geo+json", title: "this page")]
        if offset + returned < matched {
            links.append(Link(itemsPath + "?" + (["limit=\(limit)", "offset=\(offset + returned)"] + carried).joined(separator: "&"),
                              rel: "next", type: "application/geo+json", title: "next page"))
        }
        return links
    }
}

/// A page of features being read from a snapshot: its counts and links known, its features read batch
/// by batch as they are written. Valid only inside the snapshot it was read in.
public struct ItemsPage {
    public let plan: ItemsPlan
    let query: FeatureQuery
    let key: String?
    let first: [Feature]
    /// A page from a layer held in memory: the copy and the positions of the page's features in it.
    let held: (copy: HeldLayer, positions: ArraySlice<Int>)?
    /// Features matching the selection, over all pages.
    public let numberMatched: Int
    /// Features on this page.
    public let numberReturned: Int
    /// `self`, and `next` when more features follow.
    public let links: [Link]

    /// The first feature's position among the matches (0-based).
    public var offset: Int { query.offset }

    /// Every feature of the page, with its id and selected properties, in the stored CRS (for the HTML table).
    public func features() throws -> [Feature] {
        // The first batch is the whole page when it holds every feature returned.
        let page = first.count == numberReturned ? first : try plan.snapshot.page(of: plan.layer.name, query: query)
        return page.map { identified($0) }
    }

    /// The page as a GeoJSON FeatureCollection, handed to `write` in pieces: the head with the counts
    /// and links, then the features batch by batch as they are read (memory stays flat whatever the
    /// page size), then `numberReturned`, which closes the object.
    public func writeGeoJSON(to write: ([UInt8]) throws -> Void) throws {
        var head = Array("{\"type\":\"FeatureCollection\",\"numberMatched\":\(numberMatched),\"timeStamp\":".utf8)
        GeoJSON.writeString(Timestamps.now(), to: &head)
        head += ",\"links\":".utf8
        try Link.write(links, to: &head)
        head += ",\"features\":[".utf8
        try write(head)
        var written = 0
        if let held {
            // Features written once when the layer was loaded, batch by batch.
            var bytes: [UInt8] = []
            for position in held.positions {
                if written > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes += held.copy.geoJSON(position)
                written += 1
                if written % plan.batch == 0 { try write(bytes); bytes.removeAll(keepingCapacity: true) }
            }
            try write(bytes + Array("],\"numberReturned\":\(written)}".utf8))
            return
        }
        var pending: [Feature]? = first
        while written < numberReturned {
            var features: [Feature]
            if let firstBatch = pending {
                features = firstBatch
                pending = nil
            } else {
                var batch = query
                batch.offset = query.offset + written
                batch.limit = min(plan.batch, numberReturned - written)
                features = try plan.snapshot.page(of: plan.layer.name, query: batch)
            }
            if features.isEmpty { break }
            if let outputCRS = plan.outputCRS { features = try outputCRS.reproject(features) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(features.count * 400)
            for feature in features {
                if written > 0 { bytes.append(UInt8(ascii: ",")) }
                GeoJSON.write(identified(feature), to: &bytes)
                written += 1
            }
            try write(bytes)
        }
        try write(Array("],\"numberReturned\":\(written)}".utf8))
    }

    /// The feature with its identifying value as id and only the selected properties.
    func identified(_ feature: Feature) -> Feature {
        var f = feature.identified(by: key)
        if let selected = plan.selected { f.properties = selected.compactMap { name in f.properties.first { $0.name == name } } }
        return f
    }
}

extension Feature {
    /// The feature with its identifying field's value as its id (the row id when the layer has none).
    func identified(by key: String?) -> Feature {
        guard let key, let value = self[key], value != .null else { return self }
        var f = self
        f.id = value
        return f
    }
}

extension FeaturesService {
    /// The query parameters of /items besides property filters; a property named like one of these
    /// can be filtered through `filter` only.
    public static let itemParameters: Set<String> = ["limit", "offset", "bbox", "bbox-crs", "crs", "f", "filter", "filter-lang", "filter-crs",
                                                     "datetime", "sortby", "properties"]
    static let itemParameterList = "limit, offset, bbox, bbox-crs, crs, f, filter, filter-lang, filter-crs, datetime, sortby, properties"

    /// `/collections/{id}/items`: the parameters parsed and checked against the layer, in `snapshot`.
    /// `target` is the request's path and query as sent (the entity tag's part of the request).
    public func items(_ id: String, parameters form: QueryParameters, base: String, target: String,
                      in snapshot: any FeatureSnapshot) throws -> ItemsPlan {
        let layer = try layer(id, in: snapshot)
        var query: [String: String] = [:]
        for (key, value) in form.pairs where query[key] == nil { query[key] = value }
        // Property filters: a query parameter named after an attribute selects features whose value equals it.
        let others = form.pairs.filter { !Self.itemParameters.contains($0.name) }
        let needsFields = !others.isEmpty || ["filter", "datetime", "sortby", "properties"].contains { query[$0] != nil }
        let fields = needsFields ? try snapshot.fields(of: layer.name) : []
        var compiler = FilterCompiler(layer: layer.name, fields: fields)
        compiler.maximumLogicDepth = limits.maximumLogicDepth
        var predicates: [FeaturePredicate] = []
        var equal: [(key: String, value: String)] = []
        for (key, value) in others {
            guard let field = fields.first(where: { $0.name == key }) else {
                throw RequestError.invalidParameter("unknown query parameter \"\(key)\" (this server takes \(Self.itemParameterList), and the properties of \(layer.name): \(fields.map(\.name).sorted().joined(separator: ", ")))")
            }
            equal.append((key, value))
            predicates.append(try compiler.compile(.comparison(.equal, .property(key), Self.literal(value, for: field))))
        }
        if let f = query["f"], !["json", "geojson", "html"].contains(f) {
            throw RequestError.invalidParameter("f=\(f) is not served (use f=json, f=geojson or f=html)")
        }
        var limit = limits.defaultLimit
        if let text = query["limit"] {
            // A whole number too large for Int is still a request for the largest page.
            let digits = !text.isEmpty && text.utf8.allSatisfy { (48...57).contains($0) }
            guard let n = Int(text) ?? (digits ? Int.max : nil), n >= 1 else {
                throw RequestError.invalidParameter("limit=\(text) must be a whole number of at least 1 (pages hold at most \(limits.maximumLimit) features; a larger limit is served as \(limits.maximumLimit))")
            }
            limit = min(n, limits.maximumLimit)
        }
        var offset = 0
        if let text = query["offset"] {
            guard let n = Int(text), n >= 0 else { throw RequestError.invalidParameter("offset=\(text) must be a whole number ≥ 0") }
            offset = n
        }
        var boxes: [Envelope] = []
        if let bbox = query["bbox"] {
            boxes = try CRSChoice.boxes(bbox: bbox, in: try query["bbox-crs"].flatMap { try CRSChoice.requested($0, parameter: "bbox-crs") })
        } else if query["bbox-crs"] != nil {
            throw RequestError.invalidParameter("bbox-crs is given without bbox")
        }
        let outputCRS = try query["crs"].flatMap { try CRSChoice.requested($0, parameter: "crs") }
        if let filter = try self.filter(query, compiler: &compiler, snapshot: snapshot, layer: layer.name) { predicates.append(filter) }
        if let text = query["datetime"] {
            let interval = try Self.datetimeInterval(text)
            // Layers without a temporal field: no feature has temporal information, so every one matches.
            if let field = TemporalExtent.field(in: fields) {
                predicates.append(.temporal(field: field.name, start: interval.start, end: interval.end))
            }
        }
        let sortBy = try query["sortby"].map { try Self.sortKeys($0, fields: fields) } ?? []
        let selected = try query["properties"].map { try Self.propertyList($0, fields: fields) }
        let carried = ["bbox", "bbox-crs", "crs", "filter", "filter-lang", "filter-crs", "datetime", "sortby", "properties"].compactMap { key in
            query[key].map { "\(key)=\(Self.queryEncoded($0))" }
        } + equal.map { "\(Self.queryEncoded($0.key))=\(Self.queryEncoded($0.value))" }
        return ItemsPlan(layer: layer, version: "\(target)|\(layer.fingerprint)|\(snapshot.contentVersion)", wantsHTML: query["f"] == "html",
                         crs: outputCRS?.uri ?? CRSChoice.crs84, snapshot: snapshot,
                         query: FeatureQuery(boxes: boxes, predicates: predicates, sortBy: sortBy, columns: nil, limit: limit, offset: offset),
                         outputCRS: outputCRS, selected: selected, carried: carried,
                         itemsPath: base + "/collections/\(id)/items", batch: limits.streamBatch)
    }

    /// `/collections/{id}/items/{featureId}`: the feature as a GeoJSON object with its links, in the
    /// CRS of `crs` (default CRS84), read in one snapshot.
    public func feature(_ id: String, featureID: String, parameters: QueryParameters, base: String) throws -> FeatureAnswer {
        for key in parameters.names where !["crs", "f"].contains(key) {
            // (f is accepted for symmetry with items; only GeoJSON is served for a feature.)
            throw RequestError.invalidParameter("unknown query parameter \"\(key)\" (a feature takes crs, f)")
        }
        if let f = parameters["f"], !["json", "geojson"].contains(f) {
            throw RequestError.invalidParameter("f=\(f) is not served for a feature (use f=json or f=geojson)")
        }
        let outputCRS = try parameters["crs"].flatMap { try CRSChoice.requested($0, parameter: "crs") }
        var body = try store.withSnapshot { snapshot -> String in
            let layer = try layer(id, in: snapshot)
            guard var feature = try snapshot.feature(of: layer.name, id: featureID) else {
                throw RequestError.notFound("no feature \"\(featureID)\" in collection \"\(id)\"")
            }
            if let outputCRS { feature = try outputCRS.reproject([feature])[0] }
            var body = ""
            GeoJSON.write(feature.identified(by: try snapshot.identifierField(of: layer.name)), to: &body)
            return body
        }
        // The version is the feature as written, so it changes exactly when the feature does.
        let version = Array(body.utf8) + Array((outputCRS?.uri ?? "").utf8)
        body.removeLast()
        body += ",\"links\":" + String(decoding: try DocumentEncoder.encode([
            Link(base + "/collections/\(id)/items/\(featureID)", rel: "self", type: "application/geo+json", title: "this feature"),
            Link(base + "/collections/\(id)", rel: "collection", type: "application/json", title: "its collection"),
        ]), as: UTF8.self) + "}"
        return FeatureAnswer(body: body, version: version, crs: outputCRS?.uri ?? CRSChoice.crs84)
    }
}

/// One feature, written: its GeoJSON with links, what its entity tag stands for, and its CRS's URI.
public struct FeatureAnswer: Sendable {
    public var body: String
    /// The feature as written and the CRS asked for: changes exactly when the answer does.
    public var version: [UInt8]
    public var crs: String
}

/// How every document is written: keys sorted, slashes not escaped.
public enum DocumentEncoder {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

extension Link {
    /// `links` as `DocumentEncoder` writes them (keys sorted, slashes not escaped), appended to `out`
    /// without a JSONEncoder when no string needs escaping (the usual case: URLs and plain titles).
    static func write(_ links: [Link], to out: inout [UInt8]) throws {
        func plain(_ s: String) -> Bool { s.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C && $0 != 0x7F } }
        guard links.allSatisfy({ plain($0.href) && plain($0.rel) && plain($0.title) && plain($0.type) }) else {
            out += try DocumentEncoder.encode(links)
            return
        }
        out.append(UInt8(ascii: "["))
        for (i, link) in links.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += "{\"href\":\"".utf8; out += link.href.utf8
            out += "\",\"rel\":\"".utf8; out += link.rel.utf8
            out += "\",\"title\":\"".utf8; out += link.title.utf8
            out += "\",\"type\":\"".utf8; out += link.type.utf8
            out += "\"}".utf8
        }
        out.append(UInt8(ascii: "]"))
    }
}

/// The time of a response (`timeStamp`), ISO 8601 in UTC to the second, formatted once a second.
enum Timestamps {
    private static let last = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        let second = Int(Date().timeIntervalSince1970.rounded(.down))
        if let text = last.withLock({ $0.second == second ? $0.text : nil }) { return text }
        let text = Date(timeIntervalSince1970: Double(second)).formatted(.iso8601)
        last.withLock { $0 = (second, text) }
        return text
    }
}
