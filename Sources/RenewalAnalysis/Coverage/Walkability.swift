import Foundation
import RenewalDomain
import Support

/// Which street lines people walk on, and how fast, decided from the line's class (OSM `highway`
/// or a planning class such as 主干路) and its tags (`foot`, `sidewalk`, `bridge`, `access`, …).
/// Data, not code: the built-in tables are listed in docs/coverage.md and a user's own table
/// (YAML or JSON, see `WalkabilityTable.init(from:)`) replaces or amends them.
///
/// A line is decided in this order:
/// 1. a tag listed in `walkableIf` with a listed value (foot=yes, sidewalk=both, …): walkable;
/// 2. else a tag listed in `notWalkableIf` with a listed value (foot=no, bridge=viaduct, …): not;
/// 3. else its class's rule in `classes`, or `otherClasses` for a class not listed.
/// The speed factor is always the class's (steps: 0.5), whichever step decided.
public struct WalkabilityTable: Sendable, Equatable {
    /// How a class is walked: on foot or not, and the speed factor relative to a flat street (0.05–1).
    public struct ClassRule: Sendable, Equatable {
        public var walkable: Bool
        public var factor: Double
        public init(walkable: Bool, factor: Double = 1) { self.walkable = walkable; self.factor = factor }
    }

    /// Where the table came from: `osm`, `planning` or a file path (for messages).
    public var name: String
    public var classes: [String: ClassRule]
    public var otherClasses: ClassRule
    /// Tag → values that make any line walkable (checked first).
    public var walkableIf: [String: Set<String>]
    /// Tag → values that make a line not walkable unless `walkableIf` matched.
    public var notWalkableIf: [String: Set<String>]

    public init(name: String, classes: [String: ClassRule], otherClasses: ClassRule,
                walkableIf: [String: Set<String>], notWalkableIf: [String: Set<String>]) {
        self.name = name; self.classes = classes; self.otherClasses = otherClasses
        self.walkableIf = walkableIf; self.notWalkableIf = notWalkableIf
    }

    /// Every tag key the table reads (besides the class), for readers that pick columns.
    public var tagKeys: Set<String> { Set(walkableIf.keys).union(notWalkableIf.keys) }

    /// The decision for one line: walkable or not, its speed factor, and the rule that decided
    /// (`class motorway`, `foot=no`, `sidewalk=both`, …).
    public func decide(streetClass: String, tags: [String: String]) -> (walkable: Bool, factor: Double, reason: String) {
        let key = streetClass.trimmingCharacters(in: .whitespaces).lowercased()
        let rule = classes[key] ?? otherClasses
        let factor = min(1, max(0.05, rule.factor))
        for tag in walkableIf.keys.sorted() {
            if let value = tags[tag], walkableIf[tag]!.contains(value) { return (true, factor, "\(tag)=\(value)") }
        }
        for tag in notWalkableIf.keys.sorted() {
            if let value = tags[tag], notWalkableIf[tag]!.contains(value) { return (false, factor, "\(tag)=\(value)") }
        }
        return (rule.walkable, factor, classes[key] == nil ? "other class" : "class \(key.isEmpty ? "(none)" : key)")
    }

    // MARK: built-in tables

    /// Tags common to both built-in tables. OSM: foot=yes/designated/permissive or a sidewalk
    /// (sidewalk=yes/both/left/right, sidewalk:both/left/right=yes) opens any road to walkers;
    /// foot=no/use_sidepath, access=no and viaducts (bridge=viaduct) close it.
    static let commonWalkableIf: [String: Set<String>] = [
        "foot": ["yes", "designated", "permissive"],
        "sidewalk": ["yes", "both", "left", "right"],
        "sidewalk:both": ["yes"], "sidewalk:left": ["yes"], "sidewalk:right": ["yes"],
    ]
    static let commonNotWalkableIf: [String: Set<String>] = [
        "foot": ["no", "use_sidepath"],
        "access": ["no"],
        "bridge": ["viaduct"],
    ]
    /// Classes nobody walks on in both tables: motorways and expressways, their ramps, elevated roads
    /// (快速路, 匝道, 高架路, 高速公路), roads not built or gone.
    static let commonClosed = ["motorway", "motorway_link", "trunk_link", "expressway", "ramp", "快速路", "匝道", "高架路", "高架",
                               "高速公路", "construction", "proposed", "abandoned", "disused", "razed", "raceway",
                               "bus_guideway", "busway"]
    static let commonFactors: [String: Double] = ["steps": 0.5, "梯道": 0.5]

