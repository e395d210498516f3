import Foundation
import Testing
import TestSupport
@testable import GeoKernel

/// `PlanarValidity` may only say "valid" where GEOS agrees; where it is unsure GEOS decides.
@Suite struct PlanarValidityTests {
    func ring(_ points: [(Double, Double)]) -> [Position] {
        let r = points.map { Position($0.0, $0.1) }
        return r + [r[0]]
    }

    func geosValid(_ g: Geometry, _ geos: GEOSContext) throws -> Bool { try geos.invalidityReason(g) == nil }

    @Test("Canonical shapes: simple, holed, multipart and repeated points certified; bow-tie, pinch, spike, touching and nested parts left to GEOS")
    func canonicalShapes() throws {
        let geos = try GEOSContext()
        let square = ring([(0, 0), (10, 0), (10, 10), (0, 10)])
        let certified: [(String, Geometry)] = [
            ("square", .polygon([square])),
            ("square, clockwise", .polygon([Array(square.reversed())])),
            ("square with a hole", .polygon([square, ring([(2, 2), (2, 4), (4, 4), (4, 2)])])),
            ("square with two holes", .polygon([square, ring([(2, 2), (2, 4), (4, 4)]), ring([(6, 6), (6, 8), (8, 8)])])),
            ("repeated consecutive positions", .polygon([ring([(0, 0), (10, 0), (10, 0), (10, 10), (0, 10), (0, 10)])])),
            ("collinear vertex going on", .polygon([ring([(0, 0), (5, 0), (10, 0), (10, 10), (0, 10)])])),
            ("two squares apart", .multiPolygon([[square], [ring([(20, 0), (30, 0), (30, 10), (20, 10)])]])),
            ("long two-vertex edges in degrees", .polygon([ring([(106.5, 29.5), (106.51, 29.5), (106.51, 29.5000001)])])),
        ]
        for (name, g) in certified {
            #expect(PlanarValidity.isCertainlyValid(g), "\(name) should be certified")
            #expect(try geosValid(g, geos), "\(name): GEOS disagrees")
        }
        // Left to GEOS: invalid ones, and valid ones the fast test does not try to prove.
        let unsure: [(String, Geometry, geosValid: Bool)] = [
            ("bow-tie", .polygon([ring([(0, 0), (10, 10), (10, 0), (0, 10)])]), false),
            ("pinched ring (a vertex visited twice)", .polygon([ring([(0, 0), (10, 0), (5, 5), (10, 10), (0, 10), (5, 5)])]), false),
            ("spike folding back", .polygon([ring([(0, 0), (10, 0), (15, 0), (10, 0), (10, 10), (0, 10)])]), false),
            ("zero area", .polygon([ring([(0, 0), (5, 0), (10, 0)])]), false),
            ("too few positions", .polygon([[Position(0, 0), Position(1, 1), Position(0, 0)]]), false),
            ("not a number", .polygon([ring([(0, 0), (10, 0), (.nan, 10)])]), false),
            ("hole outside its shell", .polygon([square, ring([(20, 20), (20, 24), (24, 24)])]), false),
            ("hole crossing its shell", .polygon([square, ring([(8, 2), (8, 4), (12, 4), (12, 2)])]), false),
            ("nested holes", .polygon([square, ring([(1, 1), (1, 9), (9, 9), (9, 1)]), ring([(2, 2), (2, 4), (4, 4)])]), false),
            ("squares sharing an edge", .multiPolygon([[square], [ring([(10, 0), (20, 0), (20, 10), (10, 10)])]]), false),
            ("overlapping squares", .multiPolygon([[square], [ring([(5, 5), (15, 5), (15, 15), (5, 15)])]]), false),
            ("a shell inside another", .multiPolygon([[square], [ring([(2, 2), (4, 2), (4, 4), (2, 4)])]]), false),
            ("hole touching its shell at a point (valid)", .polygon([square, ring([(0, 5), (3, 4), (3, 6)])]), true),
            ("squares touching at a corner (valid)", .multiPolygon([[square], [ring([(10, 10), (20, 10), (20, 20), (10, 20)])]]), true),
            ("a shell in another's hole (valid)", .multiPolygon([[square, ring([(1, 1), (1, 9), (9, 9), (9, 1)])],
                                                                [ring([(2, 2), (4, 2), (4, 4), (2, 4)])]]), true),
        ]
        for (name, g, valid) in unsure {
            #expect(!PlanarValidity.isCertainlyValid(g), "\(name) should be left to GEOS")
            if name != "not a number" && name != "too few positions" {
                #expect(try geosValid(g, geos) == valid, "\(name): GEOS says otherwise")
            }
        }
        #expect(!PlanarValidity.isCertainlyValid(.lineString([Position(0, 0), Position(1, 1)])), "not a polygon")
    }

