import Foundation
import GeoKernel

/// How a store encodes result geometry, so that rows can be encoded on the worker threads that
/// compute them rather than on the one thread that writes.
public struct StoreGeometryEncoding: Sendable {
    /// Which encoding (a store checks that rows handed to it are in its own).
    public let name: String
    /// Appends the encoding of a geometry (EPSG:4490) with its bounding box to a buffer.
    public let encode: @Sendable (Geometry, Envelope, inout [UInt8]) -> Void

    public init(name: String, encode: @escaping @Sendable (Geometry, Envelope, inout [UInt8]) -> Void) {
        self.name = name; self.encode = encode
    }
}

extension GeometryKind {
    /// The kind a layer of this kind is stored as: points stay points, collections are generic,
    /// everything else is its multi kind (a layer of polygons holds multipolygons).
    public var storageKind: GeometryKind {
        switch self {
        case .point: .point
        case .geometryCollection: .geometry
        default: multi
        }
    }
}

extension Geometry {
    /// This geometry as a feature of a layer of stored kind `kind`, or nil when it does not fit
    /// (another dimension): single parts become multi, a collection keeps its parts of the layer's dimension.
    public func fitted(to kind: GeometryKind) -> Geometry? {
        guard let dimension = kind.dimension else { return self }
        if kind == .point {
            switch self {
            case .point: return self
            case .multiPoint(let ps) where ps.count == 1: return .point(ps[0])
            default: return nil
            }
        }
        if self.kind.dimension == dimension { return asMulti }
        guard self.kind == .geometryCollection else { return nil }
        return extractingParts(ofDimension: dimension)
    }
}

/// The one rule for geometry an analysis hands a result layer: fitted to the layer's stored kind
/// (another dimension is left out), checked with GEOS, repaired when invalid (MakeValid, keeping the
/// layer's dimension) and counted; what collapses under repair is left out and counted. Every
/// result sink and `ResultRows` admit geometry through one.
public struct ResultGeometryGate: Sendable {
    /// The layer's stored kind.
    public let kind: GeometryKind
    /// Geometries repaired so far.
    public private(set) var repaired = 0
    /// Geometries left out because nothing of the layer's dimension survived the repair.
    public private(set) var collapsed = 0
    private let checker = GeometryChecker()

    public init(kind: GeometryKind) { self.kind = kind }

    /// `geometry` as it may be stored, or nil when it is left out (another dimension: not counted;
    /// collapsed under repair: counted).
    public mutating func admit(_ geometry: Geometry) throws -> Geometry? {
        guard let fitted = geometry.fitted(to: kind) else { return nil }
        switch try checker.check(fitted, kind: kind) {
        case .valid: return fitted
        case .repaired(let fixed, _): repaired += 1; return fixed
        case .collapsed: collapsed += 1; return nil
        }
    }

    /// Adds what rows prepared elsewhere (admitted by their own gate) repaired and left out, so one gate
    /// holds a layer's counts.
    public mutating func count(_ rows: ResultRows) {
        repaired += rows.repaired
        collapsed += rows.collapsed
    }
}

/// Rows of one result layer, computed away from the thread that writes (on worker threads) and
/// handed over whole: values row after row, geometry (EPSG:4490) encoded as the store wants it
/// (`StoreGeometryEncoding`: SpatiaLite blobs for SpatiaLite) back to back.
/// A chunk of a thousand rows is a handful of allocations, so the single SQLite writer spends its
/// time in SQLite rather than in freeing rows.
///
/// Geometry an analysis built (`append(_:geometry:)`) is checked with GEOS and, when invalid,
/// repaired (MakeValid, keeping the layer's dimension) and counted in `repaired`; geometry copied
/// unchanged from a store layer (`append(_:storedGeometry:)`), which its import already checked,
/// is not checked again.
public struct ResultRows: Sendable {
    /// The layer's stored kind (see `GeometryKind.storageKind`).
    public let kind: GeometryKind
    /// Values per row: the spec's field count.
    public let width: Int
    /// How `blobs` are encoded.
    public let encoding: StoreGeometryEncoding
    /// The rows' values, `width` a row.
    public private(set) var values: [PropertyValue] = []
    /// The rows' encoded geometries, back to back.
    public private(set) var blobs: [UInt8] = []
    /// Where each row's blob ends in `blobs` (it starts where the previous one ends).
    public private(set) var blobEnds: [Int] = []
    /// Each row's bounding box (EPSG:4490).
    public private(set) var envelopes: [Envelope] = []
    private var gate: ResultGeometryGate
    /// Rows whose geometry was invalid and was repaired.
    public var repaired: Int { gate.repaired }
    /// Rows left out because nothing of the layer's dimension survived the repair.
    public var collapsed: Int { gate.collapsed }

    /// Empty rows for `spec`, encoded with `encoding` (the store's `geometryEncoding`).
    public init(for spec: ResultLayerSpec, encoding: StoreGeometryEncoding, capacity: Int = 0) {
        kind = spec.kind.storageKind
        gate = ResultGeometryGate(kind: kind)
        self.encoding = encoding
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
        if let admitted = try gate.admit(geometry) { add(rowValues, admitted) }
    }

    /// Appends a row whose geometry is a stored layer's, unchanged (already checked on import).
    public mutating func append(_ rowValues: [PropertyValue], storedGeometry geometry: Geometry) {
        guard let fitted = geometry.fitted(to: kind) else { return }
        add(rowValues, fitted)
    }

    private mutating func add(_ rowValues: [PropertyValue], _ fitted: Geometry) {
        precondition(rowValues.count == width, "a \(width)-field row")
        guard let envelope = fitted.envelope else { return }
        encoding.encode(fitted, envelope, &blobs)
        values += rowValues
        blobEnds.append(blobs.count)
        envelopes.append(envelope)
    }
}

/// Checks result geometry with a GEOS context made on first use. A `ResultRows` is filled on one
/// worker thread and only then handed to the writer, which never checks with it: the context is
/// used by one thread at a time (and freed on whichever thread lets go of it last, which GEOS allows).
public final class GeometryChecker: @unchecked Sendable {
    public init() {}

    private var context: GEOSContext?

    /// `geometry` (already of the layer's `kind`) as it may be stored.
    public func check(_ geometry: Geometry, kind: GeometryKind) throws -> ValidityCheck {
        guard kind.dimension != 0 else { return .valid }
        if context == nil { context = try GEOSContext() }
        switch try context!.checked(geometry) {
        case .valid: return .valid
        case .collapsed(let reason): return .collapsed(reason: reason)
        case .repaired(let fixed, let reason):
            guard let refit = fixed.fitted(to: kind), !refit.isEmpty else { return .collapsed(reason: reason) }
            return .repaired(refit, reason: reason)
        }
    }
}

