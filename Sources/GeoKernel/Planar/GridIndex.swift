import Foundation

/// A uniform grid over envelopes for "which of these overlap that box" queries.
public struct GridIndex: Sendable {
    private let cell: Double
    private let origin: Position
    private var buckets: [Int64: [Int]] = [:]
    private let envelopes: [Envelope]

    /// `cellSize` in the envelopes' units; default: the largest envelope's width or height.
    public init(envelopes: [Envelope], cellSize: Double? = nil) {
        self.envelopes = envelopes
        var all = Envelope.empty
        envelopes.forEach { all.expand(toInclude: $0) }
        let typical = envelopes.map { max($0.width, $0.height) }.max() ?? 1
        cell = max(cellSize ?? typical, 1)
        origin = all.isEmpty ? Position(0, 0) : Position(all.minX, all.minY)
        for (i, e) in envelopes.enumerated() {
            for key in keys(e) { buckets[key, default: []].append(i) }
        }
    }

    private func keys(_ e: Envelope) -> [Int64] {
        let x0 = Int64(((e.minX - origin.x) / cell).rounded(.down)), x1 = Int64(((e.maxX - origin.x) / cell).rounded(.down))
        let y0 = Int64(((e.minY - origin.y) / cell).rounded(.down)), y1 = Int64(((e.maxY - origin.y) / cell).rounded(.down))
        var out: [Int64] = []
        for x in x0...x1 { for y in y0...y1 { out.append((x << 32) ^ (y & 0xFFFF_FFFF)) } }
        return out
    }

    /// Indexes of envelopes that intersect `e`, ascending, without repeats.
    public func query(_ e: Envelope, into result: inout [Int]) {
        result.removeAll(keepingCapacity: true)
        guard !envelopes.isEmpty else { return }
        for key in keys(e) { if let b = buckets[key] { result += b } }
        result.sort()
        var unique = 0
        for i in result.indices where i == 0 || result[i] != result[i - 1] {
            if envelopes[result[i]].intersects(e) { result[unique] = result[i]; unique += 1 }
        }
        result.removeLast(result.count - unique)
    }
}
