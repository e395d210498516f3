import Foundation
import GeoKernel

extension CoverageAnalysis {
    /// The gap pieces of one category: for every parcel below full coverage, the part of it outside
    /// the category's service area (metric CRS). Fully uncovered parcels are returned whole;
    /// partly covered ones are cut with GEOS (difference with the union of the buffers that touch them).
    public static func gaps(of category: CategoryCoverage, result: CoverageResult, facilities: [Facility]) throws -> [(parcel: Int, geometry: Geometry)] {
        let (disks, _, _) = disks(for: facilities.filter { $0.category == category.category }, rule: category.rule,
                                  quadrantSegments: result.parameters.quadrantSegments)
        let index = GridIndex(envelopes: disks.map(\.envelope))
        let geos = try GEOSContext()
        var pieces: [(parcel: Int, geometry: Geometry)] = []
        var candidates: [Int] = []
        for (i, parcel) in result.parcels.enumerated() {
            let fraction = category.fractions[i]
            guard fraction < result.parameters.fullCoverage else { continue }
            guard fraction > 0, let envelope = parcel.geometry.envelope else {
                pieces.append((i, parcel.geometry))
                continue
            }
            index.query(envelope, into: &candidates)
            // Subtract, one at a time, the buffers that really overlap the parcel: each step is a
            // small overlay (parcel piece minus a 32-gon), cheaper than building their union first.
            let rings = PlanarRing.orientedRings(parcel.geometry)
            var rest = try geos.make(parcel.geometry)
            for k in candidates where disks[k].envelope.intersects(envelope) {
                let overlap = rings.reduce(0.0) { $0 + PlanarRing.signedArea(disks[k].clip($1)) }
                guard overlap > 1e-9 else { continue }
                rest = try rest.difference(try geos.make(.polygon([disks[k].vertices + [disks[k].vertices[0]]])))
                if rest.isEmpty { break }
            }
            if !rest.isEmpty, let polygons = try rest.value().extractingParts(ofDimension: 2) {
                pieces.append((i, polygons))
            }
        }
        return pieces
    }
}
