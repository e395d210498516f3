import Foundation

/// What a validity check found (see `GEOSContext.checked`).
public enum ValidityCheck: Sendable {
    /// Valid as it is.
    case valid
    /// Invalid: `repaired` is the GEOS MakeValid result with only the parts of the input's dimension
    /// (polygons stay (multi)polygons, collapsed parts dropped); `reason` is GEOS's, e.g.
    /// "Self-intersection[106.57 29.55]".
    case repaired(Geometry, reason: String)
    /// Invalid, and nothing of the input's dimension survives repair (a ring collapsed to a line).
    case collapsed(reason: String)
}

extension GEOSContext {
    /// Checks `geometry` (first with `PlanarValidity`, then with GEOS when that cannot tell) and
    /// repairs it when invalid. Unclosed rings count as invalid
    /// (GEOS itself would close them silently on the way in). A repair that GEOS still finds
    /// invalid throws, naming GEOS's reason.
    public func checked(_ geometry: Geometry) throws -> ValidityCheck {
        var g = geometry
        let reason: String
        if let open = geometry.firstUnclosedRing {
            reason = "Unclosed ring[\(open.x) \(open.y)]"
            g = geometry.closingRings()
            if g.isEmpty { return .collapsed(reason: reason) }
            if try invalidityReason(g) == nil { return .repaired(g, reason: reason) }
        } else {
            // Most polygons are simple rings that a few exact predicates prove valid without GEOS.
            if PlanarValidity.isCertainlyValid(g) { return .valid }
            guard let why = try invalidityReason(g) else { return .valid }
            reason = why
        }
        guard let fixed = try? makeValid(g), !fixed.isEmpty else { return .collapsed(reason: reason) }
        if let still = try invalidityReason(fixed) {
            throw GEOSError(operation: "MakeValid", message: "the repair of an invalid geometry (\(reason)) is still invalid: \(still)")
        }
        return .repaired(fixed, reason: reason)
    }
}

extension Geometry {
    /// The same geometry with every polygon ring closed (its first position repeated last); rings
    /// that have fewer than 4 positions even then are dropped, and polygons whose exterior is dropped.
    public func closingRings() -> Geometry {
        func close(_ rings: [[Position]]) -> [[Position]] {
            var out: [[Position]] = []
            for (k, r) in rings.enumerated() {
                var r = r
                if let first = r.first, first != r.last { r.append(first) }
                if r.count >= 4 { out.append(r) } else if k == 0 { return [] }
            }
            return out
        }
        switch self {
        case .polygon(let rings): return .polygon(close(rings))
        case .multiPolygon(let polygons): return .multiPolygon(polygons.map(close).filter { !$0.isEmpty })
        case .geometryCollection(let parts): return .geometryCollection(parts.map { $0.closingRings() })
        default: return self
        }
    }

    /// The first position of the first polygon ring whose last position differs from its first
    /// (or that has fewer than 4 positions); nil when every ring is closed.
    public var firstUnclosedRing: Position? {
        func check(_ rings: [[Position]]) -> Position? {
            for r in rings where !r.isEmpty {
                if r.count < 4 || r.first != r.last { return r.first }
            }
            return nil
        }
        switch self {
        case .polygon(let rings): return check(rings)
        case .multiPolygon(let polygons):
            for p in polygons { if let bad = check(p) { return bad } }
            return nil
        case .geometryCollection(let parts):
            for g in parts { if let bad = g.firstUnclosedRing { return bad } }
            return nil
        default: return nil
        }
    }
}
