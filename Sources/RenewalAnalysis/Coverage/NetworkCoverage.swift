import Foundation
import GeoKernel
import Support

/// Walking-distance coverage over the street network, in the metric CRS. Pure: values in, values out.
///
/// Definitions (docs/coverage.md, "Walking"). Facilities attach to the nearest admissible walkable
/// point (within `attachDistance`; not on an isolated piece, the leg crossing no water or barrier); a
/// multi-source shortest-path search gives every network point its walking cost in reference
/// metres (length ÷ class factor × reference speed ÷ speed, plus the straight leg from the
/// facility to the street; along the segment itself when a source sits on it). A parcel is entered
/// from its boundary: boundary points every 10 m attach the same way within `accessDistance` (its
/// entrances). A point p of the parcel is reachable when, for some entrance e, cost(e) + |p − e| ≤ r
/// — the last leg walked straight inside the parcel — and it lies in the straight-line service area.
/// The covered fraction is the reachable share of the parcel's area. Invariant, by construction:
/// network coverage ≤ straight-line coverage, parcel by parcel, for the same radius.
public enum NetworkCoverage {
    /// How the parcels and facilities met the network: what a planner needs to tell "no facility
    /// in reach" from "no way onto the network", and which features the rules turned away.
    public struct Diagnostics: Sendable {
        /// Per parcel: its admissible entrances, and what was passed over for its boundary samples.
        public var parcelEntrances: [Int]
        public var parcelRefused: [WalkingGraph.Refusals]
        /// Per facility (input order): attached or not, what was passed over, the leg length (m; NaN if unattached).
        public var facilityAttached: [Bool]
        public var facilityRefused: [WalkingGraph.Refusals]
        public var facilityLeg: [Double]
    }

    public static func run(parcels: [ResidentialParcel], facilities: [Facility], streets: [StreetLine],
                           parameters: CoverageParameters = .init(), walking: WalkingParameters = .init(),
                           parallelism: Parallelism = .serial,
                           progress: (@Sendable (String) -> Void)? = nil) throws -> (result: CoverageResult, graph: WalkingGraph) {
        let run = try runWithDiagnostics(parcels: parcels, facilities: facilities, streets: streets, parameters: parameters,
                                         walking: walking, parallelism: parallelism, progress: progress)
        return (run.result, run.graph)
    }

    public static func runWithDiagnostics(parcels: [ResidentialParcel], facilities: [Facility], streets: [StreetLine],
                                          barriers: WalkingBarriers = WalkingBarriers(),
                                          parameters: CoverageParameters = .init(), walking: WalkingParameters = .init(),
                                          parallelism: Parallelism = .serial,
                                          progress: (@Sendable (String) -> Void)? = nil) throws
        -> (result: CoverageResult, graph: WalkingGraph, diagnostics: Diagnostics) {
        let graph = WalkingGraph(streets: streets, barriers: barriers, parameters: walking)
        let straight = CoverageAnalysis.run(parcels: parcels, facilities: facilities, parameters: parameters, parallelism: parallelism)
        let checked = parcels.map { graph.boundaryEntrances(of: $0.geometry, maxDistance: walking.accessDistance) }
        let entrances = checked.map(\.entrances)
        let facilityChecks = facilities.map { graph.attachChecked($0.location, maxDistance: walking.attachDistance) }
        let diagnostics = Diagnostics(parcelEntrances: entrances.map(\.count), parcelRefused: checked.map(\.refused),
                                      facilityAttached: facilityChecks.map { $0.attachment != nil },
                                      facilityRefused: facilityChecks.map(\.refused),
                                      facilityLeg: facilityChecks.map { $0.attachment?.distance ?? .nan })
        var result = straight
        result.categories = try parallelism.map(straight.categories.count) { k in
            defer { progress?(straight.categories[k].category) }
            return try cover(straight.categories[k], graph: graph, entrances: entrances, straight: straight, walking: walking)
        }
        return (result, graph, diagnostics)
    }

