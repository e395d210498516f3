import Foundation
import GeoKernel

/// What the jobs need of a store: the catalogue, layers streamed feature by feature, settings, and
/// result layers written atomically. SpatiaLite implements it (`SpatialStore`); another backend
/// implements it and the jobs run on it unchanged.
public protocol LayerStore: AnyObject, Sendable {
    /// Where the store is, for messages: a file path, or a URL without its password.
    var location: String { get }

    /// The catalogue, ordered by layer name.
    func layers() throws -> [LayerRecord]
    /// The catalogue entry of `name`; `StoreError.unknownLayer` (naming the layers there are) when missing.
    func layer(_ name: String) throws -> LayerRecord
    /// The attribute fields of `layer`, in table order; `StoreError.unknownLayer` when there is no such layer.
    func fields(of layer: String) throws -> [FieldInfo]
    /// Streams the features of `layer` (geometry in EPSG:4490) in feature-id order: every attribute, or
    /// only `columns` when given (those the layer has), and only those `filter` admits when given.
    func forEachFeature(in layer: String, columns: [String]?, filter: FeatureFilter?, _ body: (Feature) throws -> Void) throws
    /// A setting (`metric_crs`), nil when unset.
    func setting(_ key: String) throws -> String?
    /// Every setting that is set, by key.
    func settings() throws -> [String: String]
    /// Sets (or with nil removes) a setting, after `StoreSettings.checked` (unknown keys refused,
    /// `metric_crs` kept in its canonical form).
    func setSetting(_ key: String, _ value: String?) throws

    /// How geometry of rows prepared away from the writing thread (`ResultRows`) is encoded for this store.
    var geometryEncoding: StoreGeometryEncoding { get }
    /// Writes result layers, replacing layers of the same names, all at once: readers see the old
    /// layers or the new ones, never a mixture, and a failure leaves the old ones. `fill` is called once
    /// per spec, in order, with the sink for that layer's rows. `dropping` names result layers of an
    /// earlier run that this one does not make; they go in the same transaction.
    @discardableResult
    func writeResults(_ specs: [ResultLayerSpec], dropping: [String],
                      fill: (ResultLayerSpec, any ResultLayerSink) throws -> Void) throws -> [LayerRecord]
}

extension LayerStore {
    public func forEachFeature(in layer: String, columns: [String]? = nil, _ body: (Feature) throws -> Void) throws {
        try forEachFeature(in: layer, columns: columns, filter: nil, body)
    }

    @discardableResult
    public func writeResults(_ specs: [ResultLayerSpec], fill: (ResultLayerSpec, any ResultLayerSink) throws -> Void) throws -> [LayerRecord] {
        try writeResults(specs, dropping: [], fill: fill)
    }

    /// The metric CRS for analyses and why: `override` when given (a CRS and where it was named,
    /// e.g. "--metric-crs"), else the store's `metric_crs` setting, else the zone chosen from the
    /// extent of all layers (`MetricCRSChoice.automatic`: the CGCS2000 3° Gauss-Krüger zone in
    /// China, the UTM zone of the centre elsewhere). Data too wide for one zone is refused with
    /// an error naming the store and its widest layers. A store without geometry gets EPSG:4545.
    public func metricCRSChoice(override: (crs: CRS, source: String)? = nil) throws -> MetricCRSChoice {
        if let override { return try MetricCRSChoice.explicit(override.crs, source: override.source) }
        if let text = try setting("metric_crs") {
            return try MetricCRSChoice.explicit(try CRS(parsing: text), source: "the store's metric_crs setting")
        }
        var all = Envelope.empty
        let layers = try layers()
        for layer in layers { if let e = layer.extent { all.expand(toInclude: e) } }
        guard !all.isEmpty else {
            let crs = CRS.epsg(4545)
            return MetricCRSChoice(crs: crs, name: (try? CRSRegistry.info(crs).name) ?? crs.description,
                                   reason: "the store holds no geometry yet to choose by")
        }
        do {
            return try MetricCRSChoice.automatic(for: all)
        } catch let error as MetricCRSError {
            let widest = layers.compactMap { l in l.extent.map { (l.name, $0) } }.sorted { $0.1.width > $1.1.width }.prefix(3)
                .map { String(format: "%@ %.2f°–%.2f°E", $0.0, $0.1.minX, $0.1.maxX) }
            throw StoreError.database(path: location, message: "no metric CRS for the analyses: \(error) (widest layers: \(widest.joined(separator: ", "))); set one with `renewalgis settings --store \(location) metric_crs EPSG:<code>`")
        }
    }

    /// The metric CRS for analyses (see `metricCRSChoice`).
    public func metricCRS() throws -> CRS { try metricCRSChoice().crs }
}

/// The settings a store keeps, with what they mean, and the one check every backend applies before
/// storing one.
public enum StoreSettings {
    /// The settings there are (`renewalgis settings` lists them).
    public static let known: [String: String] = [
        "metric_crs": "the projected CRS (metres) every analysis measures in, e.g. EPSG:3067; unset: chosen from the data (see docs/crs.md)",
        "districts_layer": "the polygon layer of districts (区县) that splits the city for --district runs; set by `renewalgis partition` (docs/scale.md)",
        "district_field": "the field of districts_layer holding each district's code; set by `renewalgis partition`",
    ]

