import Foundation
import GeoKernel
import GeoStore
import Synchronization

/// Layers held in memory for serving pages of a box, the commonest request of a web map, without
/// asking the store: every feature at one content version of the store, its GeoJSON written once as
/// a page writes it, its bounding box in a packed R-tree. A request is answered from the held copy
/// only when the store's content version is still the copy's, so an answer from memory is byte for
/// byte the answer the store would give (`HeldLayersTests`). A layer is loaded in the background the
/// first time it is asked for at a version; until then its pages come from the store.
public final class HeldLayers: Sendable {
    /// The largest layer held, in features (0: none is held).
    public let maximumFeatures: Int

    /// What is known of a layer: its copy, or the version a copy is being loaded for, or the version
    /// at which it was found too large (or gone).
    private enum Entry {
        case held(HeldLayer)
        case loading(version: Int)
        case notHeld(version: Int)
    }
    private let entries = Mutex<[String: Entry]>([:])
    private let answered = Atomic<Int>(0)

    /// How many items requests a held copy has answered since the server started.
    public var pagesAnswered: Int { answered.load(ordering: .relaxed) }

    public init(maximumFeatures: Int) { self.maximumFeatures = maximumFeatures }

    /// The copy of `layer` at content version `version`, or nil; starts loading one from `store`
    /// when there is none (loading reads the store in a snapshot of its own, on a thread of its own,
    /// once per layer and version).
    func copy(of layer: String, version: Int, store: any FeatureReading) -> HeldLayer? {
        guard maximumFeatures > 0 else { return nil }
        let (copy, load) = claim(layer, version: version)
        if load { Thread.detachNewThread { [self] in loadClaimed(layer, version: version, from: store) } }
        return copy
    }

    /// The held copy of `layer` at `version`, or whether the caller is to load one (no copy, and no
    /// load of that version under way or refused).
    private func claim(_ layer: String, version: Int) -> (HeldLayer?, load: Bool) {
        entries.withLock { entries in
            switch entries[layer] {
            case .held(let copy) where copy.version == version: return (copy, false)
            case .loading(let v) where v == version, .notHeld(let v) where v == version: return (nil, false)
            default:
                entries[layer] = .loading(version: version)
                return (nil, true)
            }
        }
    }

    /// Loads a layer claimed at `version`; returns the copy held (nil: too large, gone, or failed).
    @discardableResult
    private func loadClaimed(_ layer: String, version: Int, from store: any FeatureReading) -> HeldLayer? {
        let loaded = try? HeldLayer.load(layer, from: store, maximumFeatures: maximumFeatures)
        entries.withLock { entries in
            guard case .loading(let v) = entries[layer], v == version else { return }
            entries[layer] = loaded.map(Entry.held) ?? .notHeld(version: version)
        }
        return loaded
    }

    /// Loads every layer of `store` of at most `maximumFeatures` features, one after another on the
    /// calling thread (a server's warm-up, so its first pages of a box come from memory too);
    /// `report` hears of each layer held.
    public func warmUp(from store: any FeatureReading, report: (_ layer: LayerRecord, _ seconds: Double) -> Void) {
        guard maximumFeatures > 0, let version = try? store.withSnapshot({ $0.contentVersion }),
              let layers = try? store.layers() else { return }
        for record in layers where record.featureCount <= maximumFeatures {
            let started = Date()
            guard claim(record.name, version: version).load, loadClaimed(record.name, version: version, from: store) != nil else { continue }
            report(record, Date().timeIntervalSince(started))
        }
    }

    func countAnswer() { answered.add(1, ordering: .relaxed) }

    /// Loads `layer` now, on the calling thread, and holds it (for tests and warm-up); false when it
    /// is not held (too large, or gone).
    @discardableResult
    public func load(_ layer: String, from store: any FeatureReading) throws -> Bool {
        guard maximumFeatures > 0, let copy = try HeldLayer.load(layer, from: store, maximumFeatures: maximumFeatures) else { return false }
        entries.withLock { $0[layer] = .held(copy) }
        return true
    }

    /// The query parameters a held copy answers: a box (in any CRS) and a page, as GeoJSON in CRS84.
    /// Property filters, `filter`, `datetime`, `sortby`, `properties`, `crs` and `f=html` go to the store.
    static let parameters: Set<String> = ["limit", "offset", "bbox", "bbox-crs", "f"]
}

/// One layer in memory at one content version of its store (see `HeldLayers`).
final class HeldLayer: Sendable {
    let record: LayerRecord
    let version: Int
    let fields: [FieldInfo]
    let identifier: String?
    let envelopes: [Envelope]
    /// The features' geometries (apart, so the box test touches nothing else).
    let geometries: [Geometry?]
    /// Every feature's GeoJSON as a page writes it: feature i is `encoded[starts[i]..<starts[i + 1]]`.
    let encoded: [UInt8]
    let starts: [Int]
    let tree: PackedBoxTree

    /// `features` in row-id order, as the store reads them; only their geometry and GeoJSON are kept.
    init(record: LayerRecord, version: Int, fields: [FieldInfo], identifier: String?, features: [Feature]) {
        self.record = record; self.version = version; self.fields = fields; self.identifier = identifier
        geometries = features.map(\.geometry)
        envelopes = geometries.map { $0?.envelope ?? .empty }
        var encoded: [UInt8] = []
        var starts: [Int] = [0]
        starts.reserveCapacity(features.count + 1)
        for feature in features {
            GeoJSON.write(feature.identified(by: identifier), to: &encoded)
            starts.append(encoded.count)
        }
        self.encoded = encoded; self.starts = starts
        tree = PackedBoxTree(envelopes)
    }

