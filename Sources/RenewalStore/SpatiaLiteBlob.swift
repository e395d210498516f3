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
        encode(geometry, srid: srid, envelope: envelope, appendingTo: &out)
        return out
    }

    /// Appends the blob to `out` (many blobs back to back in one buffer, see `ResultRows`).
    static func encode(_ geometry: Geometry, srid: Int32, envelope: Envelope, appendingTo out: inout [UInt8]) {
        // Only an empty buffer is sized exactly: growing a shared one step by step would defeat
        // the array's doubling (each reserve copies).
        if out.isEmpty { out.reserveCapacity(44 + geometry.positionCount * 16 + 16) }
        out.append(0x00)
        out.append(0x01)
        append(srid, &out)
        for v in [envelope.minX, envelope.minY, envelope.maxX, envelope.maxY] { append(v, &out) }
        out.append(0x7C)
        append(classCode(geometry), &out)
        body(geometry, &out)
        out.append(0xFE)
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

    /// Decodes a blob this encoder writes (XY classes 1–7, little- or big-endian); nil for other
    /// variants (Z/M, compressed), which callers read through SpatiaLite's AsBinary instead.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> Geometry? {
        guard bytes.count >= 44, bytes[0] == 0x00, bytes[38] == 0x7C, bytes[bytes.count - 1] == 0xFE else { return nil }
        let little = bytes[1] == 0x01
        var offset = 39
        func u32() -> Int? {
            guard offset + 4 <= bytes.count else { return nil }
            let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            offset += 4
            return Int(little ? UInt32(littleEndian: v) : UInt32(bigEndian: v))
        }
        func f64() -> Double? {
            guard offset + 8 <= bytes.count else { return nil }
            let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
            return Double(bitPattern: little ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
        }
        func position() -> Position? {
            guard let x = f64(), let y = f64() else { return nil }
            return Position(x, y)
        }
        func run() -> [Position]? {
            guard let n = u32(), n * 16 <= bytes.count - offset else { return nil }
            var ps = [Position]()
            ps.reserveCapacity(n)
            for _ in 0..<n { guard let p = position() else { return nil }; ps.append(p) }
            return ps
        }
        func rings() -> [[Position]]? {
            guard let n = u32(), n <= bytes.count else { return nil }
            var out = [[Position]]()
            out.reserveCapacity(n)
            for _ in 0..<n { guard let r = run() else { return nil }; out.append(r) }
            return out
        }
        func entity(_ expected: Int) -> Bool {
            guard offset < bytes.count, bytes[offset] == 0x69 else { return false }
            offset += 1
            return u32() == expected
        }
        var depth = 0
        func body(_ cls: Int) -> Geometry? {
            switch cls {
            case 1: return position().map(Geometry.point)
            case 2: return run().map(Geometry.lineString)
            case 3: return rings().map(Geometry.polygon)
            case 4, 5, 6:
                guard let n = u32(), n <= bytes.count else { return nil }
                var parts = [Geometry]()
                for _ in 0..<n { guard entity(cls - 3), let g = body(cls - 3) else { return nil }; parts.append(g) }
                switch cls {
                case 4: return .multiPoint(parts.compactMap { if case .point(let p) = $0 { p } else { nil } })
                case 5: return .multiLineString(parts.compactMap { if case .lineString(let l) = $0 { l } else { nil } })
                default: return .multiPolygon(parts.compactMap { if case .polygon(let r) = $0 { r } else { nil } })
                }
            case 7:
                // Collections nest at most as deep as WKB may (deeper would overflow the stack).
                guard depth < WKB.maximumNesting, let n = u32(), n <= bytes.count else { return nil }
                depth += 1
                defer { depth -= 1 }
                var parts = [Geometry]()
                for _ in 0..<n {
                    guard offset < bytes.count, bytes[offset] == 0x69 else { return nil }
                    offset += 1
                    guard let c = u32(), (1...7).contains(c), let g = body(c) else { return nil }
                    parts.append(g)
                }
                return .geometryCollection(parts)
            default: return nil
            }
        }
        guard let cls = u32(), let g = body(cls), offset == bytes.count - 1 else { return nil }
        return g
    }
}
