import Foundation
import Testing

/// The same commands on a SpatiaLite file and on a PostGIS database give the same answers, and a
/// PostGIS store that cannot be reached is one clear line that never shows the password.
/// Runs when `RENEWALGIS_TEST_PG` names a database (`make test` starts a throwaway cluster,
/// scripts/pg_test_cluster.sh). Data: the sample of GeoData/ (this project's own synthetic data).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["RENEWALGIS_TEST_PG"].map { !$0.isEmpty } ?? false,
                             "RENEWALGIS_TEST_PG names no database"))
struct PostGISCLITests {
    static var databaseURL: String { ProcessInfo.processInfo.environment["RENEWALGIS_TEST_PG"] ?? "" }

    /// A fresh schema of the test database, with a password in the URL (trust authentication ignores it;
    /// it is there to show that no message repeats it).
    static func freshStore(_ tag: String) -> String {
        let url = databaseURL.replacingOccurrences(of: "postgresql://postgres@", with: "postgresql://postgres:Pa55-not-shown@")
        return url + (url.contains("?") ? "&" : "?") + "schema=cli_\(tag)_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }

    /// Runs the binary and checks it succeeded; returns stdout + stderr.
    @discardableResult
    static func ok(_ arguments: [String]) throws -> String {
        let r = try CLI.run(arguments)
        #expect(r.status == 0, "\(arguments.prefix(2).joined(separator: " ")): \(r.stderr)")
        return r.stdout + r.stderr
    }

    /// CSV text as rows of cells, numbers compared within `tolerance`.
    static func sameCSV(_ a: String, _ b: String, tolerance: Double = 1e-9) -> String? {
        let ra = a.split(separator: "\n"), rb = b.split(separator: "\n")
        guard ra.count == rb.count else { return "\(ra.count) rows against \(rb.count)" }
        for (i, (x, y)) in zip(ra, rb).enumerated() where x != y {
            let cx = x.split(separator: ",", omittingEmptySubsequences: false), cy = y.split(separator: ",", omittingEmptySubsequences: false)
            guard cx.count == cy.count else { return "row \(i + 1): \(x) | \(y)" }
            for (u, v) in zip(cx, cy) where u != v {
                guard let p = Double(u), let q = Double(v), abs(p - q) <= tolerance * max(1, abs(p)) else { return "row \(i + 1): \(x) | \(y)" }
            }
        }
        return nil
    }

    @Test("Import, layers, settings, coverage (straight and walking), conflicts, eligibility, units, export and run: the same answers from SpatiaLite and PostGIS, and no output shows the password")
    func sameAnswersOnBothBackends() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("demo.sqlite"), database = Self.freshStore("same")
        var said = ""
        for store in [file, database] {
            for args in [[sampleDataPath("parcels.shp"), "--encoding", "GBK", "--rename", "safety_gra=safety_grade", "--rename", "planned_ac=planned_action"],
                         [sampleDataPath("planning_constraints.gpkg")], [sampleDataPath("facilities.csv"), "--crs", "GCJ02"],
                         [sampleDataPath("streets.geojson")]] {
                said += try Self.ok(["import"] + args + ["--store", store])
            }
        }
        // The catalogues agree but for the import times.
        func catalogue(_ store: String) throws -> [[String: String]] {
            let rows = try JSONSerialization.jsonObject(with: Data(try Self.ok(["layers", "--store", store, "--json"]).utf8)) as? [[String: Any]] ?? []
            return rows.map { row in row.filter { $0.key != "importedAt" }.mapValues { "\($0)" } }
        }
        #expect(try catalogue(file) == catalogue(database))
        #expect(try catalogue(database).count == 5)

        said += try Self.ok(["settings", "--store", database, "metric_crs", "4545"])
        #expect(try CLI.run(["settings", "--store", database, "metric_crs"]).stdout == "EPSG:4545\n")
        said += try Self.ok(["settings", "--store", database, "--unset", "metric_crs"])

        let runs: [(name: String, arguments: [String])] = [
            ("straight", ["coverage"]),
            ("walking", ["coverage", "--mode", "network"]),
            ("conflicts", ["conflicts"]),
            ("eligibility", ["eligibility", "--to", "080701", "--to", "0702"]),
            ("units", ["units", "--min-ha", "10", "--max-ha", "50", "--seed", "3"]),
        ]
        for run in runs {
            for (tag, store) in [("file", file), ("db", database)] {
                said += try Self.ok(run.arguments + ["--store", store, "--csv", dir.path("\(run.name)_\(tag).csv")])
            }
            let a = try String(contentsOfFile: dir.path("\(run.name)_file.csv"), encoding: .utf8)
            let b = try String(contentsOfFile: dir.path("\(run.name)_db.csv"), encoding: .utf8)
            #expect(a.split(separator: "\n").count > 10, "\(run.name): rows to compare")
            #expect(Self.sameCSV(a, b) == nil, "\(run.name): \(Self.sameCSV(a, b) ?? "")")
        }
        // Result layers read back the same through export.
        for layer in ["coverage_parcels", "conflicts", "renewal_units"] {
            for (tag, store) in [("file", file), ("db", database)] {
                said += try Self.ok(["export", "--store", store, "--layer", layer, dir.path("\(layer)_\(tag).csv")])
            }
            let a = try String(contentsOfFile: dir.path("\(layer)_file.csv"), encoding: .utf8)
            let b = try String(contentsOfFile: dir.path("\(layer)_db.csv"), encoding: .utf8)
            #expect(Self.sameCSV(a, b) == nil, "\(layer): \(Self.sameCSV(a, b) ?? "")")
        }
        #expect(!said.contains("Pa55-not-shown"), "the password was printed")
    }

