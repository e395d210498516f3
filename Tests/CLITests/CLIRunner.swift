import Foundation
import Testing
@_exported import TestSupport

/// Runs the built `renewalgis` binary (RENEWALGIS_BIN, else .build/debug/renewalgis).
enum CLI {
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["RENEWALGIS_BIN"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/renewalgis").path
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    /// Runs the binary; `environment` adds to (or, with an empty value, removes from) this process's
    /// environment; `directory` is the working directory.
    static func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> Result {
        try runTool(binary, arguments, environment: environment, directory: directory)
    }

    /// Runs any program the same way (bash, unshare, script).
    static func runTool(_ path: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !environment.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v.isEmpty ? nil : v }
            process.environment = env
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a chatty child never blocks on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Starts the binary without waiting (output discarded).
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// The store the CLI suite works in: the SpatiaLite file `name` in `dir`, or, when this run is the
/// PostGIS pass (`RENEWALGIS_TEST_STORE=postgis`, what `make test` does second), a schema of the
/// database at `RENEWALGIS_TEST_PG` named after `dir` and `name`, so the same arguments name the same
/// store every time and the same commands run against both backends.
func testStore(_ dir: TemporaryDirectory, _ name: String) -> String {
    let env = ProcessInfo.processInfo.environment
    guard env["RENEWALGIS_TEST_STORE"] == "postgis" else { return dir.path(name) }
    guard let url = env["RENEWALGIS_TEST_PG"], !url.isEmpty else {
        fatalError("RENEWALGIS_TEST_STORE=postgis needs RENEWALGIS_TEST_PG (scripts/pg_test_cluster.sh url)")
    }
    // FNV-1a of the file's path: a stable schema name per store.
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in dir.path(name).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return url + (url.contains("?") ? "&" : "?") + "schema=t_" + String(hash, radix: 16)
}

/// True in the PostGIS pass of the CLI suite (see `testStore`).
var testingPostGIS: Bool { ProcessInfo.processInfo.environment["RENEWALGIS_TEST_STORE"] == "postgis" }

/// A GeoJSON FeatureCollection of `count` small square parcels around Yuzhong.
func parcelsGeoJSON(count: Int, prefix: String = "P") -> String {
    var s = "{\"type\":\"FeatureCollection\",\"features\":[\n"
    let columns = max(1, Int(Double(count).squareRoot()))
    for i in 0..<count {
        let x = 106.55 + Double(i % columns) * 0.0003, y = 29.54 + Double(i / columns) * 0.0003
        let ring = [(x, y), (x + 0.00025, y), (x + 0.00025, y + 0.00025), (x, y + 0.00025), (x, y)]
            .map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
        s += "{\"type\":\"Feature\",\"properties\":{\"parcel_id\":\"\(prefix)\(i)\",\"land_use\":\"070101\",\"name\":\"地块\(i)\"},"
        s += "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[\(ring)]]}}"
        s += i + 1 < count ? ",\n" : "\n"
    }
    return s + "]}\n"
}

/// A store in `dir` with the sample layers imported as GeoData/project.yaml (`make demo`) imports them (all by default).
func sampleStore(_ dir: TemporaryDirectory, parcels: Bool = true, constraints: Bool = true, facilities: Bool = true,
                 streets: Bool = true) throws -> String {
    let store = testStore(dir, "demo.sqlite")
    var imports: [[String]] = []
    if parcels {
        imports.append([SampleDataTests.geoData("parcels.shp"), "--encoding", "GBK",
                        "--rename", "safety_gra=safety_grade", "--rename", "planned_ac=planned_action"])
    }
    if constraints { imports.append([SampleDataTests.geoData("planning_constraints.gpkg")]) }
    if facilities { imports.append([SampleDataTests.geoData("facilities.csv"), "--crs", "GCJ02"]) }
    if streets { imports.append([SampleDataTests.geoData("streets.geojson")]) }
    for args in imports {
        let r = try CLI.run(["import"] + args + ["--store", store])
        guard r.status == 0 else { throw CLIError(message: "import \(args[0]) failed: \(r.stderr)") }
    }
    return store
}

struct CLIError: Error, CustomStringConvertible { var message: String; var description: String { message } }

/// Runs the binary with `arguments` (plus `option path` when `file` is given, written first into
/// `dir`) and checks it fails with exactly one line on stderr that names each of `words`.
func expectClearFailure(_ arguments: [String], dir: TemporaryDirectory, file: (option: String, name: String, contents: String)? = nil,
                        naming words: [String], _ label: String) throws {
    var args = arguments
    if let file {
        try file.contents.write(toFile: dir.path(file.name), atomically: true, encoding: .utf8)
        args += [file.option, dir.path(file.name)]
    }
    let r = try CLI.run(args)
    #expect(r.status != 0, "\(label)")
    #expect(r.stderrLines.count == 1, "\(label): \(r.stderr)")
    for word in words { #expect(r.stderr.contains(word), "\(label): \(r.stderr) names \(word)") }
}
