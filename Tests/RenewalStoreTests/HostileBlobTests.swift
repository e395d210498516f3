import Foundation
import GeoKernel
import Testing
@testable import GeoFiles
@testable import RenewalStore

/// Hostile geometry blobs found while writing the fuzz targets (Fuzz/, scripts/fuzz.sh). The inputs are
/// built here byte by byte (no third-party data).
@Suite struct HostileBlobTests {
    static let levels = 200_000

    @Test("A SpatiaLite blob of deeply nested collections is not read (nil), not a stack overflow")
    func spatiaLiteBlobDeepNestingStackOverflow() throws {
        var out: [UInt8] = [0x00, 0x01]
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        u32(4490)
        for v in [0.0, 0.0, 1.0, 1.0] { f64(v) }
        out.append(0x7C)
        u32(7)
        for _ in 0..<Self.levels { u32(1); out.append(0x69); u32(7) }
        u32(0)
        out.append(0xFE)
        #expect(out.withUnsafeBytes { SpatiaLiteBlob.decode($0) } == nil)
        // Nesting within the limit still reads.
        let shallow: Geometry = .geometryCollection([.geometryCollection([.point(Position(1, 2))])])
        let blob = SpatiaLiteBlob.encode(shallow, srid: 4490, envelope: shallow.envelope!)
        #expect(blob.withUnsafeBytes { SpatiaLiteBlob.decode($0) } == shallow)
    }

    @Test("A GeoPackage blob of deeply nested collections is refused with an error, not a stack overflow")
    func geoPackageBlobDeepNestingStackOverflow() throws {
        var out: [UInt8] = Array("GP".utf8) + [0, 1]
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(4326)
        for _ in 0..<Self.levels { out.append(1); u32(7); u32(1) }
        out.append(1); u32(1)
        for v in [1.0, 2.0] { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        #expect(throws: WKBError.self) { try out.withUnsafeBytes { try GeoPackageFile.geometry(blob: $0) } }
    }
}
