import Foundation
import Testing
import TestSupport
@testable import GeoKernel

@Suite struct PackedBoxTreeTests {
    /// `count` boxes of mixed sizes over a 1000 × 1000 square, a few of them very long (streets a
    /// kilometre long), and some empty.
    static func boxes(_ count: Int, _ random: inout SeededRandom) -> [Envelope] {
        (0..<count).map { i in
            if i % 97 == 0 { return .empty }
            let x = random.uniform(0, 1000), y = random.uniform(0, 1000)
            let long = i % 31 == 0
            let w = long ? random.uniform(200, 900) : random.uniform(0, 12), h = random.uniform(0, long ? 3 : 12)
            return Envelope(minX: x, minY: y, maxX: x + w, maxY: y + h)
        }
    }

    @Test("A search finds exactly the boxes a scan finds, ascending, for trees of 0 to 5,000 boxes (seeded)")
    func searchEqualsScan() {
        let seed: UInt64 = 20261207
        print("PackedBoxTreeTests seed \(seed)")
        var random = SeededRandom(seed: seed)
        for count in [0, 1, 2, 15, 16, 17, 255, 5_000] {
            let boxes = Self.boxes(count, &random)
            let tree = PackedBoxTree(boxes)
            #expect(tree.count == count)
            var found: [Int] = []
            for _ in 0..<200 {
                let x = random.uniform(-50, 1000), y = random.uniform(-50, 1000), s = random.uniform(0, 150)
                let query = Envelope(minX: x, minY: y, maxX: x + s, maxY: y + s * random.uniform(0, 2))
                tree.search(query, into: &found)
                let scanned = boxes.indices.filter { boxes[$0].intersects(query) }
                #expect(found == scanned, "count \(count), query \(query)")
            }
        }
    }

    @Test("Boxes that only touch the query at an edge or a corner are found")
    func touching() {
        let boxes = [Envelope(minX: 0, minY: 0, maxX: 1, maxY: 1), Envelope(minX: 2, minY: 2, maxX: 3, maxY: 3)]
        var found: [Int] = []
        PackedBoxTree(boxes).search(Envelope(minX: 1, minY: 1, maxX: 2, maxY: 2), into: &found)
        #expect(found == [0, 1])
    }

    @Test("BoxMeeting decides as GEOS intersects does: a polygon whose envelope meets the box but whose shape does not is left out")
    func exactTest() throws {
        // An L-shaped parcel: its envelope covers the box's corner, its shape does not reach it.
        let l = Geometry.polygon([[Position(0, 0), Position(10, 0), Position(10, 1), Position(1, 1), Position(1, 10),
                                   Position(0, 10), Position(0, 0)]])
        let meeting = try BoxMeeting([Envelope(minX: 5, minY: 5, maxX: 20, maxY: 20)])
        #expect(try !meeting.meets(l, envelope: l.envelope!))
        let touching = try BoxMeeting([Envelope(minX: 10, minY: -5, maxX: 20, maxY: 0.5)])
        #expect(try touching.meets(l, envelope: l.envelope!))
        let line = Geometry.lineString([Position(-5, 5), Position(25, 5)])
        #expect(try meeting.meets(line, envelope: line.envelope!))
        // An envelope inside the box settles it without GEOS; one apart from every box too.
        let small = Geometry.point(Position(7, 7))
        #expect(try meeting.meets(small, envelope: small.envelope!))
        #expect(try !meeting.meets(.point(Position(30, 30)), envelope: Position(30, 30).envelopeOfPoint))
    }
}

private extension Position {
    var envelopeOfPoint: Envelope { Envelope(minX: x, minY: y, maxX: x, maxY: y) }
}
