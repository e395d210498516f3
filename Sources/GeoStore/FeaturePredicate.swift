import GeoKernel

/// Which features a query selects, in terms every backend can evaluate: comparisons, LIKE, IN, NULL,
/// spatial relations with a literal in EPSG:4490, and time. The CQL2 parsers and the HTTP layer's
/// property and `datetime` parameters produce it; each store compiles it to its own query language
/// (SpatiaLite: `PredicateSQL`), with every value bound, never spliced into text.
public indirect enum FeaturePredicate: Sendable, Hashable {
    /// TRUE or FALSE.
    case constant(Bool)
    case and([FeaturePredicate])
    case or([FeaturePredicate])
    case not(FeaturePredicate)
    /// `a op b`, SQL three-valued: a comparison with NULL is unknown (false here, and its NOT too).
    case compare(FeatureValue, ComparisonOperator, FeatureValue)
    /// A text value matched against a CQL2 LIKE pattern: `%` any run, `_` one character, `\`
    /// escapes the next; case-sensitive.
    case like(FeatureValue, pattern: String)
    /// `low ≤ value ≤ high`.
    case between(FeatureValue, low: FeatureValue, high: FeatureValue)
    case isIn(FeatureValue, [FeatureValue])
    case isNull(FeatureValue)
    /// A DE-9IM relation between two geometries (the feature's, or a literal in EPSG:4490).
    case spatial(SpatialRelation, SpatialOperand, SpatialOperand)
    /// Features whose date or date-time `field` meets the closed interval [start, end] (seconds since
    /// 1970 UTC; nil for an open end). Features without a value, or whose text is not a date, have
    /// no temporal information and pass (OGC API – Features `datetime`).
    case temporal(field: String, start: Double?, end: Double?)

    /// How deeply the logic nests when written as a balanced tree: one level per NOT, and per
    /// AND/OR ⌈log₂ n⌉ levels for n terms on top of its deepest term.
    public var logicDepth: Int {
        switch self {
        case .and(let terms), .or(let terms):
            var levels = 0
            while (1 << levels) < terms.count { levels += 1 }
            return levels + (terms.map(\.logicDepth).max() ?? 0)
        case .not(let inner): return 1 + inner.logicDepth
        default: return 0
        }
    }

    /// All of `predicates` (nil when there are none).
    public static func all(_ predicates: [FeaturePredicate]) -> FeaturePredicate? {
        predicates.count > 1 ? .and(predicates) : predicates.first
    }
}

/// One side of a comparison: an attribute of the feature, or a literal.
public enum FeatureValue: Sendable, Hashable {
    /// The attribute `name` (a field from the catalogue).
    case field(String)
    /// The start instant of the date or date-time in attribute `name`, in seconds since 1970 UTC
    /// (NULL when it holds no date): how a temporal comparison reads a property.
    case fieldTimeStart(String)
    case text(String)
    case integer(Int64)
    case real(Double)
}

/// Comparison operators, spelled as in CQL2 and SQL.
public enum ComparisonOperator: String, Sendable, CaseIterable {
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// One side of a spatial relation: the feature's stored geometry, or a geometry given in EPSG:4490.
public enum SpatialOperand: Sendable, Hashable {
    case featureGeometry
    case literal(Geometry)
}

extension SpatialRelation {
    /// The OGC Simple Features function testing the relation (`ST_Intersects`, `ST_Within`, …), the name
    /// SpatiaLite and PostGIS both give it.
    public var simpleFeaturesFunction: String {
        switch self {
        case .intersects: "ST_Intersects"
        case .within: "ST_Within"
        case .contains: "ST_Contains"
        case .equals: "ST_Equals"
        case .touches: "ST_Touches"
        case .overlaps: "ST_Overlaps"
        case .crosses: "ST_Crosses"
        case .disjoint: "ST_Disjoint"
        }
    }
}
