import Foundation
import GeoKernel
import RenewalDomain
import RenewalRunner
import Support
import Testing
@testable import RenewalAnalysis

/// The health check on cases worked out by hand, and the catalogue's refusals.
@Suite struct HealthCheckTests {
    static func square(_ x: Double, _ y: Double, _ side: Double) -> Geometry {
        .polygon([[Position(x, y), Position(x + side, y), Position(x + side, y + side), Position(x, y + side), Position(x, y)]])
    }

    /// Two communities side by side (W: x 0–200, E: x 200–400, y 0–200) and five parcels (metres):
    ///   P1 W 100×100 residential, 300 people, built 1995, grade C, half covered by parks
    ///   P2 W 100×100 residential, 100 people, built 2010, grade B, fully covered
    ///   P3 W 50×50   park (1401), 0 people
    ///   P4 E 100×100 residential, 200 people, built 1980, grade D, not covered; vacant
    ///   P5 E 100×100 commercial (0901), vacant, not residential
    /// One primary school in W with 20 places, one in E with 5; quota 60 per 1,000.
    /// By hand:
    ///   park coverage  W (0.5·10,000 + 1·10,000) / 20,000 = 75 %; E 0 %; all 15,000 / 30,000 = 50 %
    ///   places gap     W ⌈400·0.06⌉ − 20 = 24 − 20 = 4; E ⌈200·0.06⌉ − 5 = 12 − 5 = 7; all ⌈36⌉ − 25 = 11
    ///   park per head  W 2,500 / 400 = 6.25 m²; E no park: 0; all 2,500 / 600 ≈ 4.1667
    ///   old share      W 10,000 / 20,000 = 50 %; E 100 %; all 20,000 / 30,000 ≈ 66.67 %
    ///   C/D count      W 1, E 1, all 2;   idle land W 0 ha, E 2 ha, all 2 ha
    ///   kindergarten access (given per parcel: P1 0.1, P2 0.2, P4 0.05 places per person), weighted by
    ///   residents × 1,000: W (30 + 20) / 400 = 125; E 10 / 200 = 50; all 60 / 600 = 100
    static func city() throws -> (levels: [CheckupLevel], parcels: [CheckupParcel], facilities: [CheckupFacility], covered: [String: [Double]],
                                  access: [String: [Double]]) {
        func parcel(_ id: String, _ x: Double, _ y: Double, _ side: Double, _ use: String, _ people: Double, _ year: Double?, _ grade: String?, _ vacant: Bool) -> CheckupParcel {
            CheckupParcel(id: id, geometry: square(x, y, side), landUse: use, residential: use.hasPrefix("07"), population: people,
                          fields: ["build_year": year.map(ConditionValue.number) ?? .missing, "safety_grade": grade.map(ConditionValue.text) ?? .missing,
                                   "vacant": .number(vacant ? 1 : 0)])
        }
        let parcels = [
            parcel("P1", 0, 0, 100, "070101", 300, 1995, "C", false),
            parcel("P2", 100, 0, 100, "070102", 100, 2010, "B", false),
            parcel("P3", 20, 120, 50, "1401", 0, nil, nil, false),
            parcel("P4", 200, 0, 100, "070101", 200, 1980, "D", true),
            parcel("P5", 300, 100, 100, "0901", 0, nil, nil, true),
        ]
        let facilities = [CheckupFacility(category: "primary_school", capacity: 20, location: Position(50, 150)),
                          CheckupFacility(category: "primary_school", capacity: 5, location: Position(250, 150)),
                          CheckupFacility(category: "kindergarten", capacity: 99, location: Position(150, 150))]
        let levels = [CheckupLevel(key: "community", label: "社区", units: [CheckupUnit(id: "W", name: "西", geometry: square(0, 0, 200)),
                                                                              CheckupUnit(id: "E", name: "东", geometry: square(200, 0, 200))]),
                      CheckupLevel(key: "city", label: "全域", units: [CheckupUnit(id: "all", name: "全域", geometry: square(-1, -1, 402))])]
        return (levels, parcels, facilities, ["park": [0.5, 1, 0, 0, 0]], ["kindergarten": [0.1, 0.2, 0, 0.05, 0]])
    }

