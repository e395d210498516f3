import Foundation
import Testing

// Data: the project's synthetic sample (GeoData/, CC0) imported by sampleStore.

@Suite(.serialized) struct WalkingCLITests {
    @Test("coverage --mode network says which walkability table it used and writes walk_entrance, walk_status and coverage_facilities")
    func networkOutputsTellNoEntranceFromNoFacility() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir)
        let r = try CLI.run(["coverage", "--store", store, "--mode", "network"])
        #expect(r.status == 0, "\(r.stderr)")
        let said = r.stdout + r.stderr
        #expect(said.contains("walkability table planning") && said.contains("legs may not cross control_lines"), "\(said)")
        #expect(said.contains("4 of 182 lines of streets are not walkable: class expressway 4"), "\(said)")
        for (layer, column, values) in [("coverage_parcels", "walk_entrance", Set(["ok"])),
                                        ("coverage_gaps", "walk_status", Set(["in_reach", "no_facility_in_reach"])),
                                        ("coverage_facilities", "walk_attached", Set(["ok"]))] {
            let file = dir.path("\(layer).geojson")
            let e = try CLI.run(["export", "--store", store, "--layer", layer, file])
            #expect(e.status == 0, "\(e.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
            let features = try #require(object?["features"] as? [[String: Any]])
            let found = Set(features.compactMap { ($0["properties"] as? [String: Any])?[column] as? String })
            #expect(found == values, "\(layer).\(column): \(found)")
            if layer == "coverage_facilities" { #expect(features.count == 103) }
        }
        // A table file that does not parse is refused, naming the file and the key.
        try "classes: {steps: {walk: yes, factor: 3}}\n".write(toFile: dir.path("walk.yaml"), atomically: true, encoding: .utf8)
        let bad = try CLI.run(["coverage", "--store", store, "--mode", "network", "--walkability", dir.path("walk.yaml"), "--no-store"])
        #expect(bad.status != 0 && bad.stderr.contains("walk.yaml") && bad.stderr.contains("factor"), "\(bad.stderr)")
        // The osm table on the sample closes its trunk roads, the bridges among them, and says so.
        let osm = try CLI.run(["coverage", "--store", store, "--mode", "network", "--walkability", "osm", "--no-store"])
        #expect(osm.status == 0 && (osm.stdout + osm.stderr).contains("class trunk 3"), "\(osm.stderr)")
    }

    @Test("A straight-line run after a walking run leaves no stale coverage_facilities beside its own coverage layers")
    func straightRunLeavesStaleCoverageFacilities() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir)
        let network = try CLI.run(["coverage", "--store", store, "--mode", "network"])
        #expect(network.status == 0, "\(network.stderr)")
        #expect(try CLI.run(["layers", "--store", store]).stdout.contains("coverage_facilities"))
        let straight = try CLI.run(["coverage", "--store", store])
        #expect(straight.status == 0, "\(straight.stderr)")
        let layers = try CLI.run(["layers", "--store", store]).stdout
        #expect(!layers.contains("coverage_facilities") && layers.contains("coverage_gaps"), "\(layers)")
    }

    @Test("A project file sets the walking options the command line has (walkability, barrier_layers, min_piece_m), and refuses a bad one with its line")
    func projectFileHasNoWalkabilityKeys() throws {
        let dir = try TemporaryDirectory()
        // The sample project (GeoData/, this project's own synthetic data), pointed at files by absolute path.
        func project(_ coverage: String) throws -> String {
            let yaml = """
            store: \(testStore(dir, "p.sqlite"))
            layers:
              - {file: \(sampleDataPath("parcels.shp")), encoding: GBK, rename: {safety_gra: safety_grade, planned_ac: planned_action}}
              - file: \(sampleDataPath("planning_constraints.gpkg"))
              - {file: \(sampleDataPath("facilities.csv")), crs: GCJ02}
              - file: \(sampleDataPath("streets.geojson"))
            coverage: \(coverage)
            report: \(dir.path("report.md"))
            """
            let path = dir.path("project.yaml")
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let run = try CLI.run(["run", try project("{mode: network, walkability: osm, barrier_layers: [control_lines], min_piece_m: 500}")])
        #expect(run.status == 0, "\(run.stderr)")
        let said = run.stdout + run.stderr
        #expect(said.contains("walkability table osm") && said.contains("legs may not cross control_lines"), "\(said)")
        let bad = try CLI.run(["run", try project("{mode: network, min_piece_m: -3}")])
        #expect(bad.status != 0 && bad.stderr.contains("line 7") && bad.stderr.contains("min_piece_m"), "\(bad.stderr)")
    }
}
