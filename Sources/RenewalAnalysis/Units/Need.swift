import Foundation
import RenewalDomain

/// What a parcel shows of renewal need, each indicator on a 0…1 scale (nil when the data lacks it).
public struct NeedIndicators: Sendable, Equatable {
    /// Built before 2001 (老旧小区: completed before the end of 2000): 1, else 0.
    public var oldBuilding: Double?
    /// Dangerous-building grade C or D (JGJ 125-2016): D 1, C 0.7, A/B 0.
    public var dangerous: Double?
    /// Vacant or idle: 1, else 0.
    public var vacancy: Double?
    /// Floor-area ratio below plan: 1 − FAR ÷ planned FAR, at least 0.
    public var lowFAR: Double?
    /// Share of the life-circle service categories the parcel lacks (coverage analysis).
    public var serviceGaps: Double?
    /// Conflicts of its planned action: any forbidden 1, conditional 0.5, none 0.
    public var conflicts: Double?

    public init(oldBuilding: Double? = nil, dangerous: Double? = nil, vacancy: Double? = nil, lowFAR: Double? = nil,
                serviceGaps: Double? = nil, conflicts: Double? = nil) {
        self.oldBuilding = oldBuilding; self.dangerous = dangerous; self.vacancy = vacancy
        self.lowFAR = lowFAR; self.serviceGaps = serviceGaps; self.conflicts = conflicts
    }
}

/// The renewal-need score: a weighted mean of the indicators a parcel has (missing indicators
/// drop out of both sums, so a district without building grades is scored on the rest).
///
/// Indicators and the 城市体检 (MOHURD 2024) indicators they mirror:
/// - `old_building` — 老旧小区 (completed before the end of 2000);
/// - `dangerous` — 存在安全隐患的住宅数量 (C/D grades, JGJ 125-2016);
/// - `vacancy` — 闲置/低效用地 (idle land; no official count name);
/// - `low_far` — 低效用地 (floor-area ratio below plan);
/// - `service_gaps` — 未达标配建的养老/婴幼儿照护/幼儿园… and the 服务半径覆盖率 ratios;
/// - `conflicts` — planned actions against heritage and control lines (no 城市体检 counterpart).
public struct NeedWeights: Sendable, Equatable, Codable {
    public var oldBuilding = 0.20
    public var dangerous = 0.25
    public var vacancy = 0.10
    public var lowFAR = 0.10
    public var serviceGaps = 0.25
    public var conflicts = 0.10

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case oldBuilding = "old_building", dangerous, vacancy, lowFAR = "low_far", serviceGaps = "service_gaps", conflicts
    }

    /// A weights table (`name: number ≥ 0`); names not given keep their default, unknown names and
    /// negative or non-numeric weights are errors at their key.
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func weight(_ key: CodingKeys, _ fallback: Double) throws -> Double {
            guard let value = try c.decodeNumber(key) else { return fallback }
            guard value >= 0, value.isFinite else { throw c.failure(key, "\(c.path(key)): a weight must be a number ≥ 0") }
            return value
        }
        let d = NeedWeights.init()
        oldBuilding = try weight(.oldBuilding, d.oldBuilding)
        dangerous = try weight(.dangerous, d.dangerous)
        vacancy = try weight(.vacancy, d.vacancy)
        lowFAR = try weight(.lowFAR, d.lowFAR)
        serviceGaps = try weight(.serviceGaps, d.serviceGaps)
        conflicts = try weight(.conflicts, d.conflicts)
    }

    /// Names accepted in a weights table.
    public static let names = CodingKeys.allCases.map(\.rawValue)

    /// Score 0…1: Σ wᵢ·xᵢ ÷ Σ wᵢ over the indicators present; 0 when none is.
    public func score(_ x: NeedIndicators) -> Double {
        let pairs: [(Double, Double?)] = [(oldBuilding, x.oldBuilding), (dangerous, x.dangerous), (vacancy, x.vacancy),
                                          (lowFAR, x.lowFAR), (serviceGaps, x.serviceGaps), (conflicts, x.conflicts)]
        var sum = 0.0, weight = 0.0
        for (w, value) in pairs { if let value { sum += w * min(1, max(0, value)); weight += w } }
        return weight > 0 ? sum / weight : 0
    }
}

extension NeedIndicators {
    /// The dangerous-building indicator for a grade letter (A–D, case-insensitive); nil when unknown.
    public static func dangerous(grade: String?) -> Double? {
        switch grade?.trimmingCharacters(in: .whitespaces).uppercased() {
        case "D": 1
        case "C": 0.7
        case "A", "B": 0
        default: nil
        }
    }
}
