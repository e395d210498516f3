import Foundation
import GeoKernel
import GeoStore

/// A JSON value as decoded, keeping integers apart from other numbers and booleans apart from both.
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var number: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }
}

/// Reads CQL2 JSON (`{"op": "and", "args": [...]}`, `{"property": "name"}`, `{"date": …}`,
/// `{"timestamp": …}`, `{"bbox": […]}`, GeoJSON geometries) into the same expression CQL2 text gives.
/// The raw nesting is measured before any JSON parser sees the text, and operator nesting as it is read.
public struct CQL2JSONDecoder {
    private var depth = 0
    private let limits: CQL2Limits

    public static func parse(_ text: String, limits: CQL2Limits = .init()) throws -> CQL2Expression {
        try checkNesting(text, maximum: 2 * limits.maximumDepth + 8, limits: limits)
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) } catch {
            throw CQL2Error("the filter is not valid JSON (filter-lang=cql2-json)")
        }
        var decoder = CQL2JSONDecoder(limits: limits)
        return try decoder.expression(value)
    }

    private init(limits: CQL2Limits) { self.limits = limits }

    /// Refuses JSON whose arrays and objects nest deeper than `maximum` (strings skipped).
    static func checkNesting(_ text: String, maximum: Int, limits: CQL2Limits) throws {
        var level = 0, inString = false, escaped = false
        for byte in text.utf8 {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                level += 1
                guard level <= maximum else { throw CQL2Error("the filter nests deeper than \(limits.maximumDepth) levels") }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): level -= 1
            default: break
            }
        }
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= limits.maximumDepth else { throw CQL2Error("the filter nests deeper than \(limits.maximumDepth) levels") }
    }

    private static let comparisons: [String: CQL2Comparison] = Dictionary(uniqueKeysWithValues: CQL2Comparison.allCases.map { ($0.rawValue, $0) })

    private mutating func expression(_ value: JSONValue) throws -> CQL2Expression {
        if case .bool(let b) = value { return .literal(b) }
        guard case .object(let members) = value, case .string(let op)? = members["op"] else {
            throw CQL2Error("expected a predicate, an object with \"op\" and \"args\", but found \(Self.describe(value))")
        }
        guard case .array(let args)? = members["args"] else { throw CQL2Error("\"\(op)\" needs an \"args\" array") }
        func count(_ n: ClosedRange<Int>) throws {
            guard n.contains(args.count) else {
                throw CQL2Error("\"\(op)\" takes \(n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound) or more") arguments, not \(args.count)")
            }
        }
        try enter()
        defer { depth -= 1 }
        let name = op.lowercased()
        if let comparison = Self.comparisons[name] {
            try count(2...2)
            return .comparison(comparison, try scalar(args[0]), try scalar(args[1]))
        }
        if let function = CQL2SpatialFunction(jsonOp: name) {
            try count(2...2)
            return .spatial(function, try spatialOperand(args[0]), try spatialOperand(args[1]))
        }
        switch name {
        case "and", "or":
            try count(2...Int.max)
            let terms = try args.map { try expression($0) }
            return name == "and" ? .and(terms) : .or(terms)
        case "not":
            try count(1...1)
            return .not(try expression(args[0]))
        case "like":
            try count(2...2)
            return .like(try scalar(args[0]), pattern: try scalar(args[1]))
        case "between":
            try count(3...3)
            return .between(try scalar(args[0]), low: try scalar(args[1]), high: try scalar(args[2]))
        case "in":
            try count(2...2)
            guard case .array(let list) = args[1], !list.isEmpty else { throw CQL2Error("\"in\" takes a value and a non-empty array of values") }
            guard list.count <= limits.maximumListItems else { throw CQL2Error("an IN list holds more than \(limits.maximumListItems) values") }
            return .isIn(try scalar(args[0]), try list.map { try scalar($0) })
        case "isnull":
            try count(1...1)
            return .isNull(try scalar(args[0]))
        default:
            throw CQL2Error("unknown operator \"\(op)\" (this server supports =, <>, <, <=, >, >=, and, or, not, like, between, in, isNull, \(CQL2SpatialFunction.allCases.map { $0.rawValue.lowercased() }.joined(separator: ", ")))")
        }
    }

    private func scalar(_ value: JSONValue) throws -> CQL2Scalar {
        switch value {
        case .string(let s): return .string(s)
        case .integer(let i): return .integer(i)
        case .number(let d):
            guard d.isFinite else { throw CQL2Error("a number is out of range") }
            return .number(d)
        case .bool(let b): return .boolean(b)
        case .object(let members):
            if members.count == 1, case .string(let name)? = members["property"] {
                guard !name.isEmpty else { throw CQL2Error("empty property name") }
                return .property(name)
            }
            if members.count == 1, case .string(let text)? = members["date"] { return try CQL2TextParser.temporal(true, text, at: "in the filter") }
            if members.count == 1, case .string(let text)? = members["timestamp"] { return try CQL2TextParser.temporal(false, text, at: "in the filter") }
            if case .string(let op)? = members["op"] {
                throw CQL2Error(CQL2SpatialFunction(jsonOp: op) != nil || Self.comparisons[op] != nil || ["and", "or", "not", "like", "between", "in", "isnull"].contains(op.lowercased())
                                ? "the predicate \"\(op)\" cannot stand as a value" : "unknown function \"\(op)\"")
            }
            if members["function"] != nil { throw CQL2Error("unknown function (this server supports no functions besides the spatial ones)") }
            throw CQL2Error("expected a property, a string, a number, a boolean, a date or a timestamp, but found \(Self.describe(value))")
        case .null, .array:
            throw CQL2Error("expected a property, a string, a number, a boolean, a date or a timestamp, but found \(Self.describe(value))")
        }
    }

    private mutating func spatialOperand(_ value: JSONValue) throws -> CQL2SpatialOperand {
        guard case .object(let members) = value else {
            throw CQL2Error("expected the geometry property, a GeoJSON geometry or {\"bbox\": […]}, but found \(Self.describe(value))")
        }
        if case .string(let name)? = members["property"] { return .property(name) }
        if case .array(let numbers)? = members["bbox"] {
            let n = numbers.compactMap(\.number)
            guard n.count == numbers.count, n.count == 4 || n.count == 6, n.allSatisfy(\.isFinite) else { throw CQL2Error("bbox takes 4 or 6 numbers") }
            let (a1, b1, a2, b2) = n.count == 4 ? (n[0], n[1], n[2], n[3]) : (n[0], n[1], n[3], n[4])
            guard a1 <= a2, b1 <= b2 else { throw CQL2Error("bbox: the lower corner must come first") }
            return .bbox(Envelope(minX: a1, minY: b1, maxX: a2, maxY: b2))
        }
        return .geometry(try geometry(members))
    }

    private mutating func geometry(_ members: [String: JSONValue]) throws -> Geometry {
        guard case .string(let type)? = members["type"] else {
            throw CQL2Error("expected the geometry property, a GeoJSON geometry or {\"bbox\": […]}")
        }
        if type == "GeometryCollection" {
            guard case .array(let parts)? = members["geometries"], !parts.isEmpty else { throw CQL2Error("a GeometryCollection needs \"geometries\"") }
            try enter()
            defer { depth -= 1 }
            return .geometryCollection(try parts.map { part in
                guard case .object(let m) = part else { throw CQL2Error("a GeometryCollection holds geometry objects") }
                return try geometry(m)
            })
        }
        guard let coordinates = members["coordinates"] else { throw CQL2Error("the \(type) has no \"coordinates\"") }
        func position(_ v: JSONValue) throws -> Position {
            guard case .array(let a) = v, a.count >= 2, let x = a[0].number, let y = a[1].number, x.isFinite, y.isFinite else {
                throw CQL2Error("a \(type) position must be [x, y]")
            }
            guard a.count == 2 else { throw CQL2Error("only 2D coordinates are supported") }
            return Position(x, y)
        }
        func list(_ v: JSONValue) throws -> [JSONValue] {
            guard case .array(let a) = v, !a.isEmpty else { throw CQL2Error("the coordinates of a \(type) must be a non-empty array") }
            return a
        }
        func line(_ v: JSONValue) throws -> [Position] {
            let ps = try list(v).map(position)
            guard ps.count >= 2 else { throw CQL2Error("a line needs at least 2 positions") }
            return ps
        }
        func rings(_ v: JSONValue) throws -> [[Position]] {
            try list(v).map { r in
                let ring = try line(r)
                guard ring.count >= 4, ring.first == ring.last else { throw CQL2Error("a polygon ring needs at least 4 positions, the last equal to the first") }
                return ring
            }
        }
        switch type {
        case "Point": return .point(try position(coordinates))
        case "LineString": return .lineString(try line(coordinates))
        case "Polygon": return .polygon(try rings(coordinates))
        case "MultiPoint": return .multiPoint(try list(coordinates).map(position))
        case "MultiLineString": return .multiLineString(try list(coordinates).map(line))
        case "MultiPolygon": return .multiPolygon(try list(coordinates).map(rings))
        default: throw CQL2Error("unknown geometry type \"\(type)\"")
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object(let m): "an object with \(m.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", "))"
        }
    }
}
