import Foundation
import RenewalDomain
import Support

/// One entry of the land-use conversion lists (正负面清单).
public struct ConversionRule: Sendable, Equatable {
    public enum List: String, Sendable { case positive, negative }
    public var id: String
    public var list: List
    /// 用地用海 code prefixes the parcel's current use must start with (empty: any).
    public var from: [String]
    /// Code prefixes of the target use (empty: any).
    public var to: [String]
    /// Zones the parcel must overlap for a negative rule to apply, or must not overlap for a positive one.
    public var inside: Set<ZoneType>
    public var outside: Set<ZoneType>
    /// Positive-list conditions, thresholds a project may relax.
    public var minAreaM2: Double?
    /// The buildings must be older: built before this year.
    public var builtBefore: Int?
    public var mustBeVacant: Bool?
    /// Safety grades (A–D) that qualify, e.g. C and D for 危房 redevelopment.
    public var safetyGrades: Set<String>
    public var clause: String
    public var explanationZH: String
    public var explanationEN: String

    func matches(from code: String, to target: String) -> Bool {
        (from.isEmpty || from.contains { code.hasPrefix($0) }) && (to.isEmpty || to.contains { target.hasPrefix($0) || $0.hasPrefix(target) })
    }
}

extension ConversionRule: Decodable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case id, list, from, to, inside, outside, minArea = "min_area_m2", builtBefore = "built_before", vacant,
             safetyGrades = "safety_grades", clause, explainZH = "explain_zh", explainEN = "explain_en"
    }

    /// One entry of the lists. Codes are text (`"080701"`): a code YAML reads as a number is refused,
    /// showing the quoted form, rather than matched without its leading zero; `*` stands for any.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let r = try decoder.container(keyedBy: CodingKeys.self)
        guard let id = try r.decodeIfPresent(String.self, forKey: .id), !id.isEmpty else {
            throw decoder.failure("every conversion needs an id")
        }
        guard let listText = try r.decodeIfPresent(String.self, forKey: .list), let list = List(rawValue: listText) else {
            throw r.contains(.list) ? r.failure(.list, "conversion \(id): list must be positive or negative")
                : decoder.failure("conversion \(id): list must be positive or negative")
        }
        func codes(_ key: CodingKeys) throws -> [String] {
            do { return try r.decodeCodeTexts(key)?.filter { $0 != "*" } ?? [] } catch DecodingError.dataCorrupted(let context) {
                throw DecodingError.dataCorrupted(.init(codingPath: context.codingPath, debugDescription: "conversion \(id): \(context.debugDescription)"))
            }
        }
        func zones(_ key: CodingKeys) throws -> Set<ZoneType> {
            let valid = ZoneType.allCases.map(\.rawValue)
            return Set(try codes(key).map { text in
                guard let zone = ZoneType(rawValue: text) else {
                    throw r.failure(key, "conversion \(id): unknown zone type \"\(text)\" in \(key.stringValue)\(NearestNames.suggestion(for: text, in: valid)) (use \(valid.joined(separator: ", ")))")
                }
                return zone
            })
        }
        guard let clause = try r.decodeIfPresent(String.self, forKey: .clause), !clause.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw decoder.failure("conversion \(id): every conversion needs the clause it rests on (`clause:`)")
        }
        let builtBefore = try r.decodeNumber(.builtBefore)
        if let year = builtBefore, !(year == year.rounded() && abs(year) < 100_000) {
            throw r.failure(.builtBefore, "conversion \(id): built_before must be a year")
        }
        self.init(id: id, list: list, from: try codes(.from), to: try codes(.to), inside: try zones(.inside), outside: try zones(.outside),
                  minAreaM2: try r.decodeNumber(.minArea), builtBefore: builtBefore.map { Int($0) },
                  mustBeVacant: try r.decodeIfPresent(Bool.self, forKey: .vacant),
                  safetyGrades: Set(try codes(.safetyGrades).map { $0.uppercased() }), clause: clause,
                  explanationZH: try r.decodeIfPresent(String.self, forKey: .explainZH) ?? "",
                  explanationEN: try r.decodeIfPresent(String.self, forKey: .explainEN) ?? "")
    }
}

/// A parcel as the eligibility check sees it.
public struct EligibilityParcel: Sendable {
    public var id: String
    /// Current 用地用海 code (text, leading zeros kept).
    public var code: String
    public var areaM2: Double
    public var buildYear: Int?
    public var vacant: Bool?
    public var safetyGrade: String?
    /// Zones the parcel overlaps beyond the touching tolerance.
    public var zones: Set<ZoneType>
    public init(id: String, code: String, areaM2: Double, buildYear: Int? = nil, vacant: Bool? = nil, safetyGrade: String? = nil, zones: Set<ZoneType> = []) {
        self.id = id; self.code = code; self.areaM2 = areaM2; self.buildYear = buildYear; self.vacant = vacant
        self.safetyGrade = safetyGrade; self.zones = zones
    }
}

