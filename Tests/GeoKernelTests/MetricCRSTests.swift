import Foundation
import Testing
import TestSupport
@testable import GeoKernel

/// Reference lengths and areas on the WGS84 ellipsoid, from GeographicLib's geodesics (pyproj 3.7.2
/// `Geod(ellps="WGS84").inv` and `.polygon_area_perimeter`, PROJ 9.5.1): independent of any map
/// projection. Positions are in central Helsinki (made up for the test, not taken from a dataset).
enum HelsinkiReference {
    /// Senaatintori (24.9525°E, 60.1692°N) to Kamppi (24.9316°E, 60.1690°N): 1,160.477 m.
    static let eastWest = (Position(24.9525, 60.1692), Position(24.9316, 60.1690), 1_160.4773)
    /// (24.94°E, 60.16°N) to (24.96°E, 60.18°N): 2,489.585 m.
    static let diagonal = (Position(24.94, 60.16), Position(24.96, 60.18), 2_489.5852)
    /// The lon/lat rectangle 24.93–24.95°E × 60.16–60.17°N: 1,237,195.6 m².
    static let rectangle = [Position(24.93, 60.16), Position(24.95, 60.16), Position(24.95, 60.17),
                            Position(24.93, 60.17), Position(24.93, 60.16)]
    static let rectangleArea = 1_237_195.63
}

@Suite struct MetricCRSTests {
    static func planarArea(_ ring: [Position]) -> Double {
        var twice = 0.0
        for k in 0..<(ring.count - 1) { twice += ring[k].x * ring[k + 1].y - ring[k + 1].x * ring[k].y }
        return abs(twice) / 2
    }

    /// The choice for data covering `ring`, and the lengths and area measured in it.
    static func measured(in crs: CRS) throws -> (eastWest: Double, diagonal: Double, area: Double) {
        let projector = try Projector(from: .cgcs2000, to: crs)
        func length(_ pair: (Position, Position, Double)) throws -> Double {
            let a = try projector.transform(pair.0), b = try projector.transform(pair.1)
            return hypot(a.x - b.x, a.y - b.y)
        }
        var ring = HelsinkiReference.rectangle
        try projector.transform(&ring)
        return (try length(HelsinkiReference.eastWest), try length(HelsinkiReference.diagonal), planarArea(ring))
    }

    @Test("outside China the metric CRS is not the 75°E zone: Helsinki measures in UTM 35N, distances and areas within 0.1 % of the ellipsoid's")
    func outsideChinaIsNotThe75EZone() throws {
        var extent = Envelope.empty
        HelsinkiReference.rectangle.forEach { extent.expand(toInclude: $0) }
        let choice = try MetricCRSChoice.automatic(for: extent)
        #expect(choice.crs == .epsg(32635))
        #expect(choice.description.contains("EPSG:32635") && choice.description.contains("UTM zone 35N") && choice.description.contains("outside China"))

        let m = try Self.measured(in: choice.crs)
        #expect(abs(m.eastWest / HelsinkiReference.eastWest.2 - 1) < 0.001, "east-west \(m.eastWest) m")
        #expect(abs(m.diagonal / HelsinkiReference.diagonal.2 - 1) < 0.001, "diagonal \(m.diagonal) m")
        #expect(abs(m.area / HelsinkiReference.rectangleArea - 1) < 0.001, "area \(m.area) m²")

        // What the 75°E zone made of it, the defect this replaces: 8 % long, 17 % large.
        let old = try Self.measured(in: .epsg(4534))
        #expect(old.eastWest / HelsinkiReference.eastWest.2 > 1.07)
        #expect(old.area / HelsinkiReference.rectangleArea > 1.15)
    }

    @Test("In China the metric CRS is the CGCS2000 3° zone of the centre; elsewhere the UTM zone, north or south",
          arguments: [
            (106.55, 29.56, 4545),   // Chongqing, CM 108°E
            (121.47, 31.23, 4549),   // Shanghai, CM 120°E
            (87.6, 43.8, 4538),      // Ürümqi, CM 87°E
            (24.94, 60.17, 32635),   // Helsinki
            (-74.0, 40.7, 32618),    // New York
            (151.2, -33.9, 32756),   // Sydney
            (-58.4, -34.6, 32721),   // Buenos Aires
            (-0.1, 51.5, 32630),     // London, west of Greenwich
            (0.1, 51.5, 32631),      // east of it
            (179.9, -17.7, 32760),   // Fiji, the last zone
          ])
    func zoneByCentre(lon: Double, lat: Double, epsg: Int) throws {
        let extent = Envelope(minX: lon - 0.05, minY: lat - 0.05, maxX: lon + 0.05, maxY: lat + 0.05)
        #expect(try MetricCRSChoice.automatic(for: extent).crs == .epsg(epsg))
    }

    @Test("Data wider than one zone, or beyond the UTM latitudes, is refused; an explicit CRS lifts it, if it is in metres")
    func refusals() throws {
        let wide = Envelope(minX: 20, minY: 59, maxX: 27.5, maxY: 61)
        #expect(throws: MetricCRSError.tooWide(extent: wide)) { try MetricCRSChoice.automatic(for: wide) }
        #expect("\(MetricCRSError.tooWide(extent: wide))".contains("7.50° of longitude"))
        let sixDegrees = Envelope(minX: 21, minY: 59, maxX: 27, maxY: 61)
        #expect(try MetricCRSChoice.automatic(for: sixDegrees).crs == .epsg(32635))
        let arctic = Envelope(minX: 15, minY: 84.5, maxX: 16, maxY: 85)
        #expect(throws: MetricCRSError.outsideUTM(extent: arctic)) { try MetricCRSChoice.automatic(for: arctic) }

        let finnish = try MetricCRSChoice.explicit(.epsg(3067), source: "the store's metric_crs setting")
        #expect(finnish.description == "metric CRS EPSG:3067 (ETRS89 / TM35FIN(E,N)): named by the store's metric_crs setting")
        #expect(throws: MetricCRSError.self) { try MetricCRSChoice.explicit(.epsg(4326), source: "--metric-crs") }
        // New York State plane, Long Island, in US survey feet: not metres, so not a metric CRS.
        let feet = #expect(throws: MetricCRSError.self) { try MetricCRSChoice.explicit(.epsg(2263), source: "--metric-crs") }
        #expect("\(feet!)".contains("not metres"))
    }
}
