import Foundation
import Testing
import GeoKernel
import TestSupport
import Yams
@testable import RenewalAnalysis
import RenewalDomain

/// The default rules, decoded from their YAML by Yams' decoder (the CLI reads them the same way,
/// through RenewalRunner's ConfigFile, which adds lines to the errors).
func defaultRules() throws -> RuleSet {
    try decodeConfig(RuleSet.self, DefaultRules.yaml, file: "default rules")
}

/// `text` decoded into a configuration model with the file name models read from `userInfo`.
func decodeConfig<T: Decodable>(_ type: T.Type, _ text: String, file: String) throws -> T {
    try YAMLDecoder().decode(type, from: text, userInfo: [ConfigDecoding.fileKey: file])
}

@Suite struct ConflictGoldenTests {
    static let square = rectangle(0, 0, 100, 100)

    func check(action: PlannedAction, zone: ZoneType, height: Double? = nil, limit: Double? = nil, zoneGeometry: Geometry = rectangle(-50, -50, 150, 150)) throws -> [ConflictRecord] {
        let parcel = PlanParcel(id: "P", geometry: Self.square, action: action, currentUse: "070102", heightM: height)
        let z = ConstraintZone(id: "Z", type: zone, geometry: zoneGeometry, heightLimit: limit)
        return try ConflictAnalysis.run(parcels: [parcel], zones: [z], rules: try defaultRules()).records
    }

    @Test("A demolition inside a heritage core area is forbidden, citing art. 28's zone")
    func demolitionInCore() throws {
        let records = try check(action: .demolish, zone: .heritageCore)
        #expect(records.count == 1)
        #expect(records[0].rule.id == "HC-DEMOLISH" && records[0].verdict == .forbidden)
        #expect(records[0].rule.clause.contains("第二十八条"))
        #expect(abs(records[0].overlapM2 - 10_000) < 1e-6 && records[0].share == 1)
        #expect(!records[0].explanationZH.isEmpty && !records[0].explanationEN.isEmpty)
    }

    @Test("An extension in a construction-control zone: above the height limit forbidden, below it conditional with the condition met")
    func extensionHeight() throws {
        let above = try check(action: .add, zone: .heritageControl, height: 30, limit: 24)
        #expect(above.map(\.verdict) == [.forbidden])
        #expect(above[0].rule.id == "HK-ADD" && above[0].explanationEN.contains("exceeds"))
        let below = try check(action: .add, zone: .heritageControl, height: 18, limit: 24)
        #expect(below.map(\.verdict) == [.conditional])
        #expect(below[0].explanationEN.contains("Condition met"))
        let unknown = try check(action: .add, zone: .heritageControl, height: nil, limit: 24)
        #expect(unknown.map(\.verdict) == [.conditional] && unknown[0].explanationEN.contains("not evaluated"))
    }

    @Test("A parcel touching a zone by 0.5 m² is touching, not a conflict")
    func touching() throws {
        // The zone overlaps the parcel by a 0.5 m × 1 m strip.
        let records = try check(action: .demolish, zone: .heritageCore, zoneGeometry: rectangle(99.5, 10, 200, 11))
        #expect(records.map(\.verdict) == [.touching])
        #expect(abs(records[0].overlapM2 - 0.5) < 1e-9)
    }

    /// The default matrix, cell by cell: (zone, action) → (rule, verdict) for a parcel well inside the zone.
    static let matrix: [(ZoneType, PlannedAction, String?, Verdict?)] = [
        (.heritageCore, .retain, "HC-RETAIN", .allowed), (.heritageCore, .renovate, "HC-RENOVATE", .conditional),
        (.heritageCore, .demolish, "HC-DEMOLISH", .forbidden), (.heritageCore, .add, "HC-ADD", .forbidden),
        (.heritageControl, .retain, "HK-RETAIN", .allowed), (.heritageControl, .renovate, "HK-RENOVATE", .conditional),
        (.heritageControl, .demolish, "HK-DEMOLISH", .conditional), (.heritageControl, .add, "HK-ADD", .conditional),
        (.purple, .retain, nil, nil), (.purple, .renovate, "PL-RENOVATE", .conditional),
        (.purple, .demolish, "PL-DEMOLISH", .forbidden), (.purple, .add, "PL-ADD", .conditional),
        (.ecological, .retain, nil, nil), (.ecological, .renovate, "ECO-RENOVATE", .conditional),
        (.ecological, .demolish, nil, nil), (.ecological, .add, "ECO-ADD", .forbidden),
        (.blue, .renovate, "BL-RENOVATE", .conditional), (.blue, .add, "BL-ADD", .forbidden), (.blue, .demolish, nil, nil),
        (.green, .renovate, "GR-RENOVATE", .conditional), (.green, .add, "GR-ADD", .forbidden), (.green, .retain, nil, nil),
        (.yellow, .add, "YL-ADD", .conditional), (.yellow, .renovate, nil, nil),
    ]