/// One reason behind a verdict: the list entry that applies (its id and clause) and, for a
/// positive entry, the conditions it leaves unmet.
public struct EligibilityReason: Sendable {
    public var ruleID: String
    public var clause: String
    /// The entry's explanation (English).
    public var explanation: String
    /// Conditions not met ("not vacant", "built 2005, not before 2001", …); empty when all hold.
    public var unmet: [String]
    /// Zones that made a negative entry apply.
    public var zones: [ZoneType]

    /// The reason as one sentence.
    public var text: String {
        var s = explanation
        if !zones.isEmpty { s += " (inside \(zones.map(\.rawValue).joined(separator: ", ")))" }
        if !unmet.isEmpty { s += ": " + unmet.joined(separator: "; ") }
        return s
    }

    static let unlisted = EligibilityReason(ruleID: "UNLISTED", clause: "正负面清单: neither list names this conversion",
                                            explanation: "not on either list: needs case-by-case review", unmet: [], zones: [])
}

/// The verdict on one parcel × target use, with every reason that applies.
public struct EligibilityVerdict: Sendable {
    public var parcel: Int
    public var target: String
    public var verdict: Verdict
    public var reasons: [EligibilityReason]
    /// True when no list names this conversion.
    public var isUnlisted: Bool { reasons.first?.ruleID == "UNLISTED" }
}

/// Land-use conversion eligibility under the positive and negative lists. Pure.
///
/// A negative entry that applies makes the conversion forbidden; otherwise a positive entry whose
/// conditions all hold makes it allowed; otherwise it is conditional — listed with conditions
/// unmet (each named), or on neither list (case-by-case review). Every applying entry is reported,
/// not only the first. Relaxing a positive entry's threshold can only turn conditional into allowed.
public enum EligibilityAnalysis {
    public static func targets(in rules: RuleSet) -> [String] {
        var seen: [String] = []
        for rule in rules.conversions where rule.list == .positive { for t in rule.to where !seen.contains(t) { seen.append(t) } }
        return seen
    }

    /// Verdicts for every parcel × target (a target the parcel's use already falls under is no
    /// conversion and is skipped); conversions on neither list only when `includeUnlisted`.
    public static func run(parcels: [EligibilityParcel], targets: [String], rules: RuleSet, includeUnlisted: Bool = true) -> [EligibilityVerdict] {
        var out: [EligibilityVerdict] = []
        for (i, p) in parcels.enumerated() {
            for target in targets where !p.code.hasPrefix(target) {
                let v = judge(p, index: i, target: target, rules: rules)
                if includeUnlisted || !v.isUnlisted { out.append(v) }
            }
        }
        return out
    }

    /// The verdict on converting parcel `p` (at `index`) to `target`.
    public static func judge(_ p: EligibilityParcel, index: Int, target: String, rules: RuleSet) -> EligibilityVerdict {
        var forbidden: [EligibilityReason] = [], allowed: [EligibilityReason] = [], conditional: [EligibilityReason] = []
        for rule in rules.conversions where rule.matches(from: p.code, to: target) {
            var reason = EligibilityReason(ruleID: rule.id, clause: rule.clause, explanation: rule.explanationEN, unmet: [], zones: [])
            switch rule.list {
            case .negative:
                if rule.inside.isEmpty || !rule.inside.isDisjoint(with: p.zones) {
                    reason.zones = rule.inside.intersection(p.zones).sorted { $0.rawValue < $1.rawValue }
                    forbidden.append(reason)
                }
            case .positive:
                let inForbiddenZone = rule.outside.intersection(p.zones)
                if !inForbiddenZone.isEmpty { reason.unmet.append("inside \(inForbiddenZone.map(\.rawValue).sorted().joined(separator: ", "))") }
                if let min = rule.minAreaM2, p.areaM2 < min { reason.unmet.append(String(format: "area %.0f m² < %.0f m²", p.areaM2, min)) }
                if let before = rule.builtBefore {
                    if let year = p.buildYear { if year >= before { reason.unmet.append("built \(year), not before \(before)") } } else { reason.unmet.append("build year unknown") }
                }
                if rule.mustBeVacant == true {
                    if let vacant = p.vacant { if !vacant { reason.unmet.append("not vacant") } } else { reason.unmet.append("vacancy unknown") }
                }
                if !rule.safetyGrades.isEmpty {
                    if let grade = p.safetyGrade?.uppercased() {
                        if !rule.safetyGrades.contains(grade) { reason.unmet.append("safety grade \(grade) not in \(rule.safetyGrades.sorted().joined(separator: "/"))") }
                    } else { reason.unmet.append("safety grade unknown") }
                }
                if reason.unmet.isEmpty { allowed.append(reason) } else { conditional.append(reason) }
            }
        }
        let verdict: Verdict
        let reasons: [EligibilityReason]
        if !forbidden.isEmpty { verdict = .forbidden; reasons = forbidden + allowed + conditional }
        else if !allowed.isEmpty { verdict = .allowed; reasons = allowed + conditional }
        else if !conditional.isEmpty { verdict = .conditional; reasons = conditional }
        else { verdict = .conditional; reasons = [.unlisted] }
        return EligibilityVerdict(parcel: index, target: target, verdict: verdict, reasons: reasons)
    }
}
