import Foundation
import GeoKernel

/// The golden case folders under Tests/Fixtures (see docs/architecture.md, "Tests as the specification").
public enum FixtureFiles {
    /// Tests/Fixtures/<analysis>.
    public static func folder(_ analysis: String) -> URL { repositoryRoot.appendingPathComponent("Tests/Fixtures/\(analysis)") }

    /// The case folders of an analysis that have their expected answer, sorted.
    public static func cases(_ analysis: String) -> [String] {
        let root = folder(analysis)
        return ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/expected.geojson").path)
        }.sorted()
    }

    public struct FixtureError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The features of a GeoJSON FeatureCollection: properties and geometry (nil for a null geometry).
    public static func features(_ url: URL) throws -> [(properties: [String: Any], geometry: Geometry?)] {
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = object["features"] as? [[String: Any]] else {
            throw FixtureError(description: "\(url.path): not a FeatureCollection")
        }
        return try list.map { f in
            var geometry: Geometry? = nil
            if let g = f["geometry"], !(g is NSNull) {
                geometry = try JSONDecoder().decode(Geometry.self, from: JSONSerialization.data(withJSONObject: g))
            }
            return (f["properties"] as? [String: Any] ?? [:], geometry)
        }
    }
}
