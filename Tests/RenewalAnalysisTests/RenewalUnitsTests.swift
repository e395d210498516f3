import Foundation
import GeoKernel
import Testing
import TestSupport
@testable import RenewalAnalysis

@Suite struct RenewalUnitsTests {
    static func square(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> Geometry {
        .polygon([[Position(x, y), Position(x + w, y), Position(x + w, y + h), Position(x, y + h), Position(x, y)]])
    }

    static func parcel(_ id: String, _ x: Double, _ y: Double, _ w: Double = 100, _ h: Double = 100, need: Double = 0.5, group: String? = nil) -> UnitParcel {
        UnitParcel(id: id, geometry: square(x, y, w, h), area: w * h, population: w * h / 100, need: need, group: group)
    }

    /// The hand-made district: a west bank of 4 × 6 one-hectare parcels with a heritage zone over
    /// four of them; a river; an east bank of 6 × 3 parcels on each side of an arterial (a 20 m
    /// street gap carries it); a lone parcel far off.
    static func district() -> (parcels: [UnitParcel], lines: [Geometry], areas: [Geometry], zones: [(id: String, geometry: Geometry)]) {
        var parcels: [UnitParcel] = []
        for c in 0..<4 { for r in 0..<6 { parcels.append(parcel("W\(c)\(r)", Double(c) * 100, Double(r) * 100, need: c < 2 ? 0.8 : 0.2)) } }
        for c in 0..<6 { for r in 0..<3 { parcels.append(parcel("S\(c)\(r)", 500 + Double(c) * 100, Double(r) * 100)) } }
        for c in 0..<6 { for r in 0..<3 { parcels.append(parcel("N\(c)\(r)", 500 + Double(c) * 100, 320 + Double(r) * 100)) } }
        parcels.append(parcel("ISLAND", 2_000, 2_000, 60, 60))
        let river = square(400, -100, 100, 1_000)
        let arterial = Geometry.lineString([Position(480, 310), Position(1_120, 310)])
        let heritage = square(105, 205, 190, 190)
        return (parcels, [arterial], [river], [("H1", heritage)])
    }

    @Test("Golden district: the river and the arterial bound the units, the heritage zone stays whole, the lone parcel is a flagged island")
    func goldenDistrict() throws {
        let d = Self.district()
        var parameters = UnitParameters()
        parameters.minArea = 100_000; parameters.maxArea = 200_000
        let result = try RenewalUnits.delineate(parcels: d.parcels, barrierLines: d.lines, barrierAreas: d.areas, groupZones: d.zones, parameters: parameters)
        let units = result.units.map { Set($0.parcels.map { d.parcels[$0].id }) }
        let south = Set(d.parcels.map(\.id).filter { $0.hasPrefix("S") }), north = Set(d.parcels.map(\.id).filter { $0.hasPrefix("N") })
        // Each 18 ha half of the east bank is one unit: it cannot split into two of ≥ 10 ha.
        #expect(units.contains(south))
        #expect(units.contains(north))
        #expect(units.contains(["ISLAND"]))
        let island = result.units.first { $0.parcels.map { d.parcels[$0].id } == ["ISLAND"] }!
        #expect(island.flags == [.islandBelowMinimum(area: 3_600)])
        // The west bank's 24 ha: two units within 10–20 ha, with the four heritage parcels together.
        let west = units.filter { $0.contains { $0.hasPrefix("W") } }
        #expect(west.count == 2)
        #expect(west.allSatisfy { $0.allSatisfy { $0.hasPrefix("W") } && (10...20).contains($0.count) })
        #expect(west.contains { $0.isSuperset(of: ["W12", "W22", "W13", "W23"]) })
        #expect(result.units.count == 5)
        // The units' outlines (each the union of its parcels) together cover exactly the parcels.
        let geos = try GEOSContext()
        let outlines = try result.units.map { u in try geos.make(.geometryCollection(u.parcels.map { d.parcels[$0].geometry })).unaryUnion().value() }
        let all = try geos.make(.geometryCollection(d.parcels.map(\.geometry))).unaryUnion()
        let together = try geos.make(.geometryCollection(outlines)).unaryUnion()
        let difference = try all.difference(together).area() + together.difference(all).area()
        #expect(difference <= 1e-6 * (try all.area()))
        // Ranked by mean need: every rank once.
        #expect(result.units.map(\.rank).sorted() == Array(1...5))
    }

    @Test("Bad bounds are refused with the values named")
    func badBounds() {
        var parameters = UnitParameters()
        parameters.minArea = 600_000; parameters.maxArea = 500_000
        #expect(throws: UnitParameterError.self) {
            try RenewalUnits.delineate(parcels: [], barrierLines: [], barrierAreas: [], groupZones: [], parameters: parameters)
        }
    }

