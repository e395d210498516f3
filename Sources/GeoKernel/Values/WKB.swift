import Foundation

/// Why a WKB buffer could not be read.
public struct WKBError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Well-Known Binary (ISO and EWKB flavours, either byte order) to and from `Geometry`.
/// Z and M ordinates are read and dropped: the project's geometry is 2D.
public enum WKB {
    /// How deep collections (multi-geometries and geometry collections) may nest in WKB read:
    /// deeper input is refused, so a hostile file cannot overflow the stack of the reader or of
    /// any code that walks the geometry afterwards.
    public static let maximumNesting = 64

    /// Decodes one geometry. Throws `WKBError` on a truncated buffer, an unknown type code or
    /// collections nested deeper than `maximumNesting`.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> Geometry {
        var reader = Reader(bytes: bytes)
        return try reader.geometry()
    }

    public static func decode(_ data: Data) throws -> Geometry {
        try data.withUnsafeBytes { try decode($0) }
    }

    /// Encodes as little-endian 2D ISO WKB.
    public static func encode(_ geometry: Geometry) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(9 + geometry.positionCount * 16)
        write(geometry, into: &out)
        return Data(out)
    }

    /// Appends `g` as little-endian 2D ISO WKB to `out` (what `encode` returns, without a copy).
    public static func write(_ g: Geometry, into out: inout [UInt8]) {
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        func run(_ ps: [Position]) { u32(UInt32(ps.count)); for p in ps { f64(p.x); f64(p.y) } }
        func header(_ code: UInt32) { out.append(1); u32(code) }
        switch g {
        case .point(let p): header(1); f64(p.x); f64(p.y)
        case .lineString(let ps): header(2); run(ps)
        case .polygon(let rings): header(3); u32(UInt32(rings.count)); rings.forEach(run)
        case .multiPoint(let ps):
            header(4); u32(UInt32(ps.count))
            for p in ps { header(1); f64(p.x); f64(p.y) }
        case .multiLineString(let ls):
            header(5); u32(UInt32(ls.count))
            for l in ls { header(2); run(l) }
        case .multiPolygon(let polys):
            header(6); u32(UInt32(polys.count))
            for rings in polys { header(3); u32(UInt32(rings.count)); rings.forEach(run) }
        case .geometryCollection(let gs):
            header(7); u32(UInt32(gs.count))
            for part in gs { write(part, into: &out) }
        }
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0
        var littleEndian = true
        var extraOrdinates = 0
        var depth = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func need(_ n: Int) throws {
            guard offset + n <= bytes.count else {
                throw WKBError(description: "WKB truncated at byte \(offset) of \(bytes.count)")
            }
        }
        mutating func u32() throws -> UInt32 {
            try need(4)
            let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            offset += 4
            return littleEndian ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
        }
        mutating func f64() throws -> Double {
            try need(8)
            let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
            return Double(bitPattern: littleEndian ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
        }
        mutating func position() throws -> Position {
            let x = try f64(), y = try f64()
            if extraOrdinates > 0 { try need(8 * extraOrdinates); offset += 8 * extraOrdinates }
            return Position(x, y)
        }
        mutating func run() throws -> [Position] {
            let n = Int(try u32())
            try need(n * 8 * (2 + extraOrdinates))
            var ps = [Position]()
            ps.reserveCapacity(n)
            for _ in 0..<n { ps.append(try position()) }
            return ps
        }
        mutating func count() throws -> Int {
            let n = Int(try u32())
            guard n <= bytes.count else { throw WKBError(description: "WKB part count \(n) exceeds the buffer") }
            return n
        }

        /// Reads a header and returns the base type code 1…7.
        mutating func header() throws -> UInt32 {
            try need(1)
            littleEndian = bytes[offset] == 1
            offset += 1
            var code = try u32()
            var dims = 0
            if code & 0x8000_0000 != 0 { dims += 1 }            // EWKB Z
            if code & 0x4000_0000 != 0 { dims += 1 }            // EWKB M
            if code & 0x2000_0000 != 0 { offset += 4 }          // EWKB SRID
            code &= 0x0FFF_FFFF
            switch code / 1000 {
            case 1, 2: dims += 1                                // ISO Z or M
            case 3: dims += 2                                   // ISO ZM
            default: break
            }
            extraOrdinates = dims
            return code % 1000
        }

        mutating func geometry() throws -> Geometry {
            let type = try header()
            switch type {
            case 1: return .point(try position())
            case 2: return .lineString(try run())
            case 3:
                let n = try count()
                var rings = [[Position]]()
                rings.reserveCapacity(n)
                for _ in 0..<n { rings.append(try run()) }
                return .polygon(rings)
            case 4, 5, 6, 7:
                guard depth < WKB.maximumNesting else {
                    throw WKBError(description: "WKB collections nest deeper than \(WKB.maximumNesting) levels")
                }
                depth += 1
                defer { depth -= 1 }
                let n = try count()
                var parts = [Geometry]()
                parts.reserveCapacity(n)
                for _ in 0..<n { parts.append(try geometry()) }
                switch type {
                case 4: return .multiPoint(try parts.map { guard case .point(let p) = $0 else { throw mixed("MultiPoint") }; return p })
                case 5: return .multiLineString(try parts.map { guard case .lineString(let l) = $0 else { throw mixed("MultiLineString") }; return l })
                case 6: return .multiPolygon(try parts.map { guard case .polygon(let r) = $0 else { throw mixed("MultiPolygon") }; return r })
                default: return .geometryCollection(parts)
                }
            default:
                throw WKBError(description: "unsupported WKB geometry type \(type) (curves and surfaces are not supported)")
            }
        }

        func mixed(_ kind: String) -> WKBError { WKBError(description: "a \(kind) in WKB holds a part of another kind") }
    }
}
