import Foundation

extension GEOSContext {
    /// The union of `geometries` (one cascaded GEOS unary union), in their own CRS; overlapping
    /// and touching parts merge. No geometries give an empty collection.
    public func union(of geometries: [Geometry]) throws -> Geometry {
        try make(.geometryCollection(geometries)).unaryUnion().value()
    }

    /// `geometries` dissolved into the separate pieces of their union: each polygon of a
    /// multipolygon result on its own, any other result whole. Same CRS and units as the input.
    public func dissolvedPieces(of geometries: [Geometry]) throws -> [Geometry] {
        switch try union(of: geometries) {
        case .multiPolygon(let polygons): polygons.map { .polygon($0) }
        case let whole: [whole]
        }
    }
}
