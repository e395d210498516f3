import Foundation
import GeoKernel
import Support

/// Where demand for a service sits: a residential parcel's point (its centroid, or a point on its
/// surface where the centroid falls outside) in the metric CRS (metres), and how many people it
/// holds (residents, or the residents of the age the service is for).
public struct DemandSite: Sendable {
    public var location: Position
    public var population: Double
    public init(location: Position, population: Double) { self.location = location; self.population = population }
}

extension DemandSite {
    /// The demand sites of residential parcels (metric CRS): each parcel's people at its centroid, or
    /// at a point on its surface when the centroid falls outside it (a crescent, an L-shaped block).
    public static func ofParcels(_ parcels: [ResidentialParcel]) throws -> [DemandSite] {
        let geos = try GEOSContext()
        return try parcels.map { parcel in
            guard let p = try representativePoint(of: parcel.geometry, geos: geos) else { throw ParcelWithoutPoint(id: parcel.id) }
            return DemandSite(location: p, population: parcel.population)
        }
    }

    /// Where an area's people are counted: its centroid, or a point on its surface when the centroid
    /// falls outside it; nil for an empty or collapsed shape. The health check counts parcels in
    /// units at the same point.
    static func representativePoint(of geometry: Geometry, geos: GEOSContext) throws -> Position? {
        guard !geometry.isEmpty else { return nil }
        let shape = try geos.make(geometry)
        var point = try shape.centroid()
        if try !shape.holds(.intersects, with: point) { point = try shape.pointOnSurface() }
        guard case .point(let p) = try point.value() else { return nil }
        return p
    }
}

/// A parcel whose geometry gives no point to count its people at (an empty or collapsed shape).
public struct ParcelWithoutPoint: Error, CustomStringConvertible, Sendable {
    public var id: String
    public var description: String { "parcel \(id) has no area, so no point to count its people at" }
}

/// Where a service is offered: a facility's point in the metric CRS (metres) and its capacity
/// (places, beds, seats: the facility layer's `capacity`).
public struct SupplySite: Sendable {
    public var location: Position
    public var capacity: Double
    public init(location: Position, capacity: Double) { self.location = location; self.capacity = capacity }
}

/// How a pair of sites `d` metres apart counts toward each other within a catchment of `radius`
/// metres. Pairs at `radius` or farther never count (a strict bound, as PySAL's `access` package
/// draws it).
public enum CatchmentWeight: Sendable, Equatable {
    /// 2SFCA (Luo and Wang 2003): every pair inside the catchment counts fully.
    case uniform
    /// Gaussian decay (the E2SFCA family; Dai 2010's normalised form):
    /// w(d) = (e^(−½(d/r)²) − e^(−½)) / (1 − e^(−½)), 1 at the site, falling to 0 at the radius.
    case gaussian

    /// The weight of a pair `distance` metres apart in a catchment of `radius` metres.
    public func weight(distance: Double, radius: Double) -> Double {
        guard distance < radius else { return 0 }
        switch self {
        case .uniform: return 1
        case .gaussian:
            let edge = exp(-0.5)
            let t = distance / radius
            return (exp(-0.5 * t * t) - edge) / (1 - edge)
        }
    }
}

/// The demand sites one supply site counts: each with its distance (metres in straight lines, or the
/// walking cost in reference metres), every one closer than the radius.
public typealias Catchment = [(site: Int, distance: Double)]

