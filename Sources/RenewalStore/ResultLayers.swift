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

/// Rows of one result layer, computed away from the thread that writes (on worker threads) and
/// handed over whole: values row after row, geometry as SpatiaLite blobs (EPSG:4490) back to back.
/// A chunk of a thousand rows is a handful of allocations, so the single SQLite writer spends its
/// time in SQLite rather than in freeing rows.
public struct ResultRows: Sendable {
    let kind: GeometryKind
    /// Values per row: the spec's field count.
    let width: Int
    private(set) var values: [PropertyValue] = []
    private(set) var blobs: [UInt8] = []
    /// Where each row's blob ends in `blobs` (it starts where the previous one ends).
    private(set) var blobEnds: [Int] = []
    private(set) var envelopes: [Envelope] = []

    public init(for spec: ResultLayerSpec, capacity: Int = 0) {
        kind = LayerBuilder.storageKind(for: spec.kind)
        width = spec.fields.count
        values.reserveCapacity(capacity * width)
        blobEnds.reserveCapacity(capacity)
        envelopes.reserveCapacity(capacity)
    }

    public var count: Int { blobEnds.count }

    /// Appends a row: `rowValues` in the spec's field order, `geometry` in EPSG:4490. A geometry
    /// that is empty or of another dimension than the layer's leaves the row out.
    public mutating func append(_ rowValues: [PropertyValue], geometry: Geometry) {
        precondition(rowValues.count == width, "a \(width)-field row")
        guard let fitted = LayerBuilder.fit(geometry, to: kind), let envelope = fitted.envelope else { return }
        SpatiaLiteBlob.encode(fitted, srid: Int32(SpatialStore.storageSRID), envelope: envelope, appendingTo: &blobs)
        values += rowValues
        blobEnds.append(blobs.count)
        envelopes.append(envelope)
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

    /// Appends rows prepared off this thread (see `ResultRows`).
    public func append(_ rows: ResultRows) throws {
        try builder.append(rows)
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
