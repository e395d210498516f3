import Dispatch
import Foundation
import Testing
import TestSupport
import GeoKernel
import Support

/// A request's CRS as the server reads it: the CRS, and whether its EPSG axis order puts northing first.
struct RequestCRS: CustomTestStringConvertible {
    var crs: CRS
    var swap: Bool
    /// A box in the CRS's own axis order, over central Chongqing.
    var box: Envelope
    var testDescription: String { "\(crs)\(swap ? " (northing first)" : "")" }
}

let requestCRSs = [
    // CGCS2000 / 3° GK CM 108E: (northing, easting).
    RequestCRS(crs: .epsg(4545), swap: true, box: Envelope(minX: 3_268_000, minY: 355_000, maxX: 3_276_500, maxY: 366_250)),
    // Web Mercator: (easting, northing).
    RequestCRS(crs: .webMercator, swap: false, box: Envelope(minX: 11_855_000, minY: 3_440_000, maxX: 11_870_500, maxY: 3_452_250)),
    // WGS 84: (latitude, longitude).
    RequestCRS(crs: .wgs84, swap: true, box: Envelope(minX: 29.5, minY: 106.5, maxX: 29.61, maxY: 106.63)),
]

/// The kernel's box and axis functions give, bit for bit, what the server and the CQL2 compiler
/// computed inline before they moved to the kernel (the references below are that code, as it stood
/// at 4609dd2, with a projector made per call), so every HTTP answer stays the same.
@Suite struct BoxTransformTests {
    /// Every coordinate's bits, in storage order (`==` would take 0.0 for −0.0).
    func bits(_ g: Geometry) -> [UInt64] {
        var out: [UInt64] = []
        g.forEachPosition { out += [$0.x.bitPattern, $0.y.bitPattern] }
        return out
    }

    /// FeaturesAPI.boxes before: the box (in its CRS's axis order) read as (east, north), each edge
    /// sampled at 21 positions, transformed to EPSG:4490 with a new projector, enveloped.
    func previousBBoxEnvelope(_ box: Envelope, _ source: RequestCRS) throws -> Envelope {
        let (x0, y0, x1, y1) = (box.minX, box.minY, box.maxX, box.maxY)
        let (ax0, ay0, ax1, ay1) = source.swap ? (y0, x0, y1, x1) : (x0, y0, x1, y1)
        let (west, east) = (ax0, ax1)
        var edge: [Position] = []
        for k in 0...20 {
            let t = Double(k) / 20
            edge += [Position(west + (east - west) * t, ay0), Position(west + (east - west) * t, ay1),
                     Position(west, ay0 + (ay1 - ay0) * t), Position(east, ay0 + (ay1 - ay0) * t)]
        }
        try Projector(from: source.crs, to: .cgcs2000).transform(&edge)
        var env = Envelope.empty
        edge.forEach { env.expand(toInclude: $0) }
        return env
    }

    /// FilterCompiler before: a CQL2 BBOX literal (in the filter CRS's axis order) as a ring of 20
    /// positions per edge, axes swapped for a northing-first CRS, transformed with a new projector.
    func previousFilterBBox(_ box: Envelope, _ source: RequestCRS) throws -> Geometry {
        var ring: [Position] = []
        let corners = [(box.minX, box.minY), (box.maxX, box.minY), (box.maxX, box.maxY), (box.minX, box.maxY), (box.minX, box.minY)]
        for k in 0..<4 {
            for step in 0..<20 {
                let t = Double(step) / 20
                ring.append(Position(corners[k].0 + (corners[k + 1].0 - corners[k].0) * t, corners[k].1 + (corners[k + 1].1 - corners[k].1) * t))
            }
        }
        ring.append(ring[0])
        var g = Geometry.polygon([ring])
        if source.swap { g.transformPositions { run in for i in run.indices { run[i] = Position(run[i].y, run[i].x) } } }
        try Projector(from: source.crs, to: .cgcs2000).transform(&g)
        return g
    }

