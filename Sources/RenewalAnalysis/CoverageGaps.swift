import Foundation
import GeoKernel

extension CoverageAnalysis {
    /// The gap pieces of one category: for every parcel below full coverage, the part of it outside
    /// the category's service area (metric CRS). Fully uncovered parcels are returned whole;
    /// partly covered ones are cut with GEOS, subtracting one by one the buffers that overlap
    /// them — each step a small overlay. Network mode hands back the pieces it cut itself.
    public static func gaps(of category: CategoryCoverage, result: CoverageResult) throws -> [(parcel: Int, geometry: Geometry)] {
        let polygons: [Geometry], envelopes: [Envelope]
        switch category.serviceArea {
        case .disks(let disks): polygons = disks.map(\.polygon); envelopes = disks.map(\.envelope)
        case .gapsPerParcel(let pieces):
            return pieces.enumerated().compactMap { i, piece in piece.map { (i, $0) } }
        }
        let index = GridIndex(envelopes: envelopes)
        let geos = try GEOSContext()
        var made: [Int: GEOSGeometry] = [:]
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
            var rest = try geos.make(parcel.geometry)
            for k in candidates {
                let polygon: GEOSGeometry
                if let known = made[k] { polygon = known } else { polygon = try geos.make(polygons[k]); made[k] = polygon }
                rest = try rest.difference(polygon)
                if rest.isEmpty { break }
            }
            if !rest.isEmpty, let parts = try rest.value().extractingParts(ofDimension: 2) {
                pieces.append((i, parts))
            }
        }
        return pieces
    }
}
