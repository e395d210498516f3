import Foundation
import GeoKernel
import Synchronization

/// A store held in memory: the reference implementation of `FeatureReading`, for tests of whatever
/// reads through the protocol (the HTTP layer) without SQLite, GDAL or a file, and the second
/// backend the storage contract suite holds SpatiaLite to.
///
/// It evaluates a `FeaturePredicate` as SQL does: comparisons with NULL are unknown, and unknown
/// selects nothing (nor does its NOT); numbers compare as numbers and text as text (by Unicode
/// code points, as SQLite's BINARY collation compares UTF-8 bytes); NULLs sort first. Layers are
/// replaced whole, atomically: a snapshot taken before a replace keeps reading the old layer.
public final class InMemoryStore: FeatureReading {
    /// A layer: its catalogue entry, fields and features (ids are their row numbers from 1).
    public struct Layer: Sendable {
        public var record: LayerRecord
        public var fields: [FieldInfo]
        public var features: [Feature]

        public init(record: LayerRecord, fields: [FieldInfo], features: [Feature]) {
            self.record = record; self.fields = fields; self.features = features
        }
    }

    /// The layers by name and the content version, replaced together.
    let state = Mutex<(layers: [String: Layer], version: Int)>(([:], 0))
    /// The settings (`metric_crs`), by key.
    let settingValues = Mutex<[String: String]>([:])

    public init() {}

    /// Adds or replaces a layer: features get ids 1, 2, … in order and only the fields' values
    /// (missing ones NULL); the catalogue's count and extent are taken from the features.
    public func replace(_ name: String, fields: [FieldInfo], features: [Feature], kind: String = "source",
                        sourceFile: String = "memory", importedAt: String = "1970-01-01T00:00:00Z") {
        let layer = Self.layer(name, fields: fields, features: features, kind: kind, sourceFile: sourceFile, sourceLayer: name,
                               importedAt: importedAt)
        state.withLock { state in
            state.layers[name] = layer
            state.version += 1
        }
    }

    /// A layer of `features` (ids 1, 2, … in order; only the fields' values, missing ones NULL) with its
    /// catalogue entry, count and extent taken from the features.
    static func layer(_ name: String, fields: [FieldInfo], features: [Feature], kind: String, sourceFile: String, sourceLayer: String,
                      importedAt: String, declaredKind: GeometryKind? = nil, repaired: Int = 0, skipped: Int = 0) -> Layer {
        var extent = Envelope.empty
        var stored: [Feature] = []
        stored.reserveCapacity(features.count)
        // A result layer's kind is its spec's; a source layer's that of its first geometry, as stored.
        var geometryType = declaredKind?.rawValue ?? ""
        for (i, f) in features.enumerated() {
            if let e = f.geometry?.envelope { extent.expand(toInclude: e) }
            if geometryType.isEmpty, let g = f.geometry { geometryType = g.kind.storageKind.rawValue }
            stored.append(Feature(id: .int(Int64(i + 1)),
                                  properties: fields.map { ($0.name, f[$0.name] ?? .null) }, geometry: f.geometry))
        }
        let record = LayerRecord(name: name, kind: kind, sourceFile: sourceFile, sourceLayer: sourceLayer, sourceCRS: "EPSG:4490",
                                 featureCount: stored.count,
                                 minX: extent.isEmpty ? nil : extent.minX, minY: extent.isEmpty ? nil : extent.minY,
                                 maxX: extent.isEmpty ? nil : extent.maxX, maxY: extent.isEmpty ? nil : extent.maxY,
                                 geometryType: geometryType, importedAt: importedAt, repairedCount: repaired, skippedCount: skipped)
        return Layer(record: record, fields: fields, features: stored)
    }

    public func withSnapshot<T>(_ body: (any FeatureSnapshot) throws -> T) throws -> T {
        let (layers, version) = state.withLock { ($0.layers, $0.version) }
        return try body(Snapshot(content: layers, contentVersion: version))
    }

    /// One state of the store: copies of the layers (values), so a replace afterwards changes nothing here.
    struct Snapshot: FeatureSnapshot {
        let content: [String: Layer]
        let contentVersion: Int

