import Dispatch
import Foundation
import Testing
import TestSupport
@testable import GeoKernel
import Support

/// Reference points computed with PROJ 9.1.1 `cs2cs -d 4 EPSG:4490 EPSG:xxxx` (lat/lon input,
/// northing/easting output), written here as (lon, lat) → (easting, northing).
struct ReferencePoint {
    var lon: Double, lat: Double
    var gk4545: (Double, Double)      // CGCS2000 3° GK CM 108E, no zone prefix
    var gk4525: (Double, Double)      // CGCS2000 3° GK zone 37 (CM 111E), zone number in the easting
    var gk4544: (Double, Double)      // CM 105E
    var webMercator: (Double, Double) // EPSG:3857
}

let referencePoints: [ReferencePoint] = [
    ReferencePoint(lon: 106.55, lat: 29.56, gk4545: (359474.0867, 3272217.2986), gk4525: (37068530.4811, 3279616.5936),
                   gk4544: (650218.5386, 3272342.5124), webMercator: (11861091.7440, 3447116.4051)),
    ReferencePoint(lon: 106.5772, lat: 29.5575, gk4545: (362107.0458, 3271907.5288), gk4525: (37071159.9022, 3279238.0045),
                   gk4544: (652858.7378, 3272100.8490), webMercator: (11864119.6342, 3446796.4665)),
    ReferencePoint(lon: 105.0, lat: 30.5, gk4545: (211938.9431, 3379371.4904), gk4525: (36923492.5174, 3390897.4660),
                   gk4544: (500000.0000, 3375541.7329), webMercator: (11688546.5333, 3567983.4559)),
    ReferencePoint(lon: 108.9, lat: 31.2, gk4545: (585775.5683, 3453497.5626), gk4525: (37299839.9305, 3455049.2777),
                   gk4544: (871820.9491, 3459710.2520), webMercator: (12122692.5474, 3658750.2803)),
]

@Suite struct ProjectorTests {
    @Test("CRS look-ups are remembered: the same answer every time, and an unknown code is refused every time")
    func registryLookUpsRemembered() throws {
        let first = try CRSRegistry.info(.epsg(4545)), again = try CRSRegistry.info(.epsg(4545))
        #expect(first == again && first.name.contains("108E"))
        for _ in 0..<2 { #expect(throws: CRSError.self) { try CRSRegistry.info(.epsg(999_999)) } }
    }

    func expectClose(_ p: Position, _ e: (Double, Double), within tolerance: Double, _ what: String) {
        #expect(abs(p.x - e.0) <= tolerance && abs(p.y - e.1) <= tolerance,
                "\(what): got (\(p.x), \(p.y)), expected (\(e.0), \(e.1))")
    }

    @Test("4490 → Gauss-Krüger and web Mercator match PROJ's reference points within 1 mm",
          arguments: [4545, 4525, 4544, 3857])
    func forwardMatchesReference(code: Int) throws {
        let projector = try Projector(from: .cgcs2000, to: .epsg(code))
        for r in referencePoints {
            let expected = switch code {
            case 4545: r.gk4545
            case 4525: r.gk4525
            case 4544: r.gk4544
            default: r.webMercator
            }
            expectClose(try projector.transform(Position(r.lon, r.lat)), expected, within: 0.001, "EPSG:\(code) at \(r.lon),\(r.lat)")
        }
    }

    @Test("4545 → 4490 → 4326 → 3857 → 4545 returns to the start within 1 mm")
    func roundTripThroughEveryCRS() throws {
        let chain: [CRS] = [.epsg(4545), .cgcs2000, .wgs84, .webMercator, .epsg(4545)]
        for r in referencePoints {
            var p = Position(r.gk4545.0, r.gk4545.1)
            for (a, b) in zip(chain, chain.dropFirst()) { p = try Projector(from: a, to: b).transform(p) }
            expectClose(p, r.gk4545, within: 0.001, "round trip at \(r.lon),\(r.lat)")
        }
    }

    @Test("EPSG:4326 and EPSG:4490 lon/lat give the same Gauss-Krüger position (sub-millimetre)")
    func wgs84AndCGCS2000Agree() throws {
        let a = try Projector(from: .wgs84, to: .epsg(4545)).transform(Position(106.55, 29.56))
        expectClose(a, referencePoints[0].gk4545, within: 0.001, "4326 → 4545")
    }

    @Test("A whole geometry is transformed, ring by ring")
    func geometryTransform() throws {
        var g = Geometry.polygon([[Position(106.55, 29.56), Position(106.5772, 29.5575), Position(106.55, 29.5575), Position(106.55, 29.56)]])
        try Projector(from: .cgcs2000, to: .epsg(4545)).transform(&g)
        guard case .polygon(let rings) = g else { Issue.record("kind changed"); return }
        expectClose(rings[0][0], referencePoints[0].gk4545, within: 0.001, "vertex 0")
        expectClose(rings[0][1], referencePoints[1].gk4545, within: 0.001, "vertex 1")
    }

    @Test("A projector pool gives every thread its own projector and the same answers; an unknown CRS fails at once")
    func pool() throws {
        let pool = try ProjectorPool(from: .cgcs2000, to: .epsg(4545))
        let answers = PendingResults<Position>(count: 64)
        DispatchQueue.concurrentPerform(iterations: 64) { k in
            answers.set(k, (try? pool.borrow { try $0.transform(Position(referencePoints[k % referencePoints.count].lon, referencePoints[k % referencePoints.count].lat)) }) ?? Position(0, 0))
        }
        for (k, p) in answers.values.enumerated() {
            expectClose(p, referencePoints[k % referencePoints.count].gk4545, within: 0.001, "point \(k)")
        }
        #expect(throws: CRSError.self) { try ProjectorPool(from: .epsg(999_999), to: .cgcs2000) }
    }

