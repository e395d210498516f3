import Foundation
import Testing

/// `renewalgis units` and `renewalgis run` against the built binary, on the sample data.
@Suite(.serialized) struct UnitsCLITests {
    /// The sample project rewritten for a temporary directory (absolute paths, straight-line coverage only).
    static func project(in dir: TemporaryDirectory, extra: String = "", units: String = "min_ha: 10\n  max_ha: 50\n  seed: 1") throws -> String {
        let data = SampleDataTests.root.appendingPathComponent("GeoData").path
        let text = """
            store: \(testStore(dir, "p.sqlite"))
            layers:
              - file: \(data)/parcels.shp
                encoding: GBK
                rename: {safety_gra: safety_grade, planned_ac: planned_action}
              - file: \(data)/planning_constraints.gpkg
              - file: \(data)/facilities.csv
                crs: GCJ02
              - file: \(data)/streets.geojson
            coverage: {mode: straight}
            eligibility: {to: ["080701"]}
            units:
              \(units)
            report: \(dir.path("report.md"))
            \(extra)
            """
        let path = dir.path("project.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("run: every stage in order with its timing, result layers written, report and map beside the store")
    func batchRun() throws {
        let dir = try TemporaryDirectory()
        let r = try CLI.run(["run", try Self.project(in: dir)])
        #expect(r.status == 0, "\(r.stderr)")
        let stages = r.stderrLines.filter { $0.hasPrefix("== ") }
        #expect(stages == ["== import", "== coverage (straight)", "== conflicts", "== eligibility", "== units", "== checkup", "== report"])
        #expect(r.stderr.contains("imported: parcels (1324)"))
        let report = try String(contentsOfFile: dir.path("report.md"), encoding: .utf8)
        #expect(report.contains("## Units ranked by need") && report.contains("![units](report_units.svg)") && report.contains("问题清单"))
        let svg = try String(contentsOfFile: dir.path("report_units.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<path"))
        // The map a report needs: title, legend, scale bar, north arrow, a CJK font named.
        for part in ["更新单元与体检问题分布图", "图例", "历史文化保护范围", "主要道路", "需关注单元", ">北<", " 米<", "Noto Sans CJK SC"] {
            #expect(svg.contains(part), "the map lacks \(part)")
        }
        // The Chinese HTML report with the map inline and the health check's tables, printed to PDF.
        let html = try String(contentsOfFile: dir.path("report.html"), encoding: .utf8)
        for part in ["<html lang=\"zh-CN\">", "城市体检与城市更新单元报告", "二、全域体检指标", "公园绿地服务半径覆盖率", "五、问题清单", "<svg"] {
            #expect(html.contains(part), "the report lacks \(part)")
        }
        let pdf = try Data(contentsOf: URL(fileURLWithPath: dir.path("report.pdf")))
        #expect(pdf.starts(with: Array("%PDF-".utf8)) && pdf.count > 10_000, "a PDF printed by chromium (make test installs it)")
        #expect(FileManager.default.fileExists(atPath: dir.path("report_checkup.xlsx")))
        let layers = try CLI.run(["layers", "--store", testStore(dir, "p.sqlite")]).stdout
        for name in ["coverage_parcels", "conflicts", "eligibility", "renewal_units", "unit_parcels", "checkup_unit", "checkup_grid", "checkup_ledger"] {
            #expect(layers.contains(name), "\(name)")
        }
        // A second run imports nothing (the layers are there) and replaces the results.
        let again = try CLI.run(["run", try Self.project(in: dir)])
        #expect(again.status == 0 && again.stderr.contains("imported: nothing"), "\(again.stderr)")
    }

    @Test("units: the CSV partitions the parcels in units, one row each, need scores within 0…1; the adjacency file lists parcel pairs")
    func unitsCSV() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir)
        #expect(try CLI.run(["coverage", "--store", store]).status == 0)
        #expect(try CLI.run(["conflicts", "--store", store]).status == 0)
        let r = try CLI.run(["units", "--store", store, "--min-ha", "8", "--max-ha", "30", "--seed", "3",
                             "--csv", dir.path("u.csv"), "--adjacency", dir.path("a.csv"), "--geojson", dir.path("u.geojson")])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try String(contentsOfFile: dir.path("u.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows[0] == ["parcel_id", "unit_id", "need_score"])
        let ids = rows.dropFirst().map { $0[0] }
        #expect(Set(ids).count == ids.count, "a parcel in two units")
        #expect(ids.count == 1301, "1,324 parcels less 23 of water and roads")
        #expect(rows.dropFirst().allSatisfy { (0...1).contains(Double($0[2]) ?? -1) && $0[1].hasPrefix("U") })
        let pairs = try String(contentsOfFile: dir.path("a.csv"), encoding: .utf8).split(separator: "\n")
        #expect(pairs.first == "parcel_a,parcel_b" && pairs.count > 1000)
        let geojson = try String(contentsOfFile: dir.path("u.geojson"), encoding: .utf8)
        #expect(geojson.contains("\"unit_id\"") && geojson.contains("\"cap_flags\""))
        // Same seed, same units.
        let second = try CLI.run(["units", "--store", store, "--min-ha", "8", "--max-ha", "30", "--seed", "3", "--csv", dir.path("u2.csv")])
        #expect(second.status == 0)
        #expect(try String(contentsOfFile: dir.path("u2.csv"), encoding: .utf8) == String(contentsOfFile: dir.path("u.csv"), encoding: .utf8))
    }

    @Test("Bad input: min above max, a missing layer file, an unknown key (refused with its line), a barrier class no street has (warned)")
    func badInput() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, facilities: false)
        try expectClearFailure(["units", "--store", store, "--min-ha", "60", "--max-ha", "50"], dir: dir, naming: ["--min-ha 60", "--max-ha 50"], "min above max")
        try expectClearFailure(["run", try Self.project(in: dir, units: "min_ha: 60\n  max_ha: 50")], dir: dir,
                               naming: ["project.yaml", "60.00 ha", "50.00 ha"], "min above max in a project")
        let missing = try Self.project(in: dir).replacingOccurrences(of: "", with: "")
        var text = try String(contentsOfFile: missing, encoding: .utf8)
        text = text.replacingOccurrences(of: "streets.geojson", with: "no_such_streets.geojson")
        try text.write(toFile: missing, atomically: true, encoding: .utf8)
        try expectClearFailure(["run", missing], dir: dir, naming: ["no_such_streets.geojson", "does not exist", "line 9"], "missing layer file")

        let unknown = try CLI.run(["units", "--store", store, "--barrier-class", "boulevard"])
        #expect(unknown.status == 0)
        #expect(unknown.stderr.contains("boulevard") && unknown.stderr.contains("no street"), "\(unknown.stderr)")

        let dir2 = try TemporaryDirectory()
        try expectClearFailure(["run", try Self.project(in: dir2, extra: "colour_scheme: reds")], dir: dir2,
                               naming: ["unknown key colour_scheme", "line 17"], "an unknown key in a project")
    }
}

