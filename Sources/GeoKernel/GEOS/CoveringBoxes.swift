import Foundation

extension Geometry {
    /// Boxes that together cover this geometry more tightly than its envelope: the envelope cut into
    /// `cells` × `cells` equal boxes, keeping those the geometry meets (GEOS prepared intersects). A long
    /// diagonal band keeps only the cells along its length (under `3 × cells` of the `cells²`) where its
    /// envelope takes the whole square: what a search of a spatial index by boxes wants. The boxes are in the geometry's own CRS and
    /// units (EPSG:4490 degrees for stored geometry, metres in a metric CRS), every part of the geometry
    /// lies in one of them, and they are listed column by column from the lower left. An empty
    /// geometry has none.
    public func coveringBoxes(cells: Int = 8) throws -> [Envelope] {
        guard let envelope else { return [] }
        let geos = try GEOSContext()
        let prepared = try GEOSPreparedGeometry(try geos.make(self))
        let width = envelope.width / Double(cells), height = envelope.height / Double(cells)
        var boxes: [Envelope] = []
        for column in 0..<cells {
            for row in 0..<cells {
                let box = Envelope(minX: envelope.minX + Double(column) * width, minY: envelope.minY + Double(row) * height,
                                   maxX: envelope.minX + Double(column + 1) * width, maxY: envelope.minY + Double(row + 1) * height)
                let corners = [Position(box.minX, box.minY), Position(box.maxX, box.minY), Position(box.maxX, box.maxY),
                               Position(box.minX, box.maxY), Position(box.minX, box.minY)]
                if try prepared.intersects(try geos.make(.polygon([corners]))) { boxes.append(box) }
            }
        }
        return boxes
    }
}
