import CGEOS
import Foundation

/// A failure reported by GEOS: the operation that failed and GEOS's own message.
public struct GEOSError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var message: String
    public var description: String { message.isEmpty ? "GEOS \(operation) failed" : "GEOS \(operation) failed: \(message)" }
}

/// One GEOS context handle, owned by this object and destroyed with it.
///
/// GEOS contexts are single-thread objects: a context (and every `GEOSGeometry` made in
/// it) must stay on one task. Creating one costs tens of nanoseconds, so make one per
/// task or per analysis run, convert inputs once, work in it, and hand back values.
public final class GEOSContext {
    let handle: GEOSContextHandle_t
    private let messages: MessageBox

    final class MessageBox { var last = "" }

    /// Throws when GEOS cannot allocate a context.
    public init() throws {
        // GEOS_init_r returns NULL only when out of memory.
        guard let h = GEOS_init_r() else { throw GEOSError(operation: "init", message: "no context") }
        handle = h
        messages = MessageBox()
        let box = Unmanaged.passUnretained(messages).toOpaque()
        GEOSContext_setErrorMessageHandler_r(h, { message, userdata in
            guard let message, let userdata else { return }
            Unmanaged<MessageBox>.fromOpaque(userdata).takeUnretainedValue().last = String(cString: message)
        }, box)
    }

    deinit { GEOS_finish_r(handle) }

    /// An error for `operation` carrying the last message GEOS reported in this context.
    func failure(_ operation: String) -> GEOSError {
        defer { messages.last = "" }
        return GEOSError(operation: operation, message: messages.last)
    }

    // MARK: Swift values → GEOS

    /// Converts a value geometry into a GEOS geometry owned by the returned object.
    /// Unclosed rings are closed; a ring with fewer than 4 positions throws.
    public func make(_ geometry: Geometry) throws -> GEOSGeometry {
        GEOSGeometry(context: self, pointer: try makeRaw(geometry))
    }

    private func sequence(_ ps: [Position]) throws -> OpaquePointer {
        // GEOSCoordSeq_copyFromBuffer_r returns NULL on failure; the caller owns the sequence.
        let seq = ps.withUnsafeBytes { raw in
            GEOSCoordSeq_copyFromBuffer_r(handle, raw.baseAddress!.assumingMemoryBound(to: Double.self),
                                          UInt32(ps.count), 0, 0)
        }
        guard let seq else { throw failure("coordinate sequence") }
        return seq
    }

    private func ring(_ ps: [Position]) throws -> OpaquePointer {
        var ps = ps
        if let first = ps.first, first != ps.last { ps.append(first) }
        guard ps.count >= 4 else {
            throw GEOSError(operation: "ring", message: "a polygon ring has \(ps.count) positions, at least 4 are needed")
        }
        // GEOSGeom_createLinearRing_r takes ownership of the sequence; NULL on failure.
        guard let r = GEOSGeom_createLinearRing_r(handle, try sequence(ps)) else { throw failure("linear ring") }
        return r
    }

    private func polygon(_ rings: [[Position]]) throws -> OpaquePointer {
        guard let exterior = rings.first, !exterior.isEmpty else {
            // Returns NULL on failure.
            guard let e = GEOSGeom_createEmptyPolygon_r(handle) else { throw failure("empty polygon") }
            return e
        }
        let shell = try ring(exterior)
        var holes: [OpaquePointer?] = []
        do {
            for r in rings.dropFirst() where !r.isEmpty { holes.append(try ring(r)) }
        } catch {
            GEOSGeom_destroy_r(handle, shell)
            holes.forEach { GEOSGeom_destroy_r(handle, $0) }
            throw error
        }
        // GEOSGeom_createPolygon_r takes ownership of shell and holes (not of the array); NULL on failure.
        let p = holes.withUnsafeMutableBufferPointer {
            GEOSGeom_createPolygon_r(handle, shell, $0.baseAddress, UInt32($0.count))
        }
        guard let p else { throw failure("polygon") }
        return p
    }

    private func collection(_ type: GEOSGeomTypes, _ parts: [OpaquePointer?]) throws -> OpaquePointer {
        var parts = parts
        // GEOSGeom_createCollection_r takes ownership of the parts; NULL on failure.
        let c = parts.withUnsafeMutableBufferPointer {
            GEOSGeom_createCollection_r(handle, Int32(type.rawValue), $0.baseAddress, UInt32($0.count))
        }
        guard let c else { throw failure("collection") }
        return c
    }