extension UnitsCLITests {
    @Test("A failing stage stops the run naming the stage and the file, and leaves the previous results in the store")
    func failingStageKeepsResults() throws {
        let dir = try TemporaryDirectory()
        let project = try Self.project(in: dir)
        #expect(try CLI.run(["run", project]).status == 0)
        func count(_ layer: String) throws -> Int? {
            let json = try CLI.run(["layers", "--store", testStore(dir, "p.sqlite"), "--json"]).stdout
            let layers = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
            return layers.first { $0["name"] as? String == layer }?["featureCount"] as? Int
        }
        let conflicts = try count("conflicts"), units = try count("renewal_units")
        #expect(conflicts != nil && units != nil)
        try "rules:\n  - id: X\n    zone: nowhere\n".write(toFile: dir.path("bad_rules.yaml"), atomically: true, encoding: .utf8)
        var text = try String(contentsOfFile: project, encoding: .utf8)
        text = text.replacingOccurrences(of: "coverage: {mode: straight}", with: "coverage: {mode: straight}\nconflicts: {rules: bad_rules.yaml}")
        try text.write(toFile: project, atomically: true, encoding: .utf8)
        let failed = try CLI.run(["run", project])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("stage conflicts failed") && failed.stderr.contains("bad_rules.yaml"), "\(failed.stderr)")
        #expect(try count("conflicts") == conflicts)
        #expect(try count("renewal_units") == units)
    }
}