    /// A jittered grid of parcels with random arterials along grid streets, one heritage zone and
    /// a few marked groups.
    static func randomDistrict(seed: UInt64) -> (parcels: [UnitParcel], lines: [Geometry], zones: [(id: String, geometry: Geometry)]) {
        var random = SeededRandom(seed: seed)
        let columns = 14 + Int(random.next() * 8), rows = 10 + Int(random.next() * 8)
        // Marked groups: three 2 × 2 blocks of parcels (an owner's or a project's).
        var groupAt: [String: String] = [:]
        for g in 0..<3 {
            let c0 = Int(random.next() * Double(columns - 1)), r0 = Int(random.next() * Double(rows - 1))
            for dc in 0...1 { for dr in 0...1 { groupAt["\(c0 + dc)-\(r0 + dr)"] = "G\(g)" } }
        }
        var parcels: [UnitParcel] = []
        for c in 0..<columns {
            for r in 0..<rows {
                let w = 100 + random.next() * 20, h = 100 + random.next() * 20
                let x = Double(c) * 130 + random.next() * 5, y = Double(r) * 130 + random.next() * 5
                parcels.append(parcel("P\(c)-\(r)", x, y, w, h, need: random.next(), group: groupAt["\(c)-\(r)"]))
            }
        }
        var lines: [Geometry] = []
        for _ in 0..<2 {
            let c = Double(2 + Int(random.next() * Double(columns - 4))) * 130 - 2.5
            lines.append(.lineString([Position(c, -50), Position(c, Double(rows) * 130 + 50)]))
        }
        let r = Double(2 + Int(random.next() * Double(rows - 4))) * 130 - 2.5
        lines.append(.lineString([Position(-50, r), Position(Double(columns) * 130 + 50, r)]))
        let hx = Double(Int(random.next() * Double(columns - 3))) * 130 + 20, hy = Double(Int(random.next() * Double(rows - 3))) * 130 + 20
        return (parcels, lines, [("H", square(hx, hy, 230, 230))])
    }

