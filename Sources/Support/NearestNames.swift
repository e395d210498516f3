import Foundation

/// "Did you mean …?": the valid names nearest to a mistyped one, by edit distance. One helper for
/// every place that refuses a name (subcommands, encodings, land-use codes, categories, keys,
/// parameter values), so they all suggest alike.
public enum NearestNames {
    /// Levenshtein distance between `a` and `b` over Unicode characters, case-insensitive
    /// (insertions, deletions and substitutions each cost 1; a swap of two neighbours costs 1 too,
    /// as typists make it: "GKB" is one step from "GBK").
    public static func distance(_ a: String, _ b: String) -> Int {
        let s = Array(a.lowercased()), t = Array(b.lowercased())
        if s.isEmpty { return t.count }
        if t.isEmpty { return s.count }
        var before = [Int](repeating: 0, count: t.count + 1)
        var previous = Array(0...t.count)
        var current = [Int](repeating: 0, count: t.count + 1)
        for i in 1...s.count {
            current[0] = i
            for j in 1...t.count {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] { d = min(d, before[j - 2] + 1) }
                current[j] = d
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[t.count]
    }

    /// The candidates nearest to `name`, best first (ties in the candidates' order, so callers put
    /// the likeliest first), at most
    /// `limit`; only those within `maxDistance` edits (default: a third of the longer name's
    /// length, at least 1, at most 3), so that an unrelated word suggests nothing. A candidate
    /// that starts with `name` (or equals it ignoring case) counts as distance 1.
    public static func nearest(to name: String, in candidates: some Sequence<String>, limit: Int = 3, maxDistance: Int? = nil) -> [String] {
        var seen = Set<String>()
        var scored: [(name: String, distance: Int, order: Int)] = []
        for (order, candidate) in candidates.enumerated() where seen.insert(candidate).inserted {
            var d = distance(name, candidate)
            if d > 1, name.count >= 2, candidate.lowercased().hasPrefix(name.lowercased()) { d = 1 }
            let allowed = maxDistance ?? min(3, max(1, max(name.count, candidate.count) / 3))
            if d <= allowed { scored.append((candidate, d, order)) }
        }
        return scored.sorted { ($0.distance, $0.order) < ($1.distance, $1.order) }.prefix(limit).map(\.name)
    }

    /// " (did you mean GBK?)" / " (did you mean 080701 or 080702?)", or "" when nothing is near:
    /// ready to append to an error message.
    public static func suggestion(for name: String, in candidates: some Sequence<String>, limit: Int = 3,
                                  quote: (String) -> String = { $0 }) -> String {
        let near = nearest(to: name, in: candidates, limit: limit).map(quote)
        guard let last = near.last else { return "" }
        let list = near.count == 1 ? last : near.dropLast().joined(separator: ", ") + " or " + last
        return " (did you mean \(list)?)"
    }
}
