/// A planar coordinate pair. In a geographic CRS `x` is longitude and `y` latitude,
/// in degrees (GeoJSON order, whatever the EPSG axis order); in a projected CRS
/// `x` is easting and `y` northing, in the CRS's unit (metres for every CRS this
/// project chooses for analysis).
public struct Position: Hashable, Sendable {
    public var x: Double
    public var y: Double
    @inlinable public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
    @inlinable public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// The OGC Simple Features geometry kinds this project stores and analyses (2D only).
public enum GeometryKind: String, Sendable, CaseIterable, Codable {
    case point = "POINT", lineString = "LINESTRING", polygon = "POLYGON"
    case multiPoint = "MULTIPOINT", multiLineString = "MULTILINESTRING", multiPolygon = "MULTIPOLYGON"
    case geometryCollection = "GEOMETRYCOLLECTION"
    /// Any kind: a layer whose features mix kinds.
    case geometry = "GEOMETRY"

    /// Topological dimension: 0 points, 1 lines, 2 polygons; nil for collections and mixed layers.
    public var dimension: Int? {
        switch self {
        case .point, .multiPoint: 0
        case .lineString, .multiLineString: 1
        case .polygon, .multiPolygon: 2
        case .geometryCollection, .geometry: nil
        }
    }

    /// The multi-part kind of the same dimension (what a layer of this kind is stored as).
    public var multi: GeometryKind {
        switch self {
        case .point, .multiPoint: .multiPoint
        case .lineString, .multiLineString: .multiLineString
        case .polygon, .multiPolygon: .multiPolygon
        case .geometryCollection, .geometry: self
        }
    }

    /// The GeoJSON `type` member for this kind.
    public var geoJSONName: String {
        switch self {
        case .point: "Point"
        case .lineString: "LineString"
        case .polygon: "Polygon"
        case .multiPoint: "MultiPoint"
        case .multiLineString: "MultiLineString"
        case .multiPolygon: "MultiPolygon"
        case .geometryCollection, .geometry: "GeometryCollection"
        }
    }
}

/// A 2D Simple Features geometry as a plain value. Rings are closed (first position
/// repeated last); the first ring of a polygon is its exterior. Coordinates carry no
/// CRS: whoever holds the value knows it (a store layer is always EPSG:4490 lon/lat).
public enum Geometry: Hashable, Sendable {
    case point(Position)
    case lineString([Position])
    case polygon([[Position]])
    case multiPoint([Position])
    case multiLineString([[Position]])
    case multiPolygon([[[Position]]])
    case geometryCollection([Geometry])

    public var kind: GeometryKind {
        switch self {
        case .point: .point
        case .lineString: .lineString
        case .polygon: .polygon
        case .multiPoint: .multiPoint
        case .multiLineString: .multiLineString
        case .multiPolygon: .multiPolygon
        case .geometryCollection: .geometryCollection
        }
    }

    /// True when the geometry has no positions at all.
    public var isEmpty: Bool {
        switch self {
        case .point(let p): p.x.isNaN || p.y.isNaN
        case .lineString(let ps), .multiPoint(let ps): ps.isEmpty
        case .polygon(let rings), .multiLineString(let rings): rings.allSatisfy(\.isEmpty)
        case .multiPolygon(let polys): polys.allSatisfy { $0.allSatisfy(\.isEmpty) }
        case .geometryCollection(let gs): gs.allSatisfy(\.isEmpty)
        }
    }

    /// Number of positions, counting closing positions of rings.
    public var positionCount: Int {
        var n = 0
        forEachPosition { _ in n += 1 }
        return n
    }

    /// The bounding box, or nil for an empty geometry.
    public var envelope: Envelope? {
        var env = Envelope.empty
        forEachPosition { env.expand(toInclude: $0) }
        return env.isEmpty ? nil : env
    }