    /// FeaturesAPI.reproject before: a stored geometry to the output CRS with a new projector, then
    /// axes swapped for a northing-first CRS.
    func previousOutput(_ geometry: Geometry, _ target: RequestCRS) throws -> Geometry {
        var g = geometry
        try Projector(from: .cgcs2000, to: target.crs).transform(&g)
        if target.swap { g.transformPositions { run in for i in run.indices { run[i] = Position(run[i].y, run[i].x) } } }
        return g
    }

    @Test("bbox with bbox-crs: Envelope.transformed gives the previous densified envelope bit for bit", arguments: requestCRSs)
    func bboxEnvelope(source: RequestCRS) throws {
        let box = source.box
        // The server reads the numbers in the CRS's axis order and turns them to (east, north) first.
        let eastNorth = source.swap ? Envelope(minX: box.minY, minY: box.minX, maxX: box.maxY, maxY: box.maxX) : box
        let now = try eastNorth.transformed(from: source.crs, to: .cgcs2000)
        let before = try previousBBoxEnvelope(box, source)
        #expect([now.minX, now.minY, now.maxX, now.maxY].map(\.bitPattern) == [before.minX, before.minY, before.maxX, before.maxY].map(\.bitPattern))
        // Sanity: the box is over central Chongqing.
        #expect(now.contains(Position(106.57, 29.55)))
    }

    @Test("CQL2 BBOX in filter-crs: densifiedOutline, swappingAxes and transformed give the previous ring bit for bit", arguments: requestCRSs)
    func filterBBox(source: RequestCRS) throws {
        let outline = Geometry.polygon([source.box.densifiedOutline()])
        let now = try (source.swap ? outline.swappingAxes() : outline).transformed(from: source.crs, to: .cgcs2000)
        let before = try previousFilterBBox(source.box, source)
        #expect(bits(now) == bits(before))
        #expect(bits(now).count == 81 * 2)
    }

    @Test("Output in crs: transformed then swappingAxes gives the previous geometry bit for bit", arguments: requestCRSs)
    func output(target: RequestCRS) throws {
        let shapes: [Geometry] = [
            .point(Position(106.5772, 29.5575)),
            .lineString([Position(106.55, 29.56), Position(106.5772, 29.5575), Position(106.60, 29.58)]),
            .multiPolygon([[[Position(106.55, 29.56), Position(106.5772, 29.5575), Position(106.55, 29.5575), Position(106.55, 29.56)]],
                           [[Position(106.6, 29.6), Position(106.61, 29.6), Position(106.61, 29.61), Position(106.6, 29.6)]]]),
            .geometryCollection([.point(Position(106.5, 29.5)), .multiPoint([Position(106.51, 29.52), Position(106.52, 29.51)])]),
        ]
        for shape in shapes {
            let g = try shape.transformed(from: .cgcs2000, to: target.crs)
            let now = target.swap ? g.swappingAxes() : g
            let before = try previousOutput(shape, target)
            #expect(now == before && bits(now) == bits(before), "\(shape.kind)")
        }
    }

    @Test("An outline is closed, counter-clockwise from (minX, minY), with the corners on it and stepsPerEdge positions per edge")
    func outlineShape() {
        let box = Envelope(minX: 2, minY: 10, maxX: 6, maxY: 13)
        let ring = box.densifiedOutline(stepsPerEdge: 4)
        #expect(ring.count == 17)
        #expect(ring.first == ring.last)
        #expect(ring[0] == Position(2, 10) && ring[4] == Position(6, 10) && ring[8] == Position(6, 13) && ring[12] == Position(2, 13))
        #expect(ring[1] == Position(3, 10) && ring[13] == Position(2, 12.25))
        #expect(ring.allSatisfy { $0.x == 2 || $0.x == 6 || $0.y == 10 || $0.y == 13 })
        #expect(box.densifiedOutline().count == 4 * Envelope.defaultStepsPerEdge + 1)
    }

