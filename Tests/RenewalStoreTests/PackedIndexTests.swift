import Foundation
import GeoFiles
import GeoKernel
import GeoStore
import GRDB
import Testing
import TestSupport
@testable import RenewalStore

/// The spatial index a layer is written with is packed (STR) into the R*Tree's shadow tables;
/// SQLite and SpatiaLite must see a well-formed tree that answers box queries like a scan.
@Suite struct PackedIndexTests {
    /// Writes a result layer of `count` small random squares (seeded) and returns the store.
    func layer(count: Int, seed: UInt64, in dir: TemporaryDirectory) throws -> SpatialStore {
        var random = SeededRandom(seed: seed)
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        let spec = ResultLayerSpec(name: "squares", fields: [FieldInfo(name: "n", type: .integer)], kind: .polygon, producedBy: "test")
        try store.writeResults([spec]) { _, sink in
            for n in 0..<count {
                let x = random.uniform(106.4, 106.7), y = random.uniform(29.4, 29.7), side = random.uniform(0.00001, 0.002)
                let ring = [Position(x, y), Position(x + side, y), Position(x + side, y + side), Position(x, y + side), Position(x, y)]
                try sink.append([.int(Int64(n))], geometry: .polygon([ring]))
            }
        }
        return store
    }

    @Test("Packed trees of 1 to 20,000 rows pass rtreecheck and CheckSpatialIndex and answer boxes like a scan",
          arguments: [1, 51, 52, 2_700, 20_000])
    func packedTreeIsSound(count: Int) throws {
        let seed = UInt64(20_251_123 + count)
        print("PackedIndexTests seed \(seed)")
        let dir = try TemporaryDirectory()
        let store = try layer(count: count, seed: seed, in: dir)
        var random = SeededRandom(seed: seed ^ 0xABCD)
        try store.write { db in
            #expect(try String.fetchOne(db, sql: "SELECT rtreecheck('idx_squares_geom')") == "ok")
            #expect(try Int.fetchOne(db, sql: "SELECT CheckSpatialIndex('squares', 'geom')") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM idx_squares_geom") == count)
            for _ in 0..<20 {
                let x = random.uniform(106.4, 106.7), y = random.uniform(29.4, 29.7), w = random.uniform(0.001, 0.05)
                // Stored boxes are rounded outwards to single precision, so the index may also offer a row
                // whose envelope misses the box by less than that rounding; the exact test removes it.
                let viaIndex = try Int.fetchAll(db, sql: """
                    SELECT fid FROM squares WHERE fid IN (SELECT pkid FROM idx_squares_geom WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?)
                    AND MbrIntersects(geom, BuildMbr(?, ?, ?, ?)) ORDER BY fid
                    """, arguments: [x, x + w, y, y + w, x, y, x + w, y + w])
                let viaScan = try Int.fetchAll(db, sql: "SELECT fid FROM squares WHERE MbrIntersects(geom, BuildMbr(?, ?, ?, ?)) ORDER BY fid",
                                               arguments: [x, y, x + w, y + w])
                #expect(viaIndex == viaScan, "seed \(seed): box at \(x), \(y) size \(w)")
            }
        }
        // The tree stays sound through SpatiaLite's own triggers afterwards: inserts (with node
        // splits on full packed nodes) and deletes.
        try store.write { db in
            for k in 0..<200 {
                let x = 106.4 + Double(k) * 0.0013
                try db.execute(sql: "INSERT INTO squares (n, geom) VALUES (?, CastToMulti(BuildMbr(?, 29.5, ?, 29.501, 4490)))", arguments: [-k, x, x + 0.001])
            }
            try db.execute(sql: "DELETE FROM squares WHERE fid % 3 = 0")
        }
        try store.write { (db: Database) throws in
            #expect(try String.fetchOne(db, sql: "SELECT rtreecheck('idx_squares_geom')") == "ok")
            #expect(try Int.fetchOne(db, sql: "SELECT CheckSpatialIndex('squares', 'geom')") == 1)
        }
    }

    @Test("Boxes are rounded outwards to single precision: a stored box always contains its envelope")
    func outwardRounding() {
        for value in [106.573_123_456_789, -0.1, 29.555_555_555_5, 1e-9, 0, 123_456.789] {
            #expect(Double(RTreePacker.down(value)) <= value)
            #expect(Double(RTreePacker.up(value)) >= value)
            #expect(Double(RTreePacker.up(value)) - Double(RTreePacker.down(value)) <= max(abs(value), 1e-30) * 2.5e-7)
        }
    }
}
