import Foundation
import Synchronization
import ArgumentParser
import RenewalRunner

/// Messages and progress on stderr; results go to stdout.
enum Terminal {
    static let isInteractive = isatty(STDERR_FILENO) == 1

    static func error(_ message: String) { write("renewalgis: error: \(message)\n") }
    static func warning(_ message: String) { write("renewalgis: warning: \(message)\n") }
    static func info(_ message: String) { write("\(message)\n") }

    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Columns available to a table on stdout: `COLUMNS` when set, else the terminal's width when
    /// stdout is one, else 100 (a file or a pipe; what a report or an e-mail shows comfortably).
    static var width: Int {
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(text), n >= 40 { return n }
        var size = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 40 { return Int(size.ws_col) }
        return 100
    }

    /// A path as messages show it (`GeoData/../out/x` → `out/x`).
    static func path(_ path: String) -> String { PathNames.clean(path) }
}

/// A one-line progress display on stderr, redrawn by a timer twice a second from the start (so a
/// slow first step — GDAL opening a large file — shows too): what is being done, how far of how
/// much with the percentage when the total is known, the rate, and the time so far. Silent when
/// stderr is not a terminal.
final class ProgressLine: Sendable {
    /// What the line shows, and whether it is on the screen.
    private struct State {
        var label: String
        var count = 0
        var total: Int?
        var unit: String
        var phaseStarted = Date()
        /// A reading of work done that the line polls (bytes of a file read so far, while it opens).
        var poll: (@Sendable () -> (done: Int, total: Int)?)?
        var drawn = false
        /// Set by `finish`: the line is no longer drawn.
        var stopped = false
    }

    private let state: Mutex<State>
    private let started = Date()
    /// Redraws the line; nil when stderr is not a terminal. (Dispatch sources may be cancelled from any
    /// thread, which is all `finish` and `deinit` do with it.)
    nonisolated(unsafe) private let timer: DispatchSourceTimer?

    init(_ label: String, total: Int? = nil, unit: String = "features", interactive: Bool = Terminal.isInteractive) {
        state = Mutex(State(label: label, total: total, unit: unit))
        timer = interactive ? DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility)) : nil
        guard let timer else { return }
        timer.schedule(deadline: .now() + 0.25, repeating: 0.5)
        timer.setEventHandler { [weak self] in self?.draw() }
        timer.resume()
    }

    /// Starts a new step of the same job: its label, total (if known) and unit; the count restarts.
    func phase(_ label: String, total: Int? = nil, unit: String = "features", poll: (@Sendable () -> (done: Int, total: Int)?)? = nil) {
        state.withLock { s in (s.label, s.total, s.unit, s.poll, s.count, s.phaseStarted) = (label, total, unit, poll, 0, Date()) }
    }

    func update(_ count: Int) {
        state.withLock { $0.count = count }
    }

    /// The text of the line as it stands (also for tests of the format).
    func text(now: Date = Date()) -> String {
        let started = self.started
        return state.withLock { s in
            ProgressLine.format(label: s.label, done: s.count, total: s.total, unit: s.unit, reading: s.poll?(),
                                phaseSeconds: now.timeIntervalSince(s.phaseStarted), seconds: now.timeIntervalSince(started))
        }
    }

    /// "importing parcels: 12,345 of 100,000 features (12 %), 45,000 features/s, 0:02";
    /// with `unit` "bytes" the reading (bytes of a file read so far) is the amount:
    /// "opening big.geojson: 45 MB of 230 MB (20 %), 40.0 MB/s, 0:01"; with features but no
    /// total, the reading gives the percentage ("12,345 features (35 % of the file)").
    static func format(label: String, done: Int, total: Int?, unit: String, reading: (done: Int, total: Int)?,
                       phaseSeconds: Double, seconds: Double) -> String {
        func megabytes(_ n: Int) -> String { String(format: n >= 10 << 20 ? "%.0f MB" : "%.1f MB", Double(n) / 1_048_576) }
        func percent(_ a: Int, _ b: Int) -> String { String(format: "%.0f %%", min(100, Double(a) / Double(max(b, 1)) * 100)) }
        let elapsed = max(phaseSeconds, 1e-3)
        var text = "\(label): "
        if unit == "bytes" {
            if let reading {
                text += "\(megabytes(reading.done)) of \(megabytes(reading.total)) (\(percent(reading.done, reading.total))), "
                text += String(format: "%.1f MB/s, ", Double(reading.done) / elapsed / 1_048_576)
            }
        } else {
            if let total, total > 0 {
                text += "\(done.formatted()) of \(total.formatted()) \(unit) (\(percent(done, total))), "
            } else if let reading {
                text += "\(done.formatted()) \(unit) (\(percent(reading.done, reading.total)) of the file), "
            } else {
                text += "\(done.formatted()) \(unit), "
            }
            text += "\(Int(Double(done) / elapsed).formatted()) \(unit)/s, "
        }
        let s = Int(seconds)
        return text + String(format: "%d:%02d", s / 60, s % 60)
    }

    private func draw() {
        let line = text()
        state.withLock { s in
            guard !s.stopped else { return }
            Terminal.write("\r\u{1B}[2K" + line)
            s.drawn = true
        }
    }

    /// Stops the timer and clears the line.
    func finish() {
        state.withLock { $0.stopped = true }
        timer?.setEventHandler {}
        timer?.cancel()
        state.withLock { s in
            if s.drawn { Terminal.write("\r\u{1B}[2K") }
            s.drawn = false
        }
    }

    deinit { timer?.cancel() }
}

