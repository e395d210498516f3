import Foundation
import GeoKernel
import Support

/// Regions of one connected piece of the node graph.
struct Regionaliser {
    let graph: NodeGraph
    let nodes: [Int]
    let parameters: UnitParameters

    /// A region's running totals.
    struct Region {
        var nodes: Set<Int> = []
        var area = 0.0, population = 0.0, needSum = 0.0, needSquares = 0.0, count = 0
        var cx = 0.0, cy = 0.0
        var meanNeed: Double { count > 0 ? needSum / Double(count) : 0 }
        var ssd: Double { count > 0 ? needSquares - needSum * needSum / Double(count) : 0 }
        mutating func add(_ n: Int, _ g: NodeGraph) {
            nodes.insert(n); area += g.area[n]; population += g.population[n]; needSum += g.needSum[n]
            needSquares += g.needSquares[n]; count += g.count[n]; cx += g.centroid[n].x * g.area[n]; cy += g.centroid[n].y * g.area[n]
        }
        mutating func remove(_ n: Int, _ g: NodeGraph) {
            nodes.remove(n); area -= g.area[n]; population -= g.population[n]; needSum -= g.needSum[n]
            needSquares -= g.needSquares[n]; count -= g.count[n]; cx -= g.centroid[n].x * g.area[n]; cy -= g.centroid[n].y * g.area[n]
        }
        var center: Position { area > 0 ? Position(cx / area, cy / area) : Position(0, 0) }
    }

    func run() -> [(nodes: [Int], flags: [UnitFlag])] {
        let total = nodes.reduce(0) { $0 + graph.area[$1] }
        if total < parameters.minArea {
            return [(nodes, [.islandBelowMinimum(area: total)])]
        }
        var best: (regions: [Region], leftovers: [[Int]], score: (Int, Double))? = nil
        for attempt in 0..<max(1, parameters.constructions) {
            var random = SplitMix64(seed: parameters.seed &+ UInt64(attempt) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(nodes[0]))
            var (regions, leftovers) = construct(&random)
            improve(&regions)
            let inBounds = regions.filter { $0.area >= parameters.minArea && $0.area <= parameters.maxArea }.count
            let score = (inBounds, -objective(regions))
            if best == nil || score.0 > best!.score.0 || (score.0 == best!.score.0 && score.1 > best!.score.1) {
                best = (regions, leftovers, score)
            }
        }
        var out: [(nodes: [Int], flags: [UnitFlag])] = best!.regions.map { region in
            var flags: [UnitFlag] = []
            if region.area > parameters.maxArea { flags.append(.indivisibleAboveMaximum(area: region.area)) }
            if region.area < parameters.minArea { flags.append(.belowMinimum(area: region.area)) }
            return (region.nodes.sorted(), flags)
        }
        for piece in best!.leftovers {
            let area = piece.reduce(0) { $0 + graph.area[$1] }
            out.append((piece, [.belowMinimum(area: area)]))
        }
        return out
    }

    /// Objective: need SSD plus weighted non-compactness. A region's non-compactness is
    /// 2π·I/A² − 1 (0 for a disc), I being the area-weighted squared distance of its nodes'
    /// centroids to its centre; it is scaled by the parcel count so both terms grow alike.
    func objective(_ regions: [Region]) -> Double {
        regions.reduce(0) { $0 + cost($1) }
    }

    func cost(_ r: Region) -> Double {
        guard parameters.compactnessWeight > 0, r.area > 0 else { return r.ssd }
        let c = r.center
        var inertia = 0.0
        for n in r.nodes {
            let dx = graph.centroid[n].x - c.x, dy = graph.centroid[n].y - c.y
            inertia += graph.area[n] * (dx * dx + dy * dy)
        }
        let nonCompactness = max(0, 2 * Double.pi * inertia / (r.area * r.area) - 1)
        return r.ssd + parameters.compactnessWeight * Double(r.count) * nonCompactness
    }

    /// Cost of adding node `n` to region `r`: its squared need distance to the region's mean and
    /// the inertia it adds (the same terms as `cost`, to first order).
    func addCost(_ n: Int, to r: Region) -> Double {
        let need = graph.needSum[n] / Double(max(1, graph.count[n]))
        let dn = need - r.meanNeed
        let c = r.center
        let dx = graph.centroid[n].x - c.x, dy = graph.centroid[n].y - c.y
        let after = r.area + graph.area[n]
        return dn * dn * Double(graph.count[n])
            + parameters.compactnessWeight * Double(r.count + graph.count[n]) * 2 * Double.pi * graph.area[n] * (dx * dx + dy * dy) / (after * after)
    }

