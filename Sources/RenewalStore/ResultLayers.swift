import Foundation
import GeoFiles
import GeoKernel
import GRDB

/// A result layer's name, fields and kind, before its rows exist.
public struct ResultLayerSpec: Sendable {
    public var name: String
    public var fields: [FieldInfo]
    public var kind: GeometryKind
    /// What produced it, recorded in the catalogue's source column.
    public var producedBy: String

    public init(name: String, fields: [FieldInfo], kind: GeometryKind, producedBy: String) {
        self.name = name; self.fields = fields; self.kind = kind; self.producedBy = producedBy
    }
}

/// A geometry fitted to a result layer's kind and encoded as a SpatiaLite blob (EPSG:4490), ready to
/// append: the threads that compute results can encode, off the thread that writes.
public struct EncodedGeometry: Sendable {
    let blob: [UInt8]
    let envelope: Envelope
    let kind: GeometryKind

    /// nil when the geometry is empty or of another dimension than the layer's.
    public init?(_ geometry: Geometry, for spec: ResultLayerSpec) {
        let kind = LayerBuilder.storageKind(for: spec.kind)
        guard let fitted = LayerBuilder.fit(geometry, to: kind), let envelope = fitted.envelope else { return nil }
        blob = SpatiaLiteBlob.encode(fitted, srid: Int32(SpatialStore.storageSRID), envelope: envelope)
        self.envelope = envelope
        self.kind = kind
    }
}

/// Takes the rows of one result layer inside a results transaction.
public final class ResultLayerSink {
    let builder: LayerBuilder
    let kind: GeometryKind

    init(builder: LayerBuilder, kind: GeometryKind) { self.builder = builder; self.kind = kind }

    /// Appends a row: values in the spec's field order, geometry in EPSG:4490 (a geometry of
    /// another dimension than the layer's is left out).
    public func append(_ values: [PropertyValue], geometry: Geometry) throws {
        guard let fitted = LayerBuilder.fit(geometry, to: kind) else { return }
        try builder.append(values, geometry: fitted)
    }

    /// Appends a row whose geometry is already encoded for this layer (nil: left out, as above).
    public func append(_ values: [PropertyValue], encoded: EncodedGeometry?) throws {
        guard let encoded else { return }
        try builder.append(values, blob: encoded.blob, envelope: encoded.envelope, kind: encoded.kind)
    }
}

extension SpatialStore {
    /// Writes result layers, replacing layers of the same names, all in one transaction (a failure
    /// leaves the previous results in place). `fill` is called once per spec, in order, with the
    /// sink for that layer's rows, so rows can be streamed in as they are computed.
    @discardableResult
    public func writeResults(_ specs: [ResultLayerSpec], fill: (ResultLayerSpec, ResultLayerSink) throws -> Void) throws -> [LayerRecord] {
        try write { db in
            try specs.map { spec in
                let name = try LayerImporter.validated(spec.name)
                let kind = LayerBuilder.storageKind(for: spec.kind)
                let builder = try LayerBuilder(db, storePath: path, name: name, fields: spec.fields, kind: kind, replace: true)
                try fill(spec, ResultLayerSink(builder: builder, kind: kind))
                return try builder.finish(LayerRecord(
                    name: name, kind: "result", sourceFile: spec.producedBy, sourceLayer: spec.name, sourceCRS: "EPSG:4490",
                    featureCount: 0, geometryType: "", importedAt: ISO8601DateFormatter().string(from: Date()),
                    repairedCount: 0, skippedCount: 0))
            }
        }
    }
}