/// How far this process has read a file it has open (Linux: the file offset in /proc/self/fdinfo),
/// for progress while a library (GDAL) opens it. nil when the file is not open or not on Linux.
enum FileReadProgress {
    static func reading(_ path: String) -> (@Sendable () -> (done: Int, total: Int)?)? {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let size = (try? FileManager.default.attributesOfItem(atPath: target)[.size]) as? Int, size > 0,
              FileManager.default.fileExists(atPath: "/proc/self/fdinfo") else { return nil }
        // The descriptor found last time, tried first (the line polls twice a second).
        let known = Mutex<String?>(nil)
        return {
            func offset(_ fd: String) -> Int? {
                guard let info = try? String(contentsOfFile: "/proc/self/fdinfo/\(fd)", encoding: .utf8),
                      let line = info.split(separator: "\n").first(where: { $0.hasPrefix("pos:") }) else { return nil }
                return Int(line.dropFirst(4).trimmingCharacters(in: .whitespaces))
            }
            if let fd = known.withLock({ $0 }), (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) == target,
               let pos = offset(fd) {
                return (min(pos, size), size)
            }
            known.withLock { $0 = nil }
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) == target {
                known.withLock { $0 = fd }
                if let pos = offset(fd) { return (min(pos, size), size) }
            }
            return nil
        }
    }
}

/// Renders rows as an aligned text table (CJK characters count double width) that fits `width`
/// columns: when the natural widths do not fit, the widest columns are narrowed and their cells
/// wrap onto continuation lines (at spaces, `;`, `,` or `/` where possible).
enum TextTable {
    /// Terminal columns of `s`: East Asian wide and full-width characters take two.
    static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { n, u in
            let v = u.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return n + (wide ? 2 : 1)
        }
    }

    static func render(header: [String], rows: [[String]], width: Int = Terminal.width) -> String {
        let gap = 2
        var widths = header.map(displayWidth)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], displayWidth(cell)) } }
        // Too wide: narrow the widest column, a column at a time. Cells and headers break between
        // words where they can (a path at its slashes, "parcels with gap" at its spaces); only a
        // table that still does not fit breaks inside words (never below 6 or a header word).
        let words = header.map { $0.split(separator: " ").map { displayWidth(String($0)) }.max() ?? 0 }
        func total() -> Int { widths.reduce(0, +) + gap * max(0, widths.count - 1) }
        func longestWord(_ s: String) -> Int {
            // Words as `wrap` cuts them: up to and including a break character ("GeoData/").
            var longest = 0, current = ""
            for c in s {
                current.append(c)
                if " ;,/".contains(c) {
                    longest = max(longest, displayWidth(current.trimmingCharacters(in: .whitespaces)))
                    current = ""
                }
            }
            return max(longest, displayWidth(current))
        }
        var tokens = header.map { _ in 0 }
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { tokens[i] = max(tokens[i], longestWord(cell)) } }
        for floor in [zip(words, tokens).map { max(6, $0, $1) }, words.map { max(6, $0) }] {
            while total() > width {
                guard let i = widths.indices.filter({ widths[$0] > floor[$0] }).max(by: { widths[$0] < widths[$1] }) else { break }
                widths[i] -= 1
            }
        }
        func lines(_ cells: [String]) -> [String] {
            let wrapped = widths.indices.map { i in wrap(i < cells.count ? cells[i] : "", to: widths[i]) }
            let height = wrapped.map(\.count).max() ?? 1
            return (0..<height).map { k in
                widths.indices.map { i in
                    let c = k < wrapped[i].count ? wrapped[i][k] : ""
                    return c + String(repeating: " ", count: max(0, widths[i] - displayWidth(c)))
                }.joined(separator: String(repeating: " ", count: gap)).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            }
        }
        var out = lines(header) + [widths.map { String(repeating: "-", count: $0) }.joined(separator: String(repeating: " ", count: gap))]
        for row in rows { out += lines(row) }
        return out.joined(separator: "\n")
    }

    /// `text` broken into lines of at most `width` display columns, preferring breaks after a
    /// space, `;`, `,` or `/`.
    static func wrap(_ text: String, to width: Int) -> [String] {
        guard displayWidth(text) > width, width > 0 else { return [text] }
        var out: [String] = []
        var rest = Substring(text)
        while displayWidth(String(rest)) > width {
            var used = 0, cut = rest.startIndex, lastBreak: String.Index?
            for index in rest.indices {
                let w = displayWidth(String(rest[index]))
                if used + w > width { break }
                used += w
                cut = rest.index(after: index)
                if " ;,/".contains(rest[index]) { lastBreak = cut }
            }
            if cut == rest.startIndex { cut = rest.index(after: rest.startIndex) }
            let end = lastBreak ?? cut
            out.append(String(rest[..<end]).trimmingCharacters(in: .whitespaces))
            rest = rest[end...].drop { $0 == " " }
        }
        if !rest.isEmpty { out.append(String(rest)) }
        return out
    }
}

/// What `--store` takes, said once for every command.
enum StoreHelp {
    static let text = ArgumentHelp("The store: a SpatiaLite file, or a PostGIS database as postgresql://user@host[:port]/db[?schema=name] (PG* environment variables fill what the URL leaves out).",
                                   valueName: "store")
    static let creating = ArgumentHelp("The store: a SpatiaLite file (created when missing), or a PostGIS database as postgresql://user@host[:port]/db[?schema=name] (PG* environment variables fill what the URL leaves out).",
                                       valueName: "store")
}

/// What `--district` takes, said once for every analysis.
enum DistrictHelp {
    static let text = ArgumentHelp("Only this district (its code in the store's districts layer, see `renewalgis partition`): its own parcels, read with everything within reach, written over its rows of the result layers (a PostGIS store).",
                                   valueName: "code")
}

extension StoreAddress: ExpressibleByArgument {
    public init?(argument: String) {
        guard !argument.isEmpty else { return nil }
        self.init(argument)
    }
}
