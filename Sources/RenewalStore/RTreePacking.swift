import Foundation
import GeoKernel
import GRDB
import GeoStore

/// Fills a layer's SpatiaLite spatial index (an SQLite R*Tree virtual table) in one pass, by
/// Sort-Tile-Recursive packing, instead of one R*Tree insert per row.
///
/// SQLite's R*Tree costs ~10 µs an insert (choose-leaf, splits and forced reinserts), whatever the
/// page size, cache or insert order; a result layer of 600k rows spends seconds there. A packed
/// tree is built in memory from the rows' envelopes and written straight into the virtual table's
/// three shadow tables (`<index>_node`, `<index>_parent`, `<index>_rowid`) as ordinary rows, in
/// the node format of SQLite's `rtree.c`: a node is a blob of the table's node size holding a
/// 2-byte depth (meaningful in the root, node 1), a 2-byte cell count and cells of a 64-bit id
/// (row id in leaves, child node number above) and the box as four 32-bit floats (min x, max x,
/// min y, max y), all big-endian. Boxes are rounded outwards to `Float`, as the R*Tree does on
/// insert, so every stored box contains its geometry. The result passes SQLite's `rtreecheck()`
/// and SpatiaLite's `CheckSpatialIndex()`; later edits go through the R*Tree as usual.
struct RTreePacker {
    /// One leaf entry: a row id and its envelope in the layer's coordinates (EPSG:4490 degrees).
    struct Entry {
        var id: Int64
        var minX, maxX, minY, maxY: Float
    }

    private(set) var entries: [Entry] = []

    /// Adds a row's envelope, rounded outwards to single precision.
    mutating func add(id: Int64, _ envelope: Envelope) {
        entries.append(Entry(id: id, minX: Self.down(envelope.minX), maxX: Self.up(envelope.maxX),
                             minY: Self.down(envelope.minY), maxY: Self.up(envelope.maxY)))
    }

    static func down(_ value: Double) -> Float {
        let f = Float(value)
        return Double(f) > value ? f.nextDown : f
    }

    static func up(_ value: Double) -> Float {
        let f = Float(value)
        return Double(f) < value ? f.nextUp : f
    }

    /// A packed node before numbering: its cells (entries, or children by index into the level below).
    private struct Node {
        var cells: [Entry]
    }

    /// Groups `items` into nodes of at most `capacity` cells by STR: sort by the x centre, cut into
    /// ⌈√(nodes)⌉ vertical slices, sort each slice by the y centre and fill nodes in that order.
    private static func pack(_ items: [Entry], capacity: Int) -> [Node] {
        let nodeCount = (items.count + capacity - 1) / capacity
        let sliceCount = Int(Double(nodeCount).squareRoot().rounded(.up))
        let sliceSize = sliceCount * capacity
        let byX = items.sorted { ($0.minX + $0.maxX) < ($1.minX + $1.maxX) }
        var nodes: [Node] = []
        nodes.reserveCapacity(nodeCount)
        var start = 0
        while start < byX.count {
            let slice = byX[start..<min(start + sliceSize, byX.count)].sorted { ($0.minY + $0.maxY) < ($1.minY + $1.maxY) }
            var i = slice.startIndex
            while i < slice.endIndex {
                nodes.append(Node(cells: Array(slice[i..<min(i + capacity, slice.endIndex)])))
                i += capacity
            }
            start += sliceSize
        }
        return nodes
    }

