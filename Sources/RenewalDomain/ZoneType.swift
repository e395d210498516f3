/// Kinds of constraint zone. Heritage zones come from the heritage layer's `level`
/// (core / control); the control lines from their `kind`.
public enum ZoneType: String, Sendable, CaseIterable, Codable {
    case heritageCore = "heritage_core"          // 核心保护范围
    case heritageControl = "heritage_control"    // 建设控制地带
    case purple                                   // 紫线
    case ecological                               // 生态保护红线
    case blue                                     // 蓝线
    case green                                    // 绿线
    case yellow                                   // 黄线
    /// A parcel that is itself a heritage site (用地用海 1504 or flagged historic), wherever it is.
    case historicSite = "historic_site"

    public var label: String {
        switch self {
        case .heritageCore: "heritage core protection area (核心保护范围)"
        case .heritageControl: "construction-control zone (建设控制地带)"
        case .purple: "purple line (紫线)"
        case .ecological: "ecological protection red line (生态保护红线)"
        case .blue: "blue line (蓝线)"
        case .green: "green line (绿线)"
        case .yellow: "yellow line (黄线)"
        case .historicSite: "historic site (文物古迹/历史建筑)"
        }
    }
}

public enum Verdict: String, Sendable, Codable, CaseIterable {
    case forbidden, conditional, allowed
    /// An overlap below the tolerance: reported, not a conflict.
    case touching
}