    static func table(name: String, closed: [String], open: [String], otherClasses: Bool) -> WalkabilityTable {
        var classes: [String: ClassRule] = [:]
        for c in closed { classes[c] = ClassRule(walkable: false) }
        for c in open { classes[c] = ClassRule(walkable: true) }
        for (c, f) in commonFactors { classes[c] = ClassRule(walkable: true, factor: f) }
        return WalkabilityTable(name: name, classes: classes, otherClasses: ClassRule(walkable: otherClasses),
                                walkableIf: commonWalkableIf, notWalkableIf: commonNotWalkableIf)
    }

    /// OpenStreetMap `highway` values: trunk roads are closed too (in OSM a trunk is a
    /// motorway-like road; where it has a sidewalk, the sidewalk tag opens it); lines without a
    /// highway value are not streets. Other values (footway, path, residential, service, …) walk.
    public static let osm = table(
        name: "osm", closed: commonClosed + ["trunk", ""],
        open: ["footway", "pedestrian", "living_street", "path", "residential", "service", "unclassified", "tertiary",
               "tertiary_link", "secondary", "secondary_link", "primary", "primary_link", "track", "cycleway",
               "platform", "corridor", "elevator", "road"],
        otherClasses: true)

    /// Chinese planning classes (CJJ 37 城市道路: 快速路, 主干路, 次干路, 支路) and the sample's English
    /// ones: an urban trunk road (主干路, `trunk`) has sidewalks by design and walks; expressways,
    /// ramps and elevated roads do not.
    public static let planning = table(
        name: "planning", closed: commonClosed,
        open: ["trunk", "主干路", "次干路", "支路", "步行街", "人行道", "footway", "pedestrian", "living_street", "residential",
               "secondary", "primary", "tertiary", "service", "path"],
        otherClasses: true)

    public static let builtIn: [String: WalkabilityTable] = ["osm": osm, "planning": planning]

    /// Columns that mark a street layer as OSM data (GDAL's OSM driver, or an export of it).
    public static let osmMarkerColumns = ["highway", "other_tags", "foot", "sidewalk"]

    /// GDAL's OSM `other_tags` text, `"key"=>"value","key2"=>"value2"` (backslash escapes), as pairs.
    public static func parseOSMTags(_ text: String) -> [(String, String)] {
        var pairs: [(String, String)] = []
        var chars = Array(text)[...]
        func quoted() -> String? {
            while let c = chars.first, c != "\"" { chars = chars.dropFirst() }
            guard chars.first == "\"" else { return nil }
            chars = chars.dropFirst()
            var out = ""
            while let c = chars.first {
                chars = chars.dropFirst()
                if c == "\\", let next = chars.first { out.append(next); chars = chars.dropFirst(); continue }
                if c == "\"" { return out }
                out.append(c)
            }
            return nil
        }
        while let key = quoted() {
            guard let value = quoted() else { break }
            pairs.append((key, value))
        }
        return pairs
    }

    /// The table as YAML in the format `init(from:)` reads (sorted, so it can be compared and diffed).
    public var yaml: String {
        func q(_ s: String) -> String { s.isEmpty || s.contains(where: { ":#{}[],'\"".contains($0) }) || ["yes", "no", "true", "false"].contains(s) ? "'\(s)'" : s }
        var out = "classes:\n"
        for (k, r) in classes.sorted(by: { $0.key < $1.key }) {
            out += r.factor == 1 ? "  \(q(k)): \(r.walkable ? "yes" : "no")\n" : "  \(q(k)): {walk: \(r.walkable ? "yes" : "no"), factor: \(r.factor)}\n"
        }
        out += "other_classes: \(otherClasses.walkable ? "yes" : "no")\n"
        for (title, lists) in [("walkable_if", walkableIf), ("not_walkable_if", notWalkableIf)] {
            out += "\(title):\n"
            for (tag, values) in lists.sorted(by: { $0.key < $1.key }) {
                out += "  \(q(tag)): [\(values.sorted().map(q).joined(separator: ", "))]\n"
            }
        }
        return out
    }
}

