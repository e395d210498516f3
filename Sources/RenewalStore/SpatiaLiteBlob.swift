import Foundation
import GeoKernel

/// SpatiaLite's internal geometry BLOB, written directly so bulk inserts need no SQL
/// geometry function per row. Layout (little-endian): 0x00, 0x01, SRID (int32), MBR
/// (minX, minY, maxX, maxY as doubles), 0x7C, class (int32, WKB codes 1–7, XY), the body,
/// 0xFE. The body is WKB-like without byte-order bytes; each part of a multi-geometry or
/// collection is preceded by 0x69 and its own class.
enum SpatiaLiteBlob {
    static func encode(_ geometry: Geometry, srid: Int32, envelope: Envelope) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(44 + geometry.positionCount * 16 + 16)
        out.append(0x00)
        out.append(0x01)
        append(srid, &out)
        for v in [envelope.minX, envelope.minY, envelope.maxX, envelope.maxY] { append(v, &out) }
        out.append(0x7C)
        append(classCode(geometry), &out)
        body(geometry, &out)
        out.append(0xFE)
        return out
    }

    @inline(__always) static func append(_ v: Int32, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    @inline(__always) static func append(_ v: Double, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
    }

    static func classCode(_ g: Geometry) -> Int32 {
        switch g {
        case .point: 1
        case .lineString: 2
        case .polygon: 3
        case .multiPoint: 4
        case .multiLineString: 5
        case .multiPolygon: 6
        case .geometryCollection: 7
        }
    }

    static func run(_ ps: [Position], _ out: inout [UInt8]) {
        append(Int32(ps.count), &out)
        ps.withUnsafeBytes { raw in
            // Position is two Doubles; on little-endian hosts their bytes are already in order.
            #if _endian(little)
            out.append(contentsOf: raw)
            #else
            for p in ps { append(p.x, &out); append(p.y, &out) }
            #endif
        }
    }

    static func body(_ g: Geometry, _ out: inout [UInt8]) {
        switch g {
        case .point(let p): append(p.x, &out); append(p.y, &out)
        case .lineString(let ps): run(ps, &out)
        case .polygon(let rings):
            append(Int32(rings.count), &out)
            for r in rings { run(r, &out) }
        case .multiPoint(let ps):
            append(Int32(ps.count), &out)
            for p in ps { out.append(0x69); append(Int32(1), &out); append(p.x, &out); append(p.y, &out) }
        case .multiLineString(let ls):
            append(Int32(ls.count), &out)
            for l in ls { out.append(0x69); append(Int32(2), &out); run(l, &out) }
        case .multiPolygon(let polys):
            append(Int32(polys.count), &out)
            for rings in polys {
                out.append(0x69); append(Int32(3), &out)
                append(Int32(rings.count), &out)
                for r in rings { run(r, &out) }
            }
        case .geometryCollection(let parts):
            append(Int32(parts.count), &out)
            for part in parts { out.append(0x69); append(classCode(part), &out); body(part, &out) }
        }
    }
}