    func construct(_ random: inout SplitMix64) -> (regions: [Region], leftovers: [[Int]]) {
        var regionOf: [Int: Int] = [:]
        var regions: [Region] = []
        var order = nodes
        random.shuffle(&order)
        for seed in order where regionOf[seed] == nil {
            if graph.area[seed] > parameters.maxArea {
                var r = Region(); r.add(seed, graph)
                regionOf[seed] = regions.count; regions.append(r)
                continue
            }
            var region = Region()
            region.add(seed, graph)
            var frontier = Set(graph.neighbours[seed].filter { regionOf[$0] == nil })
            while region.area < parameters.minArea {
                let fitting = frontier.filter { region.area + graph.area[$0] <= parameters.maxArea }
                guard let next = fitting.min(by: { (addCost($0, to: region), $0) < (addCost($1, to: region), $1) }) else { break }
                region.add(next, graph)
                frontier.remove(next)
                for m in graph.neighbours[next] where regionOf[m] == nil && !region.nodes.contains(m) { frontier.insert(m) }
            }
            if region.area >= parameters.minArea {
                for n in region.nodes { regionOf[n] = regions.count }
                regions.append(region)
            }
        }
        // Leftovers join the neighbouring region that stays within the maximum at least cost;
        // repeated while anything joins (a leftover may reach a region only through another).
        var left = nodes.filter { regionOf[$0] == nil }
        var joined = true
        while joined && !left.isEmpty {
            joined = false
            var still: [Int] = []
            for n in left {
                let options = Set(graph.neighbours[n].compactMap { regionOf[$0] })
                    .filter { regions[$0].area + graph.area[n] <= parameters.maxArea }
                if let r = options.min(by: { (addCost(n, to: regions[$0]), $0) < (addCost(n, to: regions[$1]), $1) }) {
                    regions[r].add(n, graph); regionOf[n] = r; joined = true
                } else {
                    still.append(n)
                }
            }
            left = still
        }
        // What is left forms its own connected pieces (flagged below the minimum by the caller).
        let leftSet = Set(left)
        let pieces = connectedPieces(left, neighbours: graph.neighbours) { leftSet.contains($0) }.map { $0.sorted() }
        // A leftover piece at or above the minimum is a unit of its own.
        var leftovers: [[Int]] = []
        for piece in pieces {
            let area = piece.reduce(0) { $0 + graph.area[$1] }
            if area >= parameters.minArea && area <= parameters.maxArea {
                var r = Region(); piece.forEach { r.add($0, graph) }; regions.append(r)
            } else {
                leftovers.append(piece)
            }
        }
        return (regions, leftovers)
    }

    /// Greedy local search: move a boundary node to a neighbouring region when both stay within
    /// the bounds, the donor stays connected, and the objective falls. Stops when a full pass
    /// moves nothing (or after a bounded number of passes).
    func improve(_ regions: inout [Region]) {
        var regionOf: [Int: Int] = [:]
        for (r, region) in regions.enumerated() { for n in region.nodes { regionOf[n] = r } }
        // Each region's cost, kept up to date as nodes move (a cost walks the region's nodes).
        var costs = regions.map(cost)
        for _ in 0..<20 {
            var moved = false
            for n in nodes {
                guard let from = regionOf[n], regions[from].nodes.count > 1 else { continue }
                let donor = regions[from]
                guard donor.area - graph.area[n] >= parameters.minArea else { continue }
                let targets = Set(graph.neighbours[n].compactMap { regionOf[$0] }).subtracting([from]).sorted()
                for to in targets where regions[to].area + graph.area[n] <= parameters.maxArea {
                    var a = donor, b = regions[to]
                    a.remove(n, graph); b.add(n, graph)
                    let (costA, costB) = (cost(a), cost(b))
                    guard costA + costB < costs[from] + costs[to] - 1e-12 else { continue }
                    guard connected(a.nodes) else { continue }
                    regions[from] = a; regions[to] = b; regionOf[n] = to
                    costs[from] = costA; costs[to] = costB
                    moved = true
                    break
                }
            }
            if !moved { break }
        }
    }

    func connected(_ set: Set<Int>) -> Bool {
        guard let start = set.first else { return true }
        return connectedPieces([start], neighbours: graph.neighbours) { set.contains($0) }[0].count == set.count
    }
}
