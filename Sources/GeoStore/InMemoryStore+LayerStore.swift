import Foundation
import GeoKernel

/// The in-memory store as the jobs see a store: the reference `LayerStore`, so jobs can be tested
/// without SQLite and a second backend can be held to the same answers. Result layers are built
/// aside and put in place together, in one step under the store's lock: a snapshot sees all of the
/// old layers or all of the new.
extension InMemoryStore: LayerStore {
    public var location: String { "memory" }

    public func layers() throws -> [LayerRecord] { try withSnapshot { try $0.layers() } }

    public func layer(_ name: String) throws -> LayerRecord { try named(name).record }

    public func fields(of layer: String) throws -> [FieldInfo] { try named(layer).fields }

    private func named(_ name: String) throws -> Layer {
        let (layer, names) = state.withLock { ($0.layers[name], $0.layers.keys.sorted()) }
        guard let layer else { throw StoreError.unknownLayer(path: location, layer: name, available: names) }
        return layer
    }

    /// Features in id order; `filter` as SpatiaLite applies it: bounding boxes meeting a box, or a text
    /// prefix in any case, or a value among the listed ones (conditions on absent columns left out; a
    /// filter with none left admits nothing).
    public func forEachFeature(in layer: String, columns: [String]?, filter: FeatureFilter?,
                               _ body: (Feature) throws -> Void) throws {
        let l = try named(layer)
        let kept = columns.map { list in l.fields.map(\.name).filter(list.contains) } ?? l.fields.map(\.name)
        let present = Set(l.fields.map(\.name))
        let prefixes = filter?.textPrefixes.filter { present.contains($0.column) } ?? []
        let lists = filter?.valuesIn.filter { present.contains($0.column) } ?? []
        for feature in l.features {
            if let filter {
                let inBox = feature.geometry?.envelope.map { e in filter.boxes.contains { $0.intersects(e) } } ?? false
                let prefixed = prefixes.contains { c in feature[c.column]?.text?.lowercased().hasPrefix(c.prefix.lowercased()) ?? false }
                let listed = lists.contains { c in feature[c.column]?.text.map(c.values.contains) ?? false }
                guard inBox || prefixed || listed else { continue }
            }
            try body(Feature(id: feature.id, properties: kept.map { ($0, feature[$0] ?? .null) }, geometry: feature.geometry))
        }
    }

    public func setting(_ key: String) throws -> String? { settingValues.withLock { $0[key] } }

    public func settings() throws -> [String: String] { settingValues.withLock { $0 } }

    /// Sets (or with nil removes) a setting, checked by `StoreSettings.checked`.
    public func setSetting(_ key: String, _ value: String?) throws {
        let value = try StoreSettings.checked(key, value, location: location)
        settingValues.withLock { $0[key] = value }
    }

    /// Well-known binary: the rows' geometry is decoded again when they are put in.
    public var geometryEncoding: StoreGeometryEncoding { Self.wkbEncoding }

    static let wkbEncoding = StoreGeometryEncoding(name: "wkb") { geometry, _, out in out += WKB.encode(geometry) }

    @discardableResult
    public func writeResults(_ specs: [ResultLayerSpec], dropping: [String],
                             fill: (ResultLayerSpec, any ResultLayerSink) throws -> Void) throws -> [LayerRecord] {
        let stamp = ISO8601DateFormatter().string(from: Date())
        let built = try specs.map { spec -> Layer in
            let sink = MemoryResultSink(kind: spec.kind.storageKind, fields: spec.fields.map(\.name))
            try fill(spec, sink)
            return Self.layer(spec.name, fields: spec.fields, features: sink.features, kind: "result", sourceFile: spec.producedBy,
                              sourceLayer: spec.name, importedAt: stamp, declaredKind: spec.kind.storageKind,
                              repaired: sink.repaired, skipped: sink.skipped)
        }
        state.withLock { state in
            for name in dropping { state.layers[name] = nil }
            for layer in built { state.layers[layer.record.name] = layer }
            state.version += 1
        }
        return built.map(\.record)
    }
}

/// Collects the rows of one in-memory result layer.
final class MemoryResultSink: ResultLayerSink {
    private(set) var features: [Feature] = []
    /// Admits the rows appended one by one, and counts the layer's repaired and collapsed rows.
    private var gate: ResultGeometryGate
    var repaired: Int { gate.repaired }
    var skipped: Int { gate.collapsed }
    /// The spec's field names, in the order rows give their values.
    private let fields: [String]

    init(kind: GeometryKind, fields: [String]) { gate = ResultGeometryGate(kind: kind); self.fields = fields }

    private func add(_ values: some Collection<PropertyValue>, _ geometry: Geometry) {
        features.append(Feature(properties: Array(zip(fields, values)), geometry: geometry))
    }

    func append(_ values: [PropertyValue], geometry: Geometry) throws {
        if let admitted = try gate.admit(geometry) { add(values, admitted) }
    }

    func append(_ values: [PropertyValue], storedGeometry geometry: Geometry) throws {
        if let fitted = geometry.fitted(to: gate.kind) { add(values, fitted) }
    }

