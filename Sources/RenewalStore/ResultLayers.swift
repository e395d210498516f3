import Foundation
import GeoFiles
import GeoKernel
import GRDB

/// An analysis result to store as a layer: rows of attribute values (in `fields` order) and a
/// geometry in EPSG:4490.
public struct ResultLayer: Sendable {
    public var name: String
    public var fields: [FieldInfo]
    public var kind: GeometryKind
    /// What produced it, recorded in the catalogue's source column, e.g. "coverage --mode straight".
    public var producedBy: String
    public var rows: [(values: [PropertyValue], geometry: Geometry)]

    public init(name: String, fields: [FieldInfo], kind: GeometryKind, producedBy: String,
                rows: [(values: [PropertyValue], geometry: Geometry)] = []) {
        self.name = name; self.fields = fields; self.kind = kind; self.producedBy = producedBy; self.rows = rows
    }
}

extension SpatialStore {
    /// Writes analysis results, replacing layers of the same names, all in one transaction: a
    /// failure leaves the previous results in place.
    @discardableResult
    public func replaceLayers(_ layers: [ResultLayer]) throws -> [LayerRecord] {
        try write { db in
            try layers.map { layer in
                let name = try LayerImporter.validated(layer.name)
                let kind = LayerBuilder.storageKind(for: layer.kind)
                let builder = try LayerBuilder(db, storePath: path, name: name, fields: layer.fields, kind: kind, replace: true)
                for row in layer.rows {
                    guard let geometry = LayerBuilder.fit(row.geometry, to: kind) else { continue }
                    try builder.append(row.values, geometry: geometry)
                }
                return try builder.finish(LayerRecord(
                    name: name, kind: "result", sourceFile: layer.producedBy, sourceLayer: layer.name, sourceCRS: "EPSG:4490",
                    featureCount: 0, geometryType: "", importedAt: ISO8601DateFormatter().string(from: Date()),
                    repairedCount: 0, skippedCount: 0))
            }
        }
    }
}

