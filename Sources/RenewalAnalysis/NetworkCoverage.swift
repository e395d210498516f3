import Dispatch
import Foundation
import GeoKernel

/// Walking-distance coverage over the street network, in the metric CRS. Pure: values in, values out.
///
/// Definitions. Facilities attach to the nearest walkable segment (within `attachDistance`); a
/// multi-source shortest-path search gives every network point its walking cost in reference
/// metres (length ÷ class factor × reference speed ÷ speed, plus the straight leg from the
/// facility to the street). The network service area of a category is the set of points within
/// `accessDistance` of a network point x, and within the radius once that last straight leg is
/// added (cost(x) + |px| ≤ r), intersected with the straight-line service area. A parcel's covered
/// fraction is the share of its area inside it. Invariant, by construction: network coverage ≤
/// straight-line coverage, parcel by parcel, for the same radius.
public enum NetworkCoverage {
    public static func run(parcels: [ResidentialParcel], facilities: [Facility], streets: [StreetLine],
                           parameters: CoverageParameters = .init(), walking: WalkingParameters = .init(),
                           progress: (@Sendable (String) -> Void)? = nil) throws -> (result: CoverageResult, graph: WalkingGraph) {
        let graph = WalkingGraph(streets: streets, parameters: walking)
        let straight = CoverageAnalysis.run(parcels: parcels, facilities: facilities, parameters: parameters)
        let entrances = parcels.map { graph.attachBoundary(of: $0.geometry, maxDistance: walking.accessDistance) }
        let slots = ResultSlots<Result<CategoryCoverage, Error>>(count: straight.categories.count)
        DispatchQueue.concurrentPerform(iterations: straight.categories.count) { k in
            let category = straight.categories[k]
            slots.set(k, Result {
                try cover(category, graph: graph, entrances: entrances, straight: straight, walking: walking)
            })
            progress?(category.category)
        }
        var result = straight
        result.categories = try slots.values.map { try $0.get() }
        return (result, graph)
    }

    static func cover(_ straightCategory: CategoryCoverage, graph: WalkingGraph, entrances: [[WalkingGraph.Attachment]],
                      straight: CoverageResult, walking: WalkingParameters) throws -> CategoryCoverage {
        guard case .disks(let disks) = straightCategory.serviceArea else { return straightCategory }
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

        // The reachable network, buffered by what is left of the budget (at most the access distance).
        var fullWidth: [[Position]] = []
        var partial: [(line: [Position], width: Double)] = []
        let sourcesByEdge = Dictionary(grouping: sources, by: \.edge)
        for e in 0..<graph.edgeCount {
            let length = graph.edgeLength[e], c = graph.edgeCostPerMetre[e]
            let da = cost[Int(graph.edgeA[e])], db = cost[Int(graph.edgeB[e])]
            let local = sourcesByEdge[e] ?? []
            guard min(da, db) < budget || !local.isEmpty else { continue }
            func f(_ x: Double) -> Double {
                var best = min(da + x * c, db + (length - x) * c)
                for s in local { best = min(best, s.distance * graph.legCostPerMetre + abs(x - s.offset) * c) }
                return best
            }
            let (p, q) = graph.ends(e)
            func at(_ x: Double) -> Position { Position(p.x + (q.x - p.x) * x / length, p.y + (q.y - p.y) * x / length) }
            // Whole edge deep inside the budget: one piece at full access width.
            if (f(0) + f(length) + c * length) / 2 + walking.accessDistance <= budget {
                fullWidth.append([p, q]); continue
            }
            let n = max(1, Int((length / walking.pieceLength).rounded(.up)))
            for k in 0..<n {
                let x0 = length * Double(k) / Double(n), x1 = length * Double(k + 1) / Double(n)
                // The cost along a piece is at most the mean of its ends plus half its length's cost.
                let worst = (f(x0) + f(x1) + c * (x1 - x0)) / 2
                let width = min(walking.accessDistance, budget - worst)
                if width > 0.5 { partial.append(([at(x0), at(x1)], width)) }
            }
        }
        var parts: [GEOSGeometry] = []
        if !fullWidth.isEmpty {
            parts.append(try geos.make(.multiLineString(fullWidth)).buffer(walking.accessDistance, segments: 4))
        }
        for piece in partial { parts.append(try geos.make(.lineString(piece.line)).buffer(piece.width, segments: 4)) }
        var area: GEOSGeometry? = nil
        if !parts.isEmpty {
            let reach = try geos.make(.geometryCollection(try parts.map { try $0.value() })).unaryUnion()
            var cover: GEOSGeometry? = nil
            for d in disks { let g = try geos.make(d.polygon); cover = try cover.map { try $0.union(g) } ?? g }
            if let cover { area = try reach.intersection(cover) }
        }

        // Cut the service area into grid cells so each parcel meets only small pieces.
        var pieces: [Geometry] = []
        if let area, !area.isEmpty, let env = try area.value().envelope {
            let cell = 250.0
            var y = env.minY
            while y < env.maxY {
                var x = env.minX
                while x < env.maxX {
                    let box = try geos.make(.polygon([[Position(x, y), Position(x + cell, y), Position(x + cell, y + cell), Position(x, y + cell), Position(x, y)]]))
                    let piece = try area.intersection(box)
                    if !piece.isEmpty, let polygons = try piece.value().extractingParts(ofDimension: 2) { pieces.append(polygons) }
                    x += cell
                }
                y += cell
            }
        }
        let index = GridIndex(envelopes: pieces.map { $0.envelope ?? .empty }, cellSize: 250)
        let made = try pieces.map { try geos.make($0) }

        var fractions = [Double](repeating: 0, count: straight.parcels.count)
        var distances = [Double](repeating: .infinity, count: straight.parcels.count)
        var candidates: [Int] = []
        var gapArea = 0.0, gapPopulation = 0.0, withGap = 0, covered = 0.0
        for (i, parcel) in straight.parcels.enumerated() {
            let parcelArea = straight.parcelAreas[i]
            guard let env = parcel.geometry.envelope, parcelArea > 0 else { continue }
            let p = try geos.make(parcel.geometry)
            if straightCategory.fractions[i] > 0 {
                index.query(env, into: &candidates)
                var inside = 0.0
                for k in candidates where try p.intersects(made[k]) { inside += try p.intersection(made[k]).area() }
                fractions[i] = min(straightCategory.fractions[i], max(0, inside / parcelArea))
            }
            // Walking distance: to the cheapest of the parcel's entrances on its boundary.
            for entrance in entrances[i] { distances[i] = min(distances[i], graph.cost(at: entrance, nodeCost: walkCost)) }
            let fraction = fractions[i]
            covered += fraction * parcelArea
            gapArea += (1 - fraction) * parcelArea
            gapPopulation += (1 - fraction) * parcel.population
            if fraction < straight.parameters.fullCoverage { withGap += 1 }
        }
        let total = straight.parcelAreas.reduce(0, +)
        category.fractions = fractions
        category.walkingDistances = distances
        category.gapAreaM2 = gapArea
        category.gapPopulation = gapPopulation
        category.parcelsWithGap = withGap
        category.coverageRatio = total > 0 ? covered / total : 1
        category.serviceArea = .pieces(pieces)
        return category
    }
}
