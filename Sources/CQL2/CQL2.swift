import Foundation
import GeoKernel
import GeoStore

/// A CQL2 filter expression (OGC 21-065, the subset this server implements): what both the text
/// and the JSON encoding parse into, and what `FilterCompiler` turns into a `FeaturePredicate`.
public indirect enum CQL2Expression: Hashable, Sendable {
    case and([CQL2Expression])
    case or([CQL2Expression])
    case not(CQL2Expression)
    case comparison(CQL2Comparison, CQL2Scalar, CQL2Scalar)
    /// `value LIKE pattern`: `%` any run of characters, `_` one character, `\` escapes either (case-sensitive).
    case like(CQL2Scalar, pattern: CQL2Scalar)
    case between(CQL2Scalar, low: CQL2Scalar, high: CQL2Scalar)
    case isIn(CQL2Scalar, [CQL2Scalar])
    case isNull(CQL2Scalar)
    case spatial(CQL2SpatialFunction, CQL2SpatialOperand, CQL2SpatialOperand)
    /// `TRUE` or `FALSE` standing alone as a predicate.
    case literal(Bool)
}

/// CQL2's comparison operators are the seam's, spelled the same (`=`, `<>`, `<`, `<=`, `>`, `>=`).
public typealias CQL2Comparison = ComparisonOperator

/// A value in a predicate: a queryable, or a literal.
public enum CQL2Scalar: Hashable, Sendable {
    case property(String)
    case string(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    /// `DATE('2024-03-01')`: the text, checked to be a date.
    case date(String)
    /// `TIMESTAMP('2024-03-01T10:00:00Z')`: the text, checked to be a date-time.
    case timestamp(String)

    /// How a message names it.
    public var described: String {
        switch self {
        case .property(let p): "property \(p)"
        case .string(let s): "'\(s.count > 40 ? String(s.prefix(40)) + "…" : s)'"
        case .integer(let i): String(i)
        case .number(let d): String(d)
        case .boolean(let b): b ? "TRUE" : "FALSE"
        case .date(let d): "DATE('\(d)')"
        case .timestamp(let t): "TIMESTAMP('\(t)')"
        }
    }
}

/// The spatial comparison functions (CQL2 spatial-functions), each a DE-9IM relation.
public enum CQL2SpatialFunction: String, Hashable, Sendable, CaseIterable {
    case intersects = "S_INTERSECTS", within = "S_WITHIN", contains = "S_CONTAINS", equals = "S_EQUALS"
    case disjoint = "S_DISJOINT", touches = "S_TOUCHES", overlaps = "S_OVERLAPS", crosses = "S_CROSSES"

    init?(jsonOp: String) { self.init(rawValue: jsonOp.uppercased()) }
}

/// An argument of a spatial function: a geometry queryable, a geometry literal, or a BBOX literal.
/// Coordinates are in the filter CRS and its axis order, as given.
public enum CQL2SpatialOperand: Hashable, Sendable {
    case property(String)
    case geometry(Geometry)
    /// `BBOX(a1, b1, a2, b2)`: lower and upper corner on the CRS's first and second axis.
    case bbox(Envelope)
}

/// A filter refused: what is wrong, for the client (answered as 400 InvalidParameterValue).
public struct CQL2Error: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Bounds on what a filter may ask for, so no request can exhaust the stack, memory or SQLite's limits.
public struct CQL2Limits: Sendable {
    /// Nesting of parentheses, NOT, and geometry collections.
    public var maximumDepth = 64
    /// Values in one IN list.
    public var maximumListItems = 1_000

    public init(maximumDepth: Int = 64, maximumListItems: Int = 1_000) {
        self.maximumDepth = maximumDepth; self.maximumListItems = maximumListItems
    }
}
