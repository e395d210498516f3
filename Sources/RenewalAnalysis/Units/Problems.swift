import Foundation
import RenewalDomain

/// What the unit report needs to know of one parcel.
public struct UnitParcelFacts: Sendable {
    /// Land area, m².
    public var area: Double
    public var population: Double
    /// Existing floor area, m² (FAR × land area), when known.
    public var floorArea: Double?
    /// Floor area after renewal, m², when the data plans one (planned FAR × area).
    public var plannedFloorArea: Double?
    public var action: PlannedAction?
    /// Dangerous-building grade C or D.
    public var dangerous: Bool
    public var vacant: Bool
    /// Residents without each service category (category → residents), from the coverage analysis.
    public var lacking: [String: Double]
    /// Conflicts of the planned action: "verdict rule_id" labels.
    public var conflicts: [String]
    /// Share of residents resettled on site or nearby (0…1), when the data has it.
    public var resettlement: Double?

    public init(area: Double, population: Double, floorArea: Double? = nil, plannedFloorArea: Double? = nil, action: PlannedAction? = nil,
                dangerous: Bool = false, vacant: Bool = false, lacking: [String: Double] = [:], conflicts: [String] = [],
                resettlement: Double? = nil) {
        self.area = area; self.population = population; self.floorArea = floorArea; self.plannedFloorArea = plannedFloorArea
        self.action = action; self.dangerous = dangerous; self.vacant = vacant; self.lacking = lacking
        self.conflicts = conflicts; self.resettlement = resettlement
    }
}

/// A unit's problem list (问题清单), 留改拆增 mix and the checks of MOHURD 建科〔2021〕63号.
public struct UnitProblems: Sendable {
    /// Residents lacking each category (rounded residents; categories with none left out).
    public var lacking: [String: Double]
    /// Conflict label → count of parcels.
    public var conflicts: [String: Int]
    /// Parcels with C/D dangerous buildings.
    public var dangerousParcels: Int
    /// Vacant or idle land, m².
    public var idleArea: Double
    /// Share of the unit's land per planned action (parcels without one are left out).
    public var actionMix: [PlannedAction: Double]
    /// Demolished ÷ existing floor area (cap 20 %), when floor areas are known.
    public var demolishedShare: Double?
    /// 拆建比: new floor area on demolished/added land ÷ demolished floor area (cap 2), when known.
    public var rebuildRatio: Double?
    /// On-site/nearby resettlement share of residents affected (floor 50 %), when known.
    public var resettlement: Double?
    /// The 63号 caps broken, in words.
    public var capFlags: [String]
    /// A suggestion when a cap is broken.
    public var suggestion: String?

    /// The 63号 thresholds.
    public static let maxDemolishedShare = 0.20
    public static let maxRebuildRatio = 2.0
    public static let minResettlement = 0.50

    public init(_ parcels: [UnitParcelFacts]) {
        var lacking: [String: Double] = [:], conflicts: [String: Int] = [:], mixArea: [PlannedAction: Double] = [:]
        var dangerous = 0, idle = 0.0, existing = 0.0, demolished = 0.0, rebuilt = 0.0
        var floorKnown = true, plannedKnown = true
        var resettled = 0.0, affected = 0.0, resettlementKnown = false
        for p in parcels {
            for (k, v) in p.lacking where v > 0 { lacking[k, default: 0] += v }
            for c in Set(p.conflicts) { conflicts[c, default: 0] += 1 }
            if p.dangerous { dangerous += 1 }
            if p.vacant { idle += p.area }
            if let a = p.action { mixArea[a, default: 0] += p.area }
            if let f = p.floorArea { existing += f } else { floorKnown = false }
            if p.action == .demolish { demolished += p.floorArea ?? 0 }
            if p.action == .demolish || p.action == .add {
                if let planned = p.plannedFloorArea { rebuilt += planned } else { plannedKnown = false }
            }
            if p.action == .demolish, let r = p.resettlement {
                resettlementKnown = true; resettled += r * p.population; affected += p.population
            }
        }
        self.lacking = lacking.mapValues { $0.rounded() }.filter { $0.value > 0 }
        self.conflicts = conflicts
        dangerousParcels = dangerous
        idleArea = idle
        let planned = mixArea.values.reduce(0, +)
        actionMix = planned > 0 ? mixArea.mapValues { $0 / planned } : [:]
        demolishedShare = floorKnown && existing > 0 ? demolished / existing : nil
        rebuildRatio = plannedKnown && demolished > 0 ? rebuilt / demolished : nil
        resettlement = resettlementKnown && affected > 0 ? resettled / affected : nil
        var flags: [String] = []
        if let s = demolishedShare, s > Self.maxDemolishedShare {
            flags.append(String(format: "demolition %.0f %% of existing floor area > 20 %% (63号)", s * 100))
            suggestion = String(format: "move %.0f m² of demolition floor area to 改 (renovation) to meet the 20 %% cap",
                                demolished - Self.maxDemolishedShare * existing)
        }
        if let r = rebuildRatio, r > Self.maxRebuildRatio {
            flags.append(String(format: "拆建比 %.2f > 2 (63号)", r))
        }
        if let r = resettlement, r < Self.minResettlement {
            flags.append(String(format: "resettlement on site or nearby %.0f %% < 50 %% (63号)", r * 100))
        }
        capFlags = flags
    }
}