    func makeRaw(_ g: Geometry) throws -> OpaquePointer {
        func built(_ make: () throws -> OpaquePointer?) throws -> OpaquePointer {
            guard let p = try make() else { throw failure(g.kind.rawValue.lowercased()) }
            return p
        }
        func parts(_ items: [Geometry]) throws -> [OpaquePointer?] {
            var out: [OpaquePointer?] = []
            do { for item in items { out.append(try makeRaw(item)) } } catch {
                out.forEach { GEOSGeom_destroy_r(handle, $0) }
                throw error
            }
            return out
        }
        switch g {
        case .point(let p):
            if p.x.isNaN || p.y.isNaN { return try built { GEOSGeom_createEmptyPoint_r(handle) } }
            return try built { GEOSGeom_createPointFromXY_r(handle, p.x, p.y) }
        case .lineString(let ps):
            if ps.isEmpty { return try built { GEOSGeom_createEmptyLineString_r(handle) } }
            let seq = try sequence(ps)
            return try built { GEOSGeom_createLineString_r(handle, seq) }
        case .polygon(let rings):
            return try polygon(rings)
        case .multiPoint(let ps):
            return try collection(GEOS_MULTIPOINT, parts(ps.map { .point($0) }))
        case .multiLineString(let ls):
            return try collection(GEOS_MULTILINESTRING, parts(ls.map { .lineString($0) }))
        case .multiPolygon(let polys):
            return try collection(GEOS_MULTIPOLYGON, parts(polys.map { .polygon($0) }))
        case .geometryCollection(let gs):
            return try collection(GEOS_GEOMETRYCOLLECTION, parts(gs))
        }
    }

    // MARK: GEOS → Swift values

    private func positions(of g: OpaquePointer) throws -> [Position] {
        // GEOSGeom_getCoordSeq_r returns a sequence owned by the geometry (not to be freed); NULL on failure.
        guard let seq = GEOSGeom_getCoordSeq_r(handle, g) else { throw failure("coordinates") }
        var n: UInt32 = 0
        // GEOSCoordSeq_getSize_r returns 0 on exception.
        guard GEOSCoordSeq_getSize_r(handle, seq, &n) != 0 else { throw failure("sequence size") }
        var out = [Position](repeating: Position(0, 0), count: Int(n))
        guard n > 0 else { return out }
        let ok = out.withUnsafeMutableBytes {
            GEOSCoordSeq_copyToBuffer_r(handle, seq, $0.baseAddress!.assumingMemoryBound(to: Double.self), 0, 0)
        }
        guard ok != 0 else { throw failure("copy coordinates") }
        return out
    }

    private func rings(of polygon: OpaquePointer) throws -> [[Position]] {
        if GEOSisEmpty_r(handle, polygon) == 1 { return [] }
        // Rings returned by GEOSGetExteriorRing_r / GEOSGetInteriorRingN_r belong to the polygon.
        guard let shell = GEOSGetExteriorRing_r(handle, polygon) else { throw failure("exterior ring") }
        var out = [try positions(of: shell)]
        let holes = GEOSGetNumInteriorRings_r(handle, polygon)
        guard holes >= 0 else { throw failure("interior ring count") }
        for i in 0..<holes {
            guard let h = GEOSGetInteriorRingN_r(handle, polygon, i) else { throw failure("interior ring") }
            out.append(try positions(of: h))
        }
        return out
    }

    /// Converts a GEOS geometry (not consumed) back to a value.
    func value(of g: OpaquePointer) throws -> Geometry {
        let type = GEOSGeomTypeId_r(handle, g)
        func children() throws -> [OpaquePointer] {
            let n = GEOSGetNumGeometries_r(handle, g)
            guard n >= 0 else { throw failure("part count") }
            // Parts returned by GEOSGetGeometryN_r belong to the collection.
            return try (0..<n).map { i in
                guard let part = GEOSGetGeometryN_r(handle, g, i) else { throw failure("part") }
                return part
            }
        }
        switch Int(type) {
        case Int(GEOS_POINT.rawValue):
            if GEOSisEmpty_r(handle, g) == 1 { return .point(Position(.nan, .nan)) }
            return .point(try positions(of: g)[0])
        case Int(GEOS_LINESTRING.rawValue), Int(GEOS_LINEARRING.rawValue):
            return .lineString(try positions(of: g))
        case Int(GEOS_POLYGON.rawValue):
            return .polygon(try rings(of: g))
        case Int(GEOS_MULTIPOINT.rawValue):
            return .multiPoint(try children().map { try positions(of: $0)[0] })
        case Int(GEOS_MULTILINESTRING.rawValue):
            return .multiLineString(try children().map { try positions(of: $0) })
        case Int(GEOS_MULTIPOLYGON.rawValue):
            return .multiPolygon(try children().map { try rings(of: $0) })
        case Int(GEOS_GEOMETRYCOLLECTION.rawValue):
            return .geometryCollection(try children().map { try value(of: $0) })
        default:
            throw failure("geometry type \(type)")
        }
    }

