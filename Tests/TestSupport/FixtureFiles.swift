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

    /// The folder of one case: Tests/Fixtures/<analysis>/<name>.
    public static func folder(_ analysis: String, _ name: String) -> URL { folder(analysis).appendingPathComponent(name) }

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

    /// A JSON object file (a case's parameters).
    public static func object(_ url: URL) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw FixtureError(description: "\(url.path): not a JSON object")
        }
        return object
    }

    /// A JSON number as a Double (integers included), nil when absent, null or not a number.
    public static func number(_ value: Any?) -> Double? {
        guard let value, !(value is NSNull) else { return nil }
        return (value as? NSNumber)?.doubleValue
    }

    /// How far two polygonal geometries differ as geometries: the area of their symmetric difference (m²).
    public static func differenceArea(_ ours: Geometry, _ theirs: Geometry, geos: GEOSContext) throws -> Double {
        let a = try geos.make(ours), b = try geos.make(theirs)
        return try a.difference(b).area() + b.difference(a).area()
    }
}
