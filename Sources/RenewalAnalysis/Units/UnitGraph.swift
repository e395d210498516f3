import Foundation
import GeoKernel

/// The contracted graph: a node per never-split group or parcel, with its totals.
struct NodeGraph {
    let area: [Double]
    let population: [Double]
    /// Sum of need scores and parcel count, for region means.
    let needSum: [Double]
    let needSquares: [Double]
    let count: [Int]
    /// Area-weighted centroid, metres.
    let centroid: [Position]
    let neighbours: [[Int]]

    init(parcels: [UnitParcel], members: [[Int]], neighbours: [[Int]]) {
        area = members.map { $0.reduce(0) { $0 + parcels[$1].area } }
        population = members.map { $0.reduce(0) { $0 + parcels[$1].population } }
        needSum = members.map { $0.reduce(0) { $0 + parcels[$1].need } }
        needSquares = members.map { $0.reduce(0) { $0 + parcels[$1].need * parcels[$1].need } }
        count = members.map(\.count)
        centroid = members.map { m in
            var x = 0.0, y = 0.0, w = 0.0
            for i in m {
                guard let c = parcels[i].geometry.envelope?.center else { continue }
                let a = max(parcels[i].area, 1e-9)
                x += c.x * a; y += c.y * a; w += a
            }
            return w > 0 ? Position(x / w, y / w) : Position(0, 0)
        }
        self.neighbours = neighbours
    }

    /// Connected components, each sorted, in order of their smallest node.
    func components() -> [[Int]] {
        connectedPieces(Array(area.indices), neighbours: neighbours) { _ in true }.map { $0.sorted() }
    }
}

/// The connected pieces among `nodes`, following `neighbours` only to nodes for which `member`
/// holds; pieces in the order of their first node in `nodes`, each in visiting order.
func connectedPieces(_ nodes: [Int], neighbours: [[Int]], member: (Int) -> Bool) -> [[Int]] {
    var seen = Set<Int>(), pieces: [[Int]] = []
    for start in nodes where !seen.contains(start) {
        var stack = [start], piece: [Int] = []
        seen.insert(start)
        while let n = stack.popLast() {
            piece.append(n)
            for m in neighbours[n] where member(m) && !seen.contains(m) { seen.insert(m); stack.append(m) }
        }
        pieces.append(piece)
    }
    return pieces
}
