import Foundation
import GeoFiles
import GeoKernel
import RenewalRunner
import GRDB
import Testing
@testable import RenewalStore
import GeoStore

@Suite struct ImportTests {
    static let features = (1...6).map { Fixtures.parcel($0) }

    /// Every format a planner receives, each in the CRS it typically arrives in.
    enum Case: String, CaseIterable, CustomStringConvertible {
        case geoJSON, geoPackage, shapefileGKGBK, csvWKT, csvPointsGCJ02
        var description: String { rawValue }
    }

    @Test("Each format imports with attributes intact (Chinese text, codes with leading zeros) and lines up to the centimetre",
          arguments: Case.allCases)
    func formatRoundTrip(format: Case) throws {
        let dir = try TemporaryDirectory()
        var features = ImportTests.features
        var kind = GeometryKind.polygon
        var crs = CRS.cgcs2000
        var encoding: String? = nil
        let file: String
        switch format {
        case .geoJSON: file = dir.path("parcels.geojson"); crs = .wgs84
        case .geoPackage: file = dir.path("parcels.gpkg")
        case .shapefileGKGBK: file = dir.path("parcels.shp"); crs = .epsg(4545); encoding = "GBK"
        case .csvWKT: file = dir.path("parcels.csv")
        case .csvPointsGCJ02:
            file = dir.path("parcels.csv"); crs = .gcj02; kind = .point
            features = features.map { f in var f = f; f.geometry = .point(f.geometry!.envelope!.center); return f }
        }
        try Fixtures.write(features, to: file, kind: kind, crs: crs, encoding: encoding)
        if format == .shapefileGKGBK {
            // Real files often lack the .cpg: the user names the encoding instead.
            try? FileManager.default.removeItem(atPath: dir.path("parcels.cpg"))
        }
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        let source = try VectorSource(path: file, encoding: encoding)
        let layer = try source.layer(named: "parcels")
        let override: CRS? = crs == .gcj02 ? .gcj02 : nil
        let report = try LayerImporter.importLayer(layer, into: store, options: ImportOptions(crs: override))
        #expect(report.record.featureCount == features.count)
        #expect(report.record.sourceCRS == crs.description)

        let stored = try Fixtures.storeFeatures(store, "parcels")
        #expect(stored.count == features.count)
        for (original, back) in zip(features, stored) {
            #expect(back["parcel_id"] == original["parcel_id"])
            #expect(back["land_use"] == original["land_use"], "codes keep their leading zeros")
            #expect(back["name"] == original["name"], "Chinese text survives \(format)")
            #expect(back["population"]?.number == original["population"]?.number)
            #expect(back["far"]?.number == original["far"]?.number)
            let d = maxDistanceMetres(original.geometry!.asMulti.extractingParts(ofDimension: kind.dimension!) ?? original.geometry!,
                                      back.geometry!.asMulti.extractingParts(ofDimension: kind.dimension!) ?? back.geometry!)
            #expect(d < 0.01, "positions agree within 1 cm after \(crs) and back (got \(d) m)")
        }
    }

