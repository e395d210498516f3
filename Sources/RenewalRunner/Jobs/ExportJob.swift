import Foundation
import GeoFiles
import GeoKernel
import GeoStore
import RenewalStore

/// Writes a store layer to a GIS file: the export command's job, and the one the conflict and unit
/// commands use for their `--geojson` outputs.
public enum ExportJob {
    /// Writes `layer` to `path` (format by extension: .geojson, .gpkg, .shp, .csv) in `crs`; returns
    /// the feature count and how many positions lay outside China for a GCJ-02/BD-09 output (written
    /// unchanged). `progress` gets the count so far.
    @discardableResult
    public static func run(store: any LayerStore, layer: String, to path: String, crs: CRS = .cgcs2000, encoding: String? = nil,
                           progress: (Int) -> Void = { _ in }) throws -> (count: Int, outsideChina: Int) {
        let record = try store.layer(layer)
        let loader = try LayerLoader(store: store, crs: crs)
        let writer = try VectorWriter(path: path, layerName: layer, fields: try loader.fields(of: layer),
                                      kind: GeometryKind(rawValue: record.geometryType) ?? .geometry, crs: crs, encoding: encoding)
        var count = 0
        try loader.forEachFeature(in: layer) { feature in
            try writer.write(feature)
            count += 1
            progress(count)
        }
        try writer.finish()
        return (count, loader.positionsOutsideChina)
    }
}
