import Foundation
import GeoKernel
import Support
import Testing
import TestSupport
@testable import RenewalAnalysis

/// Capacity-aware access (two-step floating catchment): cases small enough to work out by hand.
@Suite struct FloatingCatchmentTests {
    /// Two kindergartens and three housing parcels on a line (metres), radius 300 m:
    ///   A at x=0 (60 places), B at x=500 (30 places); parcels at x=100 (200 children),
    ///   x=250 (100), x=700 (50).
    /// Step 1: A reaches x=100 and x=250 (d 100, 250): R_A = 60 / 300 = 0.2.
    ///         B reaches x=250 and x=700 (d 250, 200): R_B = 30 / 150 = 0.2.
    /// Step 2: x=100 reaches A → 0.2; x=250 reaches A and B → 0.4; x=700 reaches B → 0.2.
    @Test("2SFCA by hand: two kindergartens, three parcels on a line")
    func handCase() {
        let supply = [SupplySite(location: Position(0, 0), capacity: 60), SupplySite(location: Position(500, 0), capacity: 30)]
        let demand = [DemandSite(location: Position(100, 0), population: 200), DemandSite(location: Position(250, 0), population: 100),
                      DemandSite(location: Position(700, 0), population: 50)]
        let access = FloatingCatchment.access(demand: demand, supply: supply, radius: 300)
        for (value, expected) in zip(access, [0.2, 0.4, 0.2]) { #expect(abs(value - expected) < 1e-12) }
    }

    @Test("The catchment's bound is strict (as PySAL's access draws it); sites beyond it get 0, a facility with nobody near is not used")
    func bounds() {
        let supply = [SupplySite(location: Position(0, 0), capacity: 10), SupplySite(location: Position(5000, 0), capacity: 99)]
        let demand = [DemandSite(location: Position(300, 0), population: 5), DemandSite(location: Position(299.999, 0), population: 5)]
        let access = FloatingCatchment.access(demand: demand, supply: supply, radius: 300)
        #expect(access[0] == 0, "exactly at the radius: outside")
        #expect(abs(access[1] - 2) < 1e-12, "10 places for the 5 children inside")
        #expect(FloatingCatchment.access(demand: demand, supply: [], radius: 300) == [0, 0])
    }

    @Test("Gaussian decay against its formula: one facility, two parcels at 0.3 r and 0.8 r")
    func gaussianDecay() {
        let r = 500.0, edge = exp(-0.5)
        func w(_ d: Double) -> Double { (exp(-0.5 * (d / r) * (d / r)) - edge) / (1 - edge) }
        let supply = [SupplySite(location: Position(0, 0), capacity: 40)]
        let demand = [DemandSite(location: Position(0, 150), population: 100), DemandSite(location: Position(-400, 0), population: 60)]
        let ratio = 40 / (w(150) * 100 + w(400) * 60)
        let access = FloatingCatchment.access(demand: demand, supply: supply, radius: r, weight: .gaussian)
        #expect(abs(access[0] - w(150) * ratio) < 1e-12)
        #expect(abs(access[1] - w(400) * ratio) < 1e-12)
        #expect(CatchmentWeight.gaussian.weight(distance: 0, radius: r) == 1)
        #expect(abs(CatchmentWeight.gaussian.weight(distance: r * 0.999999, radius: r)) < 1e-5)
        // Capacity is conserved: Σ_i A_i P_i = Σ_j S_j when every facility has demand near it.
        #expect(abs(access[0] * 100 + access[1] * 60 - 40) < 1e-9)
    }

    @Test("Seeded random city: brute force over every pair equals the indexed computation; capacity is conserved; both cores give the same")
    func againstBruteForce() {
        let seed: UInt64 = 2025
        print("FloatingCatchmentTests seed \(seed)")
        var random = SeededRandom(seed: seed)
        let demand = (0..<800).map { _ in DemandSite(location: Position(random.uniform(0, 5000), random.uniform(0, 5000)), population: random.uniform(0, 400).rounded()) }
        let supply = (0..<40).map { _ in SupplySite(location: Position(random.uniform(0, 5000), random.uniform(0, 5000)), capacity: random.uniform(20, 300).rounded()) }
        for weight in [CatchmentWeight.uniform, .gaussian] {
            let radius = 500.0
            let fast = FloatingCatchment.access(demand: demand, supply: supply, radius: radius, weight: weight, parallelism: .init(width: 2))
            #expect(fast == FloatingCatchment.access(demand: demand, supply: supply, radius: radius, weight: weight))
            var ratios = [Double](repeating: 0, count: supply.count)
            for (j, s) in supply.enumerated() {
                let weighted = demand.reduce(0.0) { $0 + weight.weight(distance: hypot($1.location.x - s.location.x, $1.location.y - s.location.y), radius: radius) * $1.population }
                ratios[j] = weighted > 0 ? s.capacity / weighted : 0
            }
            var served = 0.0, offered = 0.0
            for (i, d) in demand.enumerated() {
                let slow = supply.enumerated().reduce(0.0) { $0 + weight.weight(distance: hypot(d.location.x - $1.element.location.x, d.location.y - $1.element.location.y), radius: radius) * ratios[$1.offset] }
                #expect(abs(fast[i] - slow) <= 1e-12 * max(1, slow), "seed \(seed): site \(i)")
                served += fast[i] * d.population
            }
            for (j, s) in supply.enumerated() where ratios[j] > 0 { offered += s.capacity }
            #expect(abs(served - offered) < 1e-6 * offered, "seed \(seed): \(served) served, \(offered) offered")
        }
    }

    /// Walking, by hand: one street along y = 0 from x = 0 to 1,000 m (walkable, reference speed: a
    /// metre costs a metre). A school on the street at x = 0, 10 places, radius 600.
    ///   Parcel N: a 2 × 2 m square at x 499–501, y 1–3, 5 people at its centroid (500, 2). Best way
    ///   in: along the street to (499, 0), 1 m up to its corner (499, 1), √2 straight to the centre:
    ///   d = 499 + 1 + √2 ≈ 501.41 < 600.
    ///   Parcel F: 300 m north of the school, 5 people, no street within 50 m of its boundary: on
    ///   foot it reaches nothing, though the straight line (300 m) is inside the radius.
    /// Walking: R = 10 / 5 = 2, A_N = 2, A_F = 0. Straight lines: R = 10 / 10 = 1, A_N = A_F = 1.
    /// With radius 501.4 (just under d) parcel N drops out too.
    @Test("Walking 2SFCA by hand: one street, a parcel reached along it, a parcel with no way in")
    func walkingHandCase() throws {
        let street = StreetLine(positions: [Position(0, 0), Position(1_000, 0)], streetClass: "residential")
        let walking = WalkingParameters()
        let graph = WalkingGraph(streets: [street], parameters: walking)
        func square(_ x: Double, _ y: Double, _ side: Double) -> Geometry {
            .polygon([[Position(x, y), Position(x + side, y), Position(x + side, y + side), Position(x, y + side), Position(x, y)]])
        }
        let shapes = [square(499, 1, 2), square(-1, 299, 2)]
        let demand = [DemandSite(location: Position(500, 2), population: 5), DemandSite(location: Position(0, 300), population: 5)]
        let entrances = shapes.map { graph.boundaryEntrances(of: $0, maxDistance: walking.accessDistance).entrances }
        #expect(!entrances[0].isEmpty && entrances[1].isEmpty)
        let supply = [SupplySite(location: Position(0, 0), capacity: 10)]
        let walked = FloatingCatchment.walkingCatchments(demand: demand, entrances: entrances, supply: supply, radius: 600, graph: graph, walking: walking)
        #expect(walked.unattached == 0)
        #expect(walked.catchments[0].map(\.site) == [0])
        #expect(abs(walked.catchments[0][0].distance - (500 + 2.0.squareRoot())) < 1e-9, "\(walked.catchments[0])")
        let onFoot = FloatingCatchment.access(demand: demand, supply: supply, catchments: walked.catchments, radius: 600)
        #expect(abs(onFoot[0] - 2) < 1e-12 && onFoot[1] == 0, "\(onFoot)")
        let straight = FloatingCatchment.access(demand: demand, supply: supply, radius: 600)
        #expect(abs(straight[0] - 1) < 1e-12 && abs(straight[1] - 1) < 1e-12, "\(straight)")
        let tight = FloatingCatchment.walkingCatchments(demand: demand, entrances: entrances, supply: supply, radius: 501.4, graph: graph, walking: walking)
        #expect(tight.catchments[0].isEmpty)
        // A school 400 m off the street attaches to nothing (attachment within 300 m): it serves nobody.
        let stranded = FloatingCatchment.walkingCatchments(demand: demand, entrances: entrances, supply: [SupplySite(location: Position(500, -400), capacity: 3)],
                                                           radius: 2_000, graph: graph, walking: walking)
        #expect(stranded.unattached == 1 && stranded.catchments[0].isEmpty)
    }
}
