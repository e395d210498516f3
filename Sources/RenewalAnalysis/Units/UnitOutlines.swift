import Foundation
import GeoKernel

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