/// Capacity-aware access to one kind of service, two-step floating catchment:
/// 1. each supply site j gets the ratio R_j = S_j / Σ_k w(d_kj) P_k of its capacity to the weighted
///    population of the demand sites within the radius (no demand: R_j is not used);
/// 2. each demand site i gets A_i = Σ_j w(d_ij) R_j over the supply sites within the radius:
///    capacity per person reachable (0 where none is).
/// Distances are straight lines in the metric CRS (metres), or walking costs over the street network
/// (`walkingCatchments`).
public enum FloatingCatchment {
    /// A_i for every demand site, in input order (capacity units per person), straight lines.
    /// `radius` in metres.
    public static func access(demand: [DemandSite], supply: [SupplySite], radius: Double, weight: CatchmentWeight = .uniform,
                              parallelism: Parallelism = .serial) -> [Double] {
        precondition(radius > 0, "a catchment needs a positive radius")
        guard !demand.isEmpty, !supply.isEmpty else { return Array(repeating: 0, count: demand.count) }
        let demandTree = PackedBoxTree(demand.map { Envelope(point: $0.location) })
        let catchments: [Catchment] = parallelism.map(supply.count) { j in
            var near: [Int] = []
            demandTree.search(Envelope(around: supply[j].location, radius: radius), into: &near)
            return near.sorted().compactMap { k in
                let d = metres(demand[k].location, supply[j].location)
                return d < radius ? (k, d) : nil
            }
        }
        return access(demand: demand, supply: supply, catchments: catchments, radius: radius, weight: weight)
    }

    /// A_i for every demand site from each supply site's catchment (`catchments[j]`: the demand sites
    /// supply site j counts, each closer than `radius`, in the unit of `radius`).
    public static func access(demand: [DemandSite], supply: [SupplySite], catchments: [Catchment], radius: Double,
                              weight: CatchmentWeight = .uniform) -> [Double] {
        precondition(catchments.count == supply.count, "one catchment per supply site")
        var result = [Double](repeating: 0, count: demand.count)
        for (j, catchment) in catchments.enumerated() {
            // Step 1: the supply site's ratio of capacity to the weighted demand around it.
            var weighted = 0.0
            for (k, d) in catchment { weighted += weight.weight(distance: d, radius: radius) * demand[k].population }
            guard weighted > 0 else { continue }
            let ratio = supply[j].capacity / weighted
            // Step 2, accumulated: each demand site it reaches gains its weighted share.
            for (i, d) in catchment { result[i] += weight.weight(distance: d, radius: radius) * ratio }
        }
        return result
    }

    /// Walking catchments: for each supply site, the demand sites whose walking cost from it is under
    /// `radius` (reference metres, as coverage's walking mode): the supply site attaches to the
    /// network as a facility does, a demand site is entered from its parcel's boundary `entrances`,
    /// and the last leg from an entrance to the demand site's point is walked straight. A supply
    /// site with no admissible street within `walking.attachDistance` reaches nobody (counted).
    public static func walkingCatchments(demand: [DemandSite], entrances: [[WalkingGraph.Attachment]], supply: [SupplySite],
                                         radius: Double, graph: WalkingGraph, walking: WalkingParameters,
                                         parallelism: Parallelism = .serial) -> (catchments: [Catchment], unattached: Int) {
        precondition(entrances.count == demand.count, "entrances for every demand site")
        let demandTree = PackedBoxTree(demand.map { Envelope(point: $0.location) })
        // No walk of cost under `radius` ends farther than this, as the crow flies.
        let reach = radius / graph.minimumCostPerMetre
        let found: [Catchment?] = parallelism.map(supply.count) { j in
            guard let source = graph.attach(supply[j].location, maxDistance: walking.attachDistance) else { return nil }
            let costs = graph.distances(from: [source], limit: radius)
            var near: [Int] = []
            demandTree.search(Envelope(around: supply[j].location, radius: reach + walking.accessDistance), into: &near)
            return near.sorted().compactMap { i -> (site: Int, distance: Double)? in
                var best = Double.infinity
                for e in entrances[i] {
                    best = min(best, graph.cost(at: e, in: costs) + metres(e.point, demand[i].location) * graph.legCostPerMetre)
                }
                return best < radius ? (i, best) : nil
            }
        }
        return (found.map { $0 ?? [] }, found.filter { $0 == nil }.count)
    }

    /// The straight-line distance between two points of the metric CRS, metres.
    @inline(__always) static func metres(_ a: Position, _ b: Position) -> Double { hypot(a.x - b.x, a.y - b.y) }
}

extension Envelope {
    /// The box of one point.
    init(point p: Position) { self.init(minX: p.x, minY: p.y, maxX: p.x, maxY: p.y) }
    /// The box `radius` around a point.
    init(around p: Position, radius: Double) { self.init(minX: p.x - radius, minY: p.y - radius, maxX: p.x + radius, maxY: p.y + radius) }
}
