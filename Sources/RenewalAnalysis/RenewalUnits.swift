import Foundation
import GeoKernel

/// A parcel as the unit delineation sees it, in a metric CRS (metres).
public struct UnitParcel: Sendable {
    public var id: String
    /// Polygonal geometry in the metric CRS.
    public var geometry: Geometry
    /// Land area, m².
    public var area: Double
    public var population: Double
    /// Renewal-need score, 0…1 (see `RenewalNeed`).
    public var need: Double
    /// A marked group that must stay in one unit (an ownership or project id), if any.
    public var group: String?

    public init(id: String, geometry: Geometry, area: Double, population: Double, need: Double, group: String? = nil) {
        self.id = id; self.geometry = geometry; self.area = area; self.population = population; self.need = need; self.group = group
    }
}

/// Parameters of the unit delineation. Areas in m², distances in metres.
public struct UnitParameters: Sendable {
    /// Smallest unit area, m² (default 10 ha).
    public var minArea = 100_000.0
    /// Largest unit area, m² (default 50 ha, near the 10-minute life circle).
    public var maxArea = 500_000.0
    /// Optional population bounds per unit (residents).
    public var minPopulation: Double? = nil
    public var maxPopulation: Double? = nil
    /// Parcels closer than this (across a street that is not a barrier) are neighbours, m.
    public var facingDistance = 30.0
    /// Seed of the randomised construction: the same seed gives the same units.
    public var seed: UInt64 = 1
    /// Constructions tried per connected piece; the best is kept.
    public var constructions = 6
    /// Weight of compactness against need homogeneity in the objective (0 = homogeneity only).
    public var compactnessWeight = 0.01

    public init() {}
}

/// Unit parameters that cannot work together, named with their values.
public struct UnitParameterError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

extension UnitParameters {
    /// Checks the bounds: positive, minimum not above maximum (areas given back in hectares).
    public func validated() throws -> UnitParameters {
        guard minArea > 0, maxArea > 0 else {
            throw UnitParameterError(description: String(format: "unit size bounds must be positive (min %.2f ha, max %.2f ha)", minArea / 10_000, maxArea / 10_000))
        }
        guard minArea <= maxArea else {
            throw UnitParameterError(description: String(format: "the minimum unit size %.2f ha is above the maximum %.2f ha", minArea / 10_000, maxArea / 10_000))
        }
        if let lo = minPopulation, let hi = maxPopulation, lo > hi {
            throw UnitParameterError(description: String(format: "the minimum unit population %.0f is above the maximum %.0f", lo, hi))
        }
        guard facingDistance >= 0 else { throw UnitParameterError(description: "the facing distance must not be negative (\(facingDistance) m)") }
        return self
    }
}

/// Why a unit is outside the size bounds.
public enum UnitFlag: Sendable, Equatable, CustomStringConvertible {
    /// The connected piece between barriers is smaller than the minimum (area m²).
    case islandBelowMinimum(area: Double)
    /// Leftover parcels that could join no neighbouring unit without breaking its maximum.
    case belowMinimum(area: Double)
    /// A single parcel or never-split group larger than the maximum.
    case indivisibleAboveMaximum(area: Double)
    /// Population outside the optional bounds.
    case populationOutOfBounds(population: Double)
    /// A never-split group whose parcels lie on both sides of a barrier (kept whole).
    case groupSpansBarrier(group: String)

    public var description: String {
        switch self {
        case .islandBelowMinimum(let a): String(format: "island below the minimum: %.1f ha between barriers", a / 10_000)
        case .belowMinimum(let a): String(format: "below the minimum: %.1f ha left over that no neighbouring unit can take", a / 10_000)
        case .indivisibleAboveMaximum(let a): String(format: "above the maximum: one parcel or never-split group of %.1f ha", a / 10_000)
        case .populationOutOfBounds(let p): String(format: "population %.0f outside the bounds", p)
        case .groupSpansBarrier(let g): "group \(g) lies on both sides of a barrier and is kept whole"
        }
    }
}

