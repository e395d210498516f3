import Foundation
import GeoKernel

/// A CRS a client asked for by `crs`, `bbox-crs` or `filter-crs` (Part 2), other than CRS84.
public struct CRSChoice: Sendable {
    /// The CRS.
    public var crs: CRS
    /// Its URI, as written in `Content-Crs`.
    public var uri: String
    /// Whether its EPSG axis order puts northing (latitude) first, so coordinates are written swapped.
    public var northingFirst: Bool

    /// OGC's URI of CRS84 (longitude, latitude on WGS84: GeoJSON's order).
    public static let crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    /// The CRSs offered: CRS84, CGCS2000, WGS84, web Mercator and the CGCS2000 3° Gauss-Krüger zones.
    public static let supported: [String] = [crs84] + ([4490, 4326, 3857] + Array(4513...4554)).map { "http://www.opengis.net/def/crs/EPSG/0/\($0)" }

    /// The CRS of parameter `parameter`, written `text` (a URI, `EPSG:4545` or the like): nil for CRS84,
    /// an invalid parameter for one not offered.
    public static func requested(_ text: String, parameter: String) throws -> CRSChoice? {
        let uri = text.hasPrefix("http") ? text : (try? CRS(parsing: text))?.uri ?? text
        guard supported.contains(uri) || text.uppercased().hasSuffix("CRS84") else {
            throw RequestError.invalidParameter("\(parameter)=\(text) is not offered; use one of CRS84, EPSG:4490, 4326, 3857, 4513–4554 as http://www.opengis.net/def/crs/EPSG/0/<code>")
        }
        if uri == crs84 || text.uppercased().hasSuffix("CRS84") { return nil }
        let crs = try CRS(parsing: uri)
        return CRSChoice(crs: crs, uri: uri, northingFirst: try CRSRegistry.info(crs).northingFirst)
    }

    /// Stored features (EPSG:4490, lon/lat) transformed into this CRS, in its EPSG axis order.
    public func reproject(_ features: [Feature]) throws -> [Feature] {
        try features.map { feature in
            var f = feature
            if let g = try f.geometry?.transformed(from: .cgcs2000, to: crs) {
                f.geometry = northingFirst ? g.swappingAxes() : g
            }
            return f
        }
    }

    /// Whether it is a geographic CRS (degrees: latitudes within ±90, boxes may cross the antimeridian).
    var isGeographic: Bool { ["4490", "4326"].contains(uri.split(separator: "/").last ?? "") }

    /// `bbox` (with `bbox-crs`, nil: CRS84) as boxes in the stored EPSG:4490: one box, or two when a box in
    /// a geographic CRS crosses the antimeridian (its west edge east of its east edge, as OGC API –
    /// Features Part 1 allows): from the west edge to 180° and from −180° to the east edge.
    public static func boxes(bbox text: String, in source: CRSChoice?) throws -> [Envelope] {
        let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingSpaces) }
        guard numbers.count == 4 || numbers.count == 6, numbers.allSatisfy({ $0?.isFinite ?? false }) else {
            throw RequestError.invalidParameter("bbox=\(text) must be 4 or 6 numbers: minLon,minLat,maxLon,maxLat")
        }
        let n = numbers.map { $0! }
        let (x0, y0, x1, y1) = n.count == 4 ? (n[0], n[1], n[2], n[3]) : (n[0], n[1], n[3], n[4])
        // Corners in the CRS's own axis order, read as (east, north).
        let (ax0, ay0, ax1, ay1) = source?.northingFirst == true ? (y0, x0, y1, x1) : (x0, y0, x1, y1)
        let geographic = source?.isGeographic ?? true
        guard ay0 <= ay1 else { throw RequestError.invalidParameter("bbox=\(text): the lower corner must come first (its latitude or northing is above the upper corner's)") }
        if geographic {
            guard ay0 >= -90, ay1 <= 90 else { throw RequestError.invalidParameter("bbox=\(text): latitudes must be within ±90") }
        }
        var spans = [(ax0, ax1)]
        if ax0 > ax1 {
            guard geographic else { throw RequestError.invalidParameter("bbox=\(text): the lower corner must come first") }
            guard ax0 <= 180, ax1 >= -180 else {
                throw RequestError.invalidParameter("bbox=\(text) crosses the antimeridian with a longitude outside ±180")
            }
            spans = [(ax0, 180), (-180, ax1)]
        }
        guard let source else { return spans.map { Envelope(minX: $0.0, minY: ay0, maxX: $0.1, maxY: ay1) } }
        return try spans.map { (west, east) in
            // The box's edges are sampled so the stored-CRS box covers it.
            do { return try Envelope(minX: west, minY: ay0, maxX: east, maxY: ay1).transformed(from: source.crs, to: .cgcs2000) } catch {
                throw RequestError.invalidParameter("bbox=\(text) cannot be read in \(source.uri)")
            }
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (what a client may put around a number).
    var trimmingSpaces: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
