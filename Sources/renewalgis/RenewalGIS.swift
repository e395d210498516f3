import ArgumentParser
import Foundation
import GeoKernel
import RenewalStore
import Support

@main
struct RenewalGIS: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "renewalgis",
        abstract: "GIS analysis for urban renewal (城市更新): load planning layers, find gaps and conflicts, serve results.",
        discussion: """
            Layers live in one SpatiaLite store, always in EPSG:4490 (CGCS2000 lon/lat).

            Examples:
              renewalgis import GeoData/streets.geojson --store city.sqlite
              renewalgis run GeoData/project.yaml
            """,
        version: version,
        subcommands: [Import.self, Layers.self, Settings.self, Export.self, Coverage.self, Access.self, Checkup.self, Conflicts.self, Eligibility.self, Rules.self, Units.self, Run.self, Serve.self, Partition.self, Tiles.self]
    )

    static func main() async {
        refuseUnknownCommand(Array(CommandLine.arguments.dropFirst()))
        printHelpIfAsked(Array(CommandLine.arguments.dropFirst()))
        limitMallocArenasToCores()
        SpatialStore.configureSQLite()
        await main(nil)
    }
}

/// A first argument that is neither an option nor a subcommand is answered with the nearest
/// subcommands and the usage exit code (the parser alone would call it an unexpected argument).
func refuseUnknownCommand(_ arguments: [String]) {
    guard let first = arguments.first, !first.hasPrefix("-") else { return }
    let names = RenewalGIS.configuration.subcommands.map { $0._commandName } + ["help"]
    guard !names.contains(first) else { return }
    Terminal.error("unknown command \(first)\(NearestNames.suggestion(for: first, in: names)); the commands are \(names.dropLast().joined(separator: ", ")) (renewalgis --help)")
    exit(ExitStatus.usage)
}

/// `--help`, `-h` and `help [command]`: the parser's help, with the lines that Chinese text makes
/// wider than the terminal re-wrapped (the parser counts characters; a CJK character takes two
/// columns).
func printHelpIfAsked(_ arguments: [String]) {
    let commands = RenewalGIS.configuration.subcommands
    func command(_ name: String?) -> ParsableCommand.Type? { commands.first { $0._commandName == name } }
    var target: ParsableCommand.Type = RenewalGIS.self
    if arguments.first == "help" {
        if arguments.count > 1 { guard let c = command(arguments[1]) else { return }; target = c }
    } else if arguments.contains("--help") || arguments.contains("-h") {
        if let first = arguments.first, !first.hasPrefix("-") { guard let c = command(first) else { return }; target = c }
    } else {
        return
    }
    let width = HelpText.width
    print(HelpText.fit(RenewalGIS.helpMessage(for: target, columns: 100_000), width: width))
    exit(0)
}

/// Help wrapped for the terminal by display width (a CJK character takes two columns): prose at
/// spaces, an option's description under its description column, an example command with a
/// shell continuation (` \`) so that it can still be copied and run.
enum HelpText {
    /// COLUMNS, else the terminal's width, else 80 (as the parser chooses).
    static var width: Int {
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(text), n >= 40 { return n }
        var size = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 40 { return Int(size.ws_col) }
        return 80
    }

    /// `help` as the parser renders it without wrapping, wrapped to `width`.
    static func fit(_ help: String, width: Int) -> String {
        var out: [String] = []
        var section = "", inExamples = false
        for line in help.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { inExamples = false }
            if ["Example:", "Examples:"].contains(trimmed) { inExamples = true; out.append(line); continue }
            if let colon = line.firstIndex(of: ":"), !line.hasPrefix(" "), line[..<colon].allSatisfy({ $0.isUppercase }) { section = String(line[..<colon]) }
            let leading = line.prefix { $0 == " " }.count
            if inExamples, leading > 0, !line.hasSuffix("\\") {
                out += wrap(line, width: width, indent: leading + 4, continuation: " \\")
            } else if ["OPTIONS", "ARGUMENTS", "SUBCOMMANDS"].contains(section), leading >= 2 {
                out += wrap(line, width: width, indent: 26)
            } else if section == "USAGE", line.hasPrefix("USAGE:") {
                out += wrap(line, width: width, indent: 7)
            } else {
                out += wrap(line, width: width, indent: leading)
            }
        }
        return out.joined(separator: "\n")
    }

    /// `line` broken at spaces into lines of at most `width` columns (with `continuation` appended
    /// to every line but the last); later lines start with `indent` spaces. A word longer than the
    /// line stands alone.
    static func wrap(_ line: String, width: Int, indent: Int, continuation: String = "") -> [String] {
        var out: [String] = []
        var rest = line
        let room = width - TextTable.displayWidth(continuation)
        while TextTable.displayWidth(rest) > width {
            var used = 0, cut: String.Index?
            // Never break inside the indentation: the first break is after the first word.
            let floor = rest.firstIndex { $0 != " " } ?? rest.startIndex
            for index in rest.indices {
                used += TextTable.displayWidth(String(rest[index]))
                if used > room { break }
                if rest[index] == " ", index > floor, rest[rest.index(before: index)] != " " { cut = index }
            }
            if cut == nil { cut = rest.indices.first { $0 > floor && rest[$0] == " " && rest[rest.index(before: $0)] != " " } }
            guard let cut else { break }
            out.append(String(rest[..<cut]) + continuation)
            rest = String(repeating: " ", count: indent) + rest[rest.index(after: cut)...].drop { $0 == " " }
        }
        return out + [rest]
    }
}

/// Runs a command body and turns any error into one line on stderr and the exit code of its kind
/// (`ExitStatus`; no stack trace: every error type here says what and where in its description).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        Terminal.error("\(error)")
        throw ExitCode(ExitStatus.code(for: error))
    }
}
