import Foundation
import GeoKernel
import SwiftProtobuf

/// One layer of a vector tile: its name and the features (geometry in EPSG:4490 longitude and
/// latitude) that meet the tile and its buffer, with the attributes to write (nil: all of them).
public struct TileLayerContent: Sendable {
    public var name: String
    public var features: [Feature]
    public var attributes: [String]?
    public init(name: String, features: [Feature], attributes: [String]? = nil) {
        self.name = name; self.features = features; self.attributes = attributes
    }
}

/// Writes Mapbox Vector Tiles 2.1 (https://github.com/mapbox/vector-tile-spec/tree/master/2.1):
/// each feature projected to the tile's grid of `extent` × `extent` units (y down), clipped to the
/// tile grown by `buffer` units on each side, its vertices on whole units (rounded, or where rounding
/// would make a polygon invalid, by GEOS's precision reduction: polygons stay valid and parts smaller
/// than a unit vanish, which is the simplification a zoom level calls for; see `onGrid`), exterior
/// rings clockwise and holes counter-clockwise on screen, as the specification requires; attributes
/// as keys and values shared within the layer.
public struct TileEncoder {
    /// Units a side of the tiles served and pre-generated.
    public static let standardExtent = 4096
    /// Units past each edge the tiles served and pre-generated keep (so lines and outlines join
    /// across tiles).
    public static let standardBuffer = 64
    public var extent: Int = standardExtent
    public var buffer: Int = standardBuffer
    public init() {}

    /// The box (longitude and latitude) to select the features of `tile` with: the tile grown by the buffer.
    public func selectionBox(_ tile: WebMercatorQuad.Tile) -> Envelope {
        tile.lonLatBox(margin: Double(buffer) / Double(extent))
    }

    /// The tile's bytes (protocol buffers, not compressed); layers without features are left out,
    /// so a tile with nothing in it has no bytes.
    public func encode(_ layers: [TileLayerContent], tile: WebMercatorQuad.Tile) throws -> [UInt8] {
        let geos = try GEOSContext()
        var out = VectorTile_Tile()
        for content in layers {
            let layer = try encodeLayer(content, tile: tile, geos: geos)
            if !layer.features.isEmpty { out.layers.append(layer) }
        }
        return out.layers.isEmpty ? [] : try out.serializedBytes()
    }

    func encodeLayer(_ content: TileLayerContent, tile: WebMercatorQuad.Tile, geos: GEOSContext) throws -> VectorTile_Tile.Layer {
        var layer = VectorTile_Tile.Layer()
        layer.version = 2
        layer.name = content.name
        layer.extent = UInt32(extent)
        var keyIndex: [String: UInt32] = [:]
        var valueIndex: [PropertyValue: UInt32] = [:]
        let bounds = tile.bounds
        let scale = Double(extent) / tile.size
        let clip = Envelope(minX: Double(-buffer), minY: Double(-buffer), maxX: Double(extent + buffer), maxY: Double(extent + buffer))
        for feature in content.features {
            guard var geometry = feature.geometry else { continue }
            // Longitude and latitude → tile units, y down.
            geometry.transformPositions { run in
                for i in run.indices {
                    let m = WebMercatorQuad.mercator(run[i])
                    run[i] = Position((m.x - bounds.minX) * scale, (bounds.maxY - m.y) * scale)
                }
            }
            guard let box = geometry.envelope, box.intersects(clip) else { continue }
            guard let gridded = try Self.onGrid(geometry, inside: clip.contains(box), clip: clip, geos: geos),
                  let (type, commands) = Self.commands(for: gridded), !commands.isEmpty else { continue }
            var encoded = VectorTile_Tile.Feature()
            encoded.type = type
            encoded.geometry = commands
            if case .int(let id) = feature.id, id >= 0 { encoded.id = UInt64(id) }
            for (name, value) in feature.properties where value != .null && (content.attributes?.contains(name) ?? true) {
                let key: UInt32
                if let k = keyIndex[name] { key = k } else {
                    key = UInt32(layer.keys.count); keyIndex[name] = key; layer.keys.append(name)
                }
                let v: UInt32
                if let known = valueIndex[value] { v = known } else {
                    v = UInt32(layer.values.count); valueIndex[value] = v; layer.values.append(Self.value(value))
                }
                encoded.tags += [key, v]
            }
            layer.features.append(encoded)
        }
        return layer
    }

