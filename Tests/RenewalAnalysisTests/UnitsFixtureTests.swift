import Foundation
import GeoKernel
import RenewalDomain
import Testing
import TestSupport
@testable import RenewalAnalysis

/// The renewal-unit golden cases (Tests/Fixtures/units; expected answers by scripts/make_golden.py: the
/// one partition into connected units within the bounds, found by exhaustive search, with shapely's
/// areas and unions). Each case runs the delineation as the units job does (need scores by the default
/// weights, lines and areas as barriers, heritage zones never split), then checks each unit: the same
/// parcels, area within 1e-6 of it, residents, mean and max need within 1e-9, rank, flags, the 63号 caps
/// (UnitProblems), and its outline (the union of its parcels, as the job draws it) against shapely's
/// union as geometries: symmetric difference under 1e-6 of the unit's area.
@Suite struct UnitsFixtureTests {
    /// A flag as the oracle writes it: its kind, and its area, population or group.
    static func describe(_ flag: UnitFlag) -> (kind: String, value: Double?, group: String?) {
        switch flag {
        case .islandBelowMinimum(let a): ("island_below_minimum", a, nil)
        case .belowMinimum(let a): ("below_minimum", a, nil)
        case .indivisibleAboveMaximum(let a): ("indivisible_above_maximum", a, nil)
        case .populationOutOfBounds(let p): ("population_out_of_bounds", p, nil)
        case .groupSpansBarrier(let g): ("group_spans_barrier", nil, g)
        }
    }

    /// Which 63号 cap a cap flag names.
    static func cap(_ text: String) -> String {
        text.hasPrefix("demolition") ? "demolished_share" : text.hasPrefix("拆建比") ? "rebuild_ratio" : text.hasPrefix("resettlement") ? "resettlement" : text
    }

