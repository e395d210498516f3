import Foundation
import Testing
@testable import GeoKernel

@Suite struct CoveringBoxesTests {
    /// A band 1 unit wide along the diagonal of a 100 × 100 square: its envelope is the whole square.
    static let band = Geometry.polygon([[Position(0, 0), Position(1, 0), Position(100, 99), Position(100, 100),
                                         Position(99, 100), Position(0, 1), Position(0, 0)]])

    static func polygon(_ box: Envelope) -> Geometry {
        .polygon([[Position(box.minX, box.minY), Position(box.maxX, box.minY), Position(box.maxX, box.maxY),
                   Position(box.minX, box.maxY), Position(box.minX, box.minY)]])
    }

    @Test("A long thin diagonal band gets far fewer of the 8 × 8 cells than its envelope, and the boxes cover it")
    func diagonalBand() throws {
        let boxes = try Self.band.coveringBoxes()
        // The eight cells on the diagonal, and the neighbours the band brushes where it crosses a cell corner.
        #expect(boxes.count >= 8 && boxes.count <= 22, "\(boxes.count) boxes")
        let area = boxes.reduce(0) { $0 + $1.width * $1.height }
        #expect(area <= 0.35 * 100 * 100)
        for box in boxes { #expect(abs(box.width - 12.5) < 1e-9 && abs(box.height - 12.5) < 1e-9) }
        let geos = try GEOSContext()
        let cover = try geos.make(try geos.union(of: boxes.map(Self.polygon)))
        #expect(try cover.holds(.contains, with: try geos.make(Self.band)))
        // Cells the band does not reach are left out: the corner far from the diagonal.
        #expect(!boxes.contains { $0.minX == 87.5 && $0.minY == 0 })
    }

    @Test("A square takes every cell, a finer grid keeps fewer of the band's area, an empty geometry none")
    func gridAndEmpty() throws {
        let square = Self.polygon(Envelope(minX: 10, minY: 20, maxX: 30, maxY: 40))
        #expect(try square.coveringBoxes(cells: 4).count == 16)
        let coarse = try Self.band.coveringBoxes(cells: 4), fine = try Self.band.coveringBoxes(cells: 16)
        func area(_ boxes: [Envelope]) -> Double { boxes.reduce(0) { $0 + $1.width * $1.height } }
        #expect(area(fine) < area(coarse))
        #expect(try Geometry.polygon([]).coveringBoxes().isEmpty)
        #expect(try Geometry.multiPolygon([]).coveringBoxes().isEmpty)
    }

    @Test("dissolvedPieces: overlapping polygons merge into one piece, a separate one stays apart")
    func dissolve() throws {
        let a = Self.polygon(Envelope(minX: 0, minY: 0, maxX: 2, maxY: 2)), b = Self.polygon(Envelope(minX: 1, minY: 1, maxX: 3, maxY: 3))
        let c = Self.polygon(Envelope(minX: 10, minY: 10, maxX: 11, maxY: 11))
        let pieces = try GEOSContext().dissolvedPieces(of: [a, b, c])
        #expect(pieces.count == 2)
        let areas = try pieces.map { try GEOSContext().make($0).area() }.sorted()
        #expect(abs(areas[0] - 1) < 1e-9 && abs(areas[1] - 7) < 1e-9)
        #expect(try GEOSContext().dissolvedPieces(of: [a]).count == 1)
    }
}
