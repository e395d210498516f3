import Foundation
import GeoKernel

/// A street or path as the walking network sees it. Line in the metric CRS (metres).
public struct StreetLine: Sendable {
    public var positions: [Position]
    /// The street class (`class` field): expressway, trunk, primary, …, footway, steps.
    public var streetClass: String
    /// Other tags of the line (OSM keys such as foot, sidewalk, bridge, access), lower-case values.
    public var tags: [String: String]
    public init(positions: [Position], streetClass: String, tags: [String: String] = [:]) {
        self.positions = positions; self.streetClass = streetClass; self.tags = tags
    }
}

/// Who walks, and over what.
public struct WalkingParameters: Sendable {
    /// Reference walking speed in m/s: service radii are distances an adult covers at this speed (4.5 km/h).
    public static let referenceSpeed = 1.25
    /// Presets in m/s: adult 1.25 (4.5 km/h), elderly 1.0 (3.6 km/h), child 1.1 (4.0 km/h).
    public static let presets: [String: Double] = ["adult": 1.25, "elderly": 1.0, "child": 1.1]

    /// A speed as planners give it: a preset name or metres per second above 0 and below 5; nil otherwise.
    public static func speed(named text: String) -> Double? {
        guard let v = presets[text] ?? Double(text), v > 0, v < 5 else { return nil }
        return v
    }

    /// Walking speed, m/s. Slower walkers reach less far within a radius' time budget; faster ones
    /// are capped at the reference (a radius is never stretched beyond the straight line).
    public var speed = referenceSpeed
    /// Which lines are walked and at what speed factor, from their class and tags (see `WalkabilityTable`).
    public var walkability = WalkabilityTable.planning
    /// Farthest a facility may be from the network to be attached to it (m).
    public var attachDistance = 300.0
    /// A parcel is entered where its boundary lies within this distance of a walkable street (m).
    public var accessDistance = 50.0
    /// A connected piece of the walking network shorter than this in total (m), other than the
    /// largest piece, is isolated (a lone footway, a stretch of viaduct): nothing attaches to it.
    public var minPieceLength = 1000.0

    public init() {}

    /// Cost multiplier for flat ground: reference speed ÷ speed, at least 1.
    var speedMultiplier: Double { max(1, Self.referenceSpeed / speed) }
}

/// The walking graph: nodes are line vertices (two lines connect only where they share a
/// vertex, so a bridge over a riverside expressway does not connect to it), edges are segments
/// weighted by "reference metres": length × speed multiplier ÷ class factor, never less than
/// the length, so a walking distance is never shorter than the straight line.
public struct WalkingGraph: Sendable {
    public private(set) var nodes: [Position] = []
    /// Segment endpoints, length (m) and cost per metre (reference metres per metre).
    var edgeA: [Int32] = [], edgeB: [Int32] = []
    var edgeLength: [Double] = [], edgeCostPerMetre: [Double] = []
    /// Compressed adjacency: for node n, `adjacency[offsets[n]..<offsets[n+1]]` are edge indexes.
    var offsets: [Int32] = [], adjacency: [Int32] = []
    var edgeIndex: GridIndex
    public private(set) var excludedLines = 0
    /// Lines left out, by the rule that closed them (`class motorway`, `foot=no`, `bridge=viaduct`, …).
    public private(set) var excludedBy: [String: Int] = [:]
    /// Cost per metre of the straight legs off the network (the walker's speed, flat ground).
    public let legCostPerMetre: Double
    /// What attachment legs may not cross.
    public let barriers: WalkingBarriers
    /// Connected pieces: the piece of every edge, each piece's total length (m), and whether it is isolated.
    var pieceOfEdge: [Int32] = []
    public private(set) var pieceLength: [Double] = []
    public private(set) var isolatedPiece: [Bool] = []
    public var isolatedPieceCount: Int { isolatedPiece.filter { $0 }.count }

    public var edgeCount: Int { edgeA.count }