        func layers() throws -> [LayerRecord] { content.values.map(\.record).sorted { $0.name < $1.name } }
        func layer(_ name: String) throws -> LayerRecord? { content[name]?.record }

        func named(_ name: String) throws -> Layer {
            guard let layer = content[name] else {
                throw StoreError.unknownLayer(path: "memory", layer: name, available: content.keys.sorted())
            }
            return layer
        }

        func fields(of layer: String) throws -> [FieldInfo] { try named(layer).fields }

        func identifierField(of layer: String) throws -> String? {
            let l = try named(layer)
            let names = l.fields.map(\.name)
            for field in identifierCandidates(names) {
                let values = l.features.compactMap { f -> PropertyValue? in
                    let v = f[field] ?? .null
                    return v == .null ? nil : v
                }
                if values.count == l.features.count, Set(values.map(InMemoryStore.distinctKey)).count == values.count { return field }
            }
            return nil
        }

        func page(of layer: String, query: FeatureQuery) throws -> [Feature] {
            let l = try named(layer)
            var selected = try matching(l, query)
            if !query.sortBy.isEmpty {
                for key in query.sortBy where !l.fields.contains(where: { $0.name == key.field }) {
                    throw StoreError.unknownField(layer: layer, field: key.field, available: l.fields.map(\.name))
                }
                // Stable: features equal on every key stay in id order (the row id tie-breaker).
                selected = selected.enumerated().sorted { a, b in
                    for key in query.sortBy {
                        let order = InMemoryStore.order(a.element[key.field] ?? .null, b.element[key.field] ?? .null)
                        if order != .orderedSame { return key.descending ? order == .orderedDescending : order == .orderedAscending }
                    }
                    return a.offset < b.offset
                }.map(\.element)
            }
            let page = selected.dropFirst(query.offset).prefix(max(0, query.limit))
            guard let columns = query.columns else { return Array(page) }
            for c in columns where !l.fields.contains(where: { $0.name == c }) {
                throw StoreError.unknownField(layer: layer, field: c, available: l.fields.map(\.name))
            }
            return page.map { f in Feature(id: f.id, properties: columns.map { ($0, f[$0] ?? .null) }, geometry: f.geometry) }
        }

        func matchCount(of layer: String, query: FeatureQuery) throws -> Int { try matching(try named(layer), query).count }

        func temporalExtent(of layer: String) throws -> TemporalExtent? {
            let l = try named(layer)
            guard let field = TemporalExtent.field(in: l.fields) else { return nil }
            let spans = l.features.compactMap { ($0[field.name]?.text).flatMap(TimeInstant.span) }
            return TemporalExtent(field: field, start: spans.map(\.start).min(), end: spans.map(\.end).max())
        }

        func temporalFormat(of layer: String, field: FieldInfo) throws -> String {
            switch field.type {
            case .date: return "date"
            case .dateTime: return "date-time"
            default: break
            }
            let longer = try named(layer).features.contains { f in
                guard let text = f[field.name]?.text, TimeInstant.span(text) != nil else { return false }
                return text.count > 10
            }
            return longer ? "date-time" : "date"
        }

        func feature(of layer: String, id: String) throws -> Feature? {
            let l = try named(layer)
            if let key = try identifierField(of: layer) { return l.features.first { $0[key]?.text == id } }
            guard let row = Int(id), row >= 1, row <= l.features.count else { return nil }
            return l.features[row - 1]
        }

        func check(_ predicate: FeaturePredicate, layer: String) throws {}

        private func matching(_ layer: Layer, _ query: FeatureQuery) throws -> [Feature] {
            let geos = try GEOSContext()
            let boxes = try query.boxes.map { b in
                try geos.make(.polygon([[Position(b.minX, b.minY), Position(b.maxX, b.minY), Position(b.maxX, b.maxY),
                                         Position(b.minX, b.maxY), Position(b.minX, b.minY)]]))
            }
            var evaluator = PredicateEvaluator(geos: geos, fields: layer.fields, layer: layer.record.name)
            return try layer.features.filter { f in
                if !boxes.isEmpty {
                    guard let g = f.geometry else { return false }
                    let shape = try geos.make(g)
                    guard try boxes.contains(where: { try shape.holds(.intersects, with: $0) }) else { return false }
                }
                for p in query.predicates where try evaluator.truth(p, f) != true { return false }
                return true
            }
        }
    }

