import Foundation
import GeoKernel

/// The barriers as one prepared GEOS geometry: lines buffered by 1 m, areas as they are (metric CRS).
struct BarrierMask {
    let geos: GEOSContext
    let mask: GEOSPreparedGeometry?
    let areas: GEOSPreparedGeometry?

    init(lines: [Geometry], areas: [Geometry], geos: GEOSContext) throws {
        self.geos = geos
        let areaUnion = areas.isEmpty ? nil : try geos.make(.geometryCollection(areas)).unaryUnion()
        let lineBand = lines.isEmpty ? nil : try geos.make(.geometryCollection(lines)).unaryUnion().buffer(1.0, segments: 2)
        let all: GEOSGeometry? = switch (areaUnion, lineBand) {
        case let (a?, l?): try a.union(l)
        case let (a?, nil): a
        case let (nil, l?): l
        default: nil
        }
        mask = try all.map(GEOSPreparedGeometry.init)
        self.areas = try areaUnion.map(GEOSPreparedGeometry.init)
    }

    /// True when the geometry's interior point lies inside a barrier area.
    func holds(_ geometry: Geometry) throws -> Bool {
        guard let areas else { return false }
        return try areas.contains(geos.make(geometry).pointOnSurface())
    }

    /// True when the segment from `a` to `b` (or the point, when they coincide) meets a barrier.
    func cuts(from a: Position, to b: Position) throws -> Bool {
        guard let mask else { return false }
        return try mask.intersects(geos.make(a == b ? .point(a) : .lineString([a, b])))
    }
}