/// One renewal unit: indices into the input parcels, with its totals.
public struct RenewalUnit: Sendable {
    public var parcels: [Int]
    /// Area, m².
    public var area: Double
    public var population: Double
    public var meanNeed: Double
    public var maxNeed: Double
    /// 1 = highest mean need.
    public var rank: Int
    public var flags: [UnitFlag]
    /// Index of the cell (connected piece of the barrier-cut adjacency graph) it lies in.
    public var cell: Int
}

/// The delineation: units, and the parcels left out (their index and why).
public struct UnitDelineation: Sendable {
    public var units: [RenewalUnit]
    /// Unit index per input parcel; nil for excluded parcels.
    public var unitOfParcel: [Int?]
    public var excluded: [(parcel: Int, reason: String)]
    /// Cell per input parcel: the connected piece of the barrier-cut adjacency graph (nil when excluded).
    public var cellOfParcel: [Int?]
    /// Parcel adjacency used (pairs of parcel indices, i < j), for checks and reports.
    public var adjacency: [[Int]]
    /// Within-unit sum of squared deviations of the need score (the homogeneity measure).
    public var withinSSD: Double
}

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

/// The barriers as one prepared GEOS geometry: lines buffered by 1 m, areas as they are (metric CRS).
struct BarrierMask {
    let geos: GEOSContext
    let mask: GEOSPreparedGeometry?
    let areas: GEOSPreparedGeometry?

    init(lines: [Geometry], areas: [Geometry], geos: GEOSContext) throws {
        self.geos = geos
        let areaUnion = areas.isEmpty ? nil : try geos.make(.geometryCollection(areas)).unaryUnion()
        let lineBand = lines.isEmpty ? nil : try geos.make(.geometryCollection(lines)).unaryUnion().buffer(1.0, segments: 2)
        let all: GEOSGeometry? = switch (areaUnion, lineBand) {
        case let (a?, l?): try a.union(l)
        case let (a?, nil): a
        case let (nil, l?): l
        default: nil
        }
        mask = try all.map(GEOSPreparedGeometry.init)
        self.areas = try areaUnion.map(GEOSPreparedGeometry.init)
    }

    /// True when the geometry's interior point lies inside a barrier area.
    func holds(_ geometry: Geometry) throws -> Bool {
        guard let areas else { return false }
        return try areas.contains(geos.make(geometry).pointOnSurface())
    }

    /// True when the segment from `a` to `b` (or the point, when they coincide) meets a barrier.
    func cuts(from a: Position, to b: Position) throws -> Bool {
        guard let mask else { return false }
        return try mask.intersects(geos.make(a == b ? .point(a) : .lineString([a, b])))
    }
}

/// Minimum distance between polygon boundaries, for adjacency.
enum PlanarSegments {
    /// The closest pair of boundary points of `a` and `b` when they come within `limit` of each
    /// other (a shared point when their boundaries cross or touch), else nil.
    static func nearest(_ a: [[Position]], _ b: [[Position]], within limit: Double) -> (Position, Position)? {
        var best: (Position, Position)? = nil, bestD = limit * limit
        for ra in a {
            for rb in b {
                for i in ra.indices {
                    let p = ra[i], q = ra[(i + 1) % ra.count]
                    for j in rb.indices {
                        let r = rb[j], s = rb[(j + 1) % rb.count]
                        if let x = crossing(p, q, r, s) { return (x, x) }
                        for (u, v, w) in [(p, r, s), (q, r, s)] {
                            let c = closest(u, v, w), d = (c.x - u.x) * (c.x - u.x) + (c.y - u.y) * (c.y - u.y)
                            if d <= bestD { bestD = d; best = (u, c) }
                        }
                        for (u, v, w) in [(r, p, q), (s, p, q)] {
                            let c = closest(u, v, w), d = (c.x - u.x) * (c.x - u.x) + (c.y - u.y) * (c.y - u.y)
                            if d <= bestD { bestD = d; best = (c, u) }
                        }
                    }
                }
            }
        }
        return best
    }

