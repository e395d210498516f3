import Foundation
import GeoFiles
import GeoKernel
import GRDB
import GeoStore

/// Takes the rows of one result layer inside a SpatiaLite results transaction.
final class SpatiaLiteResultSink: ResultLayerSink {
    let builder: LayerBuilder
    /// Admits the rows appended one by one.
    private var gate: ResultGeometryGate
    /// What prepared rows (`ResultRows`, admitted by their own gates) repaired and left out.
    private var rowsRepaired = 0, rowsCollapsed = 0

    init(builder: LayerBuilder, kind: GeometryKind) { self.builder = builder; gate = ResultGeometryGate(kind: kind) }

    func append(_ values: [PropertyValue], geometry: Geometry) throws {
        if let admitted = try gate.admit(geometry) { try builder.append(values, geometry: admitted) }
        recordCounts()
    }

    func append(_ values: [PropertyValue], storedGeometry geometry: Geometry) throws {
        guard let fitted = geometry.fitted(to: gate.kind) else { return }
        try builder.append(values, geometry: fitted)
    }

    func append(_ rows: ResultRows) throws {
        precondition(rows.encoding.name == SpatialStore.resultEncoding.name, "rows encoded as \(rows.encoding.name) for a SpatiaLite store")
        try builder.append(rows)
        rowsRepaired += rows.repaired
        rowsCollapsed += rows.collapsed
        recordCounts()
    }

    /// The catalogue's repaired and skipped counts of the layer.
    private func recordCounts() {
        builder.repaired = rowsRepaired + gate.repaired
        builder.skipped = rowsCollapsed + gate.collapsed
    }
}

extension SpatialStore: LayerStore {
    public var location: String { path }

    /// SpatiaLite geometry blobs (SRID 4490), bound as they are.
    static let resultEncoding = ResultGeometryEncoding(name: "spatialite-blob") { geometry, envelope, out in
        SpatiaLiteBlob.encode(geometry, srid: Int32(SpatialStore.storageSRID), envelope: envelope, appendingTo: &out)
    }

    public var resultGeometryEncoding: ResultGeometryEncoding { SpatialStore.resultEncoding }

    /// Writes result layers in one SQLite transaction (see `LayerStore.writeResults`).
    @discardableResult
    public func writeResults(_ specs: [ResultLayerSpec], dropping: [String],
                             fill: (ResultLayerSpec, any ResultLayerSink) throws -> Void) throws -> [LayerRecord] {
        try write { db in
            for name in dropping where try db.tableExists(name) { try LayerBuilder.dropLayer(name, in: db) }
            return try specs.map { spec in
                let name = try LayerImporter.validated(spec.name)
                let kind = spec.kind.storageKind
                let builder = try LayerBuilder(db, storePath: path, name: name, fields: spec.fields, kind: kind, replace: true)
                try fill(spec, SpatiaLiteResultSink(builder: builder, kind: kind))
                return try builder.finish(LayerRecord(
                    name: name, kind: "result", sourceFile: spec.producedBy, sourceLayer: spec.name, sourceCRS: "EPSG:4490",
                    featureCount: 0, geometryType: "", importedAt: ISO8601DateFormatter().string(from: Date()),
                    repairedCount: builder.repaired, skippedCount: builder.skipped))
            }
        }
    }
}
