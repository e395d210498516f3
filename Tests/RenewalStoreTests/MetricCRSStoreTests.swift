import Foundation
import GeoFiles
import GeoKernel
import Testing
@testable import RenewalStore
import GeoStore

/// The store's metric CRS: chosen from the data (CGCS2000 zone in China, UTM elsewhere) unless its
/// `metric_crs` setting names one; too-wide data refused with the layers and the way out named.
/// Data: small squares made up by the tests (Helsinki, Chongqing, Turku).
@Suite struct MetricCRSStoreTests {
    static func store(_ dir: TemporaryDirectory, squaresAt lons: [(Double, Double)]) throws -> SpatialStore {
        let features = lons.enumerated().map { i, p in Fixtures.parcel(i + 1, geometry: Fixtures.square(p.0, p.1)) }
        return try Fixtures.storeWithParcels(features, in: dir)
    }

    @Test("outside China the metric CRS is not the 75°E zone: a Helsinki store measures in UTM 35N and says why")
    func helsinkiStore() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir, squaresAt: [(24.94, 60.17), (24.95, 60.16)])
        let choice = try store.metricCRSChoice()
        #expect(choice.crs == .epsg(32635))
        #expect(try store.metricCRS() == .epsg(32635))
        #expect(choice.description.hasPrefix("metric CRS EPSG:32635 (WGS 84 / UTM zone 35N): the data (24.94°E–24.95°E"))

        // The store's setting and a one-run override win, each named as the reason.
        try store.setSetting("metric_crs", "3067")
        #expect(try store.setting("metric_crs") == "EPSG:3067")
        #expect(try store.metricCRSChoice().description == "metric CRS EPSG:3067 (ETRS89 / TM35FIN(E,N)): named by the store's metric_crs setting")
        #expect(try store.metricCRSChoice(override: (.epsg(32634), "--metric-crs")).crs == .epsg(32634))
        #expect(throws: MetricCRSError.self) { try store.setSetting("metric_crs", "EPSG:4326") }
        #expect(throws: StoreError.self) { try store.setSetting("metric_crz", "EPSG:3067") }
        try store.setSetting("metric_crs", nil)
        #expect(try store.metricCRS() == .epsg(32635))
    }

    @Test("A store wider than one zone is refused with its widest layers and the setting that lifts it")
    func tooWideStore() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir, squaresAt: [(22.27, 60.45), (29.76, 62.6)])   // Turku to Joensuu: 7.5°
        let error = #expect(throws: StoreError.self) { try store.metricCRSChoice() }
        let text = "\(error!)"
        #expect(text.contains("7.49° of longitude") && text.contains("parcels 22.27°–29.76°E") && text.contains("renewalgis settings --store"), "\(text)")
        try store.setSetting("metric_crs", "EPSG:3067")
        #expect(try store.metricCRS() == .epsg(3067))
    }

    @Test("In China the store's metric CRS stays the CGCS2000 3° zone nearest the data")
    func chinaStore() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir, squaresAt: [(106.55, 29.56)])
        let choice = try store.metricCRSChoice()
        #expect(choice.crs == .epsg(4545))
        #expect(choice.description.contains("in China") && choice.description.contains("Gauss-Kruger CM 108E"))
    }
}