    // MARK: Validity

    /// Nil when `geometry` is valid; otherwise GEOS's reason, e.g.
    /// "Self-intersection[106.57 29.55]".
    public func invalidityReason(_ geometry: Geometry) throws -> String? {
        try make(geometry).invalidityReason()
    }

    /// Repairs `geometry` with GEOS MakeValid (the "structure" method: areas stay areas,
    /// collapsed parts are dropped) and keeps the parts of the input's dimension, as one
    /// multi-part geometry. Nil when nothing of that dimension survives.
    public func makeValid(_ geometry: Geometry) throws -> Geometry? {
        let g = try make(geometry)
        let repaired = try g.madeValid()
        let dimension = geometry.kind.dimension ?? 2
        return try repaired.value().extractingParts(ofDimension: dimension)
    }
}

/// A GEOS geometry owned by this object, tied to the context that made it.
public final class GEOSGeometry {
    public let context: GEOSContext
    let pointer: OpaquePointer

    init(context: GEOSContext, pointer: OpaquePointer) {
        self.context = context
        self.pointer = pointer
    }

    deinit { GEOSGeom_destroy_r(context.handle, pointer) }

    var handle: GEOSContextHandle_t { context.handle }

    /// Wraps a newly returned GEOS geometry (NULL means failure of `operation`).
    func owned(_ p: OpaquePointer?, _ operation: String) throws -> GEOSGeometry {
        guard let p else { throw context.failure(operation) }
        return GEOSGeometry(context: context, pointer: p)
    }

    public func value() throws -> Geometry { try context.value(of: pointer) }

    /// Area in the square of the CRS unit (m² in a metric CRS).
    public func area() throws -> Double {
        var a = 0.0
        // GEOSArea_r returns 0 on exception.
        guard GEOSArea_r(handle, pointer, &a) != 0 else { throw context.failure("area") }
        return a
    }

    public var isEmpty: Bool { GEOSisEmpty_r(handle, pointer) == 1 }

    /// Whether GEOS finds the geometry valid (OGC simple features rules).
    public func isValid() throws -> Bool {
        // GEOSisValid_r: 1 valid, 0 invalid, 2 exception.
        switch GEOSisValid_r(handle, pointer) {
        case 1: return true
        case 0: return false
        default: throw context.failure("isValid")
        }
    }

    public func invalidityReason() throws -> String? {
        // GEOSisValid_r: 1 valid, 0 invalid, 2 exception.
        switch GEOSisValid_r(handle, pointer) {
        case 1: return nil
        case 0:
            // GEOSisValidReason_r returns a string to free with GEOSFree_r, or NULL on exception.
            guard let reason = GEOSisValidReason_r(handle, pointer) else { return "invalid geometry" }
            defer { GEOSFree_r(handle, reason) }
            return String(cString: reason)
        default: throw context.failure("isValid")
        }
    }

    public func madeValid() throws -> GEOSGeometry {
        // Params object: created and freed here; NULL on failure.
        guard let params = GEOSMakeValidParams_create_r(handle) else { throw context.failure("MakeValid params") }
        defer { GEOSMakeValidParams_destroy_r(handle, params) }
        _ = GEOSMakeValidParams_setMethod_r(handle, params, GEOS_MAKE_VALID_STRUCTURE)
        _ = GEOSMakeValidParams_setKeepCollapsed_r(handle, params, 0)
        // Returns a new geometry or NULL on exception.
        return try owned(GEOSMakeValidWithParams_r(handle, pointer, params), "MakeValid")
    }

    /// The part inside `box` (GEOS ClipByRect: fast, and for lines and points exact; a polygon's
    /// result may need `withPrecision` or `madeValid` to be valid).
    public func clipped(to box: Envelope) throws -> GEOSGeometry {
        try owned(GEOSClipByRect_r(handle, pointer, box.minX, box.minY, box.maxX, box.maxY), "clip by rectangle")
    }

    /// Every coordinate on a grid of `gridSize` units, the result kept valid (GEOS's precision
    /// reduction: parts that collapse below the grid are dropped).
    public func withPrecision(gridSize: Double) throws -> GEOSGeometry {
        try owned(GEOSGeom_setPrecision_r(handle, pointer, gridSize, 0), "set precision")
    }

