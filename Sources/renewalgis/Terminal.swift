import Foundation

/// Messages and progress on stderr; results go to stdout.
enum Terminal {
    static let isInteractive = isatty(STDERR_FILENO) == 1

    static func error(_ message: String) { write("renewalgis: error: \(message)\n") }
    static func warning(_ message: String) { write("renewalgis: warning: \(message)\n") }
    static func info(_ message: String) { write("\(message)\n") }

    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// A one-line progress display on stderr (count and rate), redrawn at most 10 times a
/// second; silent when stderr is not a terminal.
final class ProgressLine {
    private let label: String
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(_ label: String) { self.label = label }

    func update(_ count: Int, force: Bool = false) {
        guard Terminal.isInteractive else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(started), 1e-6)
        let rate = Int(Double(count) / elapsed)
        Terminal.write("\r\u{1B}[2K\(label): \(count.formatted()) features, \(rate.formatted()) features/s")
        drawn = true
    }

    func finish() {
        if drawn { Terminal.write("\r\u{1B}[2K") }
    }
}

/// Renders rows as an aligned text table (CJK characters count double width).
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        func width(_ s: String) -> Int {
            s.unicodeScalars.reduce(0) { $0 + (($1.value >= 0x1100 && $1.properties.isAlphabetic && $1.value > 0x2E80) ? 2 : 1) }
        }
        var widths = header.map(width)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], width(cell)) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in c + String(repeating: " ", count: widths[i] - width(c)) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var out = [line(header), line(widths.map { String(repeating: "-", count: $0) })]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }
}
