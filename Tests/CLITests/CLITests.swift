import Foundation
import Testing

@Suite(.serialized) struct CLITests {
    @Test("--version and every subcommand's --help (with an example)")
    func helpAndVersion() throws {
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        for command in ["import", "layers", "export"] {
            let help = try CLI.run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("renewalgis \(command)"), "\(command) --help shows an example")
        }
    }

    @Test("import → layers → export → re-import: counts and catalogue agree")
    func importLayersExport() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("parcels.geojson"), store = testStore(dir, "s.sqlite")
        try parcelsGeoJSON(count: 50).write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try CLI.run(["import", file, "--store", store])
        #expect(imported.status == 0, "\(imported.stderr)")
        let layers = try CLI.run(["layers", "--store", store, "--json"])
        let catalogue = try JSONSerialization.jsonObject(with: Data(layers.stdout.utf8)) as? [[String: Any]]
        #expect(catalogue?.first?["name"] as? String == "parcels")
        #expect(catalogue?.first?["featureCount"] as? Int == 50)
        #expect(catalogue?.first?["geometryType"] as? String == "MULTIPOLYGON")
        for out in ["gk.gpkg", "amap.csv", "copy.shp", "copy.geojson"] {
            let crs = out == "amap.csv" ? "GCJ02" : out == "gk.gpkg" ? "EPSG:4545" : "EPSG:4490"
            let exported = try CLI.run(["export", "--store", store, "--layer", "parcels", "--crs", crs, dir.path(out)])
            #expect(exported.status == 0, "\(exported.stderr)")
            var args = ["import", dir.path(out), "--store", store, "--as", "back_" + out.replacingOccurrences(of: ".", with: "_")]
            if crs == "GCJ02" { args += ["--crs", "GCJ02"] }
            let back = try CLI.run(args)
            #expect(back.status == 0, "\(back.stderr)")
            #expect(back.stdout.contains("back_"))
        }
        let all = try CLI.run(["layers", "--store", store])
        #expect(all.stdout.split(separator: "\n").filter { !$0.hasPrefix(" ") }.count == 2 + 5, "header, rule, 5 layers (a long source wraps): \(all.stdout)")
    }

    /// Each case: files to create, arguments (STORE = the store path), and what the one error line must name.
    struct BadInput: CustomStringConvertible, Sendable {
        var name: String
        var files: [String: String]
        var arguments: [String]
        var mustName: [String]
        var description: String { name }
    }

    static let badInputs: [BadInput] = [
        BadInput(name: "malformed GeoJSON", files: ["broken.geojson": "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","],
                 arguments: ["import", "DIR/broken.geojson", "--store", "STORE"], mustName: ["broken.geojson", "GeoJSON"]),
        BadInput(name: "CSV with bad WKT on line 3", files: ["bad.csv": "id,wkt\n1,POINT (106.5 29.5)\n2,POLYGON ((106.5 29.5, broken\n3,POINT (106.6 29.6)\n"],
                 arguments: ["import", "DIR/bad.csv", "--store", "STORE"], mustName: ["bad.csv", "line 3", "WKT"]),
        BadInput(name: "unknown --crs", files: ["ok.geojson": parcelsGeoJSON(count: 3)],
                 arguments: ["import", "DIR/ok.geojson", "--store", "STORE", "--crs", "EPSG:999999"], mustName: ["EPSG:999999", "CRS"]),
        BadInput(name: "unknown --crs text", files: ["ok.geojson": parcelsGeoJSON(count: 3)],
                 arguments: ["import", "DIR/ok.geojson", "--store", "STORE", "--crs", "Beijing54ish"], mustName: ["Beijing54ish"]),
        BadInput(name: "unknown layer in a GeoPackage", files: [:],
                 arguments: ["import", "DIR/two.gpkg", "--layer", "nope", "--store", "STORE"], mustName: ["two.gpkg", "nope", "parcels"]),
        BadInput(name: "missing file", files: [:],
                 arguments: ["import", "DIR/missing.geojson", "--store", "STORE"], mustName: ["missing.geojson"]),
        BadInput(name: "a store that is not a SQLite file", files: ["notes.sqlite": "this is not a database\n", "ok.geojson": parcelsGeoJSON(count: 3)],
                 arguments: ["import", "DIR/ok.geojson", "--store", "DIR/notes.sqlite"], mustName: ["notes.sqlite", "not a SQLite"]),
        BadInput(name: "an unwritable store path", files: ["ok.geojson": parcelsGeoJSON(count: 3)],
                 arguments: ["import", "DIR/ok.geojson", "--store", "/proc/renewalgis-test.sqlite"], mustName: ["/proc/renewalgis-test.sqlite"]),
        BadInput(name: "unknown layer in the store", files: [:],
                 arguments: ["export", "--store", "STORE", "--layer", "nope", "DIR/out.geojson"], mustName: ["nope", "parcels"]),
        BadInput(name: "layers of a missing store", files: [:],
                 arguments: ["layers", "--store", "DIR/none.sqlite"], mustName: ["none.sqlite"]),
    ]

    @Test("Bad input exits non-zero with one clear line naming the file and the place, and leaves the store unchanged",
          arguments: badInputs)
    func badInput(_ bad: BadInput) throws {
        let dir = try TemporaryDirectory()
        let store = dir.path("store.sqlite")
        // A store with one layer, to check it is left byte-for-byte unchanged.
        try parcelsGeoJSON(count: 20).write(toFile: dir.path("parcels.geojson"), atomically: true, encoding: .utf8)
        #expect(try CLI.run(["import", dir.path("parcels.geojson"), "--store", store]).status == 0)
        #expect(try CLI.run(["export", "--store", store, "--layer", "parcels", dir.path("two.gpkg")]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        for (name, text) in bad.files { try text.write(toFile: dir.path(name), atomically: true, encoding: .utf8) }

        let args = bad.arguments.map { $0.replacingOccurrences(of: "STORE", with: store).replacingOccurrences(of: "DIR", with: dir.url.path) }
        let result = try CLI.run(args)
        #expect(result.status != 0)
        #expect(result.stderrLines.count == 1, "one line, got: \(result.stderr)")
        let line = result.stderrLines.first ?? ""
        #expect(line.hasPrefix("renewalgis: error: "))
        for word in bad.mustName { #expect(line.contains(word), "\(bad.name): \"\(line)\" names \(word)") }
        for crashSign in ["Fatal error", "Stack dump", "backtrace", "Segmentation"] { #expect(!result.stderr.contains(crashSign)) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before, "store unchanged")
    }

    @Test("A truncated .shp is an error naming the file and feature, store unchanged")
    func truncatedShapefile() throws {
        let dir = try TemporaryDirectory()
        let store = dir.path("store.sqlite")
        try parcelsGeoJSON(count: 200).write(toFile: dir.path("parcels.geojson"), atomically: true, encoding: .utf8)
        #expect(try CLI.run(["import", dir.path("parcels.geojson"), "--store", store]).status == 0)
        #expect(try CLI.run(["export", "--store", store, "--layer", "parcels", dir.path("cut.shp")]).status == 0)
        let shp = URL(fileURLWithPath: dir.path("cut.shp"))
        let bytes = try Data(contentsOf: shp)
        try bytes.prefix(bytes.count / 2).write(to: shp)
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        let result = try CLI.run(["import", shp.path, "--store", store])
        #expect(result.status != 0)
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("cut.shp"))
        #expect(result.stderr.contains("feature"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)
    }

    @Test("An import killed with SIGKILL mid-way leaves the store's layers and counts unchanged")
    func killedImport() throws {
        let dir = try TemporaryDirectory()
        let store = dir.path("store.sqlite"), big = dir.path("big.geojson")
        try parcelsGeoJSON(count: 30).write(toFile: dir.path("small.geojson"), atomically: true, encoding: .utf8)
        #expect(try CLI.run(["import", dir.path("small.geojson"), "--store", store]).status == 0)
        try parcelsGeoJSON(count: 150_000).write(toFile: big, atomically: true, encoding: .utf8)
        let before = try CLI.run(["layers", "--store", store, "--json"]).stdout

        let process = try CLI.start(["import", big, "--store", store])
        // Wait until the import's write transaction has begun (SQLite's rollback journal exists), then kill it.
        let journal = store + "-journal"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: journal) && process.isRunning && Date() < deadline { usleep(2_000) }
        usleep(150_000)
        #expect(process.isRunning, "the import was still running when killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let after = try CLI.run(["layers", "--store", store, "--json"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout == before)
        let export = try CLI.run(["export", "--store", store, "--layer", "small", dir.path("check.geojson")])
        #expect(export.stderr.contains("exported 30 features"))
        #expect(try CLI.run(["export", "--store", store, "--layer", "big", dir.path("none.geojson")]).status != 0)
    }

    @Test("A first import into a new store killed with SIGKILL leaves no store at the final path (it left an empty one), and the next import starts clean")
    func killedFirstImportLeavesEmptyStore() throws {
        let dir = try TemporaryDirectory()
        let store = dir.path("new.sqlite"), big = dir.path("big.geojson")
        try parcelsGeoJSON(count: 150_000).write(toFile: big, atomically: true, encoding: .utf8)
        let process = try CLI.start(["import", big, "--store", store])
        // Wait until the new store's staging file exists (the import is writing), then kill it.
        let deadline = Date().addingTimeInterval(60)
        func staging() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: dir.url.path)) ?? []).filter { $0.hasPrefix(".new.sqlite.creating-") }
        }
        while staging().isEmpty && process.isRunning && Date() < deadline { usleep(2_000) }
        usleep(150_000)
        #expect(process.isRunning, "the import was still running when killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(!FileManager.default.fileExists(atPath: store), "a store was left at the final path")
        #expect(try CLI.run(["layers", "--store", store]).status != 0, "layers found a store that no import completed")

        // The next import creates the store and removes the dead process's staging files.
        try parcelsGeoJSON(count: 30).write(toFile: dir.path("small.geojson"), atomically: true, encoding: .utf8)
        let again = try CLI.run(["import", dir.path("small.geojson"), "--store", store])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(staging().isEmpty, "left behind: \(staging())")
    }
}
