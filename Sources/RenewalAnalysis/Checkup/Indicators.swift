import Foundation
import RenewalDomain
import Support

/// The health check's indicator catalogue (城市体检指标): what each indicator is called officially,
/// how it is computed from the layers, its threshold and where both come from. Read from YAML or
/// JSON (`IndicatorCatalogue.defaultYAML`, or a file of the same form given to `checkup --indicators`).
public struct IndicatorCatalogue: Decodable, Sendable {
    public var indicators: [Indicator]

    public init(indicators: [Indicator]) { self.indicators = indicators }

    enum CodingKeys: String, CodingKey, CaseIterable { case indicators }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        indicators = try c.decode([Indicator].self, forKey: .indicators)
        guard !indicators.isEmpty else { throw c.failure(.indicators, "lists no indicator") }
        var seen = Set<String>()
        for (k, indicator) in indicators.enumerated() where !seen.insert(indicator.id).inserted {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.indicators, ConfigIndex(k)],
                                                   debugDescription: "indicator id \(indicator.id) is used twice"))
        }
    }
}

/// One indicator of the catalogue.
public struct Indicator: Decodable, Sendable, Equatable {
    /// Short ASCII name, the column it gets in layers and CSV (`kindergarten_places_gap`).
    public var id: String
    /// The official Chinese name (`小学学位缺口数`).
    public var name: String
    public var nameEN: String
    public var formula: IndicatorFormula
    /// The facility category (`coverage_ratio`, `places_gap`).
    public var category: String?
    /// Places needed per 1,000 residents (`places_gap`).
    public var perThousand: Double?
    /// Land-use code prefixes of the land counted (`per_capita_area`).
    public var landUse: [String]?
    /// Which parcels count (`share_of_residential`, `count_residential`, `area`).
    public var condition: ParcelCondition?
    /// The unit of the value as a report prints it (`%`, `m²/人`, `个`, `公顷`).
    public var unit: String
    /// Pass/fail bound; nil: reported, never a problem.
    public var threshold: Threshold?
    /// What is measured, in words (the formula spelled out).
    public var definition: String
    /// Document and article the indicator, and its threshold, come from.
    public var source: String
    /// Whether name, formula and threshold were checked against `source`'s text (false: a tool default to confirm).
    public var verified: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, nameEN = "name_en", formula, category, perThousand = "per_thousand", landUse = "land_use", condition, unit,
             threshold, definition, source, verified
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        guard id.range(of: "^[a-z][a-z0-9_]{0,40}$", options: .regularExpression) != nil else {
            throw c.failure(.id, "\"\(id)\" is not an indicator id (lower-case letters, digits and _, starting with a letter, at most 41)")
        }
        name = try c.decode(String.self, forKey: .name)
        nameEN = try c.decode(String.self, forKey: .nameEN)
        formula = try c.decode(IndicatorFormula.self, forKey: .formula)
        category = try c.decodeIfPresent(String.self, forKey: .category)
        perThousand = try c.decodeNumber(.perThousand)
        landUse = try c.decodeIfPresent([String].self, forKey: .landUse)
        condition = try c.decodeIfPresent(ParcelCondition.self, forKey: .condition)
        unit = try c.decode(String.self, forKey: .unit)
        threshold = try c.decodeIfPresent(Threshold.self, forKey: .threshold)
        definition = try c.decode(String.self, forKey: .definition)
        source = try c.decode(String.self, forKey: .source)
        verified = try c.decode(Bool.self, forKey: .verified)
        // What each formula needs.
        switch formula {
        case .coverageRatio where category == nil, .placesGap where category == nil, .accessPerThousand where category == nil:
            throw c.failure(.category, "formula \(formula.rawValue) needs a facility category")
        case .placesGap where (perThousand ?? -1) <= 0:
            throw c.failure(.perThousand, "formula places_gap needs per_thousand, the places needed per 1,000 residents (a positive number)")
        case .perCapitaArea where (landUse ?? []).isEmpty:
            throw c.failure(.landUse, "formula per_capita_area needs land_use, the code prefixes of the land counted (e.g. [\"1401\"])")
        case .shareOfResidential where condition == nil, .countResidential where condition == nil, .area where condition == nil:
            throw c.failure(.condition, "formula \(formula.rawValue) needs a condition (field and at_most, at_least, in or is)")
        default: break
        }
    }

    public init(id: String, name: String, nameEN: String, formula: IndicatorFormula, category: String? = nil, perThousand: Double? = nil,
                landUse: [String]? = nil, condition: ParcelCondition? = nil, unit: String, threshold: Threshold?, definition: String,
                source: String, verified: Bool) {
        self.id = id; self.name = name; self.nameEN = nameEN; self.formula = formula; self.category = category
        self.perThousand = perThousand; self.landUse = landUse; self.condition = condition; self.unit = unit
        self.threshold = threshold; self.definition = definition; self.source = source; self.verified = verified
    }

    /// Every field a parcel must have read for this indicator (its condition's).
    public var parcelFields: [String] { condition.map { [$0.field] } ?? [] }
}

