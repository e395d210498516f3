import Foundation
@testable import GeoFiles
import GeoKernel
import GRDB
import Testing

/// The direct GeoPackage reader must read exactly what GDAL reads, or leave the file to GDAL.
@Suite struct GeoPackageReaderTests {
    static let fields = [
        FieldInfo(name: "parcel_id", type: .text), FieldInfo(name: "population", type: .integer),
        FieldInfo(name: "far", type: .real), FieldInfo(name: "vacant", type: .boolean), FieldInfo(name: "surveyed", type: .date),
    ]

    /// Features with every plain field type, NULLs, a multipolygon with a hole, a feature without geometry.
    static var features: [Feature] {
        let hole = [Position(106.5702, 29.5552), Position(106.5704, 29.5552), Position(106.5704, 29.5554),
                    Position(106.5702, 29.5554), Position(106.5702, 29.5552)]
        guard case .polygon(let rings) = Fixtures.square(106.57, 29.555) else { return [] }
        let outer = rings[0]
        let shapes: [Geometry?] = [
            .multiPolygon([[outer, hole], [outer.map { Position($0.x + 0.01, $0.y) }]]),
            Fixtures.square(106.58, 29.56), nil, Fixtures.square(106.59, 29.56, size: 0.0005),
        ]
        return shapes.enumerated().map { i, g in
            Feature(properties: [("parcel_id", .string("渝中\(i)")), ("population", i == 1 ? .null : .int(Int64(37 * i))),
                                 ("far", .double(1.25 * Double(i))), ("vacant", .bool(i % 2 == 0)),
                                 ("surveyed", i == 3 ? .null : .string("2025-0\(i + 1)-15"))],
                    geometry: g)
        }
    }

    static func readAll(_ source: VectorSource) throws -> [String: (fields: [FieldInfo], kind: GeometryKind?, crs: CRS?, features: [SourceFeature])] {
        var out: [String: (fields: [FieldInfo], kind: GeometryKind?, crs: CRS?, features: [SourceFeature])] = [:]
        for layer in try source.layers() {
            var features: [SourceFeature] = []
            try layer.forEachFeature { features.append($0) }
            out[layer.name] = (layer.fields, layer.declaredKind, layer.declaredCRS, features)
        }
        return out
    }

    /// Adds a column (an SQL declaration with a default, which fills it) to a GeoPackage's `parcels`
    /// table (an UPDATE would fire the R-tree triggers, which need SpatiaLite's functions).
    static func addColumn(_ declaration: String, to path: String) throws {
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "ALTER TABLE parcels ADD COLUMN \(declaration)")
        }
    }

    @Test("Direct reading and GDAL agree field by field and vertex by vertex",
          arguments: ["written", "planning_constraints.gpkg"])
    func sameAsGDAL(file: String) throws {
        let dir = try TemporaryDirectory()
        var path = sampleDataPath(file)
        if file == "written" {
            path = dir.path("plain.gpkg")
            try Fixtures.write(GeoPackageReaderTests.features, to: path, fields: GeoPackageReaderTests.fields, kind: .multiPolygon)
            // Our writer stores dates as text and booleans as integers; the columns as other tools write them:
            try GeoPackageReaderTests.addColumn("visited DATE DEFAULT '2024-12-05'", to: path)
            try GeoPackageReaderTests.addColumn("listed BOOLEAN DEFAULT 1", to: path)
        }
        let direct = try VectorSource(path: path)
        let throughGDAL = try VectorSource(path: path, throughGDAL: true)
        #expect(direct.readsThroughGDAL == false)
        #expect(direct.layerNames == throughGDAL.layerNames)
        let a = try GeoPackageReaderTests.readAll(direct), b = try GeoPackageReaderTests.readAll(throughGDAL)
        #expect(a.keys.sorted() == b.keys.sorted())
        for name in direct.layerNames {
            let x = try direct.layer(named: name), y = try throughGDAL.layer(named: name)
            #expect(x.featureCountHint == y.featureCountHint && x.featureCount == y.featureCount, "counts of \(name)")
        }
        for (name, layer) in a {
            let other = try #require(b[name])
            #expect(layer.fields == other.fields, "fields of \(name)")
            #expect(layer.kind == other.kind && layer.crs == other.crs, "kind and CRS of \(name)")
            #expect(layer.features.count == other.features.count)
            for (x, y) in zip(layer.features, other.features) {
                #expect(x.index == y.index && x.values == y.values, "values of \(name) feature \(x.index)")
                #expect(x.geometry == y.geometry, "geometry of \(name) feature \(x.index)")
            }
        }
        if file == "written" {
            let features = try #require(a["parcels"]).features
            #expect(features.count == 4)
            #expect(features[2].geometry == nil)
            #expect(features[1].values[1] == .null)
        }
    }

    @Test("A GeoPackage with a DATETIME column is left to GDAL")
    func dateTimeGoesToGDAL() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("stamped.gpkg")
        let fields = [FieldInfo(name: "parcel_id", type: .text)]
        let feature = Feature(properties: [("parcel_id", .string("YZ1"))], geometry: Fixtures.square(106.57, 29.555))
        try Fixtures.write([feature], to: path, fields: fields)
        try GeoPackageReaderTests.addColumn("checked_at DATETIME DEFAULT '2025-03-01T08:30:00.000Z'", to: path)
        let source = try VectorSource(path: path)
        #expect(source.readsThroughGDAL)
        let layer = try source.layer(named: "parcels")
        #expect(layer.fields.last == FieldInfo(name: "checked_at", type: .dateTime))
        var count = 0
        try layer.forEachFeature { _ in count += 1 }
        #expect(count == 1)
    }
}