    /// Replaces the content of the R*Tree `index` (created empty by SpatiaLite's CreateSpatialIndex)
    /// with a packed tree of the entries added. Runs inside the caller's write transaction.
    func write(index: String, in db: Database, storePath: String) throws {
        guard !entries.isEmpty else { return }
        let nodeTable = SQL.quote(index + "_node")
        // The node size is fixed when the R*Tree is created (from the page size); its empty root shows it.
        guard let nodeSize = try Int.fetchOne(db, sql: "SELECT length(data) FROM \(nodeTable) WHERE nodeno = 1"), nodeSize > 28 else {
            throw StoreError.database(path: storePath, message: "the spatial index \(index) has no root node")
        }
        let capacity = (nodeSize - 4) / 24
        // Levels bottom-up: level 0 holds leaves (cells are rows), each level above packs the boxes of the one below.
        var levels: [[Node]] = [Self.pack(entries, capacity: capacity)]
        while levels.last!.count > 1 {
            let below = levels.last!
            let boxes = below.indices.map { i -> Entry in
                var box = Entry(id: Int64(i), minX: .infinity, maxX: -.infinity, minY: .infinity, maxY: -.infinity)
                for c in below[i].cells {
                    box.minX = min(box.minX, c.minX); box.maxX = max(box.maxX, c.maxX)
                    box.minY = min(box.minY, c.minY); box.maxY = max(box.maxY, c.maxY)
                }
                return box
            }
            levels.append(Self.pack(boxes, capacity: capacity))
        }
        // Number the nodes top-down so the root is node 1; a cell above the leaves names its child's number.
        var numbers: [[Int64]] = levels.map { [Int64](repeating: 0, count: $0.count) }
        var next: Int64 = 1
        for level in levels.indices.reversed() {
            for i in levels[level].indices { numbers[level][i] = next; next += 1 }
        }
        try db.execute(sql: "DELETE FROM \(nodeTable)")
        try db.execute(sql: "DELETE FROM \(SQL.quote(index + "_parent"))")
        try db.execute(sql: "DELETE FROM \(SQL.quote(index + "_rowid"))")
        let nodeInsert = try BulkInsert(db, sql: "INSERT INTO \(nodeTable) (nodeno, data) VALUES (?, ?)", storePath: storePath)
        let parentInsert = try BulkInsert(db, sql: "INSERT INTO \(SQL.quote(index + "_parent")) (nodeno, parentnode) VALUES (?, ?)", storePath: storePath)
        let rowidInsert = try BulkInsert(db, sql: "INSERT INTO \(SQL.quote(index + "_rowid")) (rowid, nodeno) VALUES (?, ?)", storePath: storePath)
        let depth = levels.count - 1
        var blob = [UInt8](repeating: 0, count: nodeSize)
        // Which node holds each row and each child node, written afterwards in key order: SQLite
        // appends sorted keys to its B-trees instead of splitting pages all over them.
        var rowNodes: [(row: Int64, node: Int64)] = [], childParents: [(child: Int64, parent: Int64)] = []
        rowNodes.reserveCapacity(entries.count)
        for level in levels.indices.reversed() {
            for (i, node) in levels[level].enumerated() {
                let number = numbers[level][i]
                for k in blob.indices { blob[k] = 0 }
                if number == 1 { Self.put16(UInt16(depth), &blob, at: 0) }
                Self.put16(UInt16(node.cells.count), &blob, at: 2)
                for (c, cell) in node.cells.enumerated() {
                    let offset = 4 + c * 24
                    let id = level == 0 ? cell.id : numbers[level - 1][Int(cell.id)]
                    Self.put64(UInt64(bitPattern: id), &blob, at: offset)
                    Self.put32(cell.minX.bitPattern, &blob, at: offset + 8)
                    Self.put32(cell.maxX.bitPattern, &blob, at: offset + 12)
                    Self.put32(cell.minY.bitPattern, &blob, at: offset + 16)
                    Self.put32(cell.maxY.bitPattern, &blob, at: offset + 20)
                    if level == 0 {
                        rowNodes.append((cell.id, number))
                    } else {
                        childParents.append((id, number))
                    }
                }
                try nodeInsert.insert([.int(number)], blob: blob)
            }
        }
        rowNodes.sort { $0.row < $1.row }
        try Self.writeRowNodes(rowNodes, into: index + "_rowid", db: db, perRow: rowidInsert)
        childParents.sort { $0.child < $1.child }
        for pair in childParents { try parentInsert.insert(pair.child, pair.parent) }
    }

    /// Writes the row → leaf node pairs (sorted by row). When the rows are consecutive ids, as
    /// a bulk-loaded layer's are, one `INSERT … SELECT` per 100,000 rows reads the node numbers
    /// from a JSON array (`json_each`): about twice as fast as a statement per row.
    private static func writeRowNodes(_ rowNodes: [(row: Int64, node: Int64)], into table: String, db: Database,
                                      perRow: BulkInsert) throws {
        guard let first = rowNodes.first?.row, rowNodes.last!.row - first == Int64(rowNodes.count - 1) else {
            for pair in rowNodes { try perRow.insert(pair.row, pair.node) }
            return
        }
        let sql = "INSERT INTO \(SQL.quote(table)) (rowid, nodeno) SELECT key + ?, value FROM json_each(?)"
        let batch = 100_000
        for start in stride(from: 0, to: rowNodes.count, by: batch) {
            let slice = rowNodes[start..<min(start + batch, rowNodes.count)]
            var json = "["
            json.reserveCapacity(slice.count * 8 + 2)
            for (k, pair) in slice.enumerated() {
                if k > 0 { json += "," }
                json += String(pair.node)
            }
            json += "]"
            try db.execute(sql: sql, arguments: [first + Int64(start), json])
        }
    }

    private static func put16(_ v: UInt16, _ b: inout [UInt8], at i: Int) {
        b[i] = UInt8(v >> 8); b[i + 1] = UInt8(v & 0xff)
    }

    private static func put32(_ v: UInt32, _ b: inout [UInt8], at i: Int) {
        for k in 0..<4 { b[i + k] = UInt8((v >> (24 - 8 * UInt32(k))) & 0xff) }
    }

    private static func put64(_ v: UInt64, _ b: inout [UInt8], at i: Int) {
        for k in 0..<8 { b[i + k] = UInt8((v >> (56 - 8 * UInt64(k))) & 0xff) }
    }
}