    @Test("Seeded properties: a partition into connected units, within one barrier cell, groups whole, within bounds or flagged, same seed same units",
          arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func properties(run: UInt64) throws {
        let seed = 20_251_123 &+ run &* 7_919
        print("RenewalUnitsTests.properties seed \(seed)")
        let d = Self.randomDistrict(seed: seed)
        var parameters = UnitParameters()
        parameters.minArea = 80_000; parameters.maxArea = 200_000; parameters.seed = seed
        let result = try RenewalUnits.delineate(parcels: d.parcels, barrierLines: d.lines, barrierAreas: [], groupZones: d.zones, parameters: parameters)
        // Partition: every parcel not excluded is in exactly one unit.
        var seen = [Int](repeating: 0, count: d.parcels.count)
        for unit in result.units { for p in unit.parcels { seen[p] += 1 } }
        let excluded = Set(result.excluded.map(\.parcel))
        for i in d.parcels.indices { #expect(seen[i] == (excluded.contains(i) ? 0 : 1), "seed \(seed): parcel \(d.parcels[i].id)") }
        // Groups (marked or heritage) whole; connectivity counts a group's parcels as joined.
        var groupOf: [Int: String] = [:]
        let geos = try GEOSContext()
        let zone = try GEOSPreparedGeometry(geos.make(d.zones[0].geometry))
        for (i, p) in d.parcels.enumerated() {
            if let g = p.group { groupOf[i] = g } else if try zone.contains(try geos.make(p.geometry).pointOnSurface()) { groupOf[i] = "heritage" }
        }
        var links = [Set<Int>](repeating: [], count: d.parcels.count)
        for pair in result.adjacency { links[pair[0]].insert(pair[1]); links[pair[1]].insert(pair[0]) }
        for (i, g) in groupOf { for (j, h) in groupOf where g == h && i != j { links[i].insert(j) } }
        for g in Set(groupOf.values) {
            let units = Set(groupOf.filter { $0.value == g }.keys.compactMap { result.unitOfParcel[$0] })
            #expect(units.count <= 1, "seed \(seed): group \(g) split over units \(units)")
        }
        for (u, unit) in result.units.enumerated() {
            let members = Set(unit.parcels)
            var reached: Set<Int> = [unit.parcels[0]], stack = [unit.parcels[0]]
            while let n = stack.popLast() { for m in links[n] where members.contains(m) && !reached.contains(m) { reached.insert(m); stack.append(m) } }
            #expect(reached == members, "seed \(seed): unit \(u) is not connected")
            let spans = unit.flags.contains { if case .groupSpansBarrier = $0 { true } else { false } }
            #expect(spans || Set(unit.parcels.compactMap { result.cellOfParcel[$0] }).count == 1, "seed \(seed): unit \(u) spans a barrier")
            // Independently of the cells: the barrier lines run across the whole district, so all
            // of a unit's parcel centres lie on one side of each.
            for line in d.lines {
                guard case .lineString(let ends) = line else { continue }
                let vertical = ends[0].x == ends[1].x
                let sides = Set(unit.parcels.map { p -> Bool in
                    let c = d.parcels[p].geometry.envelope!.center
                    return vertical ? c.x < ends[0].x : c.y < ends[0].y
                })
                #expect(sides.count == 1 || spans, "seed \(seed): unit \(u) lies on both sides of a barrier")
            }
            let inBounds = unit.area >= parameters.minArea && unit.area <= parameters.maxArea
            #expect(inBounds || !unit.flags.isEmpty, "seed \(seed): unit \(u) of \(unit.area) m² is out of bounds without a flag")
        }
        // Outside the islands (pieces between barriers below the minimum), nearly all land lies in units
        // within both bounds (leftovers next to full units are flagged, not forced).
        let sized = result.units.filter { !$0.flags.contains { if case .islandBelowMinimum = $0 { true } else { false } } }
        let within = sized.filter { $0.area >= parameters.minArea && $0.area <= parameters.maxArea }.reduce(0) { $0 + $1.area }
        let total = sized.reduce(0) { $0 + $1.area }
        #expect(within / total > 0.9, "seed \(seed): only \(within / total) of the land outside islands is in units within bounds")
        // Determinism.
        let again = try RenewalUnits.delineate(parcels: d.parcels, barrierLines: d.lines, barrierAreas: [], groupZones: d.zones, parameters: parameters)
        #expect(again.units.map(\.parcels) == result.units.map(\.parcels))
    }

    @Test("A barrier line cuts adjacency: parcels facing each other across an arterial never share a unit")
    func arterialCutsAdjacency() throws {
        let parcels = [Self.parcel("A", 0, 0), Self.parcel("B", 0, 120), Self.parcel("C", 100, 0), Self.parcel("D", 100, 120)]
        let arterial = Geometry.lineString([Position(-50, 110), Position(250, 110)])
        var parameters = UnitParameters()
        parameters.minArea = 15_000; parameters.maxArea = 30_000
        let result = try RenewalUnits.delineate(parcels: parcels, barrierLines: [arterial], barrierAreas: [], groupZones: [], parameters: parameters)
        let units = Set(result.units.map { Set($0.parcels.map { parcels[$0].id }) })
        #expect(units == [["A", "C"], ["B", "D"]])
        // Without the arterial the 20 m street joins them (facing distance 30 m).
        let open = try RenewalUnits.delineate(parcels: parcels, barrierLines: [], barrierAreas: [], groupZones: [], parameters: parameters)
        #expect(open.adjacency.count == 6)  // A–C and B–D touch; A–B, C–D and both diagonals are 20 m apart
    }

    @Test("Need score: weighted mean of the indicators present; C/D grades")
    func needScore() {
        let w = NeedWeights()
        #expect(w.score(NeedIndicators(oldBuilding: 1, dangerous: 1, vacancy: 1, lowFAR: 1, serviceGaps: 1, conflicts: 1)) == 1)
        #expect(w.score(NeedIndicators(oldBuilding: 0, dangerous: 0, vacancy: 0, lowFAR: 0, serviceGaps: 0, conflicts: 0)) == 0)
        // Only building age known: the score is that indicator.
        #expect(w.score(NeedIndicators(oldBuilding: 1)) == 1)
        #expect(abs(w.score(NeedIndicators(oldBuilding: 1, dangerous: 0)) - 0.2 / 0.45) < 1e-12)
        #expect(NeedIndicators.dangerous(grade: "d") == 1 && NeedIndicators.dangerous(grade: "C") == 0.7 && NeedIndicators.dangerous(grade: "B") == 0)
        #expect(NeedIndicators.dangerous(grade: "?") == nil)
    }

    @Test("63号 caps: demolition share, 拆建比 and resettlement checked; mix by area")
    func caps() {
        let facts = [
            UnitParcelFacts(area: 10_000, population: 100, floorArea: 20_000, action: .retain),
            UnitParcelFacts(area: 10_000, population: 100, floorArea: 20_000, plannedFloorArea: 50_000, action: .demolish, dangerous: true, resettlement: 0.3),
            UnitParcelFacts(area: 20_000, population: 0, floorArea: 40_000, action: .renovate, vacant: true, lacking: ["kindergarten": 40.4]),
        ]
        let problems = UnitProblems(facts)
        #expect(problems.demolishedShare == 0.25)
        #expect(problems.rebuildRatio == 2.5)
        #expect(problems.resettlement == 0.3)
        #expect(problems.capFlags.count == 3)
        #expect(problems.suggestion?.contains("4000 m²") == true)
        #expect(problems.actionMix[.renovate] == 0.5 && problems.actionMix[.retain] == 0.25)
        #expect(problems.dangerousParcels == 1 && problems.idleArea == 20_000 && problems.lacking == ["kindergarten": 40])
        // Within the caps: no flags.
        let fine = UnitProblems([UnitParcelFacts(area: 10_000, population: 10, floorArea: 10_000, action: .retain)])
        #expect(fine.capFlags.isEmpty && fine.demolishedShare == 0 && fine.rebuildRatio == nil)
    }
}