    /// `value` as it is stored under `key`: an unknown key is refused (naming the store at
    /// `location`); `metric_crs` must be a projected CRS in metres and is kept as `EPSG:<code>`.
    public static func checked(_ key: String, _ value: String?, location: String) throws -> String? {
        guard known[key] != nil else {
            throw StoreError.database(path: location, message: "no setting \"\(key)\" (settings: \(known.keys.sorted().joined(separator: ", ")))")
        }
        guard key == "metric_crs", let text = value else { return value }
        return try MetricCRSChoice.explicit(try CRS(parsing: text), source: "metric_crs").crs.description
    }
}

/// Which features to read: those whose bounding box meets one of `boxes` (EPSG:4490, through the
/// spatial index), or whose text column starts with a prefix (any case: a superset the caller narrows),
/// or whose column holds one of the values. Conditions on columns the layer lacks are left out; a
/// filter with no condition left admits nothing.
public struct FeatureFilter: Sendable {
    public var boxes: [Envelope] = []
    public var textPrefixes: [(column: String, prefix: String)] = []
    public var valuesIn: [(column: String, values: [String])] = []
    public init() {}
}

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

/// Takes the rows of one result layer while its store writes them.
public protocol ResultLayerSink: AnyObject {
    /// Appends a row whose geometry an analysis built: values in the spec's field order, geometry in
    /// EPSG:4490, checked with GEOS and repaired (and counted) when invalid. A geometry of another
    /// dimension than the layer's, or that collapses under repair, is left out (and counted).
    func append(_ values: [PropertyValue], geometry: Geometry) throws
    /// Appends a row whose geometry is a stored layer's, unchanged (already checked on import).
    func append(_ values: [PropertyValue], storedGeometry geometry: Geometry) throws
    /// Appends rows prepared off the writing thread (`ResultRows`, in this store's encoding).
    func append(_ rows: ResultRows) throws
}

/// A store whose result layers can be written one district at a time (`--district CODE`): each
/// district's job replaces only its own rows, so jobs for different districts run side by side
/// against one database and together write what one whole-city run writes.
public protocol DistrictResultWriting: LayerStore {
    /// Writes result layers like `writeResults`, all at once, but replaces in each layer only the
    /// rows whose `district` field (`ResultLayerSpec.districtField`, which every spec must have) holds
    /// `district`, keeping every other row; a layer that does not exist yet is created. A layer whose
    /// fields differ from the spec's (an earlier run without districts, or another version) is refused
    /// with `StoreError.database`: a whole-city run replaces it.
    @discardableResult
    func writeResults(_ specs: [ResultLayerSpec], district: String,
                      fill: (ResultLayerSpec, any ResultLayerSink) throws -> Void) throws -> [LayerRecord]
}

extension ResultLayerSpec {
    /// The catalogue entry a store's writer completes (count, extent and geometry type) for this
    /// result layer, written now, with the repairs and collapses `gate` counted.
    public func record(counted gate: ResultGeometryGate) -> LayerRecord {
        LayerRecord(name: name, kind: "result", sourceFile: producedBy, sourceLayer: name, sourceCRS: "EPSG:4490",
                    featureCount: 0, geometryType: "", importedAt: ISO8601DateFormatter().string(from: Date()),
                    repairedCount: gate.repaired, skippedCount: gate.collapsed)
    }

    /// The field that names the district a result row belongs to, in stores split by district.
    public static let districtField = "district"

    /// The refusal `DistrictResultWriting` gives for a layer whose fields are not the spec's.
    public func districtMismatch(existing: [FieldInfo], location: String) -> StoreError {
        .database(path: location, message: "result layer \(name) has fields \(existing.map(\.name).joined(separator: ", ")), not those a --district run writes (\(fields.map(\.name).joined(separator: ", "))): run the whole city once without --district to replace it")
    }
}

/// A store that lays its layers out by district: PostGIS stores every layer as declarative
/// partitions by district, the partitions optionally on other PostgreSQL nodes (postgres_fdw).
/// Which district a feature is in is decided as `RenewalRunner.Districts` decides it: the district
/// whose polygon covers the feature's representative point (PointOnSurface), the lowest code on a
/// shared boundary, none outside every district.
public protocol DistrictPartitioning: LayerStore {
    /// Partitions every layer but `districtsLayer` by the district of each feature (`field` of
    /// `districtsLayer` holds the codes), placing the partitions of the k-th code on
    /// `nodes[k % nodes.count]` (connection URLs; none: all in this database), all in one transaction.
    /// `progress` hears a line per layer. Returns a line per layer saying how it was split.
    func partition(districtsLayer: String, field: String, codes: [String], nodes: [String],
                   progress: (String) -> Void) throws -> [String]
}
