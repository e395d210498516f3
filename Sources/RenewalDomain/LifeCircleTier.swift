/// A life-circle tier of GB 50180-2018 《城市居住区规划设计标准》: the walking time whose
/// facilities a home must reach. Tiers are not nested (条文说明): a 15-minute facility does not
/// meet a 5-minute requirement.
public enum LifeCircleTier: Int, Sendable, Codable, CaseIterable, Comparable {
    case fiveMinute = 5, tenMinute = 10, fifteenMinute = 15

    public var label: String { "\(rawValue)-minute" }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