    @Test("A self-intersecting polygon is repaired with MakeValid and counted")
    func repairCounted() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("parcels.geojson")
        try Fixtures.write([Fixtures.parcel(1), Fixtures.parcel(2, geometry: Fixtures.bowTie)], to: file)
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        let report = try LayerImporter.importLayer(try VectorSource(path: file).layer(named: "parcels"), into: store)
        #expect(report.record.repairedCount == 1)
        #expect(report.record.featureCount == 2)
        #expect(report.warnings.contains { $0.contains("parcel_id=YZ0002") && $0.contains("Self-intersection") })
        let repaired = try Fixtures.storeFeatures(store, "parcels")[1].geometry!
        #expect(try GEOSContext().invalidityReason(repaired) == nil)
        guard case .multiPolygon(let parts) = repaired else { Issue.record("expected MULTIPOLYGON"); return }
        #expect(parts.count == 2)
    }

    @Test("--strict stops at the invalid feature, names it, and writes nothing")
    func strictNamesFeature() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("parcels.geojson")
        try Fixtures.write([Fixtures.parcel(1), Fixtures.parcel(2, geometry: Fixtures.bowTie)], to: file)
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        do {
            _ = try LayerImporter.importLayer(try VectorSource(path: file).layer(named: "parcels"), into: store,
                                              options: ImportOptions(strict: true))
            Issue.record("expected the import to fail")
        } catch {
            #expect("\(error)".contains("feature 2 (parcel_id=YZ0002)"))
            #expect("\(error)".contains("Self-intersection"))
        }
        #expect(try store.layers().isEmpty)
        #expect(try store.read { try $0.tableExists("parcels") } == false)
    }

    @Test("--replace swaps a layer atomically: a failed replacement leaves the old layer as it was")
    func replaceIsAtomic() throws {
        let dir = try TemporaryDirectory()
        let good = dir.path("good.geojson"), bad = dir.path("bad.geojson")
        try Fixtures.write(ImportTests.features, to: good, layer: "good")
        try Fixtures.write([Fixtures.parcel(1), Fixtures.parcel(2, geometry: Fixtures.bowTie)], to: bad, layer: "bad")
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        _ = try LayerImporter.importLayer(try VectorSource(path: good).layer(named: "good"), into: store,
                                          options: ImportOptions(layerName: "parcels"))
        #expect(throws: StoreError.self) {
            try LayerImporter.importLayer(try VectorSource(path: good).layer(named: "good"), into: store, options: ImportOptions(layerName: "parcels"))
        }
        #expect(throws: StoreError.self) {
            try LayerImporter.importLayer(try VectorSource(path: bad).layer(named: "bad"), into: store,
                                          options: ImportOptions(layerName: "parcels", replace: true, strict: true))
        }
        #expect(try store.layer("parcels").featureCount == 6)
        #expect(try Fixtures.storeFeatures(store, "parcels").count == 6)

        let replaced = try LayerImporter.importLayer(try VectorSource(path: bad).layer(named: "bad"), into: store,
                                                     options: ImportOptions(layerName: "parcels", replace: true))
        #expect(replaced.record.featureCount == 2)
        #expect(try Fixtures.storeFeatures(store, "parcels").count == 2)
        // The spatial index was rebuilt for the new rows.
        let indexed = try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM idx_parcels_geom") }
        #expect(indexed == 2)
    }

    @Test("Layers of one file are imported all or nothing")
    func multiLayerAtomic() throws {
        let dir = try TemporaryDirectory()
        let gpkg = dir.path("two.gpkg")
        try Fixtures.write(ImportTests.features, to: gpkg, layer: "parcels")
        let source = try VectorSource(path: gpkg)
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        let layer = try source.layer(named: "parcels")
        // The second layer's name collides with the first: the whole import must roll back.
        #expect(throws: StoreError.self) {
            try LayerImporter.importLayers([(layer, ImportOptions()), (layer, ImportOptions())], into: store)
        }
        #expect(try store.layers().isEmpty)
    }

    @Test("Lon/lat inside China without a CRS is taken as EPSG:4490 with a warning; elsewhere it is an error naming the file")
    func missingCRS() throws {
        let dir = try TemporaryDirectory()
        let inChina = dir.path("pois.csv"), abroad = dir.path("abroad.csv")
        try "id,name,lon,lat\n1,洪崖洞,106.5786,29.5633\n2,朝天门,106.5880,29.5660\n".write(toFile: inChina, atomically: true, encoding: .utf8)
        try "id,name,lon,lat\n1,Tokyo,139.69,35.69\n".write(toFile: abroad, atomically: true, encoding: .utf8)
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        let report = try LayerImporter.importLayer(try VectorSource(path: inChina).layer(named: "pois"), into: store)
        #expect(report.record.sourceCRS == "EPSG:4490")
        #expect(report.warnings.contains { $0.contains("EPSG:4490") && $0.contains("pois.csv") })
        #expect(try Fixtures.storeFeatures(store, "pois")[0]["name"] == .string("洪崖洞"))
        do {
            _ = try LayerImporter.importLayer(try VectorSource(path: abroad).layer(named: "abroad"), into: store)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("abroad.csv") && "\(error)".contains("--crs"))
        }
    }

    @Test("The spatial index is complete and SpatiaLite's triggers are back after the bulk load")
    func spatialIndexAndTriggers() throws {
        let dir = try TemporaryDirectory()
        let store = try Fixtures.storeWithParcels(ImportTests.features, in: dir)
        try store.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT CheckSpatialIndex('parcels', 'geom')") == 1)
            let triggers = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'parcels' ORDER BY name")
            #expect(triggers == ["ggi_parcels_geom", "ggu_parcels_geom", "gid_parcels_geom", "gii_parcels_geom", "giu_parcels_geom",
                                 "tmd_parcels_geom", "tmi_parcels_geom", "tmu_parcels_geom"])
            // A box query through the R*Tree finds exactly the parcels a scan finds.
            let viaIndex = try Int.fetchOne(db, sql: "SELECT count(*) FROM idx_parcels_geom WHERE xmax >= 106.573 AND xmin <= 106.576 AND ymax >= 29.555 AND ymin <= 29.556")
            let viaScan = try Int.fetchOne(db, sql: "SELECT count(*) FROM parcels WHERE MbrIntersects(geom, BuildMbr(106.573, 29.555, 106.576, 29.556))")
            #expect(viaIndex == viaScan && viaScan == 3)
        }
        // Later edits keep the index up to date (the restored triggers work).
        try store.write { db in
            try db.execute(sql: "INSERT INTO parcels (parcel_id, geom) VALUES ('new', CastToMulti(BuildMbr(106.6, 29.6, 106.601, 29.601, 4490)))")
        }
        #expect(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM idx_parcels_geom") } == 7)
        #expect(throws: StoreError.self) {
            try store.write { db in try db.execute(sql: "INSERT INTO parcels (parcel_id, geom) VALUES ('bad', MakePoint(106.6, 29.6, 4490))") }
        }
    }

    @Test("用地用海 codes are checked at import: unknown codes and GB 50137 letters are reported with their features, letters converted on request")
    func landUseCodes() throws {
        let dir = try TemporaryDirectory()
        let csv = dir.path("plots.csv")
        try "parcel_id,land_use,lon,lat\nA,070102,106.57,29.55\nB,0799,106.571,29.55\nC,R2,106.572,29.55\nD,m1,106.573,29.55\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        let checked = try LayerImporter.importLayer(try VectorSource(path: csv).layer(named: "plots"), into: store, options: ImportOptions(crs: .cgcs2000))
        #expect(checked.warnings.contains { $0.contains("1 features have a land_use that is not") && $0.contains("line 3") && $0.contains("0799") })
        #expect(checked.warnings.contains { $0.contains("2 features have GB 50137-2011 letter codes") && $0.contains("\"R2\"") })
        var options = ImportOptions(layerName: "converted", crs: .cgcs2000)
        options.mapGB50137 = true
        let converted = try LayerImporter.importLayer(try VectorSource(path: csv).layer(named: "plots"), into: store, options: options)
        #expect(converted.warnings.contains { $0.contains("converted 2 GB 50137-2011 letter codes") })
        let codes = try Fixtures.storeFeatures(store, "converted").map { $0["land_use"]?.text ?? "" }
        #expect(codes == ["070102", "0799", "070102", "100101"])
    }

    @Test("The metric CRS follows the data: the nearest 3° zone to the layers' centre")
    func metricCRS() throws {
        let dir = try TemporaryDirectory()
        let store = try Fixtures.storeWithParcels(ImportTests.features, in: dir)
        #expect(try store.metricCRS() == .epsg(4545))
    }
}

