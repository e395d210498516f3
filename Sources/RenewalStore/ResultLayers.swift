import Foundation
import GeoFiles
import GeoKernel
import GRDB
import GeoStore

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
///
/// Geometry an analysis built (`append(_:geometry:)`) is checked with GEOS and, when invalid,
/// repaired (MakeValid, keeping the layer's dimension) and counted in `repaired`; geometry copied
/// unchanged from a store layer (`append(_:storedGeometry:)`), which its import already checked,
/// is not checked again.
public struct ResultRows: Sendable {
    let kind: GeometryKind
    /// Values per row: the spec's field count.
    let width: Int
    private(set) var values: [PropertyValue] = []
    private(set) var blobs: [UInt8] = []
    /// Where each row's blob ends in `blobs` (it starts where the previous one ends).
    private(set) var blobEnds: [Int] = []
    private(set) var envelopes: [Envelope] = []
    /// Rows whose geometry was invalid and was repaired.
    public private(set) var repaired = 0
    /// Rows left out because nothing of the layer's dimension survived the repair.
    public private(set) var collapsed = 0
    private let checker = GeometryChecker()

    public init(for spec: ResultLayerSpec, capacity: Int = 0) {
        kind = LayerBuilder.storageKind(for: spec.kind)
        width = spec.fields.count
        values.reserveCapacity(capacity * width)
        blobEnds.reserveCapacity(capacity)
        envelopes.reserveCapacity(capacity)
    }

    public var count: Int { blobEnds.count }

    /// Appends a row whose geometry an analysis built: `rowValues` in the spec's field order,
    /// `geometry` in EPSG:4490, checked and repaired if invalid. A geometry that is empty, of another
    /// dimension than the layer's, or collapses under repair leaves the row out.
    public mutating func append(_ rowValues: [PropertyValue], geometry: Geometry) throws {
        guard let fitted = LayerBuilder.fit(geometry, to: kind) else { return }
        switch try checker.check(fitted, kind: kind) {
        case .valid: add(rowValues, fitted)
        case .repaired(let fixed, _): repaired += 1; add(rowValues, fixed)
        case .collapsed: collapsed += 1
        }
    }

    /// Appends a row whose geometry is a stored layer's, unchanged (already checked on import).
    public mutating func append(_ rowValues: [PropertyValue], storedGeometry geometry: Geometry) {
        guard let fitted = LayerBuilder.fit(geometry, to: kind) else { return }
        add(rowValues, fitted)
    }

    private mutating func add(_ rowValues: [PropertyValue], _ fitted: Geometry) {
        precondition(rowValues.count == width, "a \(width)-field row")
        guard let envelope = fitted.envelope else { return }
        SpatiaLiteBlob.encode(fitted, srid: Int32(SpatialStore.storageSRID), envelope: envelope, appendingTo: &blobs)
        values += rowValues
        blobEnds.append(blobs.count)
        envelopes.append(envelope)
    }
}

/// Checks result geometry with a GEOS context made on first use. A `ResultRows` is filled on one
/// worker thread and only then handed to the writer, which never checks with it: the context is
/// used by one thread at a time (and freed on whichever thread lets go of it last, which GEOS allows).
final class GeometryChecker: @unchecked Sendable {
    private var context: GEOSContext?

    /// `geometry` (already of the layer's `kind`) as it may be stored.
    func check(_ geometry: Geometry, kind: GeometryKind) throws -> ValidityCheck {
        guard kind.dimension != 0 else { return .valid }
        if context == nil { context = try GEOSContext() }
        switch try context!.checked(geometry) {
        case .valid: return .valid
        case .collapsed(let reason): return .collapsed(reason: reason)
        case .repaired(let fixed, let reason):
            guard let refit = LayerBuilder.fit(fixed, to: kind), !refit.isEmpty else { return .collapsed(reason: reason) }
            return .repaired(refit, reason: reason)
        }
    }
}

/// Takes the rows of one result layer inside a results transaction.
public final class ResultLayerSink {
    let builder: LayerBuilder
    let kind: GeometryKind
    private let checker = GeometryChecker()

    init(builder: LayerBuilder, kind: GeometryKind) { self.builder = builder; self.kind = kind }

    /// Appends a row whose geometry an analysis built: values in the spec's field order, geometry in
    /// EPSG:4490, checked with GEOS and repaired (and counted) when invalid. A geometry of another
    /// dimension than the layer's, or that collapses under repair, is left out.
    public func append(_ values: [PropertyValue], geometry: Geometry) throws {
        guard let fitted = LayerBuilder.fit(geometry, to: kind) else { return }
        switch try checker.check(fitted, kind: kind) {
        case .valid: try builder.append(values, geometry: fitted)
        case .repaired(let fixed, _): builder.repaired += 1; try builder.append(values, geometry: fixed)
        case .collapsed: builder.skipped += 1
        }
    }

    /// Appends a row whose geometry is a stored layer's, unchanged (already checked on import).
    public func append(_ values: [PropertyValue], storedGeometry geometry: Geometry) throws {
        guard let fitted = LayerBuilder.fit(geometry, to: kind) else { return }
        try builder.append(values, geometry: fitted)
    }

    /// Appends rows prepared off this thread (see `ResultRows`).
    public func append(_ rows: ResultRows) throws {
        try builder.append(rows)
        builder.repaired += rows.repaired
        builder.skipped += rows.collapsed
    }
}

extension SpatialStore {
    /// Writes result layers, replacing layers of the same names, all in one transaction (a failure
    /// leaves the previous results in place). `fill` is called once per spec, in order, with the
    /// sink for that layer's rows, so rows can be streamed in as they are computed.
    /// `dropping` names result layers of an earlier run that this one does not make and that would
    /// no longer match it; they are removed in the same transaction.
    @discardableResult
    public func writeResults(_ specs: [ResultLayerSpec], dropping: [String] = [],
                             fill: (ResultLayerSpec, ResultLayerSink) throws -> Void) throws -> [LayerRecord] {
        try write { db in
            for name in dropping where try db.tableExists(name) { try LayerBuilder.dropLayer(name, in: db) }
            return try specs.map { spec in
                let name = try LayerImporter.validated(spec.name)
                let kind = LayerBuilder.storageKind(for: spec.kind)
                let builder = try LayerBuilder(db, storePath: path, name: name, fields: spec.fields, kind: kind, replace: true)
                try fill(spec, ResultLayerSink(builder: builder, kind: kind))
                return try builder.finish(LayerRecord(
                    name: name, kind: "result", sourceFile: spec.producedBy, sourceLayer: spec.name, sourceCRS: "EPSG:4490",
                    featureCount: 0, geometryType: "", importedAt: ISO8601DateFormatter().string(from: Date()),
                    repairedCount: builder.repaired, skippedCount: builder.skipped))
            }
        }
    }
}