    /// Calls `body` on every position in storage order.
    public func forEachPosition(_ body: (Position) -> Void) {
        switch self {
        case .point(let p): if !(p.x.isNaN || p.y.isNaN) { body(p) }
        case .lineString(let ps), .multiPoint(let ps): ps.forEach(body)
        case .polygon(let rings), .multiLineString(let rings): rings.forEach { $0.forEach(body) }
        case .multiPolygon(let polys): polys.forEach { $0.forEach { $0.forEach(body) } }
        case .geometryCollection(let gs): gs.forEach { $0.forEachPosition(body) }
        }
    }

    /// Applies `transform` to every run of positions (a ring, a line, the points of a
    /// multipoint), in place; the closure may throw to abort.
    public mutating func transformPositions(_ transform: (inout [Position]) throws -> Void) rethrows {
        switch self {
        case .point(let p):
            var run = [p]
            try transform(&run)
            self = .point(run[0])
        case .lineString(var ps):
            try transform(&ps); self = .lineString(ps)
        case .multiPoint(var ps):
            try transform(&ps); self = .multiPoint(ps)
        case .polygon(var rings):
            for i in rings.indices { try transform(&rings[i]) }
            self = .polygon(rings)
        case .multiLineString(var lines):
            for i in lines.indices { try transform(&lines[i]) }
            self = .multiLineString(lines)
        case .multiPolygon(var polys):
            for i in polys.indices { for j in polys[i].indices { try transform(&polys[i][j]) } }
            self = .multiPolygon(polys)
        case .geometryCollection(var gs):
            for i in gs.indices { try gs[i].transformPositions(transform) }
            self = .geometryCollection(gs)
        }
    }

    /// The geometry with x and y exchanged in every position. Positions here are always (east, north);
    /// a CRS whose EPSG axis order puts northing or latitude first (`CRSInfo.northingFirst`: EPSG:4326,
    /// 4490, the Gauss-Krüger zones) writes them the other way round, so OGC API – Features output in
    /// such a CRS, and literals read from it, go through this. Its own inverse.
    public func swappingAxes() -> Geometry {
        var g = self
        g.transformPositions { run in for i in run.indices { run[i] = Position(run[i].y, run[i].x) } }
        return g
    }

    /// The same geometry as its multi-part kind (a polygon becomes a one-part
    /// multipolygon); multi-part kinds and collections are returned unchanged.
    public var asMulti: Geometry {
        switch self {
        case .point(let p): .multiPoint([p])
        case .lineString(let ps): .multiLineString([ps])
        case .polygon(let rings): .multiPolygon([rings])
        default: self
        }
    }

    /// The parts of dimension `dimension` (0, 1 or 2) gathered into one multi-part
    /// geometry, or nil when there are none. Collections are flattened; lower- or
    /// higher-dimensional parts (e.g. the line left where MakeValid collapsed a sliver)
    /// are dropped.
    public func extractingParts(ofDimension dimension: Int) -> Geometry? {
        var points: [Position] = [], lines: [[Position]] = [], polys: [[[Position]]] = []
        func collect(_ g: Geometry) {
            switch g {
            case .point(let p): if !(p.x.isNaN || p.y.isNaN) { points.append(p) }
            case .multiPoint(let ps): points += ps
            case .lineString(let ps): if !ps.isEmpty { lines.append(ps) }
            case .multiLineString(let ls): lines += ls.filter { !$0.isEmpty }
            case .polygon(let rings): if !(rings.first?.isEmpty ?? true) { polys.append(rings) }
            case .multiPolygon(let ps): polys += ps.filter { !($0.first?.isEmpty ?? true) }
            case .geometryCollection(let gs): gs.forEach(collect)
            }
        }
        collect(self)
        switch dimension {
        case 0: return points.isEmpty ? nil : .multiPoint(points)
        case 1: return lines.isEmpty ? nil : .multiLineString(lines)
        default: return polys.isEmpty ? nil : .multiPolygon(polys)
        }
    }
}

/// An axis-aligned bounding box in the coordinates of whatever CRS holds it.
public struct Envelope: Hashable, Sendable, Codable {
    public var minX: Double, minY: Double, maxX: Double, maxY: Double

    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
    }

    /// The envelope that contains nothing; expanding it by a position gives that position's box.
    public static let empty = Envelope(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)

