import Foundation
import Testing

/// Typos and mistaken values that used to be answered instead of refused (issue 14, build item 5).
/// Each is refused with one line naming the value and the nearest valid ones.
/// Data: GeoData/ (the synthetic sample, CC0, see GeoData/README.md) and files written here.
@Suite(.serialized) struct NoSilentWrongAnswerTests {
    /// Runs and checks: non-zero exit, exactly one stderr line, which names every one of `words`.
    func expectRefused(_ arguments: [String], naming words: [String], directory: String? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try CLI.run(arguments, directory: directory)
        #expect(r.status != 0, "\(arguments) was accepted: \(r.stdout.prefix(500))", sourceLocation: sourceLocation)
        #expect(r.stderrLines.count == 1, "one line: \(r.stderr)", sourceLocation: sourceLocation)
        for word in words { #expect(r.stderr.contains(word), "\(r.stderr) names \(word)", sourceLocation: sourceLocation) }
    }

    @Test("--encoding GKB is refused (did you mean GBK?) instead of garbling every Chinese name")
    func encodingTypoGKB() throws {
        let dir = try TemporaryDirectory()
        try expectRefused(["import", SampleDataTests.geoData("parcels.shp"), "--encoding", "GKB", "--store", dir.path("s.sqlite")],
                          naming: ["GKB", "did you mean GBK?"])
        #expect(!FileManager.default.fileExists(atPath: dir.path("s.sqlite")), "no store made")
        let store = try sampleStore(dir, constraints: false, facilities: false, streets: false)
        try expectRefused(["export", "--store", store, "--layer", "parcels", "--encoding", "GKB", dir.path("out.shp")],
                          naming: ["GKB", "did you mean GBK?"])
        // Names iconv knows in other spellings still pass.
        let ok = try CLI.run(["import", SampleDataTests.geoData("parcels.shp"), "--encoding", "gb18030", "--store", testStore(dir, "t.sqlite")])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test("eligibility --to 089999 (no such code) is refused instead of answering \"allowed\"")
    func eligibilityUnknownCode089999() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, facilities: false, streets: false)
        try expectRefused(["eligibility", "--store", store, "--to", "089999"], naming: ["089999", "0801", "0807 社会福利用地"])
        try expectRefused(["eligibility", "--store", store, "--to", "80701"], naming: ["80701", "did you mean 080701"])
        try expectRefused(["eligibility", "--store", store, "--to", "080799"], naming: ["080799", "did you mean 080701"])
    }

    /// A project file in `dir` with the sample layers and `extra` appended; the store under dir/out.
    func project(_ dir: TemporaryDirectory, _ extra: String) throws -> String {
        let text = """
            store: out/p.sqlite
            layers:
              - file: \(SampleDataTests.geoData("parcels.shp"))
                encoding: GBK
                rename: {safety_gra: safety_grade, planned_ac: planned_action}
              - file: \(SampleDataTests.geoData("planning_constraints.gpkg"))
            \(extra)
            """
        try text.write(toFile: dir.path("project.yaml"), atomically: true, encoding: .utf8)
        return dir.path("project.yaml")
    }

    @Test("to: [80701] in a project file (a YAML number) is an error showing the quoted form, not 0 allowed")
    func projectCodeAsYAMLNumber() throws {
        let dir = try TemporaryDirectory()
        let path = try project(dir, "eligibility: {to: [80701]}")
        try expectRefused(["run", path], naming: ["project.yaml", "line 7", "80701", "to: [\"080701\"]"])
        #expect(!FileManager.default.fileExists(atPath: dir.path("out/p.sqlite")), "refused before importing anything")
        // Unquoted 080701 is a number to YAML too; the quoted form passes the check.
        try expectRefused(["run", try project(dir, "eligibility:\n  to: [080701, \"0702\"]")], naming: ["line 8", "to: [\"080701\", \"0702\"]"])
        try expectRefused(["run", try project(dir, "eligibility: {to: [\"089999\"]}")], naming: ["line 7", "089999", "0807"])
    }

    @Test("Unknown keys, encodings and values in a project file are refused with the nearest valid one")
    func projectTypos() throws {
        let dir = try TemporaryDirectory()
        try expectRefused(["run", try project(dir, "units: {min-ha: 8}")], naming: ["line 7", "min-ha", "did you mean min_ha?"])
        try expectRefused(["run", try project(dir, "coverage: {mode: netwrok}")], naming: ["line 7", "netwrok", "did you mean network?"])
        try expectRefused(["run", try project(dir, "coverage: {speed: elderley}")], naming: ["line 7", "elderley", "did you mean elderly?"])
        try expectRefused(["run", try project(dir, "eligibilty: {to: [\"080701\"]}")], naming: ["line 7", "did you mean eligibility?"])
        let gkb = try String(contentsOfFile: try project(dir, ""), encoding: .utf8).replacingOccurrences(of: "encoding: GBK", with: "encoding: GKB")
        try gkb.write(toFile: dir.path("gkb.yaml"), atomically: true, encoding: .utf8)
        try expectRefused(["run", dir.path("gkb.yaml")], naming: ["gkb.yaml", "line 4", "GKB", "did you mean GBK?"])
        #expect(!FileManager.default.fileExists(atPath: dir.path("out/p.sqlite")))
    }