    /// The point of segment a–b closest to p.
    static func closest(_ p: Position, _ a: Position, _ b: Position) -> Position {
        let dx = b.x - a.x, dy = b.y - a.y
        let len2 = dx * dx + dy * dy
        let t = len2 > 0 ? min(1, max(0, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0
        return Position(a.x + t * dx, a.y + t * dy)
    }

    /// Where segments p–q and r–s cross properly, else nil.
    static func crossing(_ p: Position, _ q: Position, _ r: Position, _ s: Position) -> Position? {
        guard intersects(p, q, r, s) else { return nil }
        let d = (q.x - p.x) * (s.y - r.y) - (q.y - p.y) * (s.x - r.x)
        let t = ((r.x - p.x) * (s.y - r.y) - (r.y - p.y) * (s.x - r.x)) / d
        return Position(p.x + t * (q.x - p.x), p.y + t * (q.y - p.y))
    }

    static func intersects(_ p: Position, _ q: Position, _ r: Position, _ s: Position) -> Bool {
        func orient(_ a: Position, _ b: Position, _ c: Position) -> Double { (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x) }
        let d1 = orient(r, s, p), d2 = orient(r, s, q), d3 = orient(p, q, r), d4 = orient(p, q, s)
        return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
    }
}

/// The contracted graph: a node per never-split group or parcel, with its totals.
struct NodeGraph {
    let area: [Double]
    let population: [Double]
    /// Sum of need scores and parcel count, for region means.
    let needSum: [Double]
    let needSquares: [Double]
    let count: [Int]
    /// Area-weighted centroid, metres.
    let centroid: [Position]
    let neighbours: [[Int]]

    init(parcels: [UnitParcel], members: [[Int]], neighbours: [[Int]]) {
        area = members.map { $0.reduce(0) { $0 + parcels[$1].area } }
        population = members.map { $0.reduce(0) { $0 + parcels[$1].population } }
        needSum = members.map { $0.reduce(0) { $0 + parcels[$1].need } }
        needSquares = members.map { $0.reduce(0) { $0 + parcels[$1].need * parcels[$1].need } }
        count = members.map(\.count)
        centroid = members.map { m in
            var x = 0.0, y = 0.0, w = 0.0
            for i in m {
                guard let c = parcels[i].geometry.envelope?.center else { continue }
                let a = max(parcels[i].area, 1e-9)
                x += c.x * a; y += c.y * a; w += a
            }
            return w > 0 ? Position(x / w, y / w) : Position(0, 0)
        }
        self.neighbours = neighbours
    }

    /// Connected components, each sorted, in order of their smallest node.
    func components() -> [[Int]] {
        connectedPieces(Array(area.indices), neighbours: neighbours) { _ in true }.map { $0.sorted() }
    }
}

/// The connected pieces among `nodes`, following `neighbours` only to nodes for which `member`
/// holds; pieces in the order of their first node in `nodes`, each in visiting order.
func connectedPieces(_ nodes: [Int], neighbours: [[Int]], member: (Int) -> Bool) -> [[Int]] {
    var seen = Set<Int>(), pieces: [[Int]] = []
    for start in nodes where !seen.contains(start) {
        var stack = [start], piece: [Int] = []
        seen.insert(start)
        while let n = stack.popLast() {
            piece.append(n)
            for m in neighbours[n] where member(m) && !seen.contains(m) { seen.insert(m); stack.append(m) }
        }
        pieces.append(piece)
    }
    return pieces
}

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
            var random = SplitMix(seed: parameters.seed &+ UInt64(attempt) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(nodes[0]))
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

    func construct(_ random: inout SplitMix) -> (regions: [Region], leftovers: [[Int]]) {
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

/// A small seeded generator (SplitMix64), so a seed gives the same units on every machine.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func shuffle(_ a: inout [Int]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            a.swapAt(i, j)
        }
    }
}