    public var isEmpty: Bool { minX > maxX || minY > maxY }
    public var width: Double { maxX - minX }
    public var height: Double { maxY - minY }
    public var center: Position { Position((minX + maxX) / 2, (minY + maxY) / 2) }

    public mutating func expand(toInclude p: Position) {
        if p.x < minX { minX = p.x }
        if p.x > maxX { maxX = p.x }
        if p.y < minY { minY = p.y }
        if p.y > maxY { maxY = p.y }
    }

    public mutating func expand(toInclude other: Envelope) {
        guard !other.isEmpty else { return }
        minX = Swift.min(minX, other.minX); minY = Swift.min(minY, other.minY)
        maxX = Swift.max(maxX, other.maxX); maxY = Swift.max(maxY, other.maxY)
    }

    public func intersects(_ other: Envelope) -> Bool {
        !(other.minX > maxX || other.maxX < minX || other.minY > maxY || other.maxY < minY)
    }

    /// Whether `other` lies wholly inside (edges may touch).
    public func contains(_ other: Envelope) -> Bool {
        other.minX >= minX && other.maxX <= maxX && other.minY >= minY && other.maxY <= maxY
    }

    public func contains(_ p: Position) -> Bool {
        p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY
    }

    /// Positions per edge with which a box is sampled before it is transformed to another CRS
    /// (`densifiedOutline`, `edgeSamples`, `transformed(from:to:densifiedEdges:)`): a box's straight
    /// edges are curves in most other CRSs, and 20 steps follow them to well under a metre over the
    /// extent of a city. The OGC API server has always sampled `bbox-crs` boxes and CQL2 `BBOX`
    /// literals this finely; changing it changes which features such requests select at the edges.
    public static let defaultStepsPerEdge = 20

    /// The box's outline as a closed ring, counter-clockwise from the corner (minX, minY):
    /// `stepsPerEdge` positions along each edge (its first corner included, its last not, each at
    /// `corner + (next corner − corner) × k / stepsPerEdge`), then the first position again to close
    /// the ring — 4 × stepsPerEdge + 1 positions. Transformed to another CRS, the ring still follows
    /// the box's edges, where the four corners alone would cut across them.
    public func densifiedOutline(stepsPerEdge: Int = Envelope.defaultStepsPerEdge) -> [Position] {
        precondition(stepsPerEdge >= 1, "an outline needs at least one position per edge")
        let corners = [(minX, minY), (maxX, minY), (maxX, maxY), (minX, maxY), (minX, minY)]
        var ring: [Position] = []
        ring.reserveCapacity(4 * stepsPerEdge + 1)
        for k in 0..<4 {
            for step in 0..<stepsPerEdge {
                let t = Double(step) / Double(stepsPerEdge)
                ring.append(Position(corners[k].0 + (corners[k + 1].0 - corners[k].0) * t, corners[k].1 + (corners[k + 1].1 - corners[k].1) * t))
            }
        }
        ring.append(ring[0])
        return ring
    }

    /// Positions along the box's four edges, for the envelope of its image in another CRS:
    /// for each k in 0…stepsPerEdge (t = k / stepsPerEdge, so both corners of every edge are in),
    /// the bottom edge at minX + (maxX − minX) × t, the top edge there, the left edge at
    /// minY + (maxY − minY) × t and the right edge there — 4 × (stepsPerEdge + 1) positions, corners
    /// repeated. `transformed(from:to:densifiedEdges:)` transforms them and takes their envelope.
    public func edgeSamples(stepsPerEdge: Int = Envelope.defaultStepsPerEdge) -> [Position] {
        precondition(stepsPerEdge >= 1, "an edge needs at least one step")
        var samples: [Position] = []
        samples.reserveCapacity(4 * (stepsPerEdge + 1))
        for k in 0...stepsPerEdge {
            let t = Double(k) / Double(stepsPerEdge)
            samples += [Position(minX + (maxX - minX) * t, minY), Position(minX + (maxX - minX) * t, maxY),
                        Position(minX, minY + (maxY - minY) * t), Position(maxX, minY + (maxY - minY) * t)]
        }
        return samples
    }
}
