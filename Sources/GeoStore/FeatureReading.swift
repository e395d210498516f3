import Foundation
import GeoKernel

/// Read access to a store for serving: every answer that must agree (a page, its count, its ETag,
/// the catalogue) is read through one `FeatureSnapshot`. SpatiaLite (`StoreReader`) and, for tests,
/// `InMemoryStore` implement it; the HTTP layer sees only this protocol.
public protocol FeatureReading: Sendable {
    /// Calls `body` with one consistent state of the store (a read transaction), valid only inside it.
    func withSnapshot<T>(_ body: (any FeatureSnapshot) throws -> T) throws -> T
    /// The content version a snapshot opened now would have, read as cheaply as the backend can and
    /// without waiting: SpatiaLite reads it in microseconds and throws rather than wait for a lock;
    /// PostGIS asks one statement on an idle connection without blocking a thread, and throws when
    /// none is idle. A caller that gets an error asks a snapshot instead. Safe on an event loop.
    func contentVersion() async throws -> Int
}

/// How many snapshots a store serves at once (SpatiaLite readers), and so how many threads the server
/// gives to reading pages: four per core, at least 8.
public let concurrentSnapshots = max(8, ProcessInfo.processInfo.activeProcessorCount * 4)

extension FeatureReading {
    /// A snapshot's version (right for stores in memory, where a snapshot is cheap).
    public func contentVersion() async throws -> Int { try withSnapshot { $0.contentVersion } }

    /// The layer catalogue, ordered by name.
    public func layers() throws -> [LayerRecord] { try withSnapshot { try $0.layers() } }
}

/// One consistent state of a store: the catalogue, every count and every page read through it agree,
/// whatever an import does meanwhile. Layers are named as in the catalogue; geometry is EPSG:4490.
public protocol FeatureSnapshot {
    /// Changes whenever any layer's content or the catalogue changes (an ETag ingredient).
    var contentVersion: Int { get }
    /// The catalogue, ordered by name.
    func layers() throws -> [LayerRecord]
    /// The catalogue entry, or nil for an unknown layer.
    func layer(_ name: String) throws -> LayerRecord?
    /// The layer's attribute fields, in column order.
    func fields(of layer: String) throws -> [FieldInfo]
    /// The field whose values identify features (an `id` or `…_id` field whose values are all
    /// present and distinct), or nil when features are identified by their row number.
    func identifierField(of layer: String) throws -> String?
    /// The page of features `query` selects, in its order.
    func page(of layer: String, query: FeatureQuery) throws -> [Feature]
    /// How many features the query's boxes and predicates select (limit and offset aside).
    func matchCount(of layer: String, query: FeatureQuery) throws -> Int
    /// The layer's temporal field with its first and last instants, or nil without one.
    func temporalExtent(of layer: String) throws -> TemporalExtent?
    /// `date` when every dated value of a text `field` is a bare date, else `date-time`.
    func temporalFormat(of layer: String, field: FieldInfo) throws -> String
    /// One feature by its id (the identifying field's value, or the row number), or nil.
    func feature(of layer: String, id: String) throws -> Feature?
    /// Throws `StoreError.unsupportedQuery` when this backend cannot run `predicate` on `layer`
    /// (past one of its limits), before any page is read.
    func check(_ predicate: FeaturePredicate, layer: String) throws
}

/// The fields that may identify a layer's features, in the order they are tried: an `id` field, then
/// fields ending in `_id` (any case). A backend takes the first whose values are all present and
/// distinct (`FeatureSnapshot.identifierField`).
public func identifierCandidates(_ fieldNames: [String]) -> [String] {
    fieldNames.filter { $0.lowercased() == "id" } + fieldNames.filter { $0.lowercased().hasSuffix("_id") }
}

/// The time a layer's features cover, from its temporal field (`TemporalExtent.field(in:)`).
public struct TemporalExtent: Sendable {
    public var field: FieldInfo
    /// The first instant, in seconds since 1970 UTC; nil when no value in the field is a date.
    public var start: Double?
    /// The last instant (a date's ends with its day).
    public var end: Double?

    public init(field: FieldInfo, start: Double?, end: Double?) { self.field = field; self.start = start; self.end = end }

    /// The field that gives a layer's features their time (for `datetime` and the temporal extent):
    /// the first field typed date or date-time, else the first text field named like a date —
    /// `date`, `datetime`, `time`, `timestamp`, a name ending in `_date`, `_datetime`, `_time` or `_at`,
    /// or one holding 日期 or 时间. nil when there is none.
    public static func field(in fields: [FieldInfo]) -> FieldInfo? {
        if let typed = fields.first(where: { $0.type == .date || $0.type == .dateTime }) { return typed }
        return fields.first { field in
            let name = field.name.lowercased()
            return field.type == .text && (["date", "datetime", "time", "timestamp"].contains(name)
                || ["_date", "_datetime", "_time", "_at"].contains { name.hasSuffix($0) }
                || name.contains("日期") || name.contains("时间"))
        }
    }
}
