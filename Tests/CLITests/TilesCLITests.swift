import Foundation
import Testing
import TestSupport

/// `renewalgis tiles` against the built binary, on the sample (GeoData/, synthetic, CC0) in the run's
/// backend: an MBTiles file GDAL reads, the same tiles as a directory, and clear refusals.
@Suite struct TilesCLITests {
    /// Tile 16/27131/52169 (row from the north) holds some of the sample's parcels.
    static let (zoom, row, column) = (16, 27131, 52169)

    @Test("MBTiles and a z/x/y directory of the same tiles: GDAL reads the MBTiles, its tile (gunzipped) is the directory's, and the directory's tile decodes to the parcels there")
    func mbtilesAndDirectory() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, constraints: false, facilities: false)
        let mbtiles = dir.path("parcels.mbtiles"), folder = dir.path("tiles")
        for out in [mbtiles, folder] {
            let r = try CLI.run(["tiles", "--store", store, "--out", out, "--layers", "parcels,streets", "--minzoom", "14", "--maxzoom", "16"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("wrote ") && r.stderr.contains("parcels 14–16"), "\(r.stderr)")
        }
        // GDAL's MBTiles driver sees both layers.
        let info = try CLI.runTool("/usr/bin/env", ["ogrinfo", "-ro", "-so", mbtiles])
        #expect(info.status == 0 && info.stdout.contains("parcels") && info.stdout.contains("streets"), "\(info.stdout)\(info.stderr)")
        // The MBTiles row counts from the south; its blob is gzip.
        let tms = (1 << Self.zoom) - 1 - Self.row
        let hex = try CLI.runTool("/usr/bin/env", ["sqlite3", mbtiles,
            "SELECT hex(tile_data) FROM tiles WHERE zoom_level = \(Self.zoom) AND tile_column = \(Self.column) AND tile_row = \(tms)"])
        let packed = Self.bytes(hex: hex.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(packed.prefix(2) == [0x1f, 0x8b])
        try Data(packed).write(to: URL(fileURLWithPath: dir.path("tile.gz")))
        let gunzip = try CLI.runTool("/bin/sh", ["-c", "gunzip -c '\(dir.path("tile.gz"))' | od -An -v -tx1 | tr -d ' \\n'"])
        let plain = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(Self.zoom)/\(Self.column)/\(Self.row).pbf"))
        #expect(gunzip.stdout == plain.map { String(format: "%02x", $0) }.joined(), "the MBTiles tile and the directory's differ")
        let decoded = try CLI.runTool("/usr/bin/env", ["ogrinfo", "-ro", "-al", "-so", "-oo", "CLIP=NO", "\(folder)/\(Self.zoom)/\(Self.column)/\(Self.row).pbf", "parcels"])
        let count = decoded.stdout.components(separatedBy: "\n").first { $0.hasPrefix("Feature Count:") }
        #expect((count.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0) > 20, "\(decoded.stdout)")
        #expect(FileManager.default.fileExists(atPath: folder + "/metadata.json"))
    }

    @Test("Bad requests get one clear line: zooms out of range or reversed, an unknown layer, an existing output")
    func refusals() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, constraints: false, facilities: false, streets: false)
        try expectClearFailure(["tiles", "--store", store, "--out", dir.path("a.mbtiles"), "--maxzoom", "23"], dir: dir, naming: ["--maxzoom", "0–22"], "zoom out of range")
        try expectClearFailure(["tiles", "--store", store, "--out", dir.path("a.mbtiles"), "--minzoom", "15", "--maxzoom", "14"], dir: dir, naming: ["--minzoom 15", "14"], "zooms reversed")
        try expectClearFailure(["tiles", "--store", store, "--out", dir.path("a.mbtiles"), "--layers", "parcles"], dir: dir, naming: ["parcles", "parcels"], "unknown layer")
        #expect(!FileManager.default.fileExists(atPath: dir.path("a.mbtiles")))
        let first = try CLI.run(["tiles", "--store", store, "--out", dir.path("b.mbtiles"), "--minzoom", "14", "--maxzoom", "14"])
        #expect(first.status == 0, "\(first.stderr)")
        try expectClearFailure(["tiles", "--store", store, "--out", dir.path("b.mbtiles"), "--minzoom", "14", "--maxzoom", "14"], dir: dir, naming: ["b.mbtiles", "--replace"], "existing output")
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex, let j = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex) {
            out.append(UInt8(hex[i..<j], radix: 16) ?? 0)
            i = j
        }
        return out
    }
}
