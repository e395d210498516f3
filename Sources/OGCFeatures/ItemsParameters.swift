import Foundation
import GeoKernel
import CQL2
import GeoStore

/// Part 3 (filtering, queryables) and the Part 1 `datetime`, plus `sortby` and `properties`:
/// parsing and checking the parameters of /items against the layer's catalogue.
extension FeaturesService {
    /// `filter` with `filter-lang` and `filter-crs`, compiled against the layer (nil without `filter`)
    /// and checked against the backend's limits. Sets the compiler's filter CRS.
    func filter(_ query: [String: String], compiler: inout FilterCompiler, snapshot: any FeatureSnapshot, layer: String) throws -> FeaturePredicate? {
        let language = query["filter-lang"] ?? "cql2-text"
        guard language == "cql2-text" || language == "cql2-json" else {
            throw RequestError.invalidParameter("filter-lang=\(language) is not supported (use cql2-text or cql2-json)")
        }
        guard let text = query["filter"] else {
            if query["filter-crs"] != nil { throw RequestError.invalidParameter("filter-crs is given without filter") }
            return nil
        }
        guard text.utf8.count <= limits.maximumFilterLength else {
            throw RequestError.invalidParameter("filter is \(text.utf8.count) bytes long; this server takes at most \(limits.maximumFilterLength)")
        }
        compiler.filterCRS = try query["filter-crs"].flatMap { try CRSChoice.requested($0, parameter: "filter-crs") }
            .map { (crs: $0.crs, uri: $0.uri, swap: $0.northingFirst) }
        let cql2Limits = CQL2Limits(maximumDepth: limits.maximumFilterDepth, maximumListItems: limits.maximumInListItems)
        do {
            let expression = language == "cql2-json" ? try CQL2JSONDecoder.parse(text, limits: cql2Limits) : try CQL2TextParser.parse(text, limits: cql2Limits)
            let predicate = try compiler.compile(expression)
            try snapshot.check(predicate, layer: layer)
            return predicate
        } catch {
            // A bad filter, or one past the backend's limits, with the parameter named.
            throw RequestError.inContext("filter (\(language))", error)
        }
    }

    /// A property filter's text as a value of the field's type (text when it does not parse as one).
    static func literal(_ text: String, for field: FieldInfo) -> CQL2Scalar {
        switch field.type {
        case .integer, .boolean: Int64(text).map(CQL2Scalar.integer) ?? .string(text)
        case .real: Double(text).flatMap { $0.isFinite ? CQL2Scalar.number($0) : nil } ?? .string(text)
        default: .string(text)
        }
    }

    /// `datetime`: an instant (`2024-03-01T10:00:00Z`, or a date for its whole day) or an interval
    /// `start/end` whose either end may be open (`..` or empty), as seconds since 1970 UTC.
    static func datetimeInterval(_ text: String) throws -> (start: Double?, end: Double?) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func bad(_ why: String) -> RequestError {
            RequestError.invalidParameter("datetime=\(text) \(why) (use 2024-03-01T10:00:00Z, 2024-03-01, 2024-01-01/2024-12-31, ../2024-03-01 or 2024-03-01/..)")
        }
        if parts.count == 1 {
            guard let span = TimeInstant.span(text) else { throw bad("is not an RFC 3339 date-time or date") }
            return (span.start, span.end)
        }
        guard parts.count == 2 else { throw bad("is not an instant or an interval") }
        let open: Set<String> = ["..", ""]
        var start: Double? = nil, end: Double? = nil
        if !open.contains(parts[0]) {
            guard let span = TimeInstant.span(parts[0]) else { throw bad("starts with \(parts[0]), not a date-time or date") }
            start = span.start
        }
        if !open.contains(parts[1]) {
            guard let span = TimeInstant.span(parts[1]) else { throw bad("ends with \(parts[1]), not a date-time or date") }
            end = span.end
        }
        guard start != nil || end != nil else { throw bad("is open at both ends") }
        if let start, let end, start > end { throw bad("ends before it starts") }
        return (start, end)
    }

    /// `sortby=+name,-area`: attribute fields, `+` (or none) ascending, `-` descending.
    static func sortKeys(_ text: String, fields: [FieldInfo]) throws -> [SortKey] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
            var name = item.trimmingCharacters(in: .whitespaces)
            var descending = false
            if name.hasPrefix("-") { descending = true; name.removeFirst() } else if name.hasPrefix("+") { name.removeFirst() }
            guard fields.contains(where: { $0.name == name }) else {
                throw RequestError.invalidParameter("sortby: \(name.isEmpty ? "an empty field name" : "unknown field \"\(name)\"") (sortable: \(fields.map(\.name).joined(separator: ", ")))")
            }
            return SortKey(field: name, descending: descending)
        }
    }

    /// `properties=a,b`: the attributes to return, in this order (empty: none).
    static func propertyList(_ text: String, fields: [FieldInfo]) throws -> [String] {
        var names: [String] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: true) {
            let name = item.trimmingCharacters(in: .whitespaces)
            guard fields.contains(where: { $0.name == name }) else {
                throw RequestError.invalidParameter("properties: unknown property \"\(name)\" (properties: \(fields.map(\.name).joined(separator: ", ")))")
            }
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// A query-string component with everything but unreserved characters (and `,` `:` `/`) percent-encoded.
    static func queryEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? text
    }

    private static let queryAllowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~,:/")
}
