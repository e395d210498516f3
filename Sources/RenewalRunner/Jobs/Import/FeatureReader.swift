import Foundation
import GeoFiles
import GeoKernel
import RenewalDomain
import GeoStore

/// The reading half of an import, run on its own thread: reads features from the file,
/// reprojects them to EPSG:4490, fits them to the layer's kind, checks validity with GEOS
/// (repairing with MakeValid, or stopping under --strict) and encodes geometry as the store wants it.
/// Its counters and warnings are read by the writer after the batch queue has closed.
final class FeatureReader {
    struct Row {
        var values: [PropertyValue]
        var blob: [UInt8]
        var envelope: Envelope
    }

    struct Batch {
        var kind: GeometryKind
        var rows: [Row]
    }

    static let batchSize = 512

    private let source: SourceLayer
    private let options: ImportOptions
    private(set) var sourceCRS: CRS?
    private(set) var kind: GeometryKind?
    private(set) var warnings: [String] = []
    private(set) var repaired = 0, skipped = 0
    private(set) var repairedExamples: [String] = [], skippedExamples: [String] = []
    private(set) var positionsOutsideChina: Int?
    /// Land-use code check: codes not in the 2023 list, GB 50137 letter codes seen or converted.
    private(set) var unknownCodes = 0, letterCodes = 0, convertedCodes = 0
    private(set) var unknownCodeExamples: [String] = [], letterCodeExamples: [String] = []
    private let landUseIndex: Int?

    /// How the store takes geometry (SpatiaLite blobs for SpatiaLite).
    private let encoding: StoreGeometryEncoding

    init(source: SourceLayer, options: ImportOptions, crs: CRS?, kind: GeometryKind?, encoding: StoreGeometryEncoding) {
        self.source = source
        self.encoding = encoding
        self.options = options
        self.sourceCRS = crs
        self.kind = kind
        landUseIndex = source.fields.firstIndex { (options.renames[$0.name] ?? $0.name) == options.landUseField }
    }

    /// Checks (and with --map-gb50137 converts) the feature's land-use code.
    private func checkLandUse(_ feature: inout SourceFeature) {
        guard let i = landUseIndex, let code = feature.values[i].text, !code.isEmpty, !LandUseCodes.isKnown(code) else { return }
        let example = "\(source.location(of: feature.index, values: feature.values)): \"\(code)\""
        if let mapped = LandUseCodes.fromGB50137(code) {
            if options.mapGB50137 { feature.values[i] = .string(mapped); convertedCodes += 1; return }
            letterCodes += 1
            if letterCodeExamples.count < LayerImporter.listedExamples { letterCodeExamples.append(example) }
        } else {
            unknownCodes += 1
            if unknownCodeExamples.count < LayerImporter.listedExamples { unknownCodeExamples.append(example) }
        }
    }

    private var path: String { source.source.path }

    private func skip(_ feature: SourceFeature, _ why: String) {
        skipped += 1
        if skippedExamples.count < LayerImporter.listedExamples {
            skippedExamples.append("\(path): \(source.location(of: feature.index, values: feature.values)): \(why)")
        }
    }

