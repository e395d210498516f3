import Foundation

/// A static R-tree over envelopes, packed once by Sort-Tile-Recursive (Leutenegger et al. 1997) and
/// never edited: "which of these boxes meet that box" in logarithmic time, in flat arrays (no node
/// objects). Coordinates are in whatever units the envelopes use.
public struct PackedBoxTree: Sendable {
    /// The boxes of every level, bottom-up: level 0 holds the items (in packed order), each level
    /// above one box per node of `capacity` boxes of the level below.
    private let levels: [[Envelope]]
    /// Level 0's position → the item's index in the array the tree was built from.
    private let items: [Int32]
    private let capacity: Int

    /// Packs `envelopes`; an empty envelope is never found.
    public init(_ envelopes: [Envelope], capacity: Int = 16) {
        self.capacity = max(2, capacity)
        let order = Self.strOrder(envelopes.indices.map { envelopes[$0].center }, capacity: self.capacity)
        items = order.map(Int32.init)
        var levels = [order.map { envelopes[$0] }]
        while levels[levels.count - 1].count > 1 {
            let below = levels[levels.count - 1]
            var above: [Envelope] = []
            above.reserveCapacity(below.count / self.capacity + 1)
            var start = 0
            while start < below.count {
                var box = Envelope.empty
                for e in below[start..<min(start + self.capacity, below.count)] where !e.isEmpty { box.expand(toInclude: e) }
                above.append(box)
                start += self.capacity
            }
            levels.append(above)
        }
        self.levels = levels
    }

    /// How many items the tree holds.
    public var count: Int { items.count }

    /// The order in which STR packs items with these centres: sorted by x, cut into ⌈√(leaves)⌉
    /// vertical slices, each slice sorted by y. Consecutive runs of `capacity` items form the leaves.
    static func strOrder(_ centres: [Position], capacity: Int) -> [Int] {
        let leaves = (centres.count + capacity - 1) / capacity
        let sliceSize = max(1, Int(Double(leaves).squareRoot().rounded(.up))) * capacity
        let byX = centres.indices.sorted { centres[$0].x < centres[$1].x || (centres[$0].x == centres[$1].x && $0 < $1) }
        var order: [Int] = []
        order.reserveCapacity(centres.count)
        var start = 0
        while start < byX.count {
            order += byX[start..<min(start + sliceSize, byX.count)].sorted { centres[$0].y < centres[$1].y || (centres[$0].y == centres[$1].y && $0 < $1) }
            start += sliceSize
        }
        return order
    }

    /// The indexes (into the array the tree was built from) of the envelopes that meet `box`,
    /// boundaries included, in ascending order.
    public func search(_ box: Envelope, into result: inout [Int]) {
        result.removeAll(keepingCapacity: true)
        guard !items.isEmpty, !box.isEmpty else { return }
        // (level, node) pairs still to visit; a node of level L covers positions
        // node*capacity ..< (node+1)*capacity of level L-1.
        var pending: [(level: Int, node: Int)] = [(levels.count - 1, 0)]
        while let (level, node) = pending.popLast() {
            guard levels[level][node].intersects(box) else { continue }
            if level == 0 {
                result.append(Int(items[node]))
                continue
            }
            let below = levels[level - 1]
            for child in node * capacity..<min((node + 1) * capacity, below.count) { pending.append((level - 1, child)) }
        }
        result.sort()
    }
}
