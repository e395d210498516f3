import Foundation
import GeoKernel

extension CoverageAnalysis {
    /// The gap pieces of one category: for every parcel below full coverage, the part of it outside
    /// the category's service area (metric CRS). Fully uncovered parcels are returned whole;
    /// partly covered ones are cut by the buffers that overlap the parcel's area: directly
    /// (`RingDifference`) when the case is generic, else in one small GEOS overlay. Network mode
    /// hands back the pieces it cut itself.
    /// `parcels`: the range of parcel indices to cut (default all), so the work can be split.
    public static func gaps(of category: CategoryCoverage, result: CoverageResult, parcels range: Range<Int>? = nil) throws -> [(parcel: Int, geometry: Geometry)] {
        let range = range ?? result.parcels.indices
        let disks: [ServiceDisk], overlaps: DiskOverlaps
        switch category.serviceArea {
        case .disks(let d, let o): (disks, overlaps) = (d, o)
        case .gapsPerParcel(let pieces):
            return range.compactMap { i in pieces[i].map { (i, $0) } }
        }
        let geos = try GEOSContext()
        var pieces: [(parcel: Int, geometry: Geometry)] = []
        for i in range {
            let parcel = result.parcels[i]
            let fraction = category.fractions[i]
            guard fraction < result.parameters.fullCoverage else { continue }
            guard fraction > 0, let envelope = parcel.geometry.envelope else {
                pieces.append((i, parcel.geometry))
                continue
            }
            // Only the disks that overlap the parcel's area change it (measuring the fraction found
            // them). They are cut to a box 1 m around the parcel (exact: the parcel lies inside the
            // box), so they bring only the arcs that matter.
            let rings = PlanarRing.orientedRings(parcel.geometry)
            let box = Envelope(minX: envelope.minX - 1, minY: envelope.minY - 1, maxX: envelope.maxX + 1, maxY: envelope.maxY + 1)
            let cutters = overlaps.disks(of: i).map { disks[Int($0)].clipped(to: box) }.filter { $0.count >= 3 }
            guard !cutters.isEmpty else { pieces.append((i, parcel.geometry)); continue }
            // The common case, a parcel without holes whose boundary crosses the disks' boundaries
            // cleanly, is cut directly; its area is checked against the covered fraction, which was
            // measured independently. Anything else goes through one GEOS overlay: the disks
            // dissolved, then subtracted.
            if rings.count == 1, let parts = RingDifference.subtract(rings[0], convex: cutters), !parts.isEmpty {
                let expected = (1 - fraction) * result.parcelAreas[i]
                let area = parts.reduce(0) { $0 + PlanarRing.signedArea($1) }
                if abs(area - expected) <= 1e-6 * max(result.parcelAreas[i], 1) {
                    let polygons = parts.map { [$0 + [$0[0]]] }
                    pieces.append((i, polygons.count == 1 ? .polygon(polygons[0]) : .multiPolygon(polygons)))
                    continue
                }
            }
            let covers: [Geometry] = cutters.map { .polygon([$0 + [$0[0]]]) }
            let cover = covers.count == 1 ? try geos.make(covers[0]) : try geos.make(.geometryCollection(covers)).unaryUnion()
            let rest = try geos.make(parcel.geometry).difference(cover)
            if !rest.isEmpty, let parts = try rest.value().extractingParts(ofDimension: 2) {
                pieces.append((i, parts))
            }
        }
        return pieces
    }
}
