import Foundation
import CGEOS

/// Assigns geometries to regions (districts, 区县) by their representative point: a feature belongs
/// to the first region, in the order given, whose polygon covers its GEOS PointOnSurface (PostGIS's
/// ST_PointOnSurface, the same algorithm). Given the regions ordered by code, a point on a shared
/// boundary goes to the lower code, and every feature to exactly one region or to none.
///
/// Works in whatever CRS the geometries share (the stores keep EPSG:4490). One instance belongs to
/// one thread (it owns a GEOS context).
public final class RegionAssignment {
    /// The regions' codes, in the order they are tested.
    public let codes: [String]
    /// Each region's bounding box, in the same order.
    public let envelopes: [Envelope]
    private let context: GEOSContext
    private let bases: [GEOSGeometry]
    private let prepared: [GEOSPreparedGeometry]

    /// `regions`: each region's code and polygon (an empty or non-polygonal geometry covers nothing).
    public init(_ regions: [(code: String, geometry: Geometry)]) throws {
        let context = try GEOSContext()
        self.context = context
        codes = regions.map(\.code)
        envelopes = regions.map { $0.geometry.envelope ?? .empty }
        bases = try regions.map { try context.make($0.geometry) }
        prepared = try bases.map(GEOSPreparedGeometry.init)
    }

    /// The representative point of `geometry` (GEOS PointOnSurface); nil for an empty geometry.
    public func representativePoint(of geometry: Geometry) throws -> Position? {
        let point = try context.make(geometry).pointOnSurface()
        guard !point.isEmpty, case .point(let p) = try point.value() else { return nil }
        return p
    }

    /// The code of the region holding `geometry`'s representative point; nil when none does.
    public func region(of geometry: Geometry) throws -> String? {
        guard let p = try representativePoint(of: geometry) else { return nil }
        let point = try context.make(.point(p))
        for (k, region) in prepared.enumerated() where envelopes[k].contains(p) {
            if try region.covers(point) { return codes[k] }
        }
        return nil
    }
}

extension Envelope {
    /// This box (lon/lat degrees) grown by at least `metres` on every side: degrees of latitude at
    /// 110,574 m, of longitude at the box's widest parallel, with 1 % to spare.
    public func expanded(byMetres metres: Double) -> Envelope {
        guard !isEmpty else { return self }
        let latitude = min(89.0, max(abs(minY), abs(maxY)))
        let dy = metres / 110_574 * 1.01
        let dx = metres / (111_320 * cos(latitude * .pi / 180)) * 1.01
        return Envelope(minX: minX - dx, minY: max(-90, minY - dy), maxX: maxX + dx, maxY: min(90, maxY + dy))
    }
}

extension Sequence where Element == Geometry {
    /// The box around all of them (empty when none has a position).
    public var envelope: Envelope {
        var all = Envelope.empty
        for g in self { if let e = g.envelope { all.expand(toInclude: e) } }
        return all
    }
}

/// Whether geometries meet any of a few boxes, exactly as GEOS decides `intersects` (boundaries
/// included): what SpatiaLite's `Intersects(geom, BuildMbr(…))` and PostGIS's
/// `ST_Intersects(geom, ST_MakeEnvelope(…))` answer, so a page served from memory selects the
/// features a store would. An envelope inside a box, or apart from every box, settles it without
/// GEOS. One instance belongs to one thread (it owns a GEOS context).
public final class BoxMeeting {
    public let boxes: [Envelope]
    private let context: GEOSContext
    private let bases: [GEOSGeometry]
    private let prepared: [GEOSPreparedGeometry]

    /// `boxes` must have positive width and height (a degenerate box is not a polygon).
    public init(_ boxes: [Envelope]) throws {
        let context = try GEOSContext()
        self.context = context
        self.boxes = boxes
        bases = try boxes.map { b in
            try context.make(.polygon([[Position(b.minX, b.minY), Position(b.maxX, b.minY), Position(b.maxX, b.maxY),
                                        Position(b.minX, b.maxY), Position(b.minX, b.minY)]]))
        }
        prepared = try bases.map(GEOSPreparedGeometry.init)
    }

    /// True when `geometry` (whose bounding box is `envelope`) meets one of the boxes.
    public func meets(_ geometry: Geometry, envelope: Envelope) throws -> Bool {
        var made: GEOSGeometry?
        for (box, test) in zip(boxes, prepared) where box.intersects(envelope) {
            if box.minX <= envelope.minX, envelope.maxX <= box.maxX, box.minY <= envelope.minY, envelope.maxY <= box.maxY { return true }
            if made == nil { made = try context.make(geometry) }
            if try test.intersects(made!) { return true }
        }
        return false
    }
}