    @Test("The shared catalogue: GEOS gives each entry its stated verdict, and the fast test never certifies an invalid one",
          arguments: GeometryCatalogue.all)
    func catalogue(entry: GeometryCatalogue.Entry) throws {
        let geos = try GEOSContext()
        #expect(try geosValid(entry.geometry, geos) == entry.valid, "\(entry.name)")
        if PlanarValidity.isCertainlyValid(entry.geometry) { #expect(entry.valid, "\(entry.name) certified but invalid") }
    }

    @Test("Seeded: whatever the fast test certifies GEOS finds valid, and it certifies nearly every valid simple shape",
          arguments: [7, 4_545, 20_261_207] as [UInt64])
    func soundAgainstGEOS(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let geos = try GEOSContext()
        var certified = 0, geosValidSimple = 0, certifiedSimple = 0, cases = 0
        func star(_ c: Position, _ count: Int, _ r0: Double, _ r1: Double, snap: Double?) -> [Position] {
            var r: [Position] = (0..<count).map { k in
                let angle = (Double(k) + rng.uniform(0, 0.9)) * 2 * .pi / Double(count)
                let radius = rng.uniform(r0, r1)
                var p = Position(c.x + radius * cos(angle), c.y + radius * sin(angle))
                if let snap { p = Position((p.x / snap).rounded() * snap, (p.y / snap).rounded() * snap) }
                return p
            }
            r.append(r[0])
            return r
        }
        for _ in 0..<3_000 {
            // Around Chongqing in degrees (tiny extents) or in metres, sometimes snapped to a coarse
            // grid so that touches, collinear runs and repeated positions happen.
            let degrees = rng.next() < 0.5
            let scale = degrees ? 1e-4 : 100.0
            let origin = degrees ? Position(106.5, 29.5) : Position(500_000, 3_300_000)
            let snap: Double? = rng.next() < 0.4 ? scale * [0.5, 0.2, 0.05][Int(rng.uniform(0, 3))] : nil
            let family = Int(rng.uniform(0, 5))
            let g: Geometry
            switch family {
            case 0:   // random walk of points: often self-intersecting
                let n = 4 + Int(rng.uniform(0, 8))
                var pts: [Position] = (0..<n).map { _ in
                    var p = Position(origin.x + rng.uniform(0, scale), origin.y + rng.uniform(0, scale))
                    if let snap { p = Position((p.x / snap).rounded() * snap, (p.y / snap).rounded() * snap) }
                    return p
                }
                pts.append(pts[0])
                g = .polygon([pts])
            case 1:   // a star, concave, simple unless snapping folds it
                g = .polygon([star(origin, 5 + Int(rng.uniform(0, 30)), 0.2 * scale, scale, snap: snap)])
            case 2:   // a star with a hole that may stick out
                let shell = star(origin, 6 + Int(rng.uniform(0, 20)), 0.6 * scale, scale, snap: snap)
                let offset = Position(origin.x + rng.uniform(-0.5, 0.5) * scale, origin.y + rng.uniform(-0.5, 0.5) * scale)
                g = .polygon([shell, star(offset, 3 + Int(rng.uniform(0, 8)), 0.05 * scale, 0.45 * scale, snap: snap)])
            case 3:   // two stars that may overlap, touch or nest
                let other = Position(origin.x + rng.uniform(-2.5, 2.5) * scale, origin.y + rng.uniform(-2.5, 2.5) * scale)
                g = .multiPolygon([[star(origin, 5 + Int(rng.uniform(0, 10)), 0.3 * scale, scale, snap: snap)],
                                   [star(other, 5 + Int(rng.uniform(0, 10)), 0.3 * scale, scale, snap: snap)]])
            default:  // a rectangle with a vertex pulled onto, or near, another edge
                let w = scale, h = scale * rng.uniform(0.2, 1)
                let pull = Position(origin.x + w * rng.uniform(0.2, 0.8), origin.y + h * [0, 1e-12, 1e-7, 0.3][Int(rng.uniform(0, 4))])
                g = .polygon([[origin, Position(origin.x + w, origin.y), Position(origin.x + w, origin.y + h),
                               pull, Position(origin.x, origin.y + h), origin]])
            }
            cases += 1
            let fast = PlanarValidity.isCertainlyValid(g)
            let reason = try geos.invalidityReason(g)
            let valid = reason == nil
            if fast {
                certified += 1
                #expect(valid, "seed \(seed): certified but GEOS says \(reason ?? ""): \(g)")
            }
            if family == 1 && snap == nil && valid {
                geosValidSimple += 1
                if fast { certifiedSimple += 1 }
            }
        }
        print("seed \(seed): \(certified) of \(cases) shapes certified; \(certifiedSimple) of \(geosValidSimple) valid unsnapped stars")
        #expect(certifiedSimple * 100 >= geosValidSimple * 99, "seed \(seed): the fast test should settle nearly every simple star")
    }
}
