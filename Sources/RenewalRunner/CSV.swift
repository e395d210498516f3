/// CSV text for the result files (RFC 4180 quoting).
enum CSV {
    /// `s` as one CSV field: quoted, with quotes doubled, only when it holds a comma, quote or line break.
    static func cell(_ s: String) -> String {
        var special = false, quote = false
        for byte in s.utf8 {
            if byte == UInt8(ascii: "\"") { quote = true; special = true; break }
            if byte == UInt8(ascii: ",") || byte == 10 || byte == 13 { special = true }
        }
        guard special else { return s }
        guard quote else { return "\"" + s + "\"" }
        return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// One CSV line (with its newline) from fields.
    static func line(_ fields: [String]) -> String {
        var out = ""
        for (i, f) in fields.enumerated() {
            if i > 0 { out += "," }
            out += cell(f)
        }
        out += "\n"
        return out
    }
}