    /// `geometry` (tile units) cut to `clip` and on the grid of whole units, or nil when nothing is
    /// left. Every vertex is rounded to the nearest unit (at most 0.71 units away) and the result kept
    /// when it is valid, which it is for all but a few polygons; those are repaired and rounded again,
    /// and the rare one still invalid takes GEOS's precision reduction (snap rounding: always valid,
    /// but a vertex whose neighbour's edge passes through its unit square is noded onto that edge,
    /// which can move the outline by more than a unit, and parts narrower than a unit vanish).
    static func onGrid(_ geometry: Geometry, inside: Bool, clip: Envelope, geos: GEOSContext) throws -> Geometry? {
        var cut = geometry
        if !inside {
            let clipped = try geos.make(geometry).clipped(to: clip)
            if clipped.isEmpty { return nil }
            cut = try clipped.value()
        }
        // Points and lines have no validity to keep; polygons (and collections holding them) do.
        if let dimension = cut.kind.dimension, dimension < 2 { return Self.rounded(cut) }
        guard let rounded = Self.droppingCollapsedRings(Self.rounded(cut)) else { return nil }
        let candidate = try geos.make(rounded)
        if try candidate.isValid() { return rounded }
        // Rounding made a ring touch or cross itself or a neighbour: repaired (GEOS MakeValid keeps
        // the vertices and adds crossing points) and rounded again, which is usually valid and keeps
        // every vertex within a unit; else snap rounding.
        if let repaired = try candidate.madeValid().value().extractingParts(ofDimension: 2),
           let again = Self.droppingCollapsedRings(Self.rounded(repaired)), try geos.make(again).isValid() {
            return again
        }
        let reduced = try geos.make(cut).withPrecision(gridSize: 1)
        return reduced.isEmpty ? nil : try reduced.value()
    }

    /// Every vertex on the nearest whole unit.
    static func rounded(_ geometry: Geometry) -> Geometry {
        var out = geometry
        out.transformPositions { run in
            for i in run.indices { run[i] = Position(run[i].x.rounded(), run[i].y.rounded()) }
        }
        return out
    }

    /// The polygons of `geometry` without repeated consecutive vertices, less rings that rounding
    /// collapsed (under three distinct vertices, or no area) and polygons whose exterior collapsed;
    /// nil when nothing is left. Other kinds of geometry pass unchanged.
    static func droppingCollapsedRings(_ geometry: Geometry) -> Geometry? {
        func ring(_ points: [Position]) -> [Position]? {
            var out: [Position] = []
            out.reserveCapacity(points.count)
            for p in points where out.last != p { out.append(p) }
            guard out.count >= 4, out.first == out.last else { return nil }
            var twiceArea = 0.0
            for i in 0..<(out.count - 1) { twiceArea += out[i].x * out[i + 1].y - out[i + 1].x * out[i].y }
            return twiceArea == 0 ? nil : out
        }
        func polygon(_ rings: [[Position]]) -> [[Position]]? {
            guard let first = rings.first, let exterior = ring(first) else { return nil }
            return [exterior] + rings.dropFirst().compactMap(ring)
        }
        switch geometry {
        case .polygon(let rings): return polygon(rings).map { .polygon($0) }
        case .multiPolygon(let polygons):
            let kept = polygons.compactMap(polygon)
            return kept.isEmpty ? nil : .multiPolygon(kept)
        case .geometryCollection(let parts):
            let kept = parts.compactMap(droppingCollapsedRings)
            return kept.isEmpty ? nil : .geometryCollection(kept)
        default: return geometry
        }
    }

    static func value(_ value: PropertyValue) -> VectorTile_Tile.Value {
        var v = VectorTile_Tile.Value()
        switch value {
        case .bool(let b): v.boolValue = b
        case .int(let i): v.intValue = i
        case .double(let d): v.doubleValue = d
        case .string(let s): v.stringValue = s
        case .null: break
        }
        return v
    }

    // MARK: geometry commands (specification section 4.3)

