import Foundation
import GeoKernel
import Support
import RenewalDomain

/// How far one facility category serves, and where that number comes from.
public struct ServiceRule: Sendable, Equatable, Codable {
    /// Straight-line (and walking) service radius in metres; nil when it follows the facility's
    /// area (parks, see `ServiceRadii.parkRadius`).
    public var radius: Double?
    /// The GB 50180-2018 tier that requires this category, if any.
    public var tier: LifeCircleTier?
    /// Where the number comes from (standard and clause, or "tool default").
    public var source: String

    public init(radius: Double?, tier: LifeCircleTier?, source: String) {
        self.radius = radius; self.tier = tier; self.source = source
    }
}

/// The service-radius table: facility category → rule. Category names are the values of the
/// facility layer's `category` field.
public struct ServiceRadii: Sendable, Equatable {
    public var rules: [String: ServiceRule]

    public init(rules: [String: ServiceRule]) { self.rules = rules }

    /// Categories in a stable order (alphabetical, as the CSV output sorts them).
    public var categories: [String] { rules.keys.sorted() }

    static let gb50180_93 = "GB 50180-93 (2002 ed.) 服务半径不宜大于 300/500/1000 m for 托幼/小学/中学; believed unchanged in GB 50180-2018 附录C (verify)"

    /// The defaults, each with its provenance. Only the nursery/kindergarten (300 m), primary
    /// school (500 m) and middle school (1000 m) radii are confirmed in a standard's text; the
    /// others are this tool's defaults derived from the tier's walking distance.
    public static let defaults = ServiceRadii(rules: [
        "childcare": ServiceRule(radius: 300, tier: .fiveMinute, source: gb50180_93),
        "kindergarten": ServiceRule(radius: 300, tier: .fiveMinute, source: gb50180_93),
        "elderly_day_care": ServiceRule(radius: 300, tier: .fiveMinute,
                                        source: "tool default: the 5-minute tier's 300 m (GB 50180-2018 附录B lists 老年人日间照料中心 in the 5-minute circle)"),
        "community_service": ServiceRule(radius: 300, tier: .fiveMinute, source: "tool default: the 5-minute tier's 300 m (社区服务站)"),
        "primary_school": ServiceRule(radius: 500, tier: .tenMinute, source: gb50180_93),
        "market": ServiceRule(radius: 500, tier: .tenMinute, source: "tool default: the 10-minute tier's 500 m (菜市场或生鲜超市)"),
        "community_canteen": ServiceRule(radius: 500, tier: .tenMinute,
                                         source: "tool default: 500 m; 社区食堂 is not in GB 50180-2018, placed with the 10-minute tier by this tool"),
        "middle_school": ServiceRule(radius: 1000, tier: .fifteenMinute, source: gb50180_93),
        "clinic": ServiceRule(radius: 1000, tier: .fifteenMinute, source: "tool default: the 15-minute tier's 1000 m (社区卫生服务中心)"),
        "sports": ServiceRule(radius: 1000, tier: .fifteenMinute, source: "tool default: the 15-minute tier's 1000 m (large sports ground)"),
        "elderly_care": ServiceRule(radius: 1000, tier: .fifteenMinute,
                                    source: "tool default: 1000 m (养老院; the standard gives siting rules and beds, no radius)"),
        "park": ServiceRule(radius: nil, tier: nil,
                            source: "城市体检 公园绿地服务半径覆盖率: parks of 2,000–5,000 m² serve 300 m, parks of 5,000 m² or more 500 m"),
    ])

    /// The 城市体检 park rule: a park of `area` m² serves 300 m from 2,000 m², 500 m from 5,000 m²;
    /// smaller parks do not count (nil).
    public static func parkRadius(area: Double) -> Double? {
        if area >= 5000 { return 500 }
        if area >= 2000 { return 300 }
        return nil
    }

    /// Reads a radius table from JSON or YAML text and applies it to `base` (the defaults unless
    /// given): a file changes only the categories it names, the others keep their rule. Each entry
    /// is `category: metres`, `category: {radius: metres, tier: 5|10|15, source: text}`,
    /// `park: {by_area: true}` (the area rule), or `category: false` (leave the category out).
    /// Categories from `base` keep their tier and source unless given.
    /// Throws `RadiiError` naming the file, the category and what is wrong.
    public static func parse(_ object: Any, file: String, base: ServiceRadii = .defaults) throws -> ServiceRadii {
        guard let table = object as? [String: Any], !table.isEmpty else {
            throw RadiiError(file: file, message: "expected a table of category: radius in metres")
        }
        var rules = base.rules
        for (category, value) in table.sorted(by: { $0.key < $1.key }) {
            let original = base.rules[category]
            func number(_ any: Any?) -> Double? {
                if any is Bool { return nil }
                switch any {
                case let d as Double: return d
                case let i as Int: return Double(i)
                case let s as String: return Double(s)
                default: return nil
                }
            }
            if let flag = value as? Bool, type(of: value) == Bool.self {
                guard !flag else {
                    throw RadiiError(file: file, message: "category \(category): true is not a radius (a number of metres, or false to leave the category out)")
                }
                rules[category] = nil
                continue
            }
            var rule = ServiceRule(radius: original?.radius, tier: original?.tier, source: "\(file)")
            if let metres = number(value) {
                rule.radius = metres
            } else if let entry = value as? [String: Any] {
                let known = ["radius", "tier", "source", "by_area"]
                if let unknown = entry.keys.sorted().first(where: { !known.contains($0) }) {
                    throw RadiiError(file: file, message: "category \(category): unknown key \"\(unknown)\"\(NearestNames.suggestion(for: unknown, in: known)) (use radius, tier, source, by_area)")
                }
                if entry["by_area"] as? Bool == true { rule.radius = nil } else if let r = entry["radius"] {
                    guard let metres = number(r) else { throw RadiiError(file: file, message: "category \(category): radius \"\(r)\" is not a number") }
                    rule.radius = metres
                }
                if let t = entry["tier"] {
                    guard let n = number(t), let tier = LifeCircleTier(rawValue: Int(n)) else {
                        throw RadiiError(file: file, message: "category \(category): tier \"\(t)\" is not 5, 10 or 15")
                    }
                    rule.tier = tier
                }
                if let s = entry["source"] as? String { rule.source = s }
            } else {
                throw RadiiError(file: file, message: "category \(category): \"\(value)\" is not a radius in metres")
            }
            if let r = rule.radius, !(r > 0 && r.isFinite) {
                throw RadiiError(file: file, message: "category \(category): radius \(r) m must be a positive number of metres")
            }
            if rule.radius == nil && category != "park" && original?.radius != nil {
                throw RadiiError(file: file, message: "category \(category): by_area applies to parks only")
            }
            if rule.radius == nil && original == nil {
                throw RadiiError(file: file, message: "category \(category): no radius given")
            }
            rules[category] = rule
        }
        guard !rules.isEmpty else { throw RadiiError(file: file, message: "every category is left out: nothing to analyse") }
        return ServiceRadii(rules: rules)
    }
}