    @Test("Every zone type × action of the default matrix gives its rule and verdict", arguments: matrix.indices)
    func defaultMatrix(_ k: Int) throws {
        let (zone, action, rule, verdict) = Self.matrix[k]
        let records = try check(action: action, zone: zone)
        #expect(records.map(\.rule.id) == (rule.map { [$0] } ?? []), "\(zone) \(action)")
        #expect(records.map(\.verdict) == (verdict.map { [$0] } ?? []), "\(zone) \(action)")
    }

    @Test("A change of use inside the green line is forbidden; a historic site cannot be demolished anywhere")
    func changeOfUseAndHistoric() throws {
        let rules = try defaultRules()
        let park = PlanParcel(id: "park", geometry: Self.square, action: .retain, currentUse: "1401", plannedUse: "070102")
        let green = ConstraintZone(id: "G", type: .green, geometry: rectangle(-10, -10, 110, 110))
        let records = try ConflictAnalysis.run(parcels: [park], zones: [green], rules: rules).records
        #expect(records.map(\.rule.id) == ["GR-USE"] && records[0].verdict == .forbidden)
        let temple = PlanParcel(id: "temple", geometry: Self.square, action: .demolish, currentUse: "1504")
        let alone = try ConflictAnalysis.run(parcels: [temple], zones: [], rules: rules).records
        #expect(alone.map(\.rule.id) == ["HS-DEMOLISH"] && alone[0].verdict == .forbidden && alone[0].zoneType == .historicSite)
    }
}

@Suite struct EligibilityGoldenTests {
    @Test("A park inside the green line cannot become housing; idle industry outside every zone may become elderly care")
    func parkAndIdleIndustry() throws {
        let rules = try defaultRules()
        let park = EligibilityParcel(id: "park", code: "1401", areaM2: 5000, zones: [.green])
        let idle = EligibilityParcel(id: "factory", code: "100102", areaM2: 8000, buildYear: 1985, vacant: true, safetyGrade: "C")
        let busy = EligibilityParcel(id: "busy", code: "1001", areaM2: 8000, buildYear: 1985, vacant: false)
        let verdicts = EligibilityAnalysis.run(parcels: [park, idle, busy], targets: ["070102", "080701"], rules: rules)
        func v(_ parcel: Int, _ target: String) -> EligibilityVerdict { verdicts.first { $0.parcel == parcel && $0.target == target }! }
        #expect(v(0, "070102").verdict == .forbidden)
        #expect(Set(v(0, "070102").reasons.map(\.ruleID)) == ["CV-N-GREEN-BLUE", "CV-N-PARK"], "every reason, not only the first")
        #expect(v(1, "080701").verdict == .allowed && v(1, "080701").reasons.first?.ruleID == "CV-P-IDLE")
        #expect(v(2, "080701").verdict == .conditional && v(2, "080701").reasons[0].text.contains("not vacant"))
        #expect(v(1, "070102").verdict == .conditional && v(1, "070102").reasons[0].ruleID == "UNLISTED")
    }
}

@Suite struct PlanPropertyTests {
    static func plan(seed: UInt64) -> ([PlanParcel], [ConstraintZone]) {
        var rng = SeededRandom(seed: seed)
        let actions = PlannedAction.allCases
        var parcels: [PlanParcel] = []
        for i in 0..<10 {
            for j in 0..<10 {
                let x = Double(i) * 100, y = Double(j) * 100
                parcels.append(PlanParcel(id: "P\(i)-\(j)", geometry: rectangle(x, y, x + 90, y + 90),
                                          action: actions[Int(rng.next() * 4)], currentUse: ["070102", "1001", "0804", "1401", "1504"][Int(rng.next() * 5)],
                                          plannedUse: rng.next() < 0.2 ? "0901" : nil, heightM: rng.uniform(5, 60)))
            }
        }
        let zones = ZoneType.allCases.filter { $0 != .historicSite }.enumerated().map { k, type in
            let cx = rng.uniform(100, 900), cy = rng.uniform(100, 900), r = rng.uniform(60, 200)
            return ConstraintZone(id: "Z\(k)", type: type, geometry: rectangle(cx - r, cy - r * 0.7, cx + r, cy + r * 0.7),
                                  heightLimit: rng.next() < 0.7 ? rng.uniform(10, 40) : nil)
        }
        return (parcels, zones)
    }

