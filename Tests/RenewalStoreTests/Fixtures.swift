import Foundation
@_exported import TestSupport
import GeoFiles
import GeoKernel
import RenewalRunner
@testable import RenewalStore

/// Small hand-made layers in EPSG:4490 around Jiefangbei, Yuzhong.
enum Fixtures {
    static let parcelFields = [
        FieldInfo(name: "parcel_id", type: .text), FieldInfo(name: "land_use", type: .text),
        FieldInfo(name: "name", type: .text), FieldInfo(name: "population", type: .integer), FieldInfo(name: "far", type: .real),
    ]

    /// A 100 m-ish square parcel at (lon, lat).
    static func square(_ lon: Double, _ lat: Double, size: Double = 0.001) -> Geometry {
        .polygon([[Position(lon, lat), Position(lon + size, lat), Position(lon + size, lat + size),
                   Position(lon, lat + size), Position(lon, lat)]])
    }

    static func parcel(_ i: Int, geometry: Geometry? = nil) -> Feature {
        Feature(properties: [("parcel_id", .string("YZ\(String(format: "%04d", i))")), ("land_use", .string(i % 2 == 0 ? "070101" : "0901")),
                             ("name", .string("解放碑片区地块\(i)")), ("population", .int(Int64(100 * i))), ("far", .double(2.5))],
                geometry: geometry ?? square(106.57 + Double(i) * 0.0015, 29.555))
    }

    static let bowTie = Geometry.polygon([[Position(106.58, 29.56), Position(106.581, 29.561), Position(106.581, 29.56),
                                           Position(106.58, 29.561), Position(106.58, 29.56)]])

    /// Writes `features` (geometry in EPSG:4490) to `path` in `crs`, through the project's own writer.
    static func write(_ features: [Feature], to path: String, layer: String = "parcels", fields: [FieldInfo] = parcelFields,
                      kind: GeometryKind = .polygon, crs: CRS = .cgcs2000, encoding: String? = nil) throws {
        let projector = try Projector(from: .cgcs2000, to: crs)
        let writer = try VectorWriter(path: path, layerName: layer, fields: fields, kind: kind, crs: crs, encoding: encoding)
        for var f in features {
            if var g = f.geometry { try projector.transform(&g); f.geometry = g }
            try writer.write(f)
        }
        try writer.finish()
    }

    /// A new store in `dir` with `features` imported as layer `parcels` (through a GeoJSON file).
    static func storeWithParcels(_ features: [Feature], in dir: TemporaryDirectory) throws -> SpatialStore {
        let file = dir.path("parcels.geojson")
        try write(features, to: file)
        let store = try SpatialStore(openOrCreate: dir.path("store.sqlite"))
        _ = try LayerImporter.importLayer(try VectorSource(path: file).layer(named: "parcels"), into: store)
        return store
    }

    static func storeFeatures(_ store: SpatialStore, _ layer: String) throws -> [Feature] {
        var out: [Feature] = []
        try store.forEachFeature(in: layer) { out.append($0) }
        return out
    }
}

/// Largest distance in metres from any vertex of one EPSG:4490 geometry to the nearest vertex
/// of the other, both ways (a vertex-set Hausdorff distance: ring orientation and start
/// vertex may differ between formats, positions may not).
func maxDistanceMetres(_ a: Geometry, _ b: Geometry) -> Double {
    var pa: [Position] = [], pb: [Position] = []
    a.forEachPosition { pa.append($0) }
    b.forEachPosition { pb.append($0) }
    guard !pa.isEmpty, !pb.isEmpty else { return pa.isEmpty && pb.isEmpty ? 0 : .infinity }
    func metres(_ p: Position, _ q: Position) -> Double {
        hypot((p.x - q.x) * 111_320 * cos(p.y * .pi / 180), (p.y - q.y) * 110_574)
    }
    func directed(_ from: [Position], _ to: [Position]) -> Double {
        from.map { p in to.map { metres(p, $0) }.min()! }.max()!
    }
    return max(directed(pa, pb), directed(pb, pa))
}
