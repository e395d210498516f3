import Foundation
import GeoKernel

/// Delineates renewal units: contiguous groups of parcels, bounded by barriers (arterial streets,
/// rivers, blue lines), never splitting heritage zones or marked groups, with two-sided size bounds.
///
/// Algorithm ("bounded max-p region growing with local search"):
/// 1. Adjacency: parcels closer than `facingDistance` (touching = 0 m), unless the shortest segment
///    between them meets a barrier (lines buffered by 1 m, areas as they are); parcels inside a
///    barrier area are left out. Cells are the connected pieces of this graph.
/// 2. Never-split groups (a heritage zone's parcels, a marked group) are contracted to one node,
///    placed in the cell of its largest parcel (flagged when its parcels lie in several cells).
/// 3. Adjacency lifted to the nodes, within one cell.
/// 4. Per connected piece: below the minimum it is one flagged unit; otherwise several seeded
///    constructions grow regions from seeds, adding the neighbour closest in need (plus a
///    compactness term) until the minimum is reached without passing the maximum; leftovers join
///    the neighbouring region that keeps within bounds at least cost. The construction with the
///    most units within bounds, then the lowest objective, is kept.
/// 5. Local search moves boundary nodes between neighbouring units when both stay within bounds,
///    the donor stays connected and the objective (need SSD + weighted compactness) falls.
public enum RenewalUnits {
    public static func delineate(parcels: [UnitParcel], barrierLines: [Geometry], barrierAreas: [Geometry],
                                 groupZones: [(id: String, geometry: Geometry)], parameters: UnitParameters,
                                 progress: ((String) -> Void)? = nil) throws -> UnitDelineation {
        let parameters = try parameters.validated()
        let geos = try GEOSContext()
        // 1. Barriers; parcels inside a barrier area (a river) are left out; adjacency cut by barriers;
        //    cells = connected pieces of the cut adjacency graph.
        progress?("barriers and adjacency")
        let barriers = try BarrierMask(lines: barrierLines, areas: barrierAreas, geos: geos)
        var excluded: [(parcel: Int, reason: String)] = []
        var inside = [Bool](repeating: false, count: parcels.count)
        for i in parcels.indices where try barriers.holds(parcels[i].geometry) {
            inside[i] = true
            excluded.append((i, "lies inside a barrier area (river or blue line)"))
        }
        let adjacency = try neighbours(parcels: parcels, included: inside.map(!), distance: parameters.facingDistance, barriers: barriers)
        let cellOf = cells(adjacency: adjacency, included: inside.map(!))

        // 2. Groups: marked groups and heritage zones (by the parcel's interior point).
        progress?("never-split groups")
        var groupOf = parcels.map(\.group)
        if !groupZones.isEmpty {
            let zones = try groupZones.map { (id: $0.id, prepared: try GEOSPreparedGeometry(geos.make($0.geometry)), envelope: $0.geometry.envelope ?? .empty) }
            for i in parcels.indices where cellOf[i] != nil && groupOf[i] == nil {
                let point = try geos.make(parcels[i].geometry).pointOnSurface()
                let p = try point.value()
                guard case .point(let position) = p else { continue }
                for zone in zones where zone.envelope.contains(position) {
                    if try zone.prepared.contains(point) { groupOf[i] = "heritage:" + zone.id; break }
                }
            }
        }
        // Nodes: one per group, one per ungrouped parcel.
        var nodeOf = [Int](repeating: -1, count: parcels.count)
        var nodeMembers: [[Int]] = []
        var nodeOfGroup: [String: Int] = [:]
        for i in parcels.indices where cellOf[i] != nil {
            if let g = groupOf[i] {
                if let n = nodeOfGroup[g] { nodeOf[i] = n; nodeMembers[n].append(i); continue }
                nodeOfGroup[g] = nodeMembers.count
            }
            nodeOf[i] = nodeMembers.count
            nodeMembers.append([i])
        }
        var nodeFlags = [[UnitFlag]](repeating: [], count: nodeMembers.count)
        var nodeCell = [Int](repeating: 0, count: nodeMembers.count)
        for (n, members) in nodeMembers.enumerated() {
            let largest = members.max { parcels[$0].area < parcels[$1].area }!
            nodeCell[n] = cellOf[largest]!
            if Set(members.map { cellOf[$0]! }).count > 1, let g = groupOf[largest] { nodeFlags[n].append(.groupSpansBarrier(group: g)) }
        }

        // 3. Adjacency lifted to nodes (within one cell).
        var nodeNeighbours = [Set<Int>](repeating: [], count: nodeMembers.count)
        for i in parcels.indices where nodeOf[i] >= 0 {
            for j in adjacency[i] where nodeOf[j] >= 0 && nodeOf[j] != nodeOf[i] && nodeCell[nodeOf[i]] == nodeCell[nodeOf[j]] {
                nodeNeighbours[nodeOf[i]].insert(nodeOf[j]); nodeNeighbours[nodeOf[j]].insert(nodeOf[i])
            }
        }
        let graph = NodeGraph(parcels: parcels, members: nodeMembers, neighbours: nodeNeighbours.map { $0.sorted() })

        // 4–5. Regions per connected piece.
        progress?("regions")
        var regions: [(nodes: [Int], flags: [UnitFlag])] = []
        for piece in graph.components() {
            regions += Regionaliser(graph: graph, nodes: piece, parameters: parameters).run()
        }

        // Units, ranked by mean need.
        var units: [RenewalUnit] = regions.map { region in
            let members = region.nodes.flatMap { nodeMembers[$0] }.sorted()
            let area = members.reduce(0) { $0 + parcels[$1].area }
            let population = members.reduce(0) { $0 + parcels[$1].population }
            let needs = members.map { parcels[$0].need }
            var flags = region.flags + region.nodes.flatMap { nodeFlags[$0] }
            if let lo = parameters.minPopulation, population < lo, !flags.contains(where: { if case .islandBelowMinimum = $0 { true } else { false } }) {
                flags.append(.populationOutOfBounds(population: population))
            } else if let hi = parameters.maxPopulation, population > hi {
                flags.append(.populationOutOfBounds(population: population))
            }
            return RenewalUnit(parcels: members, area: area, population: population,
                               meanNeed: needs.reduce(0, +) / Double(max(1, needs.count)), maxNeed: needs.max() ?? 0,
                               rank: 0, flags: flags, cell: nodeCell[region.nodes[0]])
        }
        // Stable order: by first parcel index; ranks by mean need (ties by that order).
        units.sort { $0.parcels[0] < $1.parcels[0] }
        for (rank, u) in units.indices.sorted(by: { units[$0].meanNeed > units[$1].meanNeed || (units[$0].meanNeed == units[$1].meanNeed && $0 < $1) }).enumerated() {
            units[u].rank = rank + 1
        }
        var unitOfParcel = [Int?](repeating: nil, count: parcels.count)
        for (u, unit) in units.enumerated() { for p in unit.parcels { unitOfParcel[p] = u } }
        let ssd = units.reduce(0.0) { total, unit in
            total + unit.parcels.reduce(0.0) { $0 + pow(parcels[$1].need - unit.meanNeed, 2) }
        }
        var pairs: [[Int]] = []
        for i in adjacency.indices { for j in adjacency[i] where i < j { pairs.append([i, j]) } }
        return UnitDelineation(units: units, unitOfParcel: unitOfParcel, excluded: excluded, cellOfParcel: cellOf,
                               adjacency: pairs, withinSSD: ssd)
    }