/// How an indicator is computed from the parcels and facilities of a unit.
public enum IndicatorFormula: String, Decodable, Sendable, CaseIterable {
    /// Residential land within the category's service radius ÷ residential land, % (服务半径覆盖率).
    case coverageRatio = "coverage_ratio"
    /// Places needed (residents × per_thousand ÷ 1,000, rounded up) minus the capacity of the
    /// category's facilities in the unit, at least 0 (学位/托位/床位缺口).
    case placesGap = "places_gap"
    /// Area of the land-use prefixes ÷ residents, m² per person (人均…面积).
    case perCapitaArea = "per_capita_area"
    /// Residential land meeting the condition ÷ residential land, %.
    case shareOfResidential = "share_of_residential"
    /// Residential parcels meeting the condition.
    case countResidential = "count_residential"
    /// Area of all parcels meeting the condition, hectares.
    case area
    /// Capacity within reach per 1,000 residents: the residents' mean two-step floating catchment
    /// access (`FloatingCatchment`, the category's radius) × 1,000 (places per 1,000 people).
    case accessPerThousand = "access_per_thousand"

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let formula = IndicatorFormula(rawValue: text) else {
            throw decoder.failure("unknown formula \"\(text)\"\(NearestNames.suggestion(for: text, in: Self.allCases.map(\.rawValue))) (known: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = formula
    }
}

/// A bound the value must keep to pass.
public enum Threshold: Decodable, Sendable, Equatable {
    case atLeast(Double)
    case atMost(Double)

    enum CodingKeys: String, CodingKey, CaseIterable { case atLeast = "at_least", atMost = "at_most" }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch (try c.decodeNumber(.atLeast), try c.decodeNumber(.atMost)) {
        case (let low?, nil): self = .atLeast(low)
        case (nil, let high?): self = .atMost(high)
        default: throw decoder.failure("a threshold is one of at_least: N or at_most: N")
        }
    }

    /// How far `value` falls short of the bound (positive: fails), in the indicator's unit.
    public func shortfall(_ value: Double) -> Double {
        switch self {
        case .atLeast(let low): low - value
        case .atMost(let high): value - high
        }
    }

    /// The bound as a report writes it (≥ 80, ≤ 0).
    public var text: String {
        switch self {
        case .atLeast(let low): "≥ \(IndicatorValue.format(low))"
        case .atMost(let high): "≤ \(IndicatorValue.format(high))"
        }
    }

    public var bound: Double {
        switch self {
        case .atLeast(let v), .atMost(let v): v
        }
    }
}

/// Which parcels an indicator counts: `field` compared with a number bound, a list of values or a yes/no.
public struct ParcelCondition: Decodable, Sendable, Equatable {
    public var field: String
    public var atMost: Double?
    public var atLeast: Double?
    /// Text values that match (any case).
    public var anyOf: [String]?
    /// A yes/no field (true/1/yes/是 as yes).
    public var isTrue: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable { case field, atMost = "at_most", atLeast = "at_least", anyOf = "in", isTrue = "is" }

    public init(field: String, atMost: Double? = nil, atLeast: Double? = nil, anyOf: [String]? = nil, isTrue: Bool? = nil) {
        self.field = field; self.atMost = atMost; self.atLeast = atLeast; self.anyOf = anyOf; self.isTrue = isTrue
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        field = try c.decode(String.self, forKey: .field)
        atMost = try c.decodeNumber(.atMost)
        atLeast = try c.decodeNumber(.atLeast)
        anyOf = try c.decodeIfPresent([String].self, forKey: .anyOf)
        isTrue = try c.decodeIfPresent(Bool.self, forKey: .isTrue)
        guard atMost != nil || atLeast != nil || anyOf != nil || isTrue != nil else {
            throw decoder.failure("a condition on \(field) needs at_most, at_least, in or is")
        }
    }

    /// Whether a parcel with `value` in the field matches (NULL never does).
    public func matches(_ value: ConditionValue) -> Bool {
        switch value {
        case .missing: return false
        case .number(let x):
            if let atMost, x > atMost { return false }
            if let atLeast, x < atLeast { return false }
            if let anyOf, !anyOf.contains(where: { Double($0) == x }) { return false }
            if let isTrue, (x != 0) != isTrue { return false }
            return true
        case .text(let s):
            if atMost != nil || atLeast != nil {
                guard let x = Double(s.trimmingCharacters(in: .whitespaces)) else { return false }
                return matches(.number(x))
            }
            if let anyOf, !anyOf.contains(where: { $0.caseInsensitiveCompare(s) == .orderedSame }) { return false }
            if let isTrue, ["true", "1", "yes", "是", "y"].contains(s.lowercased()) != isTrue { return false }
            return true
        }
    }
}

/// A parcel's value in a condition's field, as the analysis sees it.
public enum ConditionValue: Sendable, Equatable {
    case missing
    case number(Double)
    case text(String)
}

/// Numbers as reports write them: integers without decimals, others with up to two.
public enum IndicatorValue {
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.2f", value)
    }
}

/// An index in a coding path (an array element), for messages that point into a list.
struct ConfigIndex: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}