    /// Reads the whole layer into `queue`, then closes it (with the error, if one stops the read).
    func read(into queue: BoundedQueue<Batch>) throws {
        let checker = GeometryChecker()
        var projector: Projector? = nil
        var rows: [Row] = []
        rows.reserveCapacity(Self.batchSize)
        try source.forEachFeature { feature in
            var feature = feature
            checkLandUse(&feature)
            guard var geometry = feature.geometry, !geometry.isEmpty else {
                skip(feature, feature.geometry == nil ? "no geometry" : "empty geometry")
                return
            }
            if projector == nil {
                if sourceCRS == nil {
                    guard let env = geometry.envelope, env.minX >= 73, env.maxX <= 136, env.minY >= 3, env.maxY <= 54 else {
                        throw StoreError.noCRS(path: path, layer: source.name)
                    }
                    sourceCRS = .cgcs2000
                    warnings.append("\(path): layer \(source.name) declares no CRS; its coordinates are lon/lat inside China, taken as EPSG:4490 (CGCS2000). Pass --crs if they are GCJ02, BD09 or another CRS.")
                }
                projector = try Projector(from: sourceCRS!, to: .cgcs2000)
            }
            do {
                try projector!.transform(&geometry)
            } catch {
                throw FileError(path: path, location: source.location(of: feature.index, values: feature.values), reason: "\(error)")
            }
            guard let env = geometry.envelope, env.minX >= -180, env.maxX <= 180, env.minY >= -90, env.maxY <= 90 else {
                throw FileError(path: path, location: source.location(of: feature.index, values: feature.values),
                                reason: "coordinates are not lon/lat after converting from \(sourceCRS!) (is that the file's CRS? pass --crs)")
            }

            let kind = self.kind ?? geometry.kind.storageKind
            self.kind = kind
            guard let fitted = geometry.fitted(to: kind) else {
                if options.strict {
                    throw StoreError.incompatibleGeometry(location: "\(path): " + source.location(of: feature.index, values: feature.values),
                                                          kind: geometry.kind.rawValue, layerKind: kind.rawValue)
                }
                skip(feature, "a \(geometry.kind.rawValue) in a \(kind.rawValue) layer")
                return
            }
            geometry = fitted

            if kind.dimension != 0 {
                // Checked with GEOS (unclosed rings count as invalid: GEOS would close them silently);
                // a repair is fitted to the layer's kind, and one with nothing left of it collapses.
                let check: ValidityCheck
                do { check = try checker.check(geometry, kind: kind) } catch { check = .collapsed(reason: "\(error)") }
                // Only a geometry that is not valid needs its location named (formatting it for every
                // feature cost ~15 % of an import).
                var location: String { "\(path): " + source.location(of: feature.index, values: feature.values) }
                switch check {
                case .valid: break
                case .repaired(let fixed, let reason):
                    if options.strict { throw StoreError.invalidGeometry(location: location, reason: reason) }
                    geometry = fixed
                    repaired += 1
                    if repairedExamples.count < LayerImporter.listedExamples { repairedExamples.append("\(location): \(reason)") }
                case .collapsed(let reason):
                    if options.strict { throw StoreError.invalidGeometry(location: location, reason: reason) }
                    skip(feature, "invalid (\(reason)) and nothing is left after repair")
                    return
                }
            }
            guard let envelope = geometry.envelope else { return }
            var blob: [UInt8] = []
            encoding.encode(geometry, envelope, &blob)
            rows.append(Row(values: feature.values, blob: blob, envelope: envelope))
            if rows.count == Self.batchSize {
                try queue.put(Batch(kind: kind, rows: rows))
                rows.removeAll(keepingCapacity: true)
            }
        }
        if !rows.isEmpty { try queue.put(Batch(kind: kind!, rows: rows)) }
        positionsOutsideChina = projector?.positionsOutsideChina
        queue.close(with: nil)
    }
}

/// Hands a non-Sendable object to exactly one other thread. Honest only when the giver does not
/// touch the object until the receiver is done with it (here: until the batch queue closes).
struct UncheckedHandoff<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A bounded FIFO between one producer thread and one consumer: `put` blocks while full, `take`
/// blocks while empty and returns nil once closed and drained (or throws the producer's error).
final class BoundedQueue<T>: @unchecked Sendable {
    private var items: [T] = []
    private var head = 0
    private let capacity: Int
    private var closed = false
    private var failure: Error?
    private var abandoned = false
    private let condition = NSCondition()

    init(capacity: Int) { self.capacity = capacity }

    /// Adds an item; throws `CancellationError` when the consumer has gone away.
    func put(_ item: T) throws {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !abandoned { condition.wait() }
        if abandoned { throw CancellationError() }
        items.append(item)
        condition.broadcast()
    }

    /// Ends the stream, with the error that stopped the producer if any.
    func close(with error: Error?) {
        condition.lock()
        closed = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    func take() throws -> T? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        if head < items.count {
            let item = items[head]
            head += 1
            if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
            condition.broadcast()
            return item
        }
        if let failure { throw failure }
        return nil
    }

    /// The consumer stops early (e.g. on a write error): wakes a blocked producer, which then stops.
    func abandon() {
        condition.lock()
        abandoned = true
        condition.broadcast()
        condition.unlock()
    }

}
