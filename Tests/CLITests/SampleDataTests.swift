import Foundation
import Testing

/// The sample data in GeoData/ imports as `make demo` imports it, and regenerates byte for byte.
@Suite(.serialized) struct SampleDataTests {
    static let root = repositoryRoot
    static func geoData(_ name: String) -> String { sampleDataPath(name) }

    @Test("Every sample file imports with the documented counts, Chinese text and CRS")
    func importSamples() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir)   // the imports `make demo` runs; fails naming the file that did not import
        let json = try CLI.run(["layers", "--store", store, "--json"]).stdout
        let layers = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        func layer(_ name: String) -> [String: Any] { layers.first { $0["name"] as? String == name } ?? [:] }
        let expected = ["parcels": 1324, "heritage_zones": 8, "control_lines": 14, "facilities": 103, "streets": 182]
        for (name, count) in expected { #expect(layer(name)["featureCount"] as? Int == count, "\(name)") }
        #expect(layer("parcels")["repairedCount"] as? Int == 1, "the deliberate bow-tie YZ9999")
        #expect(layer("parcels")["sourceCRS"] as? String == "EPSG:4545")
        #expect(layer("facilities")["sourceCRS"] as? String == "GCJ02")

        // GBK text decoded, renamed fields present, codes kept as text.
        let out = dir.path("parcels.csv")
        #expect(try CLI.run(["export", "--store", store, "--layer", "parcels", out]).status == 0)
        let csv = try String(contentsOfFile: out, encoding: .utf8)
        let header = csv.prefix { $0 != "\n" }
        #expect(header.contains("planned_action") && header.contains("safety_grade") && header.contains("备注"))
        #expect(csv.contains("片区地块"))
        #expect(csv.contains(",\"070102\",") || csv.contains(",070102,"))

        // GCJ-02 facilities were shifted back onto CGCS2000: every facility lies inside the parcels' extent
        // (the raw GCJ-02 coordinates are ~480 m off to the north-east).
        let p = layer("parcels"), f = layer("facilities")
        let px = [p["minX"], p["maxX"]].compactMap { $0 as? Double }, fx = [f["minX"], f["maxX"]].compactMap { $0 as? Double }
        #expect(fx[0] >= px[0] - 0.001 && fx[1] <= px[1] + 0.001)
    }

    @Test("The generator reproduces GeoData/ byte for byte (same seed, same bytes)")
    func generatorIsDeterministic() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", SampleDataTests.root.appendingPathComponent("scripts/gen_sample_data.py").path, "--check"]
        process.currentDirectoryURL = SampleDataTests.root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
    }
}