    @Test("Units, their totals, flags, caps and outlines equal the oracle's", .tags(.golden), arguments: FixtureFiles.cases("units"))
    func unitsCase(name: String) throws {
        let folder = FixtureFiles.folder("units", name)
        let settings = try FixtureFiles.object(folder.appendingPathComponent("parameters.json"))
        var parameters = UnitParameters()
        parameters.minArea = try #require(FixtureFiles.number(settings["min_ha"])) * 10_000
        parameters.maxArea = try #require(FixtureFiles.number(settings["max_ha"])) * 10_000
        parameters.facingDistance = try #require(FixtureFiles.number(settings["facing_m"]))
        let features = try FixtureFiles.features(folder.appendingPathComponent("parcels.geojson"))
        let parcels = try features.map { f in
            let p = f.properties, g = try #require(f.geometry)
            let x = NeedIndicators(oldBuilding: FixtureFiles.number(p["old_building"]), dangerous: FixtureFiles.number(p["dangerous"]),
                                   vacancy: FixtureFiles.number(p["vacancy"]), lowFAR: FixtureFiles.number(p["low_far"]),
                                   serviceGaps: FixtureFiles.number(p["service_gaps"]), conflicts: FixtureFiles.number(p["conflicts"]))
            return UnitParcel(id: p["parcel_id"] as? String ?? "?", geometry: g, area: PlanarRing.area(g),
                              population: FixtureFiles.number(p["population"]) ?? 0, need: NeedWeights().score(x), group: p["group_id"] as? String)
        }
        let barriers = try FixtureFiles.features(folder.appendingPathComponent("barriers.geojson")).compactMap(\.geometry)
        let zones = try FixtureFiles.features(folder.appendingPathComponent("heritage.geojson")).map { f in
            (id: f.properties["zone_id"] as? String ?? "?", geometry: try #require(f.geometry))
        }
        let result = try RenewalUnits.delineate(parcels: parcels, barrierLines: barriers.filter { $0.kind.dimension == 1 },
                                                barrierAreas: barriers.filter { $0.kind.dimension == 2 }, groupZones: zones, parameters: parameters)

        let expected = try FixtureFiles.features(folder.appendingPathComponent("expected.geojson"))
        #expect(Set(result.excluded.map { parcels[$0.parcel].id }) == Set(expected.compactMap { $0.properties["excluded"] as? String }),
                "\(name): parcels left out")
        func key(_ ids: [String]) -> String { ids.sorted().joined(separator: ",") }
        let ours = Dictionary(uniqueKeysWithValues: result.units.map { (key($0.parcels.map { parcels[$0].id }), $0) })
        let theirs = Dictionary(uniqueKeysWithValues: expected.compactMap { f in (f.properties["parcels"] as? [String]).map { (key($0), f) } })
        #expect(Set(ours.keys) == Set(theirs.keys), "\(name): units \(ours.keys.sorted()), oracle's \(theirs.keys.sorted())")

        let geos = try GEOSContext()
        for (k, unit) in ours {
            guard let t = theirs[k] else { continue }
            let want = t.properties, label = "\(name) [\(k)]"
            func close(_ ours: Double?, _ field: String, _ tolerance: Double) {
                let theirs = FixtureFiles.number(want[field])
                switch (ours, theirs) {
                case (nil, nil): break
                case (let a?, let b?): #expect(abs(a - b) <= tolerance, "\(label): \(field) \(a), oracle \(b)")
                default: Issue.record("\(label): \(field) \(ours.map { "\($0)" } ?? "none"), oracle \(theirs.map { "\($0)" } ?? "none")")
                }
            }
            close(unit.area, "area_m2", 1e-6 * unit.area)
            close(unit.population, "population", 1e-9)
            close(unit.meanNeed, "mean_need", 1e-9)
            close(unit.maxNeed, "max_need", 1e-9)
            #expect(unit.rank == FixtureFiles.number(want["rank"]).map { Int($0) }, "\(label): rank \(unit.rank)")

            let ourFlags = unit.flags.map(Self.describe).sorted { $0.kind < $1.kind }
            let theirFlags = (want["flags"] as? [[String: Any]] ?? []).sorted { ($0["kind"] as? String ?? "") < ($1["kind"] as? String ?? "") }
            #expect(ourFlags.map(\.kind) == theirFlags.map { $0["kind"] as? String ?? "?" }, "\(label): flags \(unit.flags)")
            for (o, f) in zip(ourFlags, theirFlags) where o.kind == f["kind"] as? String {
                #expect(o.group == f["group"] as? String, "\(label): \(o.kind) group \(o.group ?? "none")")
                if let a = o.value, let b = FixtureFiles.number(f["area_m2"]) { #expect(abs(a - b) <= 1e-6 * max(1, b), "\(label): \(o.kind) \(a) m², oracle \(b)") }
            }

            // The 63号 caps over the unit's parcels, as the units job feeds them.
            let problems = UnitProblems(unit.parcels.map { i in
                let p = features[i].properties, area = parcels[i].area
                return UnitParcelFacts(area: area, population: parcels[i].population, floorArea: FixtureFiles.number(p["far"]).map { $0 * area },
                                       plannedFloorArea: FixtureFiles.number(p["planned_far"]).map { $0 * area },
                                       action: (p["action"] as? String).flatMap { PlannedAction(text: $0) }, resettlement: FixtureFiles.number(p["resettlement"]))
            })
            close(problems.demolishedShare, "demolished_share", 1e-9)
            close(problems.rebuildRatio, "rebuild_ratio", 1e-9)
            close(problems.resettlement, "resettlement", 1e-9)
            #expect(problems.capFlags.map(Self.cap) == (want["caps_broken"] as? [String] ?? []), "\(label): caps broken \(problems.capFlags)")
            // The suggestion names the demolished floor area to turn into renovation, in whole m².
            close(problems.suggestion.flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Double($0) } }, "demolition_to_renovate_m2", 0.5)

            let outline = try geos.make(.geometryCollection(unit.parcels.map { parcels[$0].geometry })).unaryUnion().value()
            let difference = try FixtureFiles.differenceArea(outline, try #require(t.geometry), geos: geos)
            #expect(difference <= 1e-6 * unit.area, "\(label): outline differs from shapely's union by \(difference) m²")
        }
    }
}
