import Foundation
import RenewalAnalysis
import RenewalDomain
import RenewalRunner
import Testing
import TestSupport

/// Every configuration file goes through `ConfigFile`: for each kind, a good file gives the expected
/// values, and an unknown key, a wrong type, a missing file and broken YAML give a `ConfigError`
/// with the file, the line and the key.
@Suite struct ConfigFileTests {
    /// `text` written to `name` in `dir`; its path.
    func write(_ text: String, _ name: String, in dir: TemporaryDirectory) throws -> String {
        try text.write(toFile: dir.path(name), atomically: true, encoding: .utf8)
        return dir.path(name)
    }

    /// The ConfigError decoding `path` as `type` throws (a recorded issue when it decodes).
    func failure<T: Decodable>(_ type: T.Type, _ path: String) -> ConfigError? {
        do {
            _ = try ConfigFile.decode(type, from: path)
            Issue.record("\(path) decoded as \(type)")
        } catch let error as ConfigError {
            return error
        } catch {
            Issue.record("\(path): \(Swift.type(of: error)) instead of ConfigError: \(error)")
        }
        return nil
    }

    /// Expects a ConfigError for `path` at `line` and `key` whose message holds every word of `naming`.
    func expectError<T: Decodable>(_ type: T.Type, _ path: String, line: Int?, key: String?, naming: [String] = [],
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = failure(type, path) else { return }
        #expect(error.file == path && error.line == line && error.key == key, "\(error) (key \(error.key ?? "nil"))", sourceLocation: sourceLocation)
        for word in naming { #expect(error.description.contains(word), "\(error) should name \(word)", sourceLocation: sourceLocation) }
    }

    // MARK: reading the file

    @Test("A missing file, a folder, text that is not UTF-8, broken YAML, broken JSON and an empty file name the file")
    func unreadable() throws {
        let dir = try TemporaryDirectory()
        expectError(NeedWeights.self, dir.path("none.yaml"), line: nil, key: nil, naming: ["none.yaml", "no such file"])
        expectError(NeedWeights.self, dir.path(""), line: nil, key: nil, naming: ["folder"])
        try Data([0x64, 0x61, 0x6E, 0x67, 0x3A, 0x20, 0xB0, 0xA1]).write(to: URL(fileURLWithPath: dir.path("gbk.yaml")))
        expectError(NeedWeights.self, dir.path("gbk.yaml"), line: nil, key: nil, naming: ["gbk.yaml", "UTF-8"])
        expectError(NeedWeights.self, try write("dangerous: [0.3\nvacancy: 1\n", "broken.yaml", in: dir), line: 2, key: nil,
                    naming: ["broken.yaml", "not valid YAML"])
        expectError(NeedWeights.self, try write("{dangerous: 0.3}", "broken.json", in: dir), line: nil, key: nil,
                    naming: ["broken.json", "not valid JSON"])
        expectError(NeedWeights.self, try write("# nothing\n", "empty.yaml", in: dir), line: nil, key: nil, naming: ["empty.yaml", "empty"])
        expectError(NeedWeights.self, try write("dangerous: 0.3\ndangerous: 0.4\n", "twice.yaml", in: dir), line: 2, key: nil,
                    naming: ["twice.yaml", "dangerous", "twice"])
    }

    // MARK: need weights

    @Test("Weights: named ones change, the others keep their default; unknown names, wrong types and negatives are placed")
    func weights() throws {
        let dir = try TemporaryDirectory()
        let read = try ConfigFile.decode(NeedWeights.self, from: try write("dangerous: 0.5\nvacancy: \"0.2\"\n", "w.yaml", in: dir))
        var expected = NeedWeights()
        expected.dangerous = 0.5
        expected.vacancy = 0.2
        #expect(read == expected)
        #expect(try ConfigFile.decode(NeedWeights.self, from: try write("{\"low_far\": 0}", "w.json", in: dir)).lowFAR == 0)
        expectError(NeedWeights.self, try write("dangerous: 0.5\nvacnacy: 0.1\n", "typo.yaml", in: dir), line: 2, key: "vacnacy",
                    naming: ["typo.yaml", "unknown key vacnacy", "did you mean vacancy?"])
        expectError(NeedWeights.self, try write("dangerous: high\n", "type.yaml", in: dir), line: 1, key: "dangerous",
                    naming: ["dangerous must be a number", "high"])
        expectError(NeedWeights.self, try write("dangerous: 0.5\nconflicts: -1\n", "neg.yaml", in: dir), line: 2, key: "conflicts",
                    naming: ["≥ 0"])
        expectError(NeedWeights.self, try write("[0.5]\n", "list.yaml", in: dir), line: 1, key: nil, naming: ["must be a mapping"])
    }

    // MARK: radii

    @Test("Radii: a category's radius changes alone; false leaves one out (in JSON too); typos and wrong types are placed")
    func radii() throws {
        let dir = try TemporaryDirectory()
        let table = try ConfigFile.decode(ServiceRadii.self, from: try write("kindergarten: 250\nclinic: false\ncanteen_x: {radius: 400, tier: 10}\n", "r.yaml", in: dir))
        #expect(table.rules["kindergarten"] == ServiceRule(radius: 250, tier: .fiveMinute, source: dir.path("r.yaml")), "the radius's source is the file")
        #expect(table.rules["clinic"] == nil && table.rules["primary_school"] == ServiceRadii.defaults.rules["primary_school"])
        #expect(table.rules["canteen_x"] == ServiceRule(radius: 400, tier: .tenMinute, source: dir.path("r.yaml")))
        let json = try ConfigFile.decode(ServiceRadii.self, from: try write("{\"kindergarten\": 250, \"clinic\": false}", "r.json", in: dir))
        #expect(json.rules["clinic"] == nil && json.rules["kindergarten"]?.radius == 250, "a JSON false leaves the category out, not a 0 m radius")
        expectError(ServiceRadii.self, try write("kindergarten: 250\nclinic: {raduis: 800}\n", "typo.yaml", in: dir), line: 2, key: "clinic.raduis",
                    naming: ["typo.yaml", "line 2", "raduis", "did you mean radius?"])
        expectError(ServiceRadii.self, try write("kindergarten:\n  radius: near\n", "type.yaml", in: dir), line: 2, key: "kindergarten.radius",
                    naming: ["kindergarten.radius must be a number", "near"])
        expectError(ServiceRadii.self, try write("kindergarten: 250\nclinic: -5\n", "neg.yaml", in: dir), line: 2, key: "clinic", naming: ["-5", "positive"])
        expectError(ServiceRadii.self, try write("school: {tier: 7, radius: 300}\n", "tier.yaml", in: dir), line: 1, key: "school.tier",
                    naming: ["tier 7 is not 5, 10 or 15"])
        expectError(ServiceRadii.self, try write("clinic: true\n", "true.yaml", in: dir), line: 1, key: "clinic", naming: ["true is not a radius"])
    }

    // MARK: walkability

    @Test("Walkability: a table amends its base; unknown keys, a wrong base and wrong types are placed")
    func walkability() throws {
        let dir = try TemporaryDirectory()
        let path = try write("base: osm\nclasses:\n  Trunk: yes\n  steps: {walk: yes, factor: 0.4}\nwalkable_if:\n  foot: [yes, Designated]\n", "w.yaml", in: dir)
        let table = try ConfigFile.decode(WalkabilityTable.self, from: path)
        #expect(table.name == path && table.classes["trunk"] == .init(walkable: true) && table.classes["steps"] == .init(walkable: true, factor: 0.4))
        #expect(table.walkableIf["foot"] == ["yes", "designated"] && table.notWalkableIf == WalkabilityTable.osm.notWalkableIf)
        #expect(table.otherClasses == WalkabilityTable.osm.otherClasses)
        expectError(WalkabilityTable.self, try write("base: osm\nclases: {}\n", "typo.yaml", in: dir), line: 2, key: "clases",
                    naming: ["typo.yaml", "unknown key clases", "did you mean classes?"])
        expectError(WalkabilityTable.self, try write("classes:\n  steps: {walk: yes, speed: 0.5}\n", "inner.yaml", in: dir), line: 2,
                    key: "classes.steps.speed", naming: ["unknown key classes.steps.speed", "(known: walk, factor)"])
        expectError(WalkabilityTable.self, try write("base: osmm\n", "base.yaml", in: dir), line: 1, key: "base", naming: ["osmm", "did you mean osm?"])
        expectError(WalkabilityTable.self, try write("classes:\n  steps: {walk: yes, factor: 2}\n", "factor.yaml", in: dir), line: 2,
                    key: "classes.steps.factor", naming: ["0.05 to 1"])
        expectError(WalkabilityTable.self, try write("classes:\n  steps: maybe\n", "maybe.yaml", in: dir), line: 2, key: "classes.steps",
                    naming: ["maybe", "yes or no"])
        expectError(WalkabilityTable.self, try write("classes: [trunk]\n", "list.yaml", in: dir), line: 1, key: "classes",
                    naming: ["classes must be a mapping"])
    }

    // MARK: rules

    /// A one-rule file, as PlanCLITests writes it.
    static let rule = "rules:\n  - id: R1\n    zone: heritage_core\n    actions: [demolish]\n    verdict: forbidden\n    clause: \"art. 28\"\n"

    @Test("Rules: the default rules decode through the helper; a rule file's values; typos and wrong types are placed, naming the rule")
    func rules() throws {
        let dir = try TemporaryDirectory()
        let defaults = try RulesFile.load(nil)
        #expect(defaults.rules.contains { $0.id == "HC-DEMOLISH" && $0.zone == .heritageCore && $0.actions == [.demolish] && $0.verdict == .forbidden })
        #expect(defaults.conversions.contains { $0.id == "CV-P-IDLE" && $0.list == .positive && $0.to == ["0702", "08", "09", "1401"] })
        #expect(defaults.touchingArea == 1 && defaults.touchingShare == 0.01)
        let one = try RulesFile.load(try write(Self.rule + "touching_share: 0.05\n", "one.yaml", in: dir))
        #expect(one.rules.map(\.id) == ["R1"] && one.rules[0].clause == "art. 28" && one.conversions.isEmpty && one.touchingShare == 0.05)
        expectError(RuleSet.self, try write(Self.rule + "    colour: red\n", "field.yaml", in: dir), line: 7, key: "rules[0].colour",
                    naming: ["field.yaml", "unknown key rules[0].colour"])
        expectError(RuleSet.self, try write(Self.rule.replacingOccurrences(of: "[demolish]", with: "[bulldoze]"), "action.yaml", in: dir),
                    line: 4, key: "rules[0].actions[0]", naming: ["R1", "bulldoze"])
        expectError(RuleSet.self, try write(Self.rule.replacingOccurrences(of: "heritage_core", with: "heritage_cor"), "zone.yaml", in: dir),
                    line: 3, key: "rules[0].zone", naming: ["R1", "heritage_cor", "did you mean heritage_core?"])
        expectError(RuleSet.self, try write(Self.rule.replacingOccurrences(of: "    clause: \"art. 28\"\n", with: ""), "clause.yaml", in: dir),
                    line: 2, key: "rules[0]", naming: ["R1", "clause"])
        expectError(RuleSet.self, try write(Self.rule + "touching_area_m2: big\n", "type.yaml", in: dir), line: 7, key: "touching_area_m2",
                    naming: ["touching_area_m2 must be a number"])
        expectError(RuleSet.self, try write(Self.rule + Self.rule.replacingOccurrences(of: "rules:\n", with: ""), "twice.yaml", in: dir),
                    line: 7, key: "rules[1].id", naming: ["R1", "twice"])
        expectError(RuleSet.self, try write("rule: []\n", "top.yaml", in: dir), line: 1, key: "rule", naming: ["did you mean rules?"])
    }

    @Test("A rules file whose conversion codes are YAML numbers (to: [80701]) is refused showing them quoted, not matched as codes without their zero (0702 was read as the octal 450)")
    func rulesFileCodeAsYAMLNumber() throws {
        let dir = try TemporaryDirectory()
        let list = "to: [\"0702\", \"08\", \"09\", \"1401\"]"
        let line = DefaultRules.yaml.components(separatedBy: "\n").firstIndex { $0.contains(list) }.map { $0 + 1 }
        for (codes, shown, index) in [("[80701]", "to: [\"080701\"]", 0), ("[\"08\", 0702]", "to: [\"08\", \"0702\"]", 1), ("080701", "to: [\"080701\"]", nil)] {
            let yaml = DefaultRules.yaml.replacingOccurrences(of: list, with: "to: \(codes)")
            #expect(yaml != DefaultRules.yaml, "the default rules still hold CV-P-IDLE's to: list")
            let path = try write(yaml, "my_rules.yaml", in: dir)
            guard let error = failure(RuleSet.self, path) else { continue }
            #expect(error.line == line && error.key?.hasPrefix("conversions[") == true && error.key?.hasSuffix(".to" + (index.map { "[\($0)]" } ?? "")) == true,
                    "\(codes): \(error) (key \(error.key ?? "nil"))")
            #expect(error.description.contains("my_rules.yaml") && error.description.contains("CV-P-IDLE") && error.description.contains("a number to YAML")
                    && error.description.contains(shown), "\(codes): \(error)")
        }
        let quoted = DefaultRules.yaml.replacingOccurrences(of: list, with: "to: [\"080701\"]")
        #expect(try RulesFile.load(try write(quoted, "quoted.yaml", in: dir)).conversions.first { $0.id == "CV-P-IDLE" }?.to == ["080701"])
    }

    // MARK: project

    @Test("Project: paths resolve against the file, every section decodes; typos, wrong types and missing layer files are placed")
    func project() throws {
        let dir = try TemporaryDirectory()
        try "{}".write(toFile: dir.path("parcels.geojson"), atomically: true, encoding: .utf8)
        let text = """
            store: out/p.sqlite
            layers:
              - file: parcels.geojson
                encoding: GBK
                rename: {safety_gra: safety_grade}
            coverage: {mode: both, radii: radii.yaml, speed: elderly, walkability: osm, barrier_layers: water, min_piece_m: 500}
            conflicts: {rules: rules.yaml}
            eligibility: {to: ["080701", "0702"]}
            units: {min_ha: 8, max_ha: 30, seed: 7, barrier_classes: [primary], weights: {dangerous: 0.3}}
            """
        let project = try ConfigFile.decode(ProjectFile.self, from: try write(text, "project.yaml", in: dir))
        #expect(project.store.filePath == dir.path("out/p.sqlite") && project.report == dir.path("out/p_report.md"))
        // A database store is taken as written (not a path), its password kept out of what is shown;
        // the report goes beside the project file.
        let shared = try ConfigFile.decode(ProjectFile.self, from: try write("store: postgresql://planner:secret@db.example:5433/city?schema=yuzhong\n", "shared.yaml", in: dir))
        #expect(shared.store.filePath == nil && shared.report == dir.path("shared_report.md"))
        #expect(shared.store.description == "postgresql://planner@db.example:5433/city?schema=yuzhong")
        #expect(project.layers.map(\.file) == [dir.path("parcels.geojson")] && project.layers[0].encoding == "GBK"
                && project.layers[0].rename == ["safety_gra": "safety_grade"])
        #expect(project.coverageModes == [.straight, .network] && project.radii == dir.path("radii.yaml") && project.speed == "elderly")
        #expect(project.walkability == "osm" && project.barrierLayers == ["water"] && project.minPieceLength == 500)
        #expect(project.rules == dir.path("rules.yaml") && project.eligibilityTargets == ["080701", "0702"])
        #expect(project.units.minArea == 80_000 && project.units.maxArea == 300_000 && project.units.seed == 7)
        #expect(project.barrierClasses == ["primary"] && project.weights.dangerous == 0.3 && project.weights.vacancy == NeedWeights().vacancy)

        expectError(ProjectFile.self, try write("store: s.sqlite\nunits: {min-ha: 8}\n", "typo.yaml", in: dir), line: 2, key: "units.min-ha",
                    naming: ["typo.yaml", "unknown key units.min-ha", "did you mean min_ha?"])
        expectError(ProjectFile.self, try write("store: s.sqlite\nunits:\n  weights: {danger: 1}\n", "weights.yaml", in: dir), line: 3,
                    key: "units.weights.danger", naming: ["did you mean dangerous?"])
        expectError(ProjectFile.self, try write("store: s.sqlite\nunits:\n  min_ha: ten\n", "type.yaml", in: dir), line: 3, key: "units.min_ha",
                    naming: ["units.min_ha must be a number", "ten"])
        expectError(ProjectFile.self, try write("store: s.sqlite\nlayers: parcels.geojson\n", "layers.yaml", in: dir), line: 2, key: "layers",
                    naming: ["layers must be a list"])
        expectError(ProjectFile.self, try write("store: s.sqlite\nlayers:\n  - file: parcels.geojson\n  - file: nothing.shp\n", "missing.yaml", in: dir),
                    line: 4, key: "layers[1]", naming: ["nothing.shp", "does not exist"])
        expectError(ProjectFile.self, try write("store: s.sqlite\neligibility:\n  to: [\"0702\", 80701]\n", "codes.yaml", in: dir), line: 3,
                    key: "eligibility.to[1]", naming: ["80701", "to: [\"0702\", \"080701\"]"])
        expectError(ProjectFile.self, try write("store: s.sqlite\nunits: {min_ha: 60, max_ha: 50}\n", "units.yaml", in: dir), line: 2, key: "units")
        expectError(ProjectFile.self, try write("layers: []\n", "nostore.yaml", in: dir), line: 1, key: nil, naming: ["names no store"])

        // The health check's levels and the report's language and PDF.
        let checked = try ConfigFile.decode(ProjectFile.self, from: try write("""
            store: s.sqlite
            checkup: {levels: [community=communities, subdistrict=streets_areas:code:name], grid_m: 500, indicators: mine.yaml}
            report: {file: out/r.md, language: en, pdf: false}
            """, "checkup.yaml", in: dir))
        #expect(checked.checkupLevels.map(\.key) == ["community", "subdistrict"] && checked.checkupLevels[1].layer == "streets_areas")
        #expect(checked.checkupGridMetres == 500 && checked.indicators == dir.path("mine.yaml"))
        #expect(checked.report == dir.path("out/r.md") && checked.reportLanguage == .english && !checked.reportPDF)
        let plain = try ConfigFile.decode(ProjectFile.self, from: try write("store: s.sqlite\n", "plain.yaml", in: dir))
        #expect(plain.reportLanguage == .chinese && plain.reportPDF && plain.checkupLevels.isEmpty)
        expectError(ProjectFile.self, try write("store: s.sqlite\nreport: {language: fr}\n", "lang.yaml", in: dir), line: 2, key: "report.language",
                    naming: ["report.language fr is not zh or en"])
        expectError(ProjectFile.self, try write("store: s.sqlite\ncheckup:\n  levels: [town=towns]\n", "level.yaml", in: dir), line: 3,
                    key: "checkup.levels[0]", naming: ["unknown level town"])
        expectError(ProjectFile.self, try write("store: s.sqlite\ncheckup: {grid: 500}\n", "grid.yaml", in: dir), line: 2,
                    key: "checkup.grid", naming: ["did you mean grid_m?"])
    }
}