    @Test("Edge samples hold every corner and stepsPerEdge + 1 positions per edge; their envelope is the box")
    func edgeSampleShape() {
        let box = Envelope(minX: -1, minY: 5, maxX: 3, maxY: 7)
        let samples = box.edgeSamples(stepsPerEdge: 2)
        #expect(samples.count == 12)
        for corner in [Position(-1, 5), Position(3, 5), Position(3, 7), Position(-1, 7)] { #expect(samples.contains(corner)) }
        #expect(samples.contains(Position(1, 5)) && samples.contains(Position(3, 6)))
        var env = Envelope.empty
        samples.forEach { env.expand(toInclude: $0) }
        #expect(env == box)
    }

    @Test("swappingAxes exchanges x and y in every part of every kind, and is its own inverse")
    func swapping() {
        let g = Geometry.geometryCollection([
            .point(Position(1, 2)), .lineString([Position(3, 4), Position(5, 6)]),
            .polygon([[Position(0, 0), Position(1, 0), Position(0, 2), Position(0, 0)]]),
            .multiPolygon([[[Position(7, 8), Position(9, 8), Position(7, 9), Position(7, 8)]]]),
        ])
        let swapped = g.swappingAxes()
        var before: [Position] = [], after: [Position] = []
        g.forEachPosition { before.append($0) }
        swapped.forEachPosition { after.append($0) }
        #expect(after == before.map { Position($0.y, $0.x) })
        #expect(swapped.swappingAxes() == g)
    }

    @Test("A box the target CRS cannot hold throws CRSError")
    func outsideTheDomain() {
        // Latitudes past the pole: the samples on the north edge cannot be transformed.
        #expect(throws: CRSError.self) { try Envelope(minX: 106, minY: 89, maxX: 107, maxY: 91).transformed(from: .cgcs2000, to: .epsg(4545)) }
        #expect(throws: CRSError.self) { try Envelope(minX: 0, minY: 0, maxX: 1, maxY: 1).transformed(from: .epsg(999_999), to: .cgcs2000) }
    }
}

@Suite struct ProjectorPoolsTests {
    @Test("Threads borrowing at once get projectors of their own and the answers of a projector made for the call")
    func concurrentBorrowing() throws {
        let pools = ProjectorPools()
        let inputs = (0..<200).map { Position(106.4 + Double($0) * 0.001, 29.4 + Double($0 % 17) * 0.01) }
        let targets: [CRS] = [.epsg(4545), .webMercator, .wgs84]
        let answers = PendingResults<Position>(count: inputs.count * targets.count)
        DispatchQueue.concurrentPerform(iterations: inputs.count * targets.count) { k in
            let target = targets[k % targets.count]
            answers.set(k, (try? pools.borrow(from: .cgcs2000, to: target) { try $0.transform(inputs[k / targets.count]) }) ?? Position(.nan, .nan))
        }
        let alone = try targets.map { try Projector(from: .cgcs2000, to: $0) }
        for (k, p) in answers.values.enumerated() {
            let expected = try alone[k % targets.count].transform(inputs[k / targets.count])
            #expect(p == expected, "input \(k / targets.count) to \(targets[k % targets.count])")
        }
        #expect(pools.count == targets.count)
    }

    @Test("An unknown CRS throws at each call and is not kept; past the capacity pairs still answer but are not kept")
    func failuresAndCapacity() throws {
        let pools = ProjectorPools(capacity: 1)
        for _ in 0..<2 {
            #expect(throws: CRSError.self) { try pools.borrow(from: .epsg(999_999), to: .cgcs2000) { _ in 0 } }
        }
        #expect(pools.count == 0)
        let a = try pools.borrow(from: .cgcs2000, to: .epsg(4545)) { try $0.transform(Position(106.55, 29.56)) }
        let b = try pools.borrow(from: .cgcs2000, to: .webMercator) { try $0.transform(Position(106.55, 29.56)) }
        #expect(pools.count == 1)
        #expect(abs(a.x - referencePoints[0].gk4545.0) < 0.001 && abs(b.x - referencePoints[0].webMercator.0) < 0.001)
    }
}