    /// A value's identity for "all distinct" (SQL: 1 and 1.0 are the same value).
    static func distinctKey(_ v: PropertyValue) -> String {
        switch v {
        case .int, .double, .bool: "n:\(v.number!)"
        case .string(let s): "t:" + s
        case .null: "null"
        }
    }

    /// SQLite's order of values: NULL, then numbers by value, then text by code points.
    static func order(_ a: PropertyValue, _ b: PropertyValue) -> ComparisonResult {
        func rank(_ v: PropertyValue) -> Int {
            switch v { case .null: 0; case .int, .double, .bool: 1; case .string: 2 }
        }
        if rank(a) != rank(b) { return rank(a) < rank(b) ? .orderedAscending : .orderedDescending }
        switch (a, b) {
        case (.string(let x), .string(let y)):
            let (u, v) = (Array(x.unicodeScalars.map(\.value)), Array(y.unicodeScalars.map(\.value)))
            return u == v ? .orderedSame : (u.lexicographicallyPrecedes(v) ? .orderedAscending : .orderedDescending)
        case (.null, .null): return .orderedSame
        default:
            let (x, y) = (a.number!, b.number!)
            return x == y ? .orderedSame : (x < y ? .orderedAscending : .orderedDescending)
        }
    }
}

/// Evaluates a predicate on one feature with SQL's three-valued logic (nil: unknown).
struct PredicateEvaluator {
    let geos: GEOSContext
    let fields: [FieldInfo]
    let layer: String
    private var literals: [Geometry: GEOSGeometry] = [:]

    init(geos: GEOSContext, fields: [FieldInfo], layer: String) { self.geos = geos; self.fields = fields; self.layer = layer }

    mutating func truth(_ p: FeaturePredicate, _ f: Feature) throws -> Bool? {
        switch p {
        case .constant(let b): return b
        case .and(let terms):
            var unknown = false
            for t in terms {
                switch try truth(t, f) { case false?: return false; case nil: unknown = true; default: break }
            }
            return unknown ? nil : true
        case .or(let terms):
            var unknown = false
            for t in terms {
                switch try truth(t, f) { case true?: return true; case nil: unknown = true; default: break }
            }
            return unknown ? nil : false
        case .not(let inner): return try truth(inner, f).map { !$0 }
        case .compare(let a, let op, let b):
            guard let (x, y) = try pair(a, b, f) else { return nil }
            let o = InMemoryStore.order(x, y)
            switch op {
            case .equal: return o == .orderedSame
            case .notEqual: return o != .orderedSame
            case .less: return o == .orderedAscending
            case .lessOrEqual: return o != .orderedDescending
            case .greater: return o == .orderedDescending
            case .greaterOrEqual: return o != .orderedAscending
            }
        case .like(let a, let pattern):
            guard let x = try value(a, f), let text = x.text else { return nil }
            return Self.matches(Array(text), Array(pattern))
        case .between(let a, let low, let high):
            // x BETWEEN l AND h is x >= l AND x <= h.
            let above = try pair(a, low, f).map { InMemoryStore.order($0.0, $0.1) != .orderedAscending }
            let below = try pair(a, high, f).map { InMemoryStore.order($0.0, $0.1) != .orderedDescending }
            if above == false || below == false { return false }
            return above == nil || below == nil ? nil : true
        case .isIn(let a, let items):
            guard try value(a, f) != nil else { return nil }
            var unknown = false
            for item in items {
                guard let (x, y) = try pair(a, item, f) else { unknown = true; continue }
                if InMemoryStore.order(x, y) == .orderedSame { return true }
            }
            return unknown ? nil : false
        case .isNull(let a): return try value(a, f) == nil
        case .spatial(let relation, let a, let b):
            guard let x = try operand(a, f), let y = try operand(b, f) else { return nil }
            return try x.holds(relation, with: y)
        case .temporal(let field, let start, let end):
            guard let text = f[field]?.text, let span = TimeInstant.span(text) else { return true }
            return (start.map { span.end >= $0 } ?? true) && (end.map { span.start <= $0 } ?? true)
        }
    }

