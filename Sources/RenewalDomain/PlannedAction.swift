import Foundation

/// A planned action on a parcel (留改拆增).
public enum PlannedAction: String, Sendable, CaseIterable, Codable {
    case retain, renovate, demolish, add

    /// Reads the values planners write: retain / renovate / demolish / add, `new_build`,
    /// `extension`, and 留 / 改 / 拆 / 增.
    public init?(text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "retain", "留", "keep": self = .retain
        case "renovate", "改", "renovation", "refurbish": self = .renovate
        case "demolish", "拆", "demolition": self = .demolish
        case "add", "new_build", "newbuild", "extension", "extend", "增", "new": self = .add
        default: return nil
        }
    }
}

extension PlannedAction {
    /// The character of 留改拆增.
    public var chinese: String {
        switch self { case .retain: "留"; case .renovate: "改"; case .demolish: "拆"; case .add: "增" }
    }
}