    @Test("Every formula at two levels, against the hand-worked values; the ledger holds exactly the failures")
    func handCase() throws {
        let catalogue = try ConfigFile.decode(IndicatorCatalogue.self, text: IndicatorCatalogue.defaultYAML, file: "built-in")
        let c = try Self.city()
        let (levels, ledger) = try HealthCheck.run(levels: c.levels, parcels: c.parcels, facilities: c.facilities, covered: c.covered, access: c.access, catalogue: catalogue)
        func value(_ level: Int, _ unit: Int, _ id: String) -> Double? {
            levels[level].values[unit][catalogue.indicators.firstIndex { $0.id == id }!]
        }
        let expected: [(String, [Double?], Double?)] = [
            ("park_coverage", [75, 0], 50),
            ("primary_school_places_gap", [4, 7], 11),
            ("park_area_per_capita", [6.25, 0], 2_500.0 / 600),
            ("old_compound_share", [50, 100], 200.0 / 3),
            ("unsafe_housing_count", [1, 1], 2),
            ("idle_land_area", [0, 2], 2),
            ("middle_school_coverage", [0, 0], 0),
            ("kindergarten_access", [125, 50], 100),
            ("primary_school_access", [0, 0], 0),
        ]
        for (id, communities, city) in expected {
            for (u, want) in communities.enumerated() {
                let got = value(0, u, id)
                #expect(got != nil && abs(got! - want!) < 1e-9, "\(id) community \(u): \(String(describing: got)), expected \(want!)")
            }
            let got = value(1, 0, id)
            #expect(got != nil && abs(got! - city!) < 1e-9, "\(id) city: \(String(describing: got)), expected \(city!)")
        }
        #expect(levels[0].parcels == [3, 2] && levels[0].residents == [400, 200])
        #expect(levels[0].parcelsOutside == 0 && levels[1].parcelsOutside == 0)
        // Failures: every value beyond its threshold, nothing else, with the shortfall in the indicator's unit.
        var failing: [String] = []
        for (l, level) in levels.enumerated() {
            for u in level.level.units.indices {
                for (k, indicator) in catalogue.indicators.enumerated() {
                    if let t = indicator.threshold, let v = levels[l].values[u][k], t.shortfall(v) > 1e-9 { failing.append("\(level.level.key)/\(u)/\(indicator.id)") }
                }
            }
        }
        #expect(ledger.map { "\($0.level)/\($0.unit)/\(catalogue.indicators[$0.indicator].id)" } == failing)
        let parkW = try #require(ledger.first { $0.level == "community" && $0.unit == 0 && catalogue.indicators[$0.indicator].id == "park_coverage" })
        #expect(abs(parkW.shortfall - 5) < 1e-9, "80 % − 75 %")
        #expect(!ledger.contains { $0.level == "community" && catalogue.indicators[$0.indicator].id == "old_compound_share" }, "no threshold, never a problem")
    }

    @Test("A parcel whose centroid falls outside it counts where its surface is; points outside every unit are counted apart")
    func representativePoint() throws {
        // An L-shaped parcel whose centroid (x≈38, y≈38) falls outside its own surface.
        let l = Geometry.polygon([[Position(0, 0), Position(100, 0), Position(100, 10), Position(10, 10), Position(10, 100), Position(0, 100), Position(0, 0)]])
        let parcels = [CheckupParcel(id: "L", geometry: l, landUse: "0701", residential: true, population: 10, fields: [:]),
                       CheckupParcel(id: "far", geometry: Self.square(5_000, 5_000, 10), landUse: "0701", residential: true, population: 1, fields: [:])]
        // The unit covers the L's arms but not its centroid.
        let arms = Geometry.multiPolygon([[[Position(0, 0), Position(100, 0), Position(100, 10), Position(0, 10), Position(0, 0)]],
                                          [[Position(0, 10), Position(10, 10), Position(10, 100), Position(0, 100), Position(0, 10)]]])
        let level = CheckupLevel(key: "community", label: "社区", units: [CheckupUnit(id: "A", name: "A", geometry: arms)])
        let catalogue = try ConfigFile.decode(IndicatorCatalogue.self, text: IndicatorCatalogue.defaultYAML, file: "built-in")
        let (levels, _) = try HealthCheck.run(levels: [level], parcels: parcels, facilities: [], covered: [:], catalogue: catalogue)
        #expect(levels[0].parcels == [1] && levels[0].residents == [10])
        #expect(levels[0].parcelsOutside == 1)
    }

    @Test("The built-in catalogue reads, names its sources, and marks what is unverified")
    func builtInCatalogue() throws {
        let catalogue = try ConfigFile.decode(IndicatorCatalogue.self, text: IndicatorCatalogue.defaultYAML, file: "built-in")
        #expect(catalogue.indicators.count >= 10)
        #expect(Set(catalogue.indicators.map(\.formula)) == Set(IndicatorFormula.allCases), "every formula has an example")
        #expect(catalogue.indicators.allSatisfy { !$0.source.isEmpty && !$0.definition.isEmpty && !$0.name.isEmpty })
        #expect(catalogue.indicators.first { $0.id == "primary_school_places_gap" }?.verified == false, "a tool quota is not called verified")
    }

    @Test("Catalogue refusals name the file, line and key: an unknown formula, a missing quota, an unknown key, a duplicate id")
    func refusals() {
        let entry = """
            indicators:
              - id: gap
                name: 学位缺口
                name_en: gap
                formula: %FORMULA%
                category: primary_school
                unit: 个
                definition: d
                source: s
                verified: false
            """
        let cases: [(String, String, [String])] = [
            (entry.replacingOccurrences(of: "%FORMULA%", with: "places_gaps"), "unknown formula", ["line 5", "unknown formula", "places_gaps", "did you mean places_gap"]),
            (entry.replacingOccurrences(of: "%FORMULA%", with: "places_gap"), "missing quota", ["per_thousand"]),
            (entry.replacingOccurrences(of: "%FORMULA%", with: "coverage_ratio") + "\n    colour: red", "unknown key", ["colour"]),
            (entry.replacingOccurrences(of: "%FORMULA%", with: "coverage_ratio") + "\n" + entry.replacingOccurrences(of: "%FORMULA%", with: "coverage_ratio")
                .split(separator: "\n").dropFirst().joined(separator: "\n"), "duplicate id", ["gap", "twice"]),
        ]
        for (text, what, words) in cases {
            do {
                _ = try ConfigFile.decode(IndicatorCatalogue.self, text: text, file: "mine.yaml")
                Issue.record("\(what): accepted")
            } catch {
                let message = "\(error)"
                #expect(message.hasPrefix("mine.yaml"), "\(what): \(message)")
                for word in words { #expect(message.contains(word), "\(what): \(message) lacks \(word)") }
                #expect(!message.contains("\n"), "\(what): one line")
            }
        }
    }
}