    /// Connected pieces of the (barrier-cut) adjacency graph: the cell index of each included parcel.
    static func cells(adjacency: [[Int]], included: [Bool]) -> [Int?] {
        var cell = [Int?](repeating: nil, count: adjacency.count)
        let pieces = connectedPieces(adjacency.indices.filter { included[$0] }, neighbours: adjacency) { included[$0] }
        for (c, piece) in pieces.enumerated() { for i in piece { cell[i] = c } }
        return cell
    }

    /// Included parcels within `distance` metres of each other (0 = touching), unless the shortest
    /// segment between them meets a barrier (an arterial between two facing parcels, a river);
    /// sorted neighbour lists.
    static func neighbours(parcels: [UnitParcel], included: [Bool], distance: Double, barriers: BarrierMask) throws -> [[Int]] {
        let rings = parcels.map { PlanarRing.orientedRings($0.geometry) }
        let envelopes = parcels.map { p -> Envelope in
            guard var e = p.geometry.envelope else { return .empty }
            e.expand(toInclude: Position(e.minX - distance, e.minY - distance))
            e.expand(toInclude: Position(e.maxX + distance, e.maxY + distance))
            return e
        }
        let index = GridIndex(envelopes: envelopes)
        var out = [[Int]](repeating: [], count: parcels.count)
        var candidates: [Int] = []
        for i in parcels.indices where included[i] && !envelopes[i].isEmpty {
            index.query(envelopes[i], into: &candidates)
            for j in candidates where j > i && included[j] {
                guard let link = PlanarSegments.nearest(rings[i], rings[j], within: distance) else { continue }
                if try barriers.cuts(from: link.0, to: link.1) { continue }
                out[i].append(j); out[j].append(i)
            }
        }
        return out.map { $0.sorted() }
    }
}