    public init(streets: [StreetLine], barriers: WalkingBarriers = WalkingBarriers(), parameters: WalkingParameters) {
        struct Millimetres: Hashable { var x: Int64, y: Int64 }
        var keyToNode: [Millimetres: Int32] = [:]
        var nodes: [Position] = []
        func node(_ p: Position) -> Int32 {
            // Vertices are the same point when they agree to the millimetre.
            let key = Millimetres(x: Int64((p.x * 1000).rounded()), y: Int64((p.y * 1000).rounded()))
            if let n = keyToNode[key] { return n }
            let n = Int32(nodes.count)
            nodes.append(p)
            keyToNode[key] = n
            return n
        }
        var excluded = 0
        var a: [Int32] = [], b: [Int32] = [], length: [Double] = [], cost: [Double] = []
        var excludedBy: [String: Int] = [:]
        for street in streets {
            let decision = parameters.walkability.decide(streetClass: street.streetClass, tags: street.tags)
            guard decision.walkable else { excluded += 1; excludedBy[decision.reason, default: 0] += 1; continue }
            let factor = decision.factor
            let perMetre = parameters.speedMultiplier / factor
            for (p, q) in zip(street.positions, street.positions.dropFirst()) {
                let l = hypot(q.x - p.x, q.y - p.y)
                guard l > 0 else { continue }
                a.append(node(p)); b.append(node(q)); length.append(l); cost.append(perMetre)
            }
        }
        var degree = [Int32](repeating: 0, count: nodes.count + 1)
        for i in a.indices { degree[Int(a[i])] += 1; degree[Int(b[i])] += 1 }
        var offsets = [Int32](repeating: 0, count: nodes.count + 1)
        for n in 0..<nodes.count { offsets[n + 1] = offsets[n] + degree[n] }
        var fill = offsets
        var adjacency = [Int32](repeating: 0, count: Int(offsets[nodes.count]))
        for i in a.indices {
            adjacency[Int(fill[Int(a[i])])] = Int32(i); fill[Int(a[i])] += 1
            adjacency[Int(fill[Int(b[i])])] = Int32(i); fill[Int(b[i])] += 1
        }
        legCostPerMetre = parameters.speedMultiplier
        self.barriers = barriers
        // Connected pieces (union–find over the edges' nodes).
        var parent = [Int32](0..<Int32(nodes.count))
        func root(_ n: Int32) -> Int32 {
            var n = n
            while parent[Int(n)] != n { parent[Int(n)] = parent[Int(parent[Int(n)])]; n = parent[Int(n)] }
            return n
        }
        for i in a.indices {
            let ra = root(a[i]), rb = root(b[i])
            if ra != rb { parent[Int(max(ra, rb))] = min(ra, rb) }
        }
        var pieceOfRoot: [Int32: Int32] = [:]
        var pieceOfEdge = [Int32](repeating: 0, count: a.count), pieceLength: [Double] = []
        for i in a.indices {
            let r = root(a[i])
            let piece = pieceOfRoot[r] ?? { let p = Int32(pieceLength.count); pieceOfRoot[r] = p; pieceLength.append(0); return p }()
            pieceOfEdge[i] = piece
            pieceLength[Int(piece)] += length[i]
        }
        let largest = pieceLength.indices.max { pieceLength[$0] < pieceLength[$1] }
        self.pieceOfEdge = pieceOfEdge
        self.pieceLength = pieceLength
        isolatedPiece = pieceLength.indices.map { $0 != largest && pieceLength[$0] < parameters.minPieceLength }
        self.nodes = nodes
        edgeA = a; edgeB = b; edgeLength = length; edgeCostPerMetre = cost
        self.offsets = offsets; self.adjacency = adjacency
        excludedLines = excluded
        self.excludedBy = excludedBy
        edgeIndex = GridIndex(envelopes: a.indices.map { i in
            let p = nodes[Int(a[i])], q = nodes[Int(b[i])]
            return Envelope(minX: min(p.x, q.x), minY: min(p.y, q.y), maxX: max(p.x, q.x), maxY: max(p.y, q.y))
        }, cellSize: 100)
    }

    /// Where a point meets the network: the nearest point on a walkable segment within `maxDistance`.
    public struct Attachment: Sendable {
        public var edge: Int
        /// Distance along the edge from its first node (m).
        public var offset: Double
        /// Straight distance from the point to the network (m).
        public var distance: Double
        /// The point that was attached (a facility, or a sample of a parcel's boundary).
        public var point: Position
    }