    @Test("A radii file naming one category changes that one; the other eleven keep their default radius")
    func radiiFileChangesOnlyNamedCategories() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, constraints: false, streets: false)
        try "kindergarten: 250\n".write(toFile: dir.path("radii.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["coverage", "--store", store, "--radii", dir.path("radii.yaml"), "--summary", dir.path("s.json"), "--no-store"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("s.json")))) as? [String: Any])
        let defaults: Set<String> = ["childcare", "kindergarten", "elderly_day_care", "community_service", "primary_school", "market",
                                     "community_canteen", "middle_school", "clinic", "sports", "elderly_care", "park"]
        #expect(Set(summary.keys) == defaults, "categories analysed: \(summary.keys.sorted())")
        let rows = r.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.first { $0.first == "kindergarten" }?.contains("250") == true, "\(r.stdout)")
        #expect(rows.first { $0.first == "primary_school" }?.contains("500") == true, "\(r.stdout)")
        // `false` leaves a category out, explicitly.
        try "{kindergarten: 250, clinic: false}\n".write(toFile: dir.path("less.yaml"), atomically: true, encoding: .utf8)
        let less = try CLI.run(["coverage", "--store", store, "--radii", dir.path("less.yaml"), "--summary", dir.path("l.json"), "--no-store"])
        #expect(less.status == 0, "\(less.stderr)")
        let lessSummary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("l.json")))) as? [String: Any]
        #expect(Set(lessSummary?.keys.map { $0 } ?? []) == defaults.subtracting(["clinic"]))
        // The same in JSON (a JSON false was read as a 0 m radius and refused).
        try "{\"kindergarten\": 250, \"clinic\": false}\n".write(toFile: dir.path("less.json"), atomically: true, encoding: .utf8)
        let json = try CLI.run(["coverage", "--store", store, "--radii", dir.path("less.json"), "--summary", dir.path("j.json"), "--no-store"])
        #expect(json.status == 0, "\(json.stderr)")
        let jsonSummary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("j.json")))) as? [String: Any]
        #expect(Set(jsonSummary?.keys.map { $0 } ?? []) == defaults.subtracting(["clinic"]))
    }

    @Test("Category, key and --speed typos suggest the nearest valid name")
    func coverageTypos() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, constraints: false, streets: false)
        try "{\"kindergarden\": 300}".write(toFile: dir.path("r.json"), atomically: true, encoding: .utf8)
        try expectRefused(["coverage", "--store", store, "--radii", dir.path("r.json")], naming: ["kindergarden", "did you mean kindergarten?"])
        try "{\"kindergarten\": {\"raduis\": 300}}".write(toFile: dir.path("k.json"), atomically: true, encoding: .utf8)
        try expectRefused(["coverage", "--store", store, "--radii", dir.path("k.json")], naming: ["raduis", "did you mean radius?"])
        try expectRefused(["coverage", "--store", store, "--speed", "elderley"], naming: ["elderley", "did you mean elderly?"])
    }

    @Test("A mistyped subcommand is answered with the nearest one")
    func mistypedSubcommand() throws {
        try expectRefused(["improt", "GeoData/parcels.shp"], naming: ["improt", "did you mean import?"])
        try expectRefused(["coverge", "--store", "x.sqlite"], naming: ["did you mean coverage?"])
        try expectRefused(["frobnicate"], naming: ["frobnicate", "import, layers"])
        #expect(try CLI.run(["help", "import"]).status == 0)
    }

    @Test("serve on a busy port is one clear line, without \"serving…\" first")
    func servePortBusy() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, constraints: false, facilities: false, streets: false)
        // Hold a port: a listening socket on 127.0.0.1, port chosen by the kernel.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        #expect(bound == 0 && listen(fd, 4) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let r = try CLI.run(["serve", "--store", store, "--port", String(port)])
        #expect(r.status == 69, "EX_UNAVAILABLE")
        #expect(r.stderrLines == ["renewalgis: error: port \(port) on 127.0.0.1 is already in use (another server is listening there); stop it or choose another port with --port"],
                "\(r.stderr)")
    }
}