    /// Reads every feature of `layer` in one snapshot of `store`; nil when the layer is unknown or
    /// has more than `maximumFeatures` features.
    static func load(_ layer: String, from store: any FeatureReading, maximumFeatures: Int) throws -> HeldLayer? {
        try store.withSnapshot { snapshot in
            guard let record = try snapshot.layer(layer), record.featureCount <= maximumFeatures else { return nil }
            let batch = 10_000
            var features: [Feature] = []
            features.reserveCapacity(record.featureCount)
            while true {
                let page = try snapshot.page(of: layer, query: FeatureQuery(limit: batch, offset: features.count))
                features += page
                if page.count < batch { break }
            }
            return HeldLayer(record: record, version: snapshot.contentVersion, fields: try snapshot.fields(of: layer),
                             identifier: try snapshot.identifierField(of: layer), features: features)
        }
    }

    /// The positions of the features meeting one of `boxes` (all features without boxes), ascending.
    func matches(_ boxes: [Envelope]) throws -> [Int] {
        guard !boxes.isEmpty else { return Array(geometries.indices) }
        // GEOS only for features whose box straddles an edge of a query box (made on first need).
        var meeting: BoxMeeting?
        func meets(_ i: Int) throws -> Bool {
            let e = envelopes[i]
            if boxes.contains(where: { $0.minX <= e.minX && e.maxX <= $0.maxX && $0.minY <= e.minY && e.maxY <= $0.maxY }) { return true }
            guard let geometry = geometries[i] else { return false }
            if meeting == nil { meeting = try BoxMeeting(boxes) }
            return try meeting!.meets(geometry, envelope: e)
        }
        var candidates: [Int] = []
        var found: [Int] = []
        for box in boxes {
            tree.search(box, into: &candidates)
            found += candidates
        }
        if boxes.count > 1 { found = Array(Set(found)).sorted() }
        return try found.filter(meets)
    }

    /// The GeoJSON of the feature at `position`.
    func geoJSON(_ position: Int) -> ArraySlice<UInt8> { encoded[starts[position]..<starts[position + 1]] }
}

/// A held layer seen as a store snapshot: its catalogue entry, fields and pages of a box. Queries
/// with predicates or sort keys are refused (`HeldLayers.parameters` keeps them away).
struct HeldSnapshot: FeatureSnapshot {
    let copy: HeldLayer

    var contentVersion: Int { copy.version }
    func layers() throws -> [LayerRecord] { [copy.record] }
    func layer(_ name: String) throws -> LayerRecord? { name == copy.record.name ? copy.record : nil }
    func fields(of layer: String) throws -> [FieldInfo] { copy.fields }
    func identifierField(of layer: String) throws -> String? { copy.identifier }

    /// The positions of the query's features, in row-id order, limit and offset applied.
    func positions(_ query: FeatureQuery) throws -> ArraySlice<Int> {
        guard query.predicates.isEmpty, query.sortBy.isEmpty else { throw Self.storeOnly }
        let all = try copy.matches(query.boxes)
        let start = min(query.offset, all.count)
        return all[start..<min(all.count, start + query.limit)]
    }

    /// Not asked: a held page is written from the GeoJSON kept (`ItemsPlan.read`).
    func page(of layer: String, query: FeatureQuery) throws -> [Feature] { throw Self.storeOnly }

    func matchCount(of layer: String, query: FeatureQuery) throws -> Int {
        var all = query
        all.offset = 0; all.limit = .max
        return try positions(all).count
    }

    // Asked only by requests `HeldLayers.parameters` sends to the store.
    func temporalExtent(of layer: String) throws -> TemporalExtent? { throw Self.storeOnly }
    func temporalFormat(of layer: String, field: FieldInfo) throws -> String { throw Self.storeOnly }
    func feature(of layer: String, id: String) throws -> Feature? { throw Self.storeOnly }
    func check(_ predicate: FeaturePredicate, layer: String) throws { throw Self.storeOnly }

    static let storeOnly = StoreError.unsupportedQuery("a layer held in memory answers boxes and pages only")
}

extension FeaturesService {
    /// The snapshot to answer an items request of collection `id` from memory, when the request
    /// asks for no more than a box and a page and a copy of the layer at the store's current content
    /// version is held; nil otherwise (then read a snapshot of the store). Never waits on the store:
    /// safe on an event loop. The plan made in it (`items(_:parameters:base:target:in:)`) reads and
    /// writes the page in memory.
    public func heldSnapshot(_ id: String, parameters: QueryParameters) async -> (any FeatureSnapshot)? {
        guard held.maximumFeatures > 0, parameters.names.allSatisfy(HeldLayers.parameters.contains), parameters["f"] != "html",
              Self.hasProperBoxes(parameters),
              let version = try? await store.contentVersion(), let copy = held.copy(of: id, version: version, store: store) else { return nil }
        held.countAnswer()
        return HeldSnapshot(copy: copy)
    }
}

extension FeaturesService {
    /// False when the request's `bbox` has no width or no height (or does not parse): such a box is
    /// not a polygon, and the store's answer (or error) is the one given.
    static func hasProperBoxes(_ parameters: QueryParameters) -> Bool {
        guard let bbox = parameters["bbox"] else { return true }
        do {
            let crs = try parameters["bbox-crs"].flatMap { try CRSChoice.requested($0, parameter: "bbox-crs") }
            return try CRSChoice.boxes(bbox: bbox, in: crs).allSatisfy(\.hasArea)
        } catch {
            return false
        }
    }
}

extension Envelope {
    /// Positive width and height.
    var hasArea: Bool { maxX > minX && maxY > minY }
}
