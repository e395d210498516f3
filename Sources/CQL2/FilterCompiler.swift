import Foundation
import GeoKernel
import GeoStore

/// Turns a CQL2 expression into a `FeaturePredicate` over one layer, which each store compiles to its
/// own query language.
///
/// Property names are checked against the layer's fields from the catalogue (unknown names are refused
/// with the list of queryables); geometry literals are transformed from the filter CRS to the stored
/// EPSG:4490; temporal literals become instants.
public struct FilterCompiler {
    let layer: String
    /// The layer's attribute fields, from the catalogue.
    let fields: [FieldInfo]
    /// The CRS of geometry literals and whether its EPSG axis order puts northing first; nil for CRS84
    /// (lon/lat, taken as the stored CGCS2000 like `bbox`).
    public var filterCRS: (crs: CRS, uri: String, swap: Bool)? = nil

    public init(layer: String, fields: [FieldInfo]) { self.layer = layer; self.fields = fields }

    /// The names the geometry answers to: `geometry` (unless an attribute has that name) and its column name `geom`.
    var geometryNames: Set<String> { fields.contains { $0.name == "geometry" } ? ["geom"] : ["geometry", "geom"] }

    /// What a filter may name, for messages and the queryables document.
    public var queryables: [String] { (fields.contains { $0.name == "geometry" } ? ["geom"] : ["geometry"]) + fields.map(\.name) }

    /// The deepest logic a filter may have (`FeaturePredicate.logicDepth`), checked before any query is
    /// built. SQLite's parser overflows its stack on deeper SQL: with SQLite 3.40, filters nested 23
    /// levels answered 500 in the SQL the store used to write, and in the shape it writes now (one
    /// pair of parentheses per level) a spatial test under alternating AND/OR overflows at 25 levels
    /// (NestingLimitTests). 20 keeps a margin of four levels.
    public static let maximumLogicDepth = 20
    public var maximumLogicDepth = FilterCompiler.maximumLogicDepth

    /// How deeply the logic of `expression` nests (see `FeaturePredicate.logicDepth`).
    static func logicDepth(_ expression: CQL2Expression) -> Int {
        switch expression {
        case .and(let terms), .or(let terms):
            var levels = 0
            while (1 << levels) < terms.count { levels += 1 }
            return levels + (terms.map(logicDepth).max() ?? 0)
        case .not(let inner): return 1 + logicDepth(inner)
        default: return 0
        }
    }

    public func compile(_ expression: CQL2Expression) throws -> FeaturePredicate {
        let depth = Self.logicDepth(expression)
        guard depth <= maximumLogicDepth else {
            throw CQL2Error("the filter's logic nests \(depth) levels deep (each NOT, and AND/OR inside one another, counts a level; a chain of n terms counts log₂ n); at most \(maximumLogicDepth) are accepted")
        }
        return try predicate(expression)
    }

    private func predicate(_ expression: CQL2Expression) throws -> FeaturePredicate {
        switch expression {
        case .and(let terms): return .and(try terms.map(predicate))
        case .or(let terms): return .or(try terms.map(predicate))
        case .not(let inner): return .not(try predicate(inner))
        case .literal(let value): return .constant(value)
        case .comparison(let op, let a, let b):
            let temporal = isTemporal(a) || isTemporal(b)
            return .compare(try value(a, temporal: temporal), op, try value(b, temporal: temporal))
        case .like(let a, let pattern):
            guard case .string(let text) = pattern else {
                throw CQL2Error("LIKE needs a pattern string, not \(pattern.described)")
            }
            return .like(try value(a, temporal: false), pattern: text)
        case .between(let a, let low, let high):
            let temporal = [a, low, high].contains(where: isTemporal)
            return .between(try value(a, temporal: temporal), low: try value(low, temporal: temporal), high: try value(high, temporal: temporal))
        case .isIn(let a, let items):
            let temporal = ([a] + items).contains(where: isTemporal)
            return .isIn(try value(a, temporal: temporal), try items.map { try value($0, temporal: temporal) })
        case .isNull(let a):
            return .isNull(try value(a, temporal: false))
        case .spatial(let function, let a, let b):
            return .spatial(relation(function), try operand(a), try operand(b))
        }
    }

    private func isTemporal(_ s: CQL2Scalar) -> Bool {
        switch s {
        case .date, .timestamp: true
        default: false
        }
    }

    /// The attribute field a property names; the geometry and unknown names are errors that list the queryables.
    public func field(_ name: String) throws -> FieldInfo {
        if let f = fields.first(where: { $0.name == name }) { return f }
        if geometryNames.contains(name) {
            throw CQL2Error("the geometry (\(name)) can only be used in spatial functions such as S_INTERSECTS")
        }
        throw CQL2Error("unknown property \"\(name)\" (the queryables of \(layer) are: \(queryables.joined(separator: ", ")))")
    }

    /// A value; in a temporal comparison a property is read as its start instant.
    private func value(_ s: CQL2Scalar, temporal: Bool) throws -> FeatureValue {
        switch s {
        case .property(let name):
            let field = try field(name).name
            return temporal ? .fieldTimeStart(field) : .field(field)
        case .string(let text): return .text(text)
        case .integer(let i): return .integer(i)
        case .number(let d): return .real(d)
        case .boolean(let b): return .integer(b ? 1 : 0)
        case .date(let text), .timestamp(let text):
            guard let span = TimeInstant.span(text) else { throw CQL2Error("'\(text)' is not a date or date-time") }
            return .real(span.start)
        }
    }

    private func relation(_ f: CQL2SpatialFunction) -> SpatialRelation {
        switch f {
        case .intersects: .intersects
        case .within: .within
        case .contains: .contains
        case .equals: .equals
        case .disjoint: .disjoint
        case .touches: .touches
        case .overlaps: .overlaps
        case .crosses: .crosses
        }
    }

    private func operand(_ o: CQL2SpatialOperand) throws -> SpatialOperand {
        switch o {
        case .property(let name):
            guard geometryNames.contains(name) else {
                if fields.contains(where: { $0.name == name }) {
                    throw CQL2Error("\(name) is not a geometry; spatial functions take \(geometryNames.sorted().joined(separator: " or ")) or a geometry literal")
                }
                throw CQL2Error("unknown property \"\(name)\" (the queryables of \(layer) are: \(queryables.joined(separator: ", ")))")
            }
            return .featureGeometry
        case .geometry(let g): return .literal(try stored(g))
        case .bbox(let box):
            guard filterCRS != nil else {
                return .literal(.polygon([[Position(box.minX, box.minY), Position(box.maxX, box.minY), Position(box.maxX, box.maxY),
                                           Position(box.minX, box.maxY), Position(box.minX, box.minY)]]))
            }
            // Corners in the CRS's axis order; the edges are sampled so the transformed outline follows them.
            return .literal(try stored(.polygon([box.densifiedOutline()])))
        }
    }

    /// A geometry literal in the filter CRS (its axis order), transformed to EPSG:4490 lon/lat.
    private func stored(_ geometry: Geometry) throws -> Geometry {
        guard let source = filterCRS else { return geometry }
        let g: Geometry
        do { g = try (source.swap ? geometry.swappingAxes() : geometry).transformed(from: source.crs, to: .cgcs2000) } catch {
            throw CQL2Error("a geometry in the filter cannot be read in \(source.uri)")
        }
        var finite = true
        g.forEachPosition { if !$0.x.isFinite || !$0.y.isFinite { finite = false } }
        guard finite else { throw CQL2Error("a geometry in the filter lies outside \(source.uri)") }
        return g
    }
}
