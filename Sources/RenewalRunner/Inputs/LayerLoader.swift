import Foundation
import GeoKernel
import GeoStore
import RenewalStore

/// One feature of a store layer as a job reads it: its id, its geometry projected by the loader and
/// as stored, and the values of the fields asked for.
public struct LoadedFeature: Sendable {
    /// The feature's id in the store (`fid`).
    public var id: PropertyValue
    /// The geometry in the loader's CRS (for analyses the metric CRS: metres).
    public var geometry: Geometry
    /// The geometry as the store holds it: EPSG:4490 (CGCS2000), degrees. Results written back to
    /// the store take it as it is instead of projecting `geometry` back.
    public var storedGeometry: Geometry
    /// The fields asked for that the layer has, in the layer's field order (NULL as `.null`).
    public var values: [(name: String, value: PropertyValue)]

    /// The value of `field`; nil when it was not read (an optional field the layer lacks).
    public subscript(field: String) -> PropertyValue? {
        values.first { $0.name == field }?.value
    }

    /// The text of `field`, or `fid N` when the feature has none: how results name a feature.
    public func name(from field: String) -> String {
        self[field]?.text ?? "fid \(id.text ?? "?")"
    }
}

/// Which geometries a job takes; features with no geometry (NULL) are never handed over.
public enum GeometryNeed: Sendable {
    /// Any geometry, empty ones included.
    case any
    /// Any geometry with at least one position.
    case nonEmpty
    /// Polygons and multipolygons only.
    case polygonal

    /// Whether a feature with `geometry` is taken.
    public func admits(_ geometry: Geometry) -> Bool {
        switch self {
        case .any: true
        case .nonEmpty: !geometry.isEmpty
        case .polygonal: geometry.kind.dimension == 2
        }
    }
}

/// Reads store layers for the jobs: checks that a layer and its required fields exist, streams the
/// features (only the fields asked for, optionally narrowed by a `FeatureFilter` the store applies in
/// SQL), and projects each geometry from EPSG:4490 into one CRS with its one `Projector`.
///
/// One loader belongs to one job on one thread (a `Projector` is not shared).
public final class LayerLoader {
    public let store: any LayerStore
    /// The CRS geometry is handed over in: the metric CRS (metres) for analyses, the output's CRS for exports.
    public let crs: CRS
    private let projector: Projector

    public init(store: any LayerStore, crs: CRS) throws {
        self.store = store
        self.crs = crs
        projector = try Projector(from: .cgcs2000, to: crs)
    }

    /// Positions projected so far that lay outside China while projecting into GCJ-02 or BD-09
    /// (those are handed over unchanged).
    public var positionsOutsideChina: Int { projector.positionsOutsideChina }

    /// The names of the store's layers.
    public func layerNames() throws -> [String] { try store.layers().map(\.name) }

    /// The fields of `layer`, after checking that the layer exists (`StoreError.unknownLayer` names the
    /// layers there are) and has every one of `required` (an `InputError` names the layer, the first
    /// missing field and the fields it has).
    public func fields(of layer: String, required: [String] = []) throws -> [FieldInfo] {
        let fields = try store.fields(of: layer)
        if let missing = required.first(where: { name in !fields.contains { $0.name == name } }) {
            throw InputError("layer \(layer) has no field \(missing) (fields: \(fields.map(\.name).joined(separator: ", ")))")
        }
        return fields
    }

    /// Streams the rows of `layer` as stored, in `fid` order, for layers read for their values: the
    /// values of `required` (checked first, see `fields(of:required:)`) and of those `optional` fields
    /// the layer has, the geometry in EPSG:4490 and nil where NULL, nothing projected. `filter`: the
    /// rows the store hands over (SQL on the spatial index and columns, boxes in EPSG:4490), at most
    /// a superset of those wanted, so callers still apply their exact test.
    public func forEachRow(_ layer: String, required: [String] = [], optional: [String] = [], filter: FeatureFilter? = nil,
                           _ body: (Feature) throws -> Void) throws {
        _ = try fields(of: layer, required: required)
        try store.forEachFeature(in: layer, columns: required + optional, filter: filter, body)
    }

    /// Streams the features of `layer` with their geometry projected into `crs`, in `fid` order: the
    /// rows of `forEachRow` that `where` keeps and whose geometry `geometry` takes.
    /// - `where`: sees each row as stored (EPSG:4490 geometry, possibly nil) before anything else and
    ///   returns whether to go on with it; rows it refuses are never projected.
    /// - `geometry`: the geometries taken; features without geometry are skipped.
    public func forEach(_ layer: String, required: [String] = [], optional: [String] = [], filter: FeatureFilter? = nil,
                        geometry need: GeometryNeed = .any, where keep: (Feature) throws -> Bool = { _ in true },
                        _ body: (LoadedFeature) throws -> Void) throws {
        try forEachRow(layer, required: required, optional: optional, filter: filter) { row in
            guard try keep(row), let stored = row.geometry, need.admits(stored) else { return }
            var projected = stored
            try projector.transform(&projected)
            try body(LoadedFeature(id: row.id, geometry: projected, storedGeometry: stored, values: row.properties))
        }
    }

    /// The features `forEach` hands over, collected (for layers small enough to hold: zones, facilities).
    public func load(_ layer: String, required: [String] = [], optional: [String] = [], filter: FeatureFilter? = nil,
                     geometry need: GeometryNeed = .any, where keep: (Feature) throws -> Bool = { _ in true }) throws -> [LoadedFeature] {
        var out: [LoadedFeature] = []
        try forEach(layer, required: required, optional: optional, filter: filter, geometry: need, where: keep) { out.append($0) }
        return out
    }

    /// Streams every feature of `layer` whole, with every field and features without geometry too,
    /// geometry projected into `crs`: what an export writes.
    public func forEachFeature(in layer: String, _ body: (Feature) throws -> Void) throws {
        try store.forEachFeature(in: layer) { feature in
            var feature = feature
            if var geometry = feature.geometry {
                try projector.transform(&geometry)
                feature.geometry = geometry
            }
            try body(feature)
        }
    }
}