    func append(_ rows: ResultRows) throws {
        precondition(rows.encoding.name == InMemoryStore.wkbEncoding.name, "rows encoded as \(rows.encoding.name) for the in-memory store")
        var start = 0
        for r in 0..<rows.count {
            let end = rows.blobEnds[r]
            let geometry = try rows.blobs[start..<end].withUnsafeBytes { try WKB.decode($0) }
            add(rows.values[r * rows.width ..< (r + 1) * rows.width], geometry)
            start = end
        }
        gate.count(rows)
    }
}

extension InMemoryStore: LayerImporting {
    /// No limit of its own; the same as SpatiaLite's, so a file refused there is refused here.
    public var maximumFields: Int { 1_998 }

    /// The layers `body` imports are built aside and put in place together when it returns; when it
    /// throws, the store is as it was.
    public func importing<T>(_ body: (any LayerImportSession) throws -> T) throws -> T {
        let session = MemoryImportSession(store: self)
        let result = try body(session)
        let built = try session.layers.map { layer -> Layer in
            guard let finished = layer.finished else { throw StoreError.database(path: location, message: "layer \(layer.name) was not finished") }
            return finished
        }
        state.withLock { state in
            for layer in built { state.layers[layer.record.name] = layer }
            state.version += 1
        }
        return result
    }
}

/// The layers of one in-memory import, until it commits.
final class MemoryImportSession: LayerImportSession {
    let store: InMemoryStore
    private(set) var layers: [MemoryImportedLayer] = []

    init(store: InMemoryStore) { self.store = store }

    func createLayer(_ name: String, fields: [FieldInfo], kind: GeometryKind?, replace: Bool) throws -> any ImportedLayer {
        if !replace, (try? store.layer(name)) != nil || layers.contains(where: { $0.name == name }) {
            throw StoreError.layerExists(path: store.location, layer: name)
        }
        let layer = MemoryImportedLayer(name: name, fields: fields, kind: kind)
        layers.removeAll { $0.name == name }
        layers.append(layer)
        return layer
    }
}

/// One layer of an in-memory import: rows decoded from the store's encoding (WKB).
final class MemoryImportedLayer: ImportedLayer {
    let name: String
    let fields: [FieldInfo]
    private(set) var kind: GeometryKind?
    let sink: MemoryResultSink
    /// The layer as `finish` made it, put in place when the import commits.
    private(set) var finished: InMemoryStore.Layer?

    init(name: String, fields: [FieldInfo], kind: GeometryKind?) {
        self.name = name; self.fields = fields; self.kind = kind
        sink = MemoryResultSink(kind: kind ?? .geometry, fields: fields.map(\.name))
    }

    var count: Int { sink.features.count }

    func append(_ values: [PropertyValue], encodedGeometry: [UInt8], envelope: Envelope, kind: GeometryKind) throws {
        self.kind = self.kind ?? kind
        try sink.append(values, storedGeometry: try encodedGeometry.withUnsafeBytes { try WKB.decode($0) })
    }

    func finish(_ record: LayerRecord) throws -> LayerRecord {
        let layer = InMemoryStore.layer(name, fields: fields, features: sink.features, kind: record.kind, sourceFile: record.sourceFile,
                                        sourceLayer: record.sourceLayer, importedAt: record.importedAt, declaredKind: kind ?? .geometry,
                                        repaired: record.repairedCount, skipped: record.skippedCount)
        finished = layer
        return layer.record
    }
}

extension InMemoryStore: DistrictResultWriting {
    /// Replaces one district's rows of each result layer (see `DistrictResultWriting`): the other rows
    /// keep their order, the district's new rows follow.
    @discardableResult
    public func writeResults(_ specs: [ResultLayerSpec], district: String,
                             fill: (ResultLayerSpec, any ResultLayerSink) throws -> Void) throws -> [LayerRecord] {
        let stamp = ISO8601DateFormatter().string(from: Date())
        let sinks = try specs.map { spec -> MemoryResultSink in
            let sink = MemoryResultSink(kind: spec.kind.storageKind, fields: spec.fields.map(\.name))
            try fill(spec, sink)
            return sink
        }
        return try state.withLock { state in
            let built = try zip(specs, sinks).map { spec, sink -> Layer in
                var kept: [Feature] = []
                if let old = state.layers[spec.name] {
                    guard old.fields == spec.fields else { throw spec.districtMismatch(existing: old.fields, location: location) }
                    kept = old.features.filter { $0[ResultLayerSpec.districtField]?.text != district }
                }
                return Self.layer(spec.name, fields: spec.fields, features: kept + sink.features, kind: "result", sourceFile: spec.producedBy,
                                  sourceLayer: spec.name, importedAt: stamp, declaredKind: spec.kind.storageKind,
                                  repaired: sink.repaired, skipped: sink.skipped)
            }
            for layer in built { state.layers[layer.record.name] = layer }
            state.version += 1
            return built.map(\.record)
        }
    }
}
