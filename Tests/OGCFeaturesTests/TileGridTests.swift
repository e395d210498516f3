import Foundation
import GeoKernel
import Testing
import TestSupport
@testable import VectorTiles

/// How a feature lands on a tile's grid of whole units (TileEncoder.onGrid): valid, every vertex on
/// a whole unit and near the source, parts narrower than a unit gone.
@Suite struct TileGridTests {
    static let clip = Envelope(minX: -64, minY: -64, maxX: 4160, maxY: 4160)

    static func polygon(_ points: [(Double, Double)]) -> Geometry {
        .polygon([points.map { Position($0.0, $0.1) } + [Position(points[0].0, points[0].1)]])
    }

    /// The distance from `p` to the nearest edge of `geometry`'s rings or lines.
    static func distance(_ p: Position, to geometry: Geometry) -> Double {
        var best = Double.infinity
        func runs(_ g: Geometry) -> [[Position]] {
            switch g {
            case .polygon(let rings): return rings
            case .multiPolygon(let ps): return ps.flatMap { $0 }
            case .lineString(let l): return [l]
            case .multiLineString(let ls): return ls
            case .geometryCollection(let parts): return parts.flatMap(runs)
            case .point(let q): return [[q]]
            case .multiPoint(let qs): return qs.map { [$0] }
            }
        }
        for run in runs(geometry) {
            for i in run.indices {
                let a = run[i], b = run[min(i + 1, run.count - 1)]
                let dx = b.x - a.x, dy = b.y - a.y, length2 = dx * dx + dy * dy
                let t = length2 == 0 ? 0 : max(0, min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2))
                best = min(best, ((p.x - a.x - t * dx) * (p.x - a.x - t * dx) + (p.y - a.y - t * dy) * (p.y - a.y - t * dy)).squareRoot())
            }
        }
        return best
    }

    static func positions(_ g: Geometry) -> [Position] {
        var out: [Position] = []
        var copy = g
        copy.transformPositions { run in out += run }
        return out
    }

    @Test("A parcel of the M city at zoom 12 whose vertex sits in the unit square an edge crosses: rounding keeps it (within a unit), where snap rounding moved the outline 1.47 units")
    func roundingKeepsTheOutline() throws {
        let geos = try GEOSContext()
        // parcel P0010488 of ../shared/bench's M city (synthetic), tile 12/1695/3260, in tile units.
        let source = Self.polygon([(1314.1873, 3716.5973), (1311.2746, 3709.6174), (1257.4430, 3707.3355), (1252.7640, 3713.9350),
                                   (1254.3579, 3713.3993), (1266.9315, 3751.1965), (1294.6512, 3744.7631)])
        let gridded = try #require(try TileEncoder.onGrid(source, inside: true, clip: Self.clip, geos: geos))
        #expect(try geos.make(gridded).isValid())
        #expect(try geos.make(gridded).hausdorffDistance(to: geos.make(source)) < 0.72)
        let snapped = try geos.make(source).withPrecision(gridSize: 1)
        #expect(try snapped.hausdorffDistance(to: geos.make(source)) > 1.4, "the case is one snap rounding moves")
    }

    @Test("A spike narrower than a unit vanishes; a rounding that makes a bow-tie is repaired into a valid polygon on the grid")
    func spikesAndBowTies() throws {
        let geos = try GEOSContext()
        // P0016169 (spike 0.01 units wide) and P0001625 (rounding folds a corner) of the M city, zoom 12.
        let spike = Self.polygon([(3068.758, 2240.598), (3068.669, 2209.793), (3045.018, 2186.383), (3019.065, 2203.540), (3018.342, 2202.442),
                                  (3019.060, 2203.546), (3015.723, 2205.748), (3001.458, 2223.794), (3053.467, 2256.914)])
        let fold = Self.polygon([(2100.043, 424.609), (2100.117, 418.690), (2085.656, 396.270), (2067.476, 409.650), (2066.833, 408.771),
                                 (2070.235, 445.197)])
        for source in [spike, fold] {
            let gridded = try #require(try TileEncoder.onGrid(source, inside: true, clip: Self.clip, geos: geos))
            #expect(try geos.make(gridded).isValid())
            for p in Self.positions(gridded) {
                #expect(p.x == p.x.rounded() && p.y == p.y.rounded())
                #expect(Self.distance(p, to: source) < 0.72, "\(p) strays from the source")
            }
        }
        let spikeGridded = try #require(try TileEncoder.onGrid(spike, inside: true, clip: Self.clip, geos: geos))
        #expect(!Self.positions(spikeGridded).contains(Position(3018, 2202)), "the spike's tip is gone")
    }

    @Test("Seeded random polygons and lines across the tile's edge: on the grid, valid, every vertex within 0.71 units of the source")
    func randomShapes() throws {
        let seed: UInt64 = 4096
        print("TileGridTests seed \(seed)")
        var random = SeededRandom(seed: seed)
        let geos = try GEOSContext()
        var checked = 0
        for _ in 0..<400 {
            // A star-shaped polygon: vertices at increasing angles, random radii, anywhere near the tile.
            let centre = Position(random.uniform(-200, 4300), random.uniform(-200, 4300)), scale = random.uniform(1.5, 300)
            let n = 3 + Int(random.uniform(0, 28))
            var points: [(Double, Double)] = []
            for i in 0..<n {
                let angle = (Double(i) + random.uniform(0, 0.9)) / Double(n) * 2 * .pi, r = scale * random.uniform(0.05, 1)
                points.append((centre.x + r * cos(angle), centre.y + r * sin(angle)))
            }
            let shape = Self.polygon(points)
            let line = Geometry.lineString(points.map { Position($0.0, $0.1) })
            for source in [shape, line] {
                guard let box = source.envelope, box.intersects(Self.clip) else { continue }
                guard let gridded = try TileEncoder.onGrid(source, inside: Self.clip.contains(box), clip: Self.clip, geos: geos) else { continue }
                if case .polygon = source { #expect(try geos.make(gridded).isValid(), "seed \(seed): \(gridded)") }
                for p in Self.positions(gridded) {
                    #expect(p.x == p.x.rounded() && p.y == p.y.rounded())
                    #expect(Self.distance(p, to: source) < 0.72 || !Self.clip.contains(box), "seed \(seed): \(p) strays from the source")
                }
                checked += 1
            }
        }
        #expect(checked > 500)
    }
}