    /// The feature type and command stream of a snapped geometry in whole tile units; nil for a
    /// geometry collection mixing kinds (a clip never makes one from a simple feature).
    static func commands(for geometry: Geometry) -> (VectorTile_Tile.GeomType, [UInt32])? {
        var writer = CommandWriter()
        switch geometry {
        case .point(let p): writer.points([p]); return (.point, writer.out)
        case .multiPoint(let ps): writer.points(ps); return (.point, writer.out)
        case .lineString(let line): writer.line(line); return (.linestring, writer.out)
        case .multiLineString(let lines): lines.forEach { writer.line($0) }; return (.linestring, writer.out)
        case .polygon(let rings): writer.polygon(rings); return (.polygon, writer.out)
        case .multiPolygon(let polygons): polygons.forEach { writer.polygon($0) }; return (.polygon, writer.out)
        case .geometryCollection(let parts):
            // Precision reduction can leave a collection of one kind; anything mixed is not one feature.
            let kinds = Set(parts.map { $0.kind.dimension })
            guard kinds.count == 1 else { return nil }
            var all: [UInt32] = []
            var type: VectorTile_Tile.GeomType = .unknown
            var joined = CommandWriter()
            for part in parts {
                guard let (t, _) = commands(for: part) else { return nil }
                type = t
                switch part {
                case .point(let p): joined.points([p])
                case .multiPoint(let ps): joined.points(ps)
                case .lineString(let l): joined.line(l)
                case .multiLineString(let ls): ls.forEach { joined.line($0) }
                case .polygon(let r): joined.polygon(r)
                case .multiPolygon(let ps): ps.forEach { joined.polygon($0) }
                case .geometryCollection: return nil
                }
            }
            all = joined.out
            return (type, all)
        }
    }

    /// Appends MoveTo/LineTo/ClosePath commands with zigzag deltas from a cursor that carries over
    /// from part to part of one feature.
    struct CommandWriter {
        var out: [UInt32] = []
        var cursor = (x: 0, y: 0)

        static func command(_ id: UInt32, _ count: Int) -> UInt32 { (id & 7) | (UInt32(count) << 3) }
        static func zigzag(_ n: Int) -> UInt32 { UInt32(truncatingIfNeeded: (n << 1) ^ (n >> 63)) }

        mutating func move(_ p: (x: Int, y: Int)) {
            out.append(Self.zigzag(p.x - cursor.x)); out.append(Self.zigzag(p.y - cursor.y))
            cursor = p
        }

        static func whole(_ p: Position) -> (x: Int, y: Int) { (Int(p.x.rounded()), Int(p.y.rounded())) }

        mutating func points(_ ps: [Position]) {
            guard !ps.isEmpty else { return }
            out.append(Self.command(1, ps.count))
            for p in ps { move(Self.whole(p)) }
        }

        /// A line of at least two distinct points (repeats dropped).
        mutating func line(_ ps: [Position]) {
            let pts = Self.distinct(ps.map(Self.whole))
            guard pts.count >= 2 else { return }
            out.append(Self.command(1, 1)); move(pts[0])
            out.append(Self.command(2, pts.count - 1))
            for p in pts.dropFirst() { move(p) }
        }

        /// The first ring exterior (positive area on screen, y down: clockwise), the rest holes
        /// (negative); rings of fewer than three distinct points or no area are left out, and a
        /// polygon whose exterior is left out with it.
        mutating func polygon(_ rings: [[Position]]) {
            for (i, ring) in rings.enumerated() {
                var pts = Self.distinct(ring.map(Self.whole))
                if pts.count > 1, pts.first! == pts.last! { pts.removeLast() }
                guard pts.count >= 3 else { if i == 0 { return } else { continue } }
                let area = Self.twiceArea(pts)
                guard area != 0 else { if i == 0 { return } else { continue } }
                if (i == 0) != (area > 0) { pts.reverse() }
                out.append(Self.command(1, 1)); move(pts[0])
                out.append(Self.command(2, pts.count - 1))
                for p in pts.dropFirst() { move(p) }
                out.append(Self.command(7, 1))
            }
        }

        static func distinct(_ ps: [(x: Int, y: Int)]) -> [(x: Int, y: Int)] {
            var out: [(x: Int, y: Int)] = []
            out.reserveCapacity(ps.count)
            for p in ps where out.last.map({ $0 != p }) ?? true { out.append(p) }
            return out
        }

        /// Twice the signed area by the surveyor's formula, in tile units (positive: clockwise on screen).
        static func twiceArea(_ ps: [(x: Int, y: Int)]) -> Int {
            var sum = 0
            for i in ps.indices {
                let a = ps[i], b = ps[(i + 1) % ps.count]
                sum += a.x * b.y - b.x * a.y
            }
            return sum
        }
    }
}
