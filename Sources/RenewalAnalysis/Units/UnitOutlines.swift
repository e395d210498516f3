import Foundation
import GeoKernel
import Support

extension RenewalUnits {
    /// Never-split groups from heritage zones (metric CRS): core and control zones of one district
    /// overlap, so the zones are dissolved and each separate piece of their union is one group, named
    /// `H01`, `H02`, … in GEOS's order of the pieces. No zones, no groups.
    public static func heritageGroups(dissolving zones: [Geometry]) throws -> [(id: String, geometry: Geometry)] {
        guard !zones.isEmpty else { return [] }
        return try GEOSContext().dissolvedPieces(of: zones).enumerated().map { (String(format: "H%02d", $0.offset + 1), $0.element) }
    }
}

extension UnitDelineation {
    /// Each unit's outline, in unit order: the union of its parcels' geometry (the `parcels` given to
    /// `RenewalUnits.delineate`), in their CRS (metric, metres).
    public func outlines(of parcels: [UnitParcel]) throws -> [Geometry] {
        let geos = try GEOSContext()
        return try units.map { unit in try geos.union(of: unit.parcels.map { parcels[$0].geometry }) }
    }
}

/// The outline a map draws for a renewal unit: its parcels fused across the streets and gaps
/// between them (a morphological closing: grown by `gap` metres, then shrunk back), so a unit reads
/// as one area, distinct from its parcels. Metric CRS; for drawing only, never for measuring.
public enum UnitOutlines {
    /// Holes smaller than `minimumHole` m² (a courtyard the closing did not fill) are dropped: on a map
    /// they read as specks inside the unit.
    public static func closed(_ units: [Geometry], gap: Double = 8, minimumHole: Double = 2_500,
                              parallelism: Parallelism = .serial) throws -> [Geometry] {
        @Sendable func filled(_ rings: [[Position]]) -> [[Position]] {
            Array(rings.prefix(1)) + rings.dropFirst().filter { abs(PlanarRing.signedArea($0)) >= minimumHole }
        }
        return try parallelism.map(units.count) { u in
            let geos = try GEOSContext()
            let grown = try geos.make(units[u]).buffer(gap, segments: 4)
            let outline = try grown.buffer(-gap, segments: 4).value()
            switch outline {
            case .polygon(let rings): return .polygon(filled(rings))
            case .multiPolygon(let parts): return .multiPolygon(parts.map(filled))
            default: return outline.isEmpty ? units[u] : outline
            }
        }
    }
}
