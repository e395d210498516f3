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
}