/// The exit code says what kind of problem stopped a command (README, "Exit codes").
@Suite struct ExitCodeTests {
    @Test("Usage 64, bad input 65, store 74: a script can tell a typo from bad data and a broken store")
    func kindsOfFailure() throws {
        let dir = try TemporaryDirectory()
        let store = testStore(dir, "s.sqlite")
        #expect(try CLI.run(["import", sampleDataPath("streets.geojson"), "--store", store]).status == 0)
        #expect(try CLI.run(["import", sampleDataPath("parcels.shp"), "--store", store, "--encoding", "GBK"]).status == 0)
        #expect(try CLI.run(["import", sampleDataPath("facilities.csv"), "--store", store]).status == 0)
        let notAStore = dir.path("notes.txt")
        try "just text, not SQLite".write(toFile: notAStore, atomically: true, encoding: .utf8)
        try "kindergarten: 300\nkindergarden: 500\n".write(toFile: dir.path("radii.yaml"), atomically: true, encoding: .utf8)
        let cases: [(String, [String], Int32)] = [
            ("a mistyped command", ["improt", "x.geojson"], 64),
            ("a missing argument", ["import"], 64),
            ("an unknown option", ["layers", "--stroe", store], 64),
            ("a missing input file", ["import", dir.path("nothing.geojson"), "--store", store], 65),
            ("an unknown CRS", ["import", sampleDataPath("streets.geojson"), "--store", store, "--crs", "EPSG:999999", "--replace"], 65),
            ("an unknown layer", ["export", "--store", store, "--layer", "parcles", dir.path("out.geojson")], 65),
            ("a radii file with an unknown category", ["coverage", "--store", store, "--radii", dir.path("radii.yaml")], 65),
            ("a file that is not a store", ["layers", "--store", notAStore], 74),
        ]
        for (what, arguments, code) in cases {
            let r = try CLI.run(arguments)
            #expect(r.status == code, "\(what): exit \(r.status), expected \(code): \(r.stderr)")
            #expect(!r.stderr.isEmpty, "\(what): no message")
            if arguments.contains("--radii") { #expect(r.stderr.contains("kindergarden"), "\(what): \(r.stderr)") }
        }
    }

    @Test("Options are checked before the store is opened (validate): a bad option is named with its own exit code, not 'not a store'")
    func optionsBeforeStore() throws {
        let dir = try TemporaryDirectory()
        let missing = dir.path("no_store.sqlite")
        try "kindergarten: {raduis: 300}\n".write(toFile: dir.path("radii.yaml"), atomically: true, encoding: .utf8)
        try "rules:\n  - id: R1\n    zone: heritage_cor\n".write(toFile: dir.path("rules.yaml"), atomically: true, encoding: .utf8)
        try "dangerous: -1\n".write(toFile: dir.path("weights.yaml"), atomically: true, encoding: .utf8)
        let cases: [(String, [String], Int32, [String])] = [
            ("--speed", ["coverage", "--store", missing, "--speed", "elderley"], 64, ["elderley", "did you mean elderly?"]),
            ("--min-piece-m", ["coverage", "--store", missing, "--min-piece-m=-1"], 64, ["--min-piece-m -1"]),
            ("a radii file", ["coverage", "--store", missing, "--radii", dir.path("radii.yaml")], 65, ["radii.yaml", "line 1", "raduis"]),
            ("a rules file", ["conflicts", "--store", missing, "--rules", dir.path("rules.yaml")], 65, ["rules.yaml", "line 3", "heritage_cor"]),
            ("--to", ["eligibility", "--store", missing, "--to", "80701"], 64, ["80701", "did you mean 080701"]),
            ("--min-ha above --max-ha", ["units", "--store", missing, "--min-ha", "60", "--max-ha", "50"], 65, ["--min-ha 60", "--max-ha 50"]),
            ("a weights file", ["units", "--store", missing, "--weights", dir.path("weights.yaml")], 65, ["weights.yaml", "line 1", "dangerous"]),
            ("--rename", ["import", dir.path("nothing.geojson"), "--store", missing, "--rename", "a"], 64, ["--rename takes old=new"]),
            ("--unset with a value", ["settings", "--store", missing, "--unset", "metric_crs", "EPSG:3067"], 64, ["--unset"]),
            ("--max-filter-length", ["serve", "--store", missing, "--max-filter-length", "0"], 64, ["--max-filter-length"]),
        ]
        for (what, arguments, code, naming) in cases {
            let r = try CLI.run(arguments)
            #expect(r.status == code, "\(what): exit \(r.status), expected \(code): \(r.stderr)")
            for word in naming { #expect(r.stderr.contains(word), "\(what): \(r.stderr) should name \(word)") }
            #expect(!FileManager.default.fileExists(atPath: missing), "\(what): the store was created")
        }
    }
}