@Suite struct SpatiaLiteBlobTests {
    static let samples: [Geometry] = [
        .point(Position(106.55, 29.56)),
        .lineString([Position(106.5, 29.5), Position(106.6, 29.6)]),
        .polygon([[Position(0, 0), Position(4, 0), Position(4, 4), Position(0, 0)], [Position(1, 1), Position(2, 1), Position(2, 2), Position(1, 1)]]),
        .multiPoint([Position(1, 2), Position(3, 4)]),
        .multiLineString([[Position(0, 0), Position(1, 1)], [Position(2, 2), Position(3, 3)]]),
        .multiPolygon([[[Position(0, 0), Position(1, 0), Position(1, 1), Position(0, 0)]], [[Position(5, 5), Position(6, 5), Position(6, 6), Position(5, 5)]]]),
        .geometryCollection([.point(Position(1, 1)), .lineString([Position(0, 0), Position(2, 2)])]),
    ]

    @Test("Our blobs read back the same through SpatiaLite (AsBinary) and through our decoder", arguments: samples)
    func roundTrip(_ geometry: Geometry) throws {
        let blob = SpatiaLiteBlob.encode(geometry, srid: 4490, envelope: geometry.envelope!)
        #expect(blob.withUnsafeBytes { SpatiaLiteBlob.decode($0) } == geometry)
        let dir = try TemporaryDirectory()
        let store = try SpatialStore(openOrCreate: dir.path("s.sqlite"))
        let viaSpatiaLite = try store.read { db in try Data.fetchOne(db, sql: "SELECT AsBinary(?)", arguments: [Data(blob)]) }
        #expect(try WKB.decode(try #require(viaSpatiaLite)) == geometry)
        // And a blob SpatiaLite writes itself decodes to what SpatiaLite says it holds.
        let wkb = WKB.encode(geometry)
        let theirs = try store.read { db in try Data.fetchOne(db, sql: "SELECT GeomFromWKB(?, 4490)", arguments: [wkb]) }
        #expect(try #require(theirs).withUnsafeBytes { SpatiaLiteBlob.decode($0) } == geometry)
    }
}
