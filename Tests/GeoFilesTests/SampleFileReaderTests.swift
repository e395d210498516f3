import Foundation
import GeoFiles
import GeoKernel
import Testing
import TestSupport

/// The file readers on every file of the sample (GeoData/, CC0, made by scripts/gen_sample_data.py),
/// each in the form real data arrives in: a GBK Shapefile without .cpg in a Gauss-Krüger zone, a
/// GeoPackage with two layers, a CSV of GCJ-02 lon/lat columns, RFC 7946 GeoJSON.
@Suite struct SampleFileReaderTests {
    func features(_ layer: SourceLayer) throws -> [SourceFeature] {
        var out: [SourceFeature] = []
        try layer.forEachFeature { out.append($0) }
        return out
    }

    @Test("parcels.shp: GBK text decoded with --encoding GBK, EPSG:4545 from the .prj, DBF names cut at 10 bytes, codes kept as text")
    func shapefile() throws {
        let layer = try VectorSource(path: sampleDataPath("parcels.shp"), encoding: "GBK").layer(named: "parcels")
        #expect(layer.declaredCRS == .epsg(4545), "\(String(describing: layer.declaredCRSName))")
        #expect(layer.fields.map(\.name) == ["parcel_id", "land_use", "population", "build_year", "safety_gra", "far", "height_m",
                                             "vacant", "planned_ac", "name", "备注"])
        #expect(layer.fields.first { $0.name == "land_use" }?.type == .text, "用地用海 codes stay text (leading zeros)")
        #expect(layer.fields.first { $0.name == "far" }?.type == .real)
        let all = try features(layer)
        #expect(all.count == 1324 && layer.featureCount == 1324)
        let first = try #require(all.first)
        let name = layer.fields.firstIndex { $0.name == "name" }!, code = layer.fields.firstIndex { $0.name == "land_use" }!
        #expect(first.values[name] == .string("石板坡片区地块1"))
        #expect(first.values[code] == .string("0804"))
        // Metres in the zone at 108°E: eastings near 360 km, northings near 3,270 km.
        let envelope = try #require(first.geometry?.envelope)
        #expect(envelope.minX > 359_000 && envelope.maxX < 361_000 && envelope.minY > 3_270_000 && envelope.maxY < 3_271_000)
    }

    @Test("parcels.shp without its encoding: the reader refuses GBK bytes as UTF-8, naming the feature and column")
    func shapefileWithoutEncoding() throws {
        let layer = try VectorSource(path: sampleDataPath("parcels.shp")).layer(named: "parcels")
        #expect {
            try layer.forEachFeature { _ in }
        } throws: { error in
            let text = "\(error)"
            return text.contains("parcels.shp") && text.contains("UTF-8") && text.contains("--encoding")
        }
    }

    @Test("planning_constraints.gpkg: two layers in EPSG:4490, read with SQLite directly, with their counts")
    func geoPackage() throws {
        let source = try VectorSource(path: sampleDataPath("planning_constraints.gpkg"))
        #expect(Set(source.layerNames) == ["heritage_zones", "control_lines"])
        let heritage = try source.layer(named: "heritage_zones"), lines = try source.layer(named: "control_lines")
        #expect(heritage.declaredCRS == .cgcs2000 && lines.declaredCRS == .cgcs2000)
        let zones = try features(heritage), controls = try features(lines)
        #expect(zones.count == 8 && controls.count == 14)
        #expect(zones.allSatisfy { $0.geometry?.kind.dimension == 2 })
        #expect(throws: (any Error).self, "an unknown layer is an error") { try source.layer(named: "heritage") }
    }

    @Test("facilities.csv: lon/lat columns found, no CRS declared (the user says GCJ02), codes and names as text")
    func csv() throws {
        let layer = try VectorSource(path: sampleDataPath("facilities.csv")).layer(named: "facilities")
        #expect(layer.csvGeometry == .lonLat(lon: "lon", lat: "lat"))
        #expect(layer.declaredCRS == nil)
        #expect(!layer.fields.contains { $0.name == "lon" || $0.name == "lat" }, "the coordinate columns become the geometry")
        let all = try features(layer)
        #expect(all.count == 103)
        guard case .point(let p)? = all.first?.geometry else { Issue.record("no point"); return }
        #expect(abs(p.x - 106.5601555) < 1e-9 && abs(p.y - 29.5656484) < 1e-9)
        let name = layer.fields.firstIndex { $0.name == "name" }!
        #expect(all.first?.values[name] == .string("大溪沟颐养中心"))
    }

    @Test("streets.geojson: RFC 7946 lon/lat lines")
    func geoJSON() throws {
        let layer = try VectorSource(path: sampleDataPath("streets.geojson")).layer(named: "streets")
        let all = try features(layer)
        #expect(all.count == 182)
        #expect(all.allSatisfy { $0.geometry?.kind.dimension == 1 })
        let envelopes: [Envelope] = all.compactMap { $0.geometry?.envelope }
        let inStudyArea = envelopes.allSatisfy { e in e.minX > 106.5 && e.maxX < 106.7 && e.minY > 29.5 && e.maxY < 29.6 }
        #expect(envelopes.count == all.count && inStudyArea)
    }

    @Test("Written and read back: GeoJSON, GeoPackage and CSV keep every feature, value and coordinate", arguments: ["geojson", "gpkg", "csv"])
    func writeReadBack(ext: String) throws {
        let dir = try TemporaryDirectory()
        let fields = [FieldInfo(name: "code", type: .text), FieldInfo(name: "n", type: .integer), FieldInfo(name: "x", type: .real)]
        let written: [Feature] = (0..<25).map { (i: Int) -> Feature in
            let code: PropertyValue = .string(String(format: "07%02d", i))
            let properties: [(name: String, value: PropertyValue)] = [("code", code), ("n", .int(Int64(i))), ("x", .double(Double(i) + 0.25))]
            let d = Double(i) * 1e-3
            return Feature(id: .int(Int64(i + 1)), properties: properties, geometry: .point(Position(106.5 + d, 29.5 + d)))
        }
        let path = dir.path("out.\(ext)")
        let writer = try VectorWriter(path: path, layerName: "out", fields: fields, kind: .point, crs: .cgcs2000)
        for f in written { try writer.write(f) }
        try writer.finish()
        let layer = try VectorSource(path: path).layer(named: "out")
        let read = try features(layer)
        #expect(read.count == written.count)
        for (w, r) in zip(written, read) {
            for (k, field) in layer.fields.enumerated() {
                let value = w[field.name]
                #expect(value == r.values[k] || (field.name == "x" && value?.number == r.values[k].number), "\(ext) \(field.name): \(String(describing: value)) vs \(r.values[k])")
            }
            guard case .point(let a)? = w.geometry, case .point(let b)? = r.geometry else { Issue.record("\(ext): not a point"); continue }
            #expect(abs(a.x - b.x) < 1e-9 && abs(a.y - b.y) < 1e-9, "\(ext)")
        }
    }
}