    @Test("A project whose store is a PostGIS URL runs end to end; its report goes beside the project file")
    func projectOnPostGIS() throws {
        let dir = try TemporaryDirectory()
        let text = """
            store: \(Self.freshStore("run"))
            layers:
              - {file: \(sampleDataPath("parcels.shp")), encoding: GBK, rename: {safety_gra: safety_grade, planned_ac: planned_action}}
              - {file: \(sampleDataPath("planning_constraints.gpkg"))}
              - {file: \(sampleDataPath("facilities.csv")), crs: GCJ02}
              - {file: \(sampleDataPath("streets.geojson"))}
            eligibility: {to: ["080701"]}
            units: {min_ha: 10, max_ha: 50, seed: 1}
            """
        try text.write(toFile: dir.path("shared.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", dir.path("shared.yaml")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.path("shared_report.md")))
        #expect(!(r.stdout + r.stderr).contains("Pa55-not-shown"))
    }

    @Test("Faults are one line naming host and database, never the password: no server, no such database, an existing layer without --replace")
    func faults() throws {
        let dir = try TemporaryDirectory()
        try parcelsGeoJSON(count: 5).write(toFile: dir.path("p.geojson"), atomically: true, encoding: .utf8)
        let cases: [(label: String, store: String, naming: [String])] = [
            ("no server", "postgresql://planner:Pa55-not-shown@127.0.0.1:1/city", ["127.0.0.1:1", "city"]),
            ("no such database", Self.databaseURL.replacingOccurrences(of: "postgresql://postgres@", with: "postgresql://postgres:Pa55-not-shown@")
                .replacingOccurrences(of: "/renewalgis_test", with: "/no_such_db"), ["no_such_db"]),
        ]
        for c in cases {
            for command in [["layers"], ["import", dir.path("p.geojson")], ["coverage"]] {
                let r = try CLI.run(command + ["--store", c.store])
                #expect(r.status == 74, "\(c.label) \(command[0]): \(r.status) \(r.stderr)")
                #expect(r.stderrLines.count == 1, "\(c.label) \(command[0]): \(r.stderr)")
                for word in c.naming { #expect(r.stderr.contains(word), "\(c.label): \(r.stderr) names \(word)") }
                #expect(!r.stderr.contains("Pa55-not-shown"), "\(c.label): \(r.stderr)")
            }
        }
        let store = Self.freshStore("twice")
        try Self.ok(["import", dir.path("p.geojson"), "--store", store])
        let again = try CLI.run(["import", dir.path("p.geojson"), "--store", store])
        #expect(again.status == 65 && again.stderr.contains("--replace"), "\(again.stderr)")
        try Self.ok(["import", dir.path("p.geojson"), "--store", store, "--replace"])
    }
}