    /// Both sides of a comparison with SQLite's affinity rules applied (nil when either is NULL): a
    /// column of numeric affinity (integer, real, boolean, date, date-time) turns text that reads as a
    /// number on the other side into that number; a text column turns a number on a side without
    /// affinity (a literal or a time start) into its text.
    private func pair(_ a: FeatureValue, _ b: FeatureValue, _ f: Feature) throws -> (PropertyValue, PropertyValue)? {
        guard var x = try value(a, f), var y = try value(b, f) else { return nil }
        func affinity(_ v: FeatureValue) -> FieldType? {
            guard case .field(let name) = v else { return nil }
            return fields.first { $0.name == name }?.type
        }
        func numeric(_ t: FieldType?) -> Bool { t.map { $0 != .text } ?? false }
        func asNumber(_ v: PropertyValue) -> PropertyValue {
            guard case .string(let s) = v else { return v }
            if let i = Int64(s.trimmingCharacters(in: .whitespaces)) { return .int(i) }
            if let d = Double(s.trimmingCharacters(in: .whitespaces)), d.isFinite { return .double(d) }
            return v
        }
        func asText(_ v: PropertyValue) -> PropertyValue {
            switch v {
            case .int(let i): .string(String(i))
            case .double(let d): .string(String(d))
            default: v
            }
        }
        let (ta, tb) = (affinity(a), affinity(b))
        if numeric(ta) && !numeric(tb) { y = asNumber(y) } else if numeric(tb) && !numeric(ta) { x = asNumber(x) }
        if ta == .text && tb == nil { y = asText(y) } else if tb == .text && ta == nil { x = asText(x) }
        return (x, y)
    }

    /// A value, nil for NULL (or a time start of text that is no date).
    private func value(_ v: FeatureValue, _ f: Feature) throws -> PropertyValue? {
        switch v {
        case .field(let name):
            guard fields.contains(where: { $0.name == name }) else {
                throw StoreError.unknownField(layer: layer, field: name, available: fields.map(\.name))
            }
            let x = f[name] ?? .null
            return x == .null ? nil : x
        case .fieldTimeStart(let name):
            return (f[name]?.text).flatMap(TimeInstant.span).map { .double($0.start) }
        case .text(let s): return .string(s)
        case .integer(let i): return .int(i)
        case .real(let d): return .double(d)
        }
    }

    private mutating func operand(_ o: SpatialOperand, _ f: Feature) throws -> GEOSGeometry? {
        switch o {
        case .featureGeometry: return try f.geometry.map { try geos.make($0) }
        case .literal(let g):
            if let made = literals[g] { return made }
            let made = try geos.make(g)
            literals[g] = made
            return made
        }
    }

    /// CQL2 LIKE: `%` any run, `_` one character, `\` escapes the next; case-sensitive.
    static func matches(_ text: [Character], _ pattern: [Character]) -> Bool {
        // Tokens: nil for %, "_" wildcard marked separately, literals as characters.
        enum Token { case any, one, literal(Character) }
        var tokens: [Token] = []
        var escaped = false
        for c in pattern {
            if escaped { tokens.append(.literal(c)); escaped = false; continue }
            switch c {
            case "\\": escaped = true
            case "%": tokens.append(.any)
            case "_": tokens.append(.one)
            default: tokens.append(.literal(c))
            }
        }
        if escaped { tokens.append(.literal("\\")) }
        // Dynamic programming over (token, character): reachable[j] after i tokens.
        var reachable = [Bool](repeating: false, count: text.count + 1)
        reachable[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: text.count + 1)
            switch token {
            case .any:
                var on = false
                for j in 0...text.count { on = on || reachable[j]; next[j] = on }
            case .one:
                for j in 0..<text.count where reachable[j] { next[j + 1] = true }
            case .literal(let c):
                for j in 0..<text.count where reachable[j] && text[j] == c { next[j + 1] = true }
            }
            reachable = next
        }
        return reachable[text.count]
    }
}