extension WalkabilityTable: Decodable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case base, classes, otherClasses = "other_classes", walkableIf = "walkable_if", notWalkableIf = "not_walkable_if"
    }

    /// Reads a user's table, named after the file (`Decoder.configFile`):
    ///
    ///     base: osm                       # optional: start from a built-in table (osm or planning)
    ///     classes:                        # class → yes/no, or {walk: yes/no, factor: 0.05…1}
    ///       trunk: yes
    ///       steps: {walk: yes, factor: 0.5}
    ///     other_classes: yes              # classes not listed
    ///     walkable_if: {foot: [yes, designated]}        # a key given replaces the base's list
    ///     not_walkable_if: {foot: [no], bridge: [viaduct]}
    ///
    /// Unknown keys, a base that is not built in, and values of the wrong type are decoding errors
    /// at their key.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let top = try decoder.container(keyedBy: CodingKeys.self)
        if let base = try top.decodeIfPresent(String.self, forKey: .base) {
            guard let found = Self.builtIn[base] else {
                throw top.failure(.base, "base \(base) is not a built-in table (osm, planning)\(NearestNames.suggestion(for: base, in: Self.builtIn.keys.sorted()))")
            }
            self = found
        } else {
            self.init(name: "", classes: [:], otherClasses: ClassRule(walkable: true), walkableIf: [:], notWalkableIf: [:])
        }
        name = decoder.configFile
        if top.contains(.classes) {
            let classes = try top.nestedContainer(keyedBy: ConfigKey.self, forKey: .classes)
            for key in classes.allKeys {
                self.classes[key.stringValue.lowercased()] = try classes.decode(ClassRule.self, forKey: key)
            }
        }
        if let other = try top.decodeIfPresent(ClassRule.self, forKey: .otherClasses) { otherClasses = other }
        func tagLists(_ key: CodingKeys) throws -> [String: Set<String>] {
            guard top.contains(key) else { return [:] }
            let lists = try top.nestedContainer(keyedBy: ConfigKey.self, forKey: key)
            var out: [String: Set<String>] = [:]
            for tag in lists.allKeys {
                out[tag.stringValue.lowercased()] = Set(try lists.decodeOneOrMany(TagValue.self, tag)?.map(\.text) ?? [])
            }
            return out
        }
        walkableIf.merge(try tagLists(.walkableIf)) { $1 }
        notWalkableIf.merge(try tagLists(.notWalkableIf)) { $1 }
    }

    /// A tag value as matched: lowercased, and a bare yes/no (a boolean to YAML) as the word written.
    private struct TagValue: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let flag = try? value.decode(Bool.self) { text = flag ? "yes" : "no" } else { text = try value.decode(String.self).lowercased() }
        }
    }
}

extension WalkabilityTable.ClassRule: Decodable {
    private enum CodingKeys: String, CodingKey, CaseIterable { case walk, factor }

    /// `yes`/`no`, or `{walk: yes/no, factor: 0.05…1}`.
    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let walkable = try? Self.yesNo(single) {
            self.init(walkable: walkable)
            return
        }
        guard (try? decoder.container(keyedBy: ConfigKey.self)) != nil else {
            let written = (try? decoder.singleValueContainer().decode(String.self)).map { " (it is \($0))" } ?? ""
            throw decoder.failure("\(decoder.codingPath.dottedPath) must be yes or no, or {walk: yes/no, factor: 0.05…1}\(written)")
        }
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let map = try decoder.container(keyedBy: CodingKeys.self)
        guard map.contains(.walk) else { throw decoder.failure("\(decoder.codingPath.dottedPath) needs walk: yes or no") }
        guard let walkable = try? Self.yesNo(try map.superDecoder(forKey: .walk).singleValueContainer()) else {
            throw map.failure(.walk, "\(map.path(.walk)) must be yes or no")
        }
        self.init(walkable: walkable)
        if let f = try map.decodeNumber(.factor) {
            guard f >= 0.05, f <= 1 else { throw map.failure(.factor, "\(map.path(.factor)): \(f) is not a number from 0.05 to 1") }
            factor = f
        }
    }

    /// A boolean, or the words yes/true/no/false however written.
    private static func yesNo(_ value: any SingleValueDecodingContainer) throws -> Bool {
        if let flag = try? value.decode(Bool.self) { return flag }
        let text = try value.decode(String.self).lowercased()
        guard let flag = ["yes": true, "true": true, "no": false, "false": false][text] else {
            throw DecodingError.dataCorruptedError(in: value, debugDescription: "\(text) is not yes or no")
        }
        return flag
    }
}