    @Test("Conflict geometry ⊆ parcel ∩ zone; parcels outside every zone get no conflict; every verdict has a rule id and a clause",
          arguments: [UInt64(3), 11, 20251123])
    func conflictProperties(seed: UInt64) throws {
        let (parcels, zones) = Self.plan(seed: seed)
        let (records, _) = try ConflictAnalysis.run(parcels: parcels, zones: zones, rules: try defaultRules())
        let geos = try GEOSContext()
        for r in records {
            #expect(!r.rule.id.isEmpty && !r.rule.clause.isEmpty, "seed \(seed)")
            guard let z = r.zone else { #expect(parcels[r.parcel].historic || r.zoneType == .historicSite); continue }
            let both = try geos.make(parcels[r.parcel].geometry).intersection(try geos.make(zones[z].geometry))
            let outside = try geos.make(r.geometry).difference(both).area()
            #expect(outside <= 1e-6, "seed \(seed): conflict of \(parcels[r.parcel].id) with \(zones[z].id) leaves parcel ∩ zone by \(outside) m²")
        }
        let geosZones = try zones.map { try geos.make($0.geometry) }
        for (i, p) in parcels.enumerated() {
            let g = try geos.make(p.geometry)
            let inAny = try geosZones.contains { try g.intersection($0).area() > 0 }
            if !inAny && p.currentUse != "1504" { #expect(!records.contains { $0.parcel == i }, "seed \(seed): \(p.id) is outside every zone") }
        }
    }

    @Test("Eligibility is monotone: relaxing a threshold never turns allowed into forbidden (nor into conditional)",
          arguments: [UInt64(5), 17, 20251123])
    func monotone(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let strict = try defaultRules()
        var relaxed = strict
        for k in relaxed.conversions.indices {
            if let a = relaxed.conversions[k].minAreaM2 { relaxed.conversions[k].minAreaM2 = a * 0.5 }
            if let y = relaxed.conversions[k].builtBefore { relaxed.conversions[k].builtBefore = y + 10 }
            if !relaxed.conversions[k].safetyGrades.isEmpty { relaxed.conversions[k].safetyGrades.insert("B") }
        }
        let codes = ["070102", "0701", "100101", "1101", "0901", "0804", "1401", "1504"]
        let zoneSets: [Set<ZoneType>] = [[], [.green], [.ecological], [.heritageCore], [.blue, .purple]]
        let parcels = (0..<300).map { i in
            EligibilityParcel(id: "P\(i)", code: codes[Int(rng.next() * Double(codes.count))], areaM2: rng.uniform(200, 20_000),
                              buildYear: Int(rng.uniform(1950, 2020)), vacant: rng.next() < 0.4, safetyGrade: ["A", "B", "C", "D"][Int(rng.next() * 4)],
                              zones: zoneSets[Int(rng.next() * Double(zoneSets.count))])
        }
        let targets = EligibilityAnalysis.targets(in: strict) + ["070102"]
        let before = EligibilityAnalysis.run(parcels: parcels, targets: targets, rules: strict)
        let after = EligibilityAnalysis.run(parcels: parcels, targets: targets, rules: relaxed)
        #expect(before.count == after.count)
        for (b, a) in zip(before, after) where b.verdict == .allowed {
            #expect(a.verdict == .allowed, "seed \(seed): \(parcels[b.parcel].id) → \(b.target) was allowed, now \(a.verdict)")
        }
        for v in before + after { #expect(!v.reasons.isEmpty && v.reasons.allSatisfy { !$0.ruleID.isEmpty && !$0.clause.isEmpty }) }
    }

    @Test("Quoted conversion codes stay as written (numbers are refused by the reader: ConfigFileTests)")
    func rulesFileCodesAsText() throws {
        // Quoted codes stay as written.
        let quoted = DefaultRules.yaml.replacingOccurrences(of: "to: [\"0702\", \"08\", \"09\", \"1401\"]", with: "to: [\"080701\"]")
        let set = try decodeConfig(RuleSet.self, quoted, file: "my_rules.yaml")
        #expect(set.conversions.first { $0.id == "CV-P-IDLE" }?.to == ["080701"])
    }
}
