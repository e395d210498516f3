import Foundation
import RenewalDomain
import Support


/// A condition a conditional rule states, evaluated where the data allows.
public enum RuleCondition: String, Sendable, Codable {
    /// The parcel's planned height (m) must not exceed the zone's height limit.
    case heightWithinLimit = "height_within_limit"
}

/// What a rule checks besides zone and action.
public enum RuleSubject: String, Sendable, Codable {
    /// The planned action (留改拆增).
    case action
    /// A change of land use (the parcel's planned use differs from its current one).
    case changeOfUse = "change_of_use"
    /// The planned height against the zone's limit, whatever the action.
    case height
}

/// One cell of the action × zone matrix, with its legal source.
public struct ConflictRule: Sendable, Equatable {
    public var id: String
    public var zone: ZoneType
    public var subject: RuleSubject
    /// The actions it applies to (for subject `action`).
    public var actions: [PlannedAction]
    public var verdict: Verdict
    public var condition: RuleCondition?
    /// The source clause, e.g. 《历史文化名城名镇名村保护条例》第二十八条.
    public var clause: String
    public var explanationZH: String
    public var explanationEN: String
}

/// The conflict rules and the land-use conversion lists.
public struct RuleSet: Sendable {
    public var rules: [ConflictRule]
    public var conversions: [ConversionRule]
    /// Overlaps below either tolerance are "touching": area in m², share of the parcel (0…1).
    public var touchingArea: Double = 1
    public var touchingShare: Double = 0.01
}


extension RuleSet: Decodable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case rules, conversions, touchingArea = "touching_area_m2", touchingShare = "touching_share"
    }

    /// A rules document (the format of `DefaultRules.yaml`): the matrix, the conversion lists and the
    /// touching tolerances. Mistakes are decoding errors at their key; a rule's own carry its id.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let top = try decoder.container(keyedBy: CodingKeys.self)
        let rules = try top.decodeIfPresent([ConflictRule].self, forKey: .rules) ?? []
        var seen: Set<String> = []
        for (index, rule) in rules.enumerated() where !seen.insert(rule.id).inserted {
            throw DecodingError.dataCorrupted(.init(codingPath: top.codingPath + [CodingKeys.rules, ConfigKey(index: index), ConfigKey("id")],
                                                    debugDescription: "rule id \(rule.id) is used twice"))
        }
        self.init(rules: rules, conversions: try top.decodeIfPresent([ConversionRule].self, forKey: .conversions) ?? [])
        if let area = try top.decodeNumber(.touchingArea) {
            guard area >= 0 else { throw top.failure(.touchingArea, "touching_area_m2 must be a number ≥ 0") }
            touchingArea = area
        }
        if let share = try top.decodeNumber(.touchingShare) {
            guard share >= 0, share < 1 else { throw top.failure(.touchingShare, "touching_share must be a number in [0, 1)") }
            touchingShare = share
        }
    }
}

extension ConflictRule: Decodable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case id, zone, subject, actions, verdict, condition, clause, explainZH = "explain_zh", explainEN = "explain_en"
    }

    /// One rule of the matrix; every mistake names the rule's id.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let r = try decoder.container(keyedBy: CodingKeys.self)
        guard let id = try r.decodeIfPresent(String.self, forKey: .id), !id.isEmpty else {
            throw decoder.failure("every rule needs an id")
        }
        func word<T: RawRepresentable<String>>(_ key: CodingKeys, _ type: T.Type, _ what: String, _ valid: [String]) throws -> T? {
            guard let text = try r.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let value = T(rawValue: text) else {
                throw r.failure(key, "rule \(id): unknown \(what) \"\(text)\"\(NearestNames.suggestion(for: text, in: valid)) (use \(valid.joined(separator: ", ")))")
            }
            return value
        }
        guard let zone = try word(.zone, ZoneType.self, "zone type", ZoneType.allCases.map(\.rawValue)) else {
            throw decoder.failure("rule \(id) needs a zone (zone: \(ZoneType.allCases.map(\.rawValue).joined(separator: " | ")))")
        }
        let subject = try word(.subject, RuleSubject.self, "subject", ["action", "change_of_use", "height"]) ?? .action
        var actions: [PlannedAction] = []
        for (index, text) in (try r.decodeOneOrMany(String.self, .actions) ?? []).enumerated() {
            guard let action = PlannedAction(text: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: r.codingPath + [CodingKeys.actions, ConfigKey(index: index)], debugDescription:
                    "rule \(id): unknown action \"\(text)\"\(NearestNames.suggestion(for: text, in: PlannedAction.allCases.map(\.rawValue))) (use retain, renovate, demolish, add or 留/改/拆/增)"))
            }
            actions.append(action)
        }
        if subject == .action && actions.isEmpty { throw decoder.failure("rule \(id): an action rule needs `actions`") }
        let verdicts = [Verdict.forbidden, .conditional, .allowed].map(\.rawValue)
        guard let verdict = try word(.verdict, Verdict.self, "verdict", verdicts), verdict != .touching else {
            throw r.contains(.verdict) ? r.failure(.verdict, "rule \(id): verdict must be forbidden, conditional or allowed")
                : decoder.failure("rule \(id): verdict must be forbidden, conditional or allowed")
        }
        let condition = try word(.condition, RuleCondition.self, "condition", ["height_within_limit"])
        guard let clause = try r.decodeIfPresent(String.self, forKey: .clause), !clause.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw decoder.failure("rule \(id): every rule needs the clause it rests on (`clause:`)")
        }
        self.init(id: id, zone: zone, subject: subject, actions: actions, verdict: verdict, condition: condition, clause: clause,
                  explanationZH: try r.decodeIfPresent(String.self, forKey: .explainZH) ?? "",
                  explanationEN: try r.decodeIfPresent(String.self, forKey: .explainEN) ?? "")
    }
}