    /// The Hausdorff distance to `other`, in CRS units: how far the farther of the two strays from
    /// the nearer (GEOS's discrete approximation, on the vertices).
    public func hausdorffDistance(to other: GEOSGeometry) throws -> Double {
        var d = 0.0
        guard GEOSHausdorffDistance_r(handle, pointer, other.pointer, &d) == 1 else { throw context.failure("Hausdorff distance") }
        return d
    }

    public func intersection(_ other: GEOSGeometry) throws -> GEOSGeometry {
        try owned(GEOSIntersection_r(handle, pointer, other.pointer), "intersection")
    }

    public func union(_ other: GEOSGeometry) throws -> GEOSGeometry {
        try owned(GEOSUnion_r(handle, pointer, other.pointer), "union")
    }

    public func difference(_ other: GEOSGeometry) throws -> GEOSGeometry {
        try owned(GEOSDifference_r(handle, pointer, other.pointer), "difference")
    }

    /// The union of the parts of this (collection) geometry, dissolved in one cascaded pass.
    public func unaryUnion() throws -> GEOSGeometry {
        try owned(GEOSUnaryUnion_r(handle, pointer), "union")
    }

    /// The centre of mass (GEOS Centroid): of the area for polygons, of the length for lines.
    public func centroid() throws -> GEOSGeometry {
        try owned(GEOSGetCentroid_r(handle, pointer), "centroid")
    }

    /// A point guaranteed to lie in the geometry's interior (GEOS PointOnSurface).
    public func pointOnSurface() throws -> GEOSGeometry {
        try owned(GEOSPointOnSurface_r(handle, pointer), "point on surface")
    }

    /// Buffer by `distance` in CRS units (metres in a metric CRS), `segments` per quarter circle.
    public func buffer(_ distance: Double, segments: Int32 = 8) throws -> GEOSGeometry {
        try owned(GEOSBuffer_r(handle, pointer, distance, segments), "buffer")
    }

    /// Whether `self` stands in `relation` to `other` (DE-9IM, as SpatiaLite's and PostGIS's ST_ functions).
    public func holds(_ relation: SpatialRelation, with other: GEOSGeometry) throws -> Bool {
        let call: (GEOSContextHandle_t, OpaquePointer, OpaquePointer) -> CChar = switch relation {
        case .intersects: GEOSIntersects_r
        case .within: GEOSWithin_r
        case .contains: GEOSContains_r
        case .equals: GEOSEquals_r
        case .touches: GEOSTouches_r
        case .overlaps: GEOSOverlaps_r
        case .crosses: GEOSCrosses_r
        case .disjoint: GEOSDisjoint_r
        }
        // Binary predicates return 1 true, 0 false, 2 exception.
        switch call(handle, pointer, other.pointer) {
        case 0: return false
        case 1: return true
        default: throw context.failure(relation.rawValue)
        }
    }
}

/// Spatial relations between two geometries (OGC Simple Features / DE-9IM).
public enum SpatialRelation: String, Sendable, CaseIterable {
    case intersects, within, contains, equals, touches, overlaps, crosses, disjoint
}

/// A prepared GEOS geometry for repeated predicates against one geometry (a zone tested against
/// thousands of parcels). Owns the prepared handle; the geometry it was made from must outlive it.
public final class GEOSPreparedGeometry {
    let base: GEOSGeometry
    let pointer: OpaquePointer

    public init(_ geometry: GEOSGeometry) throws {
        base = geometry
        // GEOSPrepare_r returns a new prepared geometry (freed with GEOSPreparedGeom_destroy_r), NULL on failure.
        guard let p = GEOSPrepare_r(geometry.handle, geometry.pointer) else { throw geometry.context.failure("prepare") }
        pointer = p
    }

    deinit { GEOSPreparedGeom_destroy_r(base.handle, pointer) }

    private func predicate(_ name: String, _ call: (GEOSContextHandle_t, OpaquePointer, OpaquePointer) -> CChar, _ other: GEOSGeometry) throws -> Bool {
        // Prepared predicates return 1 true, 0 false, 2 exception.
        switch call(base.handle, pointer, other.pointer) {
        case 0: return false
        case 1: return true
        default: throw base.context.failure(name)
        }
    }

    public func intersects(_ other: GEOSGeometry) throws -> Bool { try predicate("prepared intersects", GEOSPreparedIntersects_r, other) }
    public func contains(_ other: GEOSGeometry) throws -> Bool { try predicate("prepared contains", GEOSPreparedContains_r, other) }
    public func covers(_ other: GEOSGeometry) throws -> Bool { try predicate("prepared covers", GEOSPreparedCovers_r, other) }
}
