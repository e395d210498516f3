import Foundation
import GeoKernel

/// OGC's WebMercatorQuad tile matrix set (OGC Two Dimensional Tile Matrix Set standard, 17-083r4,
/// annex D.1): EPSG:3857 metres, origin at the top-left corner (−20,037,508.34 m, +20,037,508.34 m),
/// one 256-pixel tile at zoom 0, each zoom halving the tile. Row 0 is the northernmost.
///
/// Stored geometry is EPSG:4490 (CGCS2000) longitude and latitude; it is projected with the spherical
/// Mercator formulas as WGS 84 would be — the two datums differ by centimetres, far below a pixel.
public enum WebMercatorQuad {
    public static let id = "WebMercatorQuad"
    public static let uri = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    public static let crs = "http://www.opengis.net/def/crs/EPSG/0/3857"
    /// The deepest zoom the standard defines.
    public static let maximumZoom = 24
    /// Half the width of the world, metres (π × 6,378,137).
    public static let halfWorld = Double.pi * 6_378_137
    /// The scale denominator at zoom 0 (0.28 mm pixels, as the standard sets it).
    public static let scaleDenominatorAtZero = 559_082_264.028_717_8
    /// The latitude where the square world ends (±85.0511…°).
    public static let maximumLatitude = atan(sinh(Double.pi)) * 180 / .pi

    /// One tile: zoom (tile matrix), row (from the north) and column (from the west).
    public struct Tile: Hashable, Sendable, CustomStringConvertible {
        public let zoom: Int, row: Int, column: Int
        public init(zoom: Int, row: Int, column: Int) { self.zoom = zoom; self.row = row; self.column = column }
        public var description: String { "\(zoom)/\(row)/\(column)" }

        /// Whether zoom, row and column lie inside the tile matrix set.
        public var exists: Bool {
            (0...WebMercatorQuad.maximumZoom).contains(zoom) && (0..<(1 << zoom)).contains(row) && (0..<(1 << zoom)).contains(column)
        }

        /// The tile's edge, metres.
        public var size: Double { 2 * WebMercatorQuad.halfWorld / Double(1 << zoom) }

        /// The tile's box in EPSG:3857 metres.
        public var bounds: Envelope {
            let minX = -WebMercatorQuad.halfWorld + Double(column) * size, maxY = WebMercatorQuad.halfWorld - Double(row) * size
            return Envelope(minX: minX, minY: maxY - size, maxX: minX + size, maxY: maxY)
        }

        /// The tile's box grown by `margin` tile widths on every side, in longitude and latitude
        /// (the box to select stored features with).
        public func lonLatBox(margin: Double) -> Envelope {
            let b = bounds, grow = margin * size
            let low = WebMercatorQuad.lonLat(Position(b.minX - grow, b.minY - grow)), high = WebMercatorQuad.lonLat(Position(b.maxX + grow, b.maxY + grow))
            return Envelope(minX: max(-180, low.x), minY: max(-90, low.y), maxX: min(180, high.x), maxY: min(90, high.y))
        }
    }

    /// Longitude and latitude (degrees) as EPSG:3857 metres; latitudes past ±85.0511° are held at the edge.
    @inline(__always) public static func mercator(_ p: Position) -> Position {
        let lat = min(max(p.y, -maximumLatitude), maximumLatitude) * .pi / 180
        return Position(p.x * .pi / 180 * 6_378_137, log(tan(.pi / 4 + lat / 2)) * 6_378_137)
    }

    /// EPSG:3857 metres as longitude and latitude (degrees).
    public static func lonLat(_ m: Position) -> Position {
        Position(m.x / 6_378_137 * 180 / .pi, atan(sinh(m.y / 6_378_137)) * 180 / .pi)
    }

    /// The tiles at `zoom` that meet `box` (longitude and latitude), as row and column ranges.
    public static func tileRange(of box: Envelope, zoom: Int) -> (rows: ClosedRange<Int>, columns: ClosedRange<Int>) {
        let n = 1 << zoom, size = 2 * halfWorld / Double(n)
        let low = mercator(Position(box.minX, box.minY)), high = mercator(Position(box.maxX, box.maxY))
        func index(_ v: Double) -> Int { min(n - 1, max(0, Int(((v + halfWorld) / size).rounded(.down)))) }
        func row(_ v: Double) -> Int { min(n - 1, max(0, Int(((halfWorld - v) / size).rounded(.down)))) }
        return (row(high.y)...row(low.y), index(low.x)...index(high.x))
    }
}

/// The tiles a layer is served and generated in: from the lowest zoom at which its extent averages
/// at most `featuresPerTile` features a tile, to `maximumZoom`, each zoom with the rows and columns
/// its extent covers.
public struct TileLimits: Sendable {
    public let zoom: Int
    public let rows: ClosedRange<Int>
    public let columns: ClosedRange<Int>

    /// The deepest zoom served and pre-generated (the tile matrix set defines 0–24; beyond 22 a tile
    /// unit is under a millimetre).
    public static let maximumZoom = 22
    /// A layer is tiled from the lowest zoom at which its extent, in tiles, averages at most this many
    /// features a tile (a zoom-0 tile of a whole city's parcels would be as large as the city's GeoJSON).
    public static let featuresPerTile = 20_000

    public static func of(extent: Envelope?, featureCount: Int, maximumZoom: Int = maximumZoom,
                          featuresPerTile: Int = featuresPerTile) -> [TileLimits] {
        guard let extent else { return [] }
        var out: [TileLimits] = []
        for z in 0...maximumZoom {
            let (rows, columns) = WebMercatorQuad.tileRange(of: extent, zoom: z)
            if out.isEmpty, featureCount > featuresPerTile * rows.count * columns.count { continue }
            out.append(TileLimits(zoom: z, rows: rows, columns: columns))
        }
        return out
    }
}
