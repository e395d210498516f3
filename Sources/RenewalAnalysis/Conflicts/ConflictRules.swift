import Foundation
import RenewalDomain


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


extension RuleSet {
    /// Builds a rule set from a parsed YAML/JSON tree (see `DefaultRules.yaml` for the format).
    /// `line` maps a rule id to its line in the file, for messages.
    public static func parse(_ object: Any, file: String, line: (String) -> Int? = { _ in nil }) throws -> RuleSet {
        guard let top = object as? [String: Any] else { throw RulesError(file: file, message: "expected a mapping with `rules:` and `conversions:`") }
        let knownTop: Set<String> = ["rules", "conversions", "touching_area_m2", "touching_share"]
        if let unknown = top.keys.sorted().first(where: { !knownTop.contains($0) }) {
            throw RulesError(file: file, message: "unknown key \"\(unknown)\" (use rules, conversions, touching_area_m2, touching_share)")
        }
        func at(_ id: String, _ index: Int) -> String {
            let l = line(id).map { "line \($0), " } ?? ""
            return "\(l)rule \(id.isEmpty ? "#\(index + 1)" : id)"
        }
        func strings(_ any: Any?) -> [String] {
            if let s = any as? String { return [s] }
            return (any as? [Any])?.map { "\($0)" } ?? []
        }
        var rules: [ConflictRule] = []
        for (index, item) in ((top["rules"] as? [Any]) ?? []).enumerated() {
            guard let r = item as? [String: Any] else { throw RulesError(file: file, message: "rule #\(index + 1) is not a mapping") }
            let id = r["id"] as? String ?? ""
            let where_ = at(id, index)
            let known: Set<String> = ["id", "zone", "subject", "actions", "verdict", "condition", "clause", "explain_zh", "explain_en"]
            if let unknown = r.keys.sorted().first(where: { !known.contains($0) }) {
                throw RulesError(file: file, message: "\(where_): unknown field \"\(unknown)\"")
            }
            guard !id.isEmpty else { throw RulesError(file: file, message: "\(where_): every rule needs an id") }
            guard let zoneText = r["zone"] as? String, let zone = ZoneType(rawValue: zoneText) else {
                throw RulesError(file: file, message: "\(where_): unknown zone type \"\(r["zone"].map { "\($0)" } ?? "")\" (use \(ZoneType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let subject = try (r["subject"] as? String).map { text -> RuleSubject in
                guard let s = RuleSubject(rawValue: text) else { throw RulesError(file: file, message: "\(where_): unknown subject \"\(text)\" (use action, change_of_use, height)") }
                return s
            } ?? .action
            let actions = try strings(r["actions"]).map { text -> PlannedAction in
                guard let a = PlannedAction(text: text) else {
                    throw RulesError(file: file, message: "\(where_): unknown action \"\(text)\" (use retain, renovate, demolish, add or 留/改/拆/增)")
                }
                return a
            }
            if subject == .action && actions.isEmpty { throw RulesError(file: file, message: "\(where_): an action rule needs `actions`") }
            guard let verdictText = r["verdict"] as? String, let verdict = Verdict(rawValue: verdictText), verdict != .touching else {
                throw RulesError(file: file, message: "\(where_): verdict must be forbidden, conditional or allowed")
            }
            let condition = try (r["condition"] as? String).map { text -> RuleCondition in
                guard let c = RuleCondition(rawValue: text) else { throw RulesError(file: file, message: "\(where_): unknown condition \"\(text)\" (use height_within_limit)") }
                return c
            }
            guard let clause = r["clause"] as? String, !clause.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw RulesError(file: file, message: "\(where_): every rule needs the clause it rests on (`clause:`)")
            }
            rules.append(ConflictRule(id: id, zone: zone, subject: subject, actions: actions, verdict: verdict, condition: condition,
                                      clause: clause, explanationZH: r["explain_zh"] as? String ?? "",
                                      explanationEN: r["explain_en"] as? String ?? ""))
        }
        let ids = rules.map(\.id)
        if let duplicate = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) {
            throw RulesError(file: file, message: "rule id \(duplicate) is used twice")
        }
        var set = RuleSet(rules: rules, conversions: try ConversionRule.parseList(top["conversions"], file: file, line: line))
        if let a = top["touching_area_m2"] { guard let v = Double("\(a)"), v >= 0 else { throw RulesError(file: file, message: "touching_area_m2 must be a number ≥ 0") }; set.touchingArea = v }
        if let s = top["touching_share"] { guard let v = Double("\(s)"), v >= 0, v < 1 else { throw RulesError(file: file, message: "touching_share must be a number in [0, 1)") }; set.touchingShare = v }
        return set
    }
}
