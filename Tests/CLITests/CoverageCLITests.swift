import Foundation
import Testing

@Suite(.serialized) struct CoverageCLITests {
    /// A store with the sample parcels and facilities, made once per test.

    @Test("coverage writes the CSV, the summary and both result layers")
    func coverageOutputs() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, constraints: false)
        try "{\"kindergarten\": 300, \"primary_school\": 500}".write(toFile: dir.path("radii.json"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["coverage", "--store", store, "--radii", dir.path("radii.json"), "--csv", dir.path("c.csv"), "--summary", dir.path("s.json")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("kindergarten") && r.stdout.contains("primary_school"))
        let lines = try String(contentsOfFile: dir.path("c.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "parcel_id,category,covered_fraction")
        let rows = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count % 2 == 0 && rows.count > 0)
        #expect(rows.map { $0[0] + "," + $0[1] } == rows.map { $0[0] + "," + $0[1] }.sorted(), "sorted by parcel then category")
        #expect(rows.allSatisfy { Double($0[2]).map { (0...1).contains($0) } ?? false })
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("s.json")))) as? [String: [String: Any]]
        // The file changes the two categories it names; the other ten keep their default radius.
        let categories = Set(summary.map { Array($0.keys) } ?? [])
        #expect(categories.isSuperset(of: ["kindergarten", "primary_school", "clinic", "park"]) && categories.count == 12, "\(categories)")
        let k = try #require(summary?["kindergarten"])
        #expect(k["gap_area_m2"] is Double && k["gap_population"] is Double && k["parcels_with_gap"] is Int)
        let withGap = rows.filter { $0[1] == "kindergarten" && Double($0[2])! < 0.999 }.count
        #expect(k["parcels_with_gap"] as? Int == withGap)
        let layers = try CLI.run(["layers", "--store", store]).stdout
        #expect(layers.contains("coverage_parcels") && layers.contains("coverage_gaps"))
        // A second run replaces the result layers instead of failing.
        #expect(try CLI.run(["coverage", "--store", store, "--radii", dir.path("radii.json")]).status == 0)
    }

    struct BadCoverage: CustomStringConvertible, Sendable {
        var name: String
        var radii: String?
        var extra: [String]
        var mustName: [String]
        var description: String { name }
    }

    static let bad: [BadCoverage] = [
        BadCoverage(name: "unknown category in the radii file", radii: "{\"kindergarden\": 300}", extra: [], mustName: ["kindergarden", "radii.json"]),
        BadCoverage(name: "negative radius", radii: "{\"kindergarten\": -300}", extra: [], mustName: ["kindergarten", "-300", "radii.json"]),
        BadCoverage(name: "facility layer without the category field", radii: nil, extra: ["--category-field", "kind"], mustName: ["facilities", "kind"]),
        BadCoverage(name: "missing facility layer", radii: nil, extra: ["--facilities", "pois"], mustName: ["pois"]),
        BadCoverage(name: "parcels without the population field", radii: nil, extra: ["--population-field", "residents"], mustName: ["parcels", "residents"]),
        BadCoverage(name: "missing streets layer in network mode", radii: nil, extra: ["--mode", "network", "--streets", "paths"], mustName: ["paths"]),
    ]

    @Test("Bad coverage input: one clear line naming the layer, field or value", arguments: bad)
    func badInput(_ bad: BadCoverage) throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, constraints: false)
        try expectClearFailure(["coverage", "--store", store] + bad.extra, dir: dir,
                               file: bad.radii.map { ("--radii", "radii.json", $0) }, naming: bad.mustName, bad.name)
    }
}
