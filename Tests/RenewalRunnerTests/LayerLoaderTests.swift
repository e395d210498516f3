import Foundation
import GeoFiles
import GeoKernel
import GeoStore
import RenewalRunner
import RenewalStore
import Testing
import TestSupport

/// The jobs' one way to read store layers: checked fields, values asked for, the store's filter,
/// and geometry projected into the metric CRS.
@Suite struct LayerLoaderTests {
    /// A square of `size`° with its lower-left corner at (lon, lat), as GeoJSON coordinates.
    static func square(_ lon: Double, _ lat: Double, size: Double = 0.001) -> String {
        let ring = [(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size), (lon, lat)]
        return "{\"type\":\"Polygon\",\"coordinates\":[[\(ring.map { "[\($0.0),\($0.1)]" }.joined(separator: ","))]]}"
    }

    /// Parcels P1…P5 in EPSG:4490: P1's geometry is set to NULL after the import, P2 has NULL values,
    /// P3's corner is the reference point (106.55, 29.56), P4 is residential, P5 a school site.
    static func store(_ dir: TemporaryDirectory) throws -> SpatialStore {
        let rows: [(String, String, String)] = [
            ("\"P1\"", "\"070101\"", "10"), ("null", "null", "null"), ("\"P3\"", "\"0901\"", "5"),
            ("\"P4\"", "\"070102\"", "7"), ("\"P5\"", "\"0803\"", "0"),
        ]
        let features = rows.enumerated().map { i, row in
            "{\"type\":\"Feature\",\"properties\":{\"parcel_id\":\(row.0),\"land_use\":\(row.1),\"population\":\(row.2)},"
                + "\"geometry\":\(square(106.55 + Double(i == 2 ? 0 : i + 1) * 0.002, 29.56))}"
        }
        let file = dir.path("parcels.geojson")
        try "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}".write(toFile: file, atomically: true, encoding: .utf8)
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        _ = try LayerImporter.importLayer(try VectorSource(path: file).layer(named: "parcels"), into: store)
        try store.write { db in try db.execute(sql: "UPDATE parcels SET geom = NULL WHERE fid = 1") }
        return store
    }

    @Test("A missing required field is named with its layer and the fields the layer has; a missing layer names the layers there are")
    func requiredFields() throws {
        let dir = try TemporaryDirectory()
        let loader = try LayerLoader(store: try Self.store(dir), crs: .epsg(4545))
        do {
            try loader.forEach("parcels", required: ["parcel_id", "height_m"]) { _ in Issue.record("no feature before the check") }
            Issue.record("no error")
        } catch let error as InputError {
            #expect(error.message == "layer parcels has no field height_m (fields: parcel_id, land_use, population)")
        }
        #expect(throws: InputError.self) { try loader.fields(of: "parcels", required: ["land_use", "far"]) }
        #expect(try loader.fields(of: "parcels", required: ["land_use"]).map(\.name) == ["parcel_id", "land_use", "population"])
        do {
            _ = try loader.load("zones")
            Issue.record("no error")
        } catch {
            #expect(!(error is InputError) && "\(error)".contains("zones") && "\(error)".contains("parcels"))
        }
    }

    @Test("Geometry comes projected into the metric CRS (a reference point of EPSG:4545) with the stored EPSG:4490 geometry beside it")
    func projection() throws {
        let dir = try TemporaryDirectory()
        let loader = try LayerLoader(store: try Self.store(dir), crs: .epsg(4545))
        let p3 = try #require(try loader.load("parcels", required: ["parcel_id"], where: { $0["parcel_id"]?.text == "P3" }).first)
        // The store holds polygons as multipolygons.
        guard case .multiPolygon(let metric) = p3.geometry, case .multiPolygon(let stored) = p3.storedGeometry else {
            Issue.record("not a multipolygon: \(p3.geometry)")
            return
        }
        // (106.55, 29.56) in CGCS2000 / 3-degree Gauss-Kruger CM 108E (as ProjectorTests' reference points).
        let corner = try #require(metric[0][0].first { abs($0.x - 359474.0867) < 1 })
        #expect(abs(corner.x - 359474.0867) < 0.001 && abs(corner.y - 3272217.2986) < 0.001)
        #expect(stored[0][0].contains(Position(106.55, 29.56)))
        #expect(loader.crs == .epsg(4545))
    }

    @Test("The store's prefix filter and the exact test narrow the rows; only the fields asked for are read")
    func filter() throws {
        let dir = try TemporaryDirectory()
        let loader = try LayerLoader(store: try Self.store(dir), crs: .epsg(4545))
        var residential = FeatureFilter()
        residential.textPrefixes = [("land_use", "07")]
        let found = try loader.load("parcels", required: ["parcel_id"], optional: ["land_use", "far"], filter: residential)
        // P1 is residential too, but has no geometry.
        #expect(found.map { $0.name(from: "parcel_id") } == ["P4"])
        #expect(found[0].values.map(\.name) == ["parcel_id", "land_use"])
        #expect(found[0]["far"] == nil && found[0]["population"] == nil)
        var seen: [String] = []
        try loader.forEachRow("parcels", optional: ["parcel_id"], filter: residential) { seen.append($0["parcel_id"]?.text ?? "-") }
        #expect(seen == ["P1", "P4"])
        let notSchools = try loader.load("parcels", optional: ["land_use"], where: { $0["land_use"]?.text?.hasPrefix("08") != true })
        #expect(notSchools.count == 3)
    }

    @Test("A NULL geometry in the first row is skipped (and kept by forEachRow and the export's stream); NULL values in the next are read as null")
    func nulls() throws {
        let dir = try TemporaryDirectory()
        let loader = try LayerLoader(store: try Self.store(dir), crs: .epsg(4545))
        let all = try loader.load("parcels", required: ["parcel_id", "land_use", "population"], geometry: .polygonal)
        #expect(all.map { $0.id.text } == ["2", "3", "4", "5"])
        let p2 = all[0]
        #expect(p2["parcel_id"] == .null && p2["land_use"] == .null && p2["population"]?.number == nil)
        #expect(p2.name(from: "parcel_id") == "fid 2")
        var rows: [Geometry?] = []
        try loader.forEachRow("parcels") { rows.append($0.geometry) }
        #expect(rows.count == 5 && rows[0] == nil && rows[1] != nil)
        var whole: [Feature] = []
        try loader.forEachFeature(in: "parcels") { whole.append($0) }
        #expect(whole.count == 5 && whole[0].geometry == nil && whole[0]["parcel_id"]?.text == "P1")
        #expect(whole[2].geometry == all[1].geometry)
    }

    @Test("Geometry needs: .any takes every geometry, .nonEmpty and .polygonal only what they name")
    func geometryNeeds() throws {
        #expect(GeometryNeed.any.admits(.multiPoint([])))
        #expect(!GeometryNeed.nonEmpty.admits(.multiPoint([])) && GeometryNeed.nonEmpty.admits(.point(Position(1, 2))))
        #expect(!GeometryNeed.polygonal.admits(.lineString([Position(0, 0), Position(1, 1)])))
        #expect(GeometryNeed.polygonal.admits(.multiPolygon([])))
    }
}
