import Foundation
import GeoFiles
import GeoStore
import RenewalRunner
import TestSupport

/// The backend this run of the server suite serves from. By default every fixture is a SpatiaLite
/// file in the test's temporary directory; with `RENEWALGIS_TEST_STORE=postgis` (what `make test`
/// does in its second pass) each fixture is a fresh schema of the PostGIS database at
/// `RENEWALGIS_TEST_PG` (the throwaway cluster of scripts/pg_test_cluster.sh), so the same tests
/// hold the same answers to both stores.
enum TestBackend {
    /// The database URL when this run serves from PostGIS.
    static let postGISURL: String? = {
        let env = ProcessInfo.processInfo.environment
        guard env["RENEWALGIS_TEST_STORE"] == "postgis" else { return nil }
        guard let url = env["RENEWALGIS_TEST_PG"], !url.isEmpty else {
            fatalError("RENEWALGIS_TEST_STORE=postgis needs RENEWALGIS_TEST_PG (scripts/pg_test_cluster.sh url)")
        }
        return url
    }()

    static var isPostGIS: Bool { postGISURL != nil }

    /// A store of its own for one fixture: `file` in `dir`, or a new schema named after it.
    static func address(_ dir: TemporaryDirectory, _ file: String) -> StoreAddress {
        guard let url = postGISURL else { return .spatiaLite(path: dir.path(file)) }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        return StoreAddress(url + (url.contains("?") ? "&" : "?") + "schema=" + schema)
    }
}

/// Imports each `(file, layer, options)` (files in `dir`) into a new store of the run's backend and
/// opens it for serving.
func servedStore(_ dir: TemporaryDirectory, _ file: String, importing layers: [(file: String, layer: String, options: ImportOptions)],
                 queryTimeLimit: Double = 10) throws -> any FeatureReading {
    let address = TestBackend.address(dir, file)
    let store = try address.openOrCreate()
    for l in layers {
        _ = try LayerImporter.importLayer(try VectorSource(path: dir.path(l.file)).layer(named: l.layer), into: store, options: l.options)
    }
    return try address.openReader(queryTimeLimit: queryTimeLimit)
}
