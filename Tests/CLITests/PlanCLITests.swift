import Foundation
import Testing

@Suite(.serialized) struct PlanCLITests {

    @Test("conflicts on the sample: the one demolition in a heritage core is forbidden under art. 28, CSV and layer written")
    func conflictsOnSample() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, facilities: false, streets: false)
        let r = try CLI.run(["conflicts", "--store", store, "--csv", dir.path("c.csv"), "--geojson", dir.path("c.geojson")])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try String(contentsOfFile: dir.path("c.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows[0] == ["parcel_id", "zone_id", "zone_type", "action", "rule_id", "verdict", "overlap_m2", "overlap_share"])
        let forbiddenCore = rows.filter { $0[4] == "HC-DEMOLISH" && $0[5] == "forbidden" }
        #expect(forbiddenCore.map { $0[0] } == ["YZ0632"], "the deliberate demolition in HZ003's core")
        #expect(r.stdout.contains("HC-DEMOLISH"))
        let layers = try CLI.run(["layers", "--store", store]).stdout
        #expect(layers.contains("conflicts"))
        #expect(FileManager.default.fileExists(atPath: dir.path("c.geojson")))
        let eligibility = try CLI.run(["eligibility", "--store", store, "--to", "080701", "--csv", dir.path("e.csv")])
        #expect(eligibility.status == 0, "\(eligibility.stderr)")
        let e = try String(contentsOfFile: dir.path("e.csv"), encoding: .utf8)
        #expect(e.hasPrefix("parcel_id,from_code,to_code,verdict,rule_ids,reasons\n"))
        #expect(e.contains(",1504,080701,forbidden,CV-N-HERITAGE-SITE"))
    }

    struct BadRules: CustomStringConvertible, Sendable {
        var name: String
        var yaml: String?
        var extra: [String]
        var mustName: [String]
        var description: String { name }
    }

    static let rule = "rules:\n  - id: R1\n    zone: heritage_core\n    actions: [demolish]\n    verdict: forbidden\n    clause: \"art. 28\"\n"
    static let bad: [BadRules] = [
        BadRules(name: "unknown action", yaml: rule.replacingOccurrences(of: "[demolish]", with: "[bulldoze]"), extra: [], mustName: ["rules.yaml", "line 4", "R1", "bulldoze"]),
        BadRules(name: "unknown zone type", yaml: rule.replacingOccurrences(of: "heritage_core", with: "old_town"), extra: [], mustName: ["rules.yaml", "line 3", "R1", "old_town"]),
        BadRules(name: "clause-less rule", yaml: rule.replacingOccurrences(of: "    clause: \"art. 28\"\n", with: ""), extra: [], mustName: ["rules.yaml", "line 2", "R1", "clause"]),
        BadRules(name: "unknown field", yaml: rule + "    colour: red\n", extra: [], mustName: ["rules.yaml", "line 7", "rules[0].colour"]),
        BadRules(name: "parcel layer without the action field", yaml: nil, extra: ["--action-field", "plan"], mustName: ["parcels", "plan"]),
    ]

    @Test("Bad rules or layers: one clear line naming the file, line or field", arguments: bad)
    func badInput(_ bad: BadRules) throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, facilities: false, streets: false)
        try expectClearFailure(["conflicts", "--store", store] + bad.extra, dir: dir,
                               file: bad.yaml.map { ("--rules", "rules.yaml", $0) }, naming: bad.mustName, bad.name)
    }

    @Test("renewalgis rules prints the default rules, which read back as a rules file")
    func rulesRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, facilities: false, streets: false)
        let printed = try CLI.run(["rules"])
        #expect(printed.status == 0 && printed.stdout.contains("HC-DEMOLISH"))
        try printed.stdout.write(toFile: dir.path("mine.yaml"), atomically: true, encoding: .utf8)
        #expect(try CLI.run(["conflicts", "--store", store, "--rules", dir.path("mine.yaml")]).status == 0)
    }
}