    static func cover(_ straightCategory: CategoryCoverage, graph: WalkingGraph, entrances: [[WalkingGraph.Attachment]],
                      straight: CoverageResult, walking: WalkingParameters) throws -> CategoryCoverage {
        guard case .disks(let disks, _) = straightCategory.serviceArea else { return straightCategory }
        var category = straightCategory
        let geos = try GEOSContext()
        // One search for every facility: a facility with a smaller radius than the category's largest
        // starts with the difference already spent, so "reachable" is one threshold for all.
        let budget = disks.map(\.radius).max() ?? 0
        var sources: [WalkingGraph.Attachment] = [], plainSources: [WalkingGraph.Attachment] = []
        var unattached = 0
        for disk in disks {
            guard var a = graph.attach(disk.center, maxDistance: walking.attachDistance) else { unattached += 1; continue }
            plainSources.append(a)
            a.distance += (budget - disk.radius) / graph.legCostPerMetre
            sources.append(a)
        }
        category.facilitiesUnattached = unattached
        let cost = graph.distances(from: sources)
        // Walking distances to report: the same search without the radius offsets (only parks differ).
        let walkCost = disks.allSatisfy { $0.radius == budget } ? cost : graph.distances(from: plainSources)

        let diskIndex = GridIndex(envelopes: disks.map(\.envelope))
        var candidates: [Int] = []
        /// The straight-line service area near a parcel (GEOS), for clipping what walking reaches.
        func straightCover(_ envelope: Envelope) throws -> GEOSGeometry? {
            diskIndex.query(envelope, into: &candidates)
            var cover: GEOSGeometry? = nil
            for k in candidates { let g = try geos.make(disks[k].polygon); cover = try cover.map { try $0.union(g) } ?? g }
            return cover
        }

        var fractions = [Double](repeating: 0, count: straight.parcels.count)
        var distances = [Double](repeating: .infinity, count: straight.parcels.count)
        var gapPieces = [Geometry?](repeating: nil, count: straight.parcels.count)
        for (i, parcel) in straight.parcels.enumerated() {
            for entrance in entrances[i] { distances[i] = min(distances[i], graph.cost(at: entrance, in: walkCost)) }
            let straightFraction = straightCategory.fractions[i], area = straight.parcelAreas[i]
            // Entrances with budget left, and how far one may walk on from each (m).
            let reach = NetworkCoverage.undominated(entrances[i].compactMap { e -> (Position, Double)? in
                let left = (budget - graph.cost(at: e, in: cost)) / graph.legCostPerMetre
                return left > 0 ? (e.point, left) : nil
            })
            guard straightFraction > 0, !reach.isEmpty, area > 0, let envelope = parcel.geometry.envelope else {
                gapPieces[i] = parcel.geometry
                continue
            }
            var vertices: [Position] = []
            parcel.geometry.forEachPosition { vertices.append($0) }
            let p = try geos.make(parcel.geometry)
            let region: GEOSGeometry?
            if reach.contains(where: { e, left in vertices.allSatisfy { hypot($0.x - e.x, $0.y - e.y) <= left } }) {
                // Walking reaches the whole parcel: what the straight line covers is covered.
                fractions[i] = straightFraction
                region = straightFraction >= straight.parameters.fullCoverage ? nil : try straightCover(envelope).map { try p.intersection($0) }
            } else {
                var walked: GEOSGeometry? = nil
                for (e, left) in reach {
                    let disk = try geos.make(.point(e)).buffer(left, segments: 8)
                    walked = try walked.map { try $0.union(disk) } ?? disk
                }
                if let walked, let cover = try straightCover(envelope) {
                    let inside = try p.intersection(walked).intersection(cover)
                    fractions[i] = min(straightFraction, max(0, try inside.area() / area))
                    region = inside
                } else {
                    region = nil
                }
            }
            if fractions[i] < straight.parameters.fullCoverage {
                if let region, fractions[i] > 0 {
                    let rest = try p.difference(region)
                    gapPieces[i] = rest.isEmpty ? nil : try rest.value().extractingParts(ofDimension: 2)
                } else {
                    gapPieces[i] = parcel.geometry
                }
            }
        }
        var gapArea = 0.0, gapPopulation = 0.0, withGap = 0, covered = 0.0
        for (i, parcel) in straight.parcels.enumerated() {
            let f = fractions[i], a = straight.parcelAreas[i]
            covered += f * a
            gapArea += (1 - f) * a
            gapPopulation += (1 - f) * parcel.population
            if f < straight.parameters.fullCoverage { withGap += 1 }
        }
        let total = straight.parcelAreas.reduce(0, +)
        category.fractions = fractions
        category.walkingDistances = distances
        category.gapAreaM2 = gapArea
        category.gapPopulation = gapPopulation
        category.parcelsWithGap = withGap
        category.coverageRatio = total > 0 ? covered / total : 1
        category.serviceArea = .gapsPerParcel(gapPieces)
        return category
    }

    /// The entrances whose walking disk is not inside another's. An entrance (p, left) adds nothing
    /// when, for some kept (k, l), |k − p| + left ≤ l·cos(π/32): its disk then lies inside the
    /// circle inscribed in k's 32-gon, so the polygons the union is built from nest as well.
    static func undominated(_ reach: [(Position, Double)]) -> [(Position, Double)] {
        let inscribed = cos(Double.pi / 32)
        var kept: [(Position, Double)] = []
        for (p, left) in reach.sorted(by: { $0.1 > $1.1 }) {
            if !kept.contains(where: { k, l in hypot(k.x - p.x, k.y - p.y) + left <= l * inscribed }) { kept.append((p, left)) }
        }
        return kept
    }
}
