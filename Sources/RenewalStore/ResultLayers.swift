import Foundation
import GeoKernel
import GRDB
import GeoStore

/// Takes the rows of one result layer inside a SpatiaLite results transaction.
final class SpatiaLiteResultSink: ResultLayerSink {
    let builder: LayerBuilder
    /// Admits the rows appended one by one, and counts the layer's repaired and collapsed rows.
    private(set) var gate: ResultGeometryGate

    init(builder: LayerBuilder, kind: GeometryKind) { self.builder = builder; gate = ResultGeometryGate(kind: kind) }

    func append(_ values: [PropertyValue], geometry: Geometry) throws {
        if let admitted = try gate.admit(geometry) { try builder.append(values, geometry: admitted) }
    }

    func append(_ values: [PropertyValue], storedGeometry geometry: Geometry) throws {
        guard let fitted = geometry.fitted(to: gate.kind) else { return }
        try builder.append(values, geometry: fitted)
    }

    func append(_ rows: ResultRows) throws {
        precondition(rows.encoding.name == SpatialStore.resultEncoding.name, "rows encoded as \(rows.encoding.name) for a SpatiaLite store")
        try builder.append(rows)
        gate.count(rows)
    }
}

extension SpatialStore: LayerStore {
    public var location: String { path }

    /// SpatiaLite geometry blobs (SRID 4490), bound as they are.
    static let resultEncoding = StoreGeometryEncoding(name: "spatialite-blob") { geometry, envelope, out in
        SpatiaLiteBlob.encode(geometry, srid: Int32(SpatialStore.storageSRID), envelope: envelope, appendingTo: &out)
    }

    public var geometryEncoding: StoreGeometryEncoding { SpatialStore.resultEncoding }

    /// Writes result layers in one SQLite transaction (see `LayerStore.writeResults`).
    @discardableResult
    public func writeResults(_ specs: [ResultLayerSpec], dropping: [String],
                             fill: (ResultLayerSpec, any ResultLayerSink) throws -> Void) throws -> [LayerRecord] {
        try write { db in
            for name in dropping where try db.tableExists(name) { try LayerBuilder.dropLayer(name, in: db) }
            return try specs.map { spec in
                let name = try LayerName.validated(spec.name)
                let kind = spec.kind.storageKind
                let builder = try LayerBuilder(db, storePath: path, name: name, fields: spec.fields, kind: kind, replace: true)
                let sink = SpatiaLiteResultSink(builder: builder, kind: kind)
                try fill(spec, sink)
                return try builder.finish(spec.record(counted: sink.gate))
            }
        }
    }
}

extension SpatialStore: LayerImporting {
    /// SQLite's default limit of 2,000 columns per table, less fid and geom.
    public static let maximumFields = 1_998

    public var maximumFields: Int { SpatialStore.maximumFields }

    /// One SQLite write transaction (a new store is moved into place when it commits).
    public func importing<T>(_ body: (any LayerImportSession) throws -> T) throws -> T {
        try write { db in try body(SpatiaLiteImportSession(db: db, storePath: path)) }
    }
}

/// Creates layer tables inside an import's SQLite transaction.
struct SpatiaLiteImportSession: LayerImportSession {
    let db: Database
    let storePath: String

    func createLayer(_ name: String, fields: [FieldInfo], kind: GeometryKind?, replace: Bool) throws -> any ImportedLayer {
        try LayerBuilder(db, storePath: storePath, name: name, fields: fields, kind: kind, replace: replace)
    }
}
