import Dispatch
import Foundation
import GeoFiles
import GeoKernel
import RenewalRunner
import GRDB
import Testing
@testable import RenewalStore

/// The import defects found by the attack campaign of issue 14 (malformed files, kills): each is
/// now refused with an error naming the file (and feature and column), or repaired and counted.
/// Every file here is made by the test itself (hand-written text or the project's own writer).
@Suite struct ImportDefectTests {
    static func importFile(_ file: String, into store: SpatialStore, replace: Bool = false, layer: String? = nil) throws -> ImportReport {
        let source = try VectorSource(path: file)
        let sourceLayer = try layer.map { try source.layer(named: $0) } ?? source.layers()[0]
        return try LayerImporter.importLayer(sourceLayer, into: store, options: ImportOptions(layerName: "parcels", replace: replace))
    }

    /// GDAL's R*Tree triggers call SpatiaLite functions a plain connection lacks; the tests edit attributes only.
    static func dropTriggers(_ db: Database) throws {
        for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
            try db.execute(sql: "DROP TRIGGER \"\(name)\"")
        }
    }

    @Test("A CSV with more than 2,000 columns is refused naming the file, not cut to its first 2,000 without a word")
    func wideCSVIsRefused() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("wide.csv")
        let columns = 2_500
        var text = "lon,lat," + (1...columns).map { "c\($0)" }.joined(separator: ",") + "\n"
        for row in 0..<2 { text += "106.57,29.56," + (1...columns).map { String($0 + row) }.joined(separator: ",") + "\n" }
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        let error = #expect(throws: FileError.self) { try Self.importFile(file, into: store) }
        #expect(error?.path == file)
        #expect("\(error.map { "\($0)" } ?? "no error")".contains("2500 attribute columns") && "\(error.map { "\($0)" } ?? "no error")".contains("c1999"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("store.sqlite")), "nothing was imported, so no store appears")

        // As many columns as a layer holds import whole.
        let fits = dir.path("fits.csv")
        let n = LayerImporter.maximumFields
        try ("lon,lat," + (1...n).map { "c\($0)" }.joined(separator: ",") + "\n106.57,29.56," + (1...n).map(String.init).joined(separator: ",") + "\n")
            .write(toFile: fits, atomically: true, encoding: .utf8)
        let report = try Self.importFile(fits, into: store)
        #expect(try store.fields(of: report.record.name).count == n)
        #expect(try Fixtures.storeFeatures(store, "parcels")[0]["c\(n)"]?.number == Double(n))
    }

    @Test("A Shapefile without its .dbf is refused naming the missing file, even with --replace over a full layer")
    func shapefileWithoutDBFIsRefused() throws {
        let dir = try TemporaryDirectory()
        let shp = dir.path("parcels.shp")
        try Fixtures.write((1...3).map { Fixtures.parcel($0) }, to: shp)
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        _ = try Self.importFile(shp, into: store)
        try FileManager.default.removeItem(atPath: dir.path("parcels.dbf"))
        let error = #expect(throws: FileError.self) { try Self.importFile(shp, into: store, replace: true) }
        #expect("\(error.map { "\($0)" } ?? "no error")".contains("parcels.dbf is missing") && "\(error.map { "\($0)" } ?? "no error")".hasPrefix(shp))
        // The layer keeps its attributes.
        let kept = try Fixtures.storeFeatures(store, "parcels")
        #expect(kept.count == 3 && kept.allSatisfy { $0["parcel_id"]?.text?.hasPrefix("YZ") == true })
    }

    @Test("Unclosed rings are closed and counted as repaired, not stored invalid with \"0 repaired\"",
          arguments: ["geojson", "csv"])
    func unclosedRingsAreRepairedAndCounted(format: String) throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("open.\(format)")
        let open = "106.57 29.56, 106.571 29.56, 106.571 29.561, 106.57 29.561"   // 4 corners, first not repeated
        switch format {
        case "geojson":
            try """
                {"type": "FeatureCollection", "features": [
                  {"type": "Feature", "properties": {"parcel_id": "OPEN1"}, "geometry": {"type": "Polygon", "coordinates":
                    [[[106.57, 29.56], [106.571, 29.56], [106.571, 29.561], [106.57, 29.561]]]}},
                  {"type": "Feature", "properties": {"parcel_id": "CLOSED2"}, "geometry": {"type": "Polygon", "coordinates":
                    [[[106.58, 29.56], [106.581, 29.56], [106.581, 29.561], [106.58, 29.56]]]}}]}
                """.write(toFile: file, atomically: true, encoding: .utf8)
        default:
            try "parcel_id,wkt\nOPEN1,\"POLYGON((\(open)))\"\nCLOSED2,\"POLYGON((106.58 29.56, 106.581 29.56, 106.581 29.561, 106.58 29.56))\"\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
        }
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        let report = try Self.importFile(file, into: store)
        #expect(report.record.repairedCount == 1)
        #expect(report.record.featureCount == 2)
        #expect(report.warnings.contains { $0.contains("Unclosed ring") && $0.contains(format == "csv" ? "line 2" : "parcel_id=OPEN1") })
        let invalid = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM parcels WHERE ST_IsValid(geom) IS NOT 1") }
        #expect(invalid == 0)
        let stored = try Fixtures.storeFeatures(store, "parcels")[0].geometry!
        #expect(stored.firstUnclosedRing == nil)
        #expect(abs(PlanarArea.of(stored) - 1e-6) < 1e-12, "the square, closed")
    }

    @Test("Invalid UTF-8 is refused naming the line and column, not turned into U+FFFD",
          arguments: ["csv", "geojson", "gpkg"])
    func invalidUTF8IsRefused(format: String) throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("bad.\(format)")
        let bad: [UInt8] = [0xE8, 0xA7, 0xA3, 0xC3, 0x28]   // 解 then a broken two-byte sequence
        switch format {
        case "csv":
            let bytes = Array("parcel_id,name,lon,lat\nP1,ok,106.57,29.56\nP2,".utf8) + bad + Array(",106.58,29.56\n".utf8)
            try Data(bytes).write(to: URL(fileURLWithPath: file))
        case "geojson":
            let bytes = Array(#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"parcel_id": "P1", "name": ""#.utf8)
                + bad + Array(#""}, "geometry": {"type": "Point", "coordinates": [106.57, 29.56]}}]}"#.utf8)
            try Data(bytes).write(to: URL(fileURLWithPath: file))
        default:
            try Fixtures.write([Fixtures.parcel(1), Fixtures.parcel(2)], to: file)
            let queue = try DatabaseQueue(path: file)
            try queue.write { db in
                try Self.dropTriggers(db)
                try db.execute(sql: "UPDATE parcels SET name = CAST(? AS TEXT) WHERE parcel_id = 'YZ0002'", arguments: [Data(bad)])
            }
            try queue.close()
        }
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        let error = #expect(throws: FileError.self) { try Self.importFile(file, into: store) }
        let text = "\(error.map { "\($0)" } ?? "no error")"
        #expect(text.hasPrefix(file) && text.contains("column name") && text.contains("not valid UTF-8"), "\(text)")
        #expect(text.contains(format == "csv" ? "line 3" : format == "gpkg" ? "feature 2" : "feature 1"), "\(text)")
    }

    @Test("A NUL character is refused naming the file, not allowed to cut the text short", arguments: ["csv", "geojson", "gpkg"])
    func nulIsRefused(format: String) throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("nul.\(format)")
        switch format {
        case "csv":
            try Data(Array("parcel_id,name,lon,lat\nP1,before".utf8) + [0] + Array("after,106.57,29.56\n".utf8)).write(to: URL(fileURLWithPath: file))
        case "geojson":
            try #"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"parcel_id": "P1", "name": "before\u0000after", "path": "C:\\u0000"}, "geometry": {"type": "Point", "coordinates": [106.57, 29.56]}}]}"#
                .write(toFile: file, atomically: true, encoding: .utf8)
        default:
            try Fixtures.write([Fixtures.parcel(1)], to: file)
            let queue = try DatabaseQueue(path: file)
            try queue.write { db in
                try Self.dropTriggers(db)
                try db.execute(sql: "UPDATE parcels SET name = 'before' || char(0) || 'after'")
            }
            try queue.close()
        }
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        let error = #expect(throws: FileError.self) { try Self.importFile(file, into: store) }
        #expect("\(error.map { "\($0)" } ?? "no error")".hasPrefix(file) && "\(error.map { "\($0)" } ?? "no error")".contains("NUL"), "\(error.map { "\($0)" } ?? "no error")")

        // A backslash followed by "u0000" (an escaped backslash in JSON) is text, not a NUL.
        if format == "geojson" {
            let fine = dir.path("fine.geojson")
            try #"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"parcel_id": "P1", "path": "C:\\u0000"}, "geometry": {"type": "Point", "coordinates": [106.57, 29.56]}}]}"#
                .write(toFile: fine, atomically: true, encoding: .utf8)
            _ = try Self.importFile(fine, into: store)
            #expect(try Fixtures.storeFeatures(store, "parcels")[0]["path"]?.text == #"C:\u0000"#)
        }
    }

    @Test("A FIFO given as input is refused at once instead of blocking forever")
    func fifoIsRefused() throws {
        let dir = try TemporaryDirectory()
        let fifo = dir.path("parcels.geojson")
        #expect(mkfifo(fifo, 0o600) == 0)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Error? = nil
        DispatchQueue.global().async {
            do { _ = try VectorSource(path: fifo) } catch { outcome = error }
            done.signal()
        }
        if done.wait(timeout: .now() + 10) == .timedOut {
            // Unblock the reader (a writer that opens and closes the FIFO ends its read) before failing.
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
            _ = done.wait(timeout: .now() + 10)
            Issue.record("opening a FIFO did not return within 10 s")
            return
        }
        #expect("\(outcome.map { "\($0)" } ?? "no error")".contains("\(fifo): a FIFO"))
    }

    @Test("A kill during the first import into a new store leaves no store at the final path")
    func firstImportIsStaged() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("new.sqlite")
        let file = dir.path("parcels.geojson")
        try Fixtures.write([Fixtures.parcel(1)], to: file)
        // A process killed earlier left its temporary store behind: the next creation removes it.
        let stale = dir.path(".new.sqlite.creating-\(Int32.max - 7)-deadbeef")
        try Data("SQLite format 3\0".utf8).write(to: URL(fileURLWithPath: stale))

        var store: SpatialStore? = try SpatialStore(openOrCreate: path)
        // Until the first import commits — the whole window a kill -9 could hit — nothing is at `path`.
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(try store!.layers().isEmpty)
        _ = try Self.importFile(file, into: store!)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try SpatialStore(openExisting: path).layers().map(\.name) == ["parcels"])
        // Writes after the move go to the file in place.
        _ = try LayerImporter.importLayer(try VectorSource(path: file).layer(named: "parcels"), into: store!,
                                          options: ImportOptions(layerName: "again"))
        #expect(try SpatialStore(openExisting: path).layers().map(\.name) == ["again", "parcels"])
        store = nil
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains("creating") }.isEmpty)

        // A first import that fails leaves neither the store nor its temporary file.
        let other = dir.path("failed.sqlite")
        do {
            let s = try SpatialStore(openOrCreate: other)
            try "not json".write(toFile: dir.path("bad.geojson"), atomically: true, encoding: .utf8)
            #expect(throws: (any Error).self) { try Self.importFile(dir.path("bad.geojson"), into: s) }
        }
        #expect(!FileManager.default.fileExists(atPath: other))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains("creating") }.isEmpty)
    }
}

/// Planar area of a polygonal geometry in its own units (shoelace), holes subtracted.
enum PlanarArea {
    static func of(_ g: Geometry) -> Double {
        func ring(_ r: [Position]) -> Double {
            var twice = 0.0
            for k in 0..<max(0, r.count - 1) { twice += r[k].x * r[k + 1].y - r[k + 1].x * r[k].y }
            return abs(twice) / 2
        }
        func polygon(_ rings: [[Position]]) -> Double { (rings.first.map(ring) ?? 0) - rings.dropFirst().map(ring).reduce(0, +) }
        switch g {
        case .polygon(let rings): return polygon(rings)
        case .multiPolygon(let ps): return ps.map(polygon).reduce(0, +)
        default: return 0
        }
    }
}
