import Foundation
import Testing
@testable import GeoKernel

/// Hostile WKB found while writing the fuzz targets (Fuzz/, scripts/fuzz.sh). The inputs are built here
/// byte by byte (no third-party data).
@Suite struct HostileWKBTests {
    /// `levels` geometry collections, each holding the next, around one point (little-endian ISO WKB).
    static func nestedCollections(_ levels: Int) -> Data {
        var out = [UInt8]()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        for _ in 0..<levels { out.append(1); u32(7); u32(1) }
        out.append(1); u32(1)
        for v in [1.0, 2.0] { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return Data(out)
    }

    @Test("Deeply nested WKB collections are refused with an error, not a stack overflow")
    func wkbDeepNestingStackOverflow() throws {
        // 200,000 levels (1.8 MB, a size any GeoPackage blob may have) overflowed the reader's stack.
        let error = #expect(throws: WKBError.self) { try WKB.decode(Self.nestedCollections(200_000)) }
        #expect(error?.description.contains("nest deeper than \(WKB.maximumNesting)") == true)
        #expect(throws: WKBError.self) { try WKB.decode(Self.nestedCollections(WKB.maximumNesting + 1)) }
    }

    @Test("WKB collections nested up to the limit are still read")
    func wkbNestingWithinLimit() throws {
        var expected = Geometry.point(Position(1, 2))
        for _ in 0..<WKB.maximumNesting { expected = .geometryCollection([expected]) }
        #expect(try WKB.decode(Self.nestedCollections(WKB.maximumNesting)) == expected)
    }
}