    /// Why a nearer street was passed over when attaching a point.
    public struct Refusals: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The nearer street is on an isolated piece of the network.
        public static let isolatedPiece = Refusals(rawValue: 1)
        /// The straight leg to the nearer street crosses water or a barrier.
        public static let barrier = Refusals(rawValue: 2)
    }

    /// The nearest admissible point on the network within `maxDistance`: not on an isolated piece,
    /// and reached by a straight leg that crosses no water or barrier; nil when there is none.
    public func attach(_ p: Position, maxDistance: Double) -> Attachment? { attachChecked(p, maxDistance: maxDistance).attachment }

    /// `attach`, and what was passed over on the way to the attachment (or to none).
    public func attachChecked(_ p: Position, maxDistance: Double) -> (attachment: Attachment?, refused: Refusals) {
        var candidates: [Int] = []
        var found: [Attachment] = []
        var radius = min(25.0, maxDistance)
        while true {
            edgeIndex.query(Envelope(minX: p.x - radius, minY: p.y - radius, maxX: p.x + radius, maxY: p.y + radius), into: &candidates)
            found.removeAll(keepingCapacity: true)
            for e in candidates {
                let a = nodes[Int(edgeA[e])], b = nodes[Int(edgeB[e])]
                let dx = b.x - a.x, dy = b.y - a.y
                let t = max(0, min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy)))
                let d = hypot(a.x + t * dx - p.x, a.y + t * dy - p.y)
                if d <= radius { found.append(Attachment(edge: e, offset: t * edgeLength[e], distance: d, point: p)) }
            }
            // Within the box's inscribed circle every nearer edge has been seen: take the nearest admissible one.
            found.sort { ($0.distance, $0.edge) < ($1.distance, $1.edge) }
            var refused: Refusals = []
            for f in found {
                if isolatedPiece[Int(pieceOfEdge[f.edge])] { refused.insert(.isolatedPiece); continue }
                if !barriers.isEmpty {
                    let a = nodes[Int(edgeA[f.edge])], b = nodes[Int(edgeB[f.edge])], t = f.offset / edgeLength[f.edge]
                    if barriers.blocks(p, Position(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y))) { refused.insert(.barrier); continue }
                }
                return (f, refused)
            }
            if radius >= maxDistance { return (nil, refused) }
            radius = min(maxDistance, radius * 4)
        }
    }

    /// The result of a search: the walking cost (reference metres) of every node, infinity where
    /// unreachable, and the sources per edge — a point on a source's own edge is reached along
    /// that edge directly, not only by way of the edge's ends.
    public struct Costs: Sendable {
        public var nodeCost: [Double]
        /// Per edge with a source on it: (offset along the edge in m, cost of the source's leg).
        var sourcesOnEdge: [Int: [(offset: Double, cost: Double)]]
    }

    /// The least walking cost of a metre anywhere (a street's or a straight leg's): a walk of cost c
    /// covers at most c ÷ this metres as the crow flies, which bounds where a search can reach.
    public var minimumCostPerMetre: Double { min(legCostPerMetre, edgeCostPerMetre.min() ?? legCostPerMetre) }

    /// Shortest walking cost (reference metres) from the nearest of `sources` to every node.
    /// A source's cost starts with its straight leg to the network. Nodes costing more than `limit`
    /// are not expanded (they keep infinity, or the cost they were first reached with).
    public func distances(from sources: [Attachment], limit: Double = .infinity) -> Costs {
        var dist = [Double](repeating: .infinity, count: nodes.count)
        var onEdge: [Int: [(offset: Double, cost: Double)]] = [:]
        var heap = MinHeap()
        for s in sources {
            let c = edgeCostPerMetre[s.edge], leg = s.distance * legCostPerMetre
            onEdge[s.edge, default: []].append((s.offset, leg))
            let toA = leg + s.offset * c, toB = leg + (edgeLength[s.edge] - s.offset) * c
            let a = Int(edgeA[s.edge]), b = Int(edgeB[s.edge])
            if toA < dist[a] { dist[a] = toA; heap.push(toA, Int32(a)) }
            if toB < dist[b] { dist[b] = toB; heap.push(toB, Int32(b)) }
        }
        while let (d, n) = heap.pop() {
            let node = Int(n)
            guard d <= limit else { break }
            guard d <= dist[node] else { continue }
            for k in Int(offsets[node])..<Int(offsets[node + 1]) {
                let e = Int(adjacency[k])
                let other = Int(edgeA[e]) == node ? Int(edgeB[e]) : Int(edgeA[e])
                let nd = d + edgeLength[e] * edgeCostPerMetre[e]
                if nd < dist[other] { dist[other] = nd; heap.push(nd, Int32(other)) }
            }
        }
        return Costs(nodeCost: dist, sourcesOnEdge: onEdge)
    }

    /// Walking cost (reference metres) at an attachment point, given the costs of a search, plus
    /// the straight leg to it: by way of either end of its edge, or along the edge from a source
    /// attached to the same edge.
    func cost(at a: Attachment, in costs: Costs) -> Double {
        let c = edgeCostPerMetre[a.edge]
        var best = min(costs.nodeCost[Int(edgeA[a.edge])] + a.offset * c,
                       costs.nodeCost[Int(edgeB[a.edge])] + (edgeLength[a.edge] - a.offset) * c)
        if let here = costs.sourcesOnEdge[a.edge] {
            for s in here { best = min(best, s.cost + abs(a.offset - s.offset) * c) }
        }
        return a.distance * legCostPerMetre + best
    }

    /// Where a parcel meets the network: its boundary, sampled every `spacing` metres, each sample
    /// attached to its nearest walkable point within `maxDistance` (a parcel is entered from the
    /// streets along its sides, not only from the one nearest its centre).
    public func attachBoundary(of geometry: Geometry, maxDistance: Double, spacing: Double = 10) -> [Attachment] {
        return boundaryEntrances(of: geometry, maxDistance: maxDistance, spacing: spacing).entrances
    }

    /// `attachBoundary`, and what was passed over for any of the samples (isolated pieces,
    /// legs across water or a barrier).
    public func boundaryEntrances(of geometry: Geometry, maxDistance: Double, spacing: Double = 10) -> (entrances: [Attachment], refused: Refusals) {
        var samples: [Position] = []
        for ring in PlanarRing.orientedRings(geometry) {
            for (p, q) in zip(ring, ring.dropFirst() + [ring[0]]) {
                let n = max(1, Int((hypot(q.x - p.x, q.y - p.y) / spacing).rounded(.up)))
                for k in 0..<n { samples.append(Position(p.x + (q.x - p.x) * Double(k) / Double(n), p.y + (q.y - p.y) * Double(k) / Double(n))) }
            }
        }
        // Every sample is a possible entrance: the cheapest one depends on where the facilities are,
        // not on which sample lies nearest the street.
        var entrances: [Attachment] = [], refused: Refusals = []
        for sample in samples {
            let (a, r) = attachChecked(sample, maxDistance: maxDistance)
            refused.formUnion(r)
            if let a { entrances.append(a) }
        }
        return (entrances, refused)
    }

}

/// A binary min-heap of (cost, node) for Dijkstra.
struct MinHeap {
    private var keys: [Double] = [], values: [Int32] = []
    mutating func push(_ key: Double, _ value: Int32) {
        keys.append(key); values.append(value)
        var i = keys.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard keys[parent] > keys[i] else { break }
            keys.swapAt(parent, i); values.swapAt(parent, i)
            i = parent
        }
    }
    mutating func pop() -> (Double, Int32)? {
        guard let top = keys.first else { return nil }
        let value = values[0]
        keys[0] = keys[keys.count - 1]; values[0] = values[values.count - 1]
        keys.removeLast(); values.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < keys.count, keys[l] < keys[m] { m = l }
            if r < keys.count, keys[r] < keys[m] { m = r }
            guard m != i else { break }
            keys.swapAt(m, i); values.swapAt(m, i)
            i = m
        }
        return (top, value)
    }
}
