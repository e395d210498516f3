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

    /// The farthest any rule reaches, metres (a park rule: its 500 m): how far around a district its
    /// facilities must be read for the district's parcels to be served as in a whole-city run.
    public var largestRadius: Double {
        rules.values.map { $0.radius ?? 500 }.max() ?? 0
    }

    /// The 城市体检 park rule: a park of `area` m² serves 300 m from 2,000 m², 500 m from 5,000 m²;
    /// smaller parks do not count (nil).
    public static func parkRadius(area: Double) -> Double? {
        if area >= 5000 { return 500 }
        if area >= 2000 { return 300 }
        return nil
    }
}

extension ServiceRadii: Decodable {
    /// A radius table as a file writes it, applied to the defaults: a file changes only the
    /// categories it names, the others keep their rule. Each entry is `category: metres`,
    /// `category: {radius: metres, tier: 5|10|15, source: text}`, `park: {by_area: true}` (the area
    /// rule), or `category: false` (leave the category out). Categories from the defaults keep their
    /// tier and source unless given; a new category's source is the file (`Decoder.configFile`).
    /// Mistakes are decoding errors at the category's key (the reader adds file and line).
    public init(from decoder: any Decoder) throws {
        let table = try decoder.container(keyedBy: ConfigKey.self)
        guard !table.allKeys.isEmpty else { throw decoder.failure("expected a table of category: radius in metres") }
        let base = ServiceRadii.defaults
        var rules = base.rules
        for key in table.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            let category = key.stringValue
            let original = base.rules[category]
            if let flag = try? table.decode(Bool.self, forKey: key) {
                guard !flag else {
                    throw table.failure(key, "category \(category): true is not a radius (a number of metres, or false to leave the category out)")
                }
                rules[category] = nil
                continue
            }
            var rule = ServiceRule(radius: original?.radius, tier: original?.tier, source: decoder.configFile)
            if let metres = try? table.decodeNumber(key) {
                rule.radius = metres
            } else if let entry = try? table.nestedContainer(keyedBy: Entry.CodingKeys.self, forKey: key) {
                try table.superDecoder(forKey: key).rejectUnknownKeys(Entry.CodingKeys.self)
                if try entry.decodeIfPresent(Bool.self, forKey: .byArea) == true {
                    rule.radius = nil
                } else if let metres = try entry.decodeNumber(.radius) {
                    rule.radius = metres
                }
                if let number = try entry.decodeNumber(.tier) {
                    guard number == number.rounded(), abs(number) < 100, let tier = LifeCircleTier(rawValue: Int(number)) else {
                        throw entry.failure(.tier, "category \(category): tier \(number.plainText) is not 5, 10 or 15")
                    }
                    rule.tier = tier
                }
                if let source = try entry.decodeIfPresent(String.self, forKey: .source) { rule.source = source }
            } else {
                throw DecodingError.typeMismatch(Double.self, .init(codingPath: table.codingPath + [key], debugDescription:
                    "must be a number"))
            }
            if let r = rule.radius, !(r > 0 && r.isFinite) {
                throw table.failure(key, "category \(category): radius \(r.plainText) m must be a positive number of metres")
            }
            if rule.radius == nil && category != "park" && original?.radius != nil {
                throw table.failure(key, "category \(category): by_area applies to parks only")
            }
            if rule.radius == nil && original == nil {
                throw table.failure(key, "category \(category): no radius given")
            }
            rules[category] = rule
        }
        guard !rules.isEmpty else { throw decoder.failure("every category is left out: nothing to analyse") }
        self.init(rules: rules)
    }

    /// The long form of an entry.
    private enum Entry {
        enum CodingKeys: String, CodingKey, CaseIterable { case radius, tier, source, byArea = "by_area" }
    }
}

private extension Double {
    /// 300 rather than 300.0 in messages.
    var plainText: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}