    @Test("Unknown EPSG codes and texts are rejected with the code in the message")
    func unknownCRS() throws {
        #expect(throws: CRSError.self) { try CRSRegistry.info(.epsg(999_999)) }
        #expect(throws: CRSError.self) { try CRS(parsing: "not-a-crs") }
        do {
            _ = try Projector(from: .epsg(999_999), to: .cgcs2000)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("EPSG:999999"))
        }
    }

    @Test("CRS texts users type", arguments: [
        ("EPSG:4545", CRS.epsg(4545)), ("4490", .cgcs2000), ("CRS84", .wgs84), ("OGC:CRS84", .wgs84),
        ("http://www.opengis.net/def/crs/EPSG/0/3857", .webMercator), ("gcj-02", .gcj02), ("BD09", .bd09), ("CGCS2000", .cgcs2000),
    ])
    func parsing(text: String, expected: CRS) throws {
        #expect(try CRS(parsing: text) == expected)
    }

    @Test("EPSG axis order as PROJ's registry states it")
    func axisOrder() throws {
        #expect(try CRSRegistry.info(.epsg(4326)).northingFirst)
        #expect(try CRSRegistry.info(.epsg(4490)).northingFirst)
        #expect(try CRSRegistry.info(.epsg(4545)).northingFirst)
        #expect(try !CRSRegistry.info(.epsg(3857)).northingFirst)
    }

    @Test("The metric CRS is the nearest 3° Gauss-Krüger zone")
    func gaussKrugerZone() throws {
        #expect(CRS.gaussKrugerZone(forLongitude: 106.55) == .epsg(4545))  // CM 108 is nearer than CM 105
        #expect(CRS.gaussKrugerZone(forLongitude: 106.4) == .epsg(4544))
        #expect(CRS.gaussKrugerZone(forLongitude: 121.47) == .epsg(4549))  // Shanghai, CM 120E
        #expect(try CRSRegistry.info(.epsg(4545)).name.contains("108"))
    }
}

@Suite struct ChinaOffsetTests {
    /// Metres per degree near `lat`, for turning residuals into distances.
    func metres(_ a: Position, _ b: Position) -> Double {
        let k = 111_320.0
        return hypot((a.x - b.x) * k * cos(a.y * .pi / 180), (a.y - b.y) * k)
    }

    /// Seeded sample of positions across China (deterministic: the seed is printed on failure).
    func samplePositions(seed: UInt64, count: Int) -> [Position] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in Position(75 + rng.next() * 60, 18 + rng.next() * 35) }
    }

    @Test("GCJ-02 round trip (WGS84 → GCJ-02 → WGS84) is below 1 cm everywhere in China")
    func gcjRoundTrip() {
        let seed: UInt64 = 20_251_123
        for p in samplePositions(seed: seed, count: 2000) {
            let back = ChinaOffsets.gcj02ToWGS84(ChinaOffsets.wgs84ToGCJ02(p))
            #expect(metres(p, back) < 0.01, "seed \(seed): residual \(metres(p, back)) m at \(p)")
        }
    }

    @Test("BD-09 round trip (WGS84 → BD-09 → WGS84 through the projector) is below 1 cm")
    func bdRoundTrip() throws {
        let seed: UInt64 = 77
        let toBD = try Projector(from: .cgcs2000, to: .bd09)
        let fromBD = try Projector(from: .bd09, to: .cgcs2000)
        for p in samplePositions(seed: seed, count: 1000) {
            let back = try fromBD.transform(try toBD.transform(p))
            #expect(metres(p, back) < 0.01, "seed \(seed): residual \(metres(p, back)) m at \(p)")
        }
    }

    @Test("In Yuzhong the GCJ-02 offset is a few hundred metres, and BD-09 adds more")
    func offsetMagnitude() {
        let jiefangbei = Position(106.5772, 29.5575)
        let gcj = ChinaOffsets.wgs84ToGCJ02(jiefangbei)
        #expect((250...700).contains(metres(jiefangbei, gcj)))
        let bd = ChinaOffsets.gcj02ToBD09(gcj)
        #expect(metres(gcj, bd) > 500)
    }

    @Test("Outside China the offsets do not apply and the projector counts the positions")
    func outsideChina() throws {
        let tokyo = Position(139.69, 35.69)
        #expect(ChinaOffsets.wgs84ToGCJ02(tokyo) == tokyo)
        let projector = try Projector(from: .gcj02, to: .cgcs2000)
        #expect(try projector.transform(tokyo) == tokyo)
        #expect(projector.positionsOutsideChina == 1)
    }

    @Test("GCJ-02 input lands in Gauss-Krüger metres consistently with CGCS2000 input (< 1 cm)")
    func gcjToGaussKruger() throws {
        let p = Position(106.55, 29.56)
        let gcj = ChinaOffsets.wgs84ToGCJ02(p)
        let viaGCJ = try Projector(from: .gcj02, to: .epsg(4545)).transform(gcj)
        #expect(hypot(viaGCJ.x - 359474.0867, viaGCJ.y - 3272217.2986) < 0.01)
    }
}
