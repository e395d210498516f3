import Foundation
import Testing
@testable import GeoKernel

@Suite struct GeometryCodingTests {
    static let samples: [Geometry] = [
        .point(Position(106.55, 29.56)),
        .lineString([Position(0, 0), Position(1, 1), Position(2, 0)]),
        .polygon([[Position(0, 0), Position(4, 0), Position(4, 4), Position(0, 4), Position(0, 0)],
                  [Position(1, 1), Position(1, 2), Position(2, 2), Position(1, 1)]]),
        .multiPoint([Position(1, 2), Position(3, 4)]),
        .multiLineString([[Position(0, 0), Position(1, 0)], [Position(2, 2), Position(3, 3)]]),
        .multiPolygon([[[Position(0, 0), Position(1, 0), Position(1, 1), Position(0, 0)]],
                       [[Position(5, 5), Position(6, 5), Position(6, 6), Position(5, 5)]]]),
        .geometryCollection([.point(Position(1, 1)), .lineString([Position(0, 0), Position(2, 2)])]),
    ]

    @Test("WKB encode → decode is the identity", arguments: samples)
    func wkbRoundTrip(geometry: Geometry) throws {
        #expect(try WKB.decode(WKB.encode(geometry)) == geometry)
    }

    @Test("GeoJSON write → decode is the identity", arguments: samples)
    func geoJSONRoundTrip(geometry: Geometry) throws {
        var text = ""
        GeoJSON.write(geometry, to: &text)
        #expect(try JSONDecoder().decode(Geometry.self, from: Data(text.utf8)) == geometry)
    }

    @Test("Big-endian WKB with a Z ordinate is read as 2D")
    func bigEndianZ() throws {
        var bytes: [UInt8] = [0]                              // big endian
        bytes += withUnsafeBytes(of: UInt32(1001).bigEndian, Array.init)   // ISO Point Z
        for v in [106.5, 29.5, 250.0] { bytes += withUnsafeBytes(of: v.bitPattern.bigEndian, Array.init) }
        #expect(try WKB.decode(Data(bytes)) == .point(Position(106.5, 29.5)))
    }

    @Test("Truncated WKB is an error, not a crash")
    func truncated() {
        let data = WKB.encode(.lineString([Position(0, 0), Position(1, 1)]))
        #expect(throws: WKBError.self) { try WKB.decode(data.prefix(data.count - 3)) }
    }

    @Test("Feature GeoJSON keeps Chinese text unescaped and escapes quotes")
    func featureJSON() throws {
        var text = ""
        GeoJSON.write(Feature(id: .string("YZ1"), properties: [("name", .string("解放碑 \"A\"")), ("code", .string("0701"))],
                              geometry: .point(Position(1, 2))), to: &text)
        #expect(text.contains("解放碑 \\\"A\\\""))
        let features = try GeoJSON.decodeFeatures(Data(text.utf8))
        #expect(features.first?["code"] == .string("0701"))
        #expect(features.first?["name"] == .string("解放碑 \"A\""))
    }
}

@Suite struct GEOSBridgeTests {
    @Test("A self-intersecting bow-tie is invalid, and MakeValid keeps its two triangles")
    func bowTieRepair() throws {
        let geos = try GEOSContext()
        let bowTie = Geometry.polygon([[Position(0, 0), Position(2, 2), Position(2, 0), Position(0, 2), Position(0, 0)]])
        let reason = try geos.invalidityReason(bowTie)
        #expect(reason?.contains("Self-intersection") == true)
        let repaired = try #require(try geos.makeValid(bowTie))
        guard case .multiPolygon(let parts) = repaired else { Issue.record("expected a multipolygon"); return }
        #expect(parts.count == 2)
        #expect(abs(try geos.make(repaired).area() - 2.0) < 1e-9)   // two triangles of area 1
        #expect(try geos.invalidityReason(repaired) == nil)
    }

    @Test("Value → GEOS → value keeps holes and parts", arguments: GeometryCodingTests.samples)
    func roundTrip(geometry: Geometry) throws {
        let geos = try GEOSContext()
        #expect(try geos.make(geometry).value() == geometry)
    }

    @Test("A ring with too few positions is a clear error")
    func shortRing() throws {
        let geos = try GEOSContext()
        #expect(throws: GEOSError.self) { try geos.make(.polygon([[Position(0, 0), Position(1, 1), Position(0, 0)]])) }
    }
}
