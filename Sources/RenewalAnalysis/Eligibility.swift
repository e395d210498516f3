import Foundation

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

    static func parseList(_ any: Any?, file: String, line: (String) -> Int?) throws -> [ConversionRule] {
        guard let any else { return [] }
        guard let items = any as? [Any] else { throw RulesError(file: file, message: "`conversions:` must be a list") }
        return try items.enumerated().map { index, item in
            guard let r = item as? [String: Any] else { throw RulesError(file: file, message: "conversion #\(index + 1) is not a mapping") }
            let id = r["id"] as? String ?? ""
            let where_ = (line(id).map { "line \($0), " } ?? "") + "conversion \(id.isEmpty ? "#\(index + 1)" : id)"
            let known: Set<String> = ["id", "list", "from", "to", "inside", "outside", "min_area_m2", "built_before", "vacant",
                                      "safety_grades", "clause", "explain_zh", "explain_en"]
            if let unknown = r.keys.sorted().first(where: { !known.contains($0) }) {
                throw RulesError(file: file, message: "\(where_): unknown field \"\(unknown)\"")
            }
            guard !id.isEmpty else { throw RulesError(file: file, message: "\(where_): every conversion needs an id") }
            guard let listText = r["list"] as? String, let list = List(rawValue: listText) else {
                throw RulesError(file: file, message: "\(where_): list must be positive or negative")
            }
            func codes(_ key: String) -> [String] {
                if let s = r[key] as? String { return s == "*" ? [] : [s] }
                return ((r[key] as? [Any]) ?? []).map { "\($0)" }.filter { $0 != "*" }
            }
            func zones(_ key: String) throws -> Set<ZoneType> {
                Set(try codes(key).map { text in
                    guard let z = ZoneType(rawValue: text) else {
                        throw RulesError(file: file, message: "\(where_): unknown zone type \"\(text)\" in \(key) (use \(ZoneType.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    return z
                })
            }
            guard let clause = r["clause"] as? String, !clause.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw RulesError(file: file, message: "\(where_): every conversion needs the clause it rests on (`clause:`)")
            }
            return ConversionRule(
                id: id, list: list, from: codes("from"), to: codes("to"), inside: try zones("inside"), outside: try zones("outside"),
                minAreaM2: r["min_area_m2"].flatMap { Double("\($0)") }, builtBefore: r["built_before"].flatMap { Int("\($0)") },
                mustBeVacant: r["vacant"] as? Bool, safetyGrades: Set(codes("safety_grades").map { $0.uppercased() }),
                clause: clause, explanationZH: r["explain_zh"] as? String ?? "", explanationEN: r["explain_en"] as? String ?? "")
        }
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

/// The verdict on one parcel × target use, with every reason that applies.
public struct EligibilityVerdict: Sendable {
    public var parcel: Int
    public var target: String
    public var verdict: Verdict
    public var reasons: [(ruleID: String, clause: String, text: String)]
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

    public static func run(parcels: [EligibilityParcel], targets: [String], rules: RuleSet) -> [EligibilityVerdict] {
        var out: [EligibilityVerdict] = []
        for (i, p) in parcels.enumerated() {
            // A target the parcel's use already falls under is no conversion.
            for target in targets where !p.code.hasPrefix(target) {
                out.append(judge(p, index: i, target: target, rules: rules))
            }
        }
        return out
    }

    static func judge(_ p: EligibilityParcel, index: Int, target: String, rules: RuleSet) -> EligibilityVerdict {
        var forbidden: [(String, String, String)] = [], allowed: [(String, String, String)] = [], conditional: [(String, String, String)] = []
        for rule in rules.conversions where rule.matches(from: p.code, to: target) {
            switch rule.list {
            case .negative:
                if rule.inside.isEmpty || !rule.inside.isDisjoint(with: p.zones) {
                    let zones = rule.inside.intersection(p.zones).map(\.rawValue).sorted()
                    forbidden.append((rule.id, rule.clause, rule.explanationEN + (zones.isEmpty ? "" : " (inside \(zones.joined(separator: ", ")))")))
                }
            case .positive:
                var unmet: [String] = []
                let inForbiddenZone = rule.outside.intersection(p.zones)
                if !inForbiddenZone.isEmpty { unmet.append("inside \(inForbiddenZone.map(\.rawValue).sorted().joined(separator: ", "))") }
                if let min = rule.minAreaM2, p.areaM2 < min { unmet.append(String(format: "area %.0f m² < %.0f m²", p.areaM2, min)) }
                if let before = rule.builtBefore {
                    if let year = p.buildYear { if year >= before { unmet.append("built \(year), not before \(before)") } } else { unmet.append("build year unknown") }
                }
                if let mustBeVacant = rule.mustBeVacant, mustBeVacant {
                    if let vacant = p.vacant { if !vacant { unmet.append("not vacant") } } else { unmet.append("vacancy unknown") }
                }
                if !rule.safetyGrades.isEmpty {
                    if let grade = p.safetyGrade?.uppercased() {
                        if !rule.safetyGrades.contains(grade) { unmet.append("safety grade \(grade) not in \(rule.safetyGrades.sorted().joined(separator: "/"))") }
                    } else { unmet.append("safety grade unknown") }
                }
                if unmet.isEmpty { allowed.append((rule.id, rule.clause, rule.explanationEN)) }
                else { conditional.append((rule.id, rule.clause, rule.explanationEN + ": " + unmet.joined(separator: "; "))) }
            }
        }
        let verdict: Verdict
        var reasons: [(String, String, String)]
        if !forbidden.isEmpty { verdict = .forbidden; reasons = forbidden + allowed + conditional }
        else if !allowed.isEmpty { verdict = .allowed; reasons = allowed + conditional }
        else if !conditional.isEmpty { verdict = .conditional; reasons = conditional }
        else { verdict = .conditional; reasons = [("UNLISTED", "正负面清单: neither list names this conversion", "not on either list: needs case-by-case review")] }
        return EligibilityVerdict(parcel: index, target: target, verdict: verdict, reasons: reasons.map { (ruleID: $0.0, clause: $0.1, text: $0.2) })
    }
}
